from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html

from insights.models import DirtySegment, InsightReport, MarketRange
from insights.services.reports import report_regenerate


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(MarketRange)
class MarketRangeAdmin(ReadOnlyAdmin):
    """The curator's view: the largest ranges first, the decision and the percentiles without scrolling."""

    list_display = ["key", "published", "sample_size", "company_count", "p25", "p50", "p75", "withheld_reason",
                    "computed_at"]  # fmt: skip
    list_filter = ["published", "role_family", "level", "scope", "size_band", "sector", "remote", "window"]
    search_fields = ["key"]
    ordering = ["-sample_size", "key"]
    show_full_result_count = False  # no COUNT(*) of 400,000 ranges on every page
    list_per_page = 50


@admin.register(DirtySegment)
class DirtySegmentAdmin(ReadOnlyAdmin):
    list_display = ["key", "version", "marked_at"]
    search_fields = ["key"]


@admin.register(InsightReport)
class InsightReportAdmin(ReadOnlyAdmin):
    list_display = ["id", "kind", "owner", "is_public", "status", "progress", "created_at", "finished_at",
                    "data_as_of", "page"]  # fmt: skip
    list_filter = ["kind", "status", "is_public"]
    search_fields = ["owner__username", "parameters_key"]
    list_select_related = ["owner"]
    exclude = ["result", "charts"]
    readonly_fields = ["page"]
    actions = ["regenerate"]

    def get_queryset(self, request):
        return super().get_queryset(request).defer("result", "charts")

    @admin.display(description="page")
    def page(self, report):
        return format_html('<a href="{}">view</a>', reverse("report-page", args=[report.pk]))

    @admin.action(description="Regenerate the selected reports from today's data")
    def regenerate(self, request, queryset):
        for report_id in queryset.values_list("pk", flat=True):
            report_regenerate(report_id=report_id)
        self.message_user(request, f"{queryset.count()} reports queued for regeneration.", messages.SUCCESS)

    def has_view_permission(self, request, obj=None):
        return request.user.is_staff
