from django.contrib import admin, messages

from config.errors import DomainError
from salaries.models import (
    BenchmarkFlag,
    BenchmarkRelease,
    BenchmarkSource,
    ExchangeRate,
    LadderLevel,
    SalaryBenchmark,
    SalaryObservation,
    SalarySubmission,
    SourceClaim,
)
from salaries.services.submissions import salary_submission_review


@admin.register(ExchangeRate)
class ExchangeRateAdmin(admin.ModelAdmin):
    list_display = ["currency", "date", "rate_to_usd", "source"]
    list_filter = ["currency"]
    search_fields = ["currency"]
    date_hierarchy = "date"


class ReleaseInline(admin.TabularInline):
    model = BenchmarkRelease
    extra = 0
    fields = ["version", "published_on", "imported_at", "file_name"]
    readonly_fields = ["imported_at"]
    show_change_link = True


@admin.register(BenchmarkSource)
class BenchmarkSourceAdmin(admin.ModelAdmin):
    list_display = ["slug", "publisher", "title", "kind", "licence"]
    list_filter = ["kind"]
    search_fields = ["slug", "publisher", "title"]
    inlines = [ReleaseInline]


class FlagInline(admin.TabularInline):
    model = BenchmarkFlag
    extra = 0
    fields = ["code", "benchmark", "message", "detected_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(BenchmarkRelease)
class BenchmarkReleaseAdmin(admin.ModelAdmin):
    list_display = ["source", "version", "published_on", "imported_at", "flag_count"]
    list_filter = ["source"]
    inlines = [FlagInline]

    @admin.display(description="Consistency flags")
    def flag_count(self, release):
        return release.flags.count()


@admin.register(SalaryBenchmark)
class SalaryBenchmarkAdmin(admin.ModelAdmin):
    list_display = ["label", "release", "role_family", "level", "country", "region", "company_name", "currency",
                    "pay_min", "pay_max", "p50", "mean", "central_annual_usd", "flagged"]  # fmt: skip
    list_filter = ["release__source", "role_family", "level", "country", "measure"]
    search_fields = ["label", "occupation", "area", "company_name", "key"]
    list_select_related = ["release__source"]
    readonly_fields = ["central_annual_usd", "fx_rate_to_usd", "fx_rate_date"]
    inlines = [FlagInline]

    @admin.display(boolean=True, description="Flagged")
    def flagged(self, benchmark):
        return benchmark.flags.exists()


@admin.register(SalaryObservation)
class SalaryObservationAdmin(admin.ModelAdmin):
    list_display = ["job_title", "work_year", "role_family", "level", "country", "salary", "salary_currency", "salary_usd",
                    "publisher_salary_usd"]  # fmt: skip
    list_filter = ["source", "work_year", "role_family", "level", "experience_level", "company_size"]
    search_fields = ["job_title", "country"]

    # Observations change only by (re-)importing their source, which marks their market segments.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(LadderLevel)
class LadderLevelAdmin(admin.ModelAdmin):
    list_display = ["ladder", "code", "title", "level", "position"]
    list_editable = ["level", "position"]
    list_filter = ["ladder", "level"]


@admin.register(SourceClaim)
class SourceClaimAdmin(admin.ModelAdmin):
    list_display = ["text", "metric", "low", "high", "release"]
    list_filter = ["metric", "release__source"]


@admin.register(SalarySubmission)
class SalarySubmissionAdmin(admin.ModelAdmin):
    """Pay shared by employees: private records. Outliers wait here for a moderator (accept or reject)."""

    list_display = ["id", "user", "company_name", "role_family", "level", "country", "work_year", "base_annual_usd",
                    "status", "review_note", "created_at"]  # fmt: skip
    list_filter = ["status", "role_family", "level", "work_year"]
    search_fields = ["company_name", "user__username"]
    readonly_fields = [f.name for f in SalarySubmission._meta.fields]
    actions = ["accept", "reject"]

    def has_add_permission(self, request):
        return False

    def _review(self, request, queryset, accept: bool):
        done = 0
        for submission in queryset:
            try:
                salary_submission_review(submission=submission, moderator=request.user, accept=accept)
                done += 1
            except DomainError as error:
                self.message_user(request, f"{submission}: {error.message}", messages.WARNING)
        self.message_user(request, f"{done} submissions {'accepted' if accept else 'rejected'}.", messages.SUCCESS)

    @admin.action(description="Accept the selected submissions (they count in the market)")
    def accept(self, request, queryset):
        self._review(request, queryset, True)

    @admin.action(description="Reject the selected submissions")
    def reject(self, request, queryset):
        self._review(request, queryset, False)
