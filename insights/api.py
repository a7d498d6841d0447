import statistics

from django.urls import reverse
from django.utils import timezone
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework.exceptions import NotAuthenticated, NotFound, PermissionDenied, ValidationError
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import StrictBooleanFilter, error_responses
from config.conditional import conditional
from config.pagination import KeysetPagination, paginated_schema
from insights.comparisons import claims_checked
from insights.disclosure import CONFIDENCE_RULE
from insights.models import MarketRange, ReportKind
from insights.offers import Offer, offer_evaluate
from insights.regions import REGION_NAMES
from insights.reports import kinds as report_kinds
from insights.segments import (
    ANY,
    CITY,
    COUNTRY,
    DEFAULT_WINDOW,
    REGION,
    WINDOW_12M,
    WINDOW_ALL,
    WORLD,
    Segment,
    city_place,
)
from insights.selectors import (
    NOISE_RULE,
    leaderboard,
    market_range_history,
    market_ranges_list,
    nearest_published_wider,
    range_exact,
    range_public,
    reports_visible_to,
    skill_premiums,
)
from insights.serializers import (
    ClaimSerializer,
    HistorySerializer,
    MarketRangeSerializer,
    OfferEvaluationSerializer,
    OfferSerializer,
    ReportRequestSerializer,
    ReportSerializer,
)
from insights.services.reports import report_request
from jobs.models import Company
from jobs.services import user_is_member, user_is_moderator
from salaries.compensation import Package
from salaries.taxonomy import Level, RoleFamily, Sector, SizeBand


class MarketRangeFilter(filters.FilterSet):
    role = filters.ChoiceFilter(field_name="role_family", choices=RoleFamily.choices)
    level = filters.ChoiceFilter(choices=Level.choices)
    country = filters.CharFilter(method="filter_country", help_text="ISO 3166-1 alpha-2, or `world` for worldwide")
    region = filters.ChoiceFilter(method="filter_region", choices=list(REGION_NAMES.items()))
    city = filters.CharFilter(method="filter_city", help_text="Country and city, e.g. `US.seattle`")
    size = filters.ChoiceFilter(
        method="filter_size", choices=[(ANY, "Any size"), *SizeBand.choices], help_text="Default: any"
    )
    sector = filters.ChoiceFilter(
        method="filter_sector",
        choices=[(ANY, "Any sector"), *Sector.choices],
        help_text="The companies' sector. Default: any. Sectors are cut at country, region and world scope.",
    )
    remote = StrictBooleanFilter(method="filter_remote", help_text="true: remote postings only. Default: false")
    window = filters.ChoiceFilter(
        method="filter_window",
        choices=[(WINDOW_12M, "Last 12 months"), (WINDOW_ALL, "All time")],
        help_text="Default: 12m",
    )

    def filter_queryset(self, queryset):
        # Unless asked otherwise: any company size and sector, on-site and remote together, the last 12 months.
        data = self.form.cleaned_data
        queryset = queryset.filter(
            size_band="" if data.get("size") in (None, "", ANY) else data["size"],
            sector="" if data.get("sector") in (None, "", ANY) else data["sector"],
            remote=bool(data.get("remote")),
            window=data.get("window") or DEFAULT_WINDOW,
        )
        return super().filter_queryset(queryset)

    def filter_country(self, queryset, name, value):
        if value.lower() == "world":
            return queryset.filter(scope=WORLD)
        return queryset.filter(scope=COUNTRY, place=value.upper())

    def filter_region(self, queryset, name, value):
        return queryset.filter(scope=REGION, place=value)

    def filter_city(self, queryset, name, value):
        country, _, city = value.partition(".")
        return queryset.filter(scope=CITY, place=city_place(country, city))

    def filter_size(self, queryset, name, value):
        return queryset  # applied in filter_queryset, where its default lives

    filter_remote = filter_window = filter_sector = filter_size


