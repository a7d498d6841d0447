from django import forms
from django.contrib import admin, messages
from django.http import FileResponse, Http404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from config.admin_base import EstimatedCountPaginator, ReadOnlyAdminMixin
from config.errors import DomainError
from jobs.admin import AuditHistoryMixin
from salaries.models import (
    BenchmarkFlag,
    BenchmarkRelease,
    BenchmarkSource,
    ExchangeRate,
    ImportJob,
    ImportStatus,
    LadderLevel,
    ObservationDeletion,
    SalaryBenchmark,
    SalaryObservation,
    SalarySubmission,
    SourceClaim,
)
from salaries.services.benchmarks import benchmark_flag_review, benchmark_save
from salaries.services.exchange_rates import exchange_rate_save
from salaries.services.imports import import_job_create, import_job_requeue
from salaries.services.submissions import salary_submission_review


@admin.register(ExchangeRate)
class ExchangeRateAdmin(AuditHistoryMixin, admin.ModelAdmin):
    list_display = ["currency", "date", "rate_to_usd", "source"]
    list_filter = ["currency"]
    search_fields = ["currency"]
    date_hierarchy = "date"

    def save_model(self, request, obj, form, change):
        exchange_rate_save(rate=obj, user=request.user)


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
    fields = ["code", "benchmark", "message", "status", "review_note", "detected_at"]
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


class FlagReviewForm(forms.Form):
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), help_text="Why: the next curator reads it.")


