"""One bad line never stops an import: every malformed line is rejected with its line and reason, the rest
imports, every physical line is counted, and the recompute is asked for. Property tests generate malformed
lines for each importer."""

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from insights.models import DirtySegment
from salaries.models import BenchmarkSource, SalaryBenchmark, SalaryObservation
from salaries.services.benchmarks import benchmarks_import_oews
from salaries.services.observations import salary_observations_import_aijobs

pytestmark = pytest.mark.django_db

HEADER = ("work_year,experience_level,employment_type,job_title,salary,salary_currency,salary_in_usd,"
          "employee_residence,remote_ratio,company_location,company_size")  # fmt: skip
GOOD = "2024,SE,FT,Machine Learning Engineer,{pay},USD,{pay},US,0,US,L"


def write(tmp_path: Path, lines: list[str], *, name="survey.csv", bom=False) -> Path:
    path = tmp_path / name
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + ("\n".join(lines) + "\n").encode("utf-8"))
    return path


def test_each_bad_line_is_rejected_alone_and_the_rest_imports(tmp_path):
    lines = [
        HEADER,
        GOOD.format(pay=150000),                                                   # 2
        "2024,SE,FT,Machine Learning Engineer,1e30,USD,1,US,0,US,L",               # 3: huge exponent
        "2024,SE,FT,Machine\x00 Learning Engineer,150000,USD,1,US,0,US,L",         # 4: NUL
        "2024,SE,FT," + "x" * 200_000 + ",150000,USD,1,US,0,US,L",                 # 5: past the csv field limit
        '2024,SE,FT,"Data Scientist,150000,USD,1,US,0,US,L',                       # 6: unterminated quote
        GOOD.format(pay=151000),                                                   # 7: after the quote
        "2024,SE,FT," + "Senior " * 40 + "Engineer,150000,USD,1,US,0,US,L",        # 8: title over 200
        GOOD.format(pay=152000),                                                   # 9
    ]  # fmt: skip
    report = salary_observations_import_aijobs(path=write(tmp_path, lines, bom=True), release_version="r1")
    assert report.rows_read == len(lines) - 1
    rejected = {error.line: (error.field, error.reason) for error in report.rejected}
    assert set(rejected) == {3, 4, 5, 6, 8}
    assert rejected[3][0] == "salary" and "too large" in rejected[3][1]
    assert rejected[4] == ("job_title", "NUL character in the text")
    assert "unterminated quote" in rejected[6][1]
    assert rejected[8][0] == "job_title" and "longer than 200" in rejected[8][1]
    assert report.imported == 3
    assert sorted(SalaryObservation.objects.values_list("salary", flat=True)) == [150000, 151000, 152000]
    # The byte-order mark did not stick to the first column (the header check would have failed otherwise).
    assert SalaryObservation.objects.filter(work_year=2024).count() == 3
    assert DirtySegment.objects.exists()  # the recompute is asked for


def test_a_new_release_moves_the_records_and_the_source_is_the_one_named(tmp_path):
    path = write(tmp_path, [HEADER, GOOD.format(pay=150000), GOOD.format(pay=160000)])
    salary_observations_import_aijobs(path=path, release_version="2025-01")
    again = salary_observations_import_aijobs(path=path, release_version="2025-02")
    assert again.updated == 2 and again.imported == 0
    assert set(SalaryObservation.objects.values_list("release__version", flat=True)) == {"2025-02"}

    other = salary_observations_import_aijobs(
        path=path, release_version="q1", source_slug="acme-pay-survey",
        source_fields={"title": "Acme pay survey", "publisher": "Acme"},
    )  # fmt: skip
    assert other.source == "acme-pay-survey" and other.imported == 2
    assert BenchmarkSource.objects.get(slug="acme-pay-survey").publisher == "Acme"
    assert SalaryObservation.objects.filter(source__slug="acme-pay-survey").count() == 2


junk = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]) | st.sampled_from(['"', ",", "\x00", "e", "9"]),
               max_size=80).map(lambda text: text.replace("\n", " ").replace("\r", " "))  # fmt: skip
numbers = st.sampled_from(["1e30", "-1", "NaN", "Infinity", "9" * 40, "0.0001", "1,000,000", ""])


@st.composite
def survey_lines(draw):
    lines, valid = [], 0
    for index in range(draw(st.integers(1, 12))):
        kind = draw(st.sampled_from(["good", "junk", "number", "quote"]))
        if kind == "good":
            lines.append(GOOD.format(pay=100000 + index))
            valid += 1
        elif kind == "junk":
            lines.append(draw(junk))
        elif kind == "number":
            lines.append(f"2024,SE,FT,Data Scientist,{draw(numbers)},USD,1,US,0,US,L")
        else:
            lines.append(f'2024,SE,FT,"{draw(junk)},150000,USD,1,US,0,US,L')
    return lines, valid


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=survey_lines())
def test_malformed_survey_lines_never_stop_an_import(tmp_path_factory, case):
    lines, valid = case
    path = write(tmp_path_factory.mktemp("survey"), [HEADER, *lines])
    report = salary_observations_import_aijobs(path=path, release_version="property")
    assert report.rows_read == len(lines)
    assert report.imported + report.updated + report.unchanged + len(report.rejected) == report.rows_read
    assert report.imported + report.updated + report.unchanged >= valid
    assert all(error.line >= 2 and error.reason for error in report.rejected)


OEWS_HEADER = ("AREA,AREA_TITLE,AREA_TYPE,PRIM_STATE,NAICS,NAICS_TITLE,OCC_CODE,OCC_TITLE,O_GROUP,TOT_EMP,EMP_PRSE,"
               "H_MEAN,A_MEAN,MEAN_PRSE,H_PCT10,H_PCT25,H_MEDIAN,H_PCT75,H_PCT90,A_PCT10,A_PCT25,A_MEDIAN,A_PCT75,"
               "A_PCT90")  # fmt: skip
OEWS_GOOD = '{area},"Somewhere, TX",4,48,000000,Cross-industry,15-2051,Data Scientists,detailed,100,3.9,50,104000,1.7,' \
            '30,40,50,60,70,62000,83000,104000,125000,146000'  # fmt: skip


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    bad=st.lists(
        st.one_of(junk, numbers.map(lambda n: OEWS_GOOD.format(area=99999).replace("104000,125000", f"{n},125000"))),
        max_size=8,
    )
)
def test_malformed_oews_lines_never_stop_an_import(tmp_path_factory, bad):
    good = [OEWS_GOOD.format(area=10000 + i) for i in range(3)]
    path = write(tmp_path_factory.mktemp("oews"), [OEWS_HEADER, good[0], *bad, *good[1:]], name="oews.csv")
    _, report = benchmarks_import_oews(path=path, release_version="property", year=2025)
    assert report.rows_read == len(bad) + 3
    assert report.imported + report.updated + report.unchanged >= 3
    assert (
        SalaryBenchmark.objects.filter(
            release__version="property", key__in=[f"{10000 + i}:15-2051" for i in range(3)]
        ).count()
        == 3
    )
