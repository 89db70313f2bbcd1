"""Properties of every schedule, for every method, on random loans: exact sums, a balance that only
falls and never goes below 0, whole rupiah, the issue's rounding rules.

The reference figures here (the annuity formula, half-up rounding, the murabahah margin) are
computed independently of `finance.instalment`, with exact fractions.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from finance.instalment import METHODS, add_months, margin, monthly_instalment, schedule, total_interest

principals = st.integers(0, 5_000_000_000)
rates = st.decimals(min_value=0, max_value=Decimal("0.3"), places=4)
positive_rates = st.decimals(min_value=Decimal("0.0001"), max_value=Decimal("0.3"), places=4)
methods = st.sampled_from(METHODS)


@st.composite
def tenors(draw, most: int = 360):
    """(months, grace_months): the grace is inside the tenor, at least one month amortises."""
    months = draw(st.integers(1, most))
    return months, draw(st.integers(0, min(24, months - 1)))


fast = settings(max_examples=150, deadline=None)


def half_up(x: Fraction) -> int:
    whole = x.numerator // x.denominator
    return whole + (1 if x - whole >= Fraction(1, 2) else 0)


def annuity_formula(principal: int, rate: Decimal, months: int) -> Fraction:
    r = Fraction(rate) / 12
    if r == 0:
        return Fraction(principal, months)
    return principal * r / (1 - (1 + r) ** -months)


@fast
@given(principals, rates, tenors(), methods)
def test_every_schedule_adds_up(principal, rate, tenor, method):
    months, grace = tenor
    rows = schedule(principal, rate, months, method, grace_months=grace)
    assert len(rows) == months  # the tenor includes the grace
    assert [row.number for row in rows] == list(range(1, months + 1))
    assert sum(row.principal for row in rows) == principal  # principal repaid equals the loan
    assert rows[-1].balance == 0
    balance = principal
    for row in rows:
        assert all(type(v) is int for v in (row.principal, row.interest, row.total, row.balance))
        assert row.total == row.principal + row.interest == row.payment
        assert row.principal >= 0 and row.interest >= 0 and row.balance >= 0  # never negative
        assert row.balance == balance - row.principal <= balance  # never rises
        balance = row.balance
    grace_interest = 0 if method in ("murabahah", "none") else half_up(principal * Fraction(rate) / 12)
    assert all((row.principal, row.interest, row.balance) == (0, grace_interest, principal) for row in rows[:grace])
    assert total_interest(rows) == sum(row.interest for row in rows)


@fast
@given(principals, rates, tenors(), methods)
def test_interest_follows_the_method(principal, rate, tenor, method):
    months, grace = tenor
    rows = schedule(principal, rate, months, method, grace_months=grace)
    r, m = Fraction(rate) / 12, months - grace
    balance = principal
    for row in rows[grace:]:
        if method in ("annuity", "declining"):
            assert row.interest == half_up(balance * r)  # on the balance, each month half up
        elif method == "flat":
            assert row.interest == half_up(principal * r)  # on the original principal
        elif method == "none":
            assert row.interest == 0
        balance = row.balance
    if method in ("declining", "flat", "none"):  # equal principal, the remainder in the last
        parts = [row.principal for row in rows[grace:]]
        assert parts[:-1] == [principal // m] * (m - 1)
        assert parts[-1] == principal - (m - 1) * (principal // m)


@fast
@given(principals, rates, tenors())
def test_murabahah_price_is_principal_plus_one_rounded_margin(principal, rate, tenor):
    months, grace = tenor
    rows = schedule(principal, rate, months, "murabahah", grace_months=grace)
    fixed = half_up(principal * Fraction(rate) * months / 12)  # rounded once, over the whole tenor
    assert margin(principal, rate, months) == fixed
    assert total_interest(rows) == fixed
    assert sum(row.total for row in rows) == principal + fixed
    price, m = principal + fixed, months - grace
    payments = [row.total for row in rows[grace:]]
    assert payments[:-1] == [price // m] * (m - 1)  # equal payments, the remainder in the last
    assert payments[-1] == price - (m - 1) * (price // m)
    assert monthly_instalment(principal, rate, months, "murabahah", grace_months=grace) == price // m
    # The margin is recognised in proportion to the price paid, so it never runs ahead of it.
    paid = recognised = 0
    for row in rows[grace:]:
        paid += row.total
        recognised += row.interest
        assert recognised == (half_up(Fraction(paid * fixed, price)) if price else 0)


@fast
@given(principals, rates, tenors())
def test_annuity_payments_are_equal_and_the_last_clears_the_balance(principal, rate, tenor):
    months, grace = tenor
    m = months - grace
    rows = schedule(principal, rate, months, "annuity", grace_months=grace)[grace:]
    payment = half_up(annuity_formula(principal, rate, m))
    assert monthly_instalment(principal, rate, months, "annuity", grace_months=grace) == payment
    cleared = next(k for k, row in enumerate(rows) if row.balance == 0)
    assert all(row.total == payment for row in rows[:cleared])  # the formula rounded half up
    assert all(row.total == 0 for row in rows[cleared + 1:])  # after a tiny loan is cleared early
    if principal and cleared < m - 1:
        # Only a tiny loan is repaid before its last month: the rounding (at most a rupiah a month,
        # payment and interest together), compounded over the months, outgrew the payment itself.
        r = Fraction(rate) / 12
        s = ((1 + r) ** m - 1) / r if r else m
        assert annuity_formula(principal, rate, m) <= (1 + r) * s


@fast
@given(st.integers(10_000_000, 5_000_000_000), st.decimals(min_value=Decimal("0.01"), max_value=Decimal("0.3"),
                                                           places=4), st.integers(12, 360))
def test_a_house_loan_annuity_runs_its_full_term(principal, rate, months):
    rows = schedule(principal, rate, months)
    assert all(row.balance > 0 for row in rows[:-1])
    payment = rows[0].total
    assert {row.total for row in rows[:-1]} == {payment}
    r = Fraction(rate) / 12
    s = ((1 + r) ** months - 1) / r  # each month's half-rupiah of rounding, compounded
    assert abs(rows[-1].total - payment) <= s


@fast
@given(principals, positive_rates, st.integers(1, 360))
def test_interest_declining_annuity_flat(principal, rate, months):
    """Exactly, declining <= annuity <= flat. In rupiah, rounding can reorder them on a tiny loan,
    but annuity interest stays below flat + months / 2, and on a real house loan the order holds
    strictly."""
    declining, annuity, flat = (
        total_interest(schedule(principal, rate, months, method)) for method in ("declining", "annuity", "flat")
    )
    assert 2 * (annuity - flat) < months + 1
    if principal >= 10_000_000 and rate >= Decimal("0.01") and months >= 2:
        assert declining < annuity < flat


@fast
@given(principals, rates, tenors(), methods)
def test_monthly_instalment_is_the_first_regular_payment(principal, rate, tenor, method):
    months, grace = tenor
    rows = schedule(principal, rate, months, method, grace_months=grace)
    payment = monthly_instalment(principal, rate, months, method, grace_months=grace)
    first = rows[grace]
    if method != "annuity" or months - grace == 1 or first.balance > 0:
        assert first.total == payment or (months - grace == 1 and first.total == rows[-1].total)


@fast
@given(st.dates(date(1990, 1, 1), date(2100, 12, 31)), tenors(120), methods)
def test_due_dates_keep_the_first_day_clamped_to_the_month_end(first_due, tenor, method):
    months, grace = tenor
    rows = schedule(1_000_000, Decimal("0.05"), months, method, grace_months=grace, first_due=first_due)
    for k, row in enumerate(rows):
        assert (row.due.year * 12 + row.due.month) - (first_due.year * 12 + first_due.month) == k
        assert row.due.day == min(first_due.day, days_in_month(row.due.year, row.due.month))


@fast
@given(st.dates(date(1900, 1, 1), date(2200, 12, 31)), st.integers(-1200, 1200))
def test_add_months_keeps_the_day_or_clamps_to_the_month_end(day, months):
    moved = add_months(day, months)
    assert (moved.year * 12 + moved.month) - (day.year * 12 + day.month) == months
    assert moved.day == min(day.day, days_in_month(moved.year, moved.month))


def days_in_month(year: int, month: int) -> int:
    following = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return (following - date(year, month, 1)).days
