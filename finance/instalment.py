"""Instalment loans for cooperative members: schedules, the monthly payment, the income it needs.

Money is whole rupiah (`int`); the annual rate is a `Decimal` fraction (5% a year is
`Decimal("0.05")`). Arithmetic on the way is exact (integers and `Fraction`), never float, and every
schedule adds up: its principal parts sum to the principal and its balance ends at exactly 0.

A loan has a tenor of `months` (N) that INCLUDES its `grace_months` (G): the first G rows are the
grace, the remaining ``m = N - G`` rows amortise. (Until 2026-11 grace months came on top of the
tenor; the issue's "the remaining months amortise" put them inside it.) ``r`` = annual rate / 12.

Methods (`METHODS`):

- ``"annuity"`` (anuitas, effective rate, equal payments): the regular payment is the annuity
  formula ``P r / (1 - (1 + r)^-m)`` (``P / m`` at rate 0) rounded half up to the rupiah. Interest
  each month is the balance x r rounded half up; the rest of the payment repays principal. The last
  payment is the balance left plus its interest, so it absorbs every month's rounding and the
  balance ends at exactly 0 (FLPP Rp100.000.000 at 5% over 240 months: 659.956 a month, the last
  659.854). On a tiny loan the rounded payment can repay the loan before its last month (Rp3 over
  4 months at 0%: 0,75 -> 1); the payment that clears it is then just the balance and its interest
  and the rows after it are 0 (1, 1, 1, 0), so no balance ever goes below 0.
- ``"declining"`` (bunga efektif / menurun): equal principal parts and interest on the balance
  outstanding at the start of the month, rounded half up, so the payments fall month by month.
- ``"flat"`` (bunga flat): equal principal parts and, every month, interest on the ORIGINAL
  principal, ``P x r`` rounded half up.
- ``"murabahah"``: a fixed margin agreed at the start, ``P x annual margin rate x N / 12`` rounded
  half up once (N the whole tenor, grace included). The sale price, principal plus margin, is paid
  in ``m`` equal payments (``price // m``, the remainder in the last); nothing compounds. Each
  payment's margin part is recognised in proportion to the sale price paid (Fatwa DSN-MUI 84/2012,
  proportional): after k payments ``round_half_up(paid so far x margin / price)`` of the margin is
  recognised, so the margin parts sum to the margin exactly and no part is ever negative. Late
  charges are not part of the schedule: `finance.ledger` records them apart (a social fund).
- ``"none"``: no interest; equal principal parts.

Equal principal parts (declining, flat, none) are ``P // m``, the remainder in the last instalment.

Grace months pay interest only, ``P x r`` rounded half up (principal 0, the balance stays at P), for
annuity, declining and flat; nothing is due in them for ``none`` and ``murabahah``, whose fixed
price is spread over the remaining ``m`` months.

In every row ``total`` (the payment) = ``principal`` + ``interest`` (the margin part for murabahah)
and ``balance`` is the PRINCIPAL outstanding after it (for murabahah too; the margin still to pay is
the margin less the margin parts paid).

Due dates run monthly from `first_due` (the first row's due date, grace included) on its day of the
month, clamped to shorter months: 31 January, 29 February (28 in a common year), 31 March, 30 April.

A restructuring (a longer tenor, a payment holiday) is a new `schedule` of the principal still
outstanding (`finance.ledger.LedgerState.outstanding_principal`); the app keeps the old plan as a
version.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import MAXYEAR, date
from decimal import Decimal
from fractions import Fraction

from kernel.errors import UserError
from kernel.messages import N_, Message

METHODS = ("annuity", "declining", "flat", "murabahah", "none")
MAX_MONTHS = 480  # 40 years, grace included
MAX_ANNUAL_RATE = Decimal("0.5")  # anything above 50% a year is surely a typo (5 for 5%?)


class FinanceError(UserError, ValueError):
    """Input a loan calculation cannot take. `detail` says what and why in English, for scripts and logs; the
    user reads the translated message, which names the argument at fault (`field`, for a form to mark)."""

    def __init__(self, detail: str, *, field: str | None = None) -> None:
        super().__init__(Message("finance.invalid", N_("This value cannot be used: {field}."), {"field": field or "-"}),
                         field=field)
        self.detail = detail
        self.args = (detail,)

    def __str__(self) -> str:
        return self.detail


@dataclass(frozen=True, slots=True)
class Instalment:
    number: int  # 1-based, grace months included
    due: date | None
    principal: int
    interest: int  # interest, or the margin part for murabahah
    total: int  # the payment: principal + interest
    balance: int  # principal outstanding after this payment

    @property
    def payment(self) -> int:
        return self.total


@dataclass(frozen=True)
class LoanSummary:
    price: int
    grants: int
    down_payment: int
    principal: int  # price - grants - down_payment
    monthly: int  # monthly_instalment: the regular payment (declining: the first one)
    total_paid: int  # every instalment of the schedule, principal and interest
    total_interest: int
    income_needed: int  # the monthly household income at which `monthly` is 30% of it


# --- public functions ------------------------------------------------------------------------------

def monthly_instalment(
    principal: int, annual_rate: Decimal, months: int, method: str = "annuity", *, grace_months: int = 0
) -> int:
    """The regular monthly payment after any grace months (the first amortising row's, for all but
    a degenerate annuity): annuity, the formula rounded half up; declining, the first payment
    (the largest, except that the last carries the remainder of the principal split); flat,
    ``P // m + round(P r)``; murabahah, ``(P + margin) // m``; none, ``P // m``. The last payment of
    a schedule differs: it clears the balance."""
    principal, num, den, months, method = _check_loan(principal, annual_rate, months, method)
    grace_months = _check_grace(grace_months, months)
    m = months - grace_months
    if method == "annuity":
        return _annuity_payment(principal, num, den, m)
    if method == "declining" or method == "flat":
        return principal // m + _interest(principal, num, den)
    if method == "murabahah":
        return (principal + _margin(principal, num, den, months)) // m
    return principal // m


def schedule(
    principal: int,
    annual_rate: Decimal,
    months: int,
    method: str = "annuity",
    *,
    grace_months: int = 0,
    first_due: date | None = None,
) -> list[Instalment]:
    """Every payment of the loan: `months` rows in all, the first `grace_months` of them the grace.

    Row k (1-based) falls due `k - 1` months after `first_due` (None: no dates). Rounding as the
    module docstring describes; the principal parts sum to `principal` and the last balance is 0.
    """
    principal, num, den, months, method = _check_loan(principal, annual_rate, months, method)
    grace_months = _check_grace(grace_months, months)
    if first_due is not None and not isinstance(first_due, date):
        raise FinanceError(f"first_due must be a date, not {type(first_due).__name__}", field="first_due")
    if first_due is not None and first_due.year + (first_due.month - 1 + months - 1) // 12 > MAXYEAR:
        raise FinanceError(f"first_due {first_due.isoformat()} puts the last of {months} instalments after the year "
                           f"{MAXYEAR}", field="first_due")
    m = months - grace_months

    interest_only = 0 if method in ("murabahah", "none") else _interest(principal, num, den)
    parts = [(0, interest_only)] * grace_months
    if method == "annuity":
        parts += _annuity_parts(principal, num, den, m)
    elif method == "murabahah":
        parts += _murabahah_parts(principal, _margin(principal, num, den, months), m)
    else:
        split = _equal_split(principal, m)
        if method == "flat":
            flat = _interest(principal, num, den)
            parts += [(part, flat) for part in split]
        elif method == "none":
            parts += [(part, 0) for part in split]
        else:  # declining
            balance = principal
            for part in split:
                parts.append((part, _interest(balance, num, den)))
                balance -= part

    rows = []
    balance = principal
    dues = _due_dates(first_due, months) if first_due is not None else [None] * months
    for k, (part, interest) in enumerate(parts):
        balance -= part
        rows.append(Instalment(k + 1, dues[k], part, interest, part + interest, balance))
    assert balance == 0, "a schedule must repay its principal exactly"
    return rows


def margin(principal: int, annual_rate: Decimal, months: int) -> int:
    """The murabahah margin: ``principal x annual_rate x months / 12`` rounded half up, once."""
    principal, num, den, months, _ = _check_loan(principal, annual_rate, months, "murabahah")
    return _margin(principal, num, den, months)


def total_interest(rows: Iterable[Instalment]) -> int:
    """The interest (murabahah: the margin) of all `rows` together."""
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


_MONTH_DAYS = (0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _due_dates(first: date, count: int) -> list[date]:
    """`add_months(first, k)` for k in range(count), month by month (a schedule's hot loop)."""
    day, year, month = first.day, first.year, first.month
    dates = []
    for _ in range(count):
        last = 29 if month == 2 and calendar.isleap(year) else _MONTH_DAYS[month]
        dates.append(date(year, month, day if day <= last else last))
        if month == 12:
            year, month = year + 1, 1
        else:
            month += 1
    return dates


# --- methods ---------------------------------------------------------------------------------------

def _annuity_payment(principal: int, num: int, den: int, months: int) -> int:
    """The annuity formula rounded half up: with r = num / den, A = (den + num)^n, B = den^n,
    P r / (1 - (1 + r)^-n) = P num A / (den (A - B))."""
    if num == 0:
        return _half_up(principal, months)
    a, b = (den + num) ** months, den**months
    return _half_up(principal * num * a, den * (a - b))


def _annuity_parts(principal: int, num: int, den: int, months: int) -> list[tuple[int, int]]:
    payment = _annuity_payment(principal, num, den, months)
    parts = []
    balance = principal
    for _ in range(months - 1):
        interest = (2 * balance * num + den) // (2 * den)
        part = payment - interest  # >= 0: the payment is at least the first month's interest
        if part >= balance:  # a tiny loan repaid early: this row clears it, the rest are 0
            part = balance
        parts.append((part, interest))
        balance -= part
    parts.append((balance, (2 * balance * num + den) // (2 * den)))
    return parts


def _murabahah_parts(principal: int, margin: int, months: int) -> list[tuple[int, int]]:
    price = principal + margin
    payments = _equal_split(price, months)
    parts = []
    paid = recognised = 0
    for payment in payments:
        paid += payment
        now = _half_up(paid * margin, price) if price else 0
        parts.append((payment - (now - recognised), now - recognised))
        recognised = now
    return parts


def _margin(principal: int, num: int, den: int, months: int) -> int:
    return _half_up(principal * num * months, den)  # num / den is already the rate / 12


# --- helpers ---------------------------------------------------------------------------------------

def _interest(balance: int, num: int, den: int) -> int:
    return (2 * balance * num + den) // (2 * den)


def _equal_split(total: int, parts: int) -> list[int]:
    """`total` in `parts` equal whole shares, the remainder in the last."""
    share = total // parts
    return [share] * (parts - 1) + [total - share * (parts - 1)]


def _check_loan(principal: int, annual_rate: Decimal, months: int, method: str) -> tuple[int, int, int, int, str]:
    principal = _check_int("principal", principal, 0, None)
    months = _check_int("months", months, 1, MAX_MONTHS)
    if method not in METHODS:
        raise FinanceError(f"method must be one of {', '.join(METHODS)}, not {method!r}", field="method")
    r = _check_rate(annual_rate) / 12
    return principal, r.numerator, r.denominator, months, method


def _check_grace(grace_months: int, months: int) -> int:
    return _check_int("grace_months", grace_months, 0, months - 1,
                      f" (the grace months are part of the tenor of {months} months and at least one month"
                      " must amortise)")


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


def _half_up(numerator: int, denominator: int) -> int:
    """numerator / denominator (denominator > 0) rounded half up: 2,5 -> 3."""
    return (2 * numerator + denominator) // (2 * denominator)


def _ceil(value: Fraction) -> int:
    return -(-value.numerator // value.denominator)


def _rp(amount: int) -> str:
    """Rupiah as Indonesian prints it: Rp1.234.567."""
    return ("-" if amount < 0 else "") + f"Rp{abs(amount):,}".replace(",", ".")
