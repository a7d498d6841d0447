from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import error_responses
from insights.comparisons import claims_checked
from insights.regions import REGION_NAMES
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
    CONFIDENCE_RULE,
    market_range_history,
    market_ranges_list,
    nearest_publishable_wider,
    publication_problems,
)
from insights.serializers import MarketRangeSerializer
from jobs.services import user_is_moderator
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
    remote = filters.BooleanFilter(method="filter_remote", help_text="true: remote postings only. Default: false")
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


class MarketRangeList(generics.ListAPIView):
    """Market pay ranges per segment: role family × level × place (city, country, region, world) × company
    size × sector (country scope and wider; postings only, since surveys give no industry) × remote × window,
    in annual USD, for base pay and total compensation.

    A range built on fewer than 5 data points, fewer than 3 contributors, or with one company supplying
    more than half of the points is listed with `publishable: false`, no numbers, and the nearest wider
    segment that is publishable (`wider_publishable`); moderators see the numbers. So is a range whose
    difference from a wider range holding all its points (another place scope, any size, any sector,
    on-site and remote, all time) would fail that rule, since the two sample sizes and means give the difference's pay
    total: no pair of published ranges reveals fewer than 3 companies' pay. Likewise along each cut of a
    range into parts (size bands, sectors, the places inside it): when the range less its published parts
    would fail the rule, the smallest parts are withheld too. Confidence: {CONFIDENCE}
    """

    serializer_class = MarketRangeSerializer
    filterset_class = MarketRangeFilter

    def get_queryset(self):
        return market_ranges_list()

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "show_unpublished": user_is_moderator(self.request.user)}

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        problems = publication_problems(page)
        context = {
            **self.get_serializer_context(),
            "problems": problems,
            "wider_publishable": nearest_publishable_wider(page, problems),
        }
        return self.get_paginated_response(MarketRangeSerializer(page, many=True, context=context).data)

    @extend_schema(
        summary="Market pay ranges per segment", responses={200: MarketRangeSerializer, **error_responses(400, 404)}
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


MarketRangeList.__doc__ = MarketRangeList.__doc__.replace("{CONFIDENCE}", CONFIDENCE_RULE)


class ClaimList(APIView):
    """What our sources claim about pay (e.g. "startup cash is 30–40% lower"), checked against the data."""

    @extend_schema(
        summary="Source claims checked against the data",
        parameters=[OpenApiParameter("country", str, description="ISO 3166-1 alpha-2; default: all countries")],
        responses={200: dict, **error_responses(400)},
    )
    def get(self, request):
        country = request.query_params.get("country")
        if country and (len(country) != 2 or not country.isalpha()):
            raise ValidationError({"country": ["Not an ISO 3166-1 alpha-2 country code."]}, code="invalid_country")
        return Response(claims_checked(country=country.upper() if country else None))


class MarketRangeHistory(APIView):
    """A segment's range day by day (daily snapshots of publishable ranges), oldest first."""

    @extend_schema(summary="History of a market range", responses={200: dict, **error_responses(404)})
    def get(self, request, key: str):
        try:
            key = Segment.from_key(key).key  # the canonical spelling: an 8-part key with sector `any` is 7 parts
        except ValueError:
            raise NotFound("No such market segment.") from None
        return Response({"key": key, "history": market_range_history(key=key)})
