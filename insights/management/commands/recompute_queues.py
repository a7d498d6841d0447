from django.core.management.base import BaseCommand

from insights.services.dirty import recompute_queue, recompute_shard_count
from jobs.models import JobPosting


class Command(BaseCommand):
    help = (
        "Print the recompute queues for MARKET_RECOMPUTE_SHARDS, comma-separated (for `celery worker -Q`), or with "
        "--shard K the one queue of shard K; --partitions lists which role-and-level partitions each shard drains."
    )

    def add_arguments(self, parser):
        parser.add_argument("--shard", type=int, help="print only this shard's queue")
        parser.add_argument("--partitions", action="store_true", help="list each shard's partitions and postings")

    def handle(self, *args, **options):
        count = recompute_shard_count()
        if options["shard"] is not None:
            if not 0 <= options["shard"] < count:
                self.stderr.write(f"--shard must be between 0 and {count - 1} (MARKET_RECOMPUTE_SHARDS={count}).")
                raise SystemExit(2)
            self.stdout.write(recompute_queue(options["shard"]))
            return
        if not options["partitions"]:
            self.stdout.write(",".join(recompute_queue(shard) for shard in range(count)))
            return
        from django.db.models import Count

        from insights.services.dirty import recompute_shard

        shards: dict[int, list[tuple[str, int]]] = {shard: [] for shard in range(count)}
        rows = JobPosting.objects.market_points().values_list("role_family", "level").annotate(n=Count("id"))
        for role, level, n in rows.order_by("role_family", "level"):
            shards[recompute_shard(f"{role}:{level}:")].append((f"{role}:{level}", n))
        for shard, partitions in shards.items():
            total = sum(n for _, n in partitions)
            names = ", ".join(f"{name} ({n:,})" for name, n in partitions) or "none"
            self.stdout.write(f"{recompute_queue(shard)}: {len(partitions)} partitions, {total:,} postings: {names}")
