"""Allocating 1,000 members to 1,000 units by each method: seconds and peak memory.

`run()` generates a meeting (deterministically, from `random.Random(data_seed)`): ten blocks of
ten floors with ten units a floor (Tipe 27, 36 and 45; every other block with a lift); members
with households of 1 to 8 persons, one in ten needing step-free access and one in forty a lift;
each with five ranked choices mixing specific units, unit types, blocks and floors, skewed to the
lower floors and the first blocks so that choices collide as they do at a real meeting.

For each method it reports the median wall time of `rounds` calls to `allocation.allocate`
(validation, the draw, the method and the result), then peak memory in one more call under
`tracemalloc` (Python and NumPy allocations; scipy's solver works in C++ buffers that tracemalloc
does not see, about 3 x 8 bytes per column). Also the outcome: members housed by a choice, by
fallback, not at all, and the total rank. Nothing is printed; the caller reports the dict.
"""

from __future__ import annotations

import random
import statistics
import time
import tracemalloc
from datetime import date, timedelta
from typing import Any

from allocation import METHODS, Member, Preference, Rules, UnitOption, allocate

TYPES = (("T27", 1), ("T36", 2), ("T36", 2), ("T45", 3))


def meeting(members: int = 1000, units: int = 1000, data_seed: int = 2026):
    rng = random.Random(data_seed)
    unit_list = []
    blocks = [chr(ord("A") + b) for b in range(max(1, -(-units // 100)))]
    for n in range(units):
        block, rest = blocks[n // 100], n % 100
        floor, k = rest // 10 + 1, rest % 10 + 1
        unit_type, bedrooms = TYPES[k % len(TYPES)]
        unit_list.append(UnitOption(f"{block}-{floor:02d}-{k:02d}", unit_type, block, floor, bedrooms,
                                    lift=blocks.index(block) % 2 == 1))
    member_list = []
    for i in range(members):
        needs = frozenset({"ground_floor"} if rng.random() < 0.1 else set()) | (
            frozenset({"lift"}) if rng.random() < 0.025 else frozenset())
        member_list.append(Member(f"{i + 1:04d}", rng.choice((1, 2, 3, 3, 4, 4, 5, 6)), needs,
                                  rng.random() < 0.6, date(2016, 1, 1) + timedelta(days=rng.randrange(3650)),
                                  rng.randrange(0, 20_000_000, 50_000)))
    weights = [1 / (1 + blocks.index(u.building) * 0.3 + u.floor * 0.2) for u in unit_list]
    floors = sorted({u.floor for u in unit_list})
    prefs = {}
    for member in member_list:
        choices: list[Preference] = []
        while len(choices) < 5:
            roll = rng.random()
            if roll < 0.55:
                pref = Preference("unit", rng.choices(unit_list, weights)[0].code)
            elif roll < 0.75:
                pref = Preference("unit_type", rng.choice(TYPES)[0])
            elif roll < 0.9:
                pref = Preference("building", rng.choice(blocks))
            else:
                pref = Preference("floor", rng.choice(floors[:4]))
            if pref not in choices:
                choices.append(pref)
        prefs[member.number] = choices
    return member_list, unit_list, prefs


def run(members: int = 1000, units: int = 1000, rounds: int = 3, seed: str = "4821-0937-5516-2208-7743-1190",
        rules: Rules | None = None) -> dict[str, Any]:
    rules = rules or Rules()
    started = time.perf_counter()
    member_list, unit_list, prefs = meeting(members, units)
    out: dict[str, Any] = {"members": members, "units": units, "choices_per_member": 5, "rounds": rounds,
                           "generate_seconds": round(time.perf_counter() - started, 4), "methods": {}}
    for method in METHODS:
        times = []
        for _ in range(rounds):
            t0 = time.perf_counter()
            result = allocate(member_list, unit_list, prefs, method=method, seed=seed, rules=rules)
            times.append(time.perf_counter() - t0)
        tracemalloc.start()
        try:
            allocate(member_list, unit_list, prefs, method=method, seed=seed, rules=rules)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        ranks = [a.rank for a in result.assignments if a.how == "choice"]
        out["methods"][method] = {
            "seconds_median": round(statistics.median(times), 4),
            "seconds_all": [round(t, 4) for t in times],
            "peak_memory_mb": round(peak / 2**20, 2),
            "housed_by_choice": len(ranks),
            "first_choice": sum(1 for r in ranks if r == 1),
            "fallback": result.fallback_count,
            "unassigned": len(result.unassigned_members),
            "total_rank": result.total_rank,
            "score": list(result.score()),
        }
    return out


if __name__ == "__main__":  # pragma: no cover
    import json
    import sys

    json.dump(run(), sys.stdout, indent=2)
    sys.stdout.write("\n")
