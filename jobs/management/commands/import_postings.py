from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from rich.progress import Progress

from jobs.imports.rows import country_code
from jobs.imports.service import PARSERS, postings_import_file
from jobs.models import Company, CompanyMembership
from salaries.importers.report import ImportFileError


class Command(BaseCommand):
    help = (
        "Import a company's postings from its applicant-tracking system's export (Greenhouse or Lever JSON) or a "
        "CSV, as drafts. Idempotent by the source's own id; each batch is all-or-nothing and each bad row is "
        "rejected alone, with its line and reason in a report file."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--format", required=True, choices=sorted(PARSERS))
        parser.add_argument("--company", required=True, help="The company's slug.")
        parser.add_argument("--user", help="A member of the company to import as (default: its first owner).")
        parser.add_argument("--country", help="The country of jobs whose location names none (ISO code).")
        parser.add_argument("--report", type=Path, help="Where to write the rejected rows (CSV, with a .json summary).")

    def handle(self, *args, file: Path, format: str, company: str, user: str | None, country: str | None,
               report: Path | None, **options):  # fmt: skip
        if not file.is_file():
            raise CommandError(f"No such file: {file}")
        target = Company.objects.filter(slug=company).first()
        if target is None:
            raise CommandError(f"No company {company!r} (--company)")
        members = CompanyMembership.objects.filter(company=target).select_related("user").order_by("-role", "id")
        if user:
            member = get_user_model().objects.filter(username=user, memberships__company=target).first()
            if member is None:
                raise CommandError(f"{user!r} is not a member of {target.name} (--user)")
        else:
            first = members.filter(role="owner").first() or members.first()
            if first is None:
                raise CommandError(f"{target.name} has no members to import as")
            member = first.user
        default_country = None
        if country:
            default_country = country_code(country)
            if default_country is None:
                raise CommandError(f"Not a country: {country!r} (--country)")
        try:
            with Progress(disable=not self.stdout.isatty()) as progress:
                bar = progress.add_task(f"Importing {file.name}", total=None)
                result = postings_import_file(
                    company=target, user=member, path=file, format=format, default_country=default_country,
                    on_progress=lambda n: progress.update(bar, advance=n),
                )  # fmt: skip
        except ImportFileError as error:
            raise CommandError(str(error)) from error
        stamp = timezone.now().strftime("%Y%m%dT%H%M%S")
        path = result.write(report or Path(settings.VAR_DIR) / "import-reports" / f"postings-{format}-{stamp}.csv")
        self.stdout.write(self.style.SUCCESS(result.summary()))
        for reason, count in list(result.rejection_counts().items())[:10]:
            self.stdout.write(f"  rejected {count:>6}  {reason}")
        self.stdout.write(f"Report: {path} (and {path.with_suffix('.json').name})")
