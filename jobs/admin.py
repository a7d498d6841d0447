from django import forms
from django.contrib import admin, messages
from django.db import models
from django.template.response import TemplateResponse

from config.errors import DomainError
from jobs import services
from jobs.models import Company, CompanyMembership, JobPosting, PayTransparencyRule


class MembershipInline(admin.TabularInline):
    model = CompanyMembership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin):
    list_display = ["name", "size_band", "sector", "funding_stage", "industry", "headquarters_country", "is_verified"]
    list_filter = ["size_band", "sector", "funding_stage", "is_verified", "headquarters_country"]
    search_fields = ["name", "slug", "industry"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}  # a bare "acme.com" means https

    def save_model(self, request, obj, form, change):
        # Through the service: a new size band moves the company's postings to other market segments.
        services.company_save(company=obj)


class RejectForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), help_text="What the employer must change.")


@admin.register(JobPosting)
class JobPostingAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "company",
        "role_family",
        "level",
        "country",
        "status",
        "salary_min",
        "salary_max",
        "salary_currency",
        "salary_period",
        "published_at",
        "expires_at",
    ]
    list_filter = ["status", "level", "role_family", "country", "remote_policy", "company__size_band"]
    search_fields = ["title", "company__name", "city", "source_ref"]
    list_select_related = ["company"]
    date_hierarchy = "created_at"
    actions = ["approve_selected", "reject_selected"]
    # Postings change only through services (lifecycle, pay normalisation, segment marking), so
    # the admin shows them read-only and acts through the approve / reject actions.

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_moderate_permission(self, request):
        return services.user_is_moderator(request.user)

    @admin.action(description="Approve and publish selected postings", permissions=["moderate"])
    def approve_selected(self, request, queryset):
        done = 0
        for posting in queryset:
            try:
                services.posting_approve(posting=posting, moderator=request.user)
                done += 1
            except DomainError as error:
                self.message_user(request, f"{posting}: {error.message}", messages.WARNING)
        self.message_user(request, f"Approved {done} posting(s).", messages.SUCCESS)

    @admin.action(description="Reject selected postings (asks for a reason)", permissions=["moderate"])
    def reject_selected(self, request, queryset):
        form = RejectForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            done = 0
            for posting in queryset:
                try:
                    services.posting_reject(posting=posting, moderator=request.user, reason=form.cleaned_data["reason"])
                    done += 1
                except DomainError as error:
                    self.message_user(request, f"{posting}: {error.message}", messages.WARNING)
            self.message_user(request, f"Rejected {done} posting(s).", messages.SUCCESS)
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Reject postings",
            "form": form,
            "postings": queryset,
            "opts": self.model._meta,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/jobs/reject_postings.html", context)


@admin.register(PayTransparencyRule)
class PayTransparencyRuleAdmin(admin.ModelAdmin):
    """The pay-transparency laws as data: where each applies, from when and what headcount, what it asks."""

    list_display = ["code", "name", "country", "subdivision", "eu_wide", "min_employees", "effective_from",
                    "severity", "active"]  # fmt: skip
    list_filter = ["severity", "active", "eu_wide", "country"]
    search_fields = ["code", "name", "source_title"]
    readonly_fields = ["updated_at"]
