"""Insight reports through the API and the pages, on the embedded default (tasks in-process after commit)."""

import csv
import io
from decimal import Decimal

import pytest

from insights.models import InsightReport, MarketRange, MarketRangeSnapshot, ReportStatus
from insights.services import market_ranges_rebuild, market_ranges_snapshot
from insights.services.reports import report_generate, report_regenerate, reports_publish_weekly
from jobs.models import SizeBand
from salaries.services.benchmarks import benchmarks_load_seed_articles
from tests.factories import CompanyFactory, MembershipFactory, PublishedPostingFactory, UserFactory

pytestmark = pytest.mark.django_db

SENIOR_US = "ml_engineer:senior:country:US:any:any:12m"
MID_US = "ml_engineer:mid:country:US:any:any:12m"
PERCENTILES = ("p10", "p25", "p50", "p75", "p90")


def publish(amounts, *, level="senior", country="US", size_band=SizeBand.MID_SIZE, company=None):
    return [
        PublishedPostingFactory(
            company=company or CompanyFactory(size_band=size_band), country=country, level=level,
            salary_min=Decimal(amount), salary_max=Decimal(amount),
        )
        for amount in amounts
    ]  # fmt: skip


@pytest.fixture
def market():
    """Senior US: 30 postings from 30 companies (published); mid US: 3 postings (withheld)."""
    publish([150_000 + 1_000 * i for i in range(30)])
    publish([100_000, 110_000, 120_000], level="mid")
    market_ranges_rebuild()


def ask(client, capture, kind, **parameters):
    with capture(execute=True):
        response = client.post("/api/v1/reports/", {"kind": kind, "parameters": parameters}, format="json")
    return response


def built(client, capture, kind, **parameters) -> dict:
    """The report once generated (the POST's own answer predates the after-commit generation in a test)."""
    response = ask(client, capture, kind, **parameters)
    assert response.status_code in (200, 202), response.json()
    return client.get(response.json()["links"]["api"]).json()


def row_of(section, level):
    return next(row for row in section["rows"] if row["level"] == level)


def test_market_overview_shows_releases_and_withheld_levels_with_reasons(market, as_user,
                                                                         django_capture_on_commit_callbacks):  # fmt: skip
    client = as_user(UserFactory())
    response = ask(client, django_capture_on_commit_callbacks, "market_overview", role="ml_engineer", place="US")
    assert response.status_code == 202, response.json()
    body = client.get(response.json()["links"]["api"]).json()
    assert body["status"] == "done" and body["progress"] == 100
    result = body["result"]
    assert result["title"] == "Market overview: Machine learning engineer, United States"
    levels = next(s for s in result["sections"] if s["id"] == "levels")

    senior, stored = row_of(levels, "senior"), MarketRange.objects.get(key=SENIOR_US)
    assert senior["published"] is True
    assert {name: senior[name] for name in PERCENTILES} == {name: stored.release[name] for name in PERCENTILES}
    assert senior["sample_size"] == stored.release["sample_size"] and senior["p50"] != int(stored.p50)
    mid = row_of(levels, "mid")
    assert mid["published"] is False and mid["p50"] is None and mid["sample_size"] is None
    assert mid["withheld_reason"] == MarketRange.objects.get(key=MID_US).withheld_reason
    assert levels["provenance"]["kind"] == "computed" and levels["provenance"]["ranges_published"] >= 1
    assert body["data_as_of"] is not None

    report = InsightReport.objects.get(pk=body["id"])
    assert report.charts["levels"].startswith("<svg") and "sizes" in report.charts


