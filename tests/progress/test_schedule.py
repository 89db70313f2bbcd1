"""Work packages, weeks and the planned S-curve."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from progress import ProgressError
from progress.schedule import (
    PackageCost,
    WorkPackage,
    check_packages,
    phase,
    planned_curve,
    planned_exact,
    week_ends,
    weigh,
)

D = Decimal
MON = date(2026, 1, 5)  # a Monday


def day(n: int) -> date:
    return MON + timedelta(days=n)


def test_a_finish_before_the_start_is_refused_naming_the_package():
    with pytest.raises(ProgressError) as error:
        WorkPackage("17", "A", "struktur", D(10), day(10), day(9), name="Struktur lantai 2")
    assert error.value.field == "finish" and error.value.package == "17"
    assert str(error.value) == "Work package Struktur lantai 2: the finish 2026-01-14 is before the start 2026-01-15."


def test_a_one_day_package_is_fine_and_bad_fields_are_named():
    assert WorkPackage("p", "A", "persiapan", 5, day(0), day(0)).days == 1
    with pytest.raises(ProgressError) as error:
        WorkPackage("p", "A", "roof", D(5), day(0), day(1))
    assert error.value.field == "division"
    with pytest.raises(ProgressError) as error:
        WorkPackage("p", "A", "mep", D("100.01"), day(0), day(1))
    assert error.value.field == "weight"
    with pytest.raises(ProgressError) as error:
        WorkPackage("p", "A", "mep", 5.0, day(0), day(1))
    assert error.value.field == "weight"
    with pytest.raises(ProgressError) as error:
        WorkPackage("p", "A", "mep", 5, datetime(2026, 1, 5, 8), day(1))
    assert error.value.field == "start"
    with pytest.raises(ProgressError) as error:
        WorkPackage(" ", "A", "mep", 5, day(0), day(1))
    assert error.value.field == "key"


def test_weights_must_add_up_to_100_and_keys_be_unique():
    a = WorkPackage("a", "A", "struktur", D(60), day(0), day(9))
    b = WorkPackage("b", "A", "mep", D(30), day(0), day(9))
    with pytest.raises(ProgressError) as error:
        check_packages([a, b])
    assert "add up to 90%, not 100%" in str(error.value)
    with pytest.raises(ProgressError) as error:
        check_packages([a, b, WorkPackage("a", "B", "mep", D(10), day(0), day(9))])
    assert error.value.codes == ("schedule.duplicate_key",)
    with pytest.raises(ProgressError):
        check_packages([])


def test_weigh_gives_packages_their_share_of_the_cost():
    packages = weigh([
        PackageCost("A1", "A", "struktur", 2_000, day(0), day(13)),
        PackageCost("A2", "A", "mep", 1_000, day(7), day(20)),
        PackageCost("B1", "B", "struktur", 1_000, day(0), day(6)),
    ])
    assert [p.weight for p in packages] == [D("50.00"), D("25.00"), D("25.00")]
    with pytest.raises(ProgressError) as error:
        weigh([PackageCost("x", "A", "mep", 1, day(0), day(1)), PackageCost("x", "A", "mep", 1, day(0), day(1))])
    assert error.value.codes == ("schedule.duplicate_key",)


def test_weeks_count_from_the_start_and_end_on_their_seventh_day():
    thursday = date(2026, 1, 8)
    assert week_ends(thursday, date(2026, 1, 14)) == [date(2026, 1, 14)]
    assert week_ends(thursday, date(2026, 1, 15)) == [date(2026, 1, 14), date(2026, 1, 21)]
    assert week_ends(thursday, thursday) == [date(2026, 1, 14)]
    assert week_ends(thursday, date(2026, 1, 1)) == []


def test_planned_curve_by_hand():
    # A: 60% over days 0-13 (two weeks), B: 40% over days 7-20 (days 7-13, 14-20), both even.
    packages = [
        WorkPackage("a", "A", "struktur", D(60), day(0), day(13)),
        WorkPackage("b", "B", "arsitektur", D(40), day(7), day(20)),
    ]
    curves = planned_curve(packages)
    assert [p.date for p in curves.project] == [day(6), day(13), day(20)]
    assert [p.pct for p in curves.project] == [D("30.00"), D("80.00"), D("100.00")]
    assert [p.pct for p in curves.buildings["A"]] == [D("50.00"), D("100.00"), D("100.00")]
    assert [p.pct for p in curves.buildings["B"]] == [D("0.00"), D("50.00"), D("100.00")]
    # any date: one day into A is 60 x 1/14 = 4.2857.. -> 4.29; nothing before the start
    exact = planned_curve(packages, [day(-1), day(0), day(100)])
    assert [p.pct for p in exact.project] == [D("0.00"), D("4.29"), D("100.00")]


def test_the_contract_start_may_come_before_the_first_package():
    packages = [WorkPackage("a", "A", "struktur", D(100), day(3), day(9))]
    curves = planned_curve(packages, start=day(0))
    assert [p.date for p in curves.project] == [day(6), day(13)]
    assert [p.pct for p in curves.project] == [D("57.14"), D("100.00")]  # 4 of 7 days by the end of day 6


def test_a_building_that_weighs_nothing_has_no_curve_of_its_own():
    packages = [
        WorkPackage("a", "A", "struktur", D(100), day(0), day(6)),
        WorkPackage("b", "B", "smkk", D(0), day(0), day(6)),
    ]
    assert set(planned_curve(packages).buildings) == {"A"}


@st.composite
def projects(draw):
    n = draw(st.integers(1, 25))
    costs = draw(st.lists(st.integers(0, 10**9), min_size=n, max_size=n).filter(any))
    items = []
    for i, cost in enumerate(costs):
        start = draw(st.integers(0, 400))
        items.append(PackageCost(f"p{i}", draw(st.sampled_from("ABC")), "struktur", cost, day(start),
                                 day(start + draw(st.integers(0, 200)))))
    return weigh(items)


@settings(max_examples=150, deadline=None)
@given(projects())
def test_planned_curves_rise_and_end_at_exactly_100(packages):
    curves = planned_curve(packages)
    for points in [curves.project, *curves.buildings.values()]:
        values = [p.pct for p in points]
        assert values == sorted(values)
        assert values[-1] == D("100.00")
        assert all(D(0) <= v <= 100 for v in values)
    # the project is the buildings' sum, exactly
    exact = planned_exact(packages, [p.date for p in curves.project])
    assert all(sum(v[i] for v in exact.buildings.values()) == exact.project[i] for i in range(len(exact.dates)))


def test_phase_puts_the_divisions_in_a_typical_order_within_the_period():
    windows = phase(date(2026, 1, 1), date(2026, 12, 31))
    assert windows["persiapan"][0] == date(2026, 1, 1) and windows["smkk"] == (date(2026, 1, 1), date(2026, 12, 31))
    assert windows["struktur"][0] < windows["arsitektur"][0] < windows["finishing"][0]
    assert all(a <= b for a, b in windows.values())
    one_day = phase(date(2026, 1, 1), date(2026, 1, 1))
    assert set(one_day.values()) == {(date(2026, 1, 1), date(2026, 1, 1))}
    with pytest.raises(ProgressError):
        phase(date(2026, 2, 1), date(2026, 1, 1))
