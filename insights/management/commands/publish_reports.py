from django.core.management.base import BaseCommand

from insights.models import InsightReport
from insights.services.reports import reports_publish_weekly


class Command(BaseCommand):
    help = "Build the public market overview of every role family now (what beat does every Monday)."

    def handle(self, *args, **options):
        ids = reports_publish_weekly()
        done = InsightReport.objects.filter(pk__in=ids, status="done").count()
        self.stdout.write(self.style.SUCCESS(f"{len(ids)} public reports ({done} built; the rest are queued): "
                                             f"/reports/{min(ids)}/ to /reports/{max(ids)}/."))  # fmt: skip
