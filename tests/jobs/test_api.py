"""The job-postings API through its real HTTP surface: URLconf, auth, serializers, services, database."""

import statistics
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from insights.models import MarketRange
from jobs import services
from jobs.models import JobPosting, PostingStatus
from salaries.money import PayPeriod
from salaries.taxonomy import Level, RoleFamily
from tests.factories import (
    CompanyFactory,
    DraftPostingFactory,
    MembershipFactory,
    PendingPostingFactory,
    PublishedPostingFactory,
)
from tests.insights.releases import within_release_noise

JOBS = "/api/v1/jobs/"
MARKET_RANGES = "/api/v1/market-ranges/"
CENT = Decimal("0.01")
ANY = object()


def detail(posting_id: int) -> str:
    return f"{JOBS}{posting_id}/"


def posting_payload(**overrides) -> dict:
    data = {
        "title": "Senior ML Engineer",
        "description": "<p>Train and ship models.</p>",
        "role_family": "ml_engineer",
        "level": "senior",
        "country": "US",
        "city": "Seattle",
        "salary_min": "150000",
        "salary_max": "190000",
        "salary_currency": "USD",
        "salary_period": "YEAR",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not ANY}


def assert_error_format(body) -> None:
    """`{"error": {"code": str, "message": str, "fields": [{"field": str|None, "code": str, "message": str}]}}`"""
    assert isinstance(body, dict) and set(body) == {"error"}, body
    error = body["error"]
    assert set(error) == {"code", "message", "fields"}, error
    assert isinstance(error["code"], str) and error["code"]
    assert isinstance(error["message"], str) and error["message"]
    assert isinstance(error["fields"], list)
    for entry in error["fields"]:
        assert set(entry) == {"field", "code", "message"}, entry
        assert entry["field"] is None or isinstance(entry["field"], str)
        assert isinstance(entry["code"], str) and entry["code"]
        assert isinstance(entry["message"], str) and entry["message"]


def assert_error(response, status: int, code: str, *, field=ANY, field_code=ANY) -> dict:
    """Check status, JSON error format and top-level code; with `field`, that an entry names it (with `field_code`)."""
    assert response.status_code == status, (response.status_code, response.content)
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = response.json()
    assert_error_format(body)
    assert body["error"]["code"] == code, body
    if field is not ANY:
        entries = [entry for entry in body["error"]["fields"] if entry["field"] == field]
        assert entries, f"no error entry for field {field!r}: {body}"
        if field_code is not ANY:
            assert field_code in [entry["code"] for entry in entries], body
    return body


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["results"]]


def money(value) -> Decimal:
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


def member_of(company):
    return company.memberships.select_related("user").first().user


def posting_in_state(state: str, company) -> JobPosting:
    """A posting of `company` in the given lifecycle state, made through the services."""
    if state == PostingStatus.DRAFT:
        return DraftPostingFactory(company=company)
    if state == PostingStatus.PENDING_REVIEW:
        return PendingPostingFactory(company=company)
    posting = PublishedPostingFactory(company=company)
    if state == PostingStatus.PUBLISHED:
        return posting
    if state in (PostingStatus.CLOSED, PostingStatus.FILLED):
        filled = state == PostingStatus.FILLED
        return services.posting_close(posting=posting, user=member_of(company), filled=filled)
    raise AssertionError(f"no recipe for {state}")


# --- 1. The lifecycle -------------------------------------------------------------------------


@pytest.mark.django_db
def test_lifecycle_draft_to_published_to_filled(api, company, employer, moderator, as_user):
    owner, mod = as_user(employer), as_user(moderator)

    created = owner.post(JOBS, posting_payload(), format="json")
    assert created.status_code == 201, created.content
    posting = created.json()
    pid = posting["id"]
    assert posting["status"] == "draft"
    assert posting["company"]["id"] == company.pk
    assert posting["published_at"] is None and posting["expires_at"] is None

    # A draft is private: not public, but its company sees it.
    assert pid not in ids(api.get(JOBS))
    assert api.get(detail(pid)).status_code == 404
    assert owner.get(detail(pid)).json()["status"] == "draft"
    assert ids(owner.get(JOBS, {"scope": "mine"})) == [pid]

    submitted = owner.post(f"{detail(pid)}submit/")
    assert submitted.status_code == 200, submitted.content
    assert submitted.json()["status"] == "pending_review"
    assert submitted.json()["submitted_at"] is not None
    assert pid not in ids(api.get(JOBS))

    approved = mod.post(f"{detail(pid)}approve/")
    assert approved.status_code == 200, approved.content
    body = approved.json()
    assert body["status"] == "published"
    published_at, expires_at = parse_datetime(body["published_at"]), parse_datetime(body["expires_at"])
    assert published_at is not None and expires_at is not None
    assert abs((expires_at - published_at) - timedelta(days=60)) < timedelta(seconds=1)

    public = api.get(JOBS).json()["results"]
    assert [item["id"] for item in public] == [pid]
    assert isinstance(public[0]["salary_context"], dict)
    assert public[0]["salary_context"]["status"] == "insufficient_data"
    assert public[0]["salary_context"]["segment"]["key"] == "ml_engineer:senior:country:US:any:any:12m"
    assert api.get(detail(pid)).status_code == 200

    # A change of title or pay to a published posting goes back to review, and live once approved again.
    edited = owner.patch(detail(pid), {"title": "Staff-track ML Engineer", "salary_max": "200000"}, format="json")
    assert edited.status_code == 200, edited.content
    assert edited.json()["status"] == "pending_review"
    assert edited.json()["title"] == "Staff-track ML Engineer"
    assert api.get(detail(pid)).status_code == 404
    assert mod.post(f"{detail(pid)}approve/").json()["status"] == "published"
    public_view = api.get(detail(pid)).json()
    assert public_view["title"] == "Staff-track ML Engineer"
    assert Decimal(str(public_view["pay"]["as_posted"]["max"])) == Decimal("200000")
    assert Decimal(str(public_view["pay"]["annual_usd"]["midpoint"])) == Decimal("175000.00")

    filled = owner.post(f"{detail(pid)}close/", {"outcome": "filled"}, format="json")
    assert filled.status_code == 200, filled.content
    assert filled.json()["status"] == "filled"
    assert filled.json()["closed_at"] is not None
    assert pid not in ids(api.get(JOBS))
    assert api.get(detail(pid)).status_code == 404
    assert owner.get(detail(pid)).json()["status"] == "filled"


