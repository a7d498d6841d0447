"""Benchmarks: import a source's release, and check its figures against each other and the market."""

import time
from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from config.errors import DomainError
from insights.models import MarketRange
from insights.segments import country_segment, world_segment
from salaries.importers import oews, seed_articles
from salaries.importers.report import ImportReport, RowError
from salaries.models import (
    BenchmarkFlag,
    BenchmarkRelease,
    BenchmarkSource,
    SalaryBenchmark,
    SourceClaim,
    SourceKind,
)
from salaries.money import annualise, rate_on, to_usd
from salaries.taxonomy import LEVEL_ORDER

OEWS_SOURCE = {
    "publisher": "US Bureau of Labor Statistics",
    "title": "Occupational Employment and Wage Statistics (OEWS)",
    "kind": SourceKind.GOVERNMENT_SURVEY,
    "url": "https://www.bls.gov/oes/",
    "citation": "U.S. Bureau of Labor Statistics, Occupational Employment and Wage Statistics, cross-industry estimates",
    "licence": "US public domain",
}
FIGURE_FIELDS = [
    "label", "role_family", "occupation", "level", "country", "region", "area", "company_size", "company_name",
    "industry", "year", "measure", "currency", "period", "p10", "p25", "p50", "p75", "p90", "mean", "pay_min",
    "pay_max", "open_ended_max", "equity_pct_min", "equity_pct_max", "employment", "notes",
    "central_annual_usd", "fx_rate_to_usd", "fx_rate_date",
]  # fmt: skip
FAR_FROM_MARKET_FACTOR = Decimal(3)


def benchmarks_import_oews(*, path: Path, release_version: str, year: int, published_on: date | None = None):
    report = ImportReport(source="bls-oews", file=Path(path).name, release=release_version)
    started = time.monotonic()
    figures = []
    for item in oews.read_figures(path, year=year):
        report.rows_read += 1
        if isinstance(item, RowError):
            report.rejected.append(item)
        else:
            figures.append(item)
    release = benchmark_release_import(
        slug="bls-oews",
        source_fields=OEWS_SOURCE,
        version=release_version,
        published_on=published_on,
        file_name=Path(path).name,
        figures=figures,
        report=report,
    )
    report.seconds = time.monotonic() - started
    return release, report


def benchmarks_load_seed_articles() -> list[BenchmarkRelease]:
    """Load the pay figures transcribed from the seed articles, one source per article."""
    releases = []
    sources = seed_articles.read_sources()
    claims = seed_articles.read_claims()
    for slug, figures in seed_articles.read_figures().items():
        about = sources[slug]
        releases.append(
            benchmark_release_import(
                slug=slug,
                source_fields={
                    "publisher": about["publisher"],
                    "title": about["title"],
                    "kind": SourceKind.CURATED_ARTICLE,
                    "citation": f"{about['title']} (seed article {about['seed_file']})",
                    "licence": "quoted as facts with the source named",
                },
                version="as transcribed 2026-11-23",
                published_on=None,
                file_name=seed_articles.SEED_FIGURES.name,
                figures=figures,
                report=ImportReport(source=slug, file=seed_articles.SEED_FIGURES.name),
            )
        )
        for claim in claims[slug]:
            SourceClaim.objects.update_or_create(release=releases[-1], key=claim["key"], defaults=claim)
    return releases


def benchmark_release_import(
    *, slug: str, source_fields: dict, version: str, published_on, file_name: str, figures: Iterable[dict], report
) -> BenchmarkRelease:
    """Create or refresh one release of a source. Other releases of the source are left as they are."""
    with transaction.atomic():
        source, _ = BenchmarkSource.objects.update_or_create(slug=slug, defaults=source_fields)
        release, _ = BenchmarkRelease.objects.update_or_create(
            source=source, version=version, defaults={"published_on": published_on, "file_name": file_name}
        )
        existing = {b.key: b for b in release.benchmarks.all()}
        new, changed = [], []
        for fields in figures:
            try:
                fields = {**fields, **_central(fields, published_on)}
            except DomainError as error:
                report.reject(0, "currency", f"{fields['key']}: {error.message}")
                continue
            old = existing.get(fields["key"])
            if old is None:
                new.append(SalaryBenchmark(release=release, **fields))
            elif any(getattr(old, name) != fields.get(name, _default(name)) for name in FIGURE_FIELDS):
                for name in FIGURE_FIELDS:
                    setattr(old, name, fields.get(name, _default(name)))
                changed.append(old)
        SalaryBenchmark.objects.bulk_create(new, batch_size=1000)
        SalaryBenchmark.objects.bulk_update(changed, FIGURE_FIELDS, batch_size=500)
        report.imported += len(new)
        report.updated += len(changed)
        report.unchanged += report.rows_read - len(new) - len(changed) - len(report.rejected)
        benchmark_release_check(release=release)
    return release


