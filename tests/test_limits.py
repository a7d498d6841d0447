"""Abuse limits through the real URLconf: request rates (429 with Retry-After), login tries, and what one request
may cost (body size, JSON depth, values per parameter). Every refusal is the API's JSON error."""

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from rest_framework.test import APIClient

pytestmark = [pytest.mark.django_db, pytest.mark.throttled]


def error_of(response) -> dict:
    assert response["Content-Type"].startswith("application/json"), response.content[:200]
    return response.json()["error"]


def test_anonymous_requests_are_limited_with_retry_after(settings):
    settings.API_THROTTLE_RATES = {**settings.API_THROTTLE_RATES, "anon": "5/minute"}
    client = APIClient()
    statuses = [client.get("/api/v1/jobs/").status_code for _ in range(7)]
    assert statuses == [200] * 5 + [429] * 2
    refused = client.get("/api/v1/jobs/")
    assert refused.status_code == 429 and 0 < int(refused["Retry-After"]) <= 60
    assert error_of(refused)["code"] == "throttled"
    # Another address has its own count.
    assert client.get("/api/v1/jobs/", REMOTE_ADDR="10.0.0.9").status_code == 200


def test_salary_endpoints_have_a_stricter_limit_than_the_rest(settings):
    settings.API_THROTTLE_RATES = {**settings.API_THROTTLE_RATES, "anon": "50/minute", "salary_data_anon": "3/minute"}
    client = APIClient()
    market = [client.get("/api/v1/market-ranges/").status_code for _ in range(4)]
    assert market == [200, 200, 200, 429]
    assert client.get("/api/v1/insights/leaderboard/?role_family=ml_engineer&level=senior").status_code == 429
    assert client.get("/api/v1/jobs/").status_code == 200  # the general limit is not used up


def test_signed_in_users_are_counted_by_account(settings):
    settings.API_THROTTLE_RATES = {**settings.API_THROTTLE_RATES, "user": "3/minute"}
    user = get_user_model().objects.create_user("reader", password="a-long-password-1")
    client = APIClient()
    client.force_authenticate(user)
    assert [client.get("/api/v1/jobs/").status_code for _ in range(4)] == [200, 200, 200, 429]


def test_wrong_passwords_slow_a_login_by_user_name_and_by_address():
    get_user_model().objects.create_user("target", password="the-right-password-1")
    client = APIClient()
    tries = [client.post("/api/v1/auth/token/", {"username": "target", "password": f"guess-{i}"}).status_code
             for i in range(12)]  # fmt: skip
    assert tries[:10] == [400] * 10 and tries[10:] == [429, 429]
    # The right password does not get through either until the window passes.
    right = client.post("/api/v1/auth/token/", {"username": "target", "password": "the-right-password-1"})
    assert right.status_code == 429 and int(right["Retry-After"]) > 0
    cache.clear()
    assert (
        client.post("/api/v1/auth/token/", {"username": "target", "password": "the-right-password-1"}).status_code
        == 200
    )
    # Spraying many accounts from one address meets the per-address limit.
    sprays = [client.post("/api/v1/auth/token/", {"username": f"user{i}", "password": "x"}).status_code
              for i in range(32)]  # fmt: skip
    assert sprays.count(429) >= 1 and sprays.index(429) <= 30


def test_a_body_over_the_limit_is_refused_before_it_is_stored(settings, as_user, employer):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100_000
    payload = {"title": "ML Engineer", "description": "x" * 200_000}
    response = as_user(employer).post("/api/v1/jobs/", payload, format="json")
    assert response.status_code == 413 and error_of(response)["code"] == "request_too_large"


def test_deeply_nested_json_is_a_400_not_a_500(as_user, employer):
    for depth in (25, 100_000):
        body = "[" * depth + "]" * depth
        response = as_user(employer).generic("POST", "/api/v1/jobs/", body, content_type="application/json")
        assert response.status_code == 400, depth
        assert error_of(response)["code"] == "too_deep"
    bad = as_user(employer).generic("POST", "/api/v1/jobs/", '{"salary_min": NaN}', content_type="application/json")
    assert bad.status_code == 400 and error_of(bad)["code"] == "parse_error"


def test_too_many_values_for_one_parameter_is_a_400_naming_it():
    response = APIClient().get("/api/v1/jobs/?" + "&".join(["level=senior"] * 21))
    assert response.status_code == 400
    assert error_of(response)["fields"][0] == {"field": "level", "code": "too_many_values",
                                               "message": "level: at most 20 values."}  # fmt: skip
    assert APIClient().get("/api/v1/jobs/?" + "&".join(f"p{i}=1" for i in range(41))).status_code == 400


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/api/v1/jobs/?page_size=null", "page_size"),
        ("/api/v1/market-ranges/?remote=null", "remote"),
        ("/api/v1/market-ranges/?remote=maybe", "remote"),
        ("/api/v1/salary-observations/?year=0.5", "year"),
        ("/api/v1/benchmarks/?year=twenty", "year"),
    ],
)
def test_a_value_that_would_be_ignored_is_a_400_naming_the_parameter(path, field):
    response = APIClient().get(path)
    assert response.status_code == 400, (path, response.content[:300])
    assert field in {item["field"] for item in error_of(response)["fields"]}


def test_the_accepted_spellings_still_filter():
    assert APIClient().get("/api/v1/market-ranges/?remote=true").status_code == 200
    assert APIClient().get("/api/v1/market-ranges/?remote=0").status_code == 200
    assert APIClient().get("/api/v1/salary-observations/?year=2024").status_code == 200


def test_the_admin_login_form_is_limited_like_token_logins(client):
    get_user_model().objects.create_superuser("boss", "boss@example.com", "the-right-password-1")
    tries = [
        client.post("/admin/login/", {"username": "boss", "password": f"guess-{i}"}).status_code for i in range(11)
    ]
    assert tries[:10] == [200] * 10 and tries[10] == 429  # the form again, then refused
    refused = client.post("/admin/login/", {"username": "boss", "password": "the-right-password-1"})
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert client.get("/admin/login/").status_code == 200  # the form itself still shows
