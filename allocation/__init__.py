"""Allocation meetings: who gets which unit, by priority, by a public lottery, or by optimisation.

Pure code: it imports nothing from `app/`. See allocation/README.md for the rules, the file format
of `japra allocate` and how anyone can check a lottery. `allocation.amendments` decides the changes to a
confirmed meeting's result (move, swap, withdraw, allocate); `allocation.members` checks a member's data as a
form or a member list gives it.
"""

from __future__ import annotations

from allocation.engine import METHODS, Allocation, Assignment, allocate
from allocation.errors import AllocationError
from allocation.lottery import draw_order, generate_seed, seed_hash, verify_seed
from allocation.model import NEEDS, PREFERENCE_KINDS, PRIORITY_CRITERIA, Member, Preference, Rules, UnitOption

__all__ = [
    "METHODS", "NEEDS", "PREFERENCE_KINDS", "PRIORITY_CRITERIA",
    "Allocation", "AllocationError", "Assignment", "Member", "Preference", "Rules", "UnitOption",
    "allocate", "draw_order", "generate_seed", "seed_hash", "verify_seed",
]
