"""Amendments after a confirmed meeting, without a database: which are allowed and what each changes."""

from __future__ import annotations

import pickle

import pytest

from allocation import amendments
from allocation.amendments import AmendmentConflict, Decision, Holding, NewAllocation, Request
from allocation.errors import AllocationError
from allocation.model import Member, Preference, Rules, UnitOption

UNITS = {u.code: u for u in (
    UnitOption("A-1-01", "T36", "A", 1, 2), UnitOption("A-1-05", "T36", "A", 1, 2),
    UnitOption("A-3-04", "T36", "A", 3, 2), UnitOption("A-4-01", "T36", "A", 4, 2),
    UnitOption("A-4-02", "T36", "A", 4, 2), UnitOption("A-4-07", "T36", "A", 4, 2),
    UnitOption("B-3-01", "T45", "B", 3, 3, lift=True), UnitOption("B-3-02", "T45", "B", 3, 3, lift=True))}
PARTICIPANTS = {m.number: m for m in (
    Member("KNR-001", 3), Member("KNR-002", 2), Member("KNR-003", 4),
    Member("KNR-010", 2, frozenset({"ground_floor"})), Member("KNR-011", 2, frozenset({"lift"})),
    Member("KNR-004", 5), Member("KNR-020", 2))}
HELD = (Holding("KNR-001", "A-4-01", 1, True, 101), Holding("KNR-002", "A-4-02", 2, True, 102),
        Holding("KNR-003", "A-3-04", 3, True, 103), Holding("KNR-010", "A-1-05", 4, True, 104),
        Holding("KNR-011", "B-3-01", 5, True, 105), Holding("KNR-030", "A-1-01", 1, False, 201))


def _meeting(**changes) -> amendments.Meeting:
    fields = {"confirmed": True, "scenario": "Skenario 1", "units": UNITS, "participants": PARTICIPANTS,
              "preferences": {"KNR-001": [Preference("unit", "A-4-02"), Preference("floor", 4)],
                              "KNR-002": [Preference("unit_type", "T45")]},
              "rules": Rules(), "held": HELD, "members": {"KNR-099"}, **changes}
    return amendments.Meeting(**fields)


def _decide(meeting=None, **request) -> Decision:
    return amendments.decide(meeting or _meeting(), Request(**{"reason": "Keputusan rapat", **request}))


def _refused(meeting=None, **request) -> AllocationError:
    with pytest.raises(AllocationError) as refused:
        _decide(meeting, **request)
    return refused.value


def test_a_move_ends_the_members_allocation_and_keeps_their_place_in_the_draw():
    decision = _decide(kind="move", member="KNR-001", unit="A-4-07")
    assert decision.ending == (HELD[0],)
    assert decision.new == (NewAllocation("KNR-001", "A-4-07", 2, 1),)  # their choice 2 (floor 4)
    assert decision.before() == [{"member": "KNR-001", "unit": "A-4-01"}]
    assert decision.after() == [{"member": "KNR-001", "unit": "A-4-07"}]


def test_a_swap_exchanges_two_units_each_member_keeping_their_place():
    decision = _decide(kind="swap", member="KNR-001", other_member="KNR-002", reference="SK 12/2027")
    assert decision.ending == (HELD[0], HELD[1]) and decision.reference == "SK 12/2027"
    assert decision.new == (NewAllocation("KNR-001", "A-4-02", 1, 1), NewAllocation("KNR-002", "A-4-01", None, 2))


def test_a_withdrawal_ends_the_allocation_and_adds_none():
    decision = _decide(kind="withdraw", member="KNR-003")
    assert decision.ending == (HELD[2],) and decision.new == () and decision.after() == []


def test_an_allocation_gives_a_free_unit_to_a_participant_without_one_outside_the_draw():
    decision = _decide(kind="allocate", member="KNR-020", unit="A-4-07")
    assert decision.ending == () and decision.new == (NewAllocation("KNR-020", "A-4-07", None, None),)
    assert decision.before() == []


@pytest.mark.parametrize("request_fields, code, field", [
    ({"kind": "pindah", "member": "KNR-001"}, "amendment.kind", "kind"),
    ({"kind": None, "member": "KNR-001"}, "amendment.kind", "kind"),
    ({"kind": "move", "member": "KNR-001", "reason": ""}, "amendment.reason", "reason"),
    ({"kind": "move", "member": "", "unit": "A-4-07"}, "amendment.member_missing", "member"),
    ({"kind": "move", "member": "KNR-999", "unit": "A-4-07"}, "amendment.member_unknown", "member"),
    ({"kind": "allocate", "member": "KNR-099", "unit": "A-4-07"}, "amendment.not_participant", "member"),
    ({"kind": "move", "member": "KNR-001", "unit": ""}, "amendment.unit_missing", "unit"),
    ({"kind": "move", "member": "KNR-001", "unit": "Z-9-99"}, "amendment.unit_unknown", "unit"),
    ({"kind": "move", "member": "KNR-020", "unit": "A-4-07"}, "amendment.no_unit", "member"),
    ({"kind": "withdraw", "member": "KNR-020"}, "amendment.no_unit", "member"),
    ({"kind": "move", "member": "KNR-010", "unit": "A-4-07"}, "amendment.needs_ground_floor", "unit"),
    ({"kind": "move", "member": "KNR-011", "unit": "A-4-07"}, "amendment.needs_lift", "unit"),
    ({"kind": "allocate", "member": "KNR-004", "unit": "A-4-07"}, "amendment.bedrooms", "unit"),
    ({"kind": "swap", "member": "KNR-001", "other_member": "KNR-010"}, "amendment.needs_ground_floor",
     "other_member"),
    ({"kind": "swap", "member": "KNR-001", "other_member": "KNR-001"}, "amendment.swap_same", "other_member"),
    ({"kind": "swap", "member": "KNR-001", "other_member": "KNR-020"}, "amendment.no_unit", "other_member"),
    ({"kind": "swap", "member": "KNR-001", "other_member": ""}, "amendment.member_missing", "other_member"),
])
def test_refusals_name_the_field(request_fields, code, field):
    refused = _refused(**request_fields)
    assert (refused.message.code, refused.field, refused.status) == (code, field, 400)
    assert not isinstance(refused, AmendmentConflict)