@pytest.mark.django_db
def test_close_without_outcome_closes(api, company, employer, as_user):
    posting = PublishedPostingFactory(company=company)
    other = PublishedPostingFactory(company=company)
    assert set(ids(api.get(JOBS))) == {posting.pk, other.pk}

    response = as_user(employer).post(f"{detail(posting.pk)}close/", {}, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["status"] == "closed"
    assert ids(api.get(JOBS)) == [other.pk]
    posting.refresh_from_db()
    assert posting.status == PostingStatus.CLOSED and posting.closed_at is not None


@pytest.mark.django_db
def test_rejection_then_edit_returns_to_draft_and_can_be_resubmitted(api, company, employer, moderator, as_user):
    owner, mod = as_user(employer), as_user(moderator)
    posting = PendingPostingFactory(company=company)

    rejected = mod.post(f"{detail(posting.pk)}reject/", {"reason": "Please state the salary range."}, format="json")
    assert rejected.status_code == 200, rejected.content
    assert rejected.json()["status"] == "rejected"
    assert rejected.json()["rejection_reason"] == "Please state the salary range."
    assert owner.get(detail(posting.pk)).json()["rejection_reason"] == "Please state the salary range."
    assert posting.pk not in ids(api.get(JOBS))

    edited = owner.patch(detail(posting.pk), {"title": "ML Engineer (pay stated)"}, format="json")
    assert edited.status_code == 200, edited.content
    assert edited.json()["status"] == "draft"
    assert edited.json()["title"] == "ML Engineer (pay stated)"

    resubmitted = owner.post(f"{detail(posting.pk)}submit/")
    assert resubmitted.status_code == 200, resubmitted.content
    assert resubmitted.json()["status"] == "pending_review"
    assert resubmitted.json()["rejection_reason"] == ""
    assert ids(mod.get(JOBS, {"scope": "review"})) == [posting.pk]


@pytest.mark.django_db
def test_posting_past_its_expiry_is_hidden_before_the_sweep_runs(api, company, employer, as_user):
    posting = PublishedPostingFactory(company=company)
    JobPosting.objects.filter(pk=posting.pk).update(expires_at=timezone.now() - timedelta(minutes=1))

    assert posting.pk not in ids(api.get(JOBS))
    assert api.get(detail(posting.pk)).status_code == 404
    owned = as_user(employer).get(detail(posting.pk))
    assert owned.status_code == 200 and owned.json()["status"] == "published"


# --- 2. Forbidden transitions -----------------------------------------------------------------

FORBIDDEN = [
    # (id, state, actor, method, action, payload)
    ("approve-draft", "draft", "moderator", "post", "approve", None),
    ("approve-published", "published", "moderator", "post", "approve", None),
    ("reject-draft", "draft", "moderator", "post", "reject", {"reason": "Not ready."}),
    ("submit-published", "published", "employer", "post", "submit", None),
    ("submit-pending", "pending_review", "employer", "post", "submit", None),
    ("fill-draft", "draft", "employer", "post", "close", {"outcome": "filled"}),
    ("edit-closed", "closed", "employer", "patch", "", {"title": "Reopened?"}),
    ("edit-filled", "filled", "employer", "patch", "", {"title": "Reopened?"}),
    ("close-closed", "closed", "employer", "post", "close", {"outcome": "closed"}),
    ("approve-closed", "closed", "moderator", "post", "approve", None),
]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "state, actor, method, action, payload", [case[1:] for case in FORBIDDEN], ids=[case[0] for case in FORBIDDEN]
)
def test_forbidden_transition_is_409(company, employer, moderator, as_user, state, actor, method, action, payload):
    posting = posting_in_state(state, company)
    client = as_user(moderator if actor == "moderator" else employer)
    url = f"{detail(posting.pk)}{action}/" if action else detail(posting.pk)

    response = getattr(client, method)(url, payload, format="json")

    body = assert_error(response, 409, "invalid_transition", field="status", field_code="invalid_transition")
    assert len(body["error"]["fields"]) == 1
    posting.refresh_from_db()
    assert posting.status == state


