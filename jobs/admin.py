"""The moderators' workbench: the moderation queue, postings with their pay against the market, companies, and
the audit trail. Every change goes through the services (jobs.services), so it is checked, marks the market
segments it moves and is recorded in the audit trail exactly as it is from the API."""

from datetime import timedelta

import pycountry
from django import forms
from django.contrib import admin, messages
from django.contrib.admin.views.main import ChangeList
from django.core.cache import cache
from django.db import models
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from config.admin_base import EstimatedCountPaginator, ReadOnlyAdminMixin
from config.errors import DomainError
from insights.models import MarketRange
from insights.segments import segments_for_posting
from insights.selectors import context_keys_of, salary_contexts_for
from jobs import services
from jobs.models import (
    Application,
    AuditEvent,
    Company,
    CompanyInvitation,
    CompanyMembership,
    JobPosting,
    PayKind,
    PayTransparencyRule,
    PendingPosting,
    PostingStatus,
    SavedJob,
    SavedSearch,
    SearchAlert,
)
from jobs.selectors import audit_trail_of, possible_duplicates, possible_reposts
from jobs.transparency import active_rules, transparency_findings

DUPLICATE_WINDOW = timedelta(days=30)
REPOST_WINDOW = timedelta(days=90)  # the same text from another company


class AuditHistoryMixin:
    """The object's "History" page lists its audit trail (jobs.audit), not Django's own log of admin edits."""

    object_history_template = "admin/audit_history.html"

    def history_view(self, request, object_id, extra_context=None):
        obj = self.get_object(request, object_id)
        events = audit_trail_of(obj)[:200] if obj is not None else []
        return super().history_view(request, object_id, extra_context={**(extra_context or {}), "events": events})


def country_name(code: str) -> str:
    country = pycountry.countries.get(alpha_2=code) if code else None
    return f"{country.name} ({code})" if country else code


class CountryFilter(admin.SimpleListFilter):
    """Countries by name. The choices are the countries of the market ranges' country segments, kept ten minutes
    in the cache: not a DISTINCT over a million postings on every page view."""

    title = "country"
    parameter_name = "country"

    def lookups(self, request, model_admin):
        def countries():
            codes = MarketRange.objects.filter(scope="country").order_by("place").values_list("place", flat=True)
            codes = codes.distinct()
            return sorted(((code, country_name(code)) for code in codes), key=lambda item: item[1])

        return cache.get_or_set("admin-country-filter", countries, 600)

    def queryset(self, request, queryset):
        return queryset.filter(country=self.value()) if self.value() else queryset


class MembershipInline(admin.TabularInline):
    model = CompanyMembership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Company)
class CompanyAdmin(AuditHistoryMixin, admin.ModelAdmin):
    list_display = ["name", "size_band", "sector", "funding_stage", "industry", "headquarters_country", "is_verified"]
    list_filter = ["size_band", "sector", "funding_stage", "is_verified", "headquarters_country"]
    search_fields = ["name", "slug", "industry"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}  # a bare "acme.com" means https

    actions = ["verify"]

    def save_model(self, request, obj, form, change):
        # Through the service: a new size band moves the company's postings to other market segments.
        services.company_save(company=obj, user=request.user)

    @admin.action(description="Verify the selected companies (their postings can then be approved)")
    def verify(self, request, queryset):
        from jobs.onboarding import company_verify

        try:
            for company in queryset:
                company_verify(company=company, moderator=request.user)
        except DomainError as error:
            self.message_user(request, error.message, messages.ERROR)
            return
        self.message_user(request, f"Verified {queryset.count()} companies.", messages.SUCCESS)


@admin.register(CompanyMembership)
class CompanyMembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "company", "role"]
    list_filter = ["role"]
    search_fields = ["user__username", "company__name"]
    list_select_related = ["user", "company"]
    autocomplete_fields = ["user", "company"]


class RejectForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), help_text="What the employer must change.")


