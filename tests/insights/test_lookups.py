import pytest
from django.utils import timezone

from insights import lookups  # noqa: F401  (registers `__any_of`)
from insights.models import MarketRange


@pytest.mark.django_db
def test_any_of_finds_exactly_the_listed_values_whatever_they_hold():
    keys = ["ml:senior:world:-:any:any:12m", "with\x1fseparator", "with,comma", "with {brace} and 'quote'"]
    for key in keys:
        MarketRange.objects.create(key=key, role_family="ml_engineer", level="senior", computed_at=timezone.now())

    def found(values):
        return set(MarketRange.objects.filter(key__any_of=values).values_list("key", flat=True))

    assert found([keys[0], keys[2], "absent"]) == {keys[0], keys[2]}
    assert found([keys[1]]) == {keys[1]}  # a value holding the separator: sent as an array instead
    assert found([keys[3], keys[1], keys[0]]) == {keys[3], keys[1], keys[0]}
    assert found([]) == set()
    assert found(["with"]) == set()
