"""Bobot: the weight of each work package, its share of the cost, in percent adding up to exactly 100.

- `weights(costs, places=2)`: each key's share of the total cost in percent with `places`
  decimals (two by default: "12.34"), by the largest remainder (Hamilton's method, ties to the
  earlier key), so the weights add up to exactly 100.00. A zero total is refused (there is
  nothing to share out); a package that costs nothing weighs 0.

  Why percent as a Decimal with two decimals, not basis points as ints: it is the number the
  bobot column of a progress report prints and a planner types, and a Decimal with a fixed
  exponent adds exactly, so nothing is gained by integers and a conversion at every edge (the
  form, the JSON, the PDF) is saved. A package worth less than 0.005% of the project gets 0.00:
  pass `places=3` for a large project of many small packages.
- `renormalised(weights)`: the same weights as shares of their own total, adding up to 100 (a
  building's bobot table, where the project's weights of its packages are shown out of 100).
- `PARAMETRIC_TEMPLATE`: how the cost of a 4-5 storey concrete-frame walk-up typically splits into
  the RAB divisions of `costing.rab.DIVISIONS`, for a scenario costed per m² (no RAB yet).
  ILLUSTRATIVE shares, editable per project; replace them with the RAB's recap as soon as there is
  one. `split_by_template(amount, template)` splits a building's cost by a template exactly.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from decimal import Decimal
from typing import TypeVar

from costing.money import split_largest_remainder
from costing.rab import DIVISIONS
from kernel.messages import N_, Message
from progress.errors import Problem, ProgressError
from progress.numbers import HUNDRED, decimal, rupiah, shown

K = TypeVar("K", bound=Hashable)

PLACES = 2
MAX_PLACES = 6

# ILLUSTRATIVE division shares (percent) of the building cost of a 4-5 storey reinforced-concrete
# walk-up on Jakarta's soft coastal soil (bored piles), the proportions usual in rusun RABs: the
# frame and the architecture carry most of the cost. Editable per project; SMKK stays a division
# of its own, as in the RAB.
PARAMETRIC_TEMPLATE: dict[str, Decimal] = {
    "persiapan": Decimal(3),
    "tanah": Decimal(2),
    "pondasi": Decimal(10),
    "struktur": Decimal(32),
    "arsitektur": Decimal(24),
    "mep": Decimal(14),
    "finishing": Decimal(9),
    "pekerjaan_luar": Decimal(4),
    "smkk": Decimal(2),
}


def _places(places: int) -> int:
    if isinstance(places, bool) or not isinstance(places, int) or not 0 <= places <= MAX_PLACES:
        raise ValueError(f"places must be an int from 0 to {MAX_PLACES}, not {places!r}")
    return places


def _shares(values: Mapping[K, Decimal | int], places: int) -> dict[K, Decimal]:
    # Whole hundredths (for two places) of a percent: 10,000 of them to share out.
    units = 100 * 10**places
    parts = split_largest_remainder(units, list(values.values()))
    return {key: Decimal(part).scaleb(-places) for key, part in zip(values, parts, strict=True)}


def weights(costs: Mapping[K, int], places: int = PLACES) -> dict[K, Decimal]:
    """Each key's share of the total of `costs` (whole rupiah), in percent, adding up to exactly 100."""
    places = _places(places)
    problems: list[Problem] = []
    amounts: dict[K, int] = {}
    for key, cost in costs.items():
        try:
            amounts[key] = rupiah(cost, field="cost", package=str(key))
        except ProgressError as error:
            problems.extend(error.problems)
    if problems:
        raise ProgressError(problems)
    if sum(amounts.values()) == 0:
        raise ProgressError(
            Message(
                "weights.zero_total",
                N_("The work packages cost nothing in total, so they have no weights: enter their costs first."),
                {},
            ),
            field="cost",
        )
    return _shares(amounts, places)


def renormalised(part: Mapping[K, Decimal | int], places: int = PLACES) -> dict[K, Decimal]:
    """`part` (some of the project's weights, e.g. one building's) as shares of their own total, summing to 100."""
    places = _places(places)
    values = {key: decimal(value, field="weight", package=str(key)) for key, value in part.items()}
    if any(value < 0 for value in values.values()) or sum(values.values()) == 0:
        raise ProgressError(
            Message("weights.zero_total", N_("These work packages weigh nothing in total."), {}), field="weight"
        )
    return _shares(values, places)


def check_template(template: Mapping[str, Decimal | int | str]) -> dict[str, Decimal]:
    """An edited division template, checked: RAB divisions only, shares of 0 or more adding up to 100."""
    problems: list[Problem] = []
    shares: dict[str, Decimal] = {}
    for division, value in template.items():
        if division not in DIVISIONS:
            problems.append(
                Problem(
                    Message(
                        "weights.template_division_unknown",
                        N_("“{value}” is not a division of the RAB."),
                        {"value": shown(division)},
                    ),
                    "division",
                )
            )
            continue
        try:
            share = decimal(value, field="share", package=division)
        except ProgressError as error:
            problems.extend(error.problems)
            continue
        if share < 0:
            problems.append(
                Problem(
                    Message(
                        "weights.template_share_negative",
                        N_("{division}: the share {value}% is negative."),
                        {"division": division, "value": share},
                    ),
                    "share",
                    division,
                )
            )
        shares[division] = share
    if not problems and sum(shares.values()) != HUNDRED:
        problems.append(
            Problem(
                Message(
                    "weights.template_not_hundred",
                    N_("The division shares add up to {total}%, not 100%."),
                    {"total": sum(shares.values(), Decimal(0))},
                ),
                "share",
            )
        )
    if problems:
        raise ProgressError(problems)
    return {division: shares[division] for division in DIVISIONS if division in shares}


def split_by_template(amount: int, template: Mapping[str, Decimal | int | str] = PARAMETRIC_TEMPLATE) -> dict[str, int]:
    """`amount` rupiah split into RAB divisions by the template's shares, adding up to `amount` exactly."""
    amount = rupiah(amount, field="amount")
    shares = check_template(template)
    parts = split_largest_remainder(amount, list(shares.values()))
    return dict(zip(shares, parts, strict=True))
