"""Posting imports from Greenhouse, Lever and CSV: drafts through the posting services, idempotent by the
source's id, a bad row rejected alone with its line and reason, a level never guessed; by command and by API;
and property tests that malformed rows of every format never stop an import."""

import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from jobs.imports.service import postings_import_file
from jobs.models import CompanyMembership, JobPosting
from salaries.importers.report import ImportFileError
from tests.factories import CompanyFactory, MembershipFactory

pytestmark = pytest.mark.django_db


def greenhouse_job(ref, title="Senior Machine Learning Engineer", location="Berlin, Germany", pay=(12_000_000, 15_000_000),
                   currency="EUR", **extra):  # fmt: skip
    job = {"id": ref, "title": title, "location": {"name": location},
           "content": "&lt;p&gt;Train &lt;b&gt;ranking&lt;/b&gt; models.&lt;/p&gt;&lt;script&gt;x()&lt;/script&gt;",
           "pay_input_ranges": [{"min_cents": pay[0], "max_cents": pay[1], "currency_type": currency}] if pay else []}  # fmt: skip
    return {**job, **extra}


def lever_posting(ref, title="Staff ML Engineer", salary=None, **extra):
    posting = {"id": ref, "text": title, "categories": {"location": "London", "commitment": "Full-time"},
               "country": "GB", "workplaceType": "hybrid", "description": "<p>Build things.</p>",
               "salaryRange": salary if salary is not None else {"min": 110000, "max": 140000, "currency": "GBP",
                                                                 "interval": "per-year-salary"}}  # fmt: skip
    return {**posting, **extra}


@pytest.fixture
def member():
    return MembershipFactory(company=CompanyFactory(slug="acme", name="Acme"))


def write(tmp_path: Path, name: str, content) -> Path:
    path = tmp_path / name
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    return path


def test_a_greenhouse_export_becomes_drafts_with_their_pay_place_and_a_level_never_guessed(tmp_path, member):
    path = write(tmp_path, "gh.json", {"jobs": [
        greenhouse_job(1),
        greenhouse_job(2, title="Machine Learning Engineer", location="San Francisco, CA", pay=(18_000_000, 22_000_000),
                       currency="USD"),  # no level in the title, none in the file: a draft to complete
        greenhouse_job(3, title="ML Engineer", location="Remote - US", currency="USD",
                       metadata=[{"name": "Level", "value": "staff"}]),
        greenhouse_job(4, pay=None),  # no pay: a draft without pay
        greenhouse_job(5, pay=(1, "1e30")),  # a huge exponent
        greenhouse_job(6, title="Senior <b>ML</b> Engineer"),  # markup in a plain-text field
        greenhouse_job(7, location="Atlantis"),  # no country to tell
        "not an object",
    ]})  # fmt: skip
    report = postings_import_file(company=member.company, user=member.user, path=path, format="greenhouse")
    assert (report.rows_read, report.imported, len(report.rejected), report.incomplete) == (8, 4, 4, 1)
    rejected = {error.line: (error.field, error.reason) for error in report.rejected}
    unpaid = JobPosting.objects.get(source_ref="greenhouse:4")
    assert (unpaid.status, unpaid.pay_kind, unpaid.salary_min, unpaid.salary_currency) == ("draft", "none", None, "")
    assert rejected[5][0] == "pay_input_ranges.max_cents"
    assert rejected[6] == ("title", "plain text only: no HTML or other markup")
    assert rejected[7][0] == "location" and "country" in rejected[7][1]
    assert rejected[8][1] == "not a job object"
    berlin = JobPosting.objects.get(source_ref="greenhouse:1")
    assert (berlin.status, berlin.level, berlin.country, berlin.city, berlin.salary_currency) == (
        "draft", "senior", "DE", "Berlin", "EUR")  # fmt: skip
    assert (berlin.salary_min, berlin.salary_max) == (Decimal("120000.00"), Decimal("150000.00"))
    assert "<b>ranking</b>" in berlin.description and "<script>" not in berlin.description  # sanitised
    unclear = JobPosting.objects.get(source_ref="greenhouse:2")
    assert unclear.level == "" and unclear.country == "US" and unclear.city == "San Francisco"
    remote = JobPosting.objects.get(source_ref="greenhouse:3")
    assert (remote.level, remote.remote_policy, remote.country) == ("staff", "remote", "US")
    # A draft without a level cannot be submitted until the employer sets one.
    client = APIClient()
    client.force_authenticate(member.user)
    refused = client.post(f"/api/v1/jobs/{unclear.pk}/submit/")
    assert refused.status_code == 400 and refused.json()["error"]["fields"][0]["field"] == "level"
    assert client.patch(f"/api/v1/jobs/{unclear.pk}/", {"level": "senior"}, format="json").status_code == 200
    assert client.post(f"/api/v1/jobs/{unclear.pk}/submit/").status_code == 200


