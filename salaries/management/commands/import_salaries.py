from datetime import date
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from rich.progress import Progress

from config.errors import DomainError
from salaries.importers.report import ImportFileError
from salaries.services.observations import AIJOBS_SLUG, salary_observations_import_aijobs


class Command(BaseCommand):
    help = (
        "Import individual salary records as survey observations that feed the market ranges. "
        "Idempotent; each batch is all-or-nothing; rejected rows are listed with their reasons in a report file."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--format", required=True, choices=["aijobs"])
        parser.add_argument("--release", help="The source's version of this file (default: the file's name).")
        parser.add_argument("--published-on", type=date.fromisoformat, help="YYYY-MM-DD")
        parser.add_argument("--report", type=Path, help="Where to write the rejected rows (CSV, with a .json summary).")
        parser.add_argument(
            "--source", default=AIJOBS_SLUG,
            help=f"The source's slug (default {AIJOBS_SLUG}, the ai-jobs.net survey); another needs --source-title.",
        )  # fmt: skip
        parser.add_argument(
            "--source-title", default="", help="The source's title, for a source other than ai-jobs.net."
        )
        parser.add_argument("--publisher", default="", help="Who publishes the source.")
        parser.add_argument("--source-url", default="")
        parser.add_argument("--licence", default="")

    def handle(self, *args, file: Path, release: str | None, published_on, report: Path | None, source: str,
               **options):  # fmt: skip
        if not file.is_file():
            raise CommandError(f"No such file: {file}")
        total = sum(1 for _ in file.open("rb")) - 1
        try:
            with Progress(disable=not self.stdout.isatty()) as progress:
                bar = progress.add_task(f"Importing {file.name}", total=total)
                result = salary_observations_import_aijobs(
                    path=file,
                    release_version=release or file.stem,
                    published_on=published_on,
                    on_progress=lambda n: progress.update(bar, advance=n),
                    source_slug=source,
                    source_fields={
                        "title": options["source_title"], "publisher": options["publisher"],
                        "url": options["source_url"], "licence": options["licence"],
                    },
                )  # fmt: skip
        except ImportFileError as error:
            raise CommandError(str(error)) from error
        except DomainError as error:
            raise CommandError(f"{error.message} (--{error.field.replace('_', '-')})") from error
        stamp = timezone.now().strftime("%Y%m%dT%H%M%S")
        path = result.write(report or Path(settings.VAR_DIR) / "import-reports" / f"{source}-{stamp}.csv")
        self.stdout.write(self.style.SUCCESS(result.summary()))
        for reason, count in list(result.rejection_counts().items())[:10]:
            self.stdout.write(f"  rejected {count:>6}  {reason}")
        self.stdout.write(f"Report: {path} (and {path.with_suffix('.json').name})")
