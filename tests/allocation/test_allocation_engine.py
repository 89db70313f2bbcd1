"""The three methods on small meetings worked out by hand, and the input they refuse."""

from __future__ import annotations

from datetime import date

import pytest

from allocation import AllocationError, Member, Preference, Rules, UnitOption, allocate, draw_order, seed_hash

SEED = "rapat-anggota-2026"


def unit(code, *, unit_type="T36", building=None, floor=None, bedrooms=2, lift=False):
    building = building or code.split("-")[0]
    floor = floor if floor is not None else int(code.split("-")[1])
    return UnitOption(code, unit_type, building, floor, bedrooms, lift)


def u(code):
    return Preference("unit", code)


def outcome(result):
    return {a.member: (a.unit, a.rank) for a in result.assignments}


def two_members_in_draw_order(seed=SEED):
    """Two member numbers, the first drawn first under `seed`."""
    return draw_order(seed, ["0001", "0002"])


# --- lottery (serial dictatorship in draw order) ------------------------------------------------

def test_lottery_each_member_takes_their_best_free_choice_in_draw_order():
    first, second = two_members_in_draw_order()
    units = [unit("A-1-01"), unit("A-1-02")]
    prefs = {first: [u("A-1-01"), u("A-1-02")], second: [u("A-1-01"), u("A-1-02")]}
    members = [Member("0001", 3), Member("0002", 3)]
    result = allocate(members, units, prefs, method="lottery", seed=SEED)
    assert outcome(result) == {first: ("A-1-01", 1), second: ("A-1-02", 2)}
    assert [a.member for a in result.assignments] == [first, second]
    assert [a.order_position for a in result.assignments] == [1, 2]
    assert result.draw_order == (first, second)
    assert result.seed_hash == seed_hash(SEED)
    assert result.total_rank == 3
    assert [s.render() for s in result.steps] == [
        f"1. Member {first} takes A-1-01 (their choice 1).",
        f"2. Member {second} takes A-1-02 (their choice 2).",
    ]


def test_the_same_seed_gives_the_same_result_and_anyone_can_redo_it():
    members = [Member(f"{i:04d}", 3) for i in range(1, 30)]
    units = [unit(f"A-{f}-{k:02d}") for f in range(1, 5) for k in range(1, 8)]
    prefs = {m.number: [u(units[(i * 7) % len(units)].code), Preference("floor", 1 + i % 4)]
             for i, m in enumerate(members)}
    for method in ("lottery", "priority", "optimal"):
        a = allocate(members, units, prefs, method=method, seed=SEED)
        b = allocate(list(reversed(members)), list(reversed(units)), dict(reversed(prefs.items())),
                     method=method, seed=SEED)
        assert a == b


def test_type_block_and_floor_choices_take_the_first_free_unit_in_code_order():
    units = [unit("B-2-02", unit_type="T45", bedrooms=3), unit("A-3-01", unit_type="T45", bedrooms=3),
             unit("A-1-01"), unit("B-1-01")]
    members = [Member("0001", 3)]
    for pref, expected in ((Preference("unit_type", "T45"), "A-3-01"), (Preference("building", "B"), "B-1-01"),
                           (Preference("floor", 2), "B-2-02")):
        result = allocate(members, units, {"0001": [pref]}, method="lottery", seed=SEED)
        assert outcome(result) == {"0001": (expected, 1)}


def test_fallback_gives_the_first_suitable_free_unit_or_nothing_when_off():
    first, second = two_members_in_draw_order()
    units = [unit("A-1-01"), unit("A-2-01")]
    prefs = {first: [u("A-1-01")], second: [u("A-1-01")]}
    members = [Member("0001", 3), Member("0002", 3)]
    result = allocate(members, units, prefs, method="lottery", seed=SEED)
    assert outcome(result) == {first: ("A-1-01", 1), second: ("A-2-01", None)}
    assert result.assignments[1].how == "fallback" and result.fallback_count == 1
    result = allocate(members, units, prefs, method="lottery", seed=SEED, rules=Rules(fallback=False))
    assert outcome(result) == {first: ("A-1-01", 1), second: (None, None)}
    assert result.unassigned_members == (second,) and result.unused_units == ("A-2-01",)
    assert result.steps[1].code == "gets_nothing"