# --- 3. Permissions ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_anonymous_cannot_create(api):
    response = api.post(JOBS, posting_payload(), format="json")
    assert_error(response, 401, "not_authenticated")
    assert not JobPosting.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("action, body", [("approve", None), ("reject", {"reason": "Looks wrong."})])
def test_employer_cannot_moderate_own_posting(company, employer, as_user, action, body):
    posting = PendingPostingFactory(company=company)

    response = as_user(employer).post(f"{detail(posting.pk)}{action}/", body, format="json")

    assert_error(response, 403, "permission_denied")
    posting.refresh_from_db()
    assert posting.status == PostingStatus.PENDING_REVIEW


@pytest.mark.django_db
def test_other_company_cannot_see_or_touch_a_draft(company, employer, as_user):
    draft = DraftPostingFactory(company=company)
    outsider = as_user(MembershipFactory(company=CompanyFactory()).user)

    assert_error(outsider.get(detail(draft.pk)), 404, "not_found")
    assert_error(outsider.patch(detail(draft.pk), {"title": "Hijacked"}, format="json"), 404, "not_found")
    assert_error(outsider.post(f"{detail(draft.pk)}submit/"), 404, "not_found")
    assert draft.pk not in ids(outsider.get(JOBS, {"scope": "mine"}))
    draft.refresh_from_db()
    assert draft.title == "Machine Learning Engineer" and draft.status == PostingStatus.DRAFT


@pytest.mark.django_db
def test_other_company_cannot_edit_or_close_a_published_posting(company, employer, as_user):
    posting = PublishedPostingFactory(company=company)
    outsider = as_user(MembershipFactory(company=CompanyFactory()).user)

    assert outsider.get(detail(posting.pk)).status_code == 200  # published: anyone may read it
    assert_error(outsider.patch(detail(posting.pk), {"title": "Hijacked"}, format="json"), 403, "permission_denied")
    assert_error(outsider.post(f"{detail(posting.pk)}close/", {}, format="json"), 403, "permission_denied")
    posting.refresh_from_db()
    assert posting.title == "Machine Learning Engineer" and posting.status == PostingStatus.PUBLISHED


@pytest.mark.django_db
def test_review_scope_is_for_moderators_only(api, company, employer, moderator, as_user):
    first = PendingPostingFactory(company=company)
    second = PendingPostingFactory()
    DraftPostingFactory(company=company)
    PublishedPostingFactory()

    assert ids(api.get(JOBS, {"scope": "review"})) == []
    assert ids(as_user(employer).get(JOBS, {"scope": "review"})) == []
    assert ids(as_user(moderator).get(JOBS, {"scope": "review"})) == [first.pk, second.pk]


@pytest.mark.django_db
@pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": "   "}])
def test_reject_needs_a_reason(company, moderator, as_user, body):
    posting = PendingPostingFactory(company=company)

    response = as_user(moderator).post(f"{detail(posting.pk)}reject/", body, format="json")

    assert_error(response, 400, "validation_error", field="reason")
    posting.refresh_from_db()
    assert posting.status == PostingStatus.PENDING_REVIEW


# --- Real token authentication ---------------------------------------------------------------


@pytest.mark.django_db
def test_token_auth_round_trip(api, company, employer):
    response = api.post("/api/v1/auth/token/", {"username": employer.username, "password": "pw-for-tests-1"})
    assert response.status_code == 200, response.content
    token = response.json()["token"]
    assert isinstance(token, str) and len(token) >= 20

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    created = client.post(JOBS, posting_payload(), format="json")

    assert created.status_code == 201, created.content
    posting = JobPosting.objects.get(pk=created.json()["id"])
    assert posting.created_by == employer and posting.company == company


@pytest.mark.django_db
def test_token_auth_wrong_password_is_a_json_400(api, employer):
    response = api.post("/api/v1/auth/token/", {"username": employer.username, "password": "not-the-password"})
    body = assert_error(response, 400, "validation_error", field=None, field_code="authorization")
    assert "token" not in body


@pytest.mark.django_db
def test_unknown_token_is_401(company, employer):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token 0000000000000000000000000000000000000000")
    assert_error(client.post(JOBS, posting_payload(), format="json"), 401, "authentication_failed")


# --- 4. Bad input -----------------------------------------------------------------------------

