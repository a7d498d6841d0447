from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import error_responses
from insights.comparisons import claims_checked
from insights.selectors import market_ranges_list
from insights.serializers import MarketRangeSerializer
from jobs.services import user_is_moderator
from salaries.taxonomy import Level, RoleFamily


class MarketRangeFilter(filters.FilterSet):
    role = filters.ChoiceFilter(field_name="role_family", choices=RoleFamily.choices)
    level = filters.ChoiceFilter(choices=Level.choices)
    country = filters.CharFilter(method="filter_country", help_text="ISO 3166-1 alpha-2, or `world` for worldwide")

    def filter_country(self, queryset, name, value):
        return queryset.filter(country="" if value.lower() == "world" else value.upper())


class MarketRangeList(generics.ListAPIView):
    """Market pay ranges per segment (role family × level × country, and worldwide), annual USD.

    A range built on fewer than 5 postings, fewer than 3 companies, or with one company supplying more
    than half of the points is listed with `publishable: false` and no numbers, except to moderators.
    """

    serializer_class = MarketRangeSerializer
    filterset_class = MarketRangeFilter

    def get_queryset(self):
        return market_ranges_list()

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "show_unpublished": user_is_moderator(self.request.user)}

    @extend_schema(
        summary="Market pay ranges per segment", responses={200: MarketRangeSerializer, **error_responses(400, 404)}
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


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
