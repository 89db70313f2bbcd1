"""Amendments to a confirmed meeting's result: which are allowed and what each changes.

After a meeting is confirmed, the board may change who holds which unit by a recorded decision with its reason
(and, optionally, the reference of the decision, an SK or the minutes of an RAT):

- `move`: a member who holds a unit from this meeting moves to a free unit; the new allocation keeps their place
  in the draw;
- `swap`: two members who hold units from this meeting exchange them, each keeping their place in the draw;
- `withdraw`: a member's unit from this meeting is taken back and becomes free;
- `allocate`: a free unit is given to a participant who holds none (anywhere in the project); it has no place in
  the draw.

A free unit is a unit of the meeting's scenario that no allocation in force holds, from this meeting or another of
the project. The board changes who lives where, not the rules: every new allocation must suit its member under the
rules the meeting was held under (`Rules.meets_needs`, `Rules.bedrooms_fit`), as the engine's own did. A new
allocation's rank is the member's first choice it matches, or none. Allocations that end are kept (not deleted)
with the reason; one whose instalment plans hold money cannot end until the treasurer has settled it
(`check_settled`).

`decide` answers with the allocations that end and those added, or raises `AllocationError` (`AmendmentConflict`,
status 409, when the request contradicts the state: a meeting not confirmed, a unit taken, a member who holds one).
Member numbers and unit codes only; nothing here reads or writes a database.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from allocation.errors import AllocationError
from allocation.model import Member, Preference, Rules, UnitOption
from kernel import limits
from kernel.messages import N_, Message

KINDS = ("move", "swap", "withdraw", "allocate")
REASON_MAX = limits.REASON
REFERENCE_MAX = 200


class AmendmentConflict(AllocationError):
    """The amendment contradicts what is recorded now: nothing was changed."""

    status = 409


@dataclass(frozen=True)
class Request:
    """An amendment as asked for; `unit` for move and allocate, `other_member` for swap."""

    kind: str | None
    member: str
    reason: str
    reference: str | None = None
    unit: str = ""
    other_member: str = ""


@dataclass(frozen=True)
class Holding:
    """An allocation in force in the project: `key` is the shell's (a row id)."""

    member: str
    unit: str
    draw_position: int | None
    this_meeting: bool  # from the meeting being amended
    key: Any = None


@dataclass(frozen=True)
class Meeting:
    """The meeting as amendments see it, and the allocations in force in its project."""

    confirmed: bool
    scenario: str  # its name, for messages
    units: Mapping[str, UnitOption]  # the scenario's units by code
    participants: Mapping[str, Member]  # by member number
    preferences: Mapping[str, Sequence[Preference]]  # by member number, best first
    rules: Rules  # the rules the meeting was held under
    held: Sequence[Holding]  # every allocation in force in the project
    members: Collection[str] = ()  # the cooperative's member numbers (at least those a request names)


@dataclass(frozen=True)
class NewAllocation:
    member: str
    unit: str
    rank: int | None  # the member's first choice the unit matches
    draw_position: int | None


@dataclass(frozen=True)
class Decision:
    kind: str
    reason: str
    reference: str | None
    ending: tuple[Holding, ...]  # allocations in force that end
    new: tuple[NewAllocation, ...]  # allocations added

    def before(self) -> list[dict[str, str]]:
        return [{"member": h.member, "unit": h.unit} for h in self.ending]

    def after(self) -> list[dict[str, str]]:
        return [{"member": n.member, "unit": n.unit} for n in self.new]


def read_request(data: Mapping[str, Any]) -> Request:
    """A form's `kind`, `member`, `unit`, `other_member`, `reason` and `reference`, trimmed (and cut to length)."""

    def text(key: str) -> str:
        return str(data.get(key) or "").strip()

    return Request(kind=data.get("kind"), member=text("member"), reason=text("reason")[:REASON_MAX],
                   reference=text("reference")[:REFERENCE_MAX] or None, unit=text("unit"),
                   other_member=text("other_member"))


def _refuse(code: str, msgid: str, field: str | None = None, **fields: Any) -> AllocationError:
    return AllocationError(Message(f"amendment.{code}", msgid, fields), field=field)


def _conflict(code: str, msgid: str, field: str | None = None, **fields: Any) -> AmendmentConflict:
    return AmendmentConflict(Message(f"amendment.{code}", msgid, fields), field=field)


def check_request(confirmed: bool, request: Request) -> None:
    """What can be refused before the meeting's allocations are read: a meeting not confirmed, no kind, no reason."""
    if not confirmed:
        raise _conflict("not_confirmed", N_(
            "Only a confirmed meeting's result can be amended; until then the draw decides."))
    if request.kind not in KINDS:
        raise _refuse("kind", N_("Choose the kind of amendment."), "kind")
    if not request.reason:
        raise _refuse("reason", N_("An amendment needs its reason, as written in the decision."), "reason")


