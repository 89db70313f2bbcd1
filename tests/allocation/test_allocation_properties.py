"""Properties on random meetings: the constraints always hold, and the optimum is an optimum.

The brute force below enumerates every assignment of small meetings, independently of
`allocation.engine`, to check that the optimal method finds the best score.
"""

from __future__ import annotations

from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from allocation import METHODS, NEEDS, PRIORITY_CRITERIA, Member, Preference, Rules, UnitOption, allocate

fast = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
UNIT_TYPES = {"T21": 0, "T27": 1, "T36": 2, "T45": 3}


@st.composite
def meetings(draw, max_members=10, max_units=10):
    places = draw(st.lists(st.tuples(st.sampled_from("AB"), st.integers(1, 4), st.integers(1, 3)),
                           unique=True, max_size=max_units))
    lifts = {"A": draw(st.booleans()), "B": draw(st.booleans())}
    units = []
    for building, floor, k in places:
        unit_type = draw(st.sampled_from(sorted(UNIT_TYPES)))
        units.append(UnitOption(f"{building}-{floor}-{k:02d}", unit_type, building, floor, UNIT_TYPES[unit_type],
                                lifts[building]))
    numbers = draw(st.lists(st.text(st.characters(codec="utf-8"), min_size=1, max_size=5)
                            .filter(str.strip), unique=True, max_size=max_members))
    members = [Member(number, draw(st.integers(1, 7)), frozenset(draw(st.sets(st.sampled_from(NEEDS)))),
                      draw(st.booleans()), draw(st.none() | st.dates(date(2010, 1, 1), date(2026, 1, 1))),
                      draw(st.integers(0, 10_000_000)))
               for number in numbers]
    options = sorted({("unit", u.code) for u in units} | {("unit_type", u.unit_type) for u in units}
                     | {("building", u.building) for u in units} | {("floor", u.floor) for u in units}, key=str)
    prefs = {}
    if options:
        for member in members:
            chosen = draw(st.lists(st.sampled_from(options), unique=True, max_size=5))
            prefs[member.number] = [Preference(kind, value) for kind, value in chosen]
    rules = Rules(
        bedroom_bands=draw(st.sampled_from([((2, 1), (4, 2), (None, 3)), ((1, 0), (3, 1), (5, 2), (None, 3))])),
        max_extra_bedrooms=draw(st.sampled_from([None, 0, 1])),
        priority=tuple(draw(st.permutations(PRIORITY_CRITERIA)))[:draw(st.integers(0, 4))],
        fallback=draw(st.booleans()),
    )
    seed = draw(st.text(min_size=1, max_size=12))
    return members, units, prefs, rules, seed


def best_rank(prefs, unit):
    return next((r for r, p in enumerate(prefs, 1) if p.matches(unit)), None)


@given(meetings())
@fast
def test_constraints_hold_for_every_method(meeting):
    members, units, prefs, rules, seed = meeting
    by_number = {m.number: m for m in members}
    by_code = {u.code: u for u in units}
    for method in METHODS:
        result = allocate(members, units, prefs, method=method, seed=seed, rules=rules)
        assert sorted(a.member for a in result.assignments) == sorted(by_number)  # each member once
        given_units = [a.unit for a in result.assignments if a.unit is not None]
        assert len(given_units) == len(set(given_units))  # no unit twice
        assert sorted(given_units + list(result.unused_units)) == sorted(by_code)
        assert sorted(result.unassigned_members) == sorted(a.member for a in result.assignments if a.unit is None)
        for a in result.assignments:
            if a.unit is None:
                assert a.how == "none" and a.rank is None
                continue
            member, unit = by_number[a.member], by_code[a.unit]
            assert rules.meets_needs(member.needs, unit)
            assert rules.bedrooms_fit(member.household_size, unit.bedrooms)
            own = prefs.get(a.member, [])
            if a.how == "choice":
                assert a.rank == best_rank(own, unit)
            else:
                assert a.how == "fallback" and rules.fallback and a.rank is None and best_rank(own, unit) is None
        assert [a.order_position for a in result.assignments] == list(range(1, len(members) + 1))
        assert len(result.steps) == len(members)
        if method != "priority":
            assert tuple(a.member for a in result.assignments) == result.draw_order


@given(meetings())
@fast
def test_optimal_scores_no_worse_than_serial_dictatorship(meeting):
    members, units, prefs, rules, seed = meeting
    optimal = allocate(members, units, prefs, method="optimal", seed=seed, rules=rules)
    for method in ("lottery", "priority"):
        other = allocate(members, units, prefs, method=method, seed=seed, rules=rules)
        assert optimal.score() <= other.score()
        if len(optimal.unassigned_members) == len(other.unassigned_members):
            assert optimal.total_rank + optimal.fallback_count * optimal.fallback_rank <= (
                other.total_rank + other.fallback_count * other.fallback_rank)


def brute_force_best(members, units, prefs, rules):
    """The least (unassigned, total rank) over every assignment, by enumeration."""
    big_l = max((len(p) for p in prefs.values()), default=0) + 1
    options = []
    for member in members:
        row = []
        for j, unit in enumerate(units):
            if not rules.suits(member, unit):
                continue
            rank = best_rank(prefs.get(member.number, []), unit)
            if rank is None and rules.fallback:
                rank = big_l
            if rank is not None:
                row.append((j, rank))
        options.append(row)
    best = None

    def walk(i, used, unassigned, total):
        nonlocal best
        if i == len(members):
            if best is None or (unassigned, total) < best:
                best = (unassigned, total)
            return
        walk(i + 1, used, unassigned + 1, total)
        for j, rank in options[i]:
            if j not in used:
                walk(i + 1, used | {j}, unassigned, total + rank)

    walk(0, frozenset(), 0, 0)
    return best


@given(meetings(max_members=5, max_units=5))
@fast
def test_optimal_finds_the_brute_force_optimum(meeting):
    members, units, prefs, rules, seed = meeting
    result = allocate(members, units, prefs, method="optimal", seed=seed, rules=rules)
    assert result.score() == brute_force_best(members, units, prefs, rules)


@given(meetings(max_members=6, max_units=6))
@settings(max_examples=50, deadline=None)
def test_results_are_reproducible(meeting):
    members, units, prefs, rules, seed = meeting
    for method in METHODS:
        assert allocate(members, units, prefs, method=method, seed=seed, rules=rules) == allocate(
            list(reversed(members)), list(reversed(units)), prefs, method=method, seed=seed, rules=rules)