def test_fallback_keeps_ground_floor_units_for_the_members_who_need_them():
    # Drawn first and with no choice free, a member without needs must not take the only ground-floor unit
    # when an upper one suits them: the member drawn after them cannot climb stairs.
    first, second = two_members_in_draw_order()
    units = [unit("A-1-01"), unit("A-2-01")]
    members = [Member(first, 3), Member(second, 3, frozenset({"ground_floor"}))]
    result = allocate(members, units, {first: [], second: []}, method="lottery", seed=SEED)
    assert outcome(result) == {first: ("A-2-01", None), second: ("A-1-01", None)}
    # When only step-free units are left, a member without needs still gets one.
    result = allocate([Member(first, 3)], [unit("A-1-01")], {first: []}, method="lottery", seed=SEED)
    assert outcome(result) == {first: ("A-1-01", None)}


def test_needs_and_bedrooms_are_respected_even_against_a_members_choice():
    units = [unit("A-3-01", bedrooms=1), unit("A-1-01", bedrooms=1), unit("B-3-01", bedrooms=1, lift=True),
             unit("A-2-02", bedrooms=3)]
    members = [Member("0001", 1, frozenset({"ground_floor"})), Member("0002", 2, frozenset({"lift"})),
               Member("0003", 6)]
    prefs = {"0001": [u("A-3-01")], "0002": [u("A-1-01"), u("B-3-01")], "0003": [u("A-1-01")]}
    result = allocate(members, units, prefs, method="lottery", seed=SEED)
    got = outcome(result)
    assert got["0001"] == ("A-1-01", None)  # fallback: A-3-01 is up the stairs
    assert got["0002"] == ("B-3-01", 2)  # A-1-01 has no lift
    assert got["0003"] == ("A-2-02", None)  # six persons need three bedrooms
    assert {n.code for n in result.notes} == {"choice_unsuitable"}
    assert len(result.notes) == 3


def test_ground_floor_need_accepts_upper_floors_with_a_lift():
    rules = Rules()
    member = Member("0001", 2, frozenset({"ground_floor"}))
    assert rules.suits(member, unit("B-4-01", bedrooms=1, lift=True))
    assert rules.suits(member, unit("A-1-01", bedrooms=1))
    assert not rules.suits(member, unit("A-2-01", bedrooms=1))
    lift_member = Member("0002", 2, frozenset({"lift"}))
    assert not rules.suits(lift_member, unit("A-1-01", bedrooms=1))
    assert rules.suits(lift_member, unit("B-1-01", bedrooms=1, lift=True))


def test_bedroom_rule_is_configurable():
    rules = Rules()
    assert [rules.bedrooms_for_household(n) for n in (1, 2, 3, 4, 5, 9)] == [1, 1, 2, 2, 3, 3]
    assert rules.bedrooms_fit(2, 3)  # by default a larger unit is fine
    exact = Rules(bedroom_bands=((1, 0), (3, 1), (None, 2)), max_extra_bedrooms=0)
    assert [exact.bedrooms_for_household(n) for n in (1, 2, 3, 4)] == [0, 1, 1, 2]
    assert exact.bedrooms_fit(2, 1) and not exact.bedrooms_fit(2, 2) and not exact.bedrooms_fit(4, 1)
    with pytest.raises(AllocationError) as caught:
        Rules(bedroom_bands=((4, 2), (2, 1)), max_extra_bedrooms=-1, priority=("luck",))
    assert caught.value.codes == ("bad_bedroom_bands", "bad_max_extra_bedrooms", "bad_priority")


# --- priority ------------------------------------------------------------------------------------

def test_priority_orders_by_the_rules_then_the_lottery():
    members = [
        Member("0001", 3, joined=date(2020, 1, 1), savings=9_000_000),
        Member("0002", 3, original_resident=True, joined=date(2018, 1, 1), savings=1_000_000),
        Member("0003", 3, original_resident=True, joined=date(2016, 5, 1), savings=1_000_000),
        Member("0004", 3, frozenset({"lift"}), joined=date(2021, 1, 1)),
        Member("0005", 3, joined=date(2020, 1, 1), savings=2_000_000),
        Member("0006", 3, joined=None, savings=50_000_000),
        Member("0007", 3, joined=date(2020, 1, 1), savings=2_000_000),
    ]
    units = [unit(f"B-{i}-01", lift=True) for i in range(1, 8)]
    prefs = {m.number: [u("B-1-01")] for m in members}
    result = allocate(members, units, prefs, method="priority", seed=SEED)
    order = [a.member for a in result.assignments]
    tie = draw_order(SEED, ["0005", "0007"])
    assert order == ["0003", "0002", "0004", "0001", *tie, "0006"]
    assert result.unit_of("0003") == "B-1-01" and result.assignments[0].rank == 1

    savings_first = Rules(priority=("savings",))
    order = [a.member for a in allocate(members, units, prefs, method="priority", seed=SEED,
                                        rules=savings_first).assignments]
    assert order[:2] == ["0006", "0001"]
    assert order[2:4] == draw_order(SEED, ["0005", "0007"])  # equal savings: the lottery decides
    assert order[-3:] == [*draw_order(SEED, ["0002", "0003"]), "0004"]

    by_lottery_only = Rules(priority=())
    order = [a.member for a in allocate(members, units, prefs, method="priority", seed=SEED,
                                        rules=by_lottery_only).assignments]
    assert order == draw_order(SEED, [m.number for m in members])


