"""Instalment loans: hand-checked schedules, due dates, and the input that is refused.

The expected figures were worked out by hand (and with the annuity formula at 80 significant
digits), not read off the code. The tenor `months` INCLUDES the grace months.

- FLPP, Rp100.000.000 at 5% a year over 240 months, annuity: r = 0.05 / 12, P r / (1 - (1 + r)^-240)
  = 659955.7392166573..., half up Rp659.956 a month. Month 1: interest 100.000.000 x r = 416.666,67 ->
  416.667, principal 243.289, balance 99.756.711. Months 2-239 pay 659.956; the balance before
  month 240 is 657.116, its interest 2.737,98 -> 2.738, so the last payment is 659.854 (102 less).
  Total paid 158.389.338, interest 58.389.338; income needed at 30%: 659.956 / 0.3 = 2.199.853,33
  -> Rp2.199.854.
- The same loan with 6 grace months inside the 240: 6 x 416.667 interest only, then 234 months of
  the formula 669.835,99 -> 669.836; the last 669.822; interest 2.500.002 + 56.741.610 = 59.241.612.
- Rp12.000.000 at 12% over 12 months: flat, 1.000.000 principal + 120.000 interest every month
  (interest 1.440.000 in all); declining, 1.000.000 + 120.000 first and 1.000.000 + 10.000 last
  (interest 10.000 x (12 + 11 + ... + 1) = 780.000); annuity, 12.000.000 x 0.01 / (1 - 1.01^-12)
  = 1.066.185,46 -> 1.066.185 a month, the last 1.066.191, interest 794.226; murabahah, margin
  12.000.000 x 12% x 12 / 12 = 1.440.000, sale price 13.440.000 = 12 x 1.120.000, of which
  120.000 margin a month; none, 1.000.000 a month.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from finance.instalment import (
    METHODS,
    FinanceError,
    Instalment,
    LoanSummary,
    add_months,
    income_needed,
    loan_summary,
    margin,
    monthly_instalment,
    schedule,
    total_interest,
)

FLPP_RATE = Decimal("0.05")


def test_methods():
    assert METHODS == ("annuity", "declining", "flat", "murabahah", "none")


# --- annuity ---------------------------------------------------------------------------------------

def test_flpp_annuity_is_rp659956_a_month():
    assert monthly_instalment(100_000_000, FLPP_RATE, 240) == 659_956
    rows = schedule(100_000_000, FLPP_RATE, 240)
    assert len(rows) == 240
    assert rows[0] == Instalment(1, None, 243_289, 416_667, 659_956, 99_756_711)
    assert rows[0].payment == rows[0].total
    assert {row.total for row in rows[:-1]} == {659_956}
    assert rows[-2] == Instalment(239, None, 654_491, 5_465, 659_956, 657_116)
    assert rows[-1] == Instalment(240, None, 657_116, 2_738, 659_854, 0)
    assert sum(row.total for row in rows) == 158_389_338
    assert total_interest(rows) == 58_389_338
    assert sum(row.principal for row in rows) == 100_000_000


def test_annuity_payment_rounds_half_up_not_up():
    # 1.066.185,46: half up is 1.066.185 (the old rule, rounding up, gave 1.066.186).
    rows = schedule(12_000_000, Decimal("0.12"), 12, "annuity")
    assert monthly_instalment(12_000_000, Decimal("0.12"), 12) == 1_066_185
    assert rows[0] == Instalment(1, None, 946_185, 120_000, 1_066_185, 11_053_815)
    assert {row.total for row in rows[:-1]} == {1_066_185}
    assert rows[-1] == Instalment(12, None, 1_055_635, 10_556, 1_066_191, 0)  # 6 more: it clears the balance
    assert total_interest(rows) == 794_226


def test_annuity_interest_rounds_half_up():
    # 150 x 0.2 / 12 = 2.5 exactly: half up gives 3 (banker's rounding would give 2); 150 x (1 + 1/60) = 152.5.
    assert schedule(150, Decimal("0.2"), 1) == [Instalment(1, None, 150, 3, 153, 0)]
    assert schedule(30, Decimal("0.2"), 1)[0].interest == 1  # 0.5 -> 1
    assert monthly_instalment(150, Decimal("0.2"), 1) == 153


def test_annuity_at_rate_0_and_the_last_absorbs_the_rest():
    rows = schedule(1_000_000, Decimal(0), 3)
    assert [row.total for row in rows] == [333_333, 333_333, 333_334]
    assert total_interest(rows) == 0
    # 2.000.000 / 3 = 666.666,67 -> 666.667: the last is 2 less.
    assert [row.total for row in schedule(2_000_000, Decimal(0), 3)] == [666_667, 666_667, 666_666]


def test_a_tiny_annuity_repaid_early_never_goes_below_zero():
    # 3 over 4 months at 0%: 0,75 -> 1 a month clears the loan in month 3; month 4 is 0.
    assert monthly_instalment(3, Decimal(0), 4) == 1
    assert [(row.total, row.balance) for row in schedule(3, Decimal(0), 4)] == [(1, 2), (1, 1), (1, 0), (0, 0)]
    # 5 over 8: 0,625 -> 1; five payments clear it.
    assert [row.total for row in schedule(5, Decimal(0), 8)] == [1, 1, 1, 1, 1, 0, 0, 0]


def test_annuity_grace_months_are_inside_the_tenor():
    rows = schedule(100_000_000, FLPP_RATE, 240, grace_months=6)
    assert len(rows) == 240
    assert rows[:6] == [Instalment(k, None, 0, 416_667, 416_667, 100_000_000) for k in range(1, 7)]
    # 234 amortising months: 669.835,99 -> 669.836.
    assert monthly_instalment(100_000_000, FLPP_RATE, 240, grace_months=6) == 669_836
    assert rows[6] == Instalment(7, None, 253_169, 416_667, 669_836, 99_746_831)
    assert rows[-2] == Instalment(239, None, 664_289, 5_547, 669_836, 667_043)
    assert rows[-1] == Instalment(240, None, 667_043, 2_779, 669_822, 0)
    assert total_interest(rows) == 59_241_612


# --- declining, flat, murabahah, none --------------------------------------------------------------

def test_declining_12_percent_over_12_months():
    rows = schedule(12_000_000, Decimal("0.12"), 12, "declining")
    assert rows[0] == Instalment(1, None, 1_000_000, 120_000, 1_120_000, 11_000_000)
    assert rows[1] == Instalment(2, None, 1_000_000, 110_000, 1_110_000, 10_000_000)
    assert rows[-1] == Instalment(12, None, 1_000_000, 10_000, 1_010_000, 0)
    assert total_interest(rows) == 780_000
    assert monthly_instalment(12_000_000, Decimal("0.12"), 12, "declining") == 1_120_000


def test_declining_rounds_each_month_half_up_and_the_last_takes_the_remainder():
    # 10.000.000 / 3 = 3.333.333 r 1; interest 83.333,33; 6.666.667 -> 55.555,56; 3.333.334 -> 27.777,78.
    assert schedule(10_000_000, Decimal("0.1"), 3, "declining") == [
        Instalment(1, None, 3_333_333, 83_333, 3_416_666, 6_666_667),
        Instalment(2, None, 3_333_333, 55_556, 3_388_889, 3_333_334),
        Instalment(3, None, 3_333_334, 27_778, 3_361_112, 0),
    ]
    # 150 x 1% = 1,5 -> 2 (half up).
    assert [row.interest for row in schedule(300, Decimal("0.12"), 2, "declining")] == [3, 2]


def test_declining_grace_is_interest_only():
    rows = schedule(3_000_000, Decimal("0.12"), 4, "declining", grace_months=1)
    assert [(r.principal, r.interest, r.total, r.balance) for r in rows] == [
        (0, 30_000, 30_000, 3_000_000), (1_000_000, 30_000, 1_030_000, 2_000_000),
        (1_000_000, 20_000, 1_020_000, 1_000_000), (1_000_000, 10_000, 1_010_000, 0)]


def test_flat_12_percent_over_12_months():
    rows = schedule(12_000_000, Decimal("0.12"), 12, "flat")
    assert all((row.principal, row.interest, row.total) == (1_000_000, 120_000, 1_120_000) for row in rows)
    assert [row.balance for row in rows] == [12_000_000 - 1_000_000 * k for k in range(1, 13)]
    assert total_interest(rows) == 1_440_000
    assert monthly_instalment(12_000_000, Decimal("0.12"), 12, "flat") == 1_120_000


def test_flat_rounds_each_month_and_the_last_takes_the_principal_remainder():
    # Interest 1.000 x 0.1 / 12 = 8,33 -> 8 every month; principal 1.000 = 6 x 142 + 148.
    rows = schedule(1_000, Decimal("0.1"), 7, "flat")
    assert [row.principal for row in rows] == [142] * 6 + [148]
    assert [row.interest for row in rows] == [8] * 7
    assert monthly_instalment(1_000, Decimal("0.1"), 7, "flat") == 150 == rows[0].total
    assert rows[-1].total == 156
    # 150 x 0.2 / 12 = 2,5 -> 3 (half up), on the original principal every month.
    assert [row.interest for row in schedule(150, Decimal("0.2"), 3, "flat")] == [3, 3, 3]


def test_flat_grace_pays_the_flat_interest():
    rows = schedule(1_200_000, Decimal("0.12"), 4, "flat", grace_months=1)
    assert [(r.principal, r.interest) for r in rows] == [(0, 12_000), (400_000, 12_000), (400_000, 12_000),
                                                          (400_000, 12_000)]


def test_murabahah_12_percent_over_12_months():
    assert margin(12_000_000, Decimal("0.12"), 12) == 1_440_000
    rows = schedule(12_000_000, Decimal("0.12"), 12, "murabahah")
    assert all((row.principal, row.interest, row.total) == (1_000_000, 120_000, 1_120_000) for row in rows)
    assert total_interest(rows) == 1_440_000
    assert monthly_instalment(12_000_000, Decimal("0.12"), 12, "murabahah") == 1_120_000


def test_murabahah_margin_is_rounded_once_and_recognised_in_proportion():
    # Margin 1.000 x 10% x 7 / 12 = 58,33 -> 58 (rounding each month, 8,33 -> 8, would give 56).
    # Sale price 1.058 = 6 x 151 + 152. Margin recognised after k payments: 151k x 58 / 1058 half up:
    # 8,28 -> 8; 16,56 -> 17; 24,83 -> 25; 33,11 -> 33; 41,39 -> 41; 49,67 -> 50; 58.
    assert margin(1_000, Decimal("0.1"), 7) == 58
    rows = schedule(1_000, Decimal("0.1"), 7, "murabahah")
    assert [row.total for row in rows] == [151] * 6 + [152]
    assert [row.interest for row in rows] == [8, 9, 8, 8, 8, 9, 8]
    assert [row.principal for row in rows] == [143, 142, 143, 143, 143, 142, 144]
    assert total_interest(rows) == 58


def test_murabahah_grace_spreads_the_fixed_price_over_the_remaining_months():
    # Margin over the whole tenor: 10.000.000 x 10% x 12 / 12 = 1.000.000; 11.000.000 over 10 months.
    rows = schedule(10_000_000, Decimal("0.1"), 12, "murabahah", grace_months=2)
    assert [(r.principal, r.interest, r.total) for r in rows[:2]] == [(0, 0, 0)] * 2
    assert all((r.principal, r.interest, r.total) == (1_000_000, 100_000, 1_100_000) for r in rows[2:])
    assert monthly_instalment(10_000_000, Decimal("0.1"), 12, "murabahah", grace_months=2) == 1_100_000


def test_none_splits_the_principal():
    rows = schedule(1_000, Decimal("0.1"), 7, "none")  # the rate is ignored
    assert [(r.principal, r.interest) for r in rows] == [(142, 0)] * 6 + [(148, 0)]
    rows = schedule(1_000, Decimal(0), 7, "none", grace_months=2)
    assert [r.total for r in rows] == [0, 0, 200, 200, 200, 200, 200]
    assert monthly_instalment(1_000, Decimal(0), 7, "none", grace_months=2) == 200


def test_interest_for_a_real_loan_by_method():
    totals = {m: total_interest(schedule(12_000_000, Decimal("0.12"), 12, m)) for m in METHODS}
    assert totals == {"declining": 780_000, "annuity": 794_226, "flat": 1_440_000, "murabahah": 1_440_000, "none": 0}


@pytest.mark.parametrize("method", METHODS)
def test_zero_principal_and_zero_rate(method):
    assert {(row.principal, row.interest, row.balance) for row in schedule(0, FLPP_RATE, 12, method)} == {(0, 0, 0)}
    assert monthly_instalment(0, FLPP_RATE, 12, method) == 0
    rows = schedule(1_200, Decimal(0), 12, method)
    assert [row.total for row in rows] == [100] * 12
    assert monthly_instalment(1_200, Decimal(0), 12, method) == 100


# --- income and summary ----------------------------------------------------------------------------

def test_income_needed_rounds_up():
    assert income_needed(659_956) == 2_199_854  # 2.199.853,33
    assert income_needed(300_000) == 1_000_000
    assert income_needed(300_000, Decimal("0.25")) == 1_200_000
    assert income_needed(7, Decimal(1)) == 7
    assert income_needed(0) == 0


def test_loan_summary_of_an_flpp_unit():
    summary = loan_summary(150_000_000, 40_000_000, 10_000_000, FLPP_RATE, 240)
    assert summary == LoanSummary(
        price=150_000_000, grants=40_000_000, down_payment=10_000_000, principal=100_000_000,
        monthly=659_956, total_paid=158_389_338, total_interest=58_389_338, income_needed=2_199_854,
    )
    assert summary.income_needed < 12_000_000  # under the FLPP ceiling for a single person in Jabodetabek


def test_loan_summary_declining_uses_the_first_payment():
    summary = loan_summary(12_000_000, 0, 0, Decimal("0.12"), 12, "declining")
    assert (summary.monthly, summary.total_interest, summary.total_paid) == (1_120_000, 780_000, 12_780_000)
    assert summary.income_needed == 3_733_334  # 1.120.000 / 0.3 = 3.733.333,33


def test_loan_summary_paid_in_full_by_grants_and_down_payment():
    summary = loan_summary(100_000_000, 60_000_000, 40_000_000, FLPP_RATE, 240)
    assert (summary.principal, summary.monthly, summary.total_paid, summary.income_needed) == (0, 0, 0, 0)


# --- dates -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("method", METHODS)
def test_due_dates_keep_the_31st_where_the_month_has_it(method):
    rows = schedule(4_000_000, FLPP_RATE, 4, method, first_due=date(2024, 1, 31))
    assert [row.due for row in rows] == [date(2024, 1, 31), date(2024, 2, 29), date(2024, 3, 31), date(2024, 4, 30)]
    rows = schedule(3_000_000, FLPP_RATE, 3, method, first_due=date(2027, 1, 31))
    assert [row.due for row in rows] == [date(2027, 1, 31), date(2027, 2, 28), date(2027, 3, 31)]
    # The day is kept from the start, not from the month before: 30 May, 30 June, 30 July... after February.
    rows = schedule(5_000_000, FLPP_RATE, 5, method, first_due=date(2027, 1, 30))
    assert [row.due.day for row in rows] == [30, 28, 30, 30, 30]


def test_due_dates_run_through_grace_months_and_over_year_ends():
    rows = schedule(1_000_000, FLPP_RATE, 4, grace_months=2, first_due=date(2025, 11, 30))
    assert [row.due for row in rows] == [date(2025, 11, 30), date(2025, 12, 30), date(2026, 1, 30), date(2026, 2, 28)]
    assert schedule(1_000_000, FLPP_RATE, 2)[0].due is None


@pytest.mark.parametrize(("start", "months", "expected"), [
    (date(2024, 1, 31), 1, date(2024, 2, 29)),  # leap year
    (date(2023, 1, 31), 1, date(2023, 2, 28)),
    (date(2024, 1, 31), 2, date(2024, 3, 31)),
    (date(2024, 2, 29), 12, date(2025, 2, 28)),
    (date(2024, 2, 29), 48, date(2028, 2, 29)),
    (date(2000, 1, 30), 1, date(2000, 2, 29)),  # 2000 is a leap year
    (date(2100, 1, 30), 1, date(2100, 2, 28)),  # 2100 is not
    (date(2024, 12, 15), 1, date(2025, 1, 15)),
    (date(2024, 3, 31), -1, date(2024, 2, 29)),
    (date(2024, 1, 15), -13, date(2022, 12, 15)),
    (date(2024, 5, 31), 0, date(2024, 5, 31)),
])
def test_add_months(start, months, expected):
    assert add_months(start, months) == expected


# --- refused input ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("kwargs", "field"), [
    ({"principal": -1}, "principal"),
    ({"principal": 1.5}, "principal"),
    ({"principal": Decimal("100")}, "principal"),
    ({"principal": True}, "principal"),
    ({"months": 0}, "months"),
    ({"months": 481}, "months"),
    ({"months": 12.0}, "months"),
    ({"annual_rate": Decimal("0.6")}, "annual_rate"),
    ({"annual_rate": Decimal("5")}, "annual_rate"),
    ({"annual_rate": Decimal("-0.01")}, "annual_rate"),
    ({"annual_rate": Decimal("NaN")}, "annual_rate"),
    ({"annual_rate": Decimal("Infinity")}, "annual_rate"),
    ({"annual_rate": 0.05}, "annual_rate"),
    ({"annual_rate": "0.05"}, "annual_rate"),
    ({"method": "bunga flat"}, "method"),
    ({"method": None}, "method"),
])
def test_bad_loans_are_refused(kwargs, field):
    args = {"principal": 100_000_000, "annual_rate": FLPP_RATE, "months": 240, "method": "annuity", **kwargs}
    for call in (schedule, monthly_instalment):
        with pytest.raises(FinanceError) as caught:
            call(**args)
        assert caught.value.field == field
        assert field in str(caught.value)
    assert issubclass(FinanceError, ValueError)


def test_the_error_says_what_is_allowed():
    with pytest.raises(FinanceError, match=r"annual_rate must be a fraction from 0 to 0\.5 \(5% a year is 0\.05\)"):
        schedule(1_000, Decimal("5"), 12)
    with pytest.raises(FinanceError, match=r"months must be from 1 to 480, not 481"):
        schedule(1_000, FLPP_RATE, 481)
    with pytest.raises(FinanceError, match="annual_rate must be a Decimal"):
        monthly_instalment(1_000, 0.05, 12)
    with pytest.raises(FinanceError, match="method must be one of annuity, declining, flat, murabahah, none"):
        schedule(1_000, FLPP_RATE, 12, "anuitas")


def test_rate_limits_are_inclusive():
    assert schedule(1_000, Decimal("0.5"), 12)[-1].balance == 0
    assert schedule(1_000, 0, 12)[-1].balance == 0  # an int 0 is a rate as good as Decimal(0)
    assert schedule(1_000, FLPP_RATE, 480)[-1].balance == 0


@pytest.mark.parametrize(("grace", "months"), [(-1, 12), (12, 12), (240, 240), (241, 240), (1.0, 12), (True, 12)])
def test_bad_grace_months(grace, months):
    for call in (schedule, monthly_instalment):
        with pytest.raises(FinanceError) as caught:
            call(1_000_000, FLPP_RATE, months, grace_months=grace)
        assert caught.value.field == "grace_months"


def test_grace_can_take_all_but_one_month_of_the_tenor():
    rows = schedule(1_000_000, FLPP_RATE, 240, grace_months=239)
    assert len(rows) == 240 and rows[-1] == Instalment(240, None, 1_000_000, 4_167, 1_004_167, 0)
    with pytest.raises(FinanceError, match=r"grace_months must be from 0 to 11 \(the grace months are part of the "
                                           r"tenor of 12 months"):
        schedule(1_000_000, FLPP_RATE, 12, grace_months=12)


def test_bad_first_due():
    with pytest.raises(FinanceError, match="first_due must be a date"):
        schedule(1_000_000, FLPP_RATE, 12, first_due="2025-01-31")


def test_a_schedule_whose_last_due_date_is_past_the_year_9999_is_refused():
    assert schedule(1_000_000, FLPP_RATE, 1, first_due=date(9999, 12, 1))[0].due == date(9999, 12, 1)
    assert schedule(1_000_000, FLPP_RATE, 12, first_due=date(9999, 1, 31))[-1].due == date(9999, 12, 31)
    for first, months in ((date(9999, 12, 1), 2), (date(9999, 12, 1), 240), (date(9990, 6, 1), 240)):
        with pytest.raises(FinanceError, match="after the year 9999") as caught:
            schedule(100_000_000, FLPP_RATE, months, first_due=first)
        assert caught.value.field == "first_due"


@pytest.mark.parametrize(("price", "grants", "down_payment", "field", "text"), [
    (100_000_000, 60_000_000, 50_000_000, "down_payment",
     "the down payment (Rp50.000.000) exceeds the price less the grants (Rp100.000.000 - Rp60.000.000 = "
     "Rp40.000.000)"),
    (100_000_000, 120_000_000, 0, "grants", "the grants (Rp120.000.000) exceed the price (Rp100.000.000)"),
    (100_000_000, 120_000_000, 5_000_000, "grants", "the grants (Rp120.000.000) exceed the price"),
    (-1, 0, 0, "price", "price must be 0 or more, not -1"),
    (100_000_000, -1, 0, "grants", "grants must be 0 or more"),
    (100_000_000, 0, -1, "down_payment", "down_payment must be 0 or more"),
    (100_000_000.0, 0, 0, "price", "price must be a whole number"),
])
def test_bad_loan_summary(price, grants, down_payment, field, text):
    with pytest.raises(FinanceError) as caught:
        loan_summary(price, grants, down_payment, FLPP_RATE, 240)
    assert caught.value.field == field
    assert text in str(caught.value)


@pytest.mark.parametrize(("instalment", "ratio", "field"), [
    (-1, Decimal("0.3"), "instalment"),
    (1.5, Decimal("0.3"), "instalment"),
    (100, Decimal(0), "ratio"),
    (100, Decimal("1.5"), "ratio"),
    (100, 0.3, "ratio"),
    (100, Decimal("NaN"), "ratio"),
])
def test_bad_income_needed(instalment, ratio, field):
    with pytest.raises(FinanceError) as caught:
        income_needed(instalment, ratio)
    assert caught.value.field == field
