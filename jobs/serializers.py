"""Postings in and out of the API: input serializers, and the output as plain dictionaries.

Output is built by `posting_representation` (a list page builds one per posting, so it avoids per-field
serializer machinery); `JobPostingSerializer` and the serializers beside it describe the same output for the
OpenAPI schema, and tests/test_schema.py checks real responses against that description.
"""

import pycountry
from rest_framework import serializers

from config.api import CountryField, CurrencyField, PlainTextField, SlugRelatedField
from insights.serializers import SalaryContextSerializer
from jobs.models import ActorRole, ApplicationStatus, AuditAction, Company, EmploymentType, PayKind, RemotePolicy
from jobs.services import PACKAGE_FIELDS, posting_total_compensation
from salaries.money import PayPeriod, from_usd
from salaries.skills import SKILL_CHOICES
from salaries.taxonomy import Level, RoleFamily, Sector, SizeBand

MONEY = {"max_digits": 14, "decimal_places": 2}


class PostingWriteSerializer(serializers.Serializer):
    company = SlugRelatedField(
        slug_field="slug",
        queryset=Company.objects.all(),
        required=False,
        help_text="Company slug; optional when you belong to exactly one company.",
    )
    title = PlainTextField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, help_text="HTML; sanitised on save.")
    role_family = serializers.ChoiceField(
        choices=RoleFamily.choices, required=False, help_text="Optional: read from the title when it is clear"
    )
    level = serializers.ChoiceField(
        choices=Level.choices, required=False, help_text="Optional: read from the title when it is clear"
    )
    employment_type = serializers.ChoiceField(choices=EmploymentType.choices, required=False)
    city = PlainTextField(max_length=100, required=False, allow_blank=True)
    country = CountryField()
    remote_policy = serializers.ChoiceField(choices=RemotePolicy.choices, required=False)
    pay_kind = serializers.ChoiceField(
        choices=[(PayKind.EMPLOYER, "Employer-provided"), (PayKind.NONE, "Not given")], required=False,
        error_messages={"invalid_choice": "employer (the pay you give) or none (no pay given: a draft, or a place "
                        "whose law does not ask for pay). Estimates come only with imports, with their source."},
        help_text="Left out: employer when pay is given, none when it is not. Where a pay-transparency law applies "
        "the posting cannot be submitted without pay.",
    )  # fmt: skip
    salary_min = serializers.DecimalField(
        **MONEY, min_value=0, required=False, allow_null=True, help_text="Lowest pay per period, as posted"
    )
    salary_max = serializers.DecimalField(
        **MONEY, min_value=0, required=False, allow_null=True, help_text="Highest pay per period, as posted"
    )
    salary_currency = CurrencyField(required=False, allow_null=True)
    salary_period = serializers.ChoiceField(choices=PayPeriod.choices, required=False)
    bonus_target_pct = serializers.DecimalField(
        max_digits=5,
        decimal_places=2,
        min_value=0,
        required=False,
        allow_null=True,
        help_text="Target bonus, % of base",
    )
    bonus_target_amount = serializers.DecimalField(
        **MONEY, min_value=0, required=False, allow_null=True, help_text="Target bonus per year, posting currency"
    )
    equity_pct_min = serializers.DecimalField(
        max_digits=6, decimal_places=3, min_value=0, required=False, allow_null=True, help_text="Equity, % of company"
    )
    equity_pct_max = serializers.DecimalField(
        max_digits=6, decimal_places=3, min_value=0, required=False, allow_null=True
    )
    company_valuation = serializers.DecimalField(
        max_digits=18, decimal_places=2, min_value=0, required=False, allow_null=True,
        help_text="Latest valuation, posting currency; prices an equity percentage",
    )  # fmt: skip
    equity_grant_amount = serializers.DecimalField(
        **MONEY, min_value=0, required=False, allow_null=True, help_text="Stock (RSUs) granted over the vesting period"
    )
    vesting_years = serializers.IntegerField(min_value=1, max_value=10, required=False, allow_null=True)
    sign_on_bonus = serializers.DecimalField(**MONEY, min_value=0, required=False, allow_null=True)
    expires_at = serializers.DateTimeField(
        required=False, allow_null=True,
        help_text="In the future, at most POSTING_MAX_LIFETIME_DAYS (120) from publication; empty: the default (60).",
    )  # fmt: skip
    expiry_reason = PlainTextField(
        required=False, allow_blank=True, max_length=500, write_only=True,
        help_text="Why the posting runs longer than the default lifetime (required then); kept in its audit trail.",
    )  # fmt: skip
    source_ref = PlainTextField(max_length=100, required=False, allow_blank=True)
    subdivision = serializers.CharField(
        max_length=3, required=False, allow_blank=True,
        help_text="State or province, ISO 3166-2 without the country (CO for Colorado): pay-transparency laws "
        "are often a state's.",
    )  # fmt: skip
    skills = serializers.ListField(
        child=serializers.ChoiceField(choices=SKILL_CHOICES), max_length=30, required=False,
        help_text="Replaces the skills read from the title and description (an empty list: none).",
    )  # fmt: skip
    benefits = PlainTextField(
        max_length=5000, required=False, allow_blank=True,
        help_text="A general description of benefits and other compensation (Colorado and Washington require one).",
    )  # fmt: skip

    def validate(self, data):
        subdivision = (data.get("subdivision") or "").upper()
        if subdivision:
            if "country" not in data:
                raise serializers.ValidationError({"subdivision": ["Give the country with it."]}, code="required")
            if pycountry.subdivisions.get(code=f"{data['country']}-{subdivision}") is None:
                raise serializers.ValidationError(
                    {"subdivision": [f"Not a subdivision of {data['country']} (ISO 3166-2)."]}, code="invalid"
                )
        if "subdivision" in data:
            data["subdivision"] = subdivision
        return data


