import time
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from rich.progress import track

from insights.services import market_ranges_rebuild, market_ranges_snapshot
from insights.services.snapshots import market_ranges_backfill_history
from jobs import services
from jobs.demo import (
    COMPANIES,
    DEMO_HORIZON_DAYS,
    REJECTION_REASONS,
    PayModel,
    demo_days_ago,
    demo_states,
    generate_postings,
    history_days,
)
from jobs.models import AuditAction, AuditEvent, Company, CompanyMembership, JobPosting, MembershipRole, PostingStatus
from salaries.money import rate_on

DEMO_PASSWORD = "demo-password"
S = PostingStatus


def demo_problem(postings: int) -> str | None:
    """Why the demo must be loaded again, or None when what is there is current."""
    from insights.disclosure import RULE_VERSION
    from insights.models import DirtySegment, MarketRange, MarketRangeSnapshot, SkillPremium
    from salaries.models import BenchmarkSource

    demo = JobPosting.objects.filter(source_ref__startswith="demo-")
    total, wanted = demo.count(), len(demo_states(postings))
    if total < wanted:
        return f"{total} of {wanted} demo postings"
    now = timezone.now()
    visible = demo.visible(now).count()
    if visible < postings:
        return f"demo postings no longer visible (expired or closed): {postings - visible}"
    newest = demo.filter(status=S.PUBLISHED).order_by("-published_at").values_list("published_at", flat=True).first()
    if newest is None or newest < now - timedelta(days=7):
        return "the demo's dates are more than a week old (they are moved up to today)"
    if not BenchmarkSource.objects.exists():
        return "no seed benchmarks"
    if not MarketRange.objects.exists() or MarketRange.objects.exclude(release_version=RULE_VERSION).exists():
        return "market ranges missing or decided by an older rule"
    if DirtySegment.objects.exists():
        return "market ranges waiting to be recomputed"
    if not SkillPremium.objects.exists():
        return "no skill premiums"
    if MarketRangeSnapshot.objects.values("day").distinct().count() < 2:
        return "no backfilled history"
    return None


class Command(BaseCommand):
    help = (
        "Load demo companies, users and postings: published ones spread over the last year, a dozen waiting for "
        "review, and drafts, rejected, closed, filled and expired ones; then backfill a year of market-range "
        "history. Idempotent: running it again adds nothing and moves the demo's dates up to today."
    )

    def add_arguments(self, parser):
        parser.add_argument("--postings", type=int, default=3000, help="Published postings (default 3000).")
        parser.add_argument(
            "--check", action="store_true",
            help="Load nothing; exit 0 when the demo data is there and current (every published demo posting still "
            "visible and dated within the week, the seed benchmarks loaded, every market range decided by today's "
            "rule, nothing left to recompute, history backfilled), else 1 with the reason. `make run` uses it.",
        )  # fmt: skip

    def handle(self, *args, postings: int, check: bool = False, **options):
        if check:
            problem = demo_problem(postings)
            if problem:
                self.stdout.write(f"Demo data needs loading: {problem}.")
                raise SystemExit(1)
            self.stdout.write("Demo data is there and current.")
            return
        if settings.IS_PRODUCTION:
            raise CommandError("Refusing to load demo data (with known demo passwords) when DJANGO_ENV=production.")
        started = time.monotonic()

        def step(text: str) -> None:
            self.stdout.write(f"[{time.monotonic() - started:5.1f} s] {text}")

        moderator, companies = self._users_and_companies()
        states = demo_states(postings)
        now = timezone.now()
        # One transaction and one pass over everything at the end instead of thousands of single-segment
        # recomputes after commit: the rebuild clears the marks these postings made, so the drain finds nothing.
        with transaction.atomic():
            step(f"Creating the missing demo postings, each through review to its state ({len(states)} in all)…")
            created = self._postings(states, companies, moderator)
            step("Dating the demo over the last year and recomputing every market range…")
            demo_timeline(states=states, now=now)
            market_ranges_rebuild()
        days = history_days(now.date())
        step(f"Backfilling market-range history for {len(days)} past days…")
        backfilled = market_ranges_backfill_history(days=days)
        market_ranges_snapshot()
        step("Done.")
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data: {len(companies)} companies, {created} new postings ({len(states)} in all: "
                f"{postings} published, the rest in every other state); {backfilled} history rows."
            )
        )
        self.stdout.write(
            f"Demo users (password {DEMO_PASSWORD!r}): 'employer' (Vectorloom), 'moderator'. Published demo postings "
            f"expire {DEMO_HORIZON_DAYS} days after this load; `make run` loads again when they do."
        )

    def _users_and_companies(self):
        users = get_user_model()
        moderator, _ = users.objects.get_or_create(username="moderator", defaults={"email": "moderator@example.com"})
        moderator.set_password(DEMO_PASSWORD)
        moderator.save()
        moderator.user_permissions.add(Permission.objects.get(codename="moderate_postings"))
        companies = {}
        for spec in COMPANIES:
            company = Company.objects.filter(slug=spec.slug).first() or Company(slug=spec.slug)
            company.name, company.size_band, company.funding_stage = spec.name, spec.size_band, spec.funding_stage
            company.industry, company.sector = spec.industry, ""  # the sector is read from the industry
            company.headquarters_country, company.website, company.is_verified = spec.country, spec.website, True
            companies[spec.slug] = services.company_save(company=company)
            recruiter, _ = users.objects.get_or_create(username=f"{spec.slug}-recruiter")
            recruiter.set_unusable_password()
            recruiter.save()
            CompanyMembership.objects.get_or_create(
                user=recruiter, company=companies[spec.slug], defaults={"role": MembershipRole.RECRUITER}
            )
        employer, _ = users.objects.get_or_create(username="employer", defaults={"email": "employer@example.com"})
        employer.set_password(DEMO_PASSWORD)
        employer.save()
        CompanyMembership.objects.get_or_create(
            user=employer, company=companies["vectorloom"], defaults={"role": MembershipRole.OWNER}
        )
        return moderator, companies

    def _postings(self, states: list[str], companies: dict, moderator) -> int:
        """Each new demo posting through the services to its state, as its company's recruiter and the moderator
        would take it there (so the audit trail and the marks are the real ones)."""
        today = timezone.now().date()
        gbp_per_eur = float(rate_on("EUR", today).rate_to_usd / rate_on("GBP", today).rate_to_usd)
        existing = set(JobPosting.objects.filter(source_ref__startswith="demo-").values_list("source_ref", flat=True))
        planned = [
            (number, fields)
            for number, fields in enumerate(
                generate_postings(count=len(states), companies=companies, model=PayModel(gbp_per_eur)), start=1
            )
            if fields["source_ref"] not in existing
        ]
        recruiters = {
            m.company_id: m.user
            for m in CompanyMembership.objects.filter(user__username__endswith="-recruiter").select_related("user")
        }
        for number, fields in track(planned, description="Creating demo postings", disable=not self.stdout.isatty()):
            state = states[number - 1]
            company = fields.pop("company")
            user = recruiters[company.pk]
            posting = services.posting_create(company=company, user=user, data=fields)
            if state == S.DRAFT:
                continue
            services.posting_submit(posting=posting, user=user)
            if state == S.PENDING_REVIEW:
                continue
            if state == S.REJECTED:
                reason = REJECTION_REASONS[number % len(REJECTION_REASONS)]
                services.posting_reject(posting=posting, moderator=moderator, reason=reason)
                continue
            services.posting_approve(posting=posting, moderator=moderator)
            if state in {S.CLOSED, S.FILLED}:
                services.posting_close(posting=posting, user=user, filled=state == S.FILLED)
            elif state == S.EXPIRED:
                JobPosting.objects.filter(pk=posting.pk).update(expires_at=timezone.now())
        services.postings_expire_due(now=timezone.now() + timedelta(seconds=1))
        return len(planned)


