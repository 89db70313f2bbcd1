"""Who gets which unit: the three methods of an allocation meeting, and the checks before them.

Every method works on the same inputs: the eligible members, the available units, each member's
ranked choices (rank 1 best; a choice is a unit, a unit type, a block or a floor), a public seed,
the cooperative's `Rules`, and optionally units kept from before the meeting (`kept`).

Constraints that always hold, whatever the method: a member gets a unit only if it suits them
(`Rules.suits`: their needs and their household's bedrooms); one unit per member; no unit twice.

- ``"lottery"``: serial dictatorship in the draw order of `allocation.lottery.draw_order`: each
  member in turn takes their best choice that is still free and suits them. A choice that names a
  type, block or floor takes the first such unit in code order.
- ``"priority"``: the same, in an order set by `Rules.priority` (original residents first, then
  members with needs, then earlier joining date, then larger savings, by default), ties broken by
  the draw order. The seed is therefore required here too.
- ``"optimal"``: the assignment (``scipy.optimize.linear_sum_assignment``) that first houses as
  many members as possible, then minimises the total rank, i.e. maximises the total satisfaction
  over the ranked choices. A unit no choice of the member names counts as rank `fallback_rank`
  (one more than the longest list) when `Rules.fallback` is on, and cannot be given otherwise.
  Ties are broken by the draw order, in two exact integer stages (see `_optimal`): among the
  assignments with the least total rank, the one with the least sum of ``weight x rank``, where the
  member drawn first has weight n and the last weight 1, so earlier members get their better
  choices; then, each member's rank fixed, units of equal rank go to earlier members in code order.

`Rules.fallback` (on by default): a member none of whose choices is free or suitable gets the first
suitable free unit in code order (rank ``None``, "fallback"), so everyone is housed when there are
enough suitable units. A member without needs is given a step-free unit (ground floor or lift) this
way only when no other suitable unit is free: those are kept for the members who need them. Off,
such a member gets nothing.

Nothing is allocated when the input is wrong: `validate` gathers every problem and `allocate`
raises one `AllocationError` listing them all.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np

from allocation.errors import AllocationError
from allocation.lottery import draw_order, seed_hash, verify_seed
from allocation.model import NEEDS, PREFERENCE_KINDS, Member, Preference, Rules, UnitOption
from kernel.messages import N_, Message

METHODS = ("priority", "lottery", "optimal")
EXACT = 2**53  # float64 holds every integer below this exactly


@dataclass(frozen=True)
class Assignment:
    """One member's outcome.

    `how`: "choice" (one of their ranked choices, `rank` its 1-based position in their list),
    "fallback" (the first suitable free unit, none of their choices being available; rank None),
    "kept" (assigned before the meeting; rank of that unit in their list, or None), "none" (no unit).
    `order_position`: 1-based place in the order the method used (the draw order for lottery and
    optimal, the priority order for priority).
    """

    member: str
    unit: str | None
    rank: int | None
    order_position: int
    how: str


@dataclass(frozen=True)
class Allocation:
    method: str
    seed_hash: str
    assignments: tuple[Assignment, ...]  # in order_position order
    unassigned_members: tuple[str, ...]
    unused_units: tuple[str, ...]  # in code order
    steps: tuple[Message, ...]  # one per member, in order: what the projector shows
    notes: tuple[Message, ...]  # choices that no suitable unit can satisfy
    draw_order: tuple[str, ...]  # the lottery order, for anyone to check
    fallback_rank: int  # the rank a fallback unit counts as in `score` (longest list + 1)

    @property
    def total_rank(self) -> int:
        """Sum of the ranks obtained (members housed by one of their choices or kept on a listed unit)."""
        return sum(a.rank for a in self.assignments if a.rank is not None)

    @property
    def fallback_count(self) -> int:
        return sum(1 for a in self.assignments if a.how == "fallback")

    def unit_of(self, member: str) -> str | None:
        return next((a.unit for a in self.assignments if a.member == member), None)

    def score(self) -> tuple[int, int]:
        """(members without a unit, total rank counting a fallback unit as `fallback_rank`): what
        the optimal method minimises, in that order. Lower is better."""
        return (len(self.unassigned_members), self.total_rank + self.fallback_count * self.fallback_rank)


def _msg(code: str, msgid: str, **fields: Any) -> Message:
    return Message(code, msgid, fields)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _key(member: str | Member) -> Any:
    return member.number if isinstance(member, Member) else member


# --- validation -------------------------------------------------------------------------------

def validate(members: Sequence[Member], units: Sequence[UnitOption],
             preferences: Mapping[str, Sequence[Preference]], *, method: str | None = None,
             seed: str | None = None, published_hash: str | None = None,
             kept: Iterable[tuple[str, str]] = (), rules: Rules | None = None) -> list[Message]:
    """Every problem in the input, as messages (empty when it can be allocated)."""
    rules = rules or Rules()
    problems: list[Message] = []
    if method is not None and method not in METHODS:
        problems.append(_msg("bad_method", N_("Unknown method {method}; use one of {methods}."),
                             method=str(method), methods=", ".join(METHODS)))
    if not isinstance(seed, str) or not seed:
        problems.append(_msg("seed_missing", N_(
            "A seed is required for every method: the lottery sets the draw order, and priority and "
            "optimal break their ties with it.")))
    elif published_hash is not None:
        try:
            verify_seed(seed, published_hash)
        except AllocationError as exc:
            problems.extend(exc.messages)

    problems += _member_problems(members)
    problems += _unit_problems(units)
    codes = {u.code for u in units}
    numbers = {m.number for m in members}
    problems += _preference_problems(preferences, numbers, units)

    by_member: dict[str, list[str]] = {}
    by_unit: dict[str, list[str]] = {}
    for member, unit in kept:
        if member not in numbers:
            problems.append(_msg("kept_unknown_member",
                                 N_("A unit kept from before is given to member {member}, who is not in the list."),
                                 member=str(member)))
        if unit not in codes:
            problems.append(_msg("kept_unknown_unit",
                                 N_("Member {member} keeps unit {unit}, which is not among the units."),
                                 member=str(member), unit=str(unit)))
        by_member.setdefault(member, []).append(unit)
        by_unit.setdefault(unit, []).append(member)
    if not problems:  # every member and unit is well formed: check that kept units suit their holders
        member_of = {m.number: m for m in members}
        unit_of = {u.code: u for u in units}
        for member, unit in kept:
            if len(by_member[member]) == 1 and len(by_unit[unit]) == 1 and not rules.suits(member_of[member],
                                                                                             unit_of[unit]):
                problems.append(_msg("kept_unsuitable", N_(
                    "Member {member} keeps unit {unit}, which does not suit their needs or household size."),
                    member=str(member), unit=str(unit)))
    for member, got in by_member.items():
        if len(got) > 1:
            problems.append(_msg("member_two_units", N_("Member {member} has two or more units: {units}. "
                                                        "One unit per member per project."),
                                 member=str(member), units=", ".join(map(str, got))))
    for unit, holders in by_unit.items():
        if len(holders) > 1:
            problems.append(_msg("unit_twice", N_("Unit {unit} is given to more than one member: {members}."),
                                 unit=str(unit), members=", ".join(map(str, holders))))
    return problems


def _member_problems(members: Sequence[Member]) -> list[Message]:
    problems = []
    for member in members:
        number = member.number
        if not isinstance(number, str) or not number.strip():
            problems.append(_msg("bad_member_number", N_(
                "A member number must be non-empty text (quoted in JSON, so 0123 keeps its zero); got {value}."),
                value=str(number)))
            continue
        if not _is_int(member.household_size) or member.household_size < 1:
            problems.append(_msg("bad_household_size", N_(
                "Member {member}: household size must be a whole number of 1 or more; got {value}."),
                member=number, value=str(member.household_size)))
        unknown = sorted(str(n) for n in member.needs if n not in NEEDS)
        if unknown:
            problems.append(_msg("bad_needs", N_("Member {member}: unknown need {value}; needs are {allowed}."),
                                 member=number, value=", ".join(unknown), allowed=", ".join(NEEDS)))
        if not isinstance(member.original_resident, bool):
            problems.append(_msg("bad_original_resident",
                                 N_("Member {member}: original_resident must be true or false; got {value}."),
                                 member=number, value=str(member.original_resident)))
        if member.joined is not None and not isinstance(member.joined, date):
            problems.append(_msg("bad_joined", N_("Member {member}: the joining date must be a date; got {value}."),
                                 member=number, value=str(member.joined)))
        if not _is_int(member.savings) or member.savings < 0:
            problems.append(_msg("bad_savings",
                                 N_("Member {member}: savings must be whole rupiah, 0 or more; got {value}."),
                                 member=number, value=str(member.savings)))
    counts = Counter(m.number for m in members)
    for number, n in counts.items():
        if n > 1:
            problems.append(_msg("duplicate_member", N_("Member number {member} appears {count} times."),
                                 member=str(number), count=n))
    return problems


def _unit_problems(units: Sequence[UnitOption]) -> list[Message]:
    problems = []
    for unit in units:
        code = unit.code
        if not isinstance(code, str) or not code.strip():
            problems.append(_msg("bad_unit_code", N_("A unit code must be non-empty text; got {value}."),
                                 value=str(code)))
            continue
        for name in ("unit_type", "building"):
            value = getattr(unit, name)
            if not isinstance(value, str) or not value.strip():
                problems.append(_msg("bad_unit_field", N_("Unit {unit}: {field} must be non-empty text; got {value}."),
                                     unit=code, field=name, value=str(value)))
        if not _is_int(unit.floor):
            problems.append(_msg("bad_floor", N_("Unit {unit}: floor must be a whole number; got {value}."),
                                 unit=code, value=str(unit.floor)))
        if not _is_int(unit.bedrooms) or unit.bedrooms < 0:
            problems.append(_msg("bad_bedrooms",
                                 N_("Unit {unit}: bedrooms must be a whole number, 0 or more; got {value}."),
                                 unit=code, value=str(unit.bedrooms)))
        if not isinstance(unit.lift, bool):
            problems.append(_msg("bad_lift", N_("Unit {unit}: lift must be true or false; got {value}."),
                                 unit=code, value=str(unit.lift)))
    counts = Counter(u.code for u in units)
    for code, n in counts.items():
        if n > 1:
            problems.append(_msg("duplicate_unit", N_("Unit code {unit} appears {count} times."),
                                 unit=str(code), count=n))
    return problems


def _preference_problems(preferences: Mapping[str, Sequence[Preference]], numbers: set[str],
                         units: Sequence[UnitOption]) -> list[Message]:
    problems = []
    known = {
        "unit": {u.code for u in units},
        "unit_type": {u.unit_type for u in units},
        "building": {u.building for u in units},
        "floor": {u.floor for u in units},
    }
    for key, choices in preferences.items():
        member = _key(key)
        if member not in numbers:
            problems.append(_msg("preferences_unknown_member",
                                 N_("Preferences are given for member {member}, who is not in the list of members."),
                                 member=str(member)))
        seen = set()
        for rank, pref in enumerate(choices, 1):
            if not isinstance(pref, Preference) or pref.kind not in PREFERENCE_KINDS:
                problems.append(_msg("bad_preference_kind", N_(
                    "Member {member}'s choice {rank} must name one of {kinds}; got {value}."),
                    member=str(member), rank=rank, kinds=", ".join(PREFERENCE_KINDS), value=str(pref)))
                continue
            if pref.kind == "floor" and not _is_int(pref.value):
                problems.append(_msg("bad_preference_floor", N_(
                    "Member {member}'s choice {rank}: a floor must be a whole number; got {value}."),
                    member=str(member), rank=rank, value=str(pref.value)))
                continue
            if pref.value not in known[pref.kind]:
                msgid = {
                    "unit": N_("Member {member}'s choice {rank} names unit {value}, which does not exist."),
                    "unit_type": N_("Member {member}'s choice {rank} names unit type {value}, which no unit has."),
                    "building": N_("Member {member}'s choice {rank} names block {value}, which has no units."),
                    "floor": N_("Member {member}'s choice {rank} names floor {value}, which has no units."),
                }[pref.kind]
                problems.append(_msg(f"unknown_{pref.kind}", msgid, member=str(member), rank=rank,
                                     value=str(pref.value)))
            if (pref.kind, pref.value) in seen:
                problems.append(_msg("duplicate_choice", N_(
                    "Member {member}'s choice {rank} repeats an earlier choice ({value})."),
                    member=str(member), rank=rank, value=str(pref.value)))
            seen.add((pref.kind, pref.value))
    return problems


# --- allocation -------------------------------------------------------------------------------

def allocate(members: Iterable[Member], units: Iterable[UnitOption],
             preferences: Mapping[str | Member, Sequence[Preference]], *, method: str, seed: str,
             rules: Rules | None = None, published_hash: str | None = None,
             kept: Mapping[str, str] | Iterable[tuple[str, str]] = (), taken: Iterable[str] = ()) -> Allocation:
    """Allocate `units` to `members` by `method`; see the module's docstring.

    `preferences` maps a member number (or `Member`) to their ranked choices; a member without an
    entry has no choices. `published_hash`, when given, is checked against the seed first.
    `kept`: units assigned before this meeting, as member -> unit (or (member, unit) pairs): those
    members and units take no part in it. `taken`: units held by someone not taking part (housed by an earlier
    meeting): never given, yet still valid in a member's choices, which were fixed before they were taken.
    Raises `AllocationError` listing every problem found; then nothing is allocated.
    """
    rules = rules or Rules()
    members = list(members)
    units = list(units)
    prefs = {_key(k): list(v) for k, v in preferences.items()}
    kept_pairs = list(kept.items()) if isinstance(kept, Mapping) else [tuple(p) for p in kept]
    problems = validate(members, units, prefs, method=method, seed=seed, published_hash=published_hash,
                        kept=kept_pairs, rules=rules)
    if problems:
        raise AllocationError(problems)

    drawn = draw_order(seed, [m.number for m in members])
    position = {number: i for i, number in enumerate(drawn)}
    by_number = {m.number: m for m in members}
    if method == "priority":
        order = sorted(members, key=lambda m: (_priority_key(m, rules), position[m.number]))
    else:
        order = [by_number[n] for n in drawn]
    table = _Table(units, rules)
    kept_units = dict(kept_pairs)
    taken = frozenset(code for code in taken if code in table.index) - set(kept_units.values())

    if method == "optimal":
        outcome = _optimal(order, prefs, table, rules, kept_units, taken)
    else:
        outcome = _serial_dictatorship(order, prefs, table, rules, kept_units, taken)

    assignments, steps = [], []
    for pos, member in enumerate(order, 1):
        unit, rank, how = outcome[member.number]
        assignments.append(Assignment(member.number, unit, rank, pos, how))
        steps.append(_step(pos, member.number, unit, rank, how))
    used = {a.unit for a in assignments if a.unit is not None}
    return Allocation(
        method=method,
        seed_hash=seed_hash(seed),
        assignments=tuple(assignments),
        unassigned_members=tuple(a.member for a in assignments if a.unit is None),
        unused_units=tuple(u.code for u in table.units if u.code not in used and u.code not in taken),
        steps=tuple(steps),
        notes=tuple(_notes(order, prefs, table, kept_units)),
        draw_order=tuple(drawn),
        fallback_rank=_fallback_rank(prefs),
    )


def _fallback_rank(prefs: Mapping[str, Sequence[Preference]]) -> int:
    return max((len(v) for v in prefs.values()), default=0) + 1


def _priority_key(member: Member, rules: Rules) -> tuple:
    key: list[Any] = []
    for criterion in rules.priority:
        if criterion == "original_resident":
            key.append(0 if member.original_resident else 1)
        elif criterion == "needs":
            key.append(0 if member.needs else 1)
        elif criterion == "seniority":  # earlier joining first; no date last
            key.append((0, member.joined.toordinal()) if member.joined else (1, 0))
        elif criterion == "savings":
            key.append(-member.savings)
    return tuple(key)


def _step(pos: int, member: str, unit: str | None, rank: int | None, how: str) -> Message:
    if how == "choice":
        return _msg("takes_choice", N_("{position}. Member {member} takes {unit} (their choice {rank})."),
                    position=pos, member=member, unit=unit, rank=rank)
    if how == "fallback":
        return _msg("takes_fallback", N_("{position}. Member {member} takes {unit}, a suitable unit outside "
                                         "their choices (none of them could be given)."),
                    position=pos, member=member, unit=unit)
    if how == "kept":
        return _msg("keeps", N_("{position}. Member {member} keeps {unit}, assigned before the meeting."),
                    position=pos, member=member, unit=unit)
    return _msg("gets_nothing", N_("{position}. Member {member} gets no unit: no suitable unit is left for them."),
                position=pos, member=member)


class _Table:
    """The units in code order, which units each kind of choice names, and which suit whom."""

    def __init__(self, units: Sequence[UnitOption], rules: Rules) -> None:
        self.units = sorted(units, key=lambda u: u.code)
        self.rules = rules
        names: dict[tuple[str, Any], list[int]] = {}
        for j, unit in enumerate(self.units):
            for kind, value in (("unit", unit.code), ("unit_type", unit.unit_type), ("building", unit.building),
                                ("floor", unit.floor)):
                names.setdefault((kind, value), []).append(j)
        self.names = {k: np.array(v, dtype=np.intp) for k, v in names.items()}
        self.index = {u.code: j for j, u in enumerate(self.units)}
        self._suits: dict[tuple[frozenset[str], int], np.ndarray] = {}
        # Units a member needing step-free access could live in.
        self.step_free = np.array([unit.lift or unit.floor <= rules.ground_floor for unit in self.units], dtype=bool)

    def named(self, pref: Preference) -> np.ndarray:
        return self.names[(pref.kind, pref.value)]

    def suits(self, member: Member) -> np.ndarray:
        """A boolean per unit: whether it meets the member's needs and household size."""
        key = (frozenset(member.needs), self.rules.bedrooms_for_household(member.household_size))
        if key not in self._suits:
            self._suits[key] = np.array([self.rules.suits(member, u) for u in self.units], dtype=bool)
        return self._suits[key]