class MarketRangeList(generics.GenericAPIView):
    """Market pay ranges per segment: role family × level × place (city, country, region, world) × company
    size × sector (country scope and wider; postings only, since surveys give no industry) × remote × window,
    in annual USD, for base pay and total compensation, as released to the public.

    Public figures are a release decided when the range is computed (insights.disclosure): percentiles moved
    by a few percent by noise fixed to the data behind them (so asking again, or through another segment
    holding the same data, gives the same figures), rounded to 100 USD, p10 and p90 only from 20 data points,
    counts perturbed by up to 2, and no mean. A range built on fewer than 5 data points, fewer than 3
    contributors, or with one contributor supplying more than half is withheld (`published: false`, the
    reason, and the nearest wider published segment). Moderators also see the exact figures (`exact`).
    Confidence: {CONFIDENCE}
    """

    salary_data = True  # the stricter rate limit of config.throttling

    filterset_class = MarketRangeFilter
    pagination_class = None  # keyset pages (config.pagination), built in `get`
    queryset = MarketRange.objects.none()  # for the schema; get_queryset gives the real one

    def get_queryset(self):
        return market_ranges_list()

    @extend_schema(
        summary="Market pay ranges per segment",
        parameters=[
            OpenApiParameter("cursor", str, description="From `next` or `previous` of another page."),
            OpenApiParameter("page_size", int, description="1 to 100; default 20."),
        ],
        responses={200: paginated_schema(MarketRangeSerializer), **error_responses(400)},
    )
    def get(self, request, *args, **kwargs):
        moderator = user_is_moderator(request.user)

        def build():
            paginator = KeysetPagination(("key",))
            page = paginator.paginate(self.filter_queryset(self.get_queryset()), request)
            wider = nearest_published_wider(page)
            results = []
            for market_range in page:
                item = range_public(market_range, wider_published=wider.get(market_range.key))
                if moderator:
                    item["exact"] = range_exact(market_range)
                results.append(item)
            return paginator.page(results)

        viewer = "moderator" if moderator else "public"
        return conditional(
            request, variant=f"ranges|{request.get_host()}{request.get_full_path()}|{viewer}", build=build
        )


MarketRangeList.__doc__ = MarketRangeList.__doc__.replace("{CONFIDENCE}", CONFIDENCE_RULE)


class ClaimList(APIView):
    """What our sources claim about pay (e.g. "startup cash is 30–40% lower"), checked against the data."""

    salary_data = True  # the stricter rate limit of config.throttling

    @extend_schema(
        summary="Source claims checked against the data",
        parameters=[OpenApiParameter("country", str, description="ISO 3166-1 alpha-2; default: all countries")],
        responses={200: ClaimSerializer(many=True), **error_responses(400)},
    )
    def get(self, request):
        country = request.query_params.get("country")
        if country and (len(country) != 2 or not country.isalpha()):
            raise ValidationError({"country": ["Not an ISO 3166-1 alpha-2 country code."]}, code="invalid_country")
        return Response(claims_checked(country=country.upper() if country else None))


class MarketRangeHistory(APIView):
    """A segment's public release day by day (daily snapshots of published ranges), oldest first."""

    salary_data = True  # the stricter rate limit of config.throttling

    @extend_schema(summary="History of a market range", responses={200: HistorySerializer, **error_responses(404)})
    def get(self, request, key: str):
        try:
            key = Segment.from_key(key).key  # the canonical spelling: an 8-part key with sector `any` is 7 parts
        except ValueError:
            raise NotFound("No such market segment.") from None
        return Response({"key": key, "history": market_range_history(key=key)})


def report_representation(report, *, detail: bool, reused: bool | None = None) -> dict:
    links = {
        "api": reverse("v1:report-detail", args=[report.pk]),
        "html": reverse("report-page", args=[report.pk]),
        "csv": reverse("report-csv", args=[report.pk]),
    }
    body = {
        "id": report.pk,
        "kind": report.kind,
        "parameters": report.parameters,
        "status": report.status,
        "progress": report.progress,
        "error": report.error or None,
        "is_public": report.is_public,
        "created_at": report.created_at,
        "started_at": report.started_at,
        "finished_at": report.finished_at,
        "data_as_of": report.data_as_of,
        **({"reused": reused} if reused is not None else {}),
        "links": links,
    }
    if detail:
        body["result"] = report.result
    return body


