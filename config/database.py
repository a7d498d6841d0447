"""Limits for the web process's database work: on PostgreSQL each web connection gets a statement_timeout
(WEB_STATEMENT_TIMEOUT_MS, default 10 s), so no request can run away with the database; workers and commands
(a rebuild, an import) are not limited. A cancelled statement answers 503 `query_timeout` (config.api)."""

from django.conf import settings
from django.db.backends.signals import connection_created


def _set_timeout(sender, connection, **kwargs):
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SET statement_timeout = {int(settings.WEB_STATEMENT_TIMEOUT_MS)}")


def limit_web_statements() -> None:
    if settings.WEB_STATEMENT_TIMEOUT_MS:
        connection_created.connect(_set_timeout, weak=False, dispatch_uid="web-statement-timeout")


def is_statement_timeout(error: Exception) -> bool:
    cause = getattr(error, "__cause__", None)
    return type(cause).__name__ == "QueryCanceled" or "canceling statement due to statement timeout" in str(error)