BAD_CREATE = [
    ("min-above-max", {"salary_min": "200000", "salary_max": "100000"}, "salary_max", "min_greater_than_max"),
    ("negative-pay", {"salary_min": "-5"}, "salary_min", "min_value"),
    ("zero-pay", {"salary_min": "0"}, "salary_min", "must_be_positive"),
    ("unknown-currency", {"salary_currency": "XYZ"}, "salary_currency", "unknown_currency"),
    ("unknown-period", {"salary_period": "FORTNIGHT"}, "salary_period", "invalid_choice"),
    ("missing-title", {"title": ANY}, "title", "required"),
    ("unknown-level", {"level": "wizard"}, "level", "invalid_choice"),
    ("unknown-role-family", {"role_family": "astronaut"}, "role_family", "invalid_choice"),
    ("bad-country", {"country": "ZZ"}, "country", "invalid_country"),
    ("non-numeric-pay", {"salary_min": "lots"}, "salary_min", "invalid"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "overrides, field, code", [case[1:] for case in BAD_CREATE], ids=[case[0] for case in BAD_CREATE]
)
def test_create_rejects_bad_input(company, employer, as_user, overrides, field, code):
    response = as_user(employer).post(JOBS, posting_payload(**overrides), format="json")

    # Every 400 about the input is a "validation_error"; the specific problem is in the field entry,
    # whether the serializer or the service layer found it.
    body = assert_error(response, 400, "validation_error", field=field, field_code=code)
    assert body["error"]["fields"][0]["field"] == field
    assert not JobPosting.objects.exists()


@pytest.mark.django_db
def test_create_with_malformed_json_is_parse_error(company, employer, as_user):
    response = as_user(employer).post(JOBS, data='{"title": "Broken', content_type="application/json")
    assert_error(response, 400, "parse_error")
    assert not JobPosting.objects.exists()


@pytest.mark.django_db
def test_patch_making_min_above_max_is_rejected(company, employer, as_user):
    draft = DraftPostingFactory(company=company)  # 150,000–190,000 USD a year

    response = as_user(employer).patch(detail(draft.pk), {"salary_min": "250000"}, format="json")

    assert_error(response, 400, "validation_error", field="salary_max", field_code="min_greater_than_max")
    draft.refresh_from_db()
    assert draft.salary_min == Decimal("150000.00") and draft.salary_max == Decimal("190000.00")


@pytest.mark.django_db
def test_list_with_unknown_level_filter_is_400(api):
    assert_error(
        api.get(JOBS, {"level": "wizard"}), 400, "validation_error", field="level", field_code="invalid_choice"
    )


@pytest.mark.django_db
def test_list_with_unknown_scope_is_400(api):
    assert_error(api.get(JOBS, {"scope": "bogus"}), 400, "validation_error", field="scope")


@pytest.mark.django_db
def test_unknown_url_is_json_404(api):
    assert_error(api.get("/api/v1/nope/"), 404, "not_found")


@pytest.mark.django_db
def test_unknown_posting_is_json_404(api, moderator, as_user):
    assert_error(api.get(detail(999999)), 404, "not_found")
    assert_error(as_user(moderator).post(f"{detail(999999)}approve/"), 404, "not_found")


JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.text(max_size=40),
    st.integers(min_value=-(10**16), max_value=10**16),
    st.floats(allow_nan=False, allow_infinity=False),
)
PLAUSIBLE = {
    "title": st.text(min_size=1, max_size=60),
    "description": st.sampled_from(["", "<p>ok</p>", "<script>alert(1)</script><b>x</b>", "plain"]),
    "role_family": st.sampled_from(RoleFamily.values),
    "level": st.sampled_from(Level.values),
    "employment_type": st.sampled_from(["full_time", "contract", "freelance"]),
    "city": st.text(max_size=30),
    "country": st.sampled_from(["US", "de", "GB", "ZZ", "USA", ""]),
    "remote_policy": st.sampled_from(["onsite", "remote", "hybrid", "moon"]),
    "salary_min": st.decimals(min_value=-10, max_value=10**12, places=2, allow_nan=False),
    "salary_max": st.decimals(min_value=-10, max_value=10**12, places=2, allow_nan=False),
    "salary_currency": st.sampled_from(["USD", "EUR", "gbp", "JPY", "XYZ", "XAU", "US"]),
    "salary_period": st.sampled_from(PayPeriod.values + ["FORTNIGHT"]),
    "expires_at": st.sampled_from(["2031-01-01T00:00:00Z", "2001-01-01T00:00:00Z", "yesterday", ""]),
    "source_ref": st.text(max_size=20),
    "company": st.sampled_from(["no-such-company", ""]),
}
OVERFLOWING_PAY = {"salary_min": "100000000000", "salary_max": "100000000000", "salary_period": "HOUR"}


@st.composite
def posting_dicts(draw) -> dict:
    """Either a valid posting with up to three fields spoilt or dropped, or an arbitrary subset of the fields."""
    if draw(st.booleans()):
        data, names = posting_payload(), draw(st.sets(st.sampled_from(sorted(PLAUSIBLE)), max_size=3))
    else:
        data, names = {}, draw(st.sets(st.sampled_from(sorted(PLAUSIBLE))))
    for name in names:
        value = draw(st.one_of(PLAUSIBLE[name], JUNK, st.just(ANY)))
        if value is ANY:
            data.pop(name, None)
        else:
            data[name] = str(value) if isinstance(value, Decimal) else value
    return data