Outcome = dict[str, tuple[str | None, int | None, str]]


def _kept_outcome(member: Member, unit: str, prefs: Mapping[str, Sequence[Preference]],
                  table: _Table) -> tuple[str, int | None, str]:
    the_unit = table.units[table.index[unit]]
    rank = next((r for r, p in enumerate(prefs.get(member.number, ()), 1) if p.matches(the_unit)), None)
    return unit, rank, "kept"


def _serial_dictatorship(order: Sequence[Member], prefs: Mapping[str, Sequence[Preference]], table: _Table,
                         rules: Rules, kept: Mapping[str, str], taken: frozenset[str] = frozenset()) -> Outcome:
    free = np.ones(len(table.units), dtype=bool)
    for unit in (*kept.values(), *taken):
        free[table.index[unit]] = False
    outcome: Outcome = {}
    for member in order:
        if member.number in kept:
            outcome[member.number] = _kept_outcome(member, kept[member.number], prefs, table)
            continue
        ok = table.suits(member)
        got: tuple[str | None, int | None, str] = (None, None, "none")
        for rank, pref in enumerate(prefs.get(member.number, ()), 1):
            named = table.named(pref)
            available = named[free[named] & ok[named]]
            if available.size:
                got = (table.units[available[0]].code, rank, "choice")
                free[available[0]] = False
                break
        else:
            if rules.fallback:
                available = np.flatnonzero(free & ok)
                if not member.needs:  # step-free units go to members who need them first
                    spare = np.flatnonzero(free & ok & ~table.step_free)
                    available = spare if spare.size else available
                if available.size:
                    got = (table.units[available[0]].code, None, "fallback")
                    free[available[0]] = False
        outcome[member.number] = got
    return outcome


