"""The API's JSON parser (DRF's DEFAULT_PARSER_CLASSES): imports nothing that loads DRF's views."""

import json

from django.conf import settings
from rest_framework import parsers
from rest_framework.exceptions import ParseError


def _depth(value, limit: int) -> int:
    """The nesting depth of parsed JSON, walked without recursion; stops once past `limit`."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, depth)
            if deepest > limit:
                return deepest
            stack.extend((child, depth + 1) for child in (item.values() if isinstance(item, dict) else item))
    return deepest


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, refusing JSON nested deeper than API_MAX_JSON_DEPTH (no real request needs more than a
    few levels; 100,000 brackets overflowed Python's recursion limit and answered 500) and NaN or Infinity."""

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.API_MAX_JSON_DEPTH
        raw = stream.read() if stream is not None else b""
        try:
            text = raw.decode((parser_context or {}).get("encoding") or settings.DEFAULT_CHARSET)
            data = json.loads(text, parse_constant=_refuse_constant)
        except RecursionError as error:
            raise ParseError(f"JSON may be nested at most {limit} levels deep.", code="too_deep") from error
        except (ValueError, UnicodeDecodeError) as error:
            raise ParseError(f"JSON parse error: {error}", code="parse_error") from error
        if _depth(data, limit) > limit:
            raise ParseError(f"JSON may be nested at most {limit} levels deep.", code="too_deep")
        return data


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not a number JSON allows")