def _default(name: str):
    return SalaryBenchmark._meta.get_field(name).get_default()


def _central(fields: dict, published_on) -> dict:
    """The figure's central value in annual USD: median, else mean, else midpoint of the range."""
    value = fields.get("p50") or fields.get("mean")
    if value is None and fields.get("pay_min") is not None and fields.get("pay_max") is not None:
        value = (fields["pay_min"] + fields["pay_max"]) / 2
    value = value if value is not None else fields.get("pay_min")
    if value is None:
        return {"central_annual_usd": None, "fx_rate_to_usd": None, "fx_rate_date": None}
    on = published_on or (date(fields["year"], 7, 1) if fields.get("year") else timezone.now().date())
    rate = rate_on(fields["currency"], on)
    return {
        "central_annual_usd": to_usd(annualise(value, fields.get("period", "YEAR")), rate),
        "fx_rate_to_usd": rate.rate_to_usd,
        "fx_rate_date": rate.date,
    }


def benchmark_release_check(*, release: BenchmarkRelease) -> list[BenchmarkFlag]:
    """Replace the release's flags with what its figures show now. Contradictions are flagged, not fixed.

    A flag found again keeps its review (a curator who accepted or dismissed it is not asked twice) and its
    detection time; a flag no longer found goes, its review with it (the audit trail keeps the review)."""
    benchmarks = list(release.benchmarks.all())
    flags = [*_inverted_ranges(benchmarks), *_level_order(benchmarks), *_far_from_market(benchmarks)]
    with transaction.atomic():
        reviewed = {
            (flag.benchmark_id, flag.code): flag
            for flag in release.flags.select_for_update().exclude(status=BenchmarkFlag.Review.OPEN)
        }
        for flag in flags:
            if (old := reviewed.get((flag.benchmark_id, flag.code))) is not None:
                flag.status, flag.review_note = old.status, old.review_note
                flag.reviewed_by_id, flag.reviewed_at = old.reviewed_by_id, old.reviewed_at
        release.flags.all().delete()
        BenchmarkFlag.objects.bulk_create(flags)
    return flags


def benchmark_flag_review(*, flag: BenchmarkFlag, user, status: str, note: str = "") -> BenchmarkFlag:
    """Accept (the figure stands), dismiss (not a contradiction) or reopen a consistency flag, with a note."""
    from jobs.audit import audit_record
    from jobs.models import AuditAction

    if status not in BenchmarkFlag.Review.values:
        raise DomainError(f"Unknown review {status!r}.", field="status", code="invalid_choice")
    if status != BenchmarkFlag.Review.OPEN and not note.strip():
        raise DomainError("Say why: the note is what the next curator reads.", field="review_note", code="required")
    with transaction.atomic():
        flag = BenchmarkFlag.objects.select_for_update().get(pk=flag.pk)
        before = [flag.status, flag.review_note]
        reopened = status == BenchmarkFlag.Review.OPEN
        flag.status, flag.review_note = status, note.strip()
        flag.reviewed_by, flag.reviewed_at = (None, None) if reopened else (user, timezone.now())
        flag.save(update_fields=["status", "review_note", "reviewed_by", "reviewed_at"])
        audit_record(
            action=AuditAction.FLAG_REVIEWED, obj=flag, actor=user, note=flag.review_note,
            changes={"status": [before[0], flag.status], "review_note": [before[1], flag.review_note]},
        )  # fmt: skip
    return flag


def benchmark_save(*, benchmark: SalaryBenchmark, user) -> SalaryBenchmark:
    """A curator's correction of one figure (the admin's edit form): its central value in annual USD is worked
    out again, the release's consistency checks run again, and the before and after go in the audit trail."""
    from jobs.audit import audit_record, changes_between, fields_of
    from jobs.models import AuditAction

    edited = [name for name in FIGURE_FIELDS if name not in {"central_annual_usd", "fx_rate_to_usd", "fx_rate_date"}]
    with transaction.atomic():
        stored = SalaryBenchmark.objects.select_for_update().filter(pk=benchmark.pk).first()
        before = fields_of(stored, FIGURE_FIELDS) if stored else {}
        figures = {name: getattr(benchmark, name) for name in edited}
        for name, value in _central(figures, benchmark.release.published_on).items():
            setattr(benchmark, name, value)
        benchmark.save()
        changes = changes_between(before, fields_of(benchmark, FIGURE_FIELDS))
        if changes:
            audit_record(action=AuditAction.BENCHMARK_CHANGED, obj=benchmark, actor=user, changes=changes)
            benchmark_release_check(release=benchmark.release)
    return benchmark


