"""Instalment loans for cooperative members: schedules, the monthly payment, the income it needs.

Money is whole rupiah (`int`); the annual rate is a `Decimal` fraction (5% a year is
`Decimal("0.05")`). Arithmetic on the way is exact (`Fraction`), never float, and every schedule adds
up: its principal parts sum to the principal and its balance ends at exactly 0.

Methods (`METHODS`), with `r` = annual rate / 12 and `n` = the months of amortisation:

- ``"annuity"`` (anuitas): the same total every month. The regular payment is the annuity formula
  ``P r / (1 - (1 + r)^-n)`` (``P / n`` at rate 0) rounded UP to the rupiah, so the cooperative is
  never short on a regular month. Interest each month is the balance x r rounded half up; the rest of
  the payment repays principal. The last payment is the balance left plus its interest, so it absorbs
  the rounding: at rate 0 it is less than `n` rupiah below the regular payment; with interest, each
  month's rounding compounds, and it lies between ``1.5 s`` below and ``0.5 s`` above, where
  ``s = ((1 + r)^n - 1) / r`` (a few hundred rupiah for an FLPP loan at 5% over 20 years).
  Only when the regular payment is small next to ``s`` could the fraction of a rupiah rounded up,
  compounded, repay the loan before its last month (Rp1.000.000 at 30% over 30 years; at rate 0,
  a principal under about months squared, such as Rp5 over 4 months). The payment is then lowered
  by whole rupiah to the largest that leaves a balance until the last month, and the last payment
  is the larger one (Rp5 over 4 months: 1, 1, 1 and 2). So an annuity always runs its full term.
- ``"flat"`` (bunga flat): interest on the original principal every month. The total interest is
  ``P x rate x n / 12`` rounded half up; it and the principal are each split evenly over the months,
  the odd rupiah going to the earliest months (largest remainder, ties to the earlier month). Totals
  differ by at most 2 rupiah; the first is the largest.
- ``"declining"`` (bunga efektif / menurun): equal principal parts (split as for flat) and interest
  on the balance outstanding, rounded half up, so the payments fall month by month.

Grace months (`grace_months`) come before, and in addition to, the `months` of amortisation: they
pay interest only (principal 0; interest = principal x r rounded half up, the same for every method)
and leave the balance at the principal. A schedule thus has ``grace_months + months`` rows, and the
regular payment after the grace is `monthly_instalment` of the same principal, rate and months.

Due dates run monthly from `first_due` on its day of the month, clamped to shorter months:
31 January, 29 February (28 in a common year), 31 March, 30 April, ...
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction

METHODS = ("annuity", "flat", "declining")  # anuitas, bunga flat, bunga efektif/menurun
MAX_MONTHS = 480  # 40 years, grace included
MAX_ANNUAL_RATE = Decimal("0.5")  # anything above 50% a year is surely a typo (5 for 5%?)


class FinanceError(ValueError):
    """Input a loan calculation cannot take; the message says what and why, in English.

    `field` names the argument at fault (for a form to put the message next to it)."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Instalment:
    number: int  # 1-based, grace months included
    due: date | None
    principal: int
    interest: int
    total: int  # principal + interest
    balance: int  # principal outstanding after this payment


@dataclass(frozen=True)
class LoanSummary:
    price: int
    grants: int
    down_payment: int
    principal: int  # price - grants - down_payment
    monthly: int  # monthly_instalment: the regular payment (declining: the first, largest one)
    total_paid: int  # every instalment of the schedule, principal and interest
    total_interest: int
    income_needed: int  # the monthly household income at which `monthly` is 30% of it


# --- public functions ------------------------------------------------------------------------------

def monthly_instalment(principal: int, annual_rate: Decimal, months: int, method: str = "annuity") -> int:
    """The regular monthly payment of `schedule` after any grace months.

    annuity: the annuity formula rounded up to the rupiah (see the module docstring for the rare
    case where it is lowered); flat: principal / months and the flat interest / months, each
    rounded up (the first month's total, the largest); declining: the first, largest payment.
    """
    principal, r, months, method = _check_loan(principal, annual_rate, months, method)
    if method == "annuity":
        return _annuity_payment(principal, r, months)
    if method == "flat":
        return _ceil(Fraction(principal, months)) + _ceil(Fraction(_flat_interest(principal, r, months), months))
    return _ceil(Fraction(principal, months)) + _round_half_up(principal * r)


