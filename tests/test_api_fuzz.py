"""Schemathesis against the real URLconf (through WSGI), as an anonymous visitor, an employer and a moderator:
every operation of the OpenAPI schema with generated input; no response may be a 5xx or break the schema.
Examples per operation: FUZZ_EXAMPLES (default 15; the recorded run in benchmarks/RESULTS.md used more)."""

import os

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token

from tests.factories import CompanyFactory, MembershipFactory, ModeratorFactory, PublishedPostingFactory

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "15"))
schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())
CHECKS = (schemathesis.checks.not_a_server_error, schemathesis.checks.response_schema_conformance)


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """Django's WSGI handler closes the database connection after each request (request_finished); inside a
    test's transaction that would close the test's own connection. Django's test client disconnects the same
    handlers; so does this, for the handler schemathesis calls."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def credentials(db):
    company = CompanyFactory(slug="fuzz-co")
    employer = MembershipFactory(company=company).user
    PublishedPostingFactory(company=company)
    moderator = ModeratorFactory(is_staff=True)
    return {
        "anonymous": {},
        "employer": {"Authorization": f"Token {Token.objects.create(user=employer).key}"},
        "moderator": {"Authorization": f"Token {Token.objects.create(user=moderator).key}"},
    }


@pytest.mark.django_db
@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.filter_too_much,
                                 HealthCheck.too_slow])  # fmt: skip
@pytest.mark.parametrize("role", ["anonymous", "employer", "moderator"])
def test_no_input_gives_a_server_error_or_breaks_the_schema(case, role, credentials):
    response = case.call(headers=credentials[role])
    case.validate_response(response, checks=list(CHECKS))
