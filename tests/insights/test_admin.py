"""The insights' admin pages under the real URLconf, as a logged-in admin."""

from decimal import Decimal

import pytest
from django.test import Client

from insights.models import InsightReport, MarketRange
from insights.services import market_ranges_rebuild
from tests.factories import CompanyFactory, PublishedPostingFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client():
    client = Client()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_market_range_list_opens_on_the_largest_ranges_with_their_decision(admin_client):
    for i in range(6):
        PublishedPostingFactory(company=CompanyFactory(), country="US", city="Seattle",
                                salary_min=Decimal(150_000 + 1_000 * i), salary_max=Decimal(160_000 + 1_000 * i))  # fmt: skip
    market_ranges_rebuild()
    page = admin_client.get("/admin/insights/marketrange/")
    assert page.status_code == 200
    html = page.content.decode()
    largest = MarketRange.objects.order_by("-sample_size", "key").first()
    first_row = html.index("<tbody>")
    assert html.index(largest.key, first_row) < html.index("</tr>", first_row)  # first row
    assert "Large enterprise" in html or "Mid-size" in html  # human filter labels
    filtered = admin_client.get("/admin/insights/marketrange/?scope__exact=city&q=seattle")
    assert filtered.status_code == 200 and "US.seattle" in filtered.content.decode()


def test_an_admin_regenerates_a_report(admin_client, django_capture_on_commit_callbacks):
    from insights.services.reports import report_request

    PublishedPostingFactory()
    market_ranges_rebuild()
    with django_capture_on_commit_callbacks(execute=True):
        report, _ = report_request(user=UserFactory(), kind="market_overview", parameters={"role": "ml_engineer"})
    report.refresh_from_db()
    first_finish = report.finished_at
    assert report.status == "done"
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post("/admin/insights/insightreport/",
                                     {"action": "regenerate", "_selected_action": [report.pk]})  # fmt: skip
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == "done" and report.finished_at > first_finish
    assert admin_client.get(f"/admin/insights/insightreport/{report.pk}/change/").status_code == 200
    assert InsightReport.objects.count() == 1
