import pytest

from tests.factories import PublishedPostingFactory


@pytest.mark.django_db
def test_published_posting_is_listed(api):
    posting = PublishedPostingFactory()
    body = api.get("/api/v1/jobs/").json()
    assert [item["id"] for item in body["results"]] == [posting.pk]
