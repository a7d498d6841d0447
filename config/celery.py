import os

from celery import Celery
from celery.signals import setup_logging

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("jobboard")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@setup_logging.connect
def _django_logging(**kwargs):
    """Workers log through the project's LOGGING (config.settings): the same format, JSON included, and each
    line of a task carries the request id of the request that enqueued it (config.observability)."""
    from logging.config import dictConfig

    from django.conf import settings

    dictConfig(settings.LOGGING)
