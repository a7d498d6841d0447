from django.db import models

from insights.disclosure import new_record_key
from salaries.taxonomy import Level


class ExchangeRate(models.Model):
    """How many US dollars one unit of `currency` was worth on `date`."""

    currency = models.CharField(max_length=3)
    date = models.DateField()
    rate_to_usd = models.DecimalField(max_digits=20, decimal_places=10)
    source = models.CharField(max_length=200)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["currency", "date"], name="exchange_rate_unique_per_day"),
            models.CheckConstraint(condition=models.Q(rate_to_usd__gt=0), name="exchange_rate_positive"),
        ]
        indexes = [
            models.Index(fields=["currency", "-date"], name="exchange_rate_latest"),
            models.Index(fields=["updated_at"], name="exchange_rate_updated"),
        ]
        ordering = ["currency", "-date"]

    def __str__(self):
        return f"1 {self.currency} = {self.rate_to_usd} USD on {self.date}"


class SourceKind(models.TextChoices):
    CURATED_ARTICLE = "curated_article", "Curated article"
    GOVERNMENT_SURVEY = "government_survey", "Government survey"
    SALARY_SURVEY = "salary_survey", "Salary survey (individual records)"
    SELF_REPORTED = "self_reported", "Self-reported by employees on this board"


class BenchmarkSource(models.Model):
    """Who published pay data we show or use: an article, a government survey, a salary survey."""

    slug = models.SlugField(max_length=100, unique=True)
    publisher = models.CharField(max_length=200)
    title = models.CharField(max_length=300)
    kind = models.CharField(max_length=30, choices=SourceKind.choices)
    url = models.URLField(blank=True)
    citation = models.TextField(blank=True)
    licence = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["slug"]

    def __str__(self):
        return self.title


class BenchmarkRelease(models.Model):
    """One version of a source's data. A new release is added beside the old ones, never over them."""

    source = models.ForeignKey(BenchmarkSource, on_delete=models.CASCADE, related_name="releases")
    version = models.CharField(max_length=50)
    published_on = models.DateField(null=True, blank=True)
    imported_at = models.DateTimeField(auto_now=True)
    file_name = models.CharField(max_length=300, blank=True)
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["source__slug", "-published_on", "-version"]
        constraints = [models.UniqueConstraint(fields=["source", "version"], name="release_unique_version")]

    def __str__(self):
        return f"{self.source.slug} {self.version}"


class Measure(models.TextChoices):
    BASE = "base", "Base pay"
    TOTAL = "total_compensation", "Total compensation"


MONEY = {"max_digits": 14, "decimal_places": 2, "null": True, "blank": True}


