"""What the apps' admins share: lists that stay fast at a million rows (no COUNT(*) of the whole table on each
page view), and read-only pages for what only services write."""

from functools import cached_property

from django.core.paginator import Paginator
from django.db import connections

COUNT_LIMIT = 10_000  # a filtered list counts at most this many rows (and says "10000 results")


class EstimatedCountPaginator(Paginator):
    """The whole table's size from PostgreSQL's statistics (`reltuples`, kept by autovacuum and ANALYZE) when
    the list is not filtered; a count bounded by COUNT_LIMIT rows when it is. Either way a page view reads a
    fixed number of rows, whatever the table's size. SQLite has no statistics: it counts (small embedded data)."""

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        connection = connections[queryset.db]
        if connection.vendor != "postgresql":
            return super().count
        if not queryset.query.where:
            with connection.cursor() as cursor:
                cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
                               [queryset.model._meta.db_table])  # fmt: skip
                row = cursor.fetchone()
            if row and row[0] > COUNT_LIMIT:
                return int(row[0])
        return queryset.order_by()[:COUNT_LIMIT].count()


class ReadOnlyAdminMixin:
    """No add, change or delete in the admin: these rows are written by services (recompute, imports, the audit
    trail, the posting lifecycle), which check and record what the admin's forms would not."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
