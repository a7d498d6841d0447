from rest_framework import serializers

from config.api import CountryField, CurrencyField
from jobs.models import Company
from salaries.models import (
    BenchmarkFlag,
    BenchmarkRelease,
    BenchmarkSource,
    SalaryBenchmark,
    SalaryObservation,
    SubmissionStatus,
)
from salaries.money import PayPeriod
from salaries.taxonomy import Level, RoleFamily, SizeBand


class FlagSerializer(serializers.ModelSerializer):
    benchmark = serializers.CharField(source="benchmark.key")

    class Meta:
        model = BenchmarkFlag
        fields = ["code", "message", "benchmark", "detected_at"]


class SourceSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = BenchmarkSource
        fields = ["slug", "publisher", "title", "kind", "url", "licence"]


class BenchmarkSerializer(serializers.ModelSerializer):
    source = SourceSummarySerializer(source="release.source")
    release = serializers.CharField(source="release.version")
    flags = serializers.SerializerMethodField()
    provenance = serializers.SerializerMethodField()

    class Meta:
        model = SalaryBenchmark
        fields = [
            "id", "key", "label", "source", "release", "role_family", "occupation", "level", "country", "region",
            "area", "company_size", "company_name", "industry", "year", "measure", "currency", "period",
            "p10", "p25", "p50", "p75", "p90", "mean", "pay_min", "pay_max", "open_ended_max",
            "equity_pct_min", "equity_pct_max", "employment", "notes", "central_annual_usd", "fx_rate_to_usd",
            "fx_rate_date", "flags", "provenance",
        ]  # fmt: skip

    def get_flags(self, benchmark) -> list[dict]:
        return [{"code": f.code, "message": f.message} for f in benchmark.flags.all()]

    def get_provenance(self, benchmark) -> dict:
        release = benchmark.release
        return {
            "kind": "benchmark",
            "source": f"{release.source.publisher}: {release.source.title}, {release.version}",
            "sample_size": None,
            "as_of": release.published_on or (benchmark.year and f"{benchmark.year}") or release.imported_at.date(),
        }


class ReleaseSerializer(serializers.ModelSerializer):
    benchmark_count = serializers.IntegerField()
    flags = FlagSerializer(many=True)

    class Meta:
        model = BenchmarkRelease
        fields = ["version", "published_on", "imported_at", "file_name", "benchmark_count", "flags"]


class BenchmarkSourceSerializer(serializers.ModelSerializer):
    releases = ReleaseSerializer(many=True)

    class Meta:
        model = BenchmarkSource
        fields = ["slug", "publisher", "title", "kind", "url", "citation", "licence", "releases"]


class ObservationSerializer(serializers.ModelSerializer):
    source = serializers.CharField(source="source.slug")
    release = serializers.CharField(source="release.version")
    provenance = serializers.SerializerMethodField()

    class Meta:
        model = SalaryObservation
        fields = [
            "id", "source", "release", "work_year", "job_title", "role_family", "level", "experience_level",
            "employment_type", "country", "employee_residence", "remote_ratio", "company_size", "salary",
            "salary_currency", "salary_usd", "publisher_salary_usd", "fx_rate_to_usd", "fx_rate_date", "provenance",
        ]  # fmt: skip

    def get_provenance(self, observation) -> dict:
        return {
            "kind": "survey_observation",
            "source": f"{observation.source.publisher}: {observation.source.title}, {observation.release.version}",
            "sample_size": 1,
            "as_of": str(observation.work_year),
        }


class SubmissionInputSerializer(serializers.Serializer):
    company = serializers.SlugRelatedField(slug_field="slug", queryset=Company.objects.all(), required=False,
                                           help_text="A company on the board (its size band is used).")  # fmt: skip
    company_name = serializers.CharField(max_length=200, required=False, help_text="When it is not on the board.")
    company_size = serializers.ChoiceField(choices=SizeBand.choices, required=False)
    title = serializers.CharField(max_length=200, required=False, allow_blank=True)
    role_family = serializers.ChoiceField(choices=RoleFamily.choices)
    level = serializers.ChoiceField(choices=Level.choices)
    country = CountryField(help_text="Where you work, ISO 3166-1 alpha-2.")
    remote = serializers.BooleanField(required=False, default=False)
    years_of_experience = serializers.IntegerField(min_value=0, max_value=60, required=False)
    work_year = serializers.IntegerField(required=False, help_text="Default: this year.")
    base_amount = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=1)
    currency = CurrencyField()
    period = serializers.ChoiceField(choices=PayPeriod.choices, default=PayPeriod.YEAR)
    bonus = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0, required=False,
                                     help_text="Per year, in `currency`.")  # fmt: skip
    equity_per_year = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0, required=False,
                                               help_text="Stock vesting per year, in `currency`.")  # fmt: skip
    sign_on = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0, required=False)


class SubmissionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    company_name = serializers.CharField()
    role_family = serializers.CharField()
    level = serializers.CharField()
    country = serializers.CharField()
    work_year = serializers.IntegerField()
    base_amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    currency = serializers.CharField()
    period = serializers.CharField()
    base_annual_usd = serializers.DecimalField(max_digits=14, decimal_places=2)
    total_annual_usd = serializers.DecimalField(max_digits=14, decimal_places=2)
    status = serializers.ChoiceField(choices=SubmissionStatus.choices)
    review_note = serializers.CharField(allow_blank=True)
    counted = serializers.BooleanField(help_text="A data point of the market ranges now.")
    provenance_kind = serializers.CharField()
    created_at = serializers.DateTimeField()
    insights = serializers.DictField(required=False, help_text="Where your pay sits in its market (give-to-get).")


def submission_representation(submission, *, with_insights: bool = False) -> dict:
    body = {
        "id": submission.pk, "company_name": submission.company_name, "role_family": submission.role_family,
        "level": submission.level, "country": submission.country, "work_year": submission.work_year,
        "base_amount": submission.base_amount, "currency": submission.currency, "period": submission.period,
        "base_annual_usd": submission.base_annual_usd, "total_annual_usd": submission.total_annual_usd,
        "status": submission.status, "review_note": submission.review_note,
        "counted": submission.observation_id is not None, "provenance_kind": "self_reported",
        "created_at": submission.created_at,
    }  # fmt: skip
    if with_insights:
        body["insights"] = submission_insights(submission)
    return body


def submission_insights(submission) -> dict:
    """Your pay placed in its market, from stored releases (insights.offers), as an offer would be."""
    from django.utils import timezone

    from insights.offers import Offer, offer_evaluate
    from salaries.compensation import Package

    package = Package(
        bonus_target_amount=submission.bonus,
        equity_grant_amount=submission.equity_per_year * 4 if submission.equity_per_year else None, vesting_years=4,
        sign_on_bonus=submission.sign_on,
    )  # fmt: skip
    offer = Offer(role_family=submission.role_family, level=submission.level, title="", country=submission.country,
                  city="", size_band=submission.company_size, company=None, base_amount=submission.base_amount,
                  currency=submission.currency, period=submission.period, package=package)  # fmt: skip
    evaluated = offer_evaluate(offer, today=timezone.now().date())
    return {name: evaluated[name] for name in ("base_pay", "total_compensation", "segments_tried", "benchmarks")}