class RejectSerializer(serializers.Serializer):
    reason = PlainTextField(max_length=2000, help_text="What the employer must change.")


class CloseSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=[("closed", "Closed"), ("filled", "Filled")], default="closed")


COMPANY_FIELDS = ("id", "name", "slug", "size_band", "funding_stage", "industry", "sector", "headquarters_country",
                  "is_verified")  # fmt: skip
# Seen only by the posting's company members and moderators: the public sees published postings' content.
PRIVATE_FIELDS = ("status", "rejection_reason", "source_ref", "created_at", "submitted_at", "closed_at")


def _provenance(posting, company) -> dict:
    if posting.pay_kind == PayKind.ESTIMATE:
        return {"kind": "estimate", "source": posting.pay_source, "sample_size": None, "as_of": posting.updated_at,
                "note": f"An estimate by {posting.pay_source}, not pay {company.name} states."}  # fmt: skip
    return {"kind": "employer_posted", "source": company.name, "sample_size": None, "as_of": posting.updated_at}


def _pay(posting, company, requested) -> dict | None:
    if posting.pay_kind == PayKind.NONE:
        return None
    pay = {
        "as_posted": {
            "min": posting.salary_min,
            "max": posting.salary_max,
            "currency": posting.salary_currency,
            "period": posting.salary_period,
        },
        "annual_usd": {
            "min": posting.salary_min_usd,
            "max": posting.salary_max_usd,
            "midpoint": posting.salary_mid_usd,
            "exchange_rate": {"rate_to_usd": posting.fx_rate_to_usd, "date": posting.fx_rate_date},
        },
        "provenance": _provenance(posting, company),
    }
    if requested is not None:
        pay["annual_requested"] = {
            "currency": requested.currency,
            "min": from_usd(posting.salary_min_usd, requested),
            "max": from_usd(posting.salary_max_usd, requested),
            "midpoint": from_usd(posting.salary_mid_usd, requested),
            "exchange_rate": {"rate_to_usd": requested.rate_to_usd, "date": requested.date, "source": requested.source},
        }
    return pay


_COMPONENTS = ("base", "bonus", "equity_per_year", "sign_on_per_year", "total")