def _optimal(order: Sequence[Member], prefs: Mapping[str, Sequence[Preference]], table: _Table, rules: Rules,
             kept: Mapping[str, str], taken: frozenset[str] = frozenset()) -> Outcome:
    """The optimal method, in two exact integer stages on `linear_sum_assignment` (float64, so every
    cost and every sum of costs is kept below 2**53).

    `order` is the draw order. With n members taking part (not keeping a unit), member i (0-based
    draw position) has weight w_i = n - i, and R[i, j] is the rank of unit j for member i (the best
    of their choices naming it; `fallback_rank` L for a suitable unit they did not name, if
    `Rules.fallback`; forbidden when it does not suit them).

    Stage 1: cost R * Q + w_i * R with Q = L * sum(w) + 1, so a lower total rank always wins and
    only then the weighted sum; plus n dummy columns ("no unit") costing more than any whole
    assignment, so as many members as possible are housed. Stage 2: each housed member's rank
    fixed, units of that rank (forbidden otherwise) cost w_i * (position of the unit in code order),
    so between equal ranks earlier members get units earlier in code order.
    """
    from scipy.optimize import linear_sum_assignment

    outcome: Outcome = {}
    taking_part = []
    for member in order:
        if member.number in kept:
            outcome[member.number] = _kept_outcome(member, kept[member.number], prefs, table)
        else:
            taking_part.append(member)
    kept_units = set(kept.values()) | taken
    columns = np.array([j for j, u in enumerate(table.units) if u.code not in kept_units], dtype=np.intp)
    n, m = len(taking_part), columns.size
    if n == 0:
        return outcome
    if m == 0:
        outcome.update({member.number: (None, None, "none") for member in taking_part})
        return outcome
    local = np.full(len(table.units), -1, dtype=np.intp)
    local[columns] = np.arange(m)
    big_l = _fallback_rank(prefs)

    ranks = np.full((n, m), np.inf)
    for i, member in enumerate(taking_part):
        ok = table.suits(member)[columns]
        row = ranks[i]
        if rules.fallback:
            row[ok] = big_l
        for rank in range(len(prefs.get(member.number, ())), 0, -1):  # worst first, so the best rank stays
            named = local[table.named(prefs[member.number][rank - 1])]
            named = named[named >= 0]
            row[named[ok[named]]] = rank

    weights = np.arange(n, 0, -1, dtype=np.float64)  # n for the first drawn, 1 for the last
    q = big_l * float(weights.sum()) + 1
    max_entry = big_l * q + n * big_l
    dummy = n * max_entry + 1
    if 4 * (n + 1) * dummy >= EXACT:
        raise AllocationError(_msg("too_large_for_optimal", N_(
            "Too many members ({members}) or choices ({choices}) for the optimal method to be computed "
            "exactly; use priority or lottery."), members=n, choices=big_l - 1))
    cost = np.empty((n, m + n))
    np.multiply(ranks, q + weights[:, None], out=cost[:, :m])  # R * Q + w_i * R; forbidden stays inf
    cost[:, m:] = dummy
    rows, cols = linear_sum_assignment(cost)
    del cost
    housed = rows[cols < m]
    got_rank = ranks[housed, cols[cols < m]]

    unit_of: dict[int, int] = {}
    if housed.size:
        positions = np.arange(1, m + 1, dtype=np.float64)
        allowed = ranks[housed] == got_rank[:, None]
        cost2 = np.where(allowed, weights[housed][:, None] * positions[None, :], np.inf)
        rows2, cols2 = linear_sum_assignment(cost2)
        unit_of = {int(housed[r]): int(columns[c]) for r, c in zip(rows2, cols2, strict=True)}

    for i, member in enumerate(taking_part):
        if i not in unit_of:
            outcome[member.number] = (None, None, "none")
            continue
        j = unit_of[i]
        rank = ranks[i, local[j]]
        code = table.units[j].code
        outcome[member.number] = (code, None, "fallback") if rank == big_l else (code, int(rank), "choice")
    return outcome


def _notes(order: Sequence[Member], prefs: Mapping[str, Sequence[Preference]], table: _Table,
           kept: Mapping[str, str]) -> list[Message]:
    notes = []
    for member in order:
        if member.number in kept:
            continue
        ok = table.suits(member)
        for rank, pref in enumerate(prefs.get(member.number, ()), 1):
            if not ok[table.named(pref)].any():
                notes.append(_msg("choice_unsuitable", N_(
                    "Member {member}'s choice {rank} ({value}) has no unit that suits their needs and household "
                    "size, so it cannot be given."), member=member.number, rank=rank, value=str(pref.value)))
    return notes
