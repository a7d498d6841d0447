from django.core.management.base import BaseCommand

from salaries.services.benchmarks import benchmarks_check_all


class Command(BaseCommand):
    help = "Recheck every benchmark release for contradictions and for figures far from today's market ranges."

    def handle(self, *args, **options):
        self.stdout.write(f"{benchmarks_check_all()} consistency flags across all releases.")
