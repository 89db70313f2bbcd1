"""Numbers a progress form sends: percentages and rupiah, exact, with a message naming the package."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

from kernel.messages import N_, Message
from progress.errors import ProgressError

HUNDRED = Decimal(100)
CENT = Decimal("0.01")  # curves, deviations and variances are shown to two decimals


def shown(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 40 else text[:37] + "..."


def decimal(value: Any, *, field: str, package: str | None = None) -> Decimal:
    """`value` (int, Decimal or machine-notation text) as a finite Decimal; float and bool refused.

    A float is refused rather than converted: 0.1 is not exactly 0.1 in binary, and weights must
    add up to 100 exactly.
    """
    kind = type(value)
    if kind is Decimal and value.is_finite() and (not value or -20 <= value.adjusted() <= 20):
        return value  # the common case, checked first: a report holds thousands of these
    result: Decimal | None
    if isinstance(value, bool | float | Fraction):
        result = None
    elif isinstance(value, int):
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
    # The exponent bound keeps "1e999999" from becoming a gigantic exact number later on.
    if result is None or not result.is_finite() or (result and not -20 <= result.adjusted() <= 20):
        raise ProgressError(
            Message("progress.not_a_number", N_("“{value}” is not a number."), {"value": shown(value), "field": field}),
            field=field,
            package=package,
        )
    return result


def rupiah(value: Any, *, field: str, package: str | None = None, negative: bool = False) -> int:
    """Whole rupiah as an int (0 or more unless `negative`); a fraction of a rupiah is refused."""
    number = decimal(value, field=field, package=package)
    if number != number.to_integral_value() or (number < 0 and not negative):
        raise ProgressError(
            Message(
                "progress.not_whole_rupiah",
                N_("Rp{value} is not a whole, positive number of rupiah."),
                {"value": shown(value), "field": field},
            ),
            field=field,
            package=package,
        )
    return int(number)


def cents_of(numerator: int, denominator: int) -> Decimal:
    """numerator / denominator (denominator > 0) to two decimals, half up, in integers only."""
    hundredths = (abs(numerator) * 200 + denominator) // (2 * denominator)
    return Decimal(-hundredths if numerator < 0 else hundredths).scaleb(-2)


def scaled_cents(value: Decimal | Fraction, scale: Fraction) -> Decimal:
    """value x scale to two decimals, half up, exactly (a building's share of the project x 100 / its weight)."""
    numerator, denominator = value.as_integer_ratio()
    return cents_of(numerator * scale.numerator, denominator * scale.denominator)


def cents(value: Decimal | int | Fraction) -> Decimal:
    """`value` to two decimals, half up (away from zero), as a Decimal with exponent -2."""
    if isinstance(value, Fraction):
        return cents_of(value.numerator, value.denominator)
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)