@pytest.mark.django_db
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=posting_dicts())
@example(data=posting_payload(**OVERFLOWING_PAY))
@example(data={"country": "US", "city": "", "company": "\x00"})  # once a database error: the slug lookup
def test_create_never_500s(company, employer, as_user, data):
    response = as_user(employer).post(JOBS, data, format="json")

    assert response.status_code in (201, 400), (response.status_code, data, response.content)
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    if response.status_code == 201:
        assert body["status"] == "draft" and isinstance(body["id"], int)
    else:
        assert_error_format(body)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/api/v1/jobs/?currency=%00", "currency"),
        ("/api/v1/benchmarks/?release=1%00", "release"),
        ("/api/v1/market-ranges/?role=ml_engineer&country=U%00S", "country"),
        ("/api/v1/market-ranges/US%00/history/", None),
    ],
)
def test_a_null_character_anywhere_in_a_query_is_a_400_naming_its_parameter(api, url, field):
    """PostgreSQL text cannot hold NUL: looked up, it used to raise a database error (a 500)."""
    response = api.get(url)
    assert response.status_code == 400, response.content
    body = response.json()
    assert_error_format(body)
    assert [f["field"] for f in body["error"]["fields"]] == ([field] if field else [])


@pytest.mark.django_db
@pytest.mark.parametrize(
    "overrides",
    [
        pytest.param(OVERFLOWING_PAY, id="hourly-pay-annualises-past-storage"),
        pytest.param(
            {"salary_min": "999999999999.99", "salary_max": "999999999999.99", "salary_currency": "GBP"},
            id="converted-pay-past-storage",
        ),
    ],
)
def test_create_with_pay_too_large_to_store_is_a_400(company, employer, as_user, overrides):
    """Each amount passes the 14-digit check as posted, but its annual USD figure does not fit the columns."""
    client = as_user(employer)
    client.raise_request_exception = False

    response = client.post(JOBS, posting_payload(**overrides), format="json")

    assert response.status_code == 400, (response.status_code, response.content)
    body = response.json()
    assert_error_format(body)
    assert {entry["field"] for entry in body["error"]["fields"]} & {"salary_min", "salary_max"}, body
    assert not JobPosting.objects.exists()
    assert client.get(JOBS, {"scope": "mine"}).status_code == 200


# --- 5. Pay normalisation ---------------------------------------------------------------------


@pytest.mark.django_db
def test_hourly_pay_is_annualised_with_2080_hours(company, employer, as_user):
    response = as_user(employer).post(
        JOBS, posting_payload(salary_min="50", salary_max="80", salary_period="HOUR"), format="json"
    )

    assert response.status_code == 201, response.content
    pay = response.json()["pay"]
    assert pay["as_posted"] == {"min": 50.0, "max": 80.0, "currency": "USD", "period": "HOUR"}
    assert money(pay["annual_usd"]["min"]) == Decimal("104000.00")
    assert money(pay["annual_usd"]["max"]) == Decimal("166400.00")
    assert money(pay["annual_usd"]["midpoint"]) == Decimal("135200.00")
    assert pay["annual_usd"]["exchange_rate"]["date"] is None  # USD needs no conversion
    assert Decimal(str(pay["annual_usd"]["exchange_rate"]["rate_to_usd"])) == 1


@pytest.mark.django_db
def test_euro_pay_is_converted_with_a_dated_rate(company, employer, as_user):
    response = as_user(employer).post(
        JOBS,
        posting_payload(salary_min="70000", salary_max="90000", salary_currency="eur", country="DE"),
        format="json",
    )

    assert response.status_code == 201, response.content
    pay = response.json()["pay"]
    assert pay["as_posted"]["currency"] == "EUR"
    rate = pay["annual_usd"]["exchange_rate"]
    assert rate["date"] is not None and len(rate["date"]) == 10  # YYYY-MM-DD
    rate_to_usd = Decimal(str(rate["rate_to_usd"]))
    assert rate_to_usd > 0
    assert money(pay["annual_usd"]["min"]) == money(Decimal("70000") * rate_to_usd)
    assert money(pay["annual_usd"]["max"]) == money(Decimal("90000") * rate_to_usd)
    assert money(pay["annual_usd"]["min"]) != Decimal("70000.00")  # actually converted


# --- 6. Salary context ------------------------------------------------------------------------


def publish(captured, specs: list[dict]) -> list[JobPosting]:
    """Publish one posting per spec (PublishedPostingFactory kwargs, `salary_min`/`salary_max` as numbers).

    The factories publish through the services, which ask for a market recompute on commit; inside the
    test's transaction that only happens via `captured(execute=True)`. The hook stays registered for the
    rest of the test, so a test publishes everything it needs for the market in one call.
    """
    with captured(execute=True):
        return [
            PublishedPostingFactory(
                **{**spec, "salary_min": Decimal(spec["salary_min"]), "salary_max": Decimal(spec["salary_max"])}
            )
            for spec in specs
        ]


