from django.db import models

from salaries.taxonomy import Level, RoleFamily, Sector, SizeBand


class MarketRange(models.Model):
    """Pay percentiles of one segment, in annual USD, from visible postings and survey observations.

    `pay_min`/`pay_max` are kept for internal position estimates only: a single company's
    figure can sit at either end, so they are never shown through the API.
    """

    key = models.CharField(max_length=200, unique=True)
    role_family = models.CharField(max_length=30, choices=RoleFamily.choices)
    level = models.CharField(max_length=20, choices=Level.choices)
    scope = models.CharField(
        max_length=10, default="world", choices=[("city", "City"), ("country", "Country"), ("region", "Region"),
                                                 ("world", "Worldwide")], help_text="city, country, region or world",
    )  # fmt: skip
    place = models.CharField(max_length=120, blank=True, help_text="US.seattle, US, europe, or empty for world")
    size_band = models.CharField(max_length=20, blank=True, choices=SizeBand.choices,
                                 help_text="Empty: companies of any size.")  # fmt: skip
    sector = models.CharField(max_length=20, blank=True, choices=Sector.choices,
                              help_text="Empty: companies of any sector.")  # fmt: skip
    remote = models.BooleanField(default=False, help_text="Remote postings only.")
    window = models.CharField(max_length=5, default="12m", choices=[("12m", "Last 12 months"), ("all", "All time")],
                              help_text="12m (the last 12 months) or all (all time)")  # fmt: skip

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
    cell_key = models.BigIntegerField(
        default=0, help_text="Sum of the points' disclosure keys modulo 2³¹ (insights.disclosure). Never shown."
    )
    total_cell_key = models.BigIntegerField(default=0, help_text="The same over the total-compensation points.")
    computed_at = models.DateTimeField(help_text="As-of time: the data visible at this moment went in.")

    # The public release, decided with the figures above by insights.disclosure and stored beside them: what any
    # public endpoint shows of this range is read from here, never worked out from the exact figures.
    published = models.BooleanField(default=False, help_text="The public sees this range's figures (in `release`).")
    withheld_reason = models.CharField(max_length=200, blank=True)
    total_published = models.BooleanField(default=False)
    total_withheld_reason = models.CharField(max_length=200, blank=True)
    release = models.JSONField(
        default=dict,
        blank=True,
        help_text="The public figures: perturbed counts and percentiles (insights.disclosure).",
    )
    release_version = models.PositiveSmallIntegerField(default=0, help_text="insights.disclosure.RULE_VERSION used.")

    class Meta:
        ordering = ["role_family", "level", "scope", "place"]
        indexes = [
            models.Index(fields=["role_family", "level", "scope", "place"], name="market_range_segment"),
            # The newest as-of time is part of every list response's validator (config.conditional).
            models.Index(fields=["computed_at"], name="market_range_computed"),
            # The admin's list opens on the largest ranges.
            models.Index(fields=["-sample_size", "key"], name="market_range_largest"),
        ]

    def __str__(self):
        return self.key


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
    shard = models.PositiveSmallIntegerField(
        default=0, help_text="The recompute queue this segment's partition is drained from (insights.services.dirty)."
    )

    class Meta:
        indexes = [models.Index(fields=["shard", "marked_at", "key"], name="dirty_shard_oldest")]

    def __str__(self):
        return f"{self.key} v{self.version}"


class MarketRangeSnapshot(models.Model):
    """A published range's public release as it stood on one day, kept so trends can be shown.

    Only the release is kept, never the exact figures: history is as public as today's figures, and a day's
    release is the one the public saw that day (the same cell-key noise), so history less today tells no more
    than two releases do."""

    key = models.CharField(max_length=200)
    day = models.DateField()
    release = models.JSONField(help_text="The range's public figures that day (insights.disclosure).")
    computed_at = models.DateTimeField()

    class Meta:
        ordering = ["key", "day"]
        constraints = [models.UniqueConstraint(fields=["key", "day"], name="snapshot_one_per_day")]

    def __str__(self):
        return f"{self.key} on {self.day}"