def test_every_figure_of_a_report_is_a_released_figure(market, as_user, django_capture_on_commit_callbacks):
    """Reports are post-processing of releases: no number in a market report is one the releases do not show."""
    client = as_user(UserFactory())
    for kind in ("market_overview", "level_ladder", "startup_vs_bigtech"):
        ask(client, django_capture_on_commit_callbacks, kind, role="ml_engineer", place="US")
    released = set()
    for market_range in MarketRange.objects.filter(published=True):
        released |= {market_range.release.get(n) for n in (*PERCENTILES, "sample_size", "company_count")}
        released |= {(market_range.release.get("total") or {}).get(n) for n in (*PERCENTILES, "sample_size")}
    exact = set()
    for market_range in MarketRange.objects.all():
        exact |= {int(getattr(market_range, n)) for n in PERCENTILES if getattr(market_range, n) is not None}
    for report in InsightReport.objects.all():
        for section in report.result["sections"]:
            for row in section["rows"]:
                for side in (row, row.get("startup") or {}, row.get("large") or {}):
                    for name in (*PERCENTILES, "sample_size", "company_count", "total_p50"):
                        if side.get(name) is not None:
                            assert side[name] in released, (report.kind, name, side[name])
                            assert side[name] not in exact - released
    assert InsightReport.objects.filter(status=ReportStatus.DONE).count() == 3


def test_the_same_report_is_served_from_the_stored_result_until_its_inputs_change(
    market, as_user, django_capture_on_commit_callbacks
):
    alice, bob = UserFactory(), UserFactory()
    first = ask(as_user(alice), django_capture_on_commit_callbacks, "market_overview", role="ml_engineer", place="us")
    again = ask(as_user(alice), django_capture_on_commit_callbacks, "market_overview", role="ml_engineer", place="US")
    assert first.status_code == 202 and again.status_code == 200
    assert again.json()["reused"] is True and again.json()["id"] == first.json()["id"]  # `us` is normalised

    # Another user gets their own report holding the same stored result, without a rebuild.
    theirs = ask(as_user(bob), django_capture_on_commit_callbacks, "market_overview", role="ml_engineer", place="US")
    assert theirs.status_code == 200 and theirs.json()["id"] != first.json()["id"]
    built = as_user(alice).get(first.json()["links"]["api"]).json()
    assert theirs.json()["status"] == "done" and theirs.json()["result"]["sections"] == built["result"]["sections"]

    # A new posting in a segment the report reads, recomputed: the inputs changed, so a new report is built.
    publish([400_000])
    market_ranges_rebuild()
    fresh = ask(as_user(alice), django_capture_on_commit_callbacks, "market_overview", role="ml_engineer", place="US")
    assert fresh.status_code == 202 and fresh.json()["id"] not in (first.json()["id"], theirs.json()["id"])
    assert as_user(alice).get(fresh.json()["links"]["api"]).json()["status"] == "done"


def test_level_ladder_steps_between_published_levels(as_user, django_capture_on_commit_callbacks):
    publish([100_000 + 1_000 * i for i in range(25)], level="mid")
    publish([150_000 + 1_000 * i for i in range(25)], level="senior")
    market_ranges_rebuild()
    body = built(as_user(UserFactory()), django_capture_on_commit_callbacks, "level_ladder", role="ml_engineer",
                 place="world")  # fmt: skip
    [levels] = body["result"]["sections"]
    mid, senior = row_of(levels, "mid"), row_of(levels, "senior")
    assert mid["step_from_previous_pct"] is None  # nothing published below it
    assert senior["previous_level"] == "mid"
    assert senior["step_from_previous_pct"] == round((senior["p50"] / mid["p50"] - 1) * 100, 1)
    # Exact medians 162k against 112k (44.6%); each released median moves 3–6% (n = 25), so 28–64%.
    assert 27 < senior["step_from_previous_pct"] < 65


def test_startup_vs_bigtech_gap_and_equity_scenarios(as_user, django_capture_on_commit_callbacks):
    benchmarks_load_seed_articles()
    publish([190_000 + 200 * i for i in range(100)], size_band=SizeBand.LARGE)
    publish([120_000 + 200 * i for i in range(100)], size_band=SizeBand.STARTUP)
    market_ranges_rebuild()
    body = built(as_user(UserFactory()), django_capture_on_commit_callbacks, "startup_vs_bigtech",
                 role="ml_engineer", place="US", equity_pct=1, valuation_usd=40_000_000)  # fmt: skip
    result = body["result"]
    assert body["parameters"]["window"] == "all"
    senior = row_of(result["sections"][0], "senior")
    startup = MarketRange.objects.get(key="ml_engineer:senior:country:US:startup:any:all").release
    large = MarketRange.objects.get(key="ml_engineer:senior:country:US:large:any:all").release
    assert senior["cash_gap_pct"] == round((1 - startup["p50"] / large["p50"]) * 100, 1)
    assert 30 < senior["cash_gap_pct"] < 40 and result["overall_cash_gap_pct"] == senior["cash_gap_pct"]
    # 1% of 40M over 4 years of vesting: 100,000 a year at the last valuation.
    assert senior["startup_total_by_outcome"] == {
        "worthless": startup["p50"], "last_valuation": startup["p50"] + 100_000,
        "three_times": startup["p50"] + 300_000,
    }  # fmt: skip
    assert result["assumptions"]["yearly_equity_at_last_valuation_usd"] == 100_000
    assert "30–40%" in result["summary"]


