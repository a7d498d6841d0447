from django.core.management.base import BaseCommand, CommandError

from insights.models import DirtySegment
from insights.services import market_ranges_verify


class Command(BaseCommand):
    help = (
        "Recompute every market range from scratch in memory and report any stored value that differs. "
        "Exits with an error when there are differences."
    )

    def handle(self, *args, **options):
        pending = DirtySegment.objects.count()
        differences = market_ranges_verify()
        for difference in differences[:200]:
            self.stdout.write(
                f"{difference.key}  {difference.field}: stored {difference.stored}, expected {difference.expected}"
            )
        if pending:
            self.stdout.write(f"{pending} segment(s) are still marked for recompute; differences there are expected.")
        if differences:
            keys = len({d.key for d in differences})
            raise CommandError(f"{len(differences)} difference(s) in {keys} market range(s).")
        self.stdout.write(self.style.SUCCESS("Every stored market range matches a fresh computation."))
