from django.core.management.base import BaseCommand
from rich.progress import Progress

from insights.services import market_ranges_rebuild


class Command(BaseCommand):
    help = "Recompute every market range from scratch in one pass over the data (and clear the marks it covered)."

    def handle(self, *args, **options):
        with Progress(disable=not self.stdout.isatty()) as progress:
            bar = progress.add_task("Rebuilding market ranges", total=None)
            done = market_ranges_rebuild(on_progress=lambda n: progress.update(bar, advance=n))
        self.stdout.write(self.style.SUCCESS(f"Rebuilt {done} market ranges."))
