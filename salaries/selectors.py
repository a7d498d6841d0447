from django.db.models import Count, F, OuterRef, Prefetch, QuerySet, Subquery

from salaries.models import BenchmarkFlag, BenchmarkRelease, BenchmarkSource, LadderLevel, SalaryBenchmark
from salaries.taxonomy import LEVEL_YEARS, Level

COMPARED_FIELDS = ["p10", "p25", "p50", "p75", "p90", "mean", "pay_min", "pay_max", "employment", "central_annual_usd"]


def latest_releases() -> QuerySet:
    """Each source's newest release: the latest publication date (undated last), then the latest import."""
    newest = BenchmarkRelease.objects.filter(source=OuterRef("source")).order_by(
        F("published_on").desc(nulls_last=True), "-imported_at", "-pk"
    )
    return BenchmarkRelease.objects.filter(pk=Subquery(newest.values("pk")[:1]))


def benchmarks_list(*, release: str | None = None) -> QuerySet:
    """Benchmarks of each source's latest release, or of the named release version."""
    benchmarks = SalaryBenchmark.objects.select_related("release__source").prefetch_related(
        Prefetch("flags", queryset=BenchmarkFlag.objects.order_by("code"))
    )
    if release:
        return benchmarks.filter(release__version=release)
    return benchmarks.filter(release__in=latest_releases())


def benchmark_sources_list() -> QuerySet:
    releases = (
        BenchmarkRelease.objects.annotate(benchmark_count=Count("benchmarks"))
        .order_by("-published_on", "-imported_at")
        .prefetch_related(
            Prefetch("flags", queryset=BenchmarkFlag.objects.select_related("benchmark").order_by("code"))
        )
    )
    return BenchmarkSource.objects.prefetch_related(Prefetch("releases", queryset=releases)).order_by("slug")


def benchmark_release_changes(*, source: BenchmarkSource, old: BenchmarkRelease, new: BenchmarkRelease) -> dict:
    """What changed between two releases of a source, figure by figure (matched on their keys)."""
    before = {b.key: b for b in old.benchmarks.all()}
    after = {b.key: b for b in new.benchmarks.all()}
    changed = []
    for key in sorted(before.keys() & after.keys()):
        differences = {
            name: {"from": getattr(before[key], name), "to": getattr(after[key], name)}
            for name in COMPARED_FIELDS
            if getattr(before[key], name) != getattr(after[key], name)
        }
        if differences:
            changed.append({"key": key, "label": after[key].label, "changes": differences})
    return {
        "source": source.slug,
        "from": old.version,
        "to": new.version,
        "added": [{"key": k, "label": after[k].label} for k in sorted(after.keys() - before.keys())],
        "removed": [{"key": k, "label": before[k].label} for k in sorted(before.keys() - after.keys())],
        "changed": changed,
        "unchanged": len(before.keys() & after.keys()) - len(changed),
    }


def level_ladder() -> list[dict]:
    """The canonical levels in order, with years of experience and the company rungs that match each."""
    rungs: dict[str, list[dict]] = {}
    for rung in LadderLevel.objects.all():
        rungs.setdefault(rung.level, []).append({"ladder": rung.ladder, "code": rung.code, "title": rung.title})
    return [
        {
            "level": level.value,
            "label": level.label,
            "years_from": LEVEL_YEARS[level][0],
            "years_to": LEVEL_YEARS[level][1],
            "company_levels": rungs.get(level.value, []),
        }
        for level in Level
    ]


def benchmarks_beside(segments: set[tuple[str, str, str]], *, per_segment: int = 10) -> dict[tuple, list[dict]]:
    """Curated benchmarks (each source's latest release) for each (role family, level, country): those of the
    role, or of no particular role, at that level, in that country or without one. One query for them all."""
    from django.db.models import Q

    if not segments:
        return {}
    wanted = Q(pk__in=[])
    for role, level, _ in segments:
        wanted |= Q(role_family__in=[role, ""], level=level)
    countries = {country for *_, country in segments} | {""}
    rows = benchmarks_list().filter(wanted, country__in=countries).order_by("-release__published_on", "key")
    found: dict[tuple, list[dict]] = {segment: [] for segment in segments}
    for b in rows[: 50 * len(segments)]:
        item = {
            "label": b.label or b.key, "source": b.release.source.title, "release": b.release.version,
            "country": b.country or None, "year": b.year, "measure": b.measure,
            "central_annual_usd": b.central_annual_usd,
            "provenance": {"kind": "benchmark", "source": b.release.source.title,
                           "as_of": b.release.published_on, "sample_size": b.employment},
        }  # fmt: skip
        for role, level, country in segments:
            matches = b.role_family in (role, "") and b.level == level and b.country in (country, "")
            if matches and len(found[role, level, country]) < per_segment:
                found[role, level, country].append(item)
    return found