@pytest.mark.parametrize("meeting_changes, request_fields, code", [
    ({"confirmed": False}, {"kind": "withdraw", "member": "KNR-001"}, "amendment.not_confirmed"),
    ({}, {"kind": "move", "member": "KNR-001", "unit": "A-4-02"}, "amendment.unit_taken"),
    ({}, {"kind": "move", "member": "KNR-001", "unit": "A-1-01"}, "amendment.unit_taken"),  # another meeting's
    ({}, {"kind": "allocate", "member": "KNR-001", "unit": "A-4-07"}, "amendment.holds_unit"),
])
def test_conflicts_with_the_recorded_state_are_409(meeting_changes, request_fields, code):
    refused = _refused(_meeting(**meeting_changes), **request_fields)
    assert isinstance(refused, AmendmentConflict) and refused.status == 409 and refused.message.code == code


def test_a_member_holding_a_unit_from_another_meeting_cannot_be_moved_by_this_one():
    meeting = _meeting(participants={**PARTICIPANTS, "KNR-030": Member("KNR-030", 2)})
    assert _refused(meeting, kind="move", member="KNR-030", unit="A-4-07").message.code == "amendment.no_unit"
    assert _refused(meeting, kind="allocate", member="KNR-030", unit="A-4-07").message.code == "amendment.holds_unit"


def test_the_rules_of_the_meeting_decide_what_suits():
    strict = _meeting(rules=Rules(max_extra_bedrooms=0))
    refused = _refused(strict, kind="move", member="KNR-002", unit="B-3-02")  # 3 bedrooms for 2 persons
    assert refused.message.code == "amendment.bedrooms" and refused.message.fields["needed"] == 1
    assert _decide(kind="move", member="KNR-002", unit="B-3-02").new[0].rank == 1  # T45, their first choice
    ground = _meeting(rules=Rules(ground_floor=4))
    assert _decide(ground, kind="move", member="KNR-010", unit="A-4-07").new[0].unit == "A-4-07"


def test_a_step_free_refusal_names_the_unit_and_its_floor():
    refused = _refused(kind="move", member="KNR-010", unit="A-4-07")
    assert refused.message.fields == {"member": "KNR-010", "unit": "A-4-07", "floor": 4}


def test_a_swap_into_a_unit_the_scenario_no_longer_has_is_refused():
    meeting = _meeting(units={k: v for k, v in UNITS.items() if k != "A-4-02"})
    assert _refused(meeting, kind="swap", member="KNR-001", other_member="KNR-002").message.code == \
        "amendment.unit_unknown"


def test_the_request_is_read_from_a_form():
    request = amendments.read_request({"kind": "move", "member": " KNR-001 ", "unit": " A-4-07", "reason": "x" * 600,
                                       "reference": "  "})
    assert request == Request("move", "KNR-001", "x" * 500, None, "A-4-07", "")
    assert amendments.read_request({}).reason == "" and amendments.read_request({}).kind is None


def test_check_request_refuses_before_anything_is_read():
    with pytest.raises(AmendmentConflict):
        amendments.check_request(False, Request("move", "KNR-001", "x"))
    with pytest.raises(AllocationError):
        amendments.check_request(True, Request("move", "KNR-001", ""))
    amendments.check_request(True, Request("swap", "KNR-001", "x"))


def test_money_held_on_an_ending_allocation_blocks_the_amendment():
    ending = (HELD[0], HELD[1])
    amendments.check_settled(ending, {101: 0, 102: 0})
    amendments.check_settled(ending, {})
    with pytest.raises(AmendmentConflict) as held:
        amendments.check_settled(ending, {101: 0, 102: 1_000_000})
    assert held.value.message.fields == {"member": "KNR-002", "unit": "A-4-02"} and held.value.status == 409


def test_a_refusal_pickles_with_its_class_and_field():
    refused = _refused(kind="move", member="KNR-001", unit="A-4-02")
    again = pickle.loads(pickle.dumps(refused))  # noqa: S301  (our own bytes)
    assert type(again) is AmendmentConflict and again.field == "unit" and again.messages == refused.messages
