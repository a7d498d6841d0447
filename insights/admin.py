from django.contrib import admin

from insights.models import DirtySegment, MarketRange


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(MarketRange)
class MarketRangeAdmin(ReadOnlyAdmin):
    list_display = [
        "key",
        "sample_size",
        "company_count",
        "top_company_share",
        "p10",
        "p25",
        "p50",
        "p75",
        "p90",
        "mean",
        "published",
        "withheld_reason",
        "computed_at",
    ]
    list_filter = ["published", "role_family", "level", "scope", "size_band", "sector", "remote", "window"]
    search_fields = ["key"]


@admin.register(DirtySegment)
class DirtySegmentAdmin(ReadOnlyAdmin):
    list_display = ["key", "version", "marked_at"]
    search_fields = ["key"]
