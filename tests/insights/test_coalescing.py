"""A burst of publishes sends one drain message, not one per publish (real Redis, no worker running)."""

import pytest
from django.db import transaction

from config.celery import app as celery_app
from insights.models import DirtySegment
from insights.services.dirty import DRAIN_PENDING_KEY, _redis
from insights.tasks import recompute_dirty_segments_task
from tests.factories import CompanyFactory, PublishedPostingFactory
from tests.insights.test_worker import _services_or_skip, purge_queues

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def waiting_messages(queue: str = "recompute") -> int:
    with celery_app.connection_for_write() as conn:
        return conn.default_channel.client.llen(queue)


def test_a_burst_of_publishes_waits_as_one_drain_message():
    _services_or_skip()
    purge_queues()
    companies = [CompanyFactory() for _ in range(3)]
    for index in range(6):
        with transaction.atomic():
            PublishedPostingFactory(company=companies[index % 3], salary_min=100_000 + 1_000 * index)
    assert waiting_messages() == 1
    assert DirtySegment.objects.count() >= 16  # every posting's segments are marked all the same

    # The drain clears the flag before reading the marks: a publish after that sends the next message.
    recompute_dirty_segments_task.apply()
    assert not DirtySegment.objects.exists() and not _redis().exists(DRAIN_PENDING_KEY)
    with transaction.atomic():
        PublishedPostingFactory(company=companies[0], salary_min=150_000)
    assert waiting_messages() == 2
    purge_queues()
