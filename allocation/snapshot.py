"""What a meeting freezes when its seed's hash is published: the participants, their preferences and the member
attributes the rules read, as one canonical JSON document with its own SHA-256.

Whoever holds the seed can compute the draw order (SHA-256 of seed and member number); if preferences or
attributes could still change after the hash is out, they could be tailored to that order. So the draw reads this
snapshot only, and the berita acara prints its hash: anyone given the document can check it was not changed.
Member numbers only, no names (the names are not an input of the draw).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from allocation.model import Member, Preference

VERSION = 1


def freeze(members: Iterable[Member], preferences: Mapping[str, Sequence[Preference]]) -> dict[str, Any]:
    """The snapshot document, members in number order (so the same inputs always give the same document)."""
    rows = []
    for m in sorted(members, key=lambda m: m.number):
        rows.append({
            "number": m.number, "household_size": m.household_size, "needs": sorted(m.needs),
            "original_resident": m.original_resident, "joined": m.joined.isoformat() if m.joined else None,
            "savings": m.savings,
            "preferences": [{p.kind: p.value} for p in preferences.get(m.number, ())]})
    return {"version": VERSION, "participants": rows}


def canonical(document: Mapping[str, Any]) -> bytes:
    """Sorted keys, no spaces, UTF-8: the bytes the hash is taken over (the same in any tool that sorts keys)."""
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def digest(document: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical(document)).hexdigest()


def members(document: Mapping[str, Any]) -> list[Member]:
    return [Member(number=r["number"], household_size=r["household_size"], needs=frozenset(r["needs"]),
                   original_resident=r["original_resident"],
                   joined=date.fromisoformat(r["joined"]) if r["joined"] else None, savings=r["savings"])
            for r in document["participants"]]


def preferences(document: Mapping[str, Any]) -> dict[str, list[Preference]]:
    return {r["number"]: [Preference(kind, value) for choice in r["preferences"] for kind, value in choice.items()]
            for r in document["participants"]}


def choice_text(choice: Mapping[str, Any]) -> str:
    """A stored choice as the preferences file writes it: A-2-03, T36, Blok B, Lantai 2."""
    ((kind, value),) = choice.items()
    if kind == "building":
        return f"Blok {value}"
    if kind == "floor":
        return f"Lantai {value}"
    return str(value)
