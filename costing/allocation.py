"""What each unit costs: the project total shared out over the units, to the rupiah.

A unit's cost is two parts:
- its own construction: the buildings' construction cost per m² of gross floor area times the
  unit's net area (`own_construction` x net area / gross floor area);
- its share of everything else: the total less all units' own parts, that is the common areas'
  construction, land, infrastructure, soft costs, contingency and tax. That share goes by net
  area ("area", the default), in equal parts ("equal"), or by weights ("weights"): a weight per
  unit code, or a factor per floor times the net area, so that (say) ground-floor units, which
  can hold a shop, or larger units carry more and cross-subsidise the others. A floor without a
  factor has factor 1, so "weights" with no weights and no factors shares by area. Weights and
  factors are ignored by the other two methods (a form may keep them while the method changes).

The exact share of each unit is a Fraction; the rupiahs are then handed out by the largest
remainder, so the units' costs add up to the total exactly and each is within one rupiah of its
exact share.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from fractions import Fraction
from typing import NamedTuple

from costing.design import Unit
from costing.errors import CostingError
from costing.money import allocate_exact, non_negative, round_rupiah, rupiah, to_fraction, whole_number
from kernel.messages import N_, Message

METHODS = ("area", "equal", "weights")


def _error(code: str, msgid: str, field: str, **fields) -> CostingError:
    return CostingError(Message(code, msgid, fields), field=field)


def _shared_weights(
    units: Sequence[Unit],
    method: str,
    weights: Mapping[str, Decimal] | None,
    floor_factors: Mapping[int, Decimal] | None,
) -> list[Fraction]:
    if method not in METHODS:
        raise _error(
            "allocation.method_unknown",
            N_("“{value}” is not a way to share costs: by area, equally or by weights."),
            "method",
            value=str(method)[:40],
        )
    if method == "equal":
        return [Fraction(1)] * len(units)
    if method == "area":
        return [Fraction(u.net_area_m2) for u in units]
    if weights is not None and floor_factors is not None:
        raise _error(
            "allocation.weights_and_factors",
            N_("Give either a weight per unit or a factor per floor, not both."),
            "weights",
        )
    if weights is not None:
        codes = {u.code for u in units}
        stray = sorted(set(weights) - codes)
        if stray:
            raise _error(
                "allocation.weight_unknown_unit",
                N_("There is a weight for unit {unit}, which is not in the design."),
                "weights",
                unit=stray[0],
            )
        result = []
        for u in units:
            if u.code not in weights:
                raise _error("allocation.weight_missing", N_("Unit {unit} has no weight."), "weights", unit=u.code)
            result.append(_non_negative_weight(weights[u.code], "weights", u.code))
        return result
    factors = {
        _floor(floor): _non_negative_weight(f, "floor_factors", floor) for floor, f in (floor_factors or {}).items()
    }
    return [factors.get(u.floor, Fraction(1)) * Fraction(u.net_area_m2) for u in units]


def _floor(key) -> int:
    """A floor number given as 2, "2" or Decimal(2) (JSON keys arrive as text)."""
    try:
        return whole_number(key, field="floor_factors")
    except CostingError:
        raise _error(
            "allocation.floor_invalid",
            N_("“{value}” is not a floor number."),
            "floor_factors",
            value=str(key)[:40],
        ) from None


def _non_negative_weight(value, field: str, key) -> Fraction:
    weight = to_fraction(value, field=field)
    if weight < 0:
        raise _error(
            "allocation.weight_negative",
            N_("The weight for {key} is negative; weights must be zero or more."),
            field,
            key=str(key),
        )
    return weight


def unit_costs(
    units: Sequence[Unit],
    *,
    total: int,
    own_construction: int,
    gross_floor_area_m2: Decimal,
    method: str = "area",
    weights: Mapping[str, Decimal] | None = None,
    floor_factors: Mapping[int, Decimal] | None = None,
) -> list[int]:
    """Each unit's cost in whole Rupiah, in the order of `units`, adding up to `total` exactly.

    `total` is the whole project cost (ProjectCost.total); `own_construction` the buildings'
    construction cost that is spread over the gross floor area (commonly the construction line of
    the estimate). See the module notes for the methods.
    """
    units = list(units)
    if not units:
        raise _error("allocation.no_units", N_("There are no units to share the cost among."), "units")
    total = rupiah(total, field="total")
    own_construction = rupiah(own_construction, field="own_construction")
    gfa = Fraction(non_negative(gross_floor_area_m2, field="gross_floor_area_m2"))
    areas = [Fraction(non_negative(u.net_area_m2, field="net_area_m2")) for u in units]
    net = sum(areas, Fraction(0))
    if gfa == 0 or gfa < net:
        raise _error(
            "allocation.gfa_below_net",
            N_("The gross floor area ({gfa} m²) must be at least the units' net area ({net} m²)."),
            "gross_floor_area_m2",
            gfa=Decimal(gross_floor_area_m2),
            net=_area(net),
        )
    own = [own_construction * a / gfa for a in areas]
    shared = total - sum(own, Fraction(0))
    if shared < 0:
        raise _error(
            "allocation.total_below_own",
            N_("The total Rp{total} is less than the units' own construction cost Rp{own}."),
            "total",
            total=total,
            own=round_rupiah(sum(own, Fraction(0))),
        )
    shared_weights = _shared_weights(units, method, weights, floor_factors)
    whole = sum(shared_weights, Fraction(0))
    if whole == 0:
        raise _error(
            "allocation.weights_all_zero",
            N_("Every unit's weight is zero, so the shared costs cannot be split."),
            "weights",
        )
    exact = [o + shared * w / whole for o, w in zip(own, shared_weights, strict=True)]
    return allocate_exact(total, exact)


def _area(value: Fraction) -> Decimal:
    return Decimal(value.numerator) / Decimal(value.denominator)


class TypeSummary(NamedTuple):
    count: int
    min: int
    max: int
    mean: int  # rounded to the rupiah (half up)


def by_unit_type(units: Sequence[Unit], costs: Sequence[int]) -> dict[str, TypeSummary]:
    """Per unit type (in order of first appearance): how many units, the cheapest, the dearest, the mean."""
    if len(units) != len(costs):
        raise _error(
            "allocation.costs_mismatch",
            N_("There are {units} units but {costs} costs."),
            "costs",
            units=len(units),
            costs=len(costs),
        )
    groups: dict[str, list[int]] = {}
    for unit, cost in zip(units, costs, strict=True):
        groups.setdefault(unit.unit_type, []).append(cost)
    return {
        unit_type: TypeSummary(len(c), min(c), max(c), round_rupiah(Fraction(sum(c), len(c))))
        for unit_type, c in groups.items()
    }
