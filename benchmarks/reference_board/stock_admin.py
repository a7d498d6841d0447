"""B for the admin benchmark: the posting list as stock Django shows it, the way this project's admin was before
the workbench (raw columns, the same filters with a DISTINCT for the country, a date hierarchy over created_at,
the default paginator counting the whole table on every page view)."""

from django.contrib import admin

from jobs.models import JobPosting

site = admin.AdminSite(name="stock_admin")


class StockPostingAdmin(admin.ModelAdmin):
    list_display = ["title", "company", "role_family", "level", "country", "status", "salary_min", "salary_max",
                    "salary_currency", "salary_period", "published_at", "expires_at"]  # fmt: skip
    list_filter = ["status", "level", "role_family", "country", "remote_policy", "company__size_band"]
    search_fields = ["title", "company__name", "city", "source_ref"]
    list_select_related = ["company"]
    date_hierarchy = "created_at"


site.register(JobPosting, StockPostingAdmin)
