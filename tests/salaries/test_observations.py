import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from insights.models import MarketRange
from salaries.models import BenchmarkRelease, SalaryObservation
from salaries.services.observations import salary_observations_import_aijobs
from tests.insights.independent import assert_matches_independent

SHARED_AIJOBS = Path(__file__).resolve().parents[3] / "shared" / "data" / "aijobs-salaries-2025-01-19.csv"
HEADER = b"work_year,experience_level,employment_type,job_title,salary,salary_currency,salary_in_usd,employee_residence,remote_ratio,company_location,company_size"
GOOD = [
    b"2024,SE,FT,Machine Learning Engineer,200000,USD,200000,US,0,US,L",
    b"2024,SE,FT,Machine Learning Engineer,180000,USD,180000,US,100,US,M",
    b"2024,SE,FT,Machine Learning Engineer,180000,USD,180000,US,100,US,M",  # a second, identical respondent
    b"2024,MI,FT,Data Scientist,70000,EUR,75600,DE,50,DE,M",
    b"2023,EN,FT,Junior Data Analyst,52000,GBP,64600,GB,0,GB,S",
]
BAD = {
    b"2024,SE,FT,Data Scientist,lots,USD,1,US,0,US,L": ("salary", "not a number"),
    b"2024,SE,FT,Data Scientist,-5000,USD,1,US,0,US,L": ("salary", "must be positive"),
    b"2024,SE,FT,Data Scientist,90000,XYZ,1,US,0,US,L": ("salary_currency", "unknown currency"),
    b"2024,SE,FT,Data Scientist,50000000,USD,50000000,US,0,US,L": ("salary", "USD a year"),
    b"2024,SE,FT,Data Scientist,3,USD,3,US,0,US,L": ("salary", "USD a year"),
    b"2024,SE,FT,Data Scientist,90000,USD,90000,ZZ,0,US,L": ("employee_residence", "country"),
    b"2024,XX,FT,Data Scientist,90000,USD,90000,US,0,US,L": ("experience_level", "unknown experience level"),
    b"2024,SE,FT,Data Scientist,90000,USD,90000,US,30,US,L": ("remote_ratio", "0, 50 or 100"),
    b"2024,SE,FT,Data Scientist,90000,USD,90000,US,0,US,XL": ("company_size", "unknown company size"),
    b"2024,SE,FT,Donn\xe9es Scientist,90000,USD,90000,US,0,US,L": ("job_title", "UTF-8"),
    b"2024,SE,FT,Data Scientist,90000,USD": (None, "wrong number of columns"),
}


def write(tmp_path, lines, name="aijobs.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(b"\n".join([HEADER, *lines]) + b"\n")
    return path


@pytest.mark.django_db
def test_import_keeps_good_rows_and_reports_every_bad_one(tmp_path):
    path = write(tmp_path, GOOD + list(BAD))
    report = salary_observations_import_aijobs(path=path, release_version="test")
    assert (report.rows_read, report.imported, len(report.rejected)) == (len(GOOD) + len(BAD), len(GOOD), len(BAD))
    by_line = {error.line: error for error in report.rejected}
    for offset, (field, words) in enumerate(BAD.values()):
        error = by_line[len(GOOD) + 2 + offset]
        assert error.field == field and words in error.reason, (error, field, words)

    euro = SalaryObservation.objects.get(salary_currency="EUR")
    assert (euro.role_family, euro.level, euro.country) == ("data_scientist", "mid", "DE")
    assert euro.fx_rate_date.year == 2024 and euro.salary_usd == (Decimal(70000) * euro.fx_rate_to_usd).quantize(
        Decimal("0.01")
    )
    analyst = SalaryObservation.objects.get(salary_currency="GBP")
    assert (analyst.role_family, analyst.level, analyst.company_size) == ("data_analyst", "junior", "startup")


@pytest.mark.django_db
def test_importing_the_same_file_twice_changes_nothing(tmp_path):
    path = write(tmp_path, GOOD)
    first = salary_observations_import_aijobs(path=path, release_version="v1")
    snapshot = list(
        SalaryObservation.objects.order_by("external_key").values_list("external_key", "salary_usd", "level")
    )
    second = salary_observations_import_aijobs(path=path, release_version="v1")
    assert (first.imported, second.imported, second.updated, second.unchanged) == (5, 0, 0, 5)
    assert (
        list(SalaryObservation.objects.order_by("external_key").values_list("external_key", "salary_usd", "level"))
        == snapshot
    )
    assert BenchmarkRelease.objects.filter(source__slug="ai-jobs-net-salaries").count() == 1


@pytest.mark.django_db
def test_observations_feed_the_market_ranges(tmp_path, django_capture_on_commit_callbacks):
    path = write(
        tmp_path, GOOD + [b"2024,SE,FT,ML Engineer,%d,USD,1,US,0,US,L" % (150000 + 5000 * i) for i in range(4)]
    )
    with django_capture_on_commit_callbacks(execute=True):
        salary_observations_import_aijobs(path=path, release_version="v1")
    # Survey rows from 2023–2024 are outside the last 12 months (the public default), inside all time.
    assert MarketRange.objects.get(key="ml_engineer:senior:country:US:any:any:12m").sample_size == 0
    market = MarketRange.objects.get(key="ml_engineer:senior:country:US:any:any:all")
    assert (market.observation_count, market.posting_count, market.recent_count) == (7, 0, 0)
    values = list(
        SalaryObservation.objects.filter(role_family="ml_engineer", level="senior").values_list("salary_usd", flat=True)
    )
    assert_matches_independent(market, values)
    assert market.published and market.release["sources"] == ["survey_observation"]  # seven respondents


@pytest.mark.django_db
def test_command_writes_a_report_and_refuses_a_file_without_its_columns(tmp_path):
    path = write(tmp_path, GOOD + list(BAD)[:2])
    report = tmp_path / "report.csv"
    call_command("import_salaries", str(path), "--format", "aijobs", "--report", str(report))
    summary = json.loads(report.with_suffix(".json").read_text())
    assert (summary["rows_read"], summary["imported"], summary["rejected"]) == (7, 5, 2)
    assert "not a number" in report.read_text()

    broken = tmp_path / "broken.csv"
    broken.write_text("work_year,salary\n2024,100\n")
    with pytest.raises(CommandError, match="missing columns"):
        call_command("import_salaries", str(broken), "--format", "aijobs")


@pytest.mark.django_db
def test_the_real_ai_jobs_file_imports_completely(tmp_path):
    if not SHARED_AIJOBS.exists():
        pytest.skip(f"reference data not present: {SHARED_AIJOBS}")
    report = salary_observations_import_aijobs(path=SHARED_AIJOBS, release_version="2025-01-19")
    assert report.rows_read == 74_301
    assert report.imported + len(report.rejected) == 74_301
    assert SalaryObservation.objects.count() == report.imported
    assert len(report.rejected) < 0.01 * report.rows_read


@pytest.mark.django_db
def test_observations_endpoint_filters_and_carries_provenance(tmp_path, api):
    salary_observations_import_aijobs(path=write(tmp_path, GOOD), release_version="v1")
    body = api.get("/api/v1/salary-observations/", {"role": "data_scientist", "country": "de"}).json()
    assert body["count"] == 1
    record = body["results"][0]
    assert (record["salary"], record["salary_currency"], record["level"]) == (70000.0, "EUR", "mid")
    assert record["provenance"]["kind"] == "survey_observation" and record["provenance"]["sample_size"] == 1
    assert api.get("/api/v1/salary-observations/", {"level": "guru"}).status_code == 400
