"""The shapes of market-range output, for the OpenAPI schema. The output itself is built by insights.selectors
(plain dictionaries read from stored releases); tests/test_schema.py checks real responses against these."""

from rest_framework import serializers

from config.api import CountryField, CurrencyField
from insights.models import ReportKind, ReportStatus
from insights.segments import SCOPES, WINDOWS
from salaries.money import PayPeriod
from salaries.taxonomy import Level, RoleFamily, Sector, SizeBand

MONEY = {"max_digits": 14, "decimal_places": 2}


class SegmentSerializer(serializers.Serializer):
    key = serializers.CharField()
    role_family = serializers.ChoiceField(choices=RoleFamily.choices)
    level = serializers.ChoiceField(choices=Level.choices)
    scope = serializers.ChoiceField(choices=SCOPES)
    place = serializers.CharField(allow_null=True, help_text="US.seattle, US, europe; null for the world.")
    size_band = serializers.ChoiceField(choices=SizeBand.choices, allow_null=True, help_text="Null: any size.")
    sector = serializers.ChoiceField(choices=Sector.choices, allow_null=True, help_text="Null: any sector.")
    remote = serializers.BooleanField(help_text="true: remote postings only; false: on-site and remote together.")
    window = serializers.ChoiceField(choices=list(WINDOWS))


class PercentilesSerializer(serializers.Serializer):
    currency = serializers.CharField()
    period = serializers.CharField()
    p10 = serializers.DecimalField(**MONEY, allow_null=True, help_text="Published from 20 data points.")
    p25 = serializers.DecimalField(**MONEY, allow_null=True)
    p50 = serializers.DecimalField(**MONEY, allow_null=True)
    p75 = serializers.DecimalField(**MONEY, allow_null=True)
    p90 = serializers.DecimalField(**MONEY, allow_null=True, help_text="Published from 20 data points.")


class ExchangeRateSerializer(serializers.Serializer):
    rate_to_usd = serializers.DecimalField(max_digits=20, decimal_places=10)
    date = serializers.DateField(allow_null=True)
    source = serializers.CharField()


class PercentilesInCurrencySerializer(PercentilesSerializer):
    exchange_rate = ExchangeRateSerializer()


class RangeProvenanceSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text="Always `computed`.")
    source = serializers.CharField()
    sources = serializers.ListField(
        child=serializers.ChoiceField(choices=["employer_posted", "survey_observation"]),
        help_text="The kinds of data behind the figures.",
    )
    sample_size = serializers.IntegerField(allow_null=True, help_text="Perturbed by up to 2.")
    company_count = serializers.IntegerField(allow_null=True, required=False, help_text="Perturbed by up to 2.")
    as_of = serializers.DateTimeField(allow_null=True)
    disclosure = serializers.CharField(
        help_text="`perturbed`: each percentile moved by a few percent (6.7–13.4% at 5 points, 1–2% from 225) and "
        "each count by up to 2, by noise fixed to the data behind it, then rounded to 100 USD (README, "
        "Disclosure control)."
    )


class ExactFiguresSerializer(serializers.Serializer):
    """The exact figures behind a range (moderators and admins only)."""

    sample_size = serializers.IntegerField()
    posting_count = serializers.IntegerField()
    observation_count = serializers.IntegerField()
    recent_count = serializers.IntegerField()
    company_count = serializers.IntegerField()
    top_company_share = serializers.DecimalField(max_digits=5, decimal_places=4)
    p10 = serializers.DecimalField(**MONEY, allow_null=True)
    p25 = serializers.DecimalField(**MONEY, allow_null=True)
    p50 = serializers.DecimalField(**MONEY, allow_null=True)
    p75 = serializers.DecimalField(**MONEY, allow_null=True)
    p90 = serializers.DecimalField(**MONEY, allow_null=True)
    mean = serializers.DecimalField(**MONEY, allow_null=True)
    total_sample_size = serializers.IntegerField()
    total_company_count = serializers.IntegerField()
    total_top_company_share = serializers.DecimalField(max_digits=5, decimal_places=4)
    total_p10 = serializers.DecimalField(**MONEY, allow_null=True)
    total_p25 = serializers.DecimalField(**MONEY, allow_null=True)
    total_p50 = serializers.DecimalField(**MONEY, allow_null=True)
    total_p75 = serializers.DecimalField(**MONEY, allow_null=True)
    total_p90 = serializers.DecimalField(**MONEY, allow_null=True)
    total_mean = serializers.DecimalField(**MONEY, allow_null=True)