def schedule(
    principal: int,
    annual_rate: Decimal,
    months: int,
    method: str = "annuity",
    *,
    grace_months: int = 0,
    first_due: date | None = None,
) -> list[Instalment]:
    """Every payment of the loan: `grace_months` interest-only rows, then `months` of amortisation.

    Row k (1-based) falls due `k - 1` months after `first_due` (None: no dates). Rounding as the
    module docstring describes; the principal parts sum to `principal` and the last balance is 0.
    """
    principal, r, months, method = _check_loan(principal, annual_rate, months, method)
    grace_months = _check_int("grace_months", grace_months, 0, MAX_MONTHS - months,
                              f" (grace and amortisation together are at most {MAX_MONTHS} months)")
    if first_due is not None and not isinstance(first_due, date):
        raise FinanceError(f"first_due must be a date, not {type(first_due).__name__}", field="first_due")

    grace_interest = _round_half_up(principal * r)
    parts = [(0, grace_interest)] * grace_months
    if method == "annuity":
        parts += _annuity_parts(principal, r, months, _annuity_payment(principal, r, months))
    elif method == "flat":
        interest = _split_evenly(_flat_interest(principal, r, months), months)
        parts += list(zip(_split_evenly(principal, months), interest, strict=True))
    else:
        balance = principal
        for part in _split_evenly(principal, months):
            parts.append((part, _round_half_up(balance * r)))
            balance -= part

    rows = []
    balance = principal
    for k, (part, interest) in enumerate(parts):
        balance -= part
        due = add_months(first_due, k) if first_due is not None else None
        rows.append(Instalment(k + 1, due, part, interest, part + interest, balance))
    assert balance == 0, "a schedule must repay its principal exactly"
    return rows


def total_interest(rows: Iterable[Instalment]) -> int:
    """The interest of all `rows` together."""
    return sum(row.interest for row in rows)


def income_needed(instalment: int, ratio: Decimal = Decimal("0.30")) -> int:
    """The monthly household income at which `instalment` is `ratio` of it, rounded up to the rupiah."""
    instalment = _check_int("instalment", instalment, 0, None)
    share = _exact(ratio)
    if share is None or not 0 < share <= 1:
        raise FinanceError(f"ratio must be a Decimal above 0 and at most 1 (30% is 0.30), not {ratio!r}",
                           field="ratio")
    return _ceil(instalment / share)


def loan_summary(
    price: int, grants: int, down_payment: int, annual_rate: Decimal, months: int, method: str = "annuity"
) -> LoanSummary:
    """The loan left after grants and the down payment, its monthly payment, totals and income needed."""
    price = _check_int("price", price, 0, None)
    grants = _check_int("grants", grants, 0, None)
    down_payment = _check_int("down_payment", down_payment, 0, None)
    if grants > price:
        raise FinanceError(f"the grants ({_rp(grants)}) exceed the price ({_rp(price)})", field="grants")
    principal = price - grants - down_payment
    if principal < 0:
        raise FinanceError(
            f"the down payment ({_rp(down_payment)}) exceeds the price less the grants "
            f"({_rp(price)} - {_rp(grants)} = {_rp(price - grants)})",
            field="down_payment",
        )
    rows = schedule(principal, annual_rate, months, method)
    monthly = monthly_instalment(principal, annual_rate, months, method)
    return LoanSummary(
        price=price,
        grants=grants,
        down_payment=down_payment,
        principal=principal,
        monthly=monthly,
        total_paid=sum(row.total for row in rows),
        total_interest=total_interest(rows),
        income_needed=income_needed(monthly),
    )


def add_months(day: date, months: int) -> date:
    """`day` moved by `months` calendar months, on the same day of the month where the month has it
    and on its last day otherwise: 31 Jan + 1 = 28 Feb (29 in a leap year), 31 Jan + 2 = 31 Mar."""
    years, month0 = divmod(day.month - 1 + months, 12)
    year, month = day.year + years, month0 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


