from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Q
from django.utils import timezone

from insights.disclosure import new_record_key
from salaries.money import PayPeriod
from salaries.taxonomy import Level, RoleFamily, Sector, SizeBand


class FundingStage(models.TextChoices):
    BOOTSTRAPPED = "bootstrapped", "Bootstrapped"
    PRE_SEED = "pre_seed", "Pre-seed"
    SEED = "seed", "Seed"
    SERIES_A = "series_a", "Series A"
    SERIES_B = "series_b", "Series B"
    SERIES_C_PLUS = "series_c_plus", "Series C or later"


class Company(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    size_band = models.CharField(max_length=20, choices=SizeBand.choices)
    funding_stage = models.CharField(max_length=20, choices=FundingStage.choices, blank=True)
    industry = models.CharField(max_length=100, blank=True, help_text="In the company's own words, e.g. Fintech.")
    sector = models.CharField(
        max_length=20,
        choices=Sector.choices,
        blank=True,
        help_text="The market sector its ranges are cut by. Left empty, it is read from the industry on save.",
    )
    headquarters_country = models.CharField(max_length=2, help_text="ISO 3166-1 alpha-2")
    employee_count = models.PositiveIntegerField(
        null=True, blank=True, help_text="Employees in all. Pay-transparency laws apply from a headcount; unknown: "
        "every rule is assumed to apply.",
    )  # fmt: skip
    website = models.URLField(blank=True)
    is_verified = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "companies"
        ordering = ["name"]
        # Part of every list response's validator (config.conditional).
        indexes = [models.Index(fields=["updated_at"], name="company_updated")]

    def __str__(self):
        return self.name


class MembershipRole(models.TextChoices):
    OWNER = "owner", "Owner"
    RECRUITER = "recruiter", "Recruiter"


class CompanyMembership(models.Model):
    """A user who may post and manage jobs for a company."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=MembershipRole.choices, default=MembershipRole.RECRUITER)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "company"], name="membership_unique")]

    def __str__(self):
        return f"{self.user} @ {self.company} ({self.role})"


class PostingStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PENDING_REVIEW = "pending_review", "Pending review"
    PUBLISHED = "published", "Published"
    REJECTED = "rejected", "Rejected"
    CLOSED = "closed", "Closed"
    FILLED = "filled", "Filled"
    EXPIRED = "expired", "Expired"


class EmploymentType(models.TextChoices):
    FULL_TIME = "full_time", "Full-time"
    PART_TIME = "part_time", "Part-time"
    CONTRACT = "contract", "Contract"
    INTERNSHIP = "internship", "Internship"
    TEMPORARY = "temporary", "Temporary"


class RemotePolicy(models.TextChoices):
    ONSITE = "onsite", "On-site"
    HYBRID = "hybrid", "Hybrid"
    REMOTE = "remote", "Remote"


class PayKind(models.TextChoices):
    """Where a posting's pay figure comes from. Only the employer's own feeds market ranges and JSON-LD."""

    EMPLOYER = "employer", "Employer-provided"
    ESTIMATE = "estimate", "Estimate"  # e.g. a third-party estimate attached to an imported posting
    NONE = "none", "Not given"


def visible_condition(now) -> Q:
    """The one rule for what candidates see, as a condition: published and not past its expiry time."""
    return Q(status=PostingStatus.PUBLISHED) & (Q(expires_at__isnull=True) | Q(expires_at__gt=now))


class JobPostingQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=PostingStatus.PUBLISHED)

    def visible(self, now=None):
        """The one rule for what candidates see: published and not past its expiry time.

        The list, the detail page, the market ranges and the expiry task all use it, so a
        posting whose `expires_at` has passed stops counting at once, even before the
        periodic task flips its status to expired.
        """
        return self.filter(visible_condition(now or timezone.now()))

    def market_points(self, now=None):
        """The postings that are market data points: visible, with pay the employer gave (not an estimate, not
        without pay). Every market figure (ranges, verification, skill premiums, market positions) starts here."""
        return self.visible(now).filter(pay_kind=PayKind.EMPLOYER)

    def due_to_expire(self, now=None):
        return self.published().filter(expires_at__lte=now or timezone.now())

    def in_segment(self, segment):
        """Postings inside a market segment (insights.segments), whatever their status."""
        from insights.segments import CITY, place_filter

        postings = self.filter(role_family=segment.role_family, level=segment.level, **place_filter(segment))
        if segment.scope == CITY:
            postings = postings.filter(country=segment.country, city_slug=segment.city_slug)
        if segment.size_band:
            postings = postings.filter(company__size_band=segment.size_band)
        if segment.sector:
            postings = postings.filter(company__sector=segment.sector)
        if segment.remote:
            postings = postings.filter(remote_policy=RemotePolicy.REMOTE)
        return postings

    def for_companies_of(self, user):
        return self.filter(company__memberships__user=user)


class JobPosting(models.Model):
    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="postings")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    source_ref = models.CharField(
        max_length=100, blank=True, help_text="The poster's own reference, unique per company when set."
    )
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True, help_text="Sanitised HTML.")
    role_family = models.CharField(max_length=30, choices=RoleFamily.choices)
    level = models.CharField(
        max_length=20, choices=Level.choices, blank=True,
        help_text="Empty only on an imported draft whose title does not tell it: it cannot be submitted so.",
    )  # fmt: skip
    employment_type = models.CharField(max_length=20, choices=EmploymentType.choices, default=EmploymentType.FULL_TIME)
    city = models.CharField(max_length=100, blank=True)
    city_slug = models.SlugField(max_length=100, blank=True, help_text="The city as market segments key it.")
    country = models.CharField(max_length=2, help_text="ISO 3166-1 alpha-2")
    subdivision = models.CharField(
        max_length=3, blank=True, help_text="State or province: the part after the dash of ISO 3166-2 (CO in US-CO)."
    )
    remote_policy = models.CharField(max_length=10, choices=RemotePolicy.choices, default=RemotePolicy.ONSITE)

    # Pay exactly as posted; empty when none is given (pay_kind "none").
    pay_kind = models.CharField(
        max_length=10, choices=PayKind.choices, default=PayKind.EMPLOYER, db_default=PayKind.EMPLOYER,
        help_text="Employer-provided pay feeds the market ranges; an estimate is shown as one; none: no pay given "
        "(a draft, or published where no pay-transparency law applies).",
    )  # fmt: skip
    pay_source = models.CharField(
        max_length=200, blank=True, default="", db_default="",
        help_text="Who made an estimate (for example the job board it was imported from). Empty for employer pay.",
    )  # fmt: skip
    salary_min = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    salary_max = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    salary_currency = models.CharField(max_length=3, blank=True)
    salary_period = models.CharField(max_length=5, choices=PayPeriod.choices, default=PayPeriod.YEAR)
    # The rest of the package (salaries.compensation), in the posting's currency.
    bonus_target_pct = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    bonus_target_amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    equity_pct_min = models.DecimalField(max_digits=6, decimal_places=3, null=True, blank=True)
    equity_pct_max = models.DecimalField(max_digits=6, decimal_places=3, null=True, blank=True)
    company_valuation = models.DecimalField(max_digits=18, decimal_places=2, null=True, blank=True)
    equity_grant_amount = models.DecimalField(
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Stock (RSUs) granted over the vesting period.",
    )
    vesting_years = models.PositiveSmallIntegerField(null=True, blank=True)
    sign_on_bonus = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    benefits = models.TextField(blank=True, help_text="A general description of benefits and other compensation.")
    skills = models.JSONField(default=list, blank=True, help_text="Skill slugs (salaries.skills), in vocabulary order.")
    # Full-text search (PostgreSQL): written by the services from the title, skills, company name and description
    # (jobs.search); a GIN index serves it. Unused on SQLite.
    search_vector = SearchVectorField(null=True, blank=True, editable=False)
    skills_from_employer = models.BooleanField(
        default=False, help_text="The employer set the skills; otherwise they are read from the title and description."
    )
    # Pay normalised to a year in USD (salaries.money), with the rate used and its date.
    salary_min_usd = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    salary_max_usd = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    salary_mid_usd = models.DecimalField(
        max_digits=14, decimal_places=2, null=True, blank=True,
        help_text="Midpoint of the annual USD range: the posting's market data point when the employer gave it.",
    )  # fmt: skip
    total_comp_mid_usd = models.DecimalField(
        max_digits=14, decimal_places=2, null=True, blank=True,
        help_text="Total compensation per year at the midpoint of the base range, annual USD (salaries.compensation).",
    )  # fmt: skip
    fx_rate_to_usd = models.DecimalField(max_digits=20, decimal_places=10, null=True, blank=True)
    fx_rate_date = models.DateField(null=True, blank=True, help_text="Empty when the pay is in USD.")

    disclosure_key = models.IntegerField(
        default=new_record_key,
        editable=False,
        help_text="Random and secret: market ranges' public noise is drawn from their points' keys (insights.disclosure).",
    )

    market_percentile = models.DecimalField(
        max_digits=4, decimal_places=1, default=-1, db_default=-1, editable=False,
        help_text="Where its pay midpoint sits in its published market (the salary context's percentile), stored for "
        "ordering by it (jobs.market_position); -1 when no market is published for it.",
    )  # fmt: skip
    content_fingerprint = models.CharField(
        max_length=64, blank=True, editable=False, default="", db_default="",  # bulk loads leave it out
        help_text="Of the title and description as words (jobs.services): the same text posted by another company "
        "is flagged to moderators as a possible repost. Empty for a description too short to tell.",
    )  # fmt: skip

    status = models.CharField(max_length=20, choices=PostingStatus.choices, default=PostingStatus.DRAFT)
    rejection_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    objects = JobPostingQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-id"]
        permissions = [("moderate_postings", "Can approve or reject job postings")]
        constraints = [
            # Pay figures are there exactly when pay is given (by the employer or as an estimate).
            models.CheckConstraint(
                condition=(
                    Q(pay_kind=PayKind.NONE)
                    & Q(
                        salary_min__isnull=True,
                        salary_max__isnull=True,
                        salary_mid_usd__isnull=True,
                        total_comp_mid_usd__isnull=True,
                    )
                )
                | (
                    ~Q(pay_kind=PayKind.NONE)
                    & Q(
                        salary_min__isnull=False,
                        salary_max__isnull=False,
                        salary_mid_usd__isnull=False,
                        total_comp_mid_usd__isnull=False,
                    )
                ),
                name="posting_pay_given_by_kind",
            ),  # fmt: skip
            models.CheckConstraint(condition=Q(salary_min__gt=0), name="posting_salary_min_positive"),
            models.CheckConstraint(
                condition=Q(total_comp_mid_usd__gte=models.F("salary_mid_usd")), name="posting_total_at_least_base"
            ),
            models.CheckConstraint(
                condition=Q(salary_max__gte=models.F("salary_min")), name="posting_salary_range_ordered"
            ),
            models.UniqueConstraint(
                fields=["company", "source_ref"], condition=~Q(source_ref=""), name="posting_source_ref_unique"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "expires_at"], name="posting_visibility"),
            models.Index(fields=["role_family", "level", "country"], name="posting_segment"),
            models.Index(fields=["-published_at", "-id"], name="posting_feed_order"),
            # The drain's point cache reads the postings saved since its last batch (insights.services.point_cache).
            models.Index(fields=["updated_at"], name="posting_updated"),
            # The admin: the moderation queue (oldest submission first) and the posting list filtered by status.
            models.Index(fields=["status", "submitted_at"], name="posting_queue"),
            models.Index(fields=["status", "-published_at", "-id"], name="posting_status_order"),
            # The public list sorted by pay (`?ordering=pay`), walked in keyset order (jobs.selectors).
            models.Index(fields=["status", "-salary_mid_usd", "-id"], name="posting_pay_order"),
            models.Index(
                fields=["content_fingerprint"], name="posting_fingerprint", condition=~Q(content_fingerprint="")
            ),
            # `?ordering=market`: best pay for its market first (jobs.market_position keeps the column).
            models.Index(fields=["status", "-market_percentile", "-id"], name="posting_market_order"),
        ]

    def __str__(self):
        # The company's name when it is loaded already (admin lists select it); never a query of its own.
        company = self._state.fields_cache.get("company")
        return f"{self.title} at {company.name}" if company else f"{self.title} (#{self.pk})"

    def pay_words(self) -> str:
        """The pay in words, saying whose it is: for feeds, mail and the admin."""
        if self.pay_kind == PayKind.NONE:
            return "pay not given by the employer"
        amount = f"{self.salary_min:,.0f}–{self.salary_max:,.0f} {self.salary_currency} a {self.salary_period.lower()}"
        if self.pay_kind == PayKind.ESTIMATE:
            return f"{amount} (an estimate by {self.pay_source}, not the employer's)"
        return f"{amount}, as posted by the employer"


class PendingPosting(JobPosting):
    """The moderation queue in the admin: postings waiting for review (jobs.admin.ModerationQueueAdmin)."""

    class Meta:
        proxy = True
        verbose_name = "posting waiting for review"
        verbose_name_plural = "moderation queue"


class TransparencySeverity(models.TextChoices):
    BLOCKING = "blocking", "Blocking: the posting cannot be submitted"
    WARNING = "warning", "Warning"


class PayTransparencyRule(models.Model):
    """A pay-transparency law as data: where it applies, from when and what headcount, and what a posting must
    show. Checked by jobs.transparency when a posting is created, edited and submitted; editable in the admin."""

    code = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=200)
    country = models.CharField(max_length=2, blank=True, help_text="ISO 3166-1 alpha-2; empty with `eu_wide`.")
    subdivision = models.CharField(max_length=3, blank=True, help_text="A state (CO); empty: the whole country.")
    city_slugs = models.CharField(
        max_length=300, blank=True, help_text="Comma-separated city slugs (new-york); empty: the whole area."
    )
    eu_wide = models.BooleanField(default=False, help_text="Applies in every EU member state.")
    covers_remote = models.BooleanField(
        default=False, help_text="Also remote postings in the country, which may be done from the jurisdiction."
    )
    min_employees = models.PositiveIntegerField(default=1, help_text="Applies to employers with at least this many.")
    effective_from = models.DateField()
    requires_range = models.BooleanField(default=True, help_text="A minimum and a maximum (or one exact figure).")
    forbids_open_ended = models.BooleanField(default=False, help_text="A maximum must be given, in good faith.")
    requires_benefits = models.BooleanField(default=False, help_text="A general description of benefits.")
    requires_bonus_description = models.BooleanField(
        default=False, help_text="Bonuses or other compensation described (a target bonus, equity, or the benefits)."
    )
    max_range_ratio = models.DecimalField(
        max_digits=4, decimal_places=2, null=True, blank=True, help_text="Warn when max exceeds min by this factor."
    )
    severity = models.CharField(
        max_length=10, choices=TransparencySeverity.choices, default=TransparencySeverity.BLOCKING
    )
    source_title = models.CharField(max_length=300)
    source_url = models.URLField()
    notes = models.TextField(blank=True)
    active = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]

    def __str__(self):
        return self.name


class AuditAction(models.TextChoices):
    POSTING_CREATED = "posting.created", "Posting created"
    POSTING_EDITED = "posting.edited", "Posting edited"
    POSTING_SUBMITTED = "posting.submitted", "Submitted for review"
    POSTING_APPROVED = "posting.approved", "Approved and published"
    POSTING_REJECTED = "posting.rejected", "Rejected"
    POSTING_CLOSED = "posting.closed", "Closed"
    POSTING_FILLED = "posting.filled", "Marked filled"
    POSTING_REOPENED = "posting.reopened", "Reopened as a draft"
    POSTING_EXPIRED = "posting.expired", "Expired"
    COMPANY_CREATED = "company.created", "Company created"
    COMPANY_CHANGED = "company.changed", "Company changed"
    COMPANY_VERIFIED = "company.verified", "Company verified"
    MEMBER_INVITED = "member.invited", "Colleague invited"
    MEMBER_JOINED = "member.joined", "Member joined"
    MEMBER_LEFT = "member.left", "Member left"
    APPLICATION_MOVED = "application.moved", "Application moved"
    BENCHMARK_CHANGED = "benchmark.changed", "Benchmark edited"
    FLAG_REVIEWED = "flag.reviewed", "Benchmark flag reviewed"
    EXCHANGE_RATE_CHANGED = "exchange_rate.changed", "Exchange rate edited"
    SUBMISSION_REVIEWED = "submission.reviewed", "Salary submission reviewed"
    IMPORT_FINISHED = "import.finished", "Import finished"


class ActorRole(models.TextChoices):
    MODERATOR = "moderator", "Moderator"
    MEMBER = "member", "Company member"
    STAFF = "staff", "Staff"
    SYSTEM = "system", "The system"


class AuditEvent(models.Model):
    """One moderation or curation change: who, in what role, through which entry point, when, and the before and
    after of the fields that matter. Written by the services only (jobs.audit), never edited or deleted."""

    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_role = models.CharField(max_length=10, choices=ActorRole.choices)
    via = models.CharField(max_length=80, help_text="api, admin, command or task:<name>.")
    action = models.CharField(max_length=30, choices=AuditAction.choices)
    content_type = models.ForeignKey("contenttypes.ContentType", on_delete=models.PROTECT, related_name="+")
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(max_length=200)
    company = models.ForeignKey(
        Company, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        help_text="The company the object belongs to, so its members can read their own trail.",
    )  # fmt: skip
    changes = models.JSONField(default=dict, blank=True, help_text="Field → [before, after].")
    note = models.TextField(blank=True, help_text="A reason given with the change (a rejection's, a review's).")

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["content_type", "object_id", "-at"], name="audit_object"),
            models.Index(fields=["-at", "-id"], name="audit_newest"),
            models.Index(fields=["action", "-at"], name="audit_action"),
        ]

    def __str__(self):
        return f"{self.get_action_display()}: {self.object_repr}"


# --- Candidates and employers' own accounts ---------------------------------------------------------------------


def _token() -> str:
    import secrets

    return secrets.token_urlsafe(24)


class CompanyInvitation(models.Model):
    """A member's invitation of a colleague to their company, by e-mail; accepted once, by a signed-in user, with
    the token sent to that address."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    token = models.CharField(max_length=64, unique=True, default=_token)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["company", "email"], condition=Q(accepted_at__isnull=True), name="invitation_open_unique"
            )
        ]

    def __str__(self):
        return f"{self.email} → {self.company}"