class MarketRangeSerializer(serializers.Serializer):
    """A segment's range as released to the public (insights.disclosure), or why it is withheld."""

    segment = SegmentSerializer()
    published = serializers.BooleanField()
    withheld_reason = serializers.CharField(allow_null=True)
    wider_published = serializers.CharField(
        allow_null=True, help_text="For a withheld range: the nearest wider segment that is published."
    )
    base_pay = PercentilesSerializer(allow_null=True)
    total_compensation = PercentilesSerializer(allow_null=True, help_text="From postings alone: their packages.")
    total_withheld_reason = serializers.CharField(allow_null=True)
    sample_size = serializers.IntegerField(allow_null=True, help_text="Perturbed by up to 2.")
    company_count = serializers.IntegerField(allow_null=True, help_text="Perturbed by up to 2.")
    total_sample_size = serializers.IntegerField(allow_null=True)
    confidence = serializers.ChoiceField(choices=["high", "medium", "low"], allow_null=True)
    as_of = serializers.DateTimeField()
    provenance = RangeProvenanceSerializer()
    exact = ExactFiguresSerializer(required=False, help_text="Moderators only.")


class PositionSerializer(serializers.Serializer):
    midpoint_annual_usd = serializers.DecimalField(**MONEY)
    midpoint_percentile = serializers.DecimalField(max_digits=4, decimal_places=1)
    percentile_clamped = serializers.BooleanField(help_text="Outside the outermost published percentile.")
    label = serializers.ChoiceField(choices=["below", "within", "above"], help_text="Against the p25–p75 band.")


class TotalContextSerializer(PercentilesSerializer):
    sample_size = serializers.IntegerField()
    posting_total_annual_usd = serializers.DecimalField(**MONEY)
    posting_percentile = serializers.DecimalField(max_digits=4, decimal_places=1)


class PeerContextSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["ok", "insufficient_data"])
    segment = SegmentSerializer()
    market_usd = PercentilesSerializer(required=False)
    sample_size = serializers.IntegerField(required=False)
    company_count = serializers.IntegerField(required=False)
    confidence = serializers.CharField(required=False)
    as_of = serializers.DateTimeField(required=False, allow_null=True, help_text="Null: no range computed yet.")
    position = PositionSerializer(required=False, allow_null=True, help_text="Null when the posting gives no pay.")
    provenance = RangeProvenanceSerializer(required=False)


class PeersSerializer(serializers.Serializer):
    size_band = PeerContextSerializer(required=False, help_text="Companies of the poster's size band.")
    sector = PeerContextSerializer(required=False, help_text="Companies of the poster's sector.")


class SalaryContextSerializer(PeerContextSerializer):
    """Where a posting's pay sits in the first published range of its country, region or the world."""

    message = serializers.CharField(required=False)
    withheld_reason = serializers.CharField(required=False)
    compared = serializers.ChoiceField(
        choices=["employer_pay", "estimate", "nothing"],
        help_text="What is placed on the market: the employer's pay, an estimate (shown as one), or nothing (no pay "
        "given: the market alone)",
    )
    market = PercentilesInCurrencySerializer(required=False, allow_null=True, help_text="In the posting's currency.")
    market_requested = PercentilesInCurrencySerializer(required=False, help_text="With ?currency=.")
    total_compensation = TotalContextSerializer(required=False, allow_null=True)
    peers = PeersSerializer(required=False)