class SalaryBenchmark(models.Model):
    """A published pay figure or range, exactly as its source gives it, plus an annual-USD midpoint.

    `key` identifies the figure within its source across releases (an OEWS area and occupation,
    an article's table row), so two releases can be compared figure by figure.
    """

    release = models.ForeignKey(BenchmarkRelease, on_delete=models.CASCADE, related_name="benchmarks")
    key = models.CharField(max_length=200)
    label = models.CharField(max_length=300, blank=True, help_text="The figure's own wording, e.g. a table row.")
    role_family = models.CharField(max_length=30, blank=True)
    occupation = models.CharField(max_length=200, blank=True, help_text="The source's occupation or job title.")
    level = models.CharField(max_length=20, blank=True, help_text="Empty: all levels.")
    country = models.CharField(max_length=2, blank=True)
    region = models.CharField(max_length=100, blank=True, help_text="A region or state, e.g. Europe or CA.")
    area = models.CharField(max_length=200, blank=True, help_text="A metro area, e.g. an OEWS MSA.")
    company_size = models.CharField(max_length=20, blank=True)
    company_name = models.CharField(max_length=200, blank=True)
    industry = models.CharField(max_length=200, blank=True)
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    measure = models.CharField(max_length=30, choices=Measure.choices, default=Measure.BASE)

    currency = models.CharField(max_length=3)
    period = models.CharField(max_length=5, default="YEAR")
    p10 = models.DecimalField(**MONEY)
    p25 = models.DecimalField(**MONEY)
    p50 = models.DecimalField(**MONEY)
    p75 = models.DecimalField(**MONEY)
    p90 = models.DecimalField(**MONEY)
    mean = models.DecimalField(**MONEY)
    pay_min = models.DecimalField(**MONEY)
    pay_max = models.DecimalField(**MONEY)
    open_ended_max = models.BooleanField(default=False, help_text="The source says 'and more' after its maximum.")
    equity_pct_min = models.DecimalField(max_digits=6, decimal_places=3, null=True, blank=True)
    equity_pct_max = models.DecimalField(max_digits=6, decimal_places=3, null=True, blank=True)
    employment = models.PositiveIntegerField(null=True, blank=True, help_text="Jobs the figure covers, if given.")
    notes = models.TextField(blank=True)

    central_annual_usd = models.DecimalField(
        **MONEY, help_text="Median, else mean, else range midpoint, in annual USD: what checks compare."
    )
    fx_rate_to_usd = models.DecimalField(max_digits=20, decimal_places=10, null=True, blank=True)
    fx_rate_date = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["release", "key"]
        constraints = [models.UniqueConstraint(fields=["release", "key"], name="benchmark_unique_key")]
        indexes = [models.Index(fields=["role_family", "level", "country"], name="benchmark_segment")]

    def __str__(self):
        return f"{self.release}: {self.label or self.key}"


class BenchmarkFlag(models.Model):
    """A contradiction found in a source's figures: shown, never hidden or silently fixed."""

    class Code(models.TextChoices):
        RANGE_INVERTED = "range_inverted", "Maximum below minimum"
        LEVEL_ORDER = "level_order", "A higher level below a lower level's figures"
        FAR_FROM_MARKET = "far_from_market", "More than 3× away from the market median"

    release = models.ForeignKey(BenchmarkRelease, on_delete=models.CASCADE, related_name="flags")
    benchmark = models.ForeignKey(SalaryBenchmark, on_delete=models.CASCADE, related_name="flags")

    class Review(models.TextChoices):
        OPEN = "open", "Open"
        ACCEPTED = "accepted", "Accepted: the figure stands as published"
        DISMISSED = "dismissed", "Dismissed: not a real contradiction"

    code = models.CharField(max_length=30, choices=Code.choices)
    message = models.TextField()
    detected_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=10, choices=Review.choices, default=Review.OPEN)
    review_note = models.TextField(blank=True)
    reviewed_by = models.ForeignKey("auth.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["release", "code", "benchmark"]
        indexes = [models.Index(fields=["status", "detected_at"], name="benchmark_flag_status")]

    def __str__(self):
        return f"{self.code}: {self.message}"


class ExperienceLevel(models.TextChoices):
    ENTRY = "EN", "Entry"
    MID = "MI", "Mid"
    SENIOR = "SE", "Senior"
    EXECUTIVE = "EX", "Executive"


class SalaryObservationQuerySet(models.QuerySet):
    def in_segment(self, segment, *, today):
        """Survey records inside a market segment (insights.segments) as of `today`."""
        from insights.segments import CITY, first_work_year_in, place_filter

        if segment.scope == CITY or segment.sector:
            return self.none()  # surveys give no city and no industry
        records = self.filter(role_family=segment.role_family, level=segment.level, **place_filter(segment))
        if segment.size_band:
            records = records.filter(company_size=segment.size_band)
        if segment.remote:
            records = records.filter(remote_ratio=100)
        first_year = first_work_year_in(segment.window, today)
        if first_year is not None:
            records = records.filter(work_year__gte=first_year)
        return records


class SalaryObservation(models.Model):
    """One person's reported salary from an imported survey. Feeds market ranges beside postings."""

    release = models.ForeignKey(BenchmarkRelease, on_delete=models.PROTECT, related_name="observations")
    source = models.ForeignKey(BenchmarkSource, on_delete=models.PROTECT, related_name="observations")
    external_key = models.CharField(
        max_length=64, help_text="Stable within the source: re-imports update, never duplicate."
    )
    work_year = models.PositiveSmallIntegerField()
    job_title = models.CharField(max_length=200)
    role_family = models.CharField(max_length=30)
    level = models.CharField(max_length=20)
    experience_level = models.CharField(max_length=2, choices=ExperienceLevel.choices)
    employment_type = models.CharField(max_length=2)
    country = models.CharField(max_length=2, help_text="The employer's country.")
    employee_residence = models.CharField(max_length=2, blank=True)
    remote_ratio = models.PositiveSmallIntegerField()
    company_size = models.CharField(max_length=20)
    salary = models.DecimalField(max_digits=14, decimal_places=2)
    salary_currency = models.CharField(max_length=3)
    salary_usd = models.DecimalField(max_digits=14, decimal_places=2, help_text="Our conversion, annual USD.")
    publisher_salary_usd = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    fx_rate_to_usd = models.DecimalField(max_digits=20, decimal_places=10)
    fx_rate_date = models.DateField(null=True, blank=True)
    disclosure_key = models.IntegerField(
        default=new_record_key,
        editable=False,
        help_text="Random and secret: market ranges' public noise is drawn from their points' keys (insights.disclosure).",
    )
    updated_at = models.DateTimeField(auto_now=True, help_text="Last imported or re-imported with new values.")

    objects = SalaryObservationQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "external_key"], name="observation_unique_key"),
            models.CheckConstraint(condition=models.Q(salary__gt=0), name="observation_salary_positive"),
        ]
        indexes = [
            models.Index(fields=["role_family", "level", "country"], name="observation_segment"),
            # The drain's point cache reads the records saved since its last batch (insights.services.point_cache).
            models.Index(fields=["updated_at"], name="observation_updated"),
        ]

    def __str__(self):
        return f"{self.job_title} {self.work_year} {self.country}"