def test_importing_again_is_idempotent_and_a_changed_job_is_updated(tmp_path, member):
    first = write(tmp_path, "lever.json", [lever_posting("a"), lever_posting("b", title="Senior Data Scientist")])
    report = postings_import_file(company=member.company, user=member.user, path=first, format="lever")
    assert (report.imported, report.updated, report.unchanged) == (2, 0, 0)
    again = postings_import_file(company=member.company, user=member.user, path=first, format="lever")
    assert (again.imported, again.updated, again.unchanged) == (0, 0, 2)
    changed = write(tmp_path, "lever2.json", [lever_posting("a", salary={"min": 9000, "max": 11000, "currency": "GBP",
                                                                          "interval": "per-month-salary"}),
                                              lever_posting("b", title="Senior Data Scientist")])  # fmt: skip
    third = postings_import_file(company=member.company, user=member.user, path=changed, format="lever")
    assert (third.imported, third.updated, third.unchanged) == (0, 1, 1)
    posting = JobPosting.objects.get(source_ref="lever:a")
    assert (posting.salary_period, posting.salary_min, posting.remote_policy) == ("MONTH", Decimal("9000.00"), "hybrid")
    assert JobPosting.objects.filter(company=member.company).count() == 2
    bad = write(tmp_path, "lever3.json", [lever_posting("c", salary={"min": 1, "max": 2, "currency": "GBP",
                                                                      "interval": "one-time"})])  # fmt: skip
    [error] = postings_import_file(company=member.company, user=member.user, path=bad, format="lever").rejected
    assert error.field == "salaryRange.interval"


def test_a_csv_import_counts_every_line_and_rejects_bad_ones_alone(tmp_path, member):
    lines = [
        "\ufeffsource_ref,title,country,salary_min,salary_max,salary_currency,level,city,benefits",
        "r1,Senior ML Engineer,US,150000,180000,USD,,Seattle,Health insurance",
        'r2,"Machine Learning Engineer",DE,90000,110000,EUR,mid,Berlin,',
        'r3,"unterminated,DE,1,2,EUR,,,',
        "r4,Senior ML Engineer,DE,1e30,2e30,EUR,,Berlin,",
        "r5,Senior ML\x00 Engineer,DE,90000,100000,EUR,,Berlin,",
        "r6,Senior ML Engineer,DE,90000,100000,EUR,wizard,Berlin,",
        "r7," + "x" * 300 + ",DE,90000,100000,EUR,,Berlin,",
        "",
        "r8,Senior ML Engineer,DE,90000,100000,XYZ,,Berlin,",
        "r9,Senior ML Engineer,Narnia,90000,100000,EUR,,Berlin,",
        "r10,Senior ML Engineer,DE,100000,90000,EUR,,Berlin,",  # the services refuse min above max
    ]
    path = write(tmp_path, "postings.csv", "\n".join(lines) + "\n")
    report = postings_import_file(company=member.company, user=member.user, path=path, format="csv")
    assert report.rows_read == len(lines) - 1  # every physical line after the header
    assert report.imported == 2
    rejected = {error.line: error.field for error in report.rejected}
    assert set(rejected) == {4, 5, 6, 7, 8, 9, 10, 11, 12}
    assert (rejected[5], rejected[7], rejected[8], rejected[10], rejected[11]) == (
        "salary_min", "level", "title", "salary_currency", "country")  # fmt: skip
    assert rejected[12] in ("salary_min", "salary_max")
    assert JobPosting.objects.get(source_ref="r2").level == "mid"  # the file's level beats the title's silence


def test_a_file_that_cannot_be_read_imports_nothing(tmp_path, member):
    for name, content, fmt in (("deep.json", "[" * 100_000 + "]" * 100_000, "lever"), ("bad.json", "{nope", "greenhouse"),
                               ("bad.csv", "title,country\nx,DE\n", "csv")):  # fmt: skip
        with pytest.raises(ImportFileError):
            postings_import_file(company=member.company, user=member.user, path=write(tmp_path, name, content),
                                 format=fmt)  # fmt: skip
    assert not JobPosting.objects.exists()


def test_the_command_and_the_api_import_for_a_company_s_members_only(tmp_path, member):
    path = write(
        tmp_path, "gh.json", {"jobs": [greenhouse_job(10), greenhouse_job(11, title="Senior <i>ML</i> Engineer")]}
    )
    report_path = tmp_path / "report.csv"
    call_command("import_postings", str(path), "--format", "greenhouse", "--company", "acme", "--report",
                 str(report_path))  # fmt: skip
    assert JobPosting.objects.filter(source_ref="greenhouse:10", status="draft").exists()
    assert "2,title,plain text only" in report_path.read_text().replace("\r\n", "\n")  # the second job
    assert json.loads(report_path.with_suffix(".json").read_text())["imported"] == 1
    client = APIClient()
    client.force_authenticate(member.user)
    with (tmp_path / "lever.json").open("w") as handle:
        json.dump([lever_posting("z")], handle)
    with (tmp_path / "lever.json").open("rb") as handle:
        response = client.post(
            "/api/v1/companies/acme/imports/", {"file": handle, "format": "lever"}, format="multipart"
        )
    assert response.status_code == 200, response.json()
    assert (response.json()["imported"], response.json()["rejected_count"]) == (1, 0)
    outsider = APIClient()
    outsider.force_authenticate(MembershipFactory().user)
    with (tmp_path / "lever.json").open("rb") as handle:
        refused = outsider.post("/api/v1/companies/acme/imports/", {"file": handle, "format": "lever"},
                                format="multipart")  # fmt: skip
    assert refused.status_code == 403
    with (tmp_path / "deep.json").open("w") as handle:
        handle.write("not json")
    with (tmp_path / "deep.json").open("rb") as handle:
        broken = client.post("/api/v1/companies/acme/imports/", {"file": handle, "format": "lever"}, format="multipart")
    assert broken.status_code == 400 and broken.json()["error"]["fields"][0]["field"] == "file"
    assert CompanyMembership.objects.filter(company=member.company).count() == 1


