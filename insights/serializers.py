from rest_framework import serializers

from insights.models import MarketRange
from insights.segments import Segment
from insights.selectors import market_range_confidence, market_range_provenance

PERCENTILES = ("p10", "p25", "p50", "p75", "p90", "mean")
TOTALS = tuple(f"total_{name}" for name in PERCENTILES)


class MarketRangeSerializer(serializers.ModelSerializer):
    """A segment's range; numbers are withheld from non-moderators when the segment is too thin."""

    confidence = serializers.SerializerMethodField()
    currency = serializers.SerializerMethodField()
    period = serializers.SerializerMethodField()
    publishable = serializers.SerializerMethodField()
    not_published_reason = serializers.SerializerMethodField()
    total_not_published_reason = serializers.SerializerMethodField()
    wider_segment = serializers.SerializerMethodField()
    wider_publishable = serializers.SerializerMethodField()
    provenance = serializers.SerializerMethodField()

    class Meta:
        model = MarketRange
        fields = [
            "key",
            "role_family",
            "level",
            "scope",
            "place",
            "size_band",
            "sector",
            "remote",
            "window",
            "confidence",
            "currency",
            "period",
            "p10",
            "p25",
            "p50",
            "p75",
            "p90",
            "mean",
            "total_p10",
            "total_p25",
            "total_p50",
            "total_p75",
            "total_p90",
            "total_mean",
            "total_sample_size",
            "total_company_count",
            "total_not_published_reason",
            "sample_size",
            "posting_count",
            "observation_count",
            "company_count",
            "computed_at",
            "publishable",
            "not_published_reason",
            "wider_segment",
            "wider_publishable",
            "provenance",
        ]

    def _problem(self, market_range) -> str | None:
        problems = self.context.get("problems")
        return problems[market_range.key] if problems is not None else market_range.publishability_problem

    def get_publishable(self, market_range) -> bool:
        return self._problem(market_range) is None

    def get_not_published_reason(self, market_range) -> str | None:
        """Why the public does not see this range's numbers; null when it does."""
        return self._problem(market_range)

    def get_total_not_published_reason(self, market_range) -> str | None:
        """Why the public does not see the total-compensation figures (their own sample: postings only)."""
        return self._problem(market_range) or market_range.total_publishability_problem

    def get_confidence(self, market_range) -> str:
        return market_range_confidence(market_range)

    def get_currency(self, market_range) -> str:
        return "USD"

    def get_period(self, market_range) -> str:
        return "YEAR"

    def get_wider_segment(self, market_range) -> str | None:
        wider = Segment.from_key(market_range.key).wider()
        return wider.key if wider else None

    def get_wider_publishable(self, market_range) -> str | None:
        """The nearest wider segment with publishable numbers, when this one has none."""
        return self.context.get("wider_publishable", {}).get(market_range.key)

    def get_provenance(self, market_range) -> dict:
        return market_range_provenance(market_range)

    def to_representation(self, market_range):
        data = super().to_representation(market_range)
        if self.context.get("show_unpublished"):
            return data
        if self._problem(market_range):
            for name in PERCENTILES + TOTALS:
                data[name] = None
        elif market_range.total_publishability_problem:
            for name in TOTALS:
                data[name] = None
        return data
