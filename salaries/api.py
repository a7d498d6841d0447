import django_filters
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import CountryFilter, error_responses
from salaries.models import BenchmarkSource, SalaryBenchmark, SalaryObservation
from salaries.selectors import benchmark_release_changes, benchmark_sources_list, benchmarks_list, level_ladder
from salaries.serializers import BenchmarkSerializer, BenchmarkSourceSerializer, ObservationSerializer
from salaries.taxonomy import Level, RoleFamily


class BenchmarkFilter(django_filters.FilterSet):
    role = django_filters.ChoiceFilter(field_name="role_family", choices=RoleFamily.choices)
    level = django_filters.ChoiceFilter(choices=Level.choices)
    country = CountryFilter()
    region = django_filters.CharFilter(lookup_expr="iexact", help_text="A region (Europe) or a US state (CA)")
    company = django_filters.CharFilter(field_name="company_name", lookup_expr="iexact")
    source = django_filters.CharFilter(field_name="release__source__slug")
    year = django_filters.NumberFilter()
    measure = django_filters.CharFilter()

    class Meta:
        model = SalaryBenchmark
        fields = []


RELEASE = OpenApiParameter("release", str, description="A release version; default: each source's latest release.")


class BenchmarkList(generics.ListAPIView):
    """Published pay figures with their source, release and any consistency flags, as the source gives them."""

    serializer_class = BenchmarkSerializer
    filterset_class = BenchmarkFilter

    def get_queryset(self):
        return benchmarks_list(release=self.request.query_params.get("release"))

    @extend_schema(
        summary="Salary benchmarks",
        parameters=[RELEASE],
        responses={200: BenchmarkSerializer, **error_responses(400, 404)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class BenchmarkSourceList(generics.ListAPIView):
    """Every source of benchmarks and survey data, with its releases and their consistency flags."""

    serializer_class = BenchmarkSourceSerializer

    def get_queryset(self):
        return benchmark_sources_list()

    @extend_schema(
        summary="Benchmark sources, releases and flags",
        responses={200: BenchmarkSourceSerializer, **error_responses(404)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class BenchmarkReleaseChanges(APIView):
    @extend_schema(
        summary="What changed between two releases of a source",
        parameters=[
            OpenApiParameter("from", str, required=True, description="The older release version"),
            OpenApiParameter("to", str, required=True, description="The newer release version"),
        ],
        responses={200: dict, **error_responses(400, 404)},
    )
    def get(self, request, slug: str):
        source = get_object_or_404(BenchmarkSource, slug=slug)
        versions = {name: request.query_params.get(name) for name in ("from", "to")}
        missing = [name for name, value in versions.items() if not value]
        if missing:
            raise ValidationError({name: ["Name a release version."] for name in missing}, code="required")
        releases = {name: source.releases.filter(version=value).first() for name, value in versions.items()}
        unknown = [name for name, release in releases.items() if release is None]
        if unknown:
            raise ValidationError(
                {name: [f"No release {versions[name]!r} of {slug}."] for name in unknown}, code="invalid_choice"
            )
        return Response(benchmark_release_changes(source=source, old=releases["from"], new=releases["to"]))


class LevelList(APIView):
    """Canonical levels (junior 0–2 years … director) and the well-known company ladders mapped onto them."""

    @extend_schema(summary="Levels and company ladders", responses={200: dict, **error_responses(401)})
    def get(self, request):
        return Response(level_ladder())


class ObservationFilter(django_filters.FilterSet):
    role = django_filters.ChoiceFilter(field_name="role_family", choices=RoleFamily.choices)
    level = django_filters.ChoiceFilter(choices=Level.choices)
    country = CountryFilter(help_text="The employer's country, ISO 3166-1 alpha-2")
    year = django_filters.NumberFilter(field_name="work_year")
    source = django_filters.CharFilter(field_name="source__slug")

    class Meta:
        model = SalaryObservation
        fields = []


class ObservationList(generics.ListAPIView):
    """Individual salary records imported from surveys, as reported and converted, each with its source."""

    serializer_class = ObservationSerializer
    filterset_class = ObservationFilter

    def get_queryset(self):
        return SalaryObservation.objects.select_related("source", "release").order_by("-work_year", "id")

    @extend_schema(summary="Survey salary records", responses={200: ObservationSerializer, **error_responses(400, 404)})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
