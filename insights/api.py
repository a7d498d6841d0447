from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import generics

from config.api import error_responses
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