class ReportList(APIView):
    """Insight reports: ask for one (`POST`, signed in), or list the reports you may read, newest first: your
    own, the public weekly market overviews, and for admins every report (`?public=true`: public ones only).

    A report is built from the released market ranges by a worker on the `reports` queue (at once, in-process,
    on the embedded default); poll its `links.api` until `status` is `done` (or `failed`, with `error`), then
    read `result`, the page at `links.html`, or the numbers behind its charts at `links.csv`. Asking again for
    the same kind and parameters while none of the ranges, snapshots or postings it reads has changed returns
    the stored report (`reused: true`, status 200) instead of building a new one (202)."""

    salary_data = True  # the stricter rate limit of config.throttling

    def get_permissions(self):
        return [IsAuthenticated()] if self.request.method == "POST" else [AllowAny()]

    @extend_schema(
        summary="Insight reports you may read",
        operation_id="v1_reports_list",
        parameters=[
            OpenApiParameter("public", bool, description="true: the public reports only."),
            OpenApiParameter("cursor", str, description="From `next` or `previous` of another page."),
            OpenApiParameter("page_size", int, description="1 to 100; default 20."),
        ],
        responses={200: paginated_schema(ReportSerializer), **error_responses(400)},
    )
    def get(self, request):
        reports = reports_visible_to(request.user)
        public = request.query_params.get("public")
        if public not in (None, "true", "false"):
            raise ValidationError({"public": ["true or false."]}, code="invalid")
        if public == "true":
            reports = reports.filter(is_public=True)
        paginator = KeysetPagination(("-created_at", "-id"))
        page = paginator.paginate(reports.defer("result", "charts"), request)
        return paginator.response([report_representation(r, detail=False) for r in page])

    @extend_schema(
        summary="Ask for an insight report",
        request=ReportRequestSerializer,
        responses={202: ReportSerializer, 200: ReportSerializer, **error_responses(400, 401)},
    )
    def post(self, request):
        serializer = ReportRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        report, reused = report_request(user=request.user, **serializer.validated_data)
        report.refresh_from_db()  # generated in-process already on the embedded default
        return Response(report_representation(report, detail=True, reused=reused), status=200 if reused else 202)


class ReportDetail(APIView):
    """One insight report: its state and progress, and once done its result (every figure with provenance)."""

    salary_data = True  # the stricter rate limit of config.throttling

    @extend_schema(summary="An insight report", responses={200: ReportSerializer, **error_responses(404)})
    def get(self, request, pk: int):
        report = reports_visible_to(request.user).filter(pk=pk).first()
        if report is None:
            raise NotFound("No such report, or not yours.")
        return Response(report_representation(report, detail=True))


class OfferEvaluation(APIView):
    """Evaluate an offer: its base pay and total compensation placed in their market segment (the narrowest
    published one: the city or country with the company's size band, then for any size, widening to region
    and world), the p25/p50/p75 compared with, curated benchmarks for the role and level, a verdict and a
    counter-offer range with its evidence. Works anonymously; the offer is not stored or logged anywhere."""

    salary_data = True  # the stricter rate limit of config.throttling

    @extend_schema(
        summary="Evaluate an offer against the market",
        request=OfferSerializer,
        responses={200: OfferEvaluationSerializer, **error_responses(400)},
    )
    def post(self, request):
        serializer = OfferSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        company = None
        if data.get("company"):
            company = Company.objects.filter(slug=data["company"]).only("size_band", "sector").first()
            if company is None:
                raise ValidationError({"company": ["No such company."]}, code="not_found")
        package = Package(
            bonus_target_pct=data.get("bonus_pct"), bonus_target_amount=data.get("bonus_amount"),
            equity_pct_min=data.get("equity_pct"), company_valuation=data.get("company_valuation"),
            equity_grant_amount=data.get("rsu_amount"), vesting_years=data.get("vesting_years"),
            sign_on_bonus=data.get("sign_on"),
        )  # fmt: skip
        offer = Offer(
            role_family=data.get("role"), level=data.get("level"), title=data.get("title", ""),
            country=data["country"], city=data["city"], size_band=data["company_size"], company=company,
            base_amount=data["base_amount"], currency=data["currency"], period=data["period"], package=package,
        )  # fmt: skip
        return Response(offer_evaluate(offer, today=timezone.now().date()))


