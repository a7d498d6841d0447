"""Self-service accounts through the real URLconf: sign-up, companies employers create and moderators verify,
invitations and leaving, saved jobs, saved searches with their alerts (once per candidate and posting, through
retries, failures, crashes and two workers at once), and applications that only their two sides see."""

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from jobs import services
from jobs.alerts import search_alerts_send
from jobs.models import Company, CompanyMembership, JobPosting, SavedSearch, SearchAlert
from tests.factories import CompanyFactory, ModeratorFactory, PublishedPostingFactory, UserFactory
from tests.jobs.test_api import assert_error_format

pytestmark = pytest.mark.django_db
POSTING = {"title": "Senior ML Engineer", "role_family": "ml_engineer", "level": "senior", "country": "US",
           "city": "Seattle", "salary_min": "150000", "salary_max": "180000", "salary_currency": "USD",
           "benefits": "Health insurance."}  # fmt: skip


def signed_up(username: str, email: str | None = None) -> APIClient:
    response = APIClient().post("/api/v1/accounts/signup/", {"username": username, "email": email or
                                f"{username}@example.com", "password": "a long pass phrase 42"}, format="json")  # fmt: skip
    assert response.status_code == 201, response.json()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    return client


def assert_error(response, status: int, code: str, field: str | None = None):
    assert response.status_code == status, (response.status_code, response.json())
    body = response.json()
    assert_error_format(body)
    codes = [body["error"]["code"], *(entry.get("code") for entry in body["error"].get("fields", []))]
    assert code in codes, body
    if field:
        assert field in [entry["field"] for entry in body["error"]["fields"]], body


# --- sign-up, companies, verification ----------------------------------------------------------------------------


def test_sign_up_gives_a_token_and_refuses_weak_passwords_and_taken_names():
    client = signed_up("ada")
    me = client.get("/api/v1/accounts/me/").json()
    assert me == {"username": "ada", "email": "ada@example.com", "is_moderator": False, "memberships": []}
    weak = APIClient().post("/api/v1/accounts/signup/", {"username": "bob", "email": "b@example.com",
                                                          "password": "password"}, format="json")  # fmt: skip
    assert_error(weak, 400, "weak_password", "password")
    taken = APIClient().post("/api/v1/accounts/signup/", {"username": "ADA", "email": "a2@example.com",
                                                           "password": "another long phrase 7"}, format="json")  # fmt: skip
    assert_error(taken, 409, "taken", "username")


def test_an_employer_onboards_a_company_whose_postings_wait_for_verification():
    employer = signed_up("erin")
    response = employer.post("/api/v1/companies/", {"name": "Tensor Works", "size_band": "startup",
                                                     "industry": "Fintech", "headquarters_country": "de"}, format="json")  # fmt: skip
    assert response.status_code == 201, response.json()
    company = response.json()
    assert company["slug"] == "tensor-works" and company["is_verified"] is False
    assert company["sector"] == "finance"  # company_save read it from the industry, as in the admin
    assert employer.get("/api/v1/accounts/me/").json()["memberships"][0]["role"] == "owner"
    draft = employer.post("/api/v1/jobs/", POSTING, format="json").json()
    assert employer.post(f"/api/v1/jobs/{draft['id']}/submit/").status_code == 200
    moderator = APIClient()
    moderator.force_authenticate(ModeratorFactory())
    assert_error(moderator.post(f"/api/v1/jobs/{draft['id']}/approve/"), 409, "company_not_verified", "company")
    assert_error(employer.post("/api/v1/companies/tensor-works/verify/"), 403, "permission_denied")
    assert moderator.post("/api/v1/companies/tensor-works/verify/").json()["is_verified"] is True
    assert moderator.post(f"/api/v1/jobs/{draft['id']}/approve/").status_code == 200
    # Its public page and API entry list the open posting.
    assert APIClient().get("/api/v1/companies/tensor-works/").json()["open_postings"] == 1
    page = Client().get("/companies/tensor-works/")
    assert page.status_code == 200 and "Senior ML Engineer" in page.content.decode()
    assert "verified by our moderators" in page.content.decode()
    # A second company of the same name gets its own slug.
    again = signed_up("eve").post("/api/v1/companies/", {"name": "Tensor Works", "size_band": "startup",
                                                           "headquarters_country": "US"}, format="json")  # fmt: skip
    assert again.json()["slug"] == "tensor-works-2"
    bad = employer.post("/api/v1/companies/", {"name": "<b>X</b>", "size_band": "huge", "headquarters_country": "XX"},
                        format="json")  # fmt: skip
    assert_error(bad, 400, "invalid_choice", "size_band")
    assert {"name", "headquarters_country"} <= {entry["field"] for entry in bad.json()["error"]["fields"]}