class ContextChangeList(ChangeList):
    """Loads what the page's rows show beside each posting in a fixed number of queries, whatever the page size:
    the stored market releases, the pay-transparency rules and (in the queue) possible duplicates."""

    def get_results(self, request):
        super().get_results(request)
        postings = list(self.result_list)
        contexts = salary_contexts_for(postings=postings, today=timezone.now().date(), peers=False)
        rules = active_rules(timezone.now().date()) if self.model_admin.shows_findings else []
        duplicates = possible_duplicates(postings, window=DUPLICATE_WINDOW) if self.model_admin.shows_findings else {}
        reposts = possible_reposts(postings, window=REPOST_WINDOW) if self.model_admin.shows_findings else {}
        for posting in postings:
            posting.admin_context = contexts.get(posting.pk)
            posting.admin_findings = transparency_findings(posting, posting.company, rules) if rules else []
            posting.admin_duplicates = duplicates.get(posting.pk, [])
            posting.admin_reposts = reposts.get(posting.pk, [])
        self.result_list = postings


def _money(amount) -> str:
    return f"{amount:,.0f}" if amount is not None else "–"


def market_position(context: dict | None) -> str:
    if not context:
        return "–"
    if context["status"] != "ok":
        return format_html('<span title="{}">not enough data</span>', context.get("withheld_reason", ""))
    market, position = context["market_usd"], context["position"]
    if position is None:
        return format_html("no pay given · p25–p75 {}–{} USD", _money(market["p25"]), _money(market["p75"]))
    return format_html(
        "<b>{}</b> · p{} · p25–p75 {}–{} USD · n≈{} ({} confidence)",
        position["label"], position["midpoint_percentile"], _money(market["p25"]), _money(market["p75"]),
        context["sample_size"], context["confidence"],
    )  # fmt: skip


class PostingAdminBase(ReadOnlyAdminMixin, AuditHistoryMixin, admin.ModelAdmin):
    """Postings change only through services (lifecycle, pay normalisation, segment marking, audit), so the admin
    shows them read-only and acts through the approve / reject actions."""

    list_select_related = ["company", "created_by"]
    show_full_result_count = False  # no COUNT(*) of a million postings on every page view
    paginator = EstimatedCountPaginator
    show_facets = admin.ShowFacets.NEVER  # a count per filter value is a scan of the table
    actions = ["approve_selected", "reject_selected"]
    shows_findings = False
    change_form_template = "admin/jobs/posting_change_form.html"
    fieldsets = [
        (None, {"fields": ["title", "company", "created_by", "status", "rejection_reason", "source_ref"]}),
        ("Role and place", {"fields": ["role_family", "level", "employment_type", "country", "subdivision", "city",
                                       "city_slug", "remote_policy", "skills", "skills_from_employer"]}),
        ("Pay as posted", {"fields": ["pay_kind", "pay_source", "salary_min", "salary_max", "salary_currency", "salary_period",
                                      "bonus_target_pct", "bonus_target_amount", "equity_pct_min", "equity_pct_max",
                                      "company_valuation", "equity_grant_amount", "vesting_years", "sign_on_bonus",
                                      "benefits"]}),
        ("Pay normalised (annual USD)", {"classes": ["collapse"], "fields": [
            "salary_min_usd", "salary_max_usd", "salary_mid_usd", "total_comp_mid_usd", "fx_rate_to_usd",
            "fx_rate_date"]}),
        ("Lifecycle", {"fields": ["created_at", "submitted_at", "published_at", "expires_at", "closed_at",
                                  "updated_at"]}),
        ("Description", {"classes": ["collapse"], "fields": ["description"]}),
    ]  # fmt: skip
    readonly_fields = ["created_at", "updated_at"]

    def get_changelist(self, request, **kwargs):
        return ContextChangeList

    def has_moderate_permission(self, request):
        return services.user_is_moderator(request.user)

    def has_view_permission(self, request, obj=None):
        # Moderators (staff with the moderate_postings permission) work here without further model permissions.
        return self.has_moderate_permission(request) or super().has_view_permission(request, obj)

    @admin.display(description="pay as posted")
    def pay(self, posting):
        if posting.pay_kind == PayKind.NONE:
            return "not given"
        amount = (
            f"{_money(posting.salary_min)}–{_money(posting.salary_max)} {posting.salary_currency} "
            f"{posting.get_salary_period_display().lower()}"
        )
        return f"estimate ({posting.pay_source}): {amount}" if posting.pay_kind == PayKind.ESTIMATE else amount

    @admin.display(description="against the market")
    def market(self, posting):
        return market_position(getattr(posting, "admin_context", None))

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
            "postings": queryset.select_related("company"),
            "opts": self.model._meta,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/jobs/reject_postings.html", context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        posting = self.get_object(request, object_id)
        extra = dict(extra_context or {})
        if posting is not None:
            extra.update(posting_workbench(posting))
        return super().change_view(request, object_id, form_url, extra_context=extra)