def _inverted_ranges(benchmarks) -> list[BenchmarkFlag]:
    flags = []
    for b in benchmarks:
        if b.pay_min is not None and b.pay_max is not None and b.pay_max < b.pay_min:
            message = f"{b.label}: maximum {b.pay_max:,.0f} is below minimum {b.pay_min:,.0f} {b.currency}."
            flags.append(
                BenchmarkFlag(release=b.release, benchmark=b, code=BenchmarkFlag.Code.RANGE_INVERTED, message=message)
            )
        published = [v for v in (b.p10, b.p25, b.p50, b.p75, b.p90) if v is not None]
        if published != sorted(published):
            message = f"{b.label}: percentiles are out of order ({', '.join(f'{v:,.0f}' for v in published)})."
            flags.append(
                BenchmarkFlag(release=b.release, benchmark=b, code=BenchmarkFlag.Code.RANGE_INVERTED, message=message)
            )
    return flags


def _low_and_central(b: SalaryBenchmark) -> tuple[Decimal | None, Decimal | None]:
    low = b.pay_min if b.pay_min is not None else b.p25
    central = b.p50 or b.mean
    if central is None and b.pay_min is not None and b.pay_max is not None:
        central = (b.pay_min + b.pay_max) / 2
    return (low if low is not None else central), central


def _level_order(benchmarks) -> list[BenchmarkFlag]:
    """Within one source, a higher level's central figure below the bottom of a lower level's figures."""
    groups = defaultdict(list)
    for b in benchmarks:
        if b.level in LEVEL_ORDER:
            groups[
                (b.role_family, b.country, b.region, b.area, b.company_size, b.company_name, b.currency, b.measure)
            ].append(b)
    flags = []
    for members in groups.values():
        for higher in members:
            _, central = _low_and_central(higher)
            if central is None:
                continue
            for lower in members:
                if LEVEL_ORDER.index(lower.level) >= LEVEL_ORDER.index(higher.level):
                    continue
                low, _ = _low_and_central(lower)
                if low is not None and central < low:
                    message = (
                        f"{higher.level.capitalize()} figure {central:,.0f} {higher.currency} ({higher.label}) is below the {lower.level} figure's low end "
                        f"{low:,.0f} ({lower.label})."
                    )
                    flags.append(
                        BenchmarkFlag(
                            release=higher.release,
                            benchmark=higher,
                            code=BenchmarkFlag.Code.LEVEL_ORDER,
                            message=message,
                        )
                    )
    return flags


def _far_from_market(benchmarks) -> list[BenchmarkFlag]:
    """A figure more than 3× above or below the publishable market median of its segment."""
    keyed = {
        b: (
            country_segment(b.role_family, b.level, b.country) if b.country else world_segment(b.role_family, b.level)
        ).key
        for b in benchmarks
        if b.role_family and b.level and b.central_annual_usd and not b.company_name
    }
    markets = {m.key: m for m in MarketRange.objects.filter(key__in=set(keyed.values()))}
    flags = []
    for b, key in keyed.items():
        market = markets.get(key)
        # Flags are public: compared with the released median only (insights.disclosure), never the exact one.
        if market is None or not market.published or not market.release.get("p50"):
            continue
        median = Decimal(market.release["p50"])
        ratio = b.central_annual_usd / median
        if ratio > FAR_FROM_MARKET_FACTOR or ratio < 1 / FAR_FROM_MARKET_FACTOR:
            message = (
                f"{b.label}: {b.central_annual_usd:,.0f} USD a year is {ratio:.1f}× the market median "
                f"{median:,.0f} for {key} (about {market.release['sample_size']} data points)."
            )
            flags.append(
                BenchmarkFlag(release=b.release, benchmark=b, code=BenchmarkFlag.Code.FAR_FROM_MARKET, message=message)
            )
    return flags


def benchmarks_check_all() -> int:
    return sum(len(benchmark_release_check(release=release)) for release in BenchmarkRelease.objects.all())