class SavedJob(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_jobs")
    posting = models.ForeignKey(JobPosting, on_delete=models.CASCADE, related_name="+")
    saved_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-saved_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["user", "posting"], name="saved_job_unique")]

    def __str__(self):
        return f"{self.user} saved {self.posting_id}"


class SavedSearch(models.Model):
    """A candidate's search of the job list (its query string, checked when saved), alerted by e-mail of each
    new posting that matches it: `alerts_since` is the publication time up to which it has been looked at."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_searches")
    name = models.CharField(max_length=100)
    query = models.CharField(max_length=2000, help_text="The list's query string, e.g. level=senior&country=DE.")
    alerts = models.BooleanField(default=True, help_text="Send an e-mail for each new matching posting.")
    alerts_since = models.DateTimeField(default=timezone.now)
    unsubscribe_token = models.CharField(max_length=64, unique=True, default=_token)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["alerts", "id"], name="saved_search_alerting")]

    def __str__(self):
        return f"{self.user}: {self.name}"


class SearchAlert(models.Model):
    """One posting announced to one candidate. The row is claimed (inserted, unique per candidate and posting)
    before the mail goes out and marked sent after, so a retry, a second worker or a second saved search that
    matches the same posting never sends it again (jobs.alerts)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    posting = models.ForeignKey(JobPosting, on_delete=models.CASCADE, related_name="+")
    saved_search = models.ForeignKey(SavedSearch, on_delete=models.SET_NULL, null=True, related_name="sent_alerts")
    claimed_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "posting"], name="alert_once_per_posting")]
        indexes = [models.Index(fields=["sent_at", "claimed_at"], name="alert_unsent")]

    def __str__(self):
        return f"{self.posting_id} → {self.user} ({'sent' if self.sent_at else 'claimed'})"


class ApplicationStatus(models.TextChoices):
    RECEIVED = "received", "Received"
    REVIEWING = "reviewing", "Reviewing"
    INTERVIEW = "interview", "Interview"
    OFFER = "offer", "Offer"
    HIRED = "hired", "Hired"
    REJECTED = "rejected", "Rejected"


class Application(models.Model):
    """A candidate's application to a published posting. Its company's members move it along; the candidate
    sees its status; nobody else sees it."""

    posting = models.ForeignKey(JobPosting, on_delete=models.CASCADE, related_name="applications")
    candidate = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="applications")
    cover_note = models.TextField(blank=True, max_length=5000)
    cv_url = models.URLField(max_length=500)
    status = models.CharField(max_length=20, choices=ApplicationStatus.choices, default=ApplicationStatus.RECEIVED)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["posting", "candidate"], name="application_once")]
        indexes = [models.Index(fields=["candidate", "-created_at"], name="application_candidate")]

    def __str__(self):
        return f"{self.candidate} → {self.posting_id} ({self.status})"
