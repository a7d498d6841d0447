from django.core.management.base import BaseCommand
from rich.progress import Progress

from insights.services import market_ranges_rebuild
from insights.services.skill_premiums import skill_premiums_recompute


class Command(BaseCommand):
    help = (
        "Recompute every market range from scratch in one pass over the data (and clear the marks it covered), "
        "then the skill premiums."
    )

    def handle(self, *args, **options):
        with Progress(disable=not self.stdout.isatty()) as progress:
            bar = progress.add_task("Rebuilding market ranges", total=None)
            done = market_ranges_rebuild(on_progress=lambda n: progress.update(bar, advance=n))
        self.stdout.write(self.style.SUCCESS(f"Rebuilt {done} market ranges."))
        premiums = skill_premiums_recompute()
        self.stdout.write(self.style.SUCCESS(f"Recomputed {premiums} skill premiums."))
