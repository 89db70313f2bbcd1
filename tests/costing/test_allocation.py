"""The cost of each unit: always the total to the rupiah, each within a rupiah of its exact share."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from costing import CostingError
from costing.allocation import METHODS, by_unit_type, unit_costs
from costing.design import BuildingSpec, Unit, UnitTypeSpec, gross_floor_area, units_of
from costing.estimate import CostInputs, project_cost

D = Decimal
T36 = UnitTypeSpec("T36", "Tipe 36", D(36), 2)
KUNIR = BuildingSpec("K", "Kampung Susun Kunir", 4, {"T36": 11}, D(104), ground_floor_units=False)
KUNIR_TOTAL = 13_100_000_000  # Kampung Susun Kunir (2022): Rp13.1 billion for 33 units of 36 m²


def exact_costs(units, total, own_construction, gfa, shared_weights) -> list[Fraction]:
    gfa = Fraction(gfa)
    own = [own_construction * Fraction(u.net_area_m2) / gfa for u in units]
    shared = total - sum(own)
    whole = sum(shared_weights)
    return [o + shared * w / whole for o, w in zip(own, shared_weights, strict=True)]


def test_kunir_about_397_million_a_unit():
    units = units_of([KUNIR], [T36])
    gfa = gross_floor_area([KUNIR], [T36])
    assert (len(units), gfa) == (33, D(2000))
    costs = unit_costs(units, total=KUNIR_TOTAL, own_construction=9_000_000_000, gross_floor_area_m2=gfa)
    assert sum(costs) == KUNIR_TOTAL
    # 13.100.000.000 / 33 = 396.969.696,97: 32 units at 396.969.697 (the leftover rupiahs go to the
    # earlier units on a tie), the last at 396.969.696.
    assert costs == [396_969_697] * 32 + [396_969_696]
    summary = by_unit_type(units, costs)
    assert summary == {"T36": (33, 396_969_696, 396_969_697, 396_969_697)}
    assert summary["T36"].mean == 396_969_697


def test_kunir_from_an_estimate():
    # Rp10 billion of buildings, Rp0.5 billion of site works, the default soft costs, 5% contingency and
    # PPN on construction services: Rp13.083 billion, a figure of Kunir's size.
    inputs = CostInputs(10 * 10**9, 500_000_000, 0)
    cost = project_cost(inputs)
    units = units_of([KUNIR], [T36])
    costs = unit_costs(
        units, total=cost.total, own_construction=inputs.construction, gross_floor_area_m2=D(2000), method="equal"
    )
    assert sum(costs) == cost.total == 13_083_000_000
    assert 390_000_000 < costs[0] < 400_000_000  # Kunir: about Rp397 million a unit


def test_own_part_by_area_and_shared_part_by_area():
    units = [Unit("A-1-01", "A", 1, "T36", D(36)), Unit("A-1-02", "A", 1, "T27", D(27))]
    # GFA 90: own 900 x 36/90 = 360 and 900 x 27/90 = 270; shared 1000 - 630 = 370 split 36:27.
    costs = unit_costs(units, total=1000, own_construction=900, gross_floor_area_m2=D(90))
    exact = [360 + Fraction(370 * 36, 63), 270 + Fraction(370 * 27, 63)]  # 571.43, 428.57
    assert costs == [571, 429]
    assert [abs(c - e) < 1 for c, e in zip(costs, exact, strict=True)] == [True, True]
    # Equally: shared 185 each -> 545 and 455.
    assert unit_costs(units, total=1000, own_construction=900, gross_floor_area_m2=D(90), method="equal") == [545, 455]


def test_ground_floor_cross_subsidises_with_a_floor_factor():
    block = BuildingSpec("A", "Blok A", 3, {"T36": 4}, D(56))
    units = units_of([block], [T36])
    gfa = gross_floor_area([block], [T36])
    kw = {"total": 3 * 10**9, "own_construction": 2 * 10**9, "gross_floor_area_m2": gfa}
    plain = unit_costs(units, **kw)
    weighted = unit_costs(units, **kw, method="weights", floor_factors={1: D("1.5")})
    assert sum(plain) == sum(weighted) == 3 * 10**9
    ground = [c for u, c in zip(units, weighted, strict=True) if u.floor == 1]
    upper = [c for u, c in zip(units, weighted, strict=True) if u.floor > 1]
    assert len(set(plain)) == 1  # equal units, shared by area: equal costs
    assert min(ground) > plain[0] > max(upper)


def test_factors_default_to_one_and_only_the_weights_method_uses_them():
    block = BuildingSpec("A", "Blok A", 3, {"T36": 2, "T27": 1}, D(30))
    t27 = UnitTypeSpec("T27", "Tipe 27", D(27), 1)
    units = units_of([block], [T36, t27])
    gfa = gross_floor_area([block], [T36, t27])
    kw = {"total": 2_000_000_001, "own_construction": 10**9, "gross_floor_area_m2": gfa}
    by_area = unit_costs(units, **kw)
    assert unit_costs(units, **kw, method="weights") == by_area
    assert unit_costs(units, **kw, method="weights", floor_factors={"2": D(1)}) == by_area  # JSON keys are text
    assert unit_costs(units, **kw, method="area", floor_factors={1: D(3)}) == by_area
    assert unit_costs(units, **kw, method="weights", floor_factors={1: D(3)}) != by_area


def test_weights_per_unit():
    units = units_of([BuildingSpec("A", "Blok A", 1, {"T36": 3}, D(12))], [T36])
    weights = {"A-1-01": D(0), "A-1-02": D(1), "A-1-03": D(3)}
    costs = unit_costs(units, total=120_000, own_construction=0, gross_floor_area_m2=D(120), method="weights",
                       weights=weights)
    assert costs == [0, 30_000, 90_000]


@pytest.mark.parametrize(
    ("kw", "code", "field"),
    [
        ({"method": "weights", "weights": {"A-1-01": 0, "A-1-02": 0}}, "allocation.weights_all_zero", "weights"),
        ({"method": "weights", "weights": {"A-1-01": 1}}, "allocation.weight_missing", "weights"),
        ({"method": "weights", "weights": {"A-1-01": 1, "A-1-02": 1, "B-1-01": 1}}, "allocation.weight_unknown_unit",
         "weights"),
        ({"method": "weights", "weights": {"A-1-01": 1, "A-1-02": -1}}, "allocation.weight_negative", "weights"),
        ({"method": "weights", "weights": {"A-1-01": 1, "A-1-02": 0.5}}, "costing.inexact_number", "weights"),
        ({"method": "weights", "weights": {}, "floor_factors": {}}, "allocation.weights_and_factors", "weights"),
        ({"method": "weights", "floor_factors": {"first": 2}}, "allocation.floor_invalid", "floor_factors"),
        ({"method": "weights", "floor_factors": {1: -2}}, "allocation.weight_negative", "floor_factors"),
        ({"method": "lottery"}, "allocation.method_unknown", "method"),
        ({"gross_floor_area_m2": D(60)}, "allocation.gfa_below_net", "gross_floor_area_m2"),
        ({"gross_floor_area_m2": 100.0}, "costing.inexact_number", "gross_floor_area_m2"),
        ({"own_construction": 2000}, "allocation.total_below_own", "total"),
        ({"total": -1}, "costing.negative", "total"),
    ],
)
def test_bad_allocations(kw, code, field):
    units = [Unit("A-1-01", "A", 1, "T36", D(36)), Unit("A-1-02", "A", 1, "T27", D(27))]
    args = {"total": 1000, "own_construction": 900, "gross_floor_area_m2": D(90), **kw}
    with pytest.raises(CostingError) as caught:
        unit_costs(units, **args)
    assert (caught.value.message.code, caught.value.field) == (code, field)
    caught.value.message.render()


def test_no_units():
    with pytest.raises(CostingError) as caught:
        unit_costs([], total=1, own_construction=0, gross_floor_area_m2=D(1))
    assert caught.value.message.code == "allocation.no_units"


# --- properties ----------------------------------------------------------------------------------

AREA = st.integers(min_value=150, max_value=1200).map(lambda tenths: D(tenths) / 10)  # 15.0 to 120.0 m²
WEIGHT = st.one_of(
    st.just(D(0)),
    st.integers(min_value=0, max_value=10**12).map(D),
    st.decimals(min_value=Decimal("1e-9"), max_value=10**6, allow_nan=False, allow_infinity=False, places=9),
)


@st.composite
def allocations(draw):
    n = draw(st.integers(min_value=1, max_value=40))
    units = [
        Unit(f"A-{floor}-{i:02d}", "A", floor, f"T{int(area)}", area)
        for i, (floor, area) in enumerate(
            draw(st.lists(st.tuples(st.integers(1, 8), AREA), min_size=n, max_size=n)), start=1
        )
    ]
    net = sum(u.net_area_m2 for u in units)
    gfa = net + draw(st.integers(min_value=0, max_value=5000))
    total = draw(st.integers(min_value=0, max_value=10**13))
    own_construction = draw(st.integers(min_value=0, max_value=total))
    method = draw(st.sampled_from([*METHODS, "floor_factors"]))
    kw: dict = {}
    if method == "area":
        shared = [Fraction(u.net_area_m2) for u in units]
    elif method == "equal":
        shared = [Fraction(1)] * n
    elif method == "weights":
        weights = draw(st.lists(WEIGHT, min_size=n, max_size=n))
        kw["weights"] = {u.code: w for u, w in zip(units, weights, strict=True)}
        shared = [Fraction(w) for w in weights]
    else:
        method = "weights"
        factors = draw(st.dictionaries(st.integers(1, 8), WEIGHT, max_size=8))
        kw["floor_factors"] = factors
        shared = [Fraction(factors.get(u.floor, 1)) * Fraction(u.net_area_m2) for u in units]
    return units, total, own_construction, gfa, method, kw, shared


@settings(deadline=None)  # exact, not timed: a slow CI machine must not fail it
@given(allocations())
def test_unit_costs_add_up_exactly_and_stay_within_a_rupiah(case):
    units, total, own_construction, gfa, method, kw, shared = case
    args = {"total": total, "own_construction": own_construction, "gross_floor_area_m2": gfa, "method": method, **kw}
    if sum(shared) == 0:
        with pytest.raises(CostingError) as caught:
            unit_costs(units, **args)
        assert caught.value.message.code == "allocation.weights_all_zero"
        return
    costs = unit_costs(units, **args)
    assert sum(costs) == total
    assert len(costs) == len(units)
    for cost, exact in zip(costs, exact_costs(units, total, own_construction, gfa, shared), strict=True):
        assert abs(cost - exact) < 1
        assert cost >= 0
    assert unit_costs(list(units), **args) == costs  # deterministic
    summary = by_unit_type(units, costs)
    assert sum(s.count for s in summary.values()) == len(units)
    assert all(s.min <= s.mean <= s.max for s in summary.values())
