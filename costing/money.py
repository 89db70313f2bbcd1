"""Whole Rupiah: exact numbers in, ints out, and splits that add up to the rupiah.

Money is an `int` of whole Rupiah. On the way there, amounts and quantities are `Decimal` (or
`Fraction` inside a split), never `float`: 0.1 + 0.2 is not 0.3 in binary, and a cost sheet that
is one rupiah off in front of a cooperative's members is a cost sheet nobody trusts.

Strings are read in machine notation ("1250.5", not "1.250,5"); the app parses the locale's
notation before it calls in here.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import (
    ROUND_HALF_UP,
    Context,
    Decimal,
    DivisionByZero,
    Inexact,
    InvalidOperation,
    Overflow,
    localcontext,
)
from fractions import Fraction
from typing import Any

from costing.errors import CostingError
from kernel.messages import N_, Message

# Bounds on what a number may look like: 10^20 is far beyond any project (Rp10^13 is ten trillion),
# and the bounds keep a typed "1e999999999" from turning into a gigantic exact integer.
MAX_EXPONENT = 20
MIN_EXPONENT = -40
MAX_DIGITS = 100

# Decimal arithmetic that is exact or fails loudly: 1000 significant digits hold any product of a
# few numbers within the bounds above; `Inexact` turns a silent rounding into an error.
EXACT = Context(
    prec=1000,
    rounding=ROUND_HALF_UP,
    traps=[InvalidOperation, DivisionByZero, Overflow, Inexact],
)


def exact():
    """A `with` block in which Decimal `+ - *` (and division by powers of ten) stay exact."""
    return localcontext(EXACT)


def _shown(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 40 else text[:37] + "..."


def to_decimal(value: int | Decimal | str, *, field: str | None = None, row: int | None = None) -> Decimal:
    """`value` as an exact, finite Decimal. Refuses float and bool (and anything else).

    `field` and `row` are attached to the CostingError, so the caller's form or table can point at
    the input.
    """
    if isinstance(value, bool):
        raise CostingError(
            Message("costing.not_a_number", N_("“{value}” is not a number."), {"value": _shown(value)}),
            field=field,
            row=row,
        )
    if isinstance(value, float | Fraction):
        raise CostingError(
            Message(
                "costing.inexact_number",
                N_("The number {value} must be given exactly: as a whole number, a decimal or text."),
                {"value": _shown(value)},
            ),
            field=field,
            row=row,
        )
    if isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, Decimal):
        result = value
    elif isinstance(value, str):
        try:
            result = Decimal(value.strip())
        except InvalidOperation:
            result = None
    else:
        result = None
    if result is None or not result.is_finite():
        raise CostingError(
            Message("costing.not_a_number", N_("“{value}” is not a number."), {"value": _shown(value)}),
            field=field,
            row=row,
        )
    digits = result.as_tuple().digits
    significant = len(bytes(digits).rstrip(b"\0"))  # trailing zeros don't count
    in_scale = MIN_EXPONENT <= result.adjusted() <= MAX_EXPONENT and significant <= MAX_DIGITS
    if result and not in_scale:
        raise CostingError(
            Message(
                "costing.out_of_scale",
                N_("{value} is too large, too small or too long to be an amount or a quantity."),
                {"value": _shown(value)},
            ),
            field=field,
            row=row,
        )
    return result


def to_fraction(value: int | Decimal | Fraction | str, *, field: str | None = None, row: int | None = None) -> Fraction:
    """`value` as an exact Fraction; like `to_decimal`, but a Fraction is welcome too."""
    if isinstance(value, Fraction):
        return value
    return Fraction(to_decimal(value, field=field, row=row))


def non_negative(value: int | Decimal | str, *, field: str | None = None, row: int | None = None) -> Decimal:
    """`to_decimal(value)`, refusing a negative number."""
    number = to_decimal(value, field=field, row=row)
    if number < 0:
        raise CostingError(
            Message("costing.negative", N_("{value} is negative; it must be zero or more."), {"value": _shown(value)}),
            field=field,
            row=row,
        )
    return number


def whole_number(value: int | Decimal | str, *, field: str | None = None, row: int | None = None) -> int:
    """`value` as an int, refusing a fraction of a rupiah (Decimal("5000") is fine, "5000.5" is not)."""
    number = to_decimal(value, field=field, row=row)
    if number != number.to_integral_value():
        raise CostingError(
            Message(
                "costing.not_whole_rupiah",
                N_("Rp{value} is not a whole number of rupiah."),
                {"value": _shown(value)},
            ),
            field=field,
            row=row,
        )
    return int(number)


def rupiah(value: int | Decimal | str, *, field: str | None = None, row: int | None = None) -> int:
    """An amount of money that must be whole, non-negative Rupiah, as an int."""
    non_negative(value, field=field, row=row)
    return whole_number(value, field=field, row=row)


def round_rupiah(x: Decimal | int | Fraction) -> int:
    """`x` to the nearest rupiah, a half away from zero (ROUND_HALF_UP): 0.5 -> 1, -0.5 -> -1."""
    if isinstance(x, bool) or not isinstance(x, Decimal | int | Fraction):
        to_decimal(x)  # raises the CostingError that says what is wrong with it
    if isinstance(x, Decimal) and not x.is_finite():
        to_decimal(x)
    q = Fraction(x)
    sign = -1 if q < 0 else 1
    return sign * math.floor(abs(q) + Fraction(1, 2))


def round_down_thousand(n: int) -> int:
    """ "Jumlah dibulatkan": `n` rounded down to the thousand rupiah (towards minus infinity)."""
    n = whole_number(n, field="amount")
    return n // 1000 * 1000


def allocate_exact(total: int, exact_shares: Sequence[Fraction]) -> list[int]:
    """Whole rupiahs for shares that are exact and add up to `total`.

    Each share is floored; the rupiahs left over (fewer than there are shares) go one each to the
    shares with the largest remainders, the earlier share first on a tie. Every result is within
    one rupiah of its exact share (below it by less than one, or above it by less than one), and
    the results add up to `total` exactly.
    """
    total = whole_number(total, field="total")
    shares = [to_fraction(s, field="shares") for s in exact_shares]
    if sum(shares, Fraction(0)) != total:
        raise CostingError(
            Message(
                "costing.shares_not_total",
                N_("The shares add up to Rp{shares}, not to the total Rp{total}."),
                {"shares": round_rupiah(sum(shares, Fraction(0))), "total": total},
            ),
            field="shares",
        )
    floors = [math.floor(s) for s in shares]
    leftover = total - sum(floors)
    # 0 <= leftover < len(shares): the remainders are each in [0, 1) and add up to it.
    order = sorted(range(len(shares)), key=lambda i: (-(shares[i] - floors[i]), i))
    for i in order[:leftover]:
        floors[i] += 1
    return floors


def split_largest_remainder(total: int, weights: Sequence[Decimal | int | Fraction]) -> list[int]:
    """`total` rupiah split in proportion to `weights`, in whole rupiah adding up to `total` exactly.

    Weights are non-negative and not all zero; a zero weight gets nothing. Rounding is by the
    largest remainder (Hamilton's method), ties to the earlier index, so the same input always
    gives the same split.
    """
    total = whole_number(total, field="total")
    exact_weights = []
    for w in weights:
        fw = to_fraction(w, field="weights")
        if fw < 0:
            raise CostingError(
                Message("costing.weight_negative", N_("A weight of {value} is negative."), {"value": _shown(w)}),
                field="weights",
            )
        exact_weights.append(fw)
    whole = sum(exact_weights, Fraction(0))
    if whole == 0:
        raise CostingError(
            Message(
                "costing.weights_all_zero",
                N_("Rp{total} cannot be split: every weight is zero."),
                {"total": total},
            ),
            field="weights",
        )
    return allocate_exact(total, [total * w / whole for w in exact_weights])
