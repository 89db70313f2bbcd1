"""The JSON file `japra allocate` reads, and the JSON it prints. The format is in allocation/README.md.

`read` turns the file's text into a `Meeting` and refuses, with every problem found, a file that is
not well formed (wrong types, unknown keys, a member twice in "preferences"). What needs the whole
meeting (a choice naming a unit that does not exist, a member with two units) is checked by
`allocation.engine.allocate`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from allocation.engine import Allocation
from allocation.errors import AllocationError
from allocation.model import PREFERENCE_KINDS, Member, Preference, Rules, UnitOption
from kernel.messages import N_, Message

TOP_KEYS = ("members", "units", "preferences", "rules", "published_hash", "kept", "project", "comment")
MEMBER_KEYS = ("number", "household_size", "needs", "original_resident", "joined", "savings")
UNIT_KEYS = ("code", "unit_type", "building", "floor", "bedrooms", "lift")
RULE_KEYS = ("bedrooms", "max_extra_bedrooms", "priority", "fallback", "ground_floor")
# A meeting file nests four deep (preferences -> a member's list -> a choice); far more is not a meeting file, and
# messages that quote a value must not recurse through it.
MAX_DEPTH = 32


@dataclass(frozen=True)
class Meeting:
    members: tuple[Member, ...]
    units: tuple[UnitOption, ...]
    preferences: Mapping[str, tuple[Preference, ...]]
    rules: Rules = field(default_factory=Rules)
    published_hash: str | None = None
    kept: tuple[tuple[str, str], ...] = ()


def _msg(code: str, msgid: str, **fields: Any) -> Message:
    return Message(code, msgid, fields)


class _DuplicateKey(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _DuplicateKey(key)
        out[key] = value
    return out


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _text(value: object) -> bool:
    return isinstance(value, str) and bool(value.strip())


def read(text: str | bytes) -> Meeting:
    """Parse the file's text; raise `AllocationError` listing every problem of form."""
    try:
        data = json.loads(text, object_pairs_hook=_no_duplicates)
    except _DuplicateKey as exc:
        raise AllocationError(_msg("duplicate_key", N_(
            "The key {key} appears twice in the same object (a member listed twice in \"preferences\"?)."),
            key=exc.key)) from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise AllocationError(_msg("bad_json", N_("The file is not valid JSON: {error}."), error=str(exc))) from None
    except RecursionError:  # lists in lists thousands deep: the parser gives up before counting them
        raise _too_deep() from None
    if _depth_over(data, MAX_DEPTH):
        raise _too_deep()
    return from_data(data)


def _too_deep() -> AllocationError:
    return AllocationError(_msg("too_deep", N_(
        "The file's JSON is nested more than {max} levels deep; an allocation file needs only a few."),
        max=MAX_DEPTH))


