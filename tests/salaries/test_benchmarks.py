from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from insights.services import market_ranges_recompute_dirty
from salaries.importers.report import ImportReport
from salaries.models import BenchmarkFlag, BenchmarkRelease, BenchmarkSource, SalaryBenchmark
from salaries.services.benchmarks import benchmark_release_import, benchmarks_load_seed_articles
from tests.factories import CompanyFactory, PublishedPostingFactory

SHARED_OEWS = Path(__file__).resolve().parents[3] / "shared" / "data" / "oews-2025-computer-math.csv"
HEADER = (
    "AREA,AREA_TITLE,AREA_TYPE,PRIM_STATE,NAICS,NAICS_TITLE,OCC_CODE,OCC_TITLE,O_GROUP,TOT_EMP,EMP_PRSE,H_MEAN,"
    "A_MEAN,MEAN_PRSE,H_PCT10,H_PCT25,H_MEDIAN,H_PCT75,H_PCT90,A_PCT10,A_PCT25,A_MEDIAN,A_PCT75,A_PCT90"
)


def oews_file(tmp_path, rows, name="oews-2025-test.csv"):
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *rows]) + "\n")
    return path


def row(area="99", title="U.S.", area_type="1", occ="15-2051", occ_title="Data Scientists", emp="1000",
        mean="120000", pcts=("60000", "80000", "110000", "150000", "190000")):  # fmt: skip
    return f'{area},"{title}",{area_type},US,000000,Cross-industry,{occ},"{occ_title}",detailed,{emp},1.0,57.69,{mean},0.5,1,1,1,1,1,{",".join(pcts)}'


@pytest.mark.django_db
def test_seed_articles_load_as_sources_with_their_contradictions_flagged():
    benchmarks_load_seed_articles()
    assert BenchmarkSource.objects.count() == 5
    assert SalaryBenchmark.objects.count() == 32
    flags = list(BenchmarkFlag.objects.values_list("code", "benchmark__mean"))
    # The by-level article puts the senior average ($128,000 and $127,877) below its own mid-level range.
    assert sorted(flags) == [("level_order", Decimal("127877.00")), ("level_order", Decimal("128000.00"))]
    sgd = SalaryBenchmark.objects.get(country="SG", level="mid")
    assert sgd.currency == "SGD" and sgd.pay_min == 72000 and sgd.central_annual_usd < 90000

    benchmarks_load_seed_articles()  # idempotent
    assert SalaryBenchmark.objects.count() == 32 and BenchmarkFlag.objects.count() == 2


@pytest.mark.django_db
def test_inverted_range_is_flagged_not_fixed():
    figures = [{"key": "a", "label": "Backwards", "currency": "USD", "pay_min": Decimal(200), "pay_max": Decimal(100)}]
    release = benchmark_release_import(
        slug="test", source_fields={"publisher": "T", "title": "T", "kind": "curated_article"}, version="1",
        published_on=None, file_name="x", figures=figures, report=ImportReport(source="test", file="x"),
    )  # fmt: skip
    benchmark = release.benchmarks.get()
    assert (benchmark.pay_min, benchmark.pay_max) == (200, 100)
    assert list(release.flags.values_list("code", flat=True)) == ["range_inverted"]


