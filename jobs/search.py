"""Where a posting's text is made searchable, and how a search is matched and ranked.

PostgreSQL (production): each posting keeps a weighted `search_vector` (title and skills A, company name B,
description C; English stemming, so `models` finds "model"), written by the posting services in the same
transaction as the text it is made from (`postings_search_refresh`) and served by a GIN index; a search is
`websearch_to_tsquery` (quoted phrases, `-word` to exclude, `or`) matched against it and ranked by `ts_rank_cd`.
SQLite (the embedded default): every word of the search must appear, as a substring, in the title, the
description, the company's name or the skills; results are then ordered newest first (no ranking).
"""

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection
from django.db.models import F, FloatField, Q, QuerySet, Value

SEARCH_CONFIG = "english"
MAX_QUERY_LENGTH = 200
RANK_WINDOW = 2_000  # best match is ranked among this many newest matches (postings_matching)

# The vector, as SQL over a posting row `p` and its company `c`. Skills are slugs ("pytorch", "computer-vision"):
# their hyphens become spaces so each word is a lexeme. The description is sanitised HTML: tags become spaces.
VECTOR_SQL = (
    f"setweight(to_tsvector('{SEARCH_CONFIG}', coalesce(p.title, '')), 'A') || "
    f"setweight(to_tsvector('{SEARCH_CONFIG}', translate(coalesce(p.skills::text, ''), '[]\",-', '     ')), 'A') || "
    f"setweight(to_tsvector('{SEARCH_CONFIG}', coalesce(c.name, '')), 'B') || "
    f"setweight(to_tsvector('{SEARCH_CONFIG}', regexp_replace(coalesce(p.description, ''), '<[^>]*>', ' ', 'g')), 'C')"
)


def postings_search_refresh(
    *, ids: list[int] | None = None, company_id: int | None = None, from_id: int | None = None
) -> int:
    """Rewrite the search vector of these postings (or of one company's, or those from id `from_id` on, as a bulk
    load adds them, or all), in the caller's transaction. PostgreSQL only (a no-op on SQLite, which searches the
    columns themselves); returns the rows written."""
    if connection.vendor != "postgresql":
        return 0
    condition, params = "", []
    if ids is not None:
        if not ids:
            return 0
        condition, params = " AND p.id = ANY(%s)", [list(ids)]
    elif company_id is not None:
        condition, params = " AND p.company_id = %s", [company_id]
    elif from_id is not None:
        condition, params = " AND p.id >= %s", [from_id]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE jobs_jobposting p SET search_vector = {VECTOR_SQL} FROM jobs_company c "
            f"WHERE c.id = p.company_id{condition}",
            params,
        )
        return cursor.rowcount


def postings_matching(queryset: QuerySet, text: str, *, ranked: bool) -> QuerySet:
    """The postings of `queryset` that match the search `text`; with `ranked`, annotated with `rank` (higher is
    a better match; 0 on SQLite)."""
    text = " ".join(text.split())[:MAX_QUERY_LENGTH]
    if not text:
        return queryset
    if connection.vendor == "postgresql":
        query = SearchQuery(text, config=SEARCH_CONFIG, search_type="websearch")
        matched = queryset.filter(search_vector=query)
        if ranked:
            # Ranked among the RANK_WINDOW newest matches: ranking is computed row by row and no index orders by
            # it, so ranking every match of a common word (a third of a million postings say "pytorch") would
            # cost seconds; the newest matches come off the feed index or the GIN bitmap, whichever is cheaper.
            newest = matched.order_by("-published_at", "-id").values("pk")[:RANK_WINDOW]
            matched = queryset.filter(pk__in=newest)
            # cover density, normalised by document length (1 + log of it), so a long description does not win
            matched = matched.annotate(rank=SearchRank(F("search_vector"), query, cover_density=True, normalization=1))
        return matched
    condition = Q()
    for word in text.replace('"', " ").split():
        if word.startswith("-") or word.lower() == "or":
            continue  # PostgreSQL's operators; the fallback only requires words
        condition &= (
            Q(title__icontains=word)
            | Q(description__icontains=word)
            | Q(company__name__icontains=word)
            | Q(skills__icontains=word)
        )
    matched = queryset.filter(condition)
    return matched.annotate(rank=Value(0.0, output_field=FloatField())) if ranked else matched