# --- annuity ---------------------------------------------------------------------------------------

def _annuity_exact(principal: int, r: Fraction, months: int) -> Fraction:
    if r == 0:
        return Fraction(principal, months)
    growth = (1 + r) ** months
    return principal * r * growth / (growth - 1)


def _annuity_payment(principal: int, r: Fraction, months: int) -> int:
    """The formula rounded up, or, if that would repay the loan before its last month, the largest
    whole-rupiah payment that does not (the balance after each month falls as the payment grows)."""
    if principal == 0:
        return 0
    high = _ceil(_annuity_exact(principal, r, months))
    if _runs_full_term(principal, r, months, high):
        return high
    # Paying just the first month's interest keeps the balance at the principal: it always runs.
    low = _round_half_up(principal * r)
    while high - low > 1:  # low runs the full term, high does not
        mid = (low + high) // 2
        if _runs_full_term(principal, r, months, mid):
            low = mid
        else:
            high = mid
    return low


def _runs_full_term(principal: int, r: Fraction, months: int, payment: int) -> bool:
    balance = principal
    for _ in range(months - 1):
        balance -= payment - _round_half_up(balance * r)
        if balance <= 0:
            return False
    return True


def _annuity_parts(principal: int, r: Fraction, months: int, payment: int) -> list[tuple[int, int]]:
    parts = []
    balance = principal
    for _ in range(months - 1):
        interest = _round_half_up(balance * r)
        parts.append((payment - interest, interest))
        balance -= payment - interest
    parts.append((balance, _round_half_up(balance * r)))
    return parts


# --- helpers ---------------------------------------------------------------------------------------

def _flat_interest(principal: int, r: Fraction, months: int) -> int:
    return _round_half_up(principal * r * months)


def _split_evenly(total: int, parts: int) -> list[int]:
    """`total` in `parts` whole shares by largest remainder: the odd units go to the earliest."""
    share, odd = divmod(total, parts)
    return [share + 1] * odd + [share] * (parts - odd)


def _check_loan(principal: int, annual_rate: Decimal, months: int, method: str) -> tuple[int, Fraction, int, str]:
    principal = _check_int("principal", principal, 0, None)
    months = _check_int("months", months, 1, MAX_MONTHS)
    if method not in METHODS:
        raise FinanceError(f"method must be one of {', '.join(METHODS)}, not {method!r}", field="method")
    return principal, _check_rate(annual_rate) / 12, months, method


def _check_rate(annual_rate: Decimal) -> Fraction:
    rate = _exact(annual_rate)
    if rate is None:
        raise FinanceError(
            f"annual_rate must be a Decimal such as Decimal('0.05') for 5%, not {annual_rate!r}",
            field="annual_rate",
        )
    if not 0 <= rate <= MAX_ANNUAL_RATE:
        raise FinanceError(
            f"annual_rate must be a fraction from 0 to {MAX_ANNUAL_RATE} (5% a year is 0.05), not {annual_rate}",
            field="annual_rate",
        )
    return rate


def _check_int(name: str, value: int, low: int, high: int | None, why: str = "") -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise FinanceError(f"{name} must be a whole number, not {value!r}", field=name)
    if value < low or (high is not None and value > high):
        allowed = f"from {low} to {high}" if high is not None else f"{low} or more"
        raise FinanceError(f"{name} must be {allowed}{why}, not {value}", field=name)
    return value


def _exact(value: Decimal | int) -> Fraction | None:
    """A finite Decimal or an int as an exact fraction; None for anything else (floats above all)."""
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        return None
    if isinstance(value, Decimal) and not value.is_finite():
        return None
    return Fraction(value)


def _round_half_up(value: Fraction) -> int:
    return (2 * value.numerator + value.denominator) // (2 * value.denominator)


def _ceil(value: Fraction) -> int:
    return -(-value.numerator // value.denominator)


def _rp(amount: int) -> str:
    """Rupiah as Indonesian prints it: Rp1.234.567."""
    return ("-" if amount < 0 else "") + f"Rp{abs(amount):,}".replace(",", ".")
