import pycountry
from rest_framework import serializers

from config.api import SlugRelatedField
from jobs.models import Company, EmploymentType, JobPosting, RemotePolicy
from jobs.services import PACKAGE_FIELDS, posting_total_compensation
from salaries.money import PayPeriod, currency_is_iso4217, from_usd
from salaries.taxonomy import Level, RoleFamily

MONEY = {"max_digits": 14, "decimal_places": 2}


class PostingWriteSerializer(serializers.Serializer):
    company = SlugRelatedField(
        slug_field="slug",
        queryset=Company.objects.all(),
        required=False,
        help_text="Company slug; optional when you belong to exactly one company.",
    )
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, help_text="HTML; sanitised on save.")
    role_family = serializers.ChoiceField(
        choices=RoleFamily.choices, required=False, help_text="Optional: read from the title when it is clear"
    )
    level = serializers.ChoiceField(
        choices=Level.choices, required=False, help_text="Optional: read from the title when it is clear"
    )
    employment_type = serializers.ChoiceField(choices=EmploymentType.choices, required=False)
    city = serializers.CharField(max_length=100, required=False, allow_blank=True)
    country = serializers.CharField(help_text="ISO 3166-1 alpha-2 country code, e.g. DE")
    remote_policy = serializers.ChoiceField(choices=RemotePolicy.choices, required=False)
    salary_min = serializers.DecimalField(**MONEY, min_value=0, help_text="Lowest pay per period, as posted")
    salary_max = serializers.DecimalField(**MONEY, min_value=0, help_text="Highest pay per period, as posted")
    salary_currency = serializers.CharField(help_text="ISO 4217 currency code, e.g. EUR")
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
    expires_at = serializers.DateTimeField(required=False, allow_null=True)
    source_ref = serializers.CharField(max_length=100, required=False, allow_blank=True)

    def validate_country(self, value):
        if pycountry.countries.get(alpha_2=value.upper()) is None or len(value) != 2:
            raise serializers.ValidationError("Not an ISO 3166-1 alpha-2 country code.", code="invalid_country")
        return value.upper()

    def validate_salary_currency(self, value):
        if not currency_is_iso4217(value):
            raise serializers.ValidationError("Not an ISO 4217 currency code.", code="unknown_currency")
        return value.upper()


class RejectSerializer(serializers.Serializer):
    reason = serializers.CharField(help_text="What the employer must change.")


class CloseSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=[("closed", "Closed"), ("filled", "Filled")], default="closed")


class CompanySummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Company
        fields = [
            "id", "name", "slug", "size_band", "funding_stage", "industry", "sector", "headquarters_country",
            "is_verified",
        ]  # fmt: skip


class JobPostingSerializer(serializers.ModelSerializer):
    company = CompanySummarySerializer()
    location = serializers.SerializerMethodField()
    pay = serializers.SerializerMethodField()
    compensation = serializers.SerializerMethodField()
    salary_context = serializers.SerializerMethodField()

    class Meta:
        model = JobPosting
        fields = [
            "id",
            "title",
            "company",
            "description",
            "role_family",
            "level",
            "employment_type",
            "location",
            "pay",
            "compensation",
            "status",
            "rejection_reason",
            "source_ref",
            "created_at",
            "submitted_at",
            "published_at",
            "expires_at",
            "closed_at",
            "salary_context",
        ]

    def get_location(self, posting) -> dict:
        return {"city": posting.city, "country": posting.country, "remote_policy": posting.remote_policy}

    def get_pay(self, posting) -> dict:
        requested = self.context.get("requested_rate")
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
            "provenance": {
                "kind": "employer_posted",
                "source": posting.company.name,
                "sample_size": None,
                "as_of": posting.updated_at,
            },
        }
        if requested is not None:
            pay["annual_requested"] = {
                "currency": requested.currency,
                "min": from_usd(posting.salary_min_usd, requested),
                "max": from_usd(posting.salary_max_usd, requested),
                "midpoint": from_usd(posting.salary_mid_usd, requested),
                "exchange_rate": {
                    "rate_to_usd": requested.rate_to_usd,
                    "date": requested.date,
                    "source": requested.source,
                },
            }
        return pay

    def get_compensation(self, posting) -> dict:
        """The package per year at the base midpoint: each component, and the total, as posted and in USD."""
        package = posting_total_compensation(posting)
        components = ("base", "bonus", "equity_per_year", "sign_on_per_year", "total")
        usd = package.scaled(posting.fx_rate_to_usd)
        return {
            "currency": posting.salary_currency,
            "period": "YEAR",
            **{name: getattr(package, name) for name in components},
            "equity_unvalued_pct": list(package.equity_unvalued_pct) if package.equity_unvalued_pct else None,
            "annual_usd": {name: getattr(usd, name) for name in components} | {"total": posting.total_comp_mid_usd},
            "as_posted": {name: getattr(posting, name) for name in sorted(PACKAGE_FIELDS)},
            "provenance": {
                "kind": "employer_posted",
                "source": posting.company.name,
                "sample_size": None,
                "as_of": posting.updated_at,
            },
        }

    def get_salary_context(self, posting) -> dict | None:
        return self.context.get("salary_contexts", {}).get(posting.pk)
