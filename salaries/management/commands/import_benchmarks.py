from datetime import date
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from salaries.importers.report import ImportFileError
from salaries.services.benchmarks import benchmarks_import_oews


class Command(BaseCommand):
    help = (
        "Import a release of published pay benchmarks. A new --release is kept beside earlier ones; "
        "re-importing the same release updates it in place. Consistency flags are recomputed."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--format", required=True, choices=["oews"])
        parser.add_argument(
            "--release", help='The source\'s release name, e.g. "May 2025" (default: from the file name)'
        )
        parser.add_argument(
            "--year", type=int, help="Reference year of the figures (default: taken from the file name)"
        )
        parser.add_argument("--published-on", type=date.fromisoformat, help="YYYY-MM-DD")
        parser.add_argument("--report", type=Path)

    def handle(self, *args, file: Path, release, year, published_on, report, **options):
        if not file.is_file():
            raise CommandError(f"No such file: {file}")
        year = year or next((int(p) for p in file.stem.split("-") if p.isdigit() and len(p) == 4), None)
        if year is None:
            raise CommandError("Say which year the figures are for with --year.")
        try:
            saved, result = benchmarks_import_oews(
                path=file, release_version=release or f"May {year}", year=year, published_on=published_on
            )
        except ImportFileError as error:
            raise CommandError(str(error)) from error
        stamp = timezone.now().strftime("%Y%m%dT%H%M%S")
        path = result.write(report or Path(settings.VAR_DIR) / "import-reports" / f"oews-{stamp}.csv")
        self.stdout.write(self.style.SUCCESS(result.summary()))
        self.stdout.write(
            f"Release {saved}: {saved.benchmarks.count()} figures, {saved.flags.count()} consistency flags."
        )
        self.stdout.write(f"Report: {path}")