def _depth_over(data: Any, limit: int) -> bool:
    """Whether lists and objects nest more than `limit` deep (counted without recursion, so any depth is safe)."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict | list):
            if depth > limit:
                return True
            stack.extend((child, depth + 1) for child in (value.values() if isinstance(value, dict) else value))
    return False


def from_data(data: Any) -> Meeting:
    """The `Meeting` in already-parsed JSON data."""
    if not isinstance(data, dict):
        raise AllocationError(_msg("not_an_object", N_(
            "The file must hold one JSON object with \"members\", \"units\" and \"preferences\".")))
    problems: list[Message] = []
    problems += _unknown_keys(data, TOP_KEYS, None)
    for key in ("members", "units"):
        if not isinstance(data.get(key), list):
            problems.append(_msg("missing_list", N_("The file needs a list \"{key}\"."), key=key))
    members = [_member(i, m, problems) for i, m in enumerate(_list(data.get("members")), 1)]
    units = [_unit(i, u, problems) for i, u in enumerate(_list(data.get("units")), 1)]
    preferences = _preferences(data.get("preferences", {}), problems)
    rules = _rules(data.get("rules", {}), problems)
    published = data.get("published_hash")
    if published is not None and not isinstance(published, str):
        problems.append(_msg("bad_published_hash_type", N_("\"published_hash\" must be text or null.")))
        published = None
    kept = _kept(data.get("kept", []), problems)
    if problems:
        raise AllocationError(problems)
    return Meeting(tuple(m for m in members if m), tuple(u for u in units if u), preferences,
                   rules or Rules(), published, kept)


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


def _unknown_keys(obj: Mapping, allowed: Sequence[str], where: str | None) -> list[Message]:
    unknown = sorted(k for k in obj if k not in allowed)
    if not unknown:
        return []
    if where is None:
        return [_msg("unknown_keys", N_("Unknown key(s) {keys} at the top of the file; allowed: {allowed}."),
                     keys=", ".join(unknown), allowed=", ".join(allowed))]
    return [_msg("unknown_keys", N_("Unknown key(s) {keys} in {where}; allowed: {allowed}."),
                 keys=", ".join(unknown), where=where, allowed=", ".join(allowed))]


EXPECTED = {
    "text": N_("{where}: \"{key}\" must be non-empty text; got {value}."),
    "number": N_("{where}: \"{key}\" must be text in quotes, so that 0123 keeps its zero; got {value}."),
    "positive": N_("{where}: \"{key}\" must be a whole number of 1 or more; got {value}."),
    "whole": N_("{where}: \"{key}\" must be a whole number; got {value}."),
    "non_negative": N_("{where}: \"{key}\" must be a whole number of 0 or more; got {value}."),
    "bool": N_("{where}: \"{key}\" must be true or false; got {value}."),
    "date": N_("{where}: \"{key}\" must be a date written YYYY-MM-DD, or null; got {value}."),
    "needs": N_("{where}: \"{key}\" must be a list such as [\"ground_floor\"]; got {value}."),
}


def _field_problem(where: str, key: str, expected: str, value: Any) -> Message:
    """`where` is language-neutral ('members #3 ("0007")'), so the whole message translates."""
    return _msg("bad_field", EXPECTED[expected], where=where, key=key, value=json.dumps(value, ensure_ascii=False))


def _member(i: int, obj: Any, problems: list[Message]) -> Member | None:
    where = f"members #{i}"
    if not isinstance(obj, dict):
        problems.append(_msg("not_an_object_at", N_("{where} must be a JSON object."), where=where))
        return None
    if isinstance(obj.get("number"), str):
        where = f'{where} ("{obj["number"]}")'
    problems_before = len(problems)
    problems += _unknown_keys(obj, MEMBER_KEYS, where)
    number = obj.get("number")
    if not _text(number):
        problems.append(_field_problem(where, "number", "number", number))
    size = obj.get("household_size", 1)
    if not _is_int(size) or size < 1:
        problems.append(_field_problem(where, "household_size", "positive", size))
    needs = obj.get("needs", [])
    if not isinstance(needs, list) or not all(isinstance(n, str) for n in needs):
        problems.append(_field_problem(where, "needs", "needs", needs))
        needs = []
    original = obj.get("original_resident", False)
    if not isinstance(original, bool):
        problems.append(_field_problem(where, "original_resident", "bool", original))
    joined = obj.get("joined")
    joined_date = None
    if joined is not None:
        try:
            joined_date = date.fromisoformat(joined)
        except (TypeError, ValueError):
            problems.append(_field_problem(where, "joined", "date", joined))
    savings = obj.get("savings", 0)
    if not _is_int(savings) or savings < 0:
        problems.append(_field_problem(where, "savings", "non_negative", savings))
    if len(problems) > problems_before:
        return None
    return Member(number, size, frozenset(needs), original, joined_date, savings)


def _unit(i: int, obj: Any, problems: list[Message]) -> UnitOption | None:
    where = f"units #{i}"
    if not isinstance(obj, dict):
        problems.append(_msg("not_an_object_at", N_("{where} must be a JSON object."), where=where))
        return None
    if isinstance(obj.get("code"), str):
        where = f'{where} ("{obj["code"]}")'
    problems_before = len(problems)
    problems += _unknown_keys(obj, UNIT_KEYS, where)
    for key in ("code", "unit_type", "building"):
        if not _text(obj.get(key)):
            problems.append(_field_problem(where, key, "text", obj.get(key)))
    if not _is_int(obj.get("floor")):
        problems.append(_field_problem(where, "floor", "whole", obj.get("floor")))
    if not _is_int(obj.get("bedrooms")) or obj["bedrooms"] < 0:
        problems.append(_field_problem(where, "bedrooms", "non_negative", obj.get("bedrooms")))
    lift = obj.get("lift", False)
    if not isinstance(lift, bool):
        problems.append(_field_problem(where, "lift", "bool", lift))
    if len(problems) > problems_before:
        return None
    return UnitOption(obj["code"], obj["unit_type"], obj["building"], obj["floor"], obj["bedrooms"], lift)


def _preferences(obj: Any, problems: list[Message]) -> dict[str, tuple[Preference, ...]]:
    if not isinstance(obj, dict):
        problems.append(_msg("bad_preferences", N_(
            "\"preferences\" must be an object from member number to a list of choices.")))
        return {}
    out = {}
    for member, choices in obj.items():
        where = f'preferences "{member}"'
        if not isinstance(choices, list):
            problems.append(_msg("bad_choices", N_("{where} must be a list of choices, best first."), where=where))
            continue
        parsed = []
        for rank, choice in enumerate(choices, 1):
            if not (isinstance(choice, dict) and len(choice) == 1 and next(iter(choice)) in PREFERENCE_KINDS):
                problems.append(_msg("bad_choice", N_(
                    "{where}, choice {rank}: write one of {examples}; got {value}."), where=where, rank=rank,
                    examples='{"unit": "A-2-03"}, {"unit_type": "T36"}, {"building": "B"}, {"floor": 2}',
                    value=json.dumps(choice, ensure_ascii=False)))
                continue
            kind, value = next(iter(choice.items()))
            if kind == "floor" and not _is_int(value):
                problems.append(_msg("bad_choice_value", N_(
                    "{where}, choice {rank}: a floor must be a whole number; got {value}."), where=where, rank=rank,
                    value=json.dumps(value, ensure_ascii=False)))
                continue
            if kind != "floor" and not _text(value):
                problems.append(_msg("bad_choice_value", N_(
                    "{where}, choice {rank}: \"{kind}\" must be non-empty text; got {value}."), where=where,
                    rank=rank, kind=kind, value=json.dumps(value, ensure_ascii=False)))
                continue
            parsed.append(Preference(kind, value))
        out[member] = tuple(parsed)
    return out


def _rules(obj: Any, problems: list[Message]) -> Rules | None:
    if not isinstance(obj, dict):
        problems.append(_msg("bad_rules", N_("\"rules\" must be a JSON object.")))
        return None
    unknown = _unknown_keys(obj, RULE_KEYS, '"rules"')
    if unknown:
        problems += unknown
        return None
    kwargs: dict[str, Any] = {}
    if "bedrooms" in obj:
        bands = obj["bedrooms"]
        kwargs["bedroom_bands"] = tuple(tuple(b) if isinstance(b, list) else (b,) for b in bands) \
            if isinstance(bands, list) else ((bands,),)
    for key, name in (("max_extra_bedrooms", "max_extra_bedrooms"), ("fallback", "fallback"),
                      ("ground_floor", "ground_floor")):
        if key in obj:
            kwargs[name] = obj[key]
    if "priority" in obj:
        priority = obj["priority"]
        kwargs["priority"] = tuple(priority) if isinstance(priority, list) else (priority,)
    try:
        return Rules(**kwargs)
    except AllocationError as exc:
        problems.extend(exc.messages)
        return None


def _kept(obj: Any, problems: list[Message]) -> tuple[tuple[str, str], ...]:
    if not isinstance(obj, list) or not all(
            isinstance(k, dict) and set(k) == {"member", "unit"} and _text(k["member"]) and _text(k["unit"])
            for k in obj):
        problems.append(_msg("bad_kept", N_(
            "\"kept\" must be a list of {example}, one per unit assigned before the meeting."),
            example='{"member": "0123", "unit": "A-1-01"}'))
        return ()
    return tuple((k["member"], k["unit"]) for k in obj)


def to_data(meeting: Meeting) -> dict[str, Any]:
    """The JSON data of a meeting (what `from_data` reads back)."""
    rules = meeting.rules
    data: dict[str, Any] = {
        "members": [{"number": m.number, "household_size": m.household_size, "needs": sorted(m.needs),
                     "original_resident": m.original_resident,
                     "joined": m.joined.isoformat() if m.joined else None, "savings": m.savings}
                    for m in meeting.members],
        "units": [{"code": u.code, "unit_type": u.unit_type, "building": u.building, "floor": u.floor,
                   "bedrooms": u.bedrooms, "lift": u.lift} for u in meeting.units],
        "preferences": {number: [{p.kind: p.value} for p in prefs] for number, prefs in meeting.preferences.items()},
        "rules": {"bedrooms": [list(b) for b in rules.bedroom_bands], "max_extra_bedrooms": rules.max_extra_bedrooms,
                  "priority": list(rules.priority), "fallback": rules.fallback, "ground_floor": rules.ground_floor},
    }
    if meeting.published_hash is not None:
        data["published_hash"] = meeting.published_hash
    if meeting.kept:
        data["kept"] = [{"member": m, "unit": u} for m, u in meeting.kept]
    return data


def result_data(allocation: Allocation, *, seed: str | None = None,
                render: Callable[[Message], str] = str) -> dict[str, Any]:
    """What `japra allocate --json` prints: the allocation, each member's rank, and the means to check it."""
    out: dict[str, Any] = {"method": allocation.method, "seed_hash": allocation.seed_hash}
    if seed is not None:
        out["seed"] = seed
    out.update({
        "draw_order": list(allocation.draw_order),
        "allocations": [{"position": a.order_position, "member": a.member, "unit": a.unit, "rank": a.rank,
                         "how": a.how} for a in allocation.assignments],
        "unassigned": list(allocation.unassigned_members),
        "unused_units": list(allocation.unused_units),
        "total_rank": allocation.total_rank,
        "fallback": allocation.fallback_count,
        "steps": [render(m) for m in allocation.steps],
        "notes": [render(m) for m in allocation.notes],
    })
    return out
