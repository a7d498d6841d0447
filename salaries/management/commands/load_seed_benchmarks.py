from django.core.management.base import BaseCommand

from salaries.services.benchmarks import benchmarks_load_seed_articles


class Command(BaseCommand):
    help = "Load the curated pay figures from the seed articles as benchmarks, one source per article (idempotent)."

    def handle(self, *args, **options):
        for release in benchmarks_load_seed_articles():
            self.stdout.write(
                f"{release.source.title}: {release.benchmarks.count()} figures, {release.flags.count()} flags"
            )
