import django_filters
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import CountryFilter, IntegerFilter, error_responses
from salaries.models import BenchmarkSource, SalaryBenchmark, SalaryObservation, SalarySubmission, SourceKind
from salaries.selectors import benchmark_release_changes, benchmark_sources_list, benchmarks_list, level_ladder
from salaries.serializers import (
    BenchmarkSerializer,
    BenchmarkSourceSerializer,
    ObservationSerializer,
    SubmissionInputSerializer,
    SubmissionSerializer,
    submission_representation,
)
from salaries.services.submissions import salary_submission_create, salary_submission_delete
from salaries.taxonomy import Level, RoleFamily


class BenchmarkFilter(django_filters.FilterSet):
    role = django_filters.ChoiceFilter(field_name="role_family", choices=RoleFamily.choices)
    level = django_filters.ChoiceFilter(choices=Level.choices)
    country = CountryFilter()
    region = django_filters.CharFilter(lookup_expr="iexact", help_text="A region (Europe) or a US state (CA)")
    company = django_filters.CharFilter(field_name="company_name", lookup_expr="iexact")
    source = django_filters.CharFilter(field_name="release__source__slug")
    year = IntegerFilter()
    measure = django_filters.CharFilter()

    class Meta:
        model = SalaryBenchmark
        fields = []


RELEASE = OpenApiParameter("release", str, description="A release version; default: each source's latest release.")


class BenchmarkList(generics.ListAPIView):
    """Published pay figures with their source, release and any consistency flags, as the source gives them."""

    salary_data = True  # the stricter rate limit of config.throttling

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


class CompanyLevelSerializer(serializers.Serializer):
    ladder = serializers.CharField()
    code = serializers.CharField()
    title = serializers.CharField(allow_blank=True)


class LevelSerializer(serializers.Serializer):
    level = serializers.ChoiceField(choices=Level.choices)
    label = serializers.CharField()
    years_from = serializers.IntegerField(allow_null=True)
    years_to = serializers.IntegerField(allow_null=True)
    company_levels = CompanyLevelSerializer(many=True)


class LevelList(APIView):
    """Canonical levels (junior 0–2 years … director) and the well-known company ladders mapped onto them."""

    @extend_schema(
        summary="Levels and company ladders",
        responses={200: LevelSerializer(many=True), **error_responses(401)},
    )
    def get(self, request):
        return Response(level_ladder())


class ObservationFilter(django_filters.FilterSet):
    role = django_filters.ChoiceFilter(field_name="role_family", choices=RoleFamily.choices)
    level = django_filters.ChoiceFilter(choices=Level.choices)
    country = CountryFilter(help_text="The employer's country, ISO 3166-1 alpha-2")
    year = IntegerFilter(field_name="work_year")
    source = django_filters.CharFilter(field_name="source__slug")

    class Meta:
        model = SalaryObservation
        fields = []


class ObservationList(generics.ListAPIView):
    """Individual salary records imported from surveys, as reported and converted, each with its source."""

    salary_data = True  # the stricter rate limit of config.throttling

    serializer_class = ObservationSerializer
    filterset_class = ObservationFilter

    def get_queryset(self):
        # Records of public surveys only: pay shared by employees here is private (salaries.services.submissions).
        return (
            SalaryObservation.objects.exclude(source__kind=SourceKind.SELF_REPORTED)
            .select_related("source", "release")
            .order_by("-work_year", "id")
        )

    @extend_schema(summary="Survey salary records", responses={200: ObservationSerializer, **error_responses(400, 404)})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class SalarySubmissionList(APIView):
    """Share your pay (signed in): your own package at your employer. Private: only you and admins ever see it;
    it counts in market ranges only as one data point under the disclosure rule (kind `self_reported`), after
    checks (plausible pay, one submission per person, company and year, and a base within half the market's
    p25 to twice its p75, else held for a moderator). `GET` lists yours."""

    permission_classes = [IsAuthenticated]

    @extend_schema(summary="Your shared pay", responses={200: SubmissionSerializer(many=True), **error_responses(401)})
    def get(self, request):
        mine = SalarySubmission.objects.filter(user=request.user).order_by("-created_at", "-id")[:100]
        return Response([submission_representation(s) for s in mine])

    @extend_schema(summary="Share your pay", request=SubmissionInputSerializer,
                   responses={201: SubmissionSerializer, **error_responses(400, 401)})  # fmt: skip
    def post(self, request):
        serializer = SubmissionInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        submission = salary_submission_create(user=request.user, data=serializer.validated_data)
        return Response(submission_representation(submission, with_insights=True), status=201)


class SalarySubmissionDetail(APIView):
    """Your submission, with the insights of its segment that sharing gives you (give-to-get): where your pay
    sits in its market, the market's released figures, and beside it companies of your size band. `DELETE`
    removes it and its data point: every market figure is recomputed as if it had never been there."""

    permission_classes = [IsAuthenticated]

    def _mine(self, request, pk):
        submission = SalarySubmission.objects.filter(pk=pk, user=request.user).first()
        if submission is None:
            raise NotFound("No such submission of yours.")
        return submission

    @extend_schema(summary="Your shared pay, with its insights", responses={200: SubmissionSerializer,
                                                                           **error_responses(401, 404)})  # fmt: skip
    def get(self, request, pk: int):
        return Response(submission_representation(self._mine(request, pk), with_insights=True))

    @extend_schema(summary="Delete your shared pay", responses={204: None, **error_responses(401, 404)})
    def delete(self, request, pk: int):
        salary_submission_delete(submission=self._mine(request, pk), user=request.user)
        return Response(status=204)