class LadderLevel(models.Model):
    """One rung of a company's own ladder (Google L5, Meta E5 …) and the canonical level it matches."""

    ladder = models.CharField(max_length=100, help_text="Whose ladder: a company name.")
    code = models.CharField(max_length=30)
    level = models.CharField(max_length=20, choices=Level.choices)
    title = models.CharField(max_length=100, blank=True)
    position = models.PositiveSmallIntegerField(default=0, help_text="Order on its ladder, lowest first.")

    class Meta:
        ordering = ["ladder", "position"]
        constraints = [models.UniqueConstraint(fields=["ladder", "code"], name="ladder_level_unique")]

    def __str__(self):
        return f"{self.ladder} {self.code} → {self.level}"


class SourceClaim(models.Model):
    """A claim a source makes about pay that can be checked against data, e.g. "startup cash is 30–40% lower"."""

    class Metric(models.TextChoices):
        STARTUP_CASH_DISCOUNT = "startup_cash_discount_pct", "Startup cash pay below large companies, %"

    release = models.ForeignKey(BenchmarkRelease, on_delete=models.CASCADE, related_name="claims")
    key = models.CharField(max_length=200)
    metric = models.CharField(max_length=50, choices=Metric.choices)
    low = models.DecimalField(max_digits=8, decimal_places=2)
    high = models.DecimalField(max_digits=8, decimal_places=2)
    role_family = models.CharField(max_length=30, blank=True)
    text = models.TextField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["release", "key"], name="claim_unique_key")]

    def __str__(self):
        return self.text


class ObservationDeletion(models.Model):
    """A deleted survey record's id: the drain's point cache drops it on its next batch (deletions leave no
    `updated_at` to notice; insights.services.point_cache)."""

    observation_id = models.BigIntegerField()
    deleted_at = models.DateTimeField(db_index=True)

    def __str__(self):
        return f"record {self.observation_id} deleted {self.deleted_at:%Y-%m-%d %H:%M}"


class SubmissionStatus(models.TextChoices):
    ACCEPTED = "accepted", "Accepted: counts in the market"
    PENDING_REVIEW = "pending_review", "Held for review: far from the market"
    REJECTED = "rejected", "Rejected"


