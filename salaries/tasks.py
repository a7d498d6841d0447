from celery import shared_task

from salaries.services.imports import import_job_run


@shared_task(
    name="salaries.run_import",
    acks_late=True,
    soft_time_limit=1800,
    time_limit=1900,
)
def run_import_task(job_id: int) -> str:
    """Import an uploaded file (salaries.services.imports). Safe twice: a job is claimed before it runs. Not
    retried on its own: a failure is shown on the job, and the admin queues it again."""
    job = import_job_run(job_id=job_id)
    return job.status if job else "not claimed"
