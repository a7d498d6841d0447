"""Keyset (cursor) pagination: every page is an index range scan from where the last one stopped, so page 1 and
a page 90% deep cost the same, and no request counts the table.

The cursor names the last row's values of the list's ordering (which ends in a unique field, such as the id)
and the direction. `next` and `previous` are links, also sent as a `Link` header (RFC 8288). An optional,
bounded count (`?count=true`) counts at most COUNT_LIMIT matching rows: exact below that, a lower bound above.
"""

import base64
import binascii
import json
from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.db.models import Q, QuerySet
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
COUNT_LIMIT = 10_000


def page_size_of(request) -> int:
    raw = request.query_params.get("page_size")
    if raw is None:
        return DEFAULT_PAGE_SIZE
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE_SIZE:
        raise ValidationError({"page_size": [f"A whole number from 1 to {MAX_PAGE_SIZE}."]}, code="invalid_page_size")
    return int(raw)


class KeysetPagination:
    """Pages of a queryset in `ordering` (field names, `-` for descending, the last one unique)."""

    def __init__(self, ordering: tuple[str, ...]):
        self.ordering = ordering
        self.fields = [name.lstrip("-") for name in ordering]

    def paginate(self, queryset: QuerySet, request) -> list:
        self.request = request
        if "page" in request.query_params:
            raise ValidationError(
                {"page": ["This list is paged by cursor: follow `next` and `previous`."]}, code="unsupported"
            )
        self.page_size = page_size_of(request)
        position, backwards = self._decode(request.query_params.get("cursor"))
        ordering = self.ordering if not backwards else tuple(_flip(name) for name in self.ordering)
        self.with_count = self._wants_count(request)
        self.count = None
        if self.with_count:
            self.count = queryset.order_by()[: COUNT_LIMIT + 1].count()
        if position is not None:
            queryset = queryset.filter(self._after(position, ordering))
        rows = list(queryset.order_by(*ordering)[: self.page_size + 1])
        more = len(rows) > self.page_size
        rows = rows[: self.page_size]
        if backwards:
            rows.reverse()
        self.rows = rows
        # A page reached from a cursor always has the other side; the first page has no previous.
        self.has_next = more if not backwards else position is not None
        self.has_previous = (position is not None) if not backwards else more
        return rows

    def _wants_count(self, request) -> bool:
        raw = request.query_params.get("count")
        if raw is None:
            return False
        if raw not in ("true", "false"):
            raise ValidationError({"count": ["true or false."]}, code="invalid")
        return raw == "true"

    def _after(self, position: list, ordering: tuple[str, ...]) -> Q:
        """Rows strictly after `position` in `ordering`: (a > x) or (a = x and b > y) …, with the first field's
        bound also stated on its own (a ≥ x) so the database walks the index from there."""
        condition = Q(pk__in=[])
        for depth, name in enumerate(ordering):
            field = name.lstrip("-")
            step = Q(**{f"{field}__{'lt' if name.startswith('-') else 'gt'}": position[depth]})
            for earlier, value in zip(self.fields[:depth], position[:depth], strict=False):
                step &= Q(**{earlier: value})
            condition |= step
        first = ordering[0]
        bound = Q(**{f"{first.lstrip('-')}__{'lte' if first.startswith('-') else 'gte'}": position[0]})
        return bound & condition

    def _decode(self, cursor: str | None) -> tuple[list | None, bool]:
        if cursor is None:
            return None, False
        try:
            data = json.loads(base64.urlsafe_b64decode(cursor.encode() + b"=" * (-len(cursor) % 4)))
            values, backwards = data["v"], data["b"]
            if not isinstance(values, list) or len(values) != len(self.fields) or not isinstance(backwards, bool):
                raise ValueError
            return [_parse(value) for value in values], backwards
        except (ValueError, KeyError, TypeError, binascii.Error, UnicodeDecodeError, InvalidOperation):
            raise ValidationError({"cursor": ["Not a cursor this list gave out."]}, code="invalid_cursor") from None

    def _encode(self, row, *, backwards: bool) -> str:
        values = [_value(getattr(row, field) if not isinstance(row, dict) else row[field]) for field in self.fields]
        raw = json.dumps({"v": values, "b": backwards}, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    def _link(self, cursor: str | None) -> str | None:
        url = self.request.build_absolute_uri()
        if cursor is None:
            return None
        return replace_query_param(url, "cursor", cursor)

    def links(self) -> tuple[str | None, str | None]:
        following = self._encode(self.rows[-1], backwards=False) if self.has_next and self.rows else None
        preceding = self._encode(self.rows[0], backwards=True) if self.has_previous and self.rows else None
        previous = self._link(preceding)
        if self.has_previous and not self.rows:
            previous = remove_query_param(self.request.build_absolute_uri(), "cursor")
        return self._link(following), previous

    def page(self, results: list) -> tuple[dict, dict]:
        """The page's body and its `Link` header."""
        following, previous = self.links()
        body = {"next": following, "previous": previous}
        if self.with_count:
            body["count"] = min(self.count, COUNT_LIMIT)
            body["count_is_exact"] = self.count <= COUNT_LIMIT
        body["results"] = results
        links = [f'<{url}>; rel="{rel}"' for url, rel in ((following, "next"), (previous, "prev")) if url]
        return body, ({"Link": ", ".join(links)} if links else {})

    def response(self, results: list) -> Response:
        body, headers = self.page(results)
        return Response(body, headers=headers)


def _flip(name: str) -> str:
    return name[1:] if name.startswith("-") else f"-{name}"


def _value(value):
    if isinstance(value, datetime):
        return {"t": value.isoformat()}
    if isinstance(value, Decimal):
        return {"d": str(value)}
    if isinstance(value, float):
        return {"f": value}  # a search rank: JSON keeps a float exactly
    return value


def _parse(value):
    if isinstance(value, dict) and len(value) == 1:
        ((kind, raw),) = value.items()
        if kind == "t":
            return datetime.fromisoformat(raw)
        if kind == "d" and isinstance(raw, str):
            parsed = Decimal(raw)
            if not parsed.is_finite():
                raise ValueError(raw)
            return parsed
        if kind == "f" and isinstance(raw, (int, float)) and not isinstance(raw, bool):
            return float(raw)
        raise ValueError(value)
    if isinstance(value, (int, str)) and not isinstance(value, bool):
        return value
    raise ValueError(value)


def paginated_schema(item_serializer, extra: dict | None = None):
    """The OpenAPI shape of a keyset page of `item_serializer` items (one object, not a list of them), with any
    `extra` fields a list adds."""
    from drf_spectacular.utils import extend_schema_serializer
    from rest_framework import serializers

    fields = {
        "next": serializers.URLField(allow_null=True, help_text="The next page, or null on the last."),
        "previous": serializers.URLField(allow_null=True, help_text="The previous page, or null on the first."),
        "count": serializers.IntegerField(
            required=False, help_text=f"With ?count=true: matching rows, counted up to {COUNT_LIMIT}."
        ),
        "count_is_exact": serializers.BooleanField(required=False, help_text="false: `count` is a lower bound."),
        **(extra or {}),
        "results": item_serializer(many=True),
    }
    name = f"Paginated{item_serializer.__name__.removesuffix('Serializer')}List"
    return extend_schema_serializer(many=False)(type(name, (serializers.Serializer,), fields))