def test_members_invite_colleagues_who_join_and_leave():
    owner = signed_up("olga")
    owner.post("/api/v1/companies/", {"name": "Northwind", "size_band": "mid_size", "headquarters_country": "US"},
               format="json")  # fmt: skip
    mail.outbox.clear()
    assert owner.post("/api/v1/companies/northwind/invitations/", {"email": "Pat@Example.com"},
                      format="json").status_code == 201  # fmt: skip
    [message] = mail.outbox
    assert message.to == ["pat@example.com"] and "Northwind" in message.subject
    token = message.body.split("token=")[1].split()[0]
    stranger = signed_up("sam", "sam@example.com")
    assert_error(stranger.post("/api/v1/invitations/accept/", {"token": token}, format="json"), 403,
                 "permission_denied")  # fmt: skip
    assert_error(stranger.post("/api/v1/companies/northwind/invitations/", {"email": "x@example.com"},
                               format="json"), 403, "permission_denied")  # fmt: skip
    pat = signed_up("pat", "pat@example.com")
    joined = pat.post("/api/v1/invitations/accept/", {"token": token}, format="json")
    assert joined.status_code == 200 and joined.json()["memberships"][0]["company"]["slug"] == "northwind"
    assert_error(pat.post("/api/v1/invitations/accept/", {"token": token}, format="json"), 400, "invalid_invitation")
    assert pat.post("/api/v1/jobs/", POSTING, format="json").status_code == 201  # a member now
    # The owner leaves: the remaining member becomes the owner; the last member cannot leave.
    assert owner.post("/api/v1/companies/northwind/leave/").status_code == 200
    assert CompanyMembership.objects.get(user__username="pat").role == "owner"
    assert_error(pat.post("/api/v1/companies/northwind/leave/"), 409, "last_member")
    assert_error(owner.post("/api/v1/companies/northwind/leave/"), 403, "permission_denied")


# --- saved jobs -------------------------------------------------------------------------------------------------


def test_candidates_save_open_jobs_and_see_when_one_closes():
    candidate = signed_up("cara")
    posting = PublishedPostingFactory()
    assert candidate.post("/api/v1/saved-jobs/", {"posting": posting.pk}, format="json").status_code == 201
    assert candidate.post("/api/v1/saved-jobs/", {"posting": posting.pk}, format="json").status_code == 201  # same one
    [saved] = candidate.get("/api/v1/saved-jobs/").json()
    assert saved["posting"] == posting.pk and saved["is_open"] is True
    services.posting_close(posting=posting, user=posting.company.memberships.first().user, filled=True)
    assert candidate.get("/api/v1/saved-jobs/").json()[0]["is_open"] is False
    assert_error(candidate.post("/api/v1/saved-jobs/", {"posting": posting.pk}, format="json"), 400, "not_found",
                 "posting")  # fmt: skip
    assert candidate.delete(f"/api/v1/saved-jobs/{posting.pk}/").status_code == 204
    assert candidate.delete(f"/api/v1/saved-jobs/{posting.pk}/").status_code == 404
    assert APIClient().get("/api/v1/saved-jobs/").status_code == 401


# --- saved searches and alerts -------------------------------------------------------------------------------------