# --- optimal ------------------------------------------------------------------------------------

def test_optimal_minimises_the_total_rank_where_serial_dictatorship_does_not():
    # Whoever is drawn first takes X; the optimum gives X to the one who has no other choice.
    first, second = two_members_in_draw_order()
    units = [unit("A-1-01"), unit("A-1-02")]
    prefs = {first: [u("A-1-01"), u("A-1-02")], second: [u("A-1-01")]}
    members = [Member("0001", 3), Member("0002", 3)]
    rules = Rules(fallback=False)
    lottery = allocate(members, units, prefs, method="lottery", seed=SEED, rules=rules)
    optimal = allocate(members, units, prefs, method="optimal", seed=SEED, rules=rules)
    assert outcome(lottery) == {first: ("A-1-01", 1), second: (None, None)}
    assert outcome(optimal) == {first: ("A-1-02", 2), second: ("A-1-01", 1)}
    assert optimal.score() < lottery.score()


def test_optimal_breaks_ties_by_the_draw_order():
    first, second = two_members_in_draw_order()
    units = [unit("A-1-01"), unit("A-1-02")]
    prefs = {"0001": [u("A-1-01"), u("A-1-02")], "0002": [u("A-1-01"), u("A-1-02")]}
    members = [Member("0001", 3), Member("0002", 3)]
    result = allocate(members, units, prefs, method="optimal", seed=SEED)
    assert outcome(result) == {first: ("A-1-01", 1), second: ("A-1-02", 2)}
    # the other seed order flips it
    other = next(s for s in (f"s{i}" for i in range(100)) if two_members_in_draw_order(s)[0] == second)
    assert outcome(allocate(members, units, prefs, method="optimal", seed=other)) == {
        second: ("A-1-01", 1), first: ("A-1-02", 2)}


def test_optimal_gives_units_of_equal_rank_in_code_order_to_earlier_members():
    order = draw_order(SEED, ["0001", "0002", "0003"])
    units = [unit("A-1-03"), unit("A-1-01"), unit("A-1-02")]
    prefs = {n: [Preference("unit_type", "T36")] for n in order}
    result = allocate([Member(n, 3) for n in order], units, prefs, method="optimal", seed=SEED)
    assert [(a.member, a.unit, a.rank) for a in result.assignments] == [
        (order[0], "A-1-01", 1), (order[1], "A-1-02", 1), (order[2], "A-1-03", 1)]


def test_optimal_houses_as_many_members_as_possible_before_ranks():
    # A low-rank optimum would give X to 0001 (choice 1); but then 0002 (who accepts only X) is left out.
    units = [unit("A-1-01"), unit("A-1-02", bedrooms=1)]
    members = [Member("0001", 2), Member("0002", 3)]
    prefs = {"0001": [u("A-1-01"), u("A-1-02")], "0002": [u("A-1-01")]}
    result = allocate(members, units, prefs, method="optimal", seed=SEED, rules=Rules(fallback=False))
    assert outcome(result) == {"0001": ("A-1-02", 2), "0002": ("A-1-01", 1)}


def test_more_members_than_units_and_no_units():
    members = [Member(f"{i:04d}", 2) for i in range(5)]
    units = [unit("A-1-01"), unit("A-1-02")]
    for method in ("priority", "lottery", "optimal"):
        result = allocate(members, units, {}, method=method, seed=SEED)
        assert len(result.unassigned_members) == 3 and result.unused_units == ()
        assert {a.unit for a in result.assignments} == {"A-1-01", "A-1-02", None}
        result = allocate(members, [], {}, method=method, seed=SEED)
        assert len(result.unassigned_members) == 5
        assert allocate([], units, {}, method=method, seed=SEED).unused_units == ("A-1-01", "A-1-02")