def posting_workbench(posting: JobPosting) -> dict:
    """What a moderator needs beside a posting: its salary context, total compensation, the ranges it is compared
    with and counts in (with links), the pay-transparency findings, possible duplicates and its audit trail."""
    today = timezone.now().date()
    context = salary_contexts_for(postings=[posting], today=today, peers=True)[posting.pk]
    company = posting.company
    compared = context_keys_of(
        role_family=posting.role_family, level=posting.level, country=posting.country,
        size_band=company.size_band, sector=company.sector,
    )  # fmt: skip
    visible = JobPosting.objects.visible().filter(pk=posting.pk).exists()
    counts_in = {segment.key for segment in segments_for_posting(posting)}
    ranges = MarketRange.objects.filter(key__in=compared | counts_in).only(
        "pk", "key", "published", "sample_size", "withheld_reason", "computed_at"
    )
    rows = sorted(ranges, key=lambda r: (r.key not in counts_in, -r.sample_size, r.key))
    return {
        "salary_context": context,
        "counts_now": visible,
        "market_position": market_position(context),
        "total_compensation": services.posting_total_compensation(posting),
        "ranges": [
            {
                "range": r,
                "url": reverse("admin:insights_marketrange_change", args=[r.pk]),
                "counts_in": r.key in counts_in,
                "compared": r.key in compared,
            }
            for r in rows
        ],  # fmt: skip
        "findings": transparency_findings(posting, company, active_rules(today)),
        "duplicates": possible_duplicates([posting], window=DUPLICATE_WINDOW).get(posting.pk, []),
        "reposts": possible_reposts([posting], window=REPOST_WINDOW).get(posting.pk, []),
        "events": audit_trail_of(posting)[:50],
    }


@admin.register(JobPosting)
class JobPostingAdmin(PostingAdminBase):
    list_display = ["title", "company", "level", "country", "status", "pay", "market", "published_at", "expires_at"]
    list_filter = ["status", "level", "role_family", CountryFilter, "remote_policy", "pay_kind", "company__size_band",
                   "company__sector", "published_at"]  # fmt: skip
    # Title words only: one table, served by a trigram index on PostgreSQL (migration 0014); a search across the
    # join to companies could use no index at a million postings. Filter by company with ?company__id__exact=.
    search_fields = ["title"]
    search_help_text = "Words in the title."
    list_per_page = 50  # each row's cells are rendered by Django's admin templates: ~2 ms a row


