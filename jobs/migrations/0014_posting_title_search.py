"""A trigram index for the admin's title search on PostgreSQL: Django's `title__icontains` is
UPPER(title::text) LIKE UPPER('%word%'), which no b-tree serves, so at a million postings each search scanned
the table. SQLite (the embedded default, small data) needs none."""

from django.db import migrations

CREATE = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    'CREATE INDEX IF NOT EXISTS posting_title_trgm ON jobs_jobposting USING gin ((UPPER("title"::text)) gin_trgm_ops)',
]
DROP = ["DROP INDEX IF EXISTS posting_title_trgm"]


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in CREATE:
            schema_editor.execute(statement)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in DROP:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("jobs", "0013_audit_trail")]

    operations = [migrations.RunPython(create, drop)]
