"""An instalment as a share of household income: exact shares, the boundary, unknown incomes, assumed terms."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from finance.affordability import DEFAULT_RATIO, assess, assumed_instalment, down_payment, share
from finance.instalment import FinanceError


def test_the_share_is_exact():
    assert share(3_000_000, 1_000_000) == Fraction(1, 3)
    assert assess(3_000_000, 1_000_000).share_pct == Decimal("33.3")


def test_exactly_at_the_ratio_is_within_and_one_rupiah_more_is_flagged():
    at = assess(2_000_000, 600_000)
    assert at.share == Fraction(3, 10) and at.status == "within" and not at.flagged
    above = assess(2_000_000, 600_001)
    assert above.status == "above" and above.flagged
    assert assess(2_000_001, 600_000).status == "within"
    assert Decimal("0.30") == DEFAULT_RATIO


def test_the_ratio_is_the_cooperatives():
    assert assess(2_000_000, 700_000, Decimal("0.35")).status == "within"
    assert assess(2_000_000, 700_001, Decimal("0.35")).flagged
    assert assess(2_000_000, 2_000_000, 1).status == "within"


@pytest.mark.parametrize("income", [0, None])
def test_no_income_recorded_is_unknown_not_affordable(income):
    result = assess(income, 500_000)
    assert result.status == "unknown" and not result.flagged and result.share is None
    assert result.share_pct is None
    assert share(income, 0) is None


def test_a_free_unit_is_within_reach():
    assert assess(1_000_000, 0).status == "within"


@pytest.mark.parametrize(
    ("args", "field"),
    [
        ((-1, 100), "income"),
        ((1.5e6, 100), "income"),
        ((True, 100), "income"),
        (("3000000", 100), "income"),
        ((3_000_000, -5), "instalment"),
        ((3_000_000, 0.3), "instalment"),
    ],
)
def test_bad_amounts_are_refused(args, field):
    with pytest.raises(FinanceError) as err:
        assess(*args)
    assert err.value.field == field


@pytest.mark.parametrize("ratio", [Decimal(0), Decimal("-0.3"), Decimal("1.01"), 0.3, Decimal("NaN"), True, 30])
def test_a_ratio_outside_0_to_1_is_refused(ratio):
    with pytest.raises(FinanceError) as err:
        assess(3_000_000, 100_000, ratio)
    assert err.value.field == "ratio"


def test_down_payment_rounds_half_up():
    assert down_payment(101_010_101, Decimal(1)) == 1_010_101  # 1.010.101,01
    assert down_payment(150, Decimal(1)) == 2  # 1,5
    assert down_payment(149, Decimal(1)) == 1
    assert down_payment(100_000_000, 0) == 0
    for bad in (Decimal(100), Decimal(-1), 0.01):
        with pytest.raises(FinanceError) as err:
            down_payment(100_000_000, bad)
        assert err.value.field == "down_payment_pct"


def test_flpp_terms_give_the_known_instalment():
    # 1% down on 101.010.101 leaves 100.000.000: at 5% over 240 months, 659.956 a month.
    assert assumed_instalment(101_010_101, Decimal(1), Decimal("0.05"), 240, "annuity") == 659_956


def test_the_instalment_after_grace_and_for_declining_balance():
    # Declining: the first regular payment is the largest, 1.000.000 + 1% of 12.000.000.
    assert assumed_instalment(12_000_000, 0, Decimal("0.12"), 12, "declining") == 1_120_000
    # Two interest-only months first: the amortising payment is what counts.
    assert assumed_instalment(12_000_000, 0, Decimal("0.12"), 14, "declining", grace_months=2) == 1_120_000
    assert assumed_instalment(12_000_000, 0, Decimal(0), 12, "none") == 1_000_000


def test_bad_terms_name_their_field():
    with pytest.raises(FinanceError) as err:
        assumed_instalment(100_000_000, 1, Decimal("0.05"), 0)
    assert err.value.field == "months"
    with pytest.raises(FinanceError) as err:
        assumed_instalment(100_000_000, 1, Decimal(5), 240)
    assert err.value.field == "annual_rate"
