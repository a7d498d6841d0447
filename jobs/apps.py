from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "jobs"

    def ready(self):
        # Changes a task makes are recorded in the audit trail as made through that task (jobs.audit).
        from celery.signals import task_postrun, task_prerun

        from jobs.audit import task_finished, task_started

        task_prerun.connect(task_started, weak=False, dispatch_uid="audit-task-started")
        task_postrun.connect(task_finished, weak=False, dispatch_uid="audit-task-finished")
