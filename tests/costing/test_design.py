"""Unit types, buildings, their units and the gross floor area."""

from __future__ import annotations

from decimal import Decimal

import pytest

from costing import CostingError
from costing.design import (
    BuildingSpec,
    UnitTypeSpec,
    design_warnings,
    floor_plate_m2,
    gross_floor_area,
    units_of,
)

D = Decimal
T36 = UnitTypeSpec("T36", "Tipe 36", D(36), 2)
T27 = UnitTypeSpec("T27", "Tipe 27", D("27.5"), 1)


def test_units_are_numbered_building_floor_number():
    block = BuildingSpec("A", "Blok A", 3, {"T36": 2, "T27": 1}, D(40))
    units = units_of([block], [T36, T27])
    assert [u.code for u in units] == [
        "A-1-01", "A-1-02", "A-1-03", "A-2-01", "A-2-02", "A-2-03", "A-3-01", "A-3-02", "A-3-03",
    ]
    assert [u.unit_type for u in units[:3]] == ["T36", "T36", "T27"]
    assert units[2].net_area_m2 == D("27.5") and units[2].floor == 1 and units[2].building == "A"


def test_no_units_on_the_ground_floor():
    # Kunir-like: 4 floors, the ground floor for the community, 11 units of 36 m² on floors 2-4.
    kunir = BuildingSpec("K", "Kampung Susun Kunir", 4, {"T36": 11}, D(104), ground_floor_units=False)
    units = units_of([kunir], {"T36": T36})
    assert len(units) == 33
    assert {u.floor for u in units} == {2, 3, 4}
    assert units[0].code == "K-2-01" and units[-1].code == "K-4-11"
    # Every floor has the same plate, 11 x 36 + 104 = 500 m²; the ground floor's is all common space.
    assert floor_plate_m2(kunir, [T36]) == D(500)
    assert gross_floor_area([kunir], [T36]) == D(2000)


def test_gross_floor_area_adds_buildings():
    a = BuildingSpec("A", "Blok A", 5, {"T36": 6}, D("55.5"))
    b = BuildingSpec("B", "Blok B", 4, {"T36": 4, "T27": 2}, D(30), ground_floor_units=False)
    # A: (6 x 36 + 55.5) x 5 = 1357.5; B: (4 x 36 + 2 x 27.5 + 30) x 4 = 916.
    assert gross_floor_area([a, b], [T36, T27]) == D("2273.5")
    units = units_of([a, b], [T36, T27])
    assert len(units) == 30 + 18
    net = sum(u.net_area_m2 for u in units)
    assert net == D(30 * 36 + 12 * 36 + 6 * D("27.5"))
    assert gross_floor_area([a, b], [T36, T27]) > net


def test_a_hundred_units_on_a_floor_get_three_digits():
    units = units_of([BuildingSpec("C", "Blok C", 1, {"T27": 120}, D(0))], [T27])
    assert units[0].code == "C-1-001" and units[-1].code == "C-1-120"


@pytest.mark.parametrize(
    ("make", "code", "field"),
    [
        (lambda: UnitTypeSpec("T0", "Nol", D(0), 1), "design.unit_area_zero", "net_area_m2"),
        (lambda: UnitTypeSpec("T0", "Minus", D(-5), 1), "costing.negative", "net_area_m2"),
        (lambda: UnitTypeSpec("T0", "Float", 36.0, 1), "costing.inexact_number", "net_area_m2"),
        (lambda: UnitTypeSpec("T0", "Kamar", D(36), -1), "design.bedrooms", "bedrooms"),
        (lambda: UnitTypeSpec("", "Tanpa kode", D(36), 1), "costing.code_missing", "code"),
        (lambda: BuildingSpec("A", "Blok A", 0, {"T36": 1}, D(10)), "design.floors", "floors"),
        (lambda: BuildingSpec("A", "Blok A", D("2.5"), {"T36": 1}, D(10)), "design.floors", "floors"),
        (lambda: BuildingSpec("A", "Blok A", 4, {"T36": -1}, D(10)), "design.unit_count", "units_per_floor"),
        (lambda: BuildingSpec("A", "Blok A", 4, {"T36": 1}, D(-10)), "design.common_area", "common_area_m2_per_floor"),
    ],
)
def test_bad_specs(make, code, field):
    with pytest.raises(CostingError) as caught:
        make()
    assert (caught.value.message.code, caught.value.field) == (code, field)
    caught.value.message.render()


def test_unknown_type_and_duplicates():
    a = BuildingSpec("A", "Blok A", 2, {"T45": 1}, D(10))
    with pytest.raises(CostingError) as caught:
        units_of([a], [T36])
    assert caught.value.message.code == "design.unit_type_unknown"
    assert caught.value.message.fields == {"building": "A", "unit_type": "T45"}
    b = BuildingSpec("A", "Blok A lagi", 2, {"T36": 1}, D(10))
    with pytest.raises(CostingError) as caught:
        gross_floor_area([b, b], [T36])
    assert caught.value.message.code == "design.building_duplicate"
    with pytest.raises(CostingError) as caught:
        units_of([b], [T36, T36])
    assert caught.value.message.code == "design.unit_type_duplicate"


def test_warnings():
    small = UnitTypeSpec("T18", "Tipe 18", D(18), 0)
    hall = BuildingSpec("H", "Balai warga", 1, {}, D(120), ground_floor_units=False)
    flats = BuildingSpec("A", "Blok A", 3, {"T18": 4}, D(20))
    warnings = design_warnings([flats, hall], [small])
    assert [w.code for w in warnings] == ["design.unit_below_minimum", "design.building_without_units"]
    assert units_of([hall], [small]) == []
    assert gross_floor_area([hall], [small]) == D(120)