@admin.register(BenchmarkFlag)
class BenchmarkFlagAdmin(AuditHistoryMixin, admin.ModelAdmin):
    """Consistency flags as a review list: open first; accept (the figure stands) or dismiss with a note."""

    list_display = ["code", "benchmark", "source", "release_version", "message", "status", "review_note",
                    "reviewed_by", "reviewed_at", "detected_at"]  # fmt: skip
    list_filter = ["status", "code", "release__source"]
    search_fields = ["message", "benchmark__label"]
    list_select_related = ["benchmark", "release__source", "reviewed_by"]
    ordering = ["status", "-detected_at"]
    actions = ["accept", "dismiss", "reopen"]
    readonly_fields = [f.name for f in BenchmarkFlag._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="source", ordering="release__source__slug")
    def source(self, flag):
        return flag.release.source.slug

    @admin.display(description="release", ordering="release__version")
    def release_version(self, flag):
        return flag.release.version

    def _review(self, request, queryset, status: str, verb: str):
        form = FlagReviewForm(request.POST if "apply" in request.POST else None)
        if status == BenchmarkFlag.Review.OPEN or form.is_valid():
            note = form.cleaned_data["note"] if status != BenchmarkFlag.Review.OPEN else ""
            for flag in queryset:
                benchmark_flag_review(flag=flag, user=request.user, status=status, note=note)
            self.message_user(request, f"{queryset.count()} flag(s) {verb}.", messages.SUCCESS)
            return None
        return TemplateResponse(request, "admin/salaries/review_flags.html", {
            **self.admin_site.each_context(request), "title": f"{verb.capitalize()} flags", "form": form,
            "flags": queryset.select_related("benchmark"), "opts": self.model._meta, "verb": verb,
            "action": request.POST.get("action"), "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        })  # fmt: skip

    @admin.action(description="Accept: the figure stands as published (asks for a note)")
    def accept(self, request, queryset):
        return self._review(request, queryset, BenchmarkFlag.Review.ACCEPTED, "accepted")

    @admin.action(description="Dismiss: not a real contradiction (asks for a note)")
    def dismiss(self, request, queryset):
        return self._review(request, queryset, BenchmarkFlag.Review.DISMISSED, "dismissed")

    @admin.action(description="Reopen for review")
    def reopen(self, request, queryset):
        return self._review(request, queryset, BenchmarkFlag.Review.OPEN, "reopened")


@admin.register(SalaryBenchmark)
class SalaryBenchmarkAdmin(AuditHistoryMixin, admin.ModelAdmin):
    list_display = ["label", "release", "role_family", "level", "country", "region", "company_name", "currency",
                    "pay_min", "pay_max", "p50", "mean", "central_annual_usd", "flagged"]  # fmt: skip
    list_filter = ["release__source", "role_family", "level", "country", "measure"]
    search_fields = ["label", "occupation", "area", "company_name", "key"]
    list_select_related = ["release__source"]
    readonly_fields = ["central_annual_usd", "fx_rate_to_usd", "fx_rate_date"]
    inlines = [FlagInline]

    @admin.display(boolean=True, description="Open flags")
    def flagged(self, benchmark):
        return benchmark.open_flags > 0

    def get_queryset(self, request):
        from django.db.models import Count, Q

        return (
            super()
            .get_queryset(request)
            .annotate(open_flags=Count("flags", filter=Q(flags__status=BenchmarkFlag.Review.OPEN)))
        )

    def save_model(self, request, obj, form, change):
        # Through the service: the central value is worked out again, the checks rerun, the change audited.
        benchmark_save(benchmark=obj, user=request.user)


@admin.register(SalaryObservation)
class SalaryObservationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["job_title", "work_year", "role_family", "level", "country", "salary", "salary_currency", "salary_usd",
                    "publisher_salary_usd"]  # fmt: skip
    list_filter = ["source", "work_year", "role_family", "level", "experience_level", "company_size"]
    search_fields = ["job_title", "country"]
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    show_facets = admin.ShowFacets.NEVER

    # Observations change only by (re-)importing their source, which marks their market segments.


@admin.register(LadderLevel)
class LadderLevelAdmin(admin.ModelAdmin):
    list_display = ["ladder", "code", "title", "level", "position"]
    list_editable = ["level", "position"]
    list_filter = ["ladder", "level"]


@admin.register(SourceClaim)
class SourceClaimAdmin(admin.ModelAdmin):
    list_display = ["text", "metric", "low", "high", "release"]
    list_filter = ["metric", "release__source"]


@admin.register(ObservationDeletion)
class ObservationDeletionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Tombstones of deleted observations, read by the drains' point caches (insights.services.point_cache)."""

    list_display = ["observation_id", "deleted_at"]


class ImportJobForm(forms.ModelForm):
    class Meta:
        model = ImportJob
        fields = ["kind", "file", "release", "published_on", "year"]

    def clean(self):
        data = super().clean()
        if data.get("kind") == "benchmark_oews" and not data.get("year"):
            self.add_error("year", "An OEWS file needs its survey year.")
        return data


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    """Upload a file; a task on the `imports` queue imports it (salaries.services.imports). Refresh to follow it."""

    list_display = ["id", "kind", "file_name", "status", "progress_pct", "rows_read", "rows_total", "outcome",
                    "created_by", "created_at", "finished_at"]  # fmt: skip
    list_filter = ["status", "kind"]
    list_select_related = ["created_by"]
    actions = ["requeue"]
    form = ImportJobForm

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return [f.name for f in ImportJob._meta.fields] + ["progress_pct", "outcome", "rejected_rows"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ImportJobForm.Meta.fields
        return ["kind", "file", "release", "published_on", "year", "status", "progress_pct", "rows_read",
                "rows_total", "outcome", "rejected_rows", "error", "created_by", "created_at", "started_at",
                "finished_at"]  # fmt: skip

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        job = import_job_create(
            kind=obj.kind, upload=form.cleaned_data["file"], user=request.user, release=obj.release,
            published_on=obj.published_on, year=obj.year,
        )  # fmt: skip
        obj.pk = job.pk

    @admin.display(description="file")
    def file_name(self, job):
        return job.file.name.rsplit("/", 1)[-1]

    @admin.display(description="progress")
    def progress_pct(self, job):
        return f"{job.progress}%"

    @admin.display(description="summary")
    def outcome(self, job):
        if job.status == ImportStatus.FAILED:
            return job.error
        return job.summary.get("text") or " ".join(job.summary.get("output", [])[-2:]) or "–"

    @admin.display(description="rejected rows")
    def rejected_rows(self, job):
        if not job.report_path:
            return "–"
        url = reverse("admin:salaries_importjob_report", args=[job.pk])
        return format_html('<a href="{}">{} rejected rows (CSV)</a>', url, job.summary.get("rejected", 0))

    def get_urls(self):
        report = path(
            "<int:pk>/report/", self.admin_site.admin_view(self.report_view), name="salaries_importjob_report"
        )
        return [report, *super().get_urls()]

    def report_view(self, request, pk):
        job = ImportJob.objects.filter(pk=pk).first()
        if job is None or not job.report_path or not self.has_view_permission(request, job):
            raise Http404("No report.")
        return FileResponse(open(job.report_path, "rb"), as_attachment=True, filename=f"import-{job.pk}-rejected.csv")

    @admin.action(description="Queue again (a failed job, or one whose worker died)")
    def requeue(self, request, queryset):
        moved = sum(import_job_requeue(job=job) for job in queryset)
        self.message_user(request, f"{moved} job(s) queued again.", messages.SUCCESS)


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
