"""Exact money: refusing floats, rounding, and splits that always add up to the total."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from costing import CostingError
from costing.money import (
    allocate_exact,
    round_down_thousand,
    round_rupiah,
    split_largest_remainder,
    to_decimal,
)

TOTALS = st.integers(min_value=0, max_value=10**13)
WEIGHT = st.one_of(
    st.just(0),
    st.integers(min_value=0, max_value=10**15),
    st.decimals(min_value=0, max_value=10**20, allow_nan=False, allow_infinity=False),
    st.decimals(min_value=Decimal("1e-30"), max_value=Decimal("1e-6"), allow_nan=False, allow_infinity=False),
    st.fractions(min_value=0, max_value=10**6, max_denominator=10**9),
)
WEIGHTS = st.lists(WEIGHT, min_size=1, max_size=40).filter(lambda ws: any(w != 0 for w in ws))


def exact_shares(total: int, weights) -> list[Fraction]:
    fs = [Fraction(w) for w in weights]
    whole = sum(fs)
    return [total * w / whole for w in fs]


# --- to_decimal ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [(5, Decimal(5)), (Decimal("1.25"), Decimal("1.25")), (" 1250.50 ", Decimal("1250.50")), ("-3", Decimal(-3))],
)
def test_to_decimal_takes_int_decimal_and_text(value, expected):
    assert to_decimal(value) == expected


def test_to_decimal_refuses_float_with_a_message():
    with pytest.raises(CostingError) as caught:
        to_decimal(0.1, field="price", row=3)
    error = caught.value
    assert isinstance(error, ValueError)
    assert error.message.code == "costing.inexact_number"
    assert (error.field, error.row) == ("price", 3)
    assert "0.1" in error.message.render()


@pytest.mark.parametrize("value", [True, False, "abc", "1,5", "", "NaN", "Infinity", Decimal("NaN"), None, [1]])
def test_to_decimal_refuses_what_is_not_a_number(value):
    with pytest.raises(CostingError) as caught:
        to_decimal(value)
    assert caught.value.message.code == "costing.not_a_number"
    caught.value.message.render()


@pytest.mark.parametrize("value", ["1e999999999", "1e-999999", "1" * 101, Decimal("1e21"), 10**21])
def test_to_decimal_refuses_numbers_out_of_scale(value):
    with pytest.raises(CostingError) as caught:
        to_decimal(value)
    assert caught.value.message.code == "costing.out_of_scale"


# --- rounding ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("x", "expected"),
    [
        (Decimal("0.5"), 1),
        (Decimal("1.4999"), 1),
        (Decimal("2.5"), 3),
        (Decimal("-2.5"), -3),
        (Decimal("18429468.75"), 18_429_469),
        (Decimal("134032.5"), 134_033),
        (Fraction(1, 3), 0),
        (Fraction(2, 3), 1),
        (7, 7),
    ],
)
def test_round_rupiah_is_half_up(x, expected):
    assert round_rupiah(x) == expected


def test_round_rupiah_refuses_float():
    with pytest.raises(CostingError):
        round_rupiah(2.5)


@pytest.mark.parametrize(
    ("n", "expected"), [(44_854_586, 44_854_000), (999, 0), (1000, 1000), (0, 0), (13_100_000_999, 13_100_000_000)]
)
def test_round_down_thousand(n, expected):
    assert round_down_thousand(n) == expected


# --- splits --------------------------------------------------------------------------------------


def test_split_by_hand():
    # 100 over 1:1:1 is 33.33 each; the leftover rupiah goes to the first (ties to the earlier index).
    assert split_largest_remainder(100, [1, 1, 1]) == [34, 33, 33]
    # 10 over 0.2, 0.3, 0.5 is exact.
    assert split_largest_remainder(10, [Decimal("0.2"), Decimal("0.3"), Decimal("0.5")]) == [2, 3, 5]
    # 7 over 1:2:4 with a zero: 1, 2, 4 exactly; the zero gets nothing.
    assert split_largest_remainder(7, [1, 0, 2, 4]) == [1, 0, 2, 4]
    # 1000 over 1/3, 1/3, 1/6, 1/6: 333.33, 333.33, 166.67, 166.67 -> the .67s get the two leftovers.
    assert split_largest_remainder(1000, [Fraction(1, 3), Fraction(1, 3), Fraction(1, 6), Fraction(1, 6)]) == [
        333,
        333,
        167,
        167,
    ]


@pytest.mark.parametrize("weights", [[0, 0, 0], [], [Decimal(0)]])
def test_split_refuses_weights_all_zero(weights):
    with pytest.raises(CostingError) as caught:
        split_largest_remainder(1000, weights)
    assert caught.value.message.code == "costing.weights_all_zero"
    assert caught.value.field == "weights"


@pytest.mark.parametrize(
    ("weights", "code"), [([1, -1], "costing.weight_negative"), ([1, 0.5], "costing.inexact_number")]
)
def test_split_refuses_bad_weights(weights, code):
    with pytest.raises(CostingError) as caught:
        split_largest_remainder(1000, weights)
    assert caught.value.message.code == code


@settings(deadline=None)  # exact, not timed: a slow CI machine must not fail it
@given(total=TOTALS, weights=WEIGHTS)
@example(total=10**13, weights=[Decimal("1e-30"), 10**15, 0, Decimal("1e-30")])
@example(total=1, weights=[1] * 40)
@example(total=0, weights=[0, 1])
def test_split_adds_up_and_stays_within_a_rupiah(total, weights):
    shares = split_largest_remainder(total, weights)
    assert sum(shares) == total
    assert len(shares) == len(weights)
    for share, exact, w in zip(shares, exact_shares(total, weights), weights, strict=True):
        assert abs(share - exact) < 1
        if w == 0:
            assert share == 0
    assert split_largest_remainder(total, list(weights)) == shares  # deterministic


@settings(deadline=None)  # exact, not timed: a slow CI machine must not fail it
@given(total=TOTALS, n=st.integers(min_value=1, max_value=60), weight=st.integers(min_value=1, max_value=10**9))
def test_equal_weights_differ_by_at_most_a_rupiah_the_earlier_first(total, n, weight):
    shares = split_largest_remainder(total, [weight] * n)
    assert sum(shares) == total
    assert max(shares) - min(shares) <= 1
    assert shares == sorted(shares, reverse=True)


@settings(deadline=None)  # exact, not timed: a slow CI machine must not fail it
@given(total=TOTALS, weights=WEIGHTS)
def test_allocate_exact_agrees_with_the_split(total, weights):
    assert allocate_exact(total, exact_shares(total, weights)) == split_largest_remainder(total, weights)


def test_allocate_exact_refuses_shares_that_miss_the_total():
    with pytest.raises(CostingError) as caught:
        allocate_exact(100, [Fraction(100, 3), Fraction(100, 3)])
    assert caught.value.message.code == "costing.shares_not_total"


def test_negative_total_also_adds_up():
    shares = split_largest_remainder(-100, [1, 1, 1])
    assert sum(shares) == -100
    assert all(abs(s - Fraction(-100, 3)) < 1 for s in shares)
