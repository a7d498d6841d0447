"""Conditional GET for public reads: ETag and Last-Modified from what changed, 304 when nothing did, and the
rendered page kept under its validator.

The validators come from one statement of index lookups (no scan): the newest save of any posting, company,
market range or exchange rate, and the latest expiry time already passed by a posting still marked published
(visibility changes at that moment, before the expiry task saves anything). Any change to what a public
list or detail can show moves one of them, so an unchanged validator means an unchanged response: the page
rendered for it is kept in the cache under the validator and served as it is, and a change needs no
invalidation, since it makes a new key.
"""

import hashlib
from datetime import UTC, datetime
from decimal import Decimal

import orjson
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpResponse
from django.utils import timezone
from django.utils.http import http_date, parse_http_date_safe

from insights.models import MarketRange
from jobs.models import Company, JobPosting, PostingStatus
from salaries.models import ExchangeRate


def _validator_sql() -> str:
    return f"""
        SELECT (SELECT max(updated_at) FROM {JobPosting._meta.db_table}),
               (SELECT max(updated_at) FROM {Company._meta.db_table}),
               (SELECT max(computed_at) FROM {MarketRange._meta.db_table}),
               (SELECT max(updated_at) FROM {ExchangeRate._meta.db_table}),
               (SELECT max(expires_at) FROM {JobPosting._meta.db_table} WHERE status = %s AND expires_at <= %s)
    """


def data_validators(now=None) -> tuple[str, datetime | None]:
    """(a version string, the last time anything public changed) for the postings and market data."""
    now = now or timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(_validator_sql(), [PostingStatus.PUBLISHED, now])
        row = cursor.fetchone()
    stamps = [_as_datetime(value) for value in row]
    known = [stamp for stamp in stamps if stamp is not None]
    return "|".join(stamp.isoformat() if stamp else "-" for stamp in stamps), max(known) if known else None


def posting_validators(head: dict, keys) -> tuple[str, datetime | None]:
    """Validators of one posting's page: the posting, its company, the ranges its context reads and the exchange
    rates. Narrower than `data_validators`: another posting's expiry or edit leaves them as they are."""
    keys = sorted(keys)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT max(computed_at) FROM {MarketRange._meta.db_table} WHERE key IN ({', '.join(['%s'] * len(keys))})),"
            f" (SELECT max(updated_at) FROM {ExchangeRate._meta.db_table})",
            keys,
        )
        ranges, rates = (_as_datetime(value) for value in cursor.fetchone())
    stamps = [head["updated_at"], head["company__updated_at"], head["expires_at"], ranges, rates]
    known = [stamp for stamp in stamps if stamp is not None and stamp <= timezone.now()]
    return "|".join(stamp.isoformat() if stamp else "-" for stamp in stamps), max(known) if known else None


def _as_datetime(value):
    """SQLite returns text from max(); PostgreSQL a datetime."""
    if value is None or isinstance(value, datetime):
        return value
    parsed = datetime.fromisoformat(str(value))
    return parsed if timezone.is_aware(parsed) else parsed.replace(tzinfo=UTC)


def _default(value):
    if isinstance(value, Decimal):
        return float(value)  # as DRF renders decimals here (COERCE_DECIMAL_TO_STRING is off)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def render_json(data) -> bytes:
    return orjson.dumps(data, default=_default, option=orjson.OPT_UTC_Z)


def conditional(
    request, *, variant: str, build, validators: tuple[str, datetime | None] | None = None,
    render=render_json, content_type: str = "application/json",
) -> HttpResponse:  # fmt: skip
    """Answer 304 when the client's copy is current; else the page kept for this validator, or `build()`'s.

    `variant` names everything besides the data that shapes the response (the path and query, who asks);
    `build` returns the body (JSON-able, or what `render` turns into bytes: an HTML page's text) and any headers
    of its own (a `Link`, say). `validators` narrower than the whole data's (`data_validators`) may be given by
    a response that depends on less."""
    version, last_modified = validators or data_validators()
    digest = hashlib.sha256(f"{version}|{variant}".encode()).hexdigest()[:32]
    headers = {"ETag": f'"{digest}"', "Cache-Control": "no-cache", "Vary": "Authorization, Cookie"}
    if last_modified is not None:
        headers["Last-Modified"] = http_date(last_modified.timestamp())
    if _not_modified(request, headers["ETag"], last_modified):
        return HttpResponse(status=304, headers=headers)
    kept = cache.get(f"page:{digest}")
    if kept is None:
        body, own_headers = build()
        kept = (render(body), own_headers)
        cache.set(f"page:{digest}", kept, settings.RESPONSE_CACHE_SECONDS)
    content, own_headers = kept
    return HttpResponse(content, content_type=content_type, headers={**headers, **own_headers})


def _not_modified(request, etag: str, last_modified: datetime | None) -> bool:
    match = request.headers.get("If-None-Match")
    if match is not None:
        return match.strip() == "*" or etag in [tag.strip().removeprefix("W/") for tag in match.split(",")]
    since = parse_http_date_safe(request.headers.get("If-Modified-Since") or "")
    return since is not None and last_modified is not None and int(last_modified.timestamp()) <= since