junk = st.one_of(st.none(), st.integers(), st.floats(allow_nan=True), st.text(max_size=40),
                 st.lists(st.integers(), max_size=2), st.dictionaries(st.text(max_size=5), st.integers(), max_size=2))  # fmt: skip


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(jobs=st.lists(st.fixed_dictionaries({}, optional={"id": junk, "title": junk, "location": junk,
                                                          "content": junk, "pay_input_ranges": junk}), max_size=4),
       lever=st.lists(st.fixed_dictionaries({}, optional={"id": junk, "text": junk, "categories": junk, "country": junk,
                                                           "salaryRange": junk, "workplaceType": junk}), max_size=4),
       csv_cells=st.lists(st.lists(st.text(max_size=20), min_size=6, max_size=6), max_size=4))  # fmt: skip
def test_malformed_rows_of_every_format_never_stop_an_import(tmp_path, member, jobs, lever, csv_cells):
    good_gh, good_lever = greenhouse_job("good"), lever_posting("good")
    for fmt, content, rows in (
        ("greenhouse", json.dumps({"jobs": [*jobs, good_gh]}), len(jobs) + 1),
        ("lever", json.dumps([*lever, good_lever]), len(lever) + 1),
    ):
        path = write(tmp_path, f"{fmt}.json", content)
        report = postings_import_file(company=member.company, user=member.user, path=path, format=fmt)
        assert report.rows_read == rows
        assert report.imported + report.updated + report.unchanged + len(report.rejected) == rows
        assert JobPosting.objects.filter(source_ref=f"{fmt}:good").exists()
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["source_ref", "title", "country", "salary_min", "salary_max", "salary_currency"])
    cells = [[cell.replace("\n", " ").replace("\r", " ") for cell in row] for row in csv_cells]
    writer.writerows([*cells, ["good-csv", "Senior ML Engineer", "DE", "90000", "100000", "EUR"]])
    path = write(tmp_path, "p.csv", buffer.getvalue())
    report = postings_import_file(company=member.company, user=member.user, path=path, format="csv")
    assert report.rows_read == len(cells) + 1
    assert report.imported + report.updated + report.unchanged + len(report.rejected) == report.rows_read
    assert JobPosting.objects.filter(source_ref="good-csv").exists()


LONG_TEXT = (
    "<p>We are looking for an engineer to build and run the ranking models behind our marketplace search, from "
    "feature pipelines to online serving. You will own experiments end to end, work with product and data teams, "
    "and help us grow a culture of careful measurement. Python, PyTorch and SQL every day.</p>"
)


def test_the_same_text_from_another_company_is_flagged_to_moderators_as_a_repost():
    from datetime import timedelta

    from jobs.selectors import possible_reposts
    from tests.factories import PendingPostingFactory

    original = PendingPostingFactory(company=CompanyFactory(), description=LONG_TEXT)
    copied = PendingPostingFactory(company=CompanyFactory(), description=LONG_TEXT.replace("<p>", "<p> "))
    own_again = PendingPostingFactory(company=original.company, description=LONG_TEXT, city="Portland")
    short = PendingPostingFactory(company=CompanyFactory(), description="Great team.")
    other_short = PendingPostingFactory(company=CompanyFactory(), description="Great team.")
    assert original.content_fingerprint and original.content_fingerprint == copied.content_fingerprint
    assert short.content_fingerprint == "" == other_short.content_fingerprint  # too short to tell
    found = possible_reposts([original, copied, own_again, short], window=timedelta(days=90))
    assert {p.pk for p in found[original.pk]} == {copied.pk}  # its own company's copy is a duplicate, not a repost
    assert {p.pk for p in found[copied.pk]} == {original.pk, own_again.pk}
    assert found[short.pk] == []
    # The moderation queue shows it, linked.
    from django.test import Client

    from tests.factories import ModeratorFactory

    client = Client()
    client.force_login(ModeratorFactory(is_staff=True))
    page = client.get("/admin/jobs/pendingposting/").content.decode()
    assert f"#{original.pk} of {original.company.name}" in page