def saved_search(client, query: str, name: str = "Mine") -> dict:
    response = client.post("/api/v1/saved-searches/", {"name": name, "query": query}, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def alerted(outbox) -> list[tuple[str, list[int]]]:
    """(recipient, posting ids) of each alert mail."""
    return [(m.to[0], sorted(int(line.rsplit("/jobs/", 1)[1].strip("/")) for line in m.body.splitlines()
             if "/jobs/" in line and "?" not in line)) for m in outbox]  # fmt: skip


def test_a_saved_search_alerts_each_new_matching_posting_once_honouring_its_pay_filter_in_euros():
    candidate = signed_up("cleo")
    before = PublishedPostingFactory(level="senior", country="DE", city="Berlin", salary_currency="EUR",
                                     salary_min=Decimal("100000"), salary_max=Decimal("120000"))  # fmt: skip
    saved_search(candidate, "level=senior&country=DE&pay_min=110000&currency=EUR", "Berlin senior")
    saved_search(candidate, "country=DE", "Anything in Germany")  # matches the same postings: still one alert each
    assert_error(candidate.post("/api/v1/saved-searches/", {"query": "country=XX"}, format="json"), 400,
                 "invalid_query", "query")  # fmt: skip
    match = PublishedPostingFactory(level="senior", country="DE", city="Munich", salary_currency="EUR",
                                    salary_min=Decimal("105000"), salary_max=Decimal("125000"))  # fmt: skip
    too_low = PublishedPostingFactory(level="senior", country="DE", city="Hamburg", salary_currency="EUR",
                                      salary_min=Decimal("60000"), salary_max=Decimal("80000"))  # fmt: skip
    PublishedPostingFactory(level="senior", country="FR", city="Paris")
    mail.outbox.clear()
    counts = search_alerts_send()
    # The Munich job reaches 110,000 EUR; Hamburg's does not but "Anything in Germany" matches it; the posting
    # from before the searches were saved is never announced; each posting once for the candidate.
    assert sorted(p for _, ids in alerted(mail.outbox) for p in ids) == sorted([match.pk, too_low.pk])
    assert before.pk not in [p for _, ids in alerted(mail.outbox) for p in ids]
    assert counts["postings"] == 2
    message = mail.outbox[0]
    assert message.to == ["cleo@example.com"] and "Stop these alerts: http" in message.body
    assert "105,000–125,000 EUR a year, as posted by the employer" in message.body  # whose pay, in words
    assert message.extra_headers["List-Unsubscribe"].startswith("<http")
    mail.outbox.clear()
    assert search_alerts_send()["postings"] == 0 and mail.outbox == []  # a repeat sends nothing


def test_unsubscribing_stops_alerts_and_a_link_scanner_does_not_unsubscribe():
    candidate = signed_up("cody")
    saved = saved_search(candidate, "level=staff")
    token = SavedSearch.objects.get(pk=saved["id"]).unsubscribe_token
    page = Client().get(f"/alerts/unsubscribe/{token}/")
    assert page.status_code == 200 and SavedSearch.objects.get(pk=saved["id"]).alerts is True
    assert Client(enforce_csrf_checks=True).post(f"/alerts/unsubscribe/{token}/").status_code == 200
    assert SavedSearch.objects.get(pk=saved["id"]).alerts is False
    PublishedPostingFactory(level="staff")
    mail.outbox.clear()
    search_alerts_send()
    assert mail.outbox == []
    assert Client().get("/alerts/unsubscribe/no-such-token/").status_code == 404


class FailingBackend:
    """A mail backend whose server refuses every message (as an SMTP outage does)."""

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("mail server down")


def test_a_failed_send_is_sent_by_the_next_run_and_a_crash_mid_send_never_sends_twice(settings):
    candidate = signed_up("cruz")
    saved_search(candidate, "level=principal")
    first = PublishedPostingFactory(level="principal")
    settings.EMAIL_BACKEND = "tests.jobs.test_accounts.FailingBackend"
    assert search_alerts_send()["send_failures"] == 1
    assert not SearchAlert.objects.exists()  # released: nothing claimed stays unsent after a known failure
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox.clear()
    search_alerts_send()
    assert alerted(mail.outbox) == [("cruz@example.com", [first.pk])]
    # A worker that died after claiming a posting and before the backend answered: the claim stays, unsent.
    second = PublishedPostingFactory(level="principal")
    user = SavedSearch.objects.get(user__username="cruz").user
    SearchAlert.objects.create(user=user, posting=second, claimed_at=timezone.now() - timedelta(hours=1))
    mail.outbox.clear()
    counts = search_alerts_send()
    assert mail.outbox == [] and counts["alerts_unconfirmed"] == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="two workers at once need PostgreSQL's concurrency")
