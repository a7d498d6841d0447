"""The web process's statement timeout on PostgreSQL (config.database), and its answer: 503 JSON, not a 500."""

import json

import pytest
from django.db import OperationalError, connection, connections

from config.api import exception_handler
from config.database import _set_timeout, is_statement_timeout
from tests.conftest import require_or_skip

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_web_connection_gets_the_timeout_and_a_cancelled_statement_answers_503(settings):
    if connection.vendor != "postgresql":
        require_or_skip("the statement timeout is PostgreSQL's: set DATABASE_URL=postgres://…")
    settings.WEB_STATEMENT_TIMEOUT_MS = 50
    try:
        _set_timeout(sender=None, connection=connection)
        with connection.cursor() as cursor:
            cursor.execute("SHOW statement_timeout")
            assert cursor.fetchone()[0] == "50ms"
        with pytest.raises(OperationalError) as cancelled, connection.cursor() as cursor:
            cursor.execute("SELECT pg_sleep(1)")
        assert is_statement_timeout(cancelled.value)
        response = exception_handler(cancelled.value, {})
        assert response.status_code == 503 and response["Retry-After"] == "5"
        assert json.loads(response.content)["error"]["code"] == "query_timeout"
    finally:
        connections.close_all()  # the next test gets a connection without the 50 ms limit
