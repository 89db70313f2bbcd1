"""Members, units, preferences and the rules of an allocation meeting.

Plain frozen dataclasses; the checks that need the whole meeting (unknown units, duplicate member
numbers) are in `allocation.engine.validate`.

Needs (`Member.needs`), with the ground floor being `Rules.ground_floor` (lantai 1):

- ``"ground_floor"``: step-free access: a unit on the ground floor, or on any floor of a building
  with a lift;
- ``"lift"``: a unit in a building with a lift (on any floor, the ground floor included).

Bedrooms: a household of `household_size` persons needs `Rules.bedrooms_for_household(size)`
bedrooms (by default 1 up to 2 persons, 2 up to 4, 3 above). A unit suits it when it has at least
that many and, if `Rules.max_extra_bedrooms` is set, at most that many more (0: exactly that many).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from allocation.errors import AllocationError
from kernel.messages import N_, Message

NEEDS = ("ground_floor", "lift")
PREFERENCE_KINDS = ("unit", "unit_type", "building", "floor")
PRIORITY_CRITERIA = ("original_resident", "needs", "seniority", "savings")
DEFAULT_BEDROOM_BANDS: tuple[tuple[int | None, int], ...] = ((2, 1), (4, 2), (None, 3))


@dataclass(frozen=True)
class Member:
    """An eligible member (a household), known by member number only: no names here.

    `number` is text, kept exactly ("0123" is not "123"): it goes into the lottery hash.
    """

    number: str
    household_size: int = 1
    needs: frozenset[str] = frozenset()
    original_resident: bool = False
    joined: date | None = None
    savings: int = 0


@dataclass(frozen=True)
class UnitOption:
    """An available unit of the chosen design scenario."""

    code: str
    unit_type: str
    building: str
    floor: int
    bedrooms: int
    lift: bool = False


@dataclass(frozen=True)
class Preference:
    """One entry of a member's ranked list: a specific unit, or any unit of a type, block or floor.

    `value` is a unit code, a unit type, a building (block) name, or a floor number (`int`).
    """

    kind: str
    value: str | int

    def matches(self, unit: UnitOption) -> bool:
        if self.kind == "unit":
            return unit.code == self.value
        if self.kind == "unit_type":
            return unit.unit_type == self.value
        if self.kind == "building":
            return unit.building == self.value
        if self.kind == "floor":
            return unit.floor == self.value
        return False

    def describe(self) -> str:
        """How the choice reads in a step of the meeting: "A-2-03", "type T36", "block B", "floor 2"."""
        if self.kind == "unit":
            return str(self.value)
        label = {"unit_type": "type", "building": "block", "floor": "floor"}.get(self.kind, self.kind)
        return f"{label} {self.value}"


def _problem(code: str, msgid: str, **fields: Any) -> Message:
    return Message(code, msgid, fields)


@dataclass(frozen=True)
class Rules:
    """What a cooperative decides for its meeting; every field has a default.

    - `bedroom_bands`: ``(up_to_persons, bedrooms)`` pairs in ascending order, the last with
      ``None`` (any larger household);
    - `max_extra_bedrooms`: ``None`` lets a household take any unit with enough bedrooms; 0 only
      the exact number; 1 one more, and so on;
    - `priority`: the criteria of the priority method, most important first, from
      `PRIORITY_CRITERIA` (any subset, in any order);
    - `fallback`: a member none of whose choices is free (or suitable) gets the first suitable
      free unit in code order (rank ``None``) instead of nothing, so that everyone is housed
      when the units suffice;
    - `ground_floor`: the number of the ground floor (lantai 1 in Indonesia).
    """

    bedroom_bands: tuple[tuple[int | None, int], ...] = DEFAULT_BEDROOM_BANDS
    max_extra_bedrooms: int | None = None
    priority: tuple[str, ...] = PRIORITY_CRITERIA
    fallback: bool = True
    ground_floor: int = 1

    def __post_init__(self) -> None:
        object.__setattr__(self, "bedroom_bands", tuple(tuple(b) for b in self.bedroom_bands))
        object.__setattr__(self, "priority", tuple(self.priority))
        problems = []
        bands = self.bedroom_bands
        well_formed = bool(bands) and all(
            len(b) == 2 and (b[0] is None or _is_int(b[0])) and _is_int(b[1]) and b[1] >= 0 for b in bands)
        limits = [b[0] for b in bands[:-1]] if well_formed else []
        if (not well_formed or bands[-1][0] is not None or any(x is None or x < 1 for x in limits)
                or limits != sorted(set(limits))):
            problems.append(_problem(
                "bad_bedroom_bands",
                N_("The bedroom rule must be pairs [up to persons, bedrooms] with rising limits, the last "
                   "[null, bedrooms] for any larger household; got {bands}."), bands=str(list(bands))))
        if self.max_extra_bedrooms is not None and (not _is_int(self.max_extra_bedrooms)
                                                    or self.max_extra_bedrooms < 0):
            problems.append(_problem("bad_max_extra_bedrooms",
                                     N_("max_extra_bedrooms must be empty or a whole number of 0 or more; "
                                        "got {value}."), value=str(self.max_extra_bedrooms)))
        unknown = [c for c in self.priority if c not in PRIORITY_CRITERIA]
        if unknown or len(set(self.priority)) != len(self.priority):
            problems.append(_problem("bad_priority",
                                     N_("Priority criteria must be distinct, from {allowed}; got {value}."),
                                     allowed=", ".join(PRIORITY_CRITERIA), value=", ".join(map(str, self.priority))))
        if not isinstance(self.fallback, bool):
            problems.append(_problem("bad_fallback", N_("fallback must be true or false; got {value}."),
                                     value=str(self.fallback)))
        if not _is_int(self.ground_floor):
            problems.append(_problem("bad_ground_floor", N_("ground_floor must be a whole number; got {value}."),
                                     value=str(self.ground_floor)))
        if problems:
            raise AllocationError(problems)

    def bedrooms_for_household(self, household_size: int) -> int:
        for up_to, bedrooms in self.bedroom_bands:
            if up_to is None or household_size <= up_to:
                return bedrooms
        return self.bedroom_bands[-1][1]  # pragma: no cover (the last band is open)

    def bedrooms_fit(self, household_size: int, bedrooms: int) -> bool:
        needed = self.bedrooms_for_household(household_size)
        if bedrooms < needed:
            return False
        return self.max_extra_bedrooms is None or bedrooms <= needed + self.max_extra_bedrooms

    def meets_needs(self, needs: frozenset[str], unit: UnitOption) -> bool:
        if "lift" in needs and not unit.lift:
            return False
        return not ("ground_floor" in needs and not (unit.lift or unit.floor <= self.ground_floor))

    def suits(self, member: Member, unit: UnitOption) -> bool:
        """Whether `unit` meets `member`'s needs and household size: the constraints that always hold."""
        return self.meets_needs(member.needs, unit) and self.bedrooms_fit(member.household_size, unit.bedrooms)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
