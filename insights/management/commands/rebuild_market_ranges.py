from django.conf import settings
from django.core.management.base import BaseCommand
from rich.progress import Progress

from insights.models import DirtySegment
from insights.services import market_ranges_mark_all, market_ranges_recompute_dirty


class Command(BaseCommand):
    help = "Mark every segment and recompute all market ranges now, in this process."

    def handle(self, *args, **options):
        marked = market_ranges_mark_all()
        total = DirtySegment.objects.count()
        done = 0
        with Progress(disable=not self.stdout.isatty()) as progress:
            bar = progress.add_task("Recomputing market ranges", total=total)
            more = True
            while more:
                batch, more = market_ranges_recompute_dirty(limit=settings.MARKET_RECOMPUTE_BATCH_SIZE)
                done += batch
                progress.update(bar, advance=batch)
        self.stdout.write(self.style.SUCCESS(f"Recomputed {done} market ranges ({marked} segments marked)."))