class SalarySubmission(models.Model):
    """One employee's own pay, shared with the board: a private record. Nobody but the submitter and admins sees
    it; once accepted it counts in market ranges only as a data point (a SalaryObservation of the self-reported
    source, under the disclosure rule like any other). Deleting it deletes that point."""

    user = models.ForeignKey("auth.User", on_delete=models.CASCADE, related_name="salary_submissions")
    company = models.ForeignKey("jobs.Company", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    company_name = models.CharField(max_length=200, help_text="As given, or the board company's name.")
    company_key = models.CharField(max_length=200, help_text="Slug of the company: one submission a year each.")
    company_size = models.CharField(max_length=20, blank=True)
    title = models.CharField(max_length=200, blank=True)
    role_family = models.CharField(max_length=30)
    level = models.CharField(max_length=20)
    country = models.CharField(max_length=2)
    remote = models.BooleanField(default=False)
    years_of_experience = models.PositiveSmallIntegerField(null=True, blank=True)
    work_year = models.PositiveSmallIntegerField()
    base_amount = models.DecimalField(max_digits=14, decimal_places=2)
    currency = models.CharField(max_length=3)
    period = models.CharField(max_length=5, default="YEAR")
    bonus = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True, help_text="Per year.")
    equity_per_year = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    sign_on = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    base_annual_usd = models.DecimalField(max_digits=14, decimal_places=2)
    total_annual_usd = models.DecimalField(max_digits=14, decimal_places=2)
    status = models.CharField(max_length=20, choices=SubmissionStatus.choices)
    review_note = models.CharField(max_length=300, blank=True)
    observation = models.OneToOneField(SalaryObservation, null=True, blank=True, on_delete=models.SET_NULL,
                                       related_name="submission")  # fmt: skip
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "company_key", "work_year"], name="submission_one_per_year"),
        ]

    def __str__(self):
        return f"{self.user} at {self.company_name} ({self.work_year})"


def _uploads():
    from django.conf import settings
    from django.core.files.storage import FileSystemStorage

    return FileSystemStorage(location=settings.VAR_DIR / "uploads")


class ImportKind(models.TextChoices):
    SURVEY_AIJOBS = "survey_aijobs", "Salary survey: ai-jobs.net CSV (observations)"
    BENCHMARK_OEWS = "benchmark_oews", "Benchmark: BLS OEWS CSV"
    EXCHANGE_RATES_ECB = "exchange_rates_ecb", "Exchange rates: ECB reference rates (CSV or zip)"


class ImportStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class ImportJob(models.Model):
    """A file uploaded in the admin and imported by a task on the `imports` queue (salaries.services.imports),
    with its progress while it runs and its summary and rejected rows when it ends."""

    kind = models.CharField(max_length=30, choices=ImportKind.choices)
    file = models.FileField(upload_to="imports/%Y/%m/", storage=_uploads, max_length=300)
    release = models.CharField(max_length=50, blank=True, help_text="The source's version (default: the file name).")
    published_on = models.DateField(null=True, blank=True)
    year = models.PositiveSmallIntegerField(null=True, blank=True, help_text="OEWS only: the survey's year.")
    status = models.CharField(max_length=10, choices=ImportStatus.choices, default=ImportStatus.QUEUED)
    claim = models.CharField(max_length=32, blank=True, help_text="The run that holds the job.")
    rows_total = models.PositiveIntegerField(default=0, help_text="Physical lines in the file, less the header.")
    rows_read = models.PositiveIntegerField(default=0)
    summary = models.JSONField(default=dict, blank=True)
    report_path = models.CharField(max_length=300, blank=True, help_text="The rejected rows (CSV).")
    error = models.TextField(blank=True)
    created_by = models.ForeignKey("auth.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.file.name.rsplit('/', 1)[-1]}"

    @property
    def progress(self) -> int:
        if self.status == ImportStatus.DONE:
            return 100
        return min(99, round(100 * self.rows_read / self.rows_total)) if self.rows_total else 0
