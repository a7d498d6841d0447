from django.contrib import admin

from salaries.models import (
    BenchmarkFlag,
    BenchmarkRelease,
    BenchmarkSource,
    ExchangeRate,
    LadderLevel,
    SalaryBenchmark,
    SalaryObservation,
    SourceClaim,
)


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