# Which audit event each lifecycle date dates.
_EVENT_DATES = {
    AuditAction.POSTING_CREATED: "created_at",
    AuditAction.POSTING_SUBMITTED: "submitted_at",
    AuditAction.POSTING_REJECTED: "submitted_at",
    AuditAction.POSTING_APPROVED: "published_at",
    AuditAction.POSTING_CLOSED: "closed_at",
    AuditAction.POSTING_FILLED: "closed_at",
    AuditAction.POSTING_EXPIRED: "closed_at",
}


def demo_timeline(*, states: list[str], now) -> None:
    """Date the demo postings over the last year (jobs.demo.demo_days_ago) and their audit events with them, and
    bring published ones that ran out since the last load back, expiring DEMO_HORIZON_DAYS from now.

    Demo only: no real entry point can backdate a posting, so this writes the dates directly; the caller
    rebuilds every market range afterwards, which counts the postings as they now are."""
    postings = JobPosting.objects.filter(source_ref__startswith="demo-").only("pk", "source_ref")
    events: dict[int, list[AuditEvent]] = {}
    for event in AuditEvent.objects.filter(company__isnull=False, action__in=list(_EVENT_DATES)).only(
        "pk", "object_id", "action"
    ):
        if event.object_id.isdigit():
            events.setdefault(int(event.object_id), []).append(event)
    updated, dated_events = [], []
    for posting in postings:
        number = int(posting.source_ref.removeprefix("demo-"))
        state = states[number - 1] if number <= len(states) else None
        if state is None:
            continue
        created = now - timedelta(days=demo_days_ago(number, state))
        dates = {"created_at": created, "submitted_at": None, "published_at": None, "expires_at": None,
                 "closed_at": None, "updated_at": now}  # fmt: skip
        if state != S.DRAFT:
            dates["submitted_at"] = created + timedelta(hours=2)
        if state in {S.PUBLISHED, S.CLOSED, S.FILLED, S.EXPIRED}:
            dates["published_at"] = created + timedelta(hours=20)
            dates["expires_at"] = now + timedelta(days=DEMO_HORIZON_DAYS)
        if state in {S.CLOSED, S.FILLED}:
            dates["closed_at"] = dates["published_at"] + timedelta(days=30)
        if state == S.EXPIRED:
            dates["expires_at"] = dates["closed_at"] = dates["published_at"] + timedelta(
                days=settings.POSTING_DEFAULT_LIFETIME_DAYS
            )
        for name, value in dates.items():
            setattr(posting, name, value)
        if state == S.PUBLISHED:
            posting.status = S.PUBLISHED  # one that expired since the last load comes back
        updated.append(posting)
        for event in events.get(posting.pk, []):
            event.at = dates[_EVENT_DATES[event.action]] or created
            dated_events.append(event)
    # updated_at is written as given here (bulk_update does not apply auto_now).
    fields = ["created_at", "submitted_at", "published_at", "expires_at", "closed_at", "updated_at"]
    published = [p for p in updated if p.status == S.PUBLISHED]
    JobPosting.objects.bulk_update(updated, fields, batch_size=500)
    JobPosting.objects.bulk_update(published, ["status"], batch_size=500)
    AuditEvent.objects.bulk_update(dated_events, ["at"], batch_size=500)
