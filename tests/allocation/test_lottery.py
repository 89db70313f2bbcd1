"""The public lottery: the hash on the invitation, the check at the meeting, the draw anyone can redo."""

from __future__ import annotations

import hashlib
import re

import pytest

from allocation import AllocationError, draw_order, generate_seed, seed_hash, verify_seed
from allocation.lottery import ticket


def test_seed_hash_is_the_sha256_of_the_utf8_seed():
    assert seed_hash("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"  # FIPS 180-2 vector
    assert seed_hash("undian-ĀČ") == hashlib.sha256("undian-ĀČ".encode()).hexdigest()


def test_verify_seed_accepts_the_published_hash_in_any_case_and_with_spaces():
    published = seed_hash("2718-2818")
    assert verify_seed("2718-2818", published) == published
    assert verify_seed("2718-2818", f"  {published.upper()}\n") == published


def test_a_seed_that_does_not_match_is_refused_with_both_hashes():
    published = seed_hash("2718-2818")
    with pytest.raises(AllocationError) as caught:
        verify_seed("2718-2819", published)
    assert caught.value.codes == ("seed_mismatch",)
    text = str(caught.value)
    assert published in text and seed_hash("2718-2819") in text
    with pytest.raises(AllocationError):
        verify_seed("2718-2818 ", published)  # every character counts


@pytest.mark.parametrize("bad", ["", "abc", "g" * 64, "a" * 63, "a" * 65])
def test_a_malformed_published_hash_is_refused(bad):
    with pytest.raises(AllocationError) as caught:
        verify_seed("x", bad)
    assert caught.value.codes == ("bad_published_hash",)


def test_draw_order_matches_a_hand_computation():
    seed, numbers = "kampung-susun-2026", ["0123", "0007", "0450", "123", "0999"]
    by_hand = sorted(numbers, key=lambda n: hashlib.sha256(f"{seed}:{n}".encode()).hexdigest())
    assert draw_order(seed, numbers) == by_hand
    assert ticket(seed, "0123") == hashlib.sha256(b"kampung-susun-2026:0123").hexdigest()
    # "0123" and "123" are different members with different tickets
    assert ticket(seed, "0123") != ticket(seed, "123")


def test_draw_order_is_fixed_for_a_seed_and_does_not_depend_on_input_order():
    numbers = [f"{i:04d}" for i in range(50)]
    first = draw_order("s", numbers)
    assert draw_order("s", list(reversed(numbers))) == first
    assert draw_order("t", numbers) != first


def test_draw_order_known_values():
    # Recomputed with `printf '%s' 'SEED:NUMBER' | sha256sum` for each member, then sorted.
    assert draw_order("42", ["0001", "0002", "0003"]) == sorted(
        ["0001", "0002", "0003"], key=lambda n: hashlib.sha256(f"42:{n}".encode()).hexdigest())


def test_generated_seeds_are_readable_and_fresh():
    seeds = {generate_seed() for _ in range(20)}
    assert len(seeds) == 20
    assert all(re.fullmatch(r"\d{4}(-\d{4}){5}", s) for s in seeds)