def _compensation(posting, company) -> dict | None:
    """The package per year at the base midpoint: each component, and the total, as posted and in USD."""
    if posting.pay_kind == PayKind.NONE:
        return None
    package = posting_total_compensation(posting)
    usd = package.scaled(posting.fx_rate_to_usd)
    return {
        "currency": posting.salary_currency,
        "period": "YEAR",
        **{name: getattr(package, name) for name in _COMPONENTS},
        "equity_unvalued_pct": list(package.equity_unvalued_pct) if package.equity_unvalued_pct else None,
        "annual_usd": {name: getattr(usd, name) for name in _COMPONENTS} | {"total": posting.total_comp_mid_usd},
        "as_posted": {name: getattr(posting, name) for name in sorted(PACKAGE_FIELDS)},
        "provenance": _provenance(posting, company),
    }


def posting_representation(posting, *, company, salary_context, requested=None, private=False, feedback=None) -> dict:
    """A posting as the API shows it; with `private`, also the fields only its company and moderators see."""
    data = {
        "id": posting.pk,
        "title": posting.title,
        "company": {name: getattr(company, name) for name in COMPANY_FIELDS},
        "description": posting.description,
        "role_family": posting.role_family,
        "level": posting.level,
        "employment_type": posting.employment_type,
        "location": {
            "city": posting.city,
            "subdivision": posting.subdivision or None,
            "country": posting.country,
            "remote_policy": posting.remote_policy,
        },  # fmt: skip
        "benefits": posting.benefits,
        "skills": posting.skills,
        "pay_kind": posting.pay_kind,
        "pay": _pay(posting, company, requested),
        "compensation": _compensation(posting, company),
        "published_at": posting.published_at,
        "expires_at": posting.expires_at,
        "salary_context": salary_context,
    }
    if private:
        data.update({name: getattr(posting, name) for name in PRIVATE_FIELDS})
        if feedback is not None:
            data["feedback"] = feedback
    return data


# --- The same output, described for the OpenAPI schema -----------------------------------------------------------

MONEY_OUT = {"max_digits": 14, "decimal_places": 2}


class CompanySummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Company
        fields = list(COMPANY_FIELDS)


class ExchangeRateUsedSerializer(serializers.Serializer):
    rate_to_usd = serializers.DecimalField(max_digits=20, decimal_places=10)
    date = serializers.DateField(allow_null=True, help_text="Null for USD.")
    source = serializers.CharField(required=False)


class ProvenanceSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=["employer_posted", "estimate", "survey_observation", "benchmark", "computed"]
    )
    source = serializers.CharField()
    sample_size = serializers.IntegerField(allow_null=True)
    as_of = serializers.DateTimeField(allow_null=True)
    note = serializers.CharField(required=False, help_text="For an estimate: whose it is.")


class PostedPaySerializer(serializers.Serializer):
    min = serializers.DecimalField(**MONEY_OUT)
    max = serializers.DecimalField(**MONEY_OUT)
    currency = serializers.CharField()
    period = serializers.ChoiceField(choices=PayPeriod.choices)


class AnnualPaySerializer(serializers.Serializer):
    min = serializers.DecimalField(**MONEY_OUT)
    max = serializers.DecimalField(**MONEY_OUT)
    midpoint = serializers.DecimalField(**MONEY_OUT)
    exchange_rate = ExchangeRateUsedSerializer()


class RequestedPaySerializer(AnnualPaySerializer):
    currency = serializers.CharField()


class PaySerializer(serializers.Serializer):
    as_posted = PostedPaySerializer()
    annual_usd = AnnualPaySerializer()
    annual_requested = RequestedPaySerializer(required=False, help_text="With ?currency=: the pay in that currency.")
    provenance = ProvenanceSerializer()


class ComponentsSerializer(serializers.Serializer):
    base = serializers.DecimalField(**MONEY_OUT)
    bonus = serializers.DecimalField(**MONEY_OUT)
    equity_per_year = serializers.DecimalField(**MONEY_OUT)
    sign_on_per_year = serializers.DecimalField(**MONEY_OUT)
    total = serializers.DecimalField(**MONEY_OUT)


