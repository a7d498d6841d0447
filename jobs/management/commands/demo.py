from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from rich.progress import track

from insights.services import market_ranges_rebuild
from jobs import services
from jobs.demo import COMPANIES, PayModel, generate_postings
from jobs.models import Company, CompanyMembership, JobPosting, MembershipRole
from salaries.money import rate_on

DEMO_PASSWORD = "demo-password"


def demo_problem(postings: int) -> str | None:
    """Why the demo must be loaded again, or None when what is there is current."""
    from insights.disclosure import RULE_VERSION
    from insights.models import DirtySegment, MarketRange, SkillPremium
    from salaries.models import BenchmarkSource

    demo = JobPosting.objects.filter(source_ref__startswith="demo-")
    total = demo.count()
    if total < postings:
        return f"{total} of {postings} demo postings"
    visible = demo.visible(timezone.now()).count()
    if visible < total:
        return f"demo postings no longer visible (expired or closed): {total - visible}"
    if not BenchmarkSource.objects.exists():
        return "no seed benchmarks"
    if not MarketRange.objects.exists() or MarketRange.objects.exclude(release_version=RULE_VERSION).exists():
        return "market ranges missing or decided by an older rule"
    if DirtySegment.objects.exists():
        return "market ranges waiting to be recomputed"
    if not SkillPremium.objects.exists():
        return "no skill premiums"
    return None


class Command(BaseCommand):
    help = "Load demo companies, users and published postings (idempotent: running it again adds nothing)."

    def add_arguments(self, parser):
        parser.add_argument("--postings", type=int, default=3000)
        parser.add_argument(
            "--check", action="store_true",
            help="Load nothing; exit 0 when the demo data is there and current (every demo posting still visible, "
            "the seed benchmarks loaded, every market range decided by today's rule, nothing left to recompute), "
            "else 1 with the reason. `make run` uses it to skip the load.",
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
            company = services.company_save(company=company)
            companies[spec.slug] = company
            recruiter, _ = users.objects.get_or_create(username=f"{spec.slug}-recruiter")
            recruiter.set_unusable_password()
            recruiter.save()
            CompanyMembership.objects.get_or_create(
                user=recruiter, company=company, defaults={"role": MembershipRole.RECRUITER}
            )
        employer, _ = users.objects.get_or_create(username="employer", defaults={"email": "employer@example.com"})
        employer.set_password(DEMO_PASSWORD)
        employer.save()
        CompanyMembership.objects.get_or_create(
            user=employer, company=companies["vectorloom"], defaults={"role": MembershipRole.OWNER}
        )

        gbp_per_eur = float(
            rate_on("EUR", timezone.now().date()).rate_to_usd / rate_on("GBP", timezone.now().date()).rate_to_usd
        )
        existing = set(JobPosting.objects.filter(source_ref__startswith="demo-").values_list("source_ref", flat=True))
        planned = [
            p
            for p in generate_postings(count=postings, companies=companies, model=PayModel(gbp_per_eur))
            if p["source_ref"] not in existing
        ]
        recruiters = {
            m.company_id: m.user
            for m in CompanyMembership.objects.filter(user__username__endswith="-recruiter").select_related("user")
        }
        with transaction.atomic():
            for fields in track(planned, description="Publishing demo postings", disable=not self.stdout.isatty()):
                company = fields.pop("company")
                user = recruiters[company.pk]
                posting = services.posting_create(company=company, user=user, data=fields)
                services.posting_submit(posting=posting, user=user)
                services.posting_approve(posting=posting, moderator=moderator)
            # One pass over everything instead of thousands of single-segment recomputes after commit:
            # the rebuild clears the marks these postings made, so the drain at commit finds nothing left.
            market_ranges_rebuild()
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data: {len(companies)} companies, {len(planned)} new postings ({len(existing)} already there)."
            )
        )
        self.stdout.write(f"Demo users (password {DEMO_PASSWORD!r}): 'employer' (Vectorloom), 'moderator'.")