def quartiles(postings: list[JobPosting]) -> dict[str, Decimal]:
    midpoints = [(Decimal(p.salary_min) + Decimal(p.salary_max)) / 2 for p in postings]
    p25, p50, p75 = statistics.quantiles(midpoints, n=4, method="inclusive")
    return {"p25": money(p25), "p50": money(p50), "p75": money(p75)}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("company_indexes", "reason"),
    [
        pytest.param([0, 1, 2, 3], "fewer than 5 data points", id="four-postings"),
        pytest.param([0, 0, 0, 1, 1, 1], "fewer than 3 distinct contributors", id="two-companies"),
        pytest.param([0, 0, 0, 1, 2], "one contributor supplies more than half", id="one-company-over-half"),
    ],
)
def test_salary_context_is_insufficient_for_a_thin_segment(
    api, django_capture_on_commit_callbacks, company_indexes, reason
):
    companies = [CompanyFactory() for _ in range(4)]
    postings = publish(
        django_capture_on_commit_callbacks,
        [
            {"company": companies[i], "salary_min": 100000 + 10000 * n, "salary_max": 140000 + 10000 * n}
            for n, i in enumerate(company_indexes)
        ],
    )

    context = api.get(detail(postings[0].pk)).json()["salary_context"]

    assert context["status"] == "insufficient_data"
    assert context["withheld_reason"].startswith(reason)
    # A withheld range shows no figure at all: no counts, no percentiles, no position.
    assert not {"sample_size", "company_count", "market_usd", "market", "position"} & set(context)


def released(context_or_range: dict, names=("p25", "p50", "p75")) -> dict:
    return {name: money(context_or_range[name]) for name in names}


@pytest.mark.django_db
def test_salary_context_with_enough_data(api, company, employer, as_user, django_capture_on_commit_callbacks):
    # Midpoints 100k, 130k, 170k, 175k, 230k, 260k: quartiles far enough apart that the noise of six points
    # (at most 13.4%) cannot carry one past another.
    ranges = [(90000, 110000), (120000, 140000), (160000, 180000), (165000, 185000), (220000, 240000),
              (250000, 270000)]  # fmt: skip
    published = publish(
        django_capture_on_commit_callbacks, [{"salary_min": low, "salary_max": high} for low, high in ranges]
    )
    exact = quartiles(published)
    # Probes: drafts of the employer's company, outside the market data, placed clearly around it.
    probes = {
        "below": DraftPostingFactory(company=company, salary_min=Decimal(60000), salary_max=Decimal(80000)),
        "within": DraftPostingFactory(company=company, salary_min=exact["p50"] - 5000, salary_max=exact["p50"] + 5000),
        "above": DraftPostingFactory(company=company, salary_min=Decimal(400000), salary_max=Decimal(500000)),
    }
    in_euros = DraftPostingFactory(
        company=company, salary_currency="EUR", salary_min=Decimal(100000), salary_max=Decimal(120000)
    )

    context = api.get(detail(published[2].pk)).json()["salary_context"]
    key = "ml_engineer:senior:country:US:any:any:12m"
    release = MarketRange.objects.get(key=key).release
    assert context["status"] == "ok"
    assert context["segment"]["key"] == key
    # The released figures: the exact quartiles moved by the noise of six points; counts perturbed by up to 2.
    assert released(context["market_usd"]) == released(release)
    for name, value in exact.items():
        assert within_release_noise(context["market_usd"][name], value, n=6), name
    assert context["market_usd"]["p10"] is None and context["market_usd"]["p90"] is None  # from 20 points only
    assert (context["sample_size"], context["company_count"]) == (release["sample_size"], release["company_count"])
    assert abs(context["sample_size"] - 6) <= 2
    assert context["market_usd"]["currency"] == "USD" and context["market_usd"]["period"] == "YEAR"
    assert context["provenance"]["kind"] == "computed" and context["provenance"]["sources"] == ["employer_posted"]
    assert context["provenance"]["sample_size"] == context["sample_size"]

    owner = as_user(employer)
    for label, probe in probes.items():
        probe_context = owner.get(detail(probe.pk)).json()["salary_context"]
        assert probe_context["status"] == "ok"
        assert probe_context["position"]["label"] == label, (label, probe_context["position"], release)
        assert money(probe_context["position"]["midpoint_annual_usd"]) == probe.salary_mid_usd

    # A posting paid in euros also gets the market in euros, converted at today's rate.
    euro_view = owner.get(detail(in_euros.pk)).json()
    market = euro_view["salary_context"]["market"]
    rate = Decimal(str(market["exchange_rate"]["rate_to_usd"]))
    assert market["currency"] == "EUR" and market["period"] == "YEAR"
    for name in ("p25", "p50", "p75"):
        assert money(market[name]) == money(Decimal(release[name]) / rate), name

    # The list shows the same context as the detail page.
    listed = {item["id"]: item["salary_context"] for item in api.get(JOBS).json()["results"]}
    assert released(listed[published[0].pk]["market_usd"]) == released(release)