class PackageAsPostedSerializer(serializers.Serializer):
    bonus_target_pct = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    bonus_target_amount = serializers.DecimalField(**MONEY_OUT, allow_null=True)
    company_valuation = serializers.DecimalField(max_digits=18, decimal_places=2, allow_null=True)
    equity_grant_amount = serializers.DecimalField(**MONEY_OUT, allow_null=True)
    equity_pct_max = serializers.DecimalField(max_digits=6, decimal_places=3, allow_null=True)
    equity_pct_min = serializers.DecimalField(max_digits=6, decimal_places=3, allow_null=True)
    sign_on_bonus = serializers.DecimalField(**MONEY_OUT, allow_null=True)
    vesting_years = serializers.IntegerField(allow_null=True)


class CompensationSerializer(ComponentsSerializer):
    currency = serializers.CharField()
    period = serializers.CharField()
    equity_unvalued_pct = serializers.ListField(
        child=serializers.DecimalField(max_digits=6, decimal_places=3), allow_null=True,
        help_text="A startup equity percentage with no valuation to price it: shown as a percentage, never as money.",
    )  # fmt: skip
    annual_usd = ComponentsSerializer()
    as_posted = PackageAsPostedSerializer()
    provenance = ProvenanceSerializer()


class FindingSerializer(serializers.Serializer):
    rule = serializers.CharField()
    name = serializers.CharField()
    severity = serializers.ChoiceField(choices=["blocking", "warning"])
    field = serializers.CharField()
    message = serializers.CharField()
    source_title = serializers.CharField()
    source_url = serializers.CharField()


class RuleAppliedSerializer(serializers.Serializer):
    rule = serializers.CharField()
    name = serializers.CharField()
    source_url = serializers.CharField()


class TransparencySerializer(serializers.Serializer):
    rules_applied = RuleAppliedSerializer(many=True)
    blocking = FindingSerializer(many=True, help_text="A posting with any cannot be submitted.")
    warnings = FindingSerializer(many=True)


class RangeFeedbackSerializer(serializers.Serializer):
    max_over_min = serializers.DecimalField(max_digits=8, decimal_places=2, allow_null=True)
    unusually_wide = serializers.BooleanField()
    note = serializers.CharField()


class BenchmarkBesideSerializer(serializers.Serializer):
    label = serializers.CharField()
    source = serializers.CharField()
    release = serializers.CharField()
    country = serializers.CharField(allow_null=True)
    year = serializers.IntegerField(allow_null=True)
    measure = serializers.CharField()
    central_annual_usd = serializers.DecimalField(max_digits=14, decimal_places=2)
    posting_midpoint_vs_benchmark_pct = serializers.FloatField(allow_null=True, help_text="Null: no pay given.")
    provenance = serializers.DictField()


class FeedbackSerializer(serializers.Serializer):
    pay_transparency = TransparencySerializer()
    benchmarks = BenchmarkBesideSerializer(many=True, help_text="Curated figures for the role, level and country.")
    range = RangeFeedbackSerializer()


class LocationSerializer(serializers.Serializer):
    city = serializers.CharField(allow_blank=True)
    subdivision = serializers.CharField(allow_null=True, help_text="ISO 3166-2 without the country, e.g. CO.")
    country = serializers.CharField()
    remote_policy = serializers.ChoiceField(choices=RemotePolicy.choices)


