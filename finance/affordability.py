"""Affordability before an allocation meeting: a unit's monthly instalment as a share of a household's income.

- `share(income, instalment)`: the exact share (a `Fraction`), or None when the income is unknown.
  An income of 0 (or None) is "not recorded": a household without a known income is never taken as
  able to pay, and never as unable either.
- `assess(income, instalment, ratio)`: ``"within"`` when the share is at most `ratio`, ``"above"``
  (flagged) when it is more, ``"unknown"`` without an income. `ratio` is a Decimal fraction like every
  rate in `finance` (30% is ``Decimal("0.30")``, `DEFAULT_RATIO`); a share exactly at the ratio is
  within it.
- `assumed_instalment(price, down_payment_pct, annual_rate, months, method, grace_months)`: the
  monthly instalment of a unit on assumed terms, before any plan exists: the down payment is
  `down_payment_pct` percent of the price rounded half up to the rupiah, the rest is the loan, and the
  instalment is the first payment of its `finance.instalment.schedule` after the grace months (for
  declining balance the largest regular one).

Nothing passes through a float; every refusal is a `FinanceError` naming the argument.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from finance.instalment import FinanceError, schedule

DEFAULT_RATIO = Decimal("0.30")
STATUSES = ("within", "above", "unknown")


@dataclass(frozen=True, slots=True)
class Affordability:
    status: str  # one of STATUSES
    share: Fraction | None  # instalment / income; None when the income is unknown

    @property
    def flagged(self) -> bool:
        return self.status == "above"

    @property
    def share_pct(self) -> Decimal | None:
        """The share in percent, one decimal, rounded half up (for display only)."""
        if self.share is None:
            return None
        value = Decimal(self.share.numerator) * 100 / Decimal(self.share.denominator)
        return value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def check_ratio(ratio: Decimal | int) -> Fraction:
    """`ratio` as an exact fraction, once checked: a Decimal above 0 and at most 1."""
    if (
        isinstance(ratio, bool)
        or not isinstance(ratio, Decimal | int)
        or (isinstance(ratio, Decimal) and not ratio.is_finite())
        or not 0 < ratio <= 1
    ):
        raise FinanceError(f"ratio must be a Decimal above 0 and at most 1 (30% is 0.30), not {ratio!r}", field="ratio")
    return Fraction(ratio)


def _whole(name: str, value: object, *, optional: bool = False) -> int | None:
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise FinanceError(f"{name} must be whole rupiah, 0 or more, not {value!r}", field=name)
    return value


def share(income: int | None, instalment: int) -> Fraction | None:
    """`instalment` / `income`, exactly; None when the income is not recorded (None or 0)."""
    income = _whole("income", income, optional=True)
    instalment = _whole("instalment", instalment)
    if not income:
        return None
    return Fraction(instalment, income)


def assess(income: int | None, instalment: int, ratio: Decimal | int = DEFAULT_RATIO) -> Affordability:
    """Whether `instalment` is above `ratio` of the monthly `income` (see the module docstring)."""
    limit = check_ratio(ratio)
    part = share(income, instalment)
    if part is None:
        return Affordability("unknown", None)
    return Affordability("above" if part > limit else "within", part)


def down_payment(price: int, down_payment_pct: Decimal | int) -> int:
    """`down_payment_pct` percent of `price`, rounded half up to the rupiah."""
    price = _whole("price", price)
    if (
        isinstance(down_payment_pct, bool)
        or not isinstance(down_payment_pct, Decimal | int)
        or (isinstance(down_payment_pct, Decimal) and not down_payment_pct.is_finite())
        or not (0 <= down_payment_pct < 100)
    ):
        raise FinanceError(
            f"down_payment_pct must be a percentage from 0 and below 100, not {down_payment_pct!r}",
            field="down_payment_pct",
        )
    pct = Fraction(down_payment_pct)
    num, den = price * pct.numerator, 100 * pct.denominator
    return (2 * num + den) // (2 * den)


def assumed_instalment(
    price: int,
    down_payment_pct: Decimal | int,
    annual_rate: Decimal,
    months: int,
    method: str = "annuity",
    grace_months: int = 0,
) -> int:
    """The monthly instalment of a unit of `price` on these terms (see the module docstring)."""
    principal = price - down_payment(price, down_payment_pct)
    rows = schedule(principal, annual_rate, months, method, grace_months=grace_months)
    return rows[grace_months].total