def test_two_workers_sending_alerts_at_once_send_each_posting_once(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    candidates = [signed_up(f"twin{i}") for i in range(5)]
    for client in candidates:
        saved_search(client, "level=senior")
        saved_search(client, "country=US")
    postings = [PublishedPostingFactory(company=CompanyFactory()) for _ in range(6)]
    mail.outbox = []
    barrier = threading.Barrier(2)
    errors = []

    def worker():
        from django.db import connection as own

        try:
            barrier.wait()
            search_alerts_send()
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            own.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    announced = [(to, posting) for to, ids in alerted(mail.outbox) for posting in ids]
    assert sorted(announced) == sorted((f"twin{i}@example.com", p.pk) for i in range(5) for p in postings)
    assert SearchAlert.objects.filter(sent_at__isnull=False).count() == 30
    assert connection.vendor == "postgresql"


# --- applications -----------------------------------------------------------------------------------------------


def test_applications_are_seen_and_moved_only_by_their_two_sides():
    posting = PublishedPostingFactory()
    employer = APIClient()
    employer.force_authenticate(posting.company.memberships.first().user)
    other_company = APIClient()
    other_company.force_authenticate(PublishedPostingFactory(company=CompanyFactory()).company.memberships.first().user)
    candidate = signed_up("casey")
    body = {"cover_note": "I build ranking models.", "cv_url": "https://example.com/casey.pdf"}
    created = candidate.post(f"/api/v1/jobs/{posting.pk}/apply/", body, format="json")
    assert created.status_code == 201 and created.json()["status"] == "received"
    application = created.json()["id"]
    assert_error(candidate.post(f"/api/v1/jobs/{posting.pk}/apply/", body, format="json"), 400, "already_applied")
    assert_error(employer.post(f"/api/v1/jobs/{posting.pk}/apply/", body, format="json"), 403, "permission_denied")
    assert_error(candidate.post(f"/api/v1/jobs/{posting.pk}/apply/", {"cv_url": "not a url"}, format="json"), 400,
                 "invalid", "cv_url")  # fmt: skip
    # Who sees it: the candidate and the posting's company; not another company, a moderator or the public.
    assert [a["id"] for a in candidate.get("/api/v1/applications/").json()] == [application]
    assert [a["id"] for a in employer.get("/api/v1/applications/", {"as": "employer"}).json()] == [application]
    assert other_company.get("/api/v1/applications/", {"as": "employer"}).json() == []
    assert other_company.get(f"/api/v1/applications/{application}/").status_code == 404
    moderator = APIClient()
    moderator.force_authenticate(ModeratorFactory())
    assert moderator.get(f"/api/v1/applications/{application}/").status_code == 404
    assert APIClient().get(f"/api/v1/applications/{application}/").status_code == 401
    # Who moves it: the company, one step at a time (or to rejected); final statuses stay.
    assert_error(candidate.post(f"/api/v1/applications/{application}/move/", {"status": "hired"}, format="json"),
                 403, "permission_denied")  # fmt: skip
    assert_error(other_company.post(f"/api/v1/applications/{application}/move/", {"status": "reviewing"},
                                    format="json"), 404, "not_found")  # fmt: skip
    assert_error(employer.post(f"/api/v1/applications/{application}/move/", {"status": "offer"}, format="json"),
                 409, "invalid_transition", "status")  # fmt: skip
    for status in ("reviewing", "interview", "offer", "hired"):
        moved = employer.post(f"/api/v1/applications/{application}/move/", {"status": status}, format="json")
        assert moved.status_code == 200 and moved.json()["status"] == status
    assert candidate.get(f"/api/v1/applications/{application}/").json()["status"] == "hired"
    assert_error(employer.post(f"/api/v1/applications/{application}/move/", {"status": "rejected"}, format="json"),
                 409, "invalid_transition")  # fmt: skip
    # A closed job takes no applications.
    services.posting_close(posting=posting, user=posting.company.memberships.first().user, filled=True)
    late = signed_up("lee").post(f"/api/v1/jobs/{posting.pk}/apply/", body, format="json")
    assert late.status_code == 404


def test_unverified_companies_and_their_postings_stay_out_of_the_market():
    company = CompanyFactory(is_verified=False)
    user = UserFactory()
    CompanyMembership.objects.create(user=user, company=company)
    posting = services.posting_create(
        company=company, user=user, data={**POSTING, "salary_min": Decimal(150000), "salary_max": Decimal(180000)}
    )
    services.posting_submit(posting=posting, user=user)
    with pytest.raises(services.CompanyNotVerified):
        services.posting_approve(posting=posting, moderator=ModeratorFactory())
    assert JobPosting.objects.get(pk=posting.pk).status == "pending_review"
    assert Company.objects.get(pk=company.pk).is_verified is False