class StartupVsBigTech(APIView):
    """Startups against large companies for a role (and a level), in a place: the cash gap between the released
    medians level by level (the seed articles claim 30–40%), the curated startup equity grants by level, and a
    startup's total under three equity outcomes (worthless, worth the valuation at grant, worth 3× it), with
    the assumptions given. Built from stored releases (a few indexed lookups)."""

    salary_data = True  # the stricter rate limit of config.throttling

    @extend_schema(
        summary="Startups against big tech",
        parameters=[
            OpenApiParameter("role", str, required=True, enum=RoleFamily.values),
            OpenApiParameter("level", str, enum=Level.values, description="Default: every level."),
            OpenApiParameter("place", str, description="world (default), a region, a country code or US.seattle"),
            OpenApiParameter("window", str, enum=[WINDOW_12M, WINDOW_ALL], description="Default: all"),
            OpenApiParameter("equity_pct", float, description="The grant, % of the company. Default 0.5"),
            OpenApiParameter("valuation_usd", float, description="At grant. Default 50,000,000"),
        ],
        responses={200: OpenApiTypes.OBJECT, **error_responses(400)},
    )
    def get(self, request):
        params = {k: v for k, v in request.query_params.items() if k != "level"}
        level = request.query_params.get("level")
        if level is not None and level not in Level.values:
            raise ValidationError({"level": [f"Not one of: {', '.join(Level.values)}."]}, code="invalid_choice")
        try:
            cleaned = report_kinds.clean(ReportKind.STARTUP_VS_BIGTECH, params, user=request.user)
        except report_kinds.ReportInputError as error:
            error.field = (error.field or "").removeprefix("parameters.") or None
            raise
        result = report_kinds.build_startup_vs_bigtech(cleaned, lambda _: None)
        if level:
            for section in result["sections"]:
                section["rows"] = [row for row in section["rows"] if row["level"] == level]
        return Response({"parameters": {**cleaned, "level": level}, **result})


COMPANY_LEADERBOARD_REFUSAL = (
    "Companies are not ranked: a company's figure is one contributor's aggregate, which the disclosure rule never "
    "publishes (its postings that have closed and the survey data behind the ranges are not public). Compare "
    "named companies' visible postings with a `company_comparison` report instead."
)


def choice_parameters(params, choices: dict[str, list], defaults: dict | None = None) -> dict:
    """The named query parameters, each one of its choices (or its default): a 400 naming every one at fault."""
    defaults = defaults or {}
    values, errors = {}, {}
    for name, allowed in choices.items():
        value = params.get(name, defaults.get(name))
        if value not in allowed:
            errors[name] = [f"{'Required' if value is None else 'Not one of'}: {', '.join(allowed)}."]
        values[name] = value
    if errors:
        raise ValidationError(errors, code="invalid_choice")
    return values


