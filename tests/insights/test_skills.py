"""Skills on postings (read and edited) and skill premiums from released figures, on data built to know the answer."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from insights.models import SkillPremium
from insights.services.skill_premiums import skill_premiums_recompute
from salaries.skills import SKILLS, skills_in
from tests.factories import CompanyFactory, MembershipFactory, PublishedPostingFactory


def test_skills_are_read_as_whole_words_from_title_and_html():
    assert skills_in("Senior NLP Engineer (LLMs)", "<p>We use <b>PyTorch</b>, Spark and k8s.</p>") == [
        "pytorch", "spark", "kubernetes", "nlp", "llm"]  # fmt: skip
    assert skills_in("Javascript developer", "Scalable systems; sparkling water; <span class='python'>x</span>") == []


@given(st.text(max_size=200))
def test_reading_skills_never_fails_and_names_only_vocabulary(text):
    assert set(skills_in(text, text)) <= set(SKILLS)


@pytest.mark.django_db
def test_employers_see_and_replace_the_skills_read(as_user):
    company = CompanyFactory()
    client = as_user(MembershipFactory(company=company).user)
    created = client.post("/api/v1/jobs/", {
        "title": "Senior ML Engineer", "role_family": "ml_engineer", "level": "senior", "country": "DE",
        "description": "<p>TensorFlow and Kubernetes in production.</p>", "salary_min": 90_000,
        "salary_max": 110_000, "salary_currency": "EUR"}, format="json").json()  # fmt: skip
    assert created["skills"] == ["tensorflow", "kubernetes"]
    edited = client.patch(f"/api/v1/jobs/{created['id']}/", {"skills": ["pytorch", "llm", "pytorch"]},
                          format="json").json()  # fmt: skip
    assert edited["skills"] == ["pytorch", "llm"]
    # The employer's choice stands when the description changes later.
    again = client.patch(f"/api/v1/jobs/{created['id']}/", {"description": "Spark."}, format="json").json()
    assert again["skills"] == ["pytorch", "llm"]
    bad = client.patch(f"/api/v1/jobs/{created['id']}/", {"skills": ["cobol"]}, format="json")
    assert bad.status_code == 400 and bad.json()["error"]["fields"][0]["field"].startswith("skills")


def publish(n, base, description, *, step=1_000, country="US", role="ml_engineer", level="senior"):
    for i in range(n):
        amount = Decimal(base + step * i)
        PublishedPostingFactory(company=CompanyFactory(), role_family=role, level=level, country=country,
                                salary_min=amount, salary_max=amount, description=description(i))  # fmt: skip


@pytest.mark.django_db
def test_skill_premiums_from_releases_with_a_noise_verdict(api):
    # Senior ML engineers: PyTorch postings pay 230–253k, the others 150–173k. Mid data scientists: Kubernetes on
    # every other posting of one evenly spread group, so it makes no difference.
    publish(24, 230_000, lambda i: "PyTorch")
    publish(24, 150_000, lambda i: "Python")
    publish(3, 160_000, lambda i: "Scala", step=5_000)
    publish(40, 100_000, lambda i: "SQL" + (" and Kubernetes" if i % 2 else ""), role="data_scientist", level="mid")

    publish(10, 60_000, lambda i: "PyTorch" if i % 2 else "Python", country="IN")  # another country's pay
    skill_premiums_recompute()
    body = api.get("/api/v1/insights/skills/?role=ml_engineer&level=senior").json()
    rows = {row["skill"]: row for row in body["results"]}
    stored = SkillPremium.objects.get(role_family="ml_engineer", level="senior", skill="pytorch", country="US")
    torch = rows["pytorch"]
    [us] = [c for c in torch["countries"] if c["country"] == "US"]
    assert us["with_skill"]["p50"] == stored.with_release["p50"] != 241_500  # released, not exact
    assert us["with_skill"]["sample_size"] == stored.with_release["sample_size"]
    assert us["premium_pct"] == float(round((Decimal(us["with_skill"]["p50"]) /
                                            Decimal(us["without_skill"]["p50"]) - 1) * 100, 1))  # fmt: skip
    # Exact: 241.5k against about 163k (+48%); each released median moves 3–6% (n ≈ 24), so 31–67%, and even
    # at the worst draw the two intervals (sampling notch plus the most the noise can move) stay apart.
    assert 30 < us["premium_pct"] < 68 and us["within_noise"] is False
    # India's 10 postings (5 a side) are compared with India's only; the overall weighs the two countries.
    countries = {c["country"]: c for c in torch["countries"]}
    if "IN" in countries:
        w_us = us["with_skill"]["sample_size"] + us["without_skill"]["sample_size"]
        india = countries["IN"]
        w_in = india["with_skill"]["sample_size"] + india["without_skill"]["sample_size"]
        expected = (us["premium_pct"] * w_us + india["premium_pct"] * w_in) / (w_us + w_in)
        assert torch["premium_pct"] == round(expected, 1)
    else:
        assert torch["premium_pct"] == us["premium_pct"]
    assert torch["within_noise"] is False and torch["uncertainty_pct"] < abs(torch["premium_pct"])
    scientists = api.get("/api/v1/insights/skills/?role=data_scientist&level=mid").json()["results"]
    k8s = next(row for row in scientists if row["skill"] == "kubernetes")
    assert k8s["countries_compared"] == 1
    # Exact: +0.8% (120k against 119k); noise of 3.4–6.7% on each median keeps it under 16%.
    assert abs(k8s["premium_pct"]) < 16 and k8s["within_noise"] is True
    scala = rows["scala"]
    assert scala["premium_pct"] is None and scala["countries_compared"] == 0
    assert scala["withheld_reason"] == "no country has enough data both with and without this skill"
    assert body["results"][0]["skill"] == "pytorch"  # largest published premium first
    assert "notch" in body["noise_rule"]
    assert api.get("/api/v1/insights/skills/?role=ml_engineer").status_code == 400


@pytest.mark.django_db
def test_a_skill_premium_report_carries_the_endpoints_figures_and_a_chart(as_user, django_capture_on_commit_callbacks):
    from insights.models import InsightReport
    from tests.factories import UserFactory

    publish(24, 230_000, lambda i: "PyTorch")
    publish(24, 150_000, lambda i: "Python")
    skill_premiums_recompute()
    client = as_user(UserFactory())
    with django_capture_on_commit_callbacks(execute=True):
        asked = client.post("/api/v1/reports/", {"kind": "skill_premiums",
                                                 "parameters": {"role": "ml_engineer", "level": "senior"}},
                            format="json")  # fmt: skip
    assert asked.status_code == 202, asked.json()
    report = InsightReport.objects.get(pk=asked.json()["id"])
    assert report.status == "done", report.error
    rows = {row["skill"]: row for row in report.result["sections"][0]["rows"]}
    endpoint = {r["skill"]: r for r in client.get("/api/v1/insights/skills/?role=ml_engineer&level=senior").json()[
        "results"]}  # fmt: skip
    assert rows["pytorch"]["premium_pct"] == endpoint["pytorch"]["premium_pct"] is not None
    assert rows["pytorch"]["with_sample_size"] == endpoint["pytorch"]["with_skill_sample_size"]
    assert report.charts["skills"].startswith("<svg")
    missing_level = client.post("/api/v1/reports/", {"kind": "skill_premiums", "parameters": {"role": "ml_engineer"}},
                                format="json")  # fmt: skip
    assert missing_level.status_code == 400
    assert missing_level.json()["error"]["fields"][0]["field"] == "parameters.level"