class ReportKind(models.TextChoices):
    MARKET_OVERVIEW = "market_overview", "Market overview for a role and place"
    LEVEL_LADDER = "level_ladder", "Level ladder for a role family"
    STARTUP_VS_BIGTECH = "startup_vs_bigtech", "Startups against large companies"
    SKILL_PREMIUMS = "skill_premiums", "Skill premiums for a role and level"
    COMPANY_COMPARISON = "company_comparison", "Companies compared"
    EMPLOYER_POSTINGS = "employer_postings", "An employer's postings against the market"


class ReportStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class InsightReport(models.Model):
    """A report built from the stored market-range releases (insights.reports), generated by a task on the
    `reports` queue and kept: its result JSON, its charts as SVG, and what its inputs were when it was built.

    `inputs_fingerprint` names the state of everything the report read (insights.reports.kinds.fingerprint):
    a request for the same kind and parameters while it is unchanged is answered with this report."""

    kind = models.CharField(max_length=30, choices=ReportKind.choices)
    parameters = models.JSONField(default=dict, help_text="Normalised parameters (insights.reports.kinds).")
    parameters_key = models.CharField(max_length=64, help_text="Digest of the kind and normalised parameters.")
    owner = models.ForeignKey(
        "auth.User", null=True, blank=True, on_delete=models.CASCADE, related_name="insight_reports",
        help_text="Who asked for it. Empty for the public reports beat produces.",
    )  # fmt: skip
    company = models.ForeignKey(
        "jobs.Company", null=True, blank=True, on_delete=models.CASCADE, related_name="insight_reports",
        help_text="For an employer's report on its own postings: the company it is about.",
    )  # fmt: skip
    is_public = models.BooleanField(default=False, help_text="Anyone may read it (the weekly market overviews).")

    status = models.CharField(max_length=10, choices=ReportStatus.choices, default=ReportStatus.PENDING)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Per cent done.")
    error = models.TextField(blank=True)
    claim = models.CharField(max_length=32, blank=True, help_text="The generating run that holds the report.")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    data_as_of = models.DateTimeField(null=True, blank=True, help_text="The newest input's as-of time.")
    inputs_fingerprint = models.CharField(max_length=64, blank=True)
    result = models.JSONField(null=True, blank=True)
    charts = models.JSONField(default=dict, blank=True, help_text="Chart name → SVG, drawn when generated.")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["parameters_key", "inputs_fingerprint"], name="report_reuse"),
            models.Index(fields=["owner", "-created_at", "-id"], name="report_owner_recent"),
            models.Index(fields=["is_public", "-created_at", "-id"], name="report_public_recent"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(progress__lte=100), name="report_progress_at_most_100"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.pk} ({self.status})"


class SkillPremium(models.Model):
    """Pay with and without one skill, within one role family, level and country, over all time: two
    disjoint samples (visible postings that name the skill, and the rest; survey records by their title), each
    released by the disclosure rule (insights.disclosure) and stored, with the premium worked out from the
    releases. Recomputed by insights.services.skill_premiums."""

    role_family = models.CharField(max_length=30, choices=RoleFamily.choices)
    level = models.CharField(max_length=20, choices=Level.choices)
    skill = models.CharField(max_length=40, help_text="A slug of salaries.skills.")
    country = models.CharField(max_length=2, default="", help_text="Like for like: pay differs more by country.")
    with_published = models.BooleanField(default=False)
    with_withheld_reason = models.CharField(max_length=200, blank=True)
    with_release = models.JSONField(default=dict, blank=True)
    without_published = models.BooleanField(default=False)
    without_withheld_reason = models.CharField(max_length=200, blank=True)
    without_release = models.JSONField(default=dict, blank=True)
    premium_pct = models.DecimalField(max_digits=7, decimal_places=1, null=True, blank=True,
                                      help_text="Released median with the skill over without, less one, in %.")  # fmt: skip
    within_noise = models.BooleanField(null=True, help_text="The two medians' uncertainty intervals overlap.")
    computed_at = models.DateTimeField()

    class Meta:
        ordering = ["role_family", "level", "skill"]
        constraints = [
            models.UniqueConstraint(fields=["role_family", "level", "skill", "country"], name="skill_premium_unique")
        ]

    def __str__(self):
        return f"{self.role_family}:{self.level}:{self.country}:{self.skill}"
