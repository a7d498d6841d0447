from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "jobs"

    def ready(self):
        # Changes a task makes are recorded in the audit trail as made through that task (jobs.audit).
        from celery.signals import before_task_publish, task_postrun, task_prerun

        from config import observability
        from jobs.audit import task_finished, task_started

        task_prerun.connect(task_started, weak=False, dispatch_uid="audit-task-started")
        task_postrun.connect(task_finished, weak=False, dispatch_uid="audit-task-finished")
        # The request id of the request that enqueued a task, in the task's log lines (config.observability).
        before_task_publish.connect(observability.task_publishing, weak=False, dispatch_uid="request-id-publish")
        task_prerun.connect(observability.task_started, weak=False, dispatch_uid="request-id-started")
        task_postrun.connect(observability.task_finished, weak=False, dispatch_uid="request-id-finished")
