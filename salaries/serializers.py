from rest_framework import serializers

from salaries.models import BenchmarkFlag, BenchmarkRelease, BenchmarkSource, SalaryBenchmark, SalaryObservation


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