@pytest.mark.django_db
def test_salary_context_falls_back_to_worldwide(api, django_capture_on_commit_callbacks):
    published = publish(
        django_capture_on_commit_callbacks,
        [
            {"country": country, "salary_min": 100000 + 10000 * n, "salary_max": 130000 + 10000 * n}
            for n, country in enumerate(["US", "US", "US", "DE", "GB"])
        ],
    )

    context = api.get(detail(published[0].pk)).json()["salary_context"]

    assert context["status"] == "ok"
    assert context["segment"]["key"] == "ml_engineer:senior:world:-:any:any:12m"
    # The US alone (and so North America) has 3 postings: too few; the world has 5.
    assert context["segment"]["scope"] == "world" and context["segment"]["place"] is None
    for name, value in quartiles(published).items():
        assert within_release_noise(context["market_usd"][name], value, n=5), name


# --- 7. Query count ---------------------------------------------------------------------------


# Query counts of the read path: tests/jobs/test_read_path.py.


# --- 8. Market ranges -------------------------------------------------------------------------


@pytest.mark.django_db
def test_market_ranges_endpoint(api, moderator, as_user, django_capture_on_commit_callbacks):
    us_specs = [{"salary_min": 100000 + 20000 * n, "salary_max": 140000 + 20000 * n} for n in range(5)]
    thin_specs = [
        {"role_family": "data_scientist", "level": "junior", "salary_min": 70000, "salary_max": 90000},
        {"role_family": "data_scientist", "level": "junior", "salary_min": 80000, "salary_max": 100000},
    ]
    published = publish(
        django_capture_on_commit_callbacks,
        us_specs + thin_specs + [{"country": "DE", "salary_min": 90000, "salary_max": 110000}],
    )
    us, thin, germany = published[:5], published[5:7], published[7]

    query = {"role": "ml_engineer", "level": "senior", "country": "US"}
    response = api.get(MARKET_RANGES, query)
    assert response.status_code == 200, response.content
    [us_range] = response.json()["results"]
    assert us_range["segment"] == {
        "key": "ml_engineer:senior:country:US:any:any:12m", "role_family": "ml_engineer", "level": "senior",
        "scope": "country", "place": "US", "size_band": None, "sector": None, "remote": False, "window": "12m",
    }  # fmt: skip
    assert us_range["published"] is True and us_range["withheld_reason"] is None
    assert us_range["confidence"] == "low"  # 5 points: published, not yet trustworthy
    base = us_range["base_pay"]
    assert base["currency"] == "USD" and base["period"] == "YEAR"
    for name, value in quartiles(us).items():
        assert within_release_noise(base[name], value, n=5), name
    assert base["p10"] is None and base["p90"] is None and "mean" not in us_range
    assert abs(us_range["sample_size"] - 5) <= 2 and us_range["company_count"] >= 3
    assert us_range["provenance"]["kind"] == "computed"
    assert us_range["provenance"]["sample_size"] == us_range["sample_size"]
    assert "exact" not in us_range
    [us_for_moderator] = as_user(moderator).get(MARKET_RANGES, query).json()["results"]
    assert released(us_for_moderator["exact"]) == quartiles(us)  # moderators see the exact figures too
    assert us_for_moderator["exact"]["sample_size"] == 5 and us_for_moderator["exact"]["company_count"] == 5

    world = api.get(MARKET_RANGES, {"role": "ml_engineer", "level": "senior", "country": "world"}).json()["results"]
    assert [r["segment"]["key"] for r in world] == ["ml_engineer:senior:world:-:any:any:12m"]
    assert world[0]["segment"]["place"] is None and world[0]["segment"]["scope"] == "world"
    for name, value in quartiles(us + [germany]).items():
        assert within_release_noise(world[0]["base_pay"][name], value, n=6), name

    thin_query = {"role": "data_scientist", "level": "junior", "country": "US"}
    [hidden] = api.get(MARKET_RANGES, thin_query).json()["results"]
    assert hidden["segment"]["key"] == "data_scientist:junior:country:US:any:any:12m"
    assert hidden["published"] is False and hidden["withheld_reason"] == "fewer than 5 data points"
    assert hidden["base_pay"] is None and hidden["sample_size"] is None and hidden["company_count"] is None
    assert hidden["wider_published"] is None  # North America and the world hold the same two postings

    europe = api.get(MARKET_RANGES, {"role": "ml_engineer", "level": "senior", "country": "DE"}).json()["results"]
    # Germany alone is too thin; the nearest wider published segment is the world, not Europe (also thin).
    assert europe[0]["published"] is False
    assert europe[0]["wider_published"] == "ml_engineer:senior:world:-:any:any:12m"

    [shown] = as_user(moderator).get(MARKET_RANGES, thin_query).json()["results"]
    assert shown["published"] is False and shown["base_pay"] is None
    assert money(shown["exact"]["p50"]) == quartiles(thin)["p50"] == Decimal("85000.00")


