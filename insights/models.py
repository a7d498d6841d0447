from django.conf import settings
from django.db import models

from salaries.taxonomy import Level, RoleFamily


class MarketRange(models.Model):
    """Pay percentiles of one segment, in annual USD, from visible postings and survey observations.

    `pay_min`/`pay_max` are kept for internal position estimates only: a single company's
    figure can sit at either end, so they are never shown through the API.
    """

    key = models.CharField(max_length=200, unique=True)
    role_family = models.CharField(max_length=30, choices=RoleFamily.choices)
    level = models.CharField(max_length=20, choices=Level.choices)
    scope = models.CharField(max_length=10, default="world", help_text="city, country, region or world")
    place = models.CharField(max_length=120, blank=True, help_text="US.seattle, US, europe, or empty for world")
    size_band = models.CharField(max_length=20, blank=True, help_text="Empty: companies of any size.")
    sector = models.CharField(max_length=20, blank=True, help_text="Empty: companies of any sector.")
    remote = models.BooleanField(default=False, help_text="Remote postings only.")
    window = models.CharField(max_length=5, default="12m", help_text="12m (the last 12 months) or all (all time)")

    sample_size = models.PositiveIntegerField(default=0)
    posting_count = models.PositiveIntegerField(default=0)
    recent_count = models.PositiveIntegerField(
        default=0, help_text="Data points from the last 12 months (visible postings, survey records of recent years)."
    )
    observation_count = models.PositiveIntegerField(default=0)
    company_count = models.PositiveIntegerField(
        default=0, help_text="Distinct contributors: companies for postings; each survey respondent counts as one."
    )
    top_company_share = models.DecimalField(
        max_digits=5, decimal_places=4, default=0, help_text="Share of the data points from the largest contributor."
    )
    p10 = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    p25 = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    p50 = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    p75 = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    p90 = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    mean = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    total_sample_size = models.PositiveIntegerField(
        default=0, help_text="Data points with a known total compensation (postings; surveys report base only)."
    )
    total_company_count = models.PositiveIntegerField(
        default=0, help_text="Distinct companies behind the total-compensation data points."
    )
    total_top_company_share = models.DecimalField(
        max_digits=5,
        decimal_places=4,
        default=0,
        help_text="Share of the total-compensation points from the largest company.",
    )
    total_p10 = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    total_p25 = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    total_p50 = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    total_p75 = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    total_p90 = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    total_mean = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    pay_min = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    pay_max = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    computed_at = models.DateTimeField(help_text="As-of time: the data visible at this moment went in.")

    class Meta:
        ordering = ["role_family", "level", "scope", "place"]
        indexes = [
            models.Index(fields=["role_family", "level", "scope", "place"], name="market_range_segment"),
        ]

    def __str__(self):
        return self.key

    @property
    def publishability_problem(self) -> str | None:
        """Why the public may not see this range's numbers, or None when they may."""
        if self.sample_size < settings.MARKET_MIN_SAMPLE_SIZE:
            return f"fewer than {settings.MARKET_MIN_SAMPLE_SIZE} data points"
        if self.company_count < settings.MARKET_MIN_COMPANIES:
            return f"fewer than {settings.MARKET_MIN_COMPANIES} distinct companies"
        if self.top_company_share > 0.5:
            return "one company supplies more than half of the data points"
        return None

    @property
    def is_publishable(self) -> bool:
        return self.publishability_problem is None

    @property
    def total_publishability_problem(self) -> str | None:
        """The same rule for the total-compensation figures, which rest on a sample of their own (postings only):
        a range whose base pay is publishable thanks to survey records can have totals from one company."""
        if self.total_sample_size < settings.MARKET_MIN_SAMPLE_SIZE:
            return f"fewer than {settings.MARKET_MIN_SAMPLE_SIZE} data points with total compensation"
        if self.total_company_count < settings.MARKET_MIN_COMPANIES:
            return f"fewer than {settings.MARKET_MIN_COMPANIES} distinct companies with total compensation"
        if self.total_top_company_share > 0.5:
            return "one company supplies more than half of the total-compensation data points"
        return None


class DirtySegment(models.Model):
    """A segment whose market range must be recomputed: the durable record of pending work.

    Marked in the same transaction as the posting change that caused it, so a lost task
    message cannot lose the work. `version` grows with every mark; a recompute deletes the
    row only if the version is still the one it read (compare-and-clear), so a change that
    lands during a recompute keeps its mark.
    """

    key = models.CharField(max_length=200, primary_key=True)
    version = models.BigIntegerField(default=1)
    marked_at = models.DateTimeField(help_text="When the oldest change still waiting was marked.")

    def __str__(self):
        return f"{self.key} v{self.version}"


class MarketRangeSnapshot(models.Model):
    """A publishable range as it stood on one day, kept so trends can be shown."""

    key = models.CharField(max_length=200)
    day = models.DateField()
    sample_size = models.PositiveIntegerField()
    company_count = models.PositiveIntegerField()
    recent_count = models.PositiveIntegerField(default=0)
    p10 = models.DecimalField(max_digits=14, decimal_places=2)
    p25 = models.DecimalField(max_digits=14, decimal_places=2)
    p50 = models.DecimalField(max_digits=14, decimal_places=2)
    p75 = models.DecimalField(max_digits=14, decimal_places=2)
    p90 = models.DecimalField(max_digits=14, decimal_places=2)
    mean = models.DecimalField(max_digits=14, decimal_places=2)
    total_p50 = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    computed_at = models.DateTimeField()

    class Meta:
        ordering = ["key", "day"]
        constraints = [models.UniqueConstraint(fields=["key", "day"], name="snapshot_one_per_day")]

    def __str__(self):
        return f"{self.key} on {self.day}"