def test_kept_units_stay_out_of_the_meeting():
    members = [Member("0001", 3), Member("0002", 3)]
    units = [unit("A-1-01"), unit("A-1-02")]
    prefs = {"0001": [u("A-1-01")], "0002": [u("A-1-01"), u("A-1-02")]}
    for method in ("priority", "lottery", "optimal"):
        result = allocate(members, units, prefs, method=method, seed=SEED, kept={"0002": "A-1-01"})
        assert outcome(result) == {"0002": ("A-1-01", 1), "0001": ("A-1-02", None)}
        assert next(a for a in result.assignments if a.member == "0002").how == "kept"


# --- bad input ----------------------------------------------------------------------------------

def test_bad_input_is_refused_with_every_problem_listed():
    members = [Member("0001", 3), Member("0001", 2), Member("0002", 0, frozenset({"sea_view"}))]
    units = [unit("A-1-01"), unit("A-1-01"), unit("A-1-02")]
    prefs = {"0001": [u("Z-9-99"), Preference("unit_type", "T99"), Preference("building", "C"),
                      Preference("floor", 7), u("A-1-02"), u("A-1-02")],
             "0404": [u("A-1-01")]}
    with pytest.raises(AllocationError) as caught:
        allocate(members, units, prefs, method="lottery", seed="")
    assert set(caught.value.codes) == {
        "seed_missing", "duplicate_member", "bad_household_size", "bad_needs", "duplicate_unit",
        "unknown_unit", "unknown_unit_type", "unknown_building", "unknown_floor", "duplicate_choice",
        "preferences_unknown_member"}
    text = str(caught.value)
    assert "Z-9-99" in text and "0404" in text


def test_a_member_with_two_units_or_a_unit_given_twice_is_refused():
    members = [Member("0001", 3), Member("0002", 3)]
    units = [unit("A-1-01"), unit("A-1-02")]
    with pytest.raises(AllocationError) as caught:
        allocate(members, units, {}, method="optimal", seed=SEED, kept=[("0001", "A-1-01"), ("0001", "A-1-02")])
    assert caught.value.codes == ("member_two_units",)
    assert "0001" in str(caught.value) and "A-1-01, A-1-02" in str(caught.value)
    with pytest.raises(AllocationError) as caught:
        allocate(members, units, {}, method="optimal", seed=SEED, kept=[("0001", "A-1-01"), ("0002", "A-1-01")])
    assert caught.value.codes == ("unit_twice",)
    with pytest.raises(AllocationError) as caught:
        allocate(members, units, {}, method="optimal", seed=SEED, kept=[("0009", "A-1-09")])
    assert caught.value.codes == ("kept_unknown_member", "kept_unknown_unit")
    with pytest.raises(AllocationError) as caught:
        allocate([Member("0001", 6)], units, {}, method="optimal", seed=SEED, kept=[("0001", "A-1-01")])
    assert caught.value.codes == ("kept_unsuitable",)


def test_a_seed_that_does_not_match_the_published_hash_allocates_nothing():
    members, units = [Member("0001", 3)], [unit("A-1-01")]
    with pytest.raises(AllocationError) as caught:
        allocate(members, units, {}, method="lottery", seed="wrong", published_hash=seed_hash(SEED))
    assert caught.value.codes == ("seed_mismatch",)
    result = allocate(members, units, {}, method="lottery", seed=SEED, published_hash=seed_hash(SEED))
    assert result.unit_of("0001") == "A-1-01"


@pytest.mark.parametrize("method", ["priority", "optimal"])
def test_every_method_needs_a_seed(method):
    with pytest.raises(AllocationError) as caught:
        allocate([Member("0001", 3)], [unit("A-1-01")], {}, method=method, seed=None)
    assert caught.value.codes == ("seed_missing",)


def test_unknown_method_is_refused():
    with pytest.raises(AllocationError) as caught:
        allocate([], [], {}, method="auction", seed=SEED)
    assert caught.value.codes == ("bad_method",)


def test_optimal_refuses_a_meeting_too_large_to_solve_exactly(monkeypatch):
    import allocation.engine as engine

    monkeypatch.setattr(engine, "EXACT", 10**5)
    members = [Member(f"{i:04d}", 2) for i in range(20)]
    with pytest.raises(AllocationError) as caught:
        allocate(members, [unit("A-1-01")], {}, method="optimal", seed=SEED)
    assert caught.value.codes == ("too_large_for_optimal",)
    assert allocate(members, [unit("A-1-01")], {}, method="lottery", seed=SEED).unused_units == ()