def test_bad_parameters_are_400s_naming_the_field(market, as_user, api, django_capture_on_commit_callbacks):
    client = as_user(UserFactory())
    cases = [
        ({"kind": "market_overview", "parameters": {}}, "parameters.role"),
        ({"kind": "market_overview", "parameters": {"role": "astronaut"}}, "parameters.role"),
        ({"kind": "market_overview", "parameters": {"role": "ml_engineer", "place": "XX"}}, "parameters.place"),
        ({"kind": "market_overview", "parameters": {"role": "ml_engineer", "colour": "red"}}, "parameters.colour"),
        ({"kind": "market_overview", "parameters": {"role": "ml_engineer", "window": "5y"}}, "parameters.window"),
        ({"kind": "horoscope", "parameters": {}}, "kind"),
        ({"kind": "market_overview", "parameters": ["role"]}, "parameters"),
        ({"kind": "company_comparison", "parameters": {"companies": ["only-one"]}}, "parameters.companies"),
        ({"kind": "company_comparison", "parameters": {"companies": ["a-1", "no-such"]}}, "parameters.companies"),
        ({"kind": "startup_vs_bigtech", "parameters": {"role": "ml_engineer", "equity_pct": "lots"}},
         "parameters.equity_pct"),
        ({"kind": "startup_vs_bigtech", "parameters": {"role": "ml_engineer", "equity_pct": 1e308}},
         "parameters.equity_pct"),
    ]  # fmt: skip
    for body, field in cases:
        response = client.post("/api/v1/reports/", body, format="json")
        assert response.status_code == 400, (body, response.content)
        assert field in [f["field"] for f in response.json()["error"]["fields"]], (body, response.json())
    assert api.post("/api/v1/reports/", cases[0][0], format="json").status_code == 401
    assert not InsightReport.objects.exists()


def test_reports_are_private_to_their_owner_and_admins(market, as_user, api, django_capture_on_commit_callbacks):
    owner, stranger, admin = UserFactory(), UserFactory(), UserFactory(is_staff=True, is_superuser=True)
    report_id = ask(as_user(owner), django_capture_on_commit_callbacks, "market_overview", role="ml_engineer").json()[
        "id"
    ]
    assert as_user(stranger).get(f"/api/v1/reports/{report_id}/").status_code == 404
    assert api.get(f"/api/v1/reports/{report_id}/").status_code == 404
    assert as_user(admin).get(f"/api/v1/reports/{report_id}/").status_code == 200
    assert [r["id"] for r in as_user(owner).get("/api/v1/reports/").json()["results"]] == [report_id]
    assert as_user(stranger).get("/api/v1/reports/").json()["results"] == []

    from django.test import Client

    page = Client()
    assert page.get(f"/reports/{report_id}/").status_code == 404
    page.force_login(owner)
    html = page.get(f"/reports/{report_id}/")
    assert html.status_code == 200 and b"<svg" in html.content and b"Market overview" in html.content
    rows = list(csv.reader(io.StringIO(page.get(f"/reports/{report_id}.csv").content.decode())))
    senior = MarketRange.objects.get(key="ml_engineer:senior:world:-:any:any:12m").release
    header = rows[0]
    levels = [dict(zip(header, r, strict=False)) for r in rows[1:] if r and r[0] == "levels"]
    assert next(r for r in levels if r["level"] == "senior")["p50"] == str(senior["p50"])