class HistoryDaySerializer(serializers.Serializer):
    day = serializers.DateField()
    base_pay = PercentilesSerializer()
    sample_size = serializers.IntegerField()
    company_count = serializers.IntegerField()
    total_compensation = PercentilesSerializer(allow_null=True)
    confidence = serializers.CharField()
    provenance = RangeProvenanceSerializer()


class HistorySerializer(serializers.Serializer):
    key = serializers.CharField()
    history = HistoryDaySerializer(many=True)


class ClaimSideSerializer(serializers.Serializer):
    published = serializers.BooleanField()
    withheld_reason = serializers.CharField(allow_null=True)
    median_usd = serializers.DecimalField(**MONEY, allow_null=True, help_text="The released range's p50.")
    sample_size = serializers.IntegerField(allow_null=True)


class ClaimCellSerializer(serializers.Serializer):
    level = serializers.ChoiceField(choices=Level.choices)
    country = serializers.CharField()
    startup = ClaimSideSerializer()
    large = ClaimSideSerializer()
    discount_pct = serializers.DecimalField(max_digits=6, decimal_places=1, allow_null=True)
    counted = serializers.BooleanField()


class ObservedDiscountSerializer(serializers.Serializer):
    role_family = serializers.CharField()
    country = serializers.CharField(allow_null=True)
    discount_pct = serializers.DecimalField(max_digits=6, decimal_places=1, allow_null=True)
    sample_size = serializers.IntegerField()
    cells = ClaimCellSerializer(many=True)
    definition = serializers.CharField()


class ClaimSourceSerializer(serializers.Serializer):
    slug = serializers.CharField()
    title = serializers.CharField()


class ClaimProvenanceSerializer(serializers.Serializer):
    kind = serializers.CharField()
    source = serializers.CharField()
    sample_size = serializers.IntegerField()
    as_of = serializers.DateTimeField(allow_null=True)


class ClaimSerializer(serializers.Serializer):
    claim = serializers.CharField()
    metric = serializers.CharField()
    claimed_low = serializers.DecimalField(max_digits=6, decimal_places=1)
    claimed_high = serializers.DecimalField(max_digits=6, decimal_places=1)
    source = ClaimSourceSerializer()
    observed = ObservedDiscountSerializer()
    verdict = serializers.ChoiceField(
        choices=["consistent", "smaller_than_claimed", "larger_than_claimed", "not_enough_data"]
    )
    provenance = ClaimProvenanceSerializer()


class ReportRequestSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ReportKind.choices)
    parameters = serializers.DictField(
        default=dict,
        help_text=(
            "market_overview, level_ladder: `role` (required), `place` (`world`, a region, a country code or "
            "`US.seattle`; default world), `window` (12m or all; default 12m). startup_vs_bigtech: the same "
            "(window default all), and `equity_pct` (default 0.5) and `valuation_usd` (default 50,000,000) for "
            "the equity scenarios. company_comparison: `companies` (2–5 slugs), `role` (optional). "
            "employer_postings: `company` (a slug; members only), `role` (optional)."
        ),
    )


class ReportSectionSerializer(serializers.Serializer):
    id = serializers.CharField()
    title = serializers.CharField()
    chart = serializers.CharField(allow_null=True, help_text="The name of the section's chart in the page.")
    rows = serializers.ListField(child=serializers.DictField(), help_text="The numbers behind the chart.")
    provenance = serializers.DictField(help_text="Kind, sources, sample sizes and as-of time of the figures.")


class ReportResultSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ReportKind.choices)
    parameters = serializers.DictField()
    as_of = serializers.DateTimeField(allow_null=True, help_text="The newest input's as-of time.")
    generated_at = serializers.DateTimeField()
    title = serializers.CharField()
    summary = serializers.CharField()
    sections = ReportSectionSerializer(many=True)
    overall_cash_gap_pct = serializers.FloatField(required=False, allow_null=True)
    overall_sample_size = serializers.IntegerField(required=False)
    assumptions = serializers.DictField(required=False)


class ReportLinksSerializer(serializers.Serializer):
    api = serializers.CharField()
    html = serializers.CharField()
    csv = serializers.CharField()


class ReportSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=ReportKind.choices)
    parameters = serializers.DictField()
    status = serializers.ChoiceField(choices=ReportStatus.choices)
    progress = serializers.IntegerField(help_text="Per cent done.")
    error = serializers.CharField(allow_null=True)
    is_public = serializers.BooleanField()
    created_at = serializers.DateTimeField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    data_as_of = serializers.DateTimeField(allow_null=True, help_text="The newest input's as-of time.")
    reused = serializers.BooleanField(
        required=False, help_text="On a request: true when an existing report of unchanged inputs answered it."
    )
    links = ReportLinksSerializer()
    result = ReportResultSerializer(allow_null=True, required=False, help_text="Detail only, once done.")


class OfferSerializer(serializers.Serializer):
    """An offer to evaluate. Amounts are in `currency`; bonus, equity and sign-on are optional."""

    role = serializers.ChoiceField(choices=RoleFamily.choices, required=False)
    level = serializers.ChoiceField(choices=Level.choices, required=False)
    title = serializers.CharField(required=False, max_length=200, help_text="Read for role and level when absent.")
    country = CountryField()
    city = serializers.CharField(required=False, max_length=100, default="")
    company_size = serializers.ChoiceField(choices=SizeBand.choices, required=False, default="")
    company = serializers.SlugField(required=False, help_text="A company on the board: its size band is used.")
    base_amount = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=1)
    currency = CurrencyField(default="USD")
    period = serializers.ChoiceField(choices=PayPeriod.choices, default=PayPeriod.YEAR)
    bonus_pct = serializers.DecimalField(max_digits=5, decimal_places=2, min_value=0, max_value=200, required=False)
    bonus_amount = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0, required=False)
    equity_pct = serializers.DecimalField(max_digits=6, decimal_places=3, min_value=0, max_value=100, required=False,
                                          help_text="A startup grant as a percentage of the company.")  # fmt: skip
    company_valuation = serializers.DecimalField(max_digits=16, decimal_places=2, min_value=1, required=False,
                                                 help_text="Prices `equity_pct`; without it the grant is shown "
                                                           "as a percentage only.")  # fmt: skip
    rsu_amount = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0, required=False,
                                          help_text="Stock granted over the vesting period (RSUs).")  # fmt: skip
    vesting_years = serializers.IntegerField(min_value=1, max_value=10, required=False)
    sign_on = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0, required=False)

    def validate(self, data):
        if "bonus_pct" in data and "bonus_amount" in data:
            raise serializers.ValidationError({"bonus_amount": ["Give a bonus as a percentage or an amount."]})
        if not data.get("role") and not data.get("title"):
            raise serializers.ValidationError({"role": ["Give a role, or a title to read it from."]}, code="required")
        return data


class OfferPositionSerializer(serializers.Serializer):
    segment = serializers.CharField()
    annual_usd = serializers.DecimalField(**MONEY)
    percentile = serializers.DecimalField(max_digits=4, decimal_places=1)
    percentile_clamped = serializers.BooleanField()
    label = serializers.ChoiceField(choices=["below", "within", "above"])
    market_usd = PercentilesSerializer()
    market = PercentilesSerializer(help_text="The same figures in the offer's currency.")
    verdict = serializers.CharField()
    provenance = serializers.DictField()


class OfferEvaluationSerializer(serializers.Serializer):
    role_family = serializers.CharField()
    level = serializers.CharField()
    title_read = serializers.DictField(allow_null=True)
    offer = serializers.DictField(help_text="The offer normalised: yearly amounts in its currency and in USD.")
    segments_tried = serializers.ListField(child=serializers.DictField())
    base_pay = OfferPositionSerializer(allow_null=True)
    total_compensation = OfferPositionSerializer(allow_null=True)
    counter_offer = serializers.DictField(allow_null=True)
    counter_offer_note = serializers.CharField()
    benchmarks = serializers.ListField(child=serializers.DictField())
    stored = serializers.BooleanField(help_text="Always false: offers are never stored.")
