"""Key figures of a project's public page: aggregates only, withheld when they would point to a household.

The inputs are already aggregated (the shell counts and sums); nothing about any one member comes in,
and nothing comes out that was computed from fewer than `MIN_HOUSEHOLDS` households.

Which figures depend on households, and why:

- `households` (to be housed): the count itself. Below five, a neighbour who knows the kampung can
  name them, and every other household figure is then about those few people.
- `typical_instalment` and `instalment_to_rent`: the instalment is taken from the households'
  plans; from fewer than five it is (nearly) one household's instalment, and with the
  affordability rule (instalment at most 30% of income) it gives away that household's income.
  Withheld when `households` < 5.
- `cost_per_unit`, `cost_per_m2` and `cost_to_reference`: each unit is sold to one household, so
  an average over fewer than five units is (nearly) each household's price: a 3-unit block at
  Rp 450 million a unit tells every visitor what those three families owe, and the cost per m²
  times a unit's floor area (visible on site) does the same. Withheld when `units` < 5. The
  total cost is never part of the public figures: with the unit count it would undo this.

Not about households, always shown when known: units, land area, gross floor area, the reference
market price and the typical rent the planner enters, percent complete and the stage dates.

Numbers: money is whole rupiah (`int`), averages rounded half up from the exact quotient; areas
are whole m² (half up); ratios are `Decimal`s with two decimals, half up, computed from the figures
as shown (a visitor dividing the two shown numbers gets the same ratio); percent complete keeps
two decimals. A withheld figure is None and listed in `withheld` with its reason; a figure that
is merely unknown (no reference price entered, no floor area yet) is None and not listed.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

from kernel.messages import N_, Message
from publication.errors import PublicationError

MIN_HOUSEHOLDS = 5  # below five, an aggregate is close to one household's own figure (and neighbours know who)

HOUSEHOLDS_BELOW_MINIMUM = "households_below_minimum"
UNITS_BELOW_MINIMUM = "units_below_minimum"

_CENT = Decimal("0.01")
_REASONS = {
    HOUSEHOLDS_BELOW_MINIMUM: N_("Not shown: fewer than {minimum} households, so it would point to one of them."),
    UNITS_BELOW_MINIMUM: N_("Not shown: fewer than {minimum} units, so it would be close to one household's price."),
}


@dataclass(frozen=True)
class Stage:
    name: str  # the planner's stage key, e.g. "perencanaan", "konstruksi", "serah-terima"
    on: date


@dataclass(frozen=True)
class FigureInputs:
    """Aggregates the shell has counted and summed; none of them names or describes one member."""

    households: int  # households to be housed by the project
    units: int  # dwelling units in the chosen design
    land_area_m2: Decimal | int | float  # float accepted: gis.measure returns float areas
    total_cost: int | None = None  # rupiah, the whole project; used for averages, never shown
    gross_floor_area_m2: Decimal | int | float | None = None
    percent_complete: Decimal | int | None = None  # 0-100, construction progress
    reference_price_per_m2: int | None = None  # a market price the planner enters
    typical_instalment: int | None = None  # rupiah a month, from the households' plans
    typical_rent: int | None = None  # rupiah a month for a comparable room nearby, as the planner enters it
    stages: Sequence[Stage] = ()


@dataclass(frozen=True)
class Withheld:
    figure: str  # the PublicFigures field left None
    reason: str  # HOUSEHOLDS_BELOW_MINIMUM or UNITS_BELOW_MINIMUM

    @property
    def message(self) -> Message:
        return Message(f"publication.{self.reason}", _REASONS[self.reason], {"minimum": MIN_HOUSEHOLDS})


@dataclass(frozen=True)
class PublicFigures:
    households: int | None
    units: int
    land_area_m2: int
    gross_floor_area_m2: int | None
    cost_per_unit: int | None  # rupiah
    cost_per_m2: int | None  # rupiah per m² of gross floor area
    reference_price_per_m2: int | None
    cost_to_reference: Decimal | None  # cost_per_m2 / reference_price_per_m2, e.g. 0.62
    typical_instalment: int | None  # rupiah a month
    typical_rent: int | None
    instalment_to_rent: Decimal | None  # typical_instalment / typical_rent
    percent_complete: Decimal | None  # two decimals
    stages: tuple[Stage, ...]  # in date order
    withheld: tuple[Withheld, ...] = ()

    def reason(self, figure: str) -> Withheld | None:
        """Why `figure` is not shown, or None when it is shown (or merely unknown)."""
        return next((w for w in self.withheld if w.figure == figure), None)


def _shown(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _error(code: str, msgid: str, field: str, value: Any) -> PublicationError:
    return PublicationError(Message(code, msgid, {"value": _shown(value), "field": field}), field=field)


def _count(value: Any, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise _error("publication.not_a_count", N_("“{value}” is not a whole number of 0 or more."), field, value)
    return value


def _rupiah(value: Any, field: str, *, optional: bool = True, zero: bool = False) -> int | None:
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0 or (value == 0 and not zero):
        raise _error(
            "publication.not_whole_rupiah", N_("Rp{value} is not a whole number of rupiah above 0."), field, value
        )
    return value


def _area(value: Any, field: str, *, optional: bool = False) -> Fraction | None:
    if value is None and optional:
        return None
    number = (
        (isinstance(value, int) and not isinstance(value, bool))
        or (isinstance(value, Decimal) and value.is_finite())
        or (isinstance(value, float) and math.isfinite(value))
    )
    exact = Fraction(value) if number else None
    if exact is None or exact < 0:
        raise _error("publication.not_an_area", N_("“{value}” m² is not an area of 0 or more."), field, value)
    return exact


def _percent(value: Any) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | Decimal) or not Decimal(value).is_finite():
        number = None
    else:
        number = Decimal(value)
    if number is None or not 0 <= number <= 100:
        raise _error(
            "publication.not_a_percent",
            N_("“{value}” is not a percentage from 0 to 100."),
            "percent_complete",
            value,
        )
    return number.quantize(_CENT, rounding=ROUND_HALF_UP)


def _whole(value: Fraction) -> int:
    """A non-negative exact number to the nearest whole, halves up, in integers."""
    return (2 * value.numerator + value.denominator) // (2 * value.denominator)


def _ratio(numerator: int, denominator: int) -> Decimal:
    hundredths = _whole(Fraction(100 * numerator, denominator))
    return Decimal(hundredths).scaleb(-2)


def _stages(stages: Sequence[Stage]) -> tuple[Stage, ...]:
    for stage in stages:
        if not isinstance(stage, Stage) or type(stage.on) is not date or not str(stage.name).strip():
            raise _error("publication.not_a_stage", N_("“{value}” is not a stage with a date."), "stages", stage)
    return tuple(sorted(stages, key=lambda s: s.on))  # stable: stages on one day keep the planner's order


def public_figures(inputs: FigureInputs) -> PublicFigures:
    """The figures a public page may show (see the module docstring for what is withheld and why)."""
    households = _count(inputs.households, "households")
    units = _count(inputs.units, "units")
    land = _area(inputs.land_area_m2, "land_area_m2")
    floor = _area(inputs.gross_floor_area_m2, "gross_floor_area_m2", optional=True)
    total_cost = _rupiah(inputs.total_cost, "total_cost", zero=True)
    reference = _rupiah(inputs.reference_price_per_m2, "reference_price_per_m2")
    instalment = _rupiah(inputs.typical_instalment, "typical_instalment")
    rent = _rupiah(inputs.typical_rent, "typical_rent")
    percent = _percent(inputs.percent_complete)
    stages = _stages(inputs.stages)

    withheld: list[Withheld] = []
    few_households = households < MIN_HOUSEHOLDS
    few_units = units < MIN_HOUSEHOLDS

    cost_per_unit = cost_per_m2 = None
    if total_cost is not None and units > 0:
        cost_per_unit = _whole(Fraction(total_cost, units))
    if total_cost is not None and floor:
        cost_per_m2 = _whole(Fraction(total_cost) / floor)
    cost_to_reference = _ratio(cost_per_m2, reference) if cost_per_m2 is not None and reference else None
    if few_units:
        for figure, value in (
            ("cost_per_unit", cost_per_unit),
            ("cost_per_m2", cost_per_m2),
            ("cost_to_reference", cost_to_reference),
        ):
            if value is not None:
                withheld.append(Withheld(figure, UNITS_BELOW_MINIMUM))
        cost_per_unit = cost_per_m2 = cost_to_reference = None

    instalment_to_rent = _ratio(instalment, rent) if instalment is not None and rent else None
    if few_households:
        withheld.append(Withheld("households", HOUSEHOLDS_BELOW_MINIMUM))
        for figure, value in (("typical_instalment", instalment), ("instalment_to_rent", instalment_to_rent)):
            if value is not None:
                withheld.append(Withheld(figure, HOUSEHOLDS_BELOW_MINIMUM))
        instalment = instalment_to_rent = None

    return PublicFigures(
        households=None if few_households else households,
        units=units,
        land_area_m2=_whole(land),
        gross_floor_area_m2=None if floor is None else _whole(floor),
        cost_per_unit=cost_per_unit,
        cost_per_m2=cost_per_m2,
        reference_price_per_m2=reference,
        cost_to_reference=cost_to_reference,
        typical_instalment=instalment,
        typical_rent=rent,
        instalment_to_rent=instalment_to_rent,
        percent_complete=percent,
        stages=stages,
        withheld=tuple(withheld),
    )
