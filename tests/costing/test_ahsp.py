"""AHSP sheets checked by hand (tests/costing/sheets.py shows the arithmetic)."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from costing import CostingError
from costing.ahsp import UNITS, AhspItem, Coefficient, Resource, library, normalise_unit, unit_price
from tests.costing.sheets import BETON_K225, GALIAN, PEMADATAN, RESOURCES

D = Decimal


def test_beton_k225_by_hand():
    up = unit_price(BETON_K225, RESOURCES)
    assert up.item_code == "A.4.1.1.7"
    assert up.labour == D("318515")
    assert up.material == D("1021810")
    assert up.equipment == 0
    assert up.subtotal == D("1340325")
    assert up.overhead == D("134032.5")
    assert up.price == D("1474357.5")
    assert up.warnings == ()
    assert [line.resource_code for line in up.lines] == [c.resource_code for c in BETON_K225.coefficients]
    assert up.lines[0].amount == D("247500") and up.lines[0].unit == "OH"
    assert sum(line.amount for line in up.lines) == up.subtotal


def test_equipment_and_a_higher_overhead_by_hand():
    up = unit_price(PEMADATAN, RESOURCES)
    assert (up.labour, up.material, up.equipment) == (D(85500), 0, D(20000))
    assert up.subtotal == D(105500)
    assert up.overhead == D(12660)
    assert up.price == D(118160)
    assert unit_price(GALIAN, RESOURCES).price == D(129525)


def test_overhead_above_15_percent_warns():
    up = unit_price(replace(BETON_K225, overhead_pct=D("17.5")), RESOURCES)
    assert [w.code for w in up.warnings] == ["ahsp.overhead_high"]
    assert up.warnings[0].fields["pct"] == D("17.5")
    assert "17.5%" in up.warnings[0].render()
    assert up.price == D("1340325") * D("1.175")
    assert unit_price(replace(BETON_K225, overhead_pct=D(15)), RESOURCES).warnings == ()


@pytest.mark.parametrize("pct", [D("30.01"), D(-1), 45])
def test_overhead_out_of_range_is_an_error(pct):
    with pytest.raises(CostingError) as caught:
        unit_price(replace(BETON_K225, overhead_pct=pct), RESOURCES)
    assert caught.value.message.code == "ahsp.overhead_out_of_range"
    assert caught.value.field == "overhead_pct"
    assert "A.4.1.1.7" in caught.value.message.render()


def test_unknown_resource_names_the_item_and_the_resource():
    item = AhspItem("X.1", "Plesteran", "m2", (Coefficient("L.01", D("0.3")), Coefficient("M.99", D(5))))
    with pytest.raises(CostingError) as caught:
        unit_price(item, RESOURCES)
    message = caught.value.message
    assert message.code == "ahsp.resource_unknown"
    assert message.fields == {"item": "X.1", "resource": "M.99"}
    assert "X.1" in message.render() and "M.99" in message.render()


def test_no_coefficients_and_a_repeated_resource_warn():
    empty = AhspItem("X.2", "Kosong", "ls", ())
    up = unit_price(empty, RESOURCES)
    assert up.price == 0 and [w.code for w in up.warnings] == ["ahsp.no_coefficients"]
    twice = AhspItem("X.3", "Dua kali", "m2", (("L.01", "0.1"), ("L.01", "0.2")))
    up = unit_price(twice, RESOURCES)
    assert up.labour == D(45000) and [w.code for w in up.warnings] == ["ahsp.resource_repeated"]


@pytest.mark.parametrize(
    ("written", "symbol"),
    [("m²", "m2"), ("M2", "m2"), ("m³", "m3"), ("oh", "OH"), ("O.H", "OH"), (" kg ", "kg"), ("sak", "zak"),
     ("m1", "m'"), ("m’", "m'"), ("Buah", "bh"), ("Ls", "ls"), ("Titik", "titik"), ("liter", "ltr")],
)
def test_units_are_normalised(written, symbol):
    assert normalise_unit(written) == symbol
    assert symbol in UNITS


@pytest.mark.parametrize("unit", ["furlong", "", "m4", None])
def test_unknown_unit_is_an_error(unit):
    with pytest.raises(CostingError) as caught:
        Resource("M.9", "Benda", unit, "material", 1000)
    assert caught.value.message.code == "costing.unit_unknown"
    assert caught.value.field == "unit"
    caught.value.message.render()


@pytest.mark.parametrize(
    ("price", "code"),
    [(1500.0, "costing.inexact_number"), (-1, "costing.negative"), ("1500.5", "costing.not_whole_rupiah"),
     ("seribu", "costing.not_a_number"), (True, "costing.not_a_number")],
)
def test_bad_prices(price, code):
    with pytest.raises(CostingError) as caught:
        Resource("M.9", "Benda", "kg", "material", price)
    assert caught.value.message.code == code
    assert caught.value.field == "price"


def test_price_text_and_decimal_become_int():
    assert Resource("M.9", "Benda", "kg", "material", "1500").price == 1500
    assert Resource("M.9", "Benda", "kg", "material", D("1500.00")).price == 1500


def test_bad_kind_and_negative_coefficient():
    with pytest.raises(CostingError) as caught:
        Resource("M.9", "Benda", "kg", "materials", 1)
    assert caught.value.message.code == "ahsp.kind_unknown"
    with pytest.raises(CostingError) as caught:
        Coefficient("L.01", D("-0.1"))
    assert (caught.value.message.code, caught.value.field) == ("costing.negative", "coefficient")
    with pytest.raises(CostingError) as caught:
        Coefficient("L.01", 0.1)
    assert caught.value.message.code == "costing.inexact_number"


def test_library_refuses_a_code_twice():
    assert library(RESOURCES.values()) == RESOURCES
    with pytest.raises(CostingError) as caught:
        library([RESOURCES["L.01"], RESOURCES["L.01"]])
    assert caught.value.message.code == "ahsp.resource_duplicate"
