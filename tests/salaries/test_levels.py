import pytest

from salaries.models import LadderLevel


@pytest.mark.django_db
def test_levels_endpoint_lists_the_ladder_with_company_rungs(api):
    levels = api.get("/api/v1/levels/").json()
    assert [lv["level"] for lv in levels][:4] == ["intern", "junior", "mid", "senior"]
    senior = next(lv for lv in levels if lv["level"] == "senior")
    assert (senior["years_from"], senior["years_to"]) == (5, 10)
    rungs = {(r["ladder"], r["code"]) for r in senior["company_levels"]}
    assert {("Google", "L5"), ("Meta", "E5"), ("Amazon", "L6"), ("Apple", "ICT4"), ("Microsoft", "63")} <= rungs


@pytest.mark.django_db
def test_every_named_ladder_is_complete():
    codes = {ladder: set(LadderLevel.objects.filter(ladder=ladder).values_list("code", flat=True)) for ladder in
             ("Google", "Meta", "Amazon", "Apple", "Microsoft")}  # fmt: skip
    assert codes["Google"] == {f"L{n}" for n in range(3, 9)}
    assert codes["Meta"] == {f"E{n}" for n in range(3, 9)}
    assert codes["Amazon"] >= {"L4", "L5", "L6", "L7", "Principal"}
    assert codes["Apple"] == {f"ICT{n}" for n in range(2, 7)}
    assert codes["Microsoft"] == {str(n) for n in range(59, 71)}
