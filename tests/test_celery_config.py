import insights.tasks  # noqa: F401 - registers the tasks under their names
import jobs.tasks  # noqa: F401
from config.celery import app


def queue_of(task_name: str) -> str:
    route = app.amqp.router.route({}, task_name)
    return route["queue"].name


def test_slow_work_never_shares_the_recompute_queue():
    assert queue_of("insights.recompute_dirty_segments") == "recompute"
    assert queue_of("insights.sweep_dirty_segments") == "recompute"
    assert queue_of("insights.snapshot_market_ranges") == "reports"
    assert queue_of("jobs.expire_postings") == "celery"


def test_recompute_tasks_finish_well_inside_the_redis_visibility_timeout():
    visibility = app.conf.broker_transport_options["visibility_timeout"]
    for name in (
        "insights.recompute_dirty_segments",
        "insights.sweep_dirty_segments",
        "insights.snapshot_market_ranges",
    ):
        task = app.tasks[name]
        assert task.acks_late and task.time_limit * 4 <= visibility, name