def decide(meeting: Meeting, request: Request) -> Decision:
    """What the amendment changes, or the first reason it cannot be made (the checks in the order a form is read:
    the meeting, the kind, the reason, the member, then the units)."""
    check_request(meeting.confirmed, request)
    held = {h.member: h for h in meeting.held}
    holder = {h.unit: h for h in meeting.held}

    def own(number: str, field: str) -> Holding:
        holding = held.get(number)
        if holding is None or not holding.this_meeting:
            raise _refuse("no_unit", N_("Member {number} has no unit in force from this meeting."), field,
                          number=number)
        return holding

    def free_unit() -> UnitOption:
        code = request.unit
        if not code:
            raise _refuse("unit_missing", N_("Choose the unit."), "unit")
        if code not in meeting.units:
            raise _refuse("unit_unknown", N_("The scenario {scenario} has no unit {unit}."), "unit",
                          scenario=meeting.scenario, unit=code)
        if code in holder:
            raise _conflict("unit_taken", N_("Unit {unit} is not free: member {member} holds it."), "unit",
                            unit=code, member=holder[code].member)
        return meeting.units[code]

    def new(number: str, unit: UnitOption, position: int | None) -> NewAllocation:
        return NewAllocation(number, unit.code, rank(meeting.preferences.get(number, ()), unit), position)

    number = participant(meeting, request.member, "member")
    household = meeting.participants[number]
    if request.kind == "allocate":
        if number in held:
            raise _conflict("holds_unit", N_("Member {number} holds unit {unit} already: move them instead."),
                            "member", number=number, unit=held[number].unit)
        unit = free_unit()
        check_suits(meeting.rules, household, unit, "unit")
        return Decision(request.kind, request.reason, request.reference, (), (new(number, unit, None),))
    mine = own(number, "member")
    if request.kind == "withdraw":
        return Decision(request.kind, request.reason, request.reference, (mine,), ())
    if request.kind == "move":
        unit = free_unit()
        check_suits(meeting.rules, household, unit, "unit")
        return Decision(request.kind, request.reason, request.reference, (mine,),
                        (new(number, unit, mine.draw_position),))
    other = participant(meeting, request.other_member, "other_member")
    if other == number:
        raise _refuse("swap_same", N_("Choose two different members to swap."), "other_member")
    theirs = own(other, "other_member")
    # Both are checked before anything changes; a unit the scenario no longer has cannot be swapped into.
    mine_unit, their_unit = _unit_of(meeting, mine), _unit_of(meeting, theirs)
    check_suits(meeting.rules, household, their_unit, "other_member")
    check_suits(meeting.rules, meeting.participants[other], mine_unit, "other_member")
    return Decision(request.kind, request.reason, request.reference, (mine, theirs),
                    (new(number, their_unit, mine.draw_position), new(other, mine_unit, theirs.draw_position)))


def participant(meeting: Meeting, number: str, field: str) -> str:
    """The member number, if that member took part in the meeting."""
    number = (number or "").strip()
    if not number:
        raise _refuse("member_missing", N_("Choose the member."), field)
    if number in meeting.participants:
        return number
    if number in meeting.members:
        raise _refuse("not_participant", N_("Member {number} did not take part in this meeting."), field,
                      number=number)
    raise _refuse("member_unknown", N_("The cooperative has no member numbered {number}."), field, number=number)


def _unit_of(meeting: Meeting, holding: Holding) -> UnitOption:
    unit = meeting.units.get(holding.unit)
    if unit is None:
        raise _refuse("unit_unknown", N_("The scenario {scenario} has no unit {unit}."), "other_member",
                      scenario=meeting.scenario, unit=holding.unit)
    return unit


def rank(preferences: Sequence[Preference], unit: UnitOption) -> int | None:
    """The member's first choice (1-based) the unit matches; None when it matches none."""
    return next((i for i, p in enumerate(preferences, start=1) if p.matches(unit)), None)


def check_suits(rules: Rules, member: Member, unit: UnitOption, field: str) -> None:
    """The engine's own rules (`Rules.suits`): a board may change who lives where, not the rules themselves."""
    if not rules.meets_needs(member.needs, unit):
        if "lift" in member.needs and not unit.lift:
            raise _refuse("needs_lift", N_("Member {member} needs a unit in a building with a lift; {unit} has none."),
                          field, member=member.number, unit=unit.code)
        raise _refuse("needs_ground_floor", N_(
            "Member {member} needs step-free access: {unit} is on floor {floor} of a building without a lift."),
            field, member=member.number, unit=unit.code, floor=unit.floor)
    if not rules.bedrooms_fit(member.household_size, unit.bedrooms):
        raise _refuse("bedrooms", N_(
            "Unit {unit} has {bedrooms} bedrooms; the cooperative's bedroom rule gives the household of member "
            "{member} ({persons} persons) {needed} bedrooms."), field, unit=unit.code, bedrooms=unit.bedrooms,
            member=member.number, persons=member.household_size,
            needed=rules.bedrooms_for_household(member.household_size))


def check_settled(ending: Sequence[Holding], held: Mapping[Any, int]) -> None:
    """Money is never moved or written off silently: an allocation whose instalment plans (any version of them)
    hold money (`held`, by the holding's key: payments less reversals) cannot end until the cooperative's
    treasurer has settled it (refunded or reversed)."""
    for holding in ending:
        if held.get(holding.key, 0) > 0:
            raise _conflict("money_held", N_(
                "Member {member} has payments on record on the instalment plan of unit {unit}. The cooperative's "
                "treasurer must settle them first (refund or reverse them); nothing was changed."),
                member=holding.member, unit=holding.unit)