class JobPostingSerializer(serializers.Serializer):
    """A posting: the public's fields, and for its company's members and moderators the workflow's too."""

    id = serializers.IntegerField()
    title = serializers.CharField()
    company = CompanySummarySerializer()
    description = serializers.CharField(help_text="Sanitised HTML.")
    role_family = serializers.ChoiceField(choices=RoleFamily.choices)
    level = serializers.ChoiceField(choices=Level.choices)
    employment_type = serializers.ChoiceField(choices=EmploymentType.choices)
    location = LocationSerializer()
    benefits = serializers.CharField(allow_blank=True)
    skills = serializers.ListField(child=serializers.ChoiceField(choices=SKILL_CHOICES),
                                   help_text="Read from the title and description, or set by the employer.")  # fmt: skip
    pay_kind = serializers.ChoiceField(
        choices=PayKind.choices,
        help_text="employer: pay the employer gives (the only kind in market ranges and JSON-LD); estimate: a "
        "third-party estimate, shown as one; none: no pay given",
    )
    pay = PaySerializer(allow_null=True, help_text="Null when no pay is given.")
    compensation = CompensationSerializer(allow_null=True, help_text="Null when no pay is given.")
    published_at = serializers.DateTimeField(allow_null=True)
    expires_at = serializers.DateTimeField(allow_null=True, help_text="Shown until then (valid through).")
    salary_context = SalaryContextSerializer(allow_null=True)
    # Only for the posting's company members and moderators (PRIVATE_FIELDS): absent for everyone else.
    status = serializers.CharField(required=False)
    rejection_reason = serializers.CharField(required=False, allow_blank=True)
    source_ref = serializers.CharField(required=False, allow_blank=True)
    created_at = serializers.DateTimeField(required=False)
    submitted_at = serializers.DateTimeField(required=False, allow_null=True)
    closed_at = serializers.DateTimeField(required=False, allow_null=True)
    feedback = FeedbackSerializer(required=False, help_text="For the company's members: pay-transparency findings "
                                  "and the range's width.")  # fmt: skip


class AuditEventSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    action = serializers.ChoiceField(choices=AuditAction.choices)
    action_display = serializers.CharField()
    actor = serializers.CharField(
        allow_null=True, help_text="A colleague's user name; null for a moderator or the system."
    )
    actor_role = serializers.ChoiceField(choices=ActorRole.choices)
    via = serializers.ChoiceField(choices=["api", "admin", "command", "task"])
    changes = serializers.DictField(
        child=serializers.ListField(child=serializers.JSONField(), min_length=2, max_length=2),
        help_text="Field → [before, after].",
    )
    note = serializers.CharField(allow_blank=True)


class PayFilterSerializer(serializers.Serializer):
    """How `pay_min` was compared: the amount as asked, as a year, and in USD at the rate used."""

    pay_min = serializers.DecimalField(max_digits=16, decimal_places=2, coerce_to_string=True)
    currency = serializers.CharField()
    period = serializers.CharField()
    annual = serializers.DecimalField(max_digits=16, decimal_places=2, coerce_to_string=True)
    annual_usd = serializers.DecimalField(max_digits=16, decimal_places=2, coerce_to_string=True)
    rate_to_usd = serializers.CharField(help_text="USD per unit of the currency.")
    rate_date = serializers.DateField(allow_null=True)
    rate_source = serializers.CharField()
    compared_on = serializers.CharField()


class FacetValueSerializer(serializers.Serializer):
    value = serializers.CharField(allow_null=True)
    count = serializers.IntegerField()


def postings_represented(postings: list, *, requested, private, peers: bool) -> list[dict]:
    """Each posting as the API and the pages show it, with its salary context: a constant number of queries
    whatever the number of postings. `private(posting)`: whether the viewer sees its private fields and feedback."""
    from django.utils import timezone

    from insights.selectors import salary_contexts_for
    from jobs.transparency import active_rules, benchmarks_for, posting_feedback

    companies = {posting.company_id: posting.company for posting in postings}
    today = timezone.now().date()
    contexts = salary_contexts_for(
        postings=postings, today=today, requested=requested, companies=companies, peers=peers
    )
    shown_privately = {posting.pk: private(posting) for posting in postings}
    members = [posting for posting in postings if shown_privately[posting.pk]]
    rules = active_rules(today) if members else []  # one query, for members only
    benchmarks = benchmarks_for(members)  # one query, for members only
    return [
        posting_representation(
            posting, company=companies[posting.company_id], salary_context=contexts[posting.pk],
            requested=requested, private=shown_privately[posting.pk],
            feedback=posting_feedback(posting, companies[posting.company_id], rules, benchmarks)
            if shown_privately[posting.pk] else None,
        )
        for posting in postings
    ]  # fmt: skip


