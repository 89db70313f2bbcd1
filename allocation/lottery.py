"""The public lottery (undian): a seed whose hash is published first, and a draw anyone can redo.

1. Before the meeting the board picks a seed (`generate_seed`) and keeps it secret; the app prints
   its SHA-256 (`seed_hash`) on the invitation.
2. At the meeting the seed is read out; `verify_seed` checks it against the published hash, so
   nobody can have swapped it after seeing the members' choices.
3. The draw order is the members sorted by the SHA-256 hex digest of ``"SEED:MEMBER_NUMBER"``
   (UTF-8) ascending. Anyone can redo it with any SHA-256 tool, e.g.
   ``printf '%s' 'SEED:0123' | sha256sum`` for each member, then sort.

A seed that is short or guessable (a date, "1234") can be found from its published hash by trying
candidates, and then the draw is known before the meeting: use `generate_seed`, or at least some
twenty random digits.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable

from allocation.errors import AllocationError
from kernel.messages import N_, Message

HEX64 = re.compile(r"[0-9a-f]{64}")


def seed_hash(seed: str) -> str:
    """The SHA-256 of the seed's UTF-8 bytes, as 64 lowercase hex digits (what the invitation prints)."""
    return hashlib.sha256(seed.encode("utf-8")).hexdigest()


def generate_seed(groups: int = 6) -> str:
    """A fresh seed of `groups` groups of four random digits, easy to read out: "4821-0937-...".

    Six groups are about 80 bits: far too many to find from the published hash by trying.
    """
    return "-".join(f"{secrets.randbelow(10_000):04d}" for _ in range(groups))


def normalise_hash(published_hash: str) -> str:
    """The published hash in lowercase without surrounding spaces; refuses anything but 64 hex digits."""
    value = published_hash.strip().lower() if isinstance(published_hash, str) else ""
    if not HEX64.fullmatch(value):
        raise AllocationError(Message("bad_published_hash", N_(
            "The published hash must be 64 hexadecimal digits (a SHA-256); got {value}."),
            {"value": str(published_hash)}))
    return value


def verify_seed(seed: str, published_hash: str) -> str:
    """Check the revealed seed against the hash published before the meeting; return the hash.

    The comparison takes the same time whatever the digits (`hmac.compare_digest`). Raises
    `AllocationError` when they differ: the seed is not the one announced.
    """
    expected = normalise_hash(published_hash)
    actual = seed_hash(seed)
    if not hmac.compare_digest(actual, expected):
        raise AllocationError(Message("seed_mismatch", N_(
            "The seed does not match the published hash: its SHA-256 is {actual}, the invitation "
            "said {expected}. Check the seed as read out (every character counts); nothing was allocated."),
            {"actual": actual, "expected": expected}))
    return actual


def ticket(seed: str, member_number: str) -> str:
    """A member's lottery ticket: the SHA-256 hex digest of "SEED:MEMBER_NUMBER" in UTF-8."""
    return hashlib.sha256(f"{seed}:{member_number}".encode()).hexdigest()


def draw_order(seed: str, member_numbers: Iterable[str]) -> list[str]:
    """The member numbers in draw order: by ticket ascending (a tie, which SHA-256 makes
    practically impossible, goes to the lower member number)."""
    return sorted(member_numbers, key=lambda number: (ticket(seed, number), number))
