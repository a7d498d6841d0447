from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from config.admin_base import EstimatedCountPaginator, ReadOnlyAdminMixin
from insights.models import DirtySegment, InsightReport, MarketRange, MarketRangeSnapshot, SkillPremium
from insights.reports.charts import history_lines
from insights.selectors import market_range_history
from insights.services.reports import report_regenerate


class ReadOnlyAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Figures are computed by the recompute pipeline (insights.services), never typed in. Moderators read them:
    a posting's page links to the ranges it is compared with."""

    def has_view_permission(self, request, obj=None):
        from jobs.services import user_is_moderator

        return (request.user.is_staff and user_is_moderator(request.user)) or super().has_view_permission(request, obj)

    def has_module_permission(self, request):
        return self.has_view_permission(request) or super().has_module_permission(request)


@admin.register(MarketRange)
class MarketRangeAdmin(ReadOnlyAdmin):
    """The curator's view: the largest ranges first (or the most recently changed, by the column), the decision
    and the percentiles without scrolling, and on each range its history from the daily snapshots."""

    list_display = ["key", "published", "sample_size", "company_count", "p25", "p50", "p75", "withheld_reason",
                    "computed_at"]  # fmt: skip
    list_filter = ["published", "role_family", "level", "scope", "size_band", "sector", "remote", "window"]
    # Keys read role|level|scope:place|…, so "ml_engineer senior US" finds that segment.
    search_fields = ["key"]
    search_help_text = "Words of the key: a role family, a level, a country code or city (ml_engineer senior US)."
    ordering = ["-sample_size", "key"]
    show_full_result_count = False  # no COUNT(*) of 400,000 ranges on every page
    paginator = EstimatedCountPaginator
    show_facets = admin.ShowFacets.NEVER
    list_per_page = 50
    change_form_template = "admin/insights/marketrange_change_form.html"

    def change_view(self, request, object_id, form_url="", extra_context=None):
        market_range = self.get_object(request, object_id)
        extra = dict(extra_context or {})
        if market_range is not None:
            history = market_range_history(key=market_range.key)
            rows = [
                {"day": row["day"].isoformat(), "level": "p50 released", "p50": float(row["base_pay"]["p50"]),
                 "sample_size": row["sample_size"]}
                for row in history if row["base_pay"] and row["base_pay"].get("p50") is not None
            ]  # fmt: skip
            chart = history_lines(rows, title=f"{market_range.key}: released median by day") if rows else None
            extra.update(
                history=history[-30:][::-1],
                history_days=len(history),
                history_chart=mark_safe(chart) if chart else None,
            )
        return super().change_view(request, object_id, form_url, extra_context=extra)


@admin.register(MarketRangeSnapshot)
class MarketRangeSnapshotAdmin(ReadOnlyAdmin):
    list_display = ["key", "day", "sample_size", "p50", "computed_at"]
    list_filter = ["day"]
    search_fields = ["=key"]
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    show_facets = admin.ShowFacets.NEVER

    @admin.display(description="sample size (released)")
    def sample_size(self, snapshot):
        return snapshot.release.get("sample_size")

    @admin.display(description="p50 (released)")
    def p50(self, snapshot):
        return snapshot.release.get("p50")


@admin.register(DirtySegment)
class DirtySegmentAdmin(ReadOnlyAdmin):
    list_display = ["key", "version", "marked_at"]
    search_fields = ["key"]
    ordering = ["marked_at"]


@admin.register(SkillPremium)
class SkillPremiumAdmin(ReadOnlyAdmin):
    list_display = ["role_family", "level", "skill", "country", "premium_pct", "within_noise", "with_published",
                    "without_published", "computed_at"]  # fmt: skip
    list_filter = ["role_family", "level", "within_noise", "with_published"]
    search_fields = ["skill", "=country"]


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