# --- Accounts, companies, saved jobs and searches, applications --------------------------------------------------


class SignUpSerializer(serializers.Serializer):
    username = serializers.RegexField(r"^[\w.@+-]{3,150}$", help_text="3 to 150 letters, digits and @.+-_")
    email = serializers.EmailField()
    password = serializers.CharField(write_only=True, min_length=8, max_length=128, trim_whitespace=False)


class CompanyWriteSerializer(serializers.Serializer):
    name = PlainTextField(max_length=200)
    size_band = serializers.ChoiceField(choices=SizeBand.choices)
    sector = serializers.ChoiceField(choices=Sector.choices, required=False, allow_blank=True)
    industry = PlainTextField(max_length=100, required=False, allow_blank=True)
    headquarters_country = CountryField()
    website = serializers.URLField(required=False, allow_blank=True, max_length=200)


class CompanyOutSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    size_band = serializers.CharField()
    sector = serializers.CharField()
    industry = serializers.CharField()
    headquarters_country = serializers.CharField()
    website = serializers.CharField()
    is_verified = serializers.BooleanField()
    open_postings = serializers.IntegerField(required=False)


class MembershipOutSerializer(serializers.Serializer):
    company = CompanyOutSerializer()
    role = serializers.CharField()


class AccountSerializer(serializers.Serializer):
    username = serializers.CharField()
    email = serializers.CharField()
    is_moderator = serializers.BooleanField()
    memberships = MembershipOutSerializer(many=True)


class InvitationSerializer(serializers.Serializer):
    email = serializers.EmailField()


class AcceptInvitationSerializer(serializers.Serializer):
    token = serializers.CharField(max_length=64)


class SavedJobSerializer(serializers.Serializer):
    posting = serializers.IntegerField(min_value=1, max_value=2**62)
    saved_at = serializers.DateTimeField(read_only=True)
    title = serializers.CharField(read_only=True)
    company = serializers.CharField(read_only=True)
    is_open = serializers.BooleanField(read_only=True)


class SavedSearchSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = PlainTextField(max_length=100, required=False, allow_blank=True)
    query = serializers.CharField(
        max_length=2000,
        help_text="The job list's query string, e.g. level=senior&country=DE&pay_min=90000&currency=EUR",
    )
    alerts = serializers.BooleanField(required=False, default=True)
    created_at = serializers.DateTimeField(read_only=True)


class ApplicationInSerializer(serializers.Serializer):
    cover_note = PlainTextField(max_length=5000, required=False, allow_blank=True, default="")
    cv_url = serializers.URLField(max_length=500, help_text="A link to your CV")


class ApplicationMoveSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=ApplicationStatus.choices)


class ApplicationOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    posting = serializers.IntegerField(source="posting_id")
    posting_title = serializers.CharField(source="posting.title")
    company = serializers.CharField(source="posting.company.name")
    candidate = serializers.CharField(source="candidate.username")
    cover_note = serializers.CharField()
    cv_url = serializers.CharField()
    status = serializers.CharField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class ImportRequestSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="The export: Greenhouse or Lever JSON, or a CSV")
    format = serializers.ChoiceField(choices=["greenhouse", "lever", "csv"])
    country = CountryField(required=False, help_text="The country of jobs whose location names none")


class ImportRejectionSerializer(serializers.Serializer):
    line = serializers.IntegerField()
    field = serializers.CharField(allow_null=True)
    reason = serializers.CharField()


class ImportReportSerializer(serializers.Serializer):
    format = serializers.CharField()
    rows_read = serializers.IntegerField()
    imported = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    incomplete = serializers.IntegerField(help_text="Drafts that need a level before they can be submitted")
    rejected = ImportRejectionSerializer(many=True, help_text="The first 1,000")
    rejected_count = serializers.IntegerField()