@admin.register(PendingPosting)
class ModerationQueueAdmin(PostingAdminBase):
    """Postings waiting for review, oldest submission first: who posted, the pay against the market, what the
    pay-transparency laws still ask for, and postings that look the same."""

    list_display = ["submitted_at", "title", "company_with_status", "employer", "pay", "market", "findings",
                    "duplicates"]  # fmt: skip
    list_display_links = ["title"]
    list_filter = ["level", "role_family", CountryFilter, "company__size_band"]
    search_fields = ["title", "company__name"]
    ordering = ["submitted_at", "id"]
    list_per_page = 50
    shows_findings = True

    def get_queryset(self, request):
        return super().get_queryset(request).filter(status=PostingStatus.PENDING_REVIEW)

    @admin.display(description="company", ordering="company__name")
    def company_with_status(self, posting):
        return posting.company.name if posting.company.is_verified else f"{posting.company.name} (not verified)"

    @admin.display(description="employer")
    def employer(self, posting):
        return posting.created_by.username if posting.created_by else "–"

    @admin.display(description="pay transparency")
    def findings(self, posting):
        found = getattr(posting, "admin_findings", [])
        if not found:
            return "meets every rule"
        return format_html_join(mark_safe("<br>"), "{}: {}", ((f.rule, f.message) for f in found))

    @admin.display(description="possible duplicates")
    def duplicates(self, posting):
        found = getattr(posting, "admin_duplicates", [])
        reposts = getattr(posting, "admin_reposts", [])
        if not found and not reposts:
            return "–"
        own = format_html_join(
            ", ", '<a href="{}">#{}</a>',
            ((reverse("admin:jobs_jobposting_change", args=[other.pk]), other.pk) for other in found),
        )  # fmt: skip
        copied = format_html_join(
            ", ", '<a href="{}">#{} of {}</a>',
            ((reverse("admin:jobs_jobposting_change", args=[o.pk]), o.pk, o.company.name) for o in reposts),
        )  # fmt: skip
        return format_html("{}{}{}", own, mark_safe("<br>same text as ") if reposts else "", copied)


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Every moderation and curation change, newest first; written by the services, never edited here."""

    list_display = ["at", "action", "object_link", "actor", "actor_role", "via", "changed", "note"]
    list_filter = ["action", "actor_role", "via", "content_type", "at"]
    search_fields = ["object_repr", "actor__username", "=object_id"]
    list_select_related = ["actor", "content_type"]
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    show_facets = admin.ShowFacets.NEVER

    @admin.display(description="object")
    def object_link(self, event):
        url_name = f"admin:{event.content_type.app_label}_{event.content_type.model}_change"
        return format_html('<a href="{}">{}</a>', reverse(url_name, args=[event.object_id]), event.object_repr)

    @admin.display(description="before → after")
    def changed(self, event):
        return format_html_join(
            mark_safe("<br>"), "{}: {} → {}", ((name, before, after) for name, (before, after) in event.changes.items())
        )


@admin.register(PayTransparencyRule)
class PayTransparencyRuleAdmin(admin.ModelAdmin):
    """The pay-transparency laws as data: where each applies, from when and what headcount, what it asks."""

    list_display = ["code", "name", "country", "subdivision", "eu_wide", "min_employees", "effective_from",
                    "severity", "active"]  # fmt: skip
    list_filter = ["severity", "active", "eu_wide", "country"]
    search_fields = ["code", "name", "source_title"]
    readonly_fields = ["updated_at"]


# --- What candidates and employers keep for themselves: read in the admin, written by the services ------------------


@admin.register(CompanyInvitation)
class CompanyInvitationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["email", "company", "invited_by", "created_at", "accepted_at"]
    list_filter = [("accepted_at", admin.EmptyFieldListFilter)]
    search_fields = ["email", "company__name"]
    list_select_related = ["company", "invited_by"]
    exclude = ["token"]  # the one-time secret stays out of every page


@admin.register(SavedJob)
class SavedJobAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["user", "posting", "saved_at"]
    list_select_related = ["user", "posting"]
    search_fields = ["user__username"]


@admin.register(SavedSearch)
class SavedSearchAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["name", "user", "query", "alerts", "alerts_since", "created_at"]
    list_filter = ["alerts"]
    list_select_related = ["user"]
    search_fields = ["user__username", "name", "query"]
    exclude = ["unsubscribe_token"]


@admin.register(SearchAlert)
class SearchAlertAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["posting", "user", "saved_search", "claimed_at", "sent_at"]
    list_filter = [("sent_at", admin.EmptyFieldListFilter)]
    list_select_related = ["user", "posting", "saved_search"]
    search_fields = ["user__username"]


@admin.register(Application)
class ApplicationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: an application is between a candidate and the posting's company (jobs.applications)."""

    list_display = ["posting", "candidate", "status", "created_at", "updated_at"]
    list_filter = ["status"]
    list_select_related = ["posting", "candidate"]
    search_fields = ["candidate__username", "posting__title"]