@pytest.mark.django_db
def test_market_ranges_reject_unknown_filters(api):
    assert_error(api.get(MARKET_RANGES, {"role": "astronaut"}), 400, "validation_error", field="role")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"salary_min": "50000000", "salary_max": "50000000"}, "salary_min"),
        ({"salary_min": "3", "salary_max": "3"}, "salary_min"),
        ({"salary_min": "120000", "salary_max": "120000", "salary_period": "HOUR"}, "salary_min"),
    ],
    ids=["fifty-million-a-year", "three-a-year", "yearly-figure-posted-as-hourly"],
)
def test_implausible_pay_is_rejected_with_the_field(employer, as_user, overrides, field):
    response = as_user(employer).post(JOBS, posting_payload(**overrides), format="json")
    assert response.status_code == 400
    body = response.json()
    assert_error_format(body)
    assert body["error"]["code"] == "validation_error"
    assert {"field": field, "code": "implausible_pay"} == {k: body["error"]["fields"][0][k] for k in ("field", "code")}
    assert not JobPosting.objects.exists()


@pytest.mark.django_db
def test_pay_and_market_in_a_requested_currency(api, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        postings = [PublishedPostingFactory(company=CompanyFactory(), salary_min=100_000 + 5_000 * i) for i in range(5)]
    body = api.get(detail(postings[0].pk), {"currency": "eur"}).json()
    requested = body["pay"]["annual_requested"]
    rate = Decimal(str(requested["exchange_rate"]["rate_to_usd"]))
    assert requested["currency"] == "EUR" and requested["exchange_rate"]["date"]
    assert Decimal(str(requested["min"])) == (postings[0].salary_min_usd / rate).quantize(
        Decimal("0.01"), ROUND_HALF_UP
    )
    market = body["salary_context"]["market_requested"]
    assert market["currency"] == "EUR"
    assert Decimal(str(market["p50"])) == (Decimal(str(body["salary_context"]["market_usd"]["p50"])) / rate).quantize(
        Decimal("0.01"), ROUND_HALF_UP
    )

    bad = api.get(JOBS, {"currency": "XYZ"})
    assert bad.status_code == 400
    assert bad.json()["error"]["fields"][0] == {
        "field": "currency", "code": "unknown_currency", "message": bad.json()["error"]["fields"][0]["message"]
    }  # fmt: skip


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("title", "explicit", "expected"),
    [
        ("Sr. Machine Learning Engineer II", {}, ("ml_engineer", "senior")),
        ("Staff ML Engineer", {}, ("ml_engineer", "staff")),
        ("Staff ML Engineer", {"level": "principal"}, ("ml_engineer", "principal")),  # explicit wins
        ("MLOps Engineer", {"level": "mid"}, ("ml_platform", "mid")),
    ],
)
def test_role_and_level_are_read_from_a_clear_title(employer, as_user, title, explicit, expected):
    body = posting_payload(title=title, **explicit)
    body.pop("role_family")
    if "level" not in explicit:
        body.pop("level")
    response = as_user(employer).post(JOBS, body, format="json")
    assert response.status_code == 201, response.json()
    assert (response.json()["role_family"], response.json()["level"]) == expected


@pytest.mark.django_db
@pytest.mark.parametrize(("title", "field"), [("Wizard of Things", "role_family"), ("MLOps Engineer", "level")])
def test_an_unclear_title_is_sent_back_not_guessed(employer, as_user, title, field):
    body = posting_payload(title=title)
    body.pop("role_family")
    body.pop("level")
    response = as_user(employer).post(JOBS, body, format="json")
    assert response.status_code == 400
    assert (response.json()["error"]["fields"][0]["field"], response.json()["error"]["fields"][0]["code"]) == (
        field,
        "required",
    )


@pytest.mark.django_db
@pytest.mark.parametrize("field", ["title", "city", "source_ref", "benefits"])
def test_markup_in_plain_text_fields_is_refused(as_user, field):
    from tests.factories import CompanyFactory as Companies
    from tests.factories import MembershipFactory as Members

    client = as_user(Members(company=Companies()).user)
    body = {"title": "Senior ML Engineer", "role_family": "ml_engineer", "level": "senior", "country": "DE",
            "salary_min": 90_000, "salary_max": 110_000, "salary_currency": "EUR",
            field: "Berlin <script>alert(1)</script>"}  # fmt: skip
    response = client.post("/api/v1/jobs/", body, format="json")
    assert response.status_code == 400, response.content
    assert response.json()["error"]["fields"][0] == {
        "field": field, "code": "markup_not_allowed", "message": "Plain text only: no HTML or other markup."}  # fmt: skip
    # Text that merely looks like a comparison is fine.
    fine = client.post("/api/v1/jobs/", {**body, field: "R&D < 5 people, pay > market"}, format="json")
    assert fine.status_code == 201, fine.content


@pytest.mark.django_db
def test_a_kept_page_is_never_served_to_another_host_with_the_first_host_s_links(settings):
    """Pages are kept under their validator; their links are absolute, so the host is part of what is kept."""
    from django.test import Client

    from tests.factories import PublishedPostingFactory

    settings.ALLOWED_HOSTS = ["public.example", "internal.example"]
    for _ in range(3):
        PublishedPostingFactory()
    first = Client(HTTP_HOST="public.example").get("/api/v1/jobs/", {"page_size": 1})
    second = Client(HTTP_HOST="internal.example").get("/api/v1/jobs/", {"page_size": 1})
    assert first.json()["next"].startswith("http://public.example/")
    assert second.json()["next"].startswith("http://internal.example/")