class Leaderboard(APIView):
    """Where pay is highest for a role and level: published cities, countries, or sectors (worldwide), ranked by
    their released median base pay, with p25–p75, sample sizes and provenance; withheld segments are not
    ranked. `by=company` is refused (400, `not_offered`): see its message."""

    salary_data = True  # the stricter rate limit of config.throttling

    @extend_schema(
        summary="Where pay is highest",
        parameters=[
            OpenApiParameter("by", str, required=True, enum=["city", "country", "sector", "company"]),
            OpenApiParameter("role", str, required=True, enum=RoleFamily.values),
            OpenApiParameter("level", str, required=True, enum=Level.values),
            OpenApiParameter("window", str, enum=[WINDOW_12M, WINDOW_ALL], description="Default: 12m"),
        ],
        responses={200: OpenApiTypes.OBJECT, **error_responses(400)},
    )
    def get(self, request):
        params = choice_parameters(
            request.query_params,
            {"by": ["city", "country", "sector", "company"], "role": RoleFamily.values, "level": Level.values,
             "window": [WINDOW_12M, WINDOW_ALL]},
            {"window": WINDOW_12M},
        )  # fmt: skip
        if params["by"] == "company":
            raise ValidationError({"by": [COMPANY_LEADERBOARD_REFUSAL]}, code="not_offered")
        window = params["window"]
        results = leaderboard(by=params["by"], role_family=params["role"], level=params["level"], window=window)
        return Response({"by": params["by"], "role_family": params["role"], "level": params["level"],
                         "window": window, "results": results})  # fmt: skip


class CompanyMarketReport(APIView):
    """For a company's members (and moderators): its postings against the market, level by level: how many, how
    many pay below the market's p25, within p25–p75 and above p75, and the median percentile, from each
    posting's salary context (released ranges). Three queries: the postings, the releases, the rates."""

    salary_data = True  # the stricter rate limit of config.throttling

    @extend_schema(summary="A company's postings against the market",
                   responses={200: OpenApiTypes.OBJECT, **error_responses(401, 403, 404)})  # fmt: skip
    def get(self, request, slug: str):
        company = Company.objects.filter(slug=slug).first()
        if company is None:
            raise NotFound("No such company.")
        if not request.user.is_authenticated:
            raise NotAuthenticated()
        if not (user_is_member(request.user, company.pk) or user_is_moderator(request.user)):
            raise PermissionDenied("Only the company's members see its market report.")
        result = report_kinds.build_employer_postings({"company": company.slug}, lambda _: None)
        rows = result["sections"][0]["rows"]
        levels = []
        for level in report_kinds.LADDER:
            mine = [r for r in rows if r["level"] == level]
            if not mine:
                continue
            placed = [r["percentile"] for r in mine if r["percentile"] is not None]
            levels.append({
                "level": level, "postings": len(mine),
                "below": sum(r["label"] == "below" for r in mine), "within": sum(r["label"] == "within" for r in mine),
                "above": sum(r["label"] == "above" for r in mine), "without_market": len(mine) - len(placed),
                "median_percentile": statistics.median(placed) if placed else None,
            })  # fmt: skip
        return Response({"company": company.slug, "summary": result["summary"], "levels": levels, "postings": rows,
                         "provenance": result["sections"][0]["provenance"]})  # fmt: skip


class SkillPremiums(APIView):
    """Skill premiums for a role and level (worldwide, all time): the released median, p25–p75 and
    sample sizes of the data points that name each skill against those that do not, the premium from the two
    released medians, and whether it is within noise. Skills are read from postings' titles and descriptions
    (editable by the employer) and survey records' titles. Recomputed every SKILL_PREMIUMS_SECONDS (900)."""

    salary_data = True  # the stricter rate limit of config.throttling

    @extend_schema(
        summary="Median pay with and without a skill",
        parameters=[
            OpenApiParameter("role", str, required=True, enum=RoleFamily.values),
            OpenApiParameter("level", str, required=True, enum=Level.values),
        ],
        responses={200: OpenApiTypes.OBJECT, **error_responses(400)},
    )
    def get(self, request):
        params = choice_parameters(request.query_params, {"role": RoleFamily.values, "level": Level.values})
        role, level = params["role"], params["level"]
        return Response({"role_family": role, "level": level, "noise_rule": NOISE_RULE,
                         "results": skill_premiums(role_family=role, level=level)})  # fmt: skip