def test_an_employers_report_needs_membership_and_shows_its_postings(market, as_user,
                                                                   django_capture_on_commit_callbacks):  # fmt: skip
    company = CompanyFactory()
    mine = publish([155_000, 500_000], company=company)
    market_ranges_rebuild()
    member, outsider = MembershipFactory(company=company).user, UserFactory()
    refused = ask(as_user(outsider), django_capture_on_commit_callbacks, "employer_postings", company=company.slug)
    assert refused.status_code == 403 and refused.json()["error"]["fields"][0]["field"] == "parameters.company"

    body = built(as_user(member), django_capture_on_commit_callbacks, "employer_postings", company=company.slug)
    [section] = body["result"]["sections"]
    assert [row["posting"] for row in section["rows"]] == [p.pk for p in mine]
    high = next(row for row in section["rows"] if row["midpoint_usd"] == 500_000)
    assert high["label"] == "above" and high["market_p75"] < 500_000


def test_generation_is_claimed_once_and_failures_are_recorded(market, as_user, django_capture_on_commit_callbacks):
    body = ask(as_user(UserFactory()), django_capture_on_commit_callbacks, "market_overview", role="ml_engineer").json()
    assert report_generate(report_id=body["id"]) is False  # done already: a redelivered message does nothing

    report = InsightReport.objects.get(pk=body["id"])
    with django_capture_on_commit_callbacks(execute=True):
        report_regenerate(report_id=report.pk)
    report.refresh_from_db()
    assert report.status == ReportStatus.DONE and report.result["sections"]

    # Parameters no longer valid (say, edited by hand): the report fails with the error, nothing else happens.
    InsightReport.objects.filter(pk=report.pk).update(status=ReportStatus.PENDING, parameters={"role": "gone"})
    assert report_generate(report_id=report.pk) is False
    report.refresh_from_db()
    assert report.status == ReportStatus.FAILED and "KeyError" in report.error and report.finished_at


def test_weekly_public_overviews_are_readable_by_anyone_and_reused(market, api, django_capture_on_commit_callbacks):
    market_ranges_snapshot()
    with django_capture_on_commit_callbacks(execute=True):
        first = reports_publish_weekly()
    with django_capture_on_commit_callbacks(execute=True):
        again = reports_publish_weekly()
    assert first == again and len(first) == 7  # every role family but `other`
    listed = api.get("/api/v1/reports/?public=true").json()["results"]
    assert sorted(r["id"] for r in listed) == sorted(first)
    ml = next(r for r in listed if r["parameters"]["role"] == "ml_engineer")
    detail = api.get(ml["links"]["api"]).json()
    history = next(s for s in detail["result"]["sections"] if s["id"] == "history")
    snapshot = MarketRangeSnapshot.objects.get(key="ml_engineer:senior:world:-:any:any:12m")
    assert {"level": "senior", "day": snapshot.day.isoformat(), "p50": snapshot.release["p50"],
            "sample_size": snapshot.release["sample_size"]} in history["rows"]  # fmt: skip
    assert api.get(ml["links"]["html"]).status_code == 200


def test_company_market_report_is_for_members_and_sums_its_postings_positions(market, as_user, api):
    company = CompanyFactory()
    publish([140_000, 160_000, 500_000], company=company)
    publish([105_000], level="mid", company=company)
    market_ranges_rebuild()
    member = MembershipFactory(company=company).user
    url = f"/api/v1/insights/companies/{company.slug}/"
    assert api.get(url).status_code == 401
    assert as_user(UserFactory()).get(url).status_code == 403
    assert as_user(member).get("/api/v1/insights/companies/no-such/").status_code == 404
    body = as_user(member).get(url).json()
    senior = next(level for level in body["levels"] if level["level"] == "senior")
    release = MarketRange.objects.get(key=SENIOR_US).release
    expected_above = sum(1 for amount in (140_000, 160_000, 500_000) if amount > release["p75"])
    assert senior["postings"] == 3 and senior["above"] == expected_above
    assert senior["below"] + senior["within"] + senior["above"] + senior["without_market"] == 3
    mid = next(level for level in body["levels"] if level["level"] == "mid")
    assert mid["postings"] == 1  # the mid market here is withheld: a wider published range or none
    assert len(body["postings"]) == 4