@pytest.mark.django_db
def test_figure_far_from_the_market_is_flagged(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        for index in range(6):
            PublishedPostingFactory(company=CompanyFactory(), salary_min=100_000 + index * 1000, salary_max=120_000)
    market_ranges_recompute_dirty(limit=100)
    figures = [
        {"key": "far", "label": "Way up", "role_family": "ml_engineer", "level": "senior", "country": "US",
         "currency": "USD", "mean": Decimal(500_000)},
        {"key": "near", "label": "Plausible", "role_family": "ml_engineer", "level": "senior", "country": "US",
         "currency": "USD", "mean": Decimal(150_000)},
    ]  # fmt: skip
    release = benchmark_release_import(
        slug="test", source_fields={"publisher": "T", "title": "T", "kind": "curated_article"}, version="1",
        published_on=None, file_name="x", figures=figures, report=ImportReport(source="test", file="x"),
    )  # fmt: skip
    assert list(release.flags.values_list("code", "benchmark__key")) == [("far_from_market", "far")]


@pytest.mark.django_db
def test_oews_import_reports_bad_rows_and_keeps_unpublished_values_empty(tmp_path):
    path = oews_file(
        tmp_path,
        [
            row(),
            row(area="10180", title="Abilene, TX", area_type="4", pcts=("*", "50000", "70000", "90000", "#")),
            row(
                area="06", title="California", area_type="2", occ="15-1299", occ_title="Computer Occupations, All Other"
            ),
            row(area="11", title="Nowhere", area_type="9"),
            row(area="12", title="Blank", mean="", pcts=("", "", "", "", "")),
            row(area="13", title="Text", mean="lots"),
        ],
    )
    call_command("import_benchmarks", str(path), "--format", "oews", "--report", str(tmp_path / "report.csv"))
    release = BenchmarkRelease.objects.get(source__slug="bls-oews")
    assert release.version == "May 2025"
    national = release.benchmarks.get(key="99:15-2051")
    assert (national.role_family, national.country, national.p50, national.employment) == (
        "data_scientist", "US", 110000, 1000
    )  # fmt: skip
    metro = release.benchmarks.get(key="10180:15-2051")
    assert metro.p10 is None and metro.p90 is None and metro.area == "Abilene, TX"
    assert "top code" in metro.notes and "too few responses" in metro.notes
    assert release.benchmarks.get(key="06:15-1299").role_family == ""
    rejected = (tmp_path / "report.csv").read_text()
    assert "AREA_TYPE" in rejected and "no annual wage" in rejected and "not a wage" in rejected
    assert release.benchmarks.count() == 3


@pytest.mark.django_db
def test_oews_file_without_its_columns_is_refused(tmp_path):
    bad = tmp_path / "oews-2025-bad.csv"
    bad.write_text("AREA,OCC_CODE\n1,15-2051\n")
    with pytest.raises(CommandError, match="missing columns"):
        call_command("import_benchmarks", str(bad), "--format", "oews")
    assert not SalaryBenchmark.objects.exists()


@pytest.mark.django_db
def test_a_new_release_is_kept_beside_the_old_and_the_api_shows_what_changed(tmp_path, api):
    old = oews_file(tmp_path, [row(), row(occ="15-1252", occ_title="Software Developers")], "oews-2024.csv")
    new = oews_file(tmp_path, [row(pcts=("61000", "81000", "115000", "151000", "191000"))], "oews-2025.csv")
    call_command("import_benchmarks", str(old), "--format", "oews", "--release", "May 2024", "--year", "2024",
                 "--published-on", "2025-04-01")  # fmt: skip
    call_command("import_benchmarks", str(new), "--format", "oews", "--release", "May 2025", "--year", "2025",
                 "--published-on", "2026-04-01")  # fmt: skip
    call_command(
        "import_benchmarks",
        str(new),
        "--format",
        "oews",
        "--release",
        "May 2025",
        "--year",
        "2025",
        "--published-on",
        "2026-04-01",
    )  # fmt: skip  (re-import: nothing doubles)
    assert SalaryBenchmark.objects.count() == 3

    latest = api.get("/api/v1/benchmarks/", {"source": "bls-oews"}).json()
    assert [(b["release"], b["p50"]) for b in latest["results"]] == [("May 2025", 115000.0)]
    assert latest["results"][0]["provenance"]["kind"] == "benchmark"
    older = api.get("/api/v1/benchmarks/", {"release": "May 2024", "role": "data_scientist"}).json()
    assert [b["p50"] for b in older["results"]] == [110000.0]

    sources = api.get("/api/v1/benchmark-sources/").json()["results"]
    assert [r["version"] for r in sources[0]["releases"]] == ["May 2025", "May 2024"]

    changes = api.get("/api/v1/benchmark-sources/bls-oews/changes/", {"from": "May 2024", "to": "May 2025"}).json()
    assert changes["removed"] == [{"key": "99:15-1252", "label": "Software Developers, U.S."}]
    assert changes["changed"][0]["changes"]["p50"] == {"from": 110000.0, "to": 115000.0}

    missing = api.get("/api/v1/benchmark-sources/bls-oews/changes/", {"from": "May 2024"})
    assert missing.status_code == 400 and missing.json()["error"]["fields"][0]["field"] == "to"
    assert api.get("/api/v1/benchmark-sources/nope/changes/", {"from": "a", "to": "b"}).status_code == 404


@pytest.mark.django_db
def test_benchmarks_filter_by_role_level_country_and_company(api):
    benchmarks_load_seed_articles()
    body = api.get("/api/v1/benchmarks/", {"role": "ml_engineer", "level": "senior", "country": "US"}).json()
    assert body["count"] >= 4 and {b["level"] for b in body["results"]} == {"senior"}
    apple = api.get("/api/v1/benchmarks/", {"company": "apple"}).json()["results"]
    assert [(b["company_name"], b["mean"]) for b in apple] == [("Apple", 194000.0)]
    flagged = [b for b in api.get("/api/v1/benchmarks/", {"page_size": 100}).json()["results"] if b["flags"]]
    assert len(flagged) == 2 and flagged[0]["flags"][0]["code"] == "level_order"
    assert api.get("/api/v1/benchmarks/", {"level": "wizard"}).status_code == 400


@pytest.mark.django_db
def test_real_oews_release_matches_the_published_national_data_scientist_figures(tmp_path):
    if not SHARED_OEWS.exists():
        pytest.skip(f"reference data not present: {SHARED_OEWS}")
    call_command("import_benchmarks", str(SHARED_OEWS), "--format", "oews", "--report", str(tmp_path / "r.csv"))
    national = SalaryBenchmark.objects.get(key="99:15-2051")
    # BLS, May 2025 OEWS, Data Scientists (15-2051), national cross-industry estimates.
    assert national.employment == 262_440 and national.mean == 126_800
    assert (national.p10, national.p25, national.p50, national.p75, national.p90) == (
        67_240, 85_660, 120_230, 158_880, 199_130
    )  # fmt: skip
    assert SalaryBenchmark.objects.count() > 5_000
