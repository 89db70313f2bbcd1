"""RAB lines priced from AHSP sheets, and the recap: Jumlah, Jumlah dibulatkan, Terbilang."""

from __future__ import annotations

from decimal import Decimal

import pytest

from costing import CostingError
from costing.rab import DIVISIONS, RabLine, price_lines, recap
from tests.costing.sheets import ITEMS, RESOURCES

D = Decimal

ROWS = [
    ("struktur", "A.4.1.1.7", "12.5", "A"),  # 12.5 x 1.474.357,5 = 18.429.468,75 -> 18.429.469
    ("tanah", "A.2.2.1.1", 85, "A"),  # 85 x 129.525 = 11.009.625
    ("tanah", "A.2.2.1.9", D(40), "A"),  # 40 x 118.160 = 4.726.400
    ("pondasi", "A.4.1.1.7", D("7.25")),  # 7.25 x 1.474.357,5 = 10.689.091,875 -> 10.689.092
]


def test_divisions_in_recap_order():
    assert list(DIVISIONS)[:8] == [
        "persiapan", "tanah", "pondasi", "struktur", "arsitektur", "mep", "finishing", "pekerjaan_luar",
    ]
    assert DIVISIONS["mep"] == "Mechanical, electrical and plumbing"


def test_price_lines_and_recap_by_hand():
    lines = price_lines(ROWS, ITEMS, RESOURCES)
    assert [line.amount for line in lines] == [18_429_469, 11_009_625, 4_726_400, 10_689_092]
    first = lines[0]
    assert (first.division, first.item_code, first.unit, first.building) == ("struktur", "A.4.1.1.7", "m3", "A")
    assert first.description == "Membuat 1 m3 beton mutu K-225"
    assert first.unit_price == D("1474357.5")
    assert lines[3].building is None

    r = recap(lines)
    assert r.by_division == {"tanah": 15_736_025, "pondasi": 10_689_092, "struktur": 18_429_469}
    assert list(r.by_division) == ["tanah", "pondasi", "struktur"]  # DIVISIONS order, not the lines' order
    assert r.jumlah == 44_854_586
    assert r.dibulatkan == 44_854_000
    assert r.terbilang == "empat puluh empat juta delapan ratus lima puluh empat ribu rupiah"


def test_empty_recap():
    r = recap([])
    assert (r.by_division, r.jumlah, r.dibulatkan, r.terbilang) == ({}, 0, 0, "nol rupiah")


def test_line_amount_is_rounded_half_up():
    line = RabLine("persiapan", "P.1", "Pembersihan", "m2", D("0.5"), D(1))
    assert line.amount == 1
    line = RabLine("persiapan", "P.1", "Pembersihan", "m²", D("3"), D("0.1666666666666666666666666666667"))
    assert line.amount == 1 and line.unit == "m2"


@pytest.mark.parametrize(
    ("rows", "code", "row", "field"),
    [
        ([("tanah", "A.2.2.1.1", 1), ("tanah", "A.2.2.1.1", -3)], "rab.line_volume_negative", 2, "volume"),
        ([("tanah", "A.2.2.1.1", "tiga")], "rab.line_volume_invalid", 1, "volume"),
        ([("tanah", "A.2.2.1.1", 2.5)], "rab.line_volume_invalid", 1, "volume"),
        ([("tanah", "A.2.2.1.1", 1), ("atap", "A.2.2.1.1", 1)], "rab.line_division_unknown", 2, "division"),
        ([("tanah", "Z.9", 1)], "rab.line_item_unknown", 1, "item_code"),
        ([("tanah",)], "rab.line_shape", 1, None),
    ],
)
def test_bad_lines_name_the_line_and_the_column(rows, code, row, field):
    with pytest.raises(CostingError) as caught:
        price_lines(rows, ITEMS, RESOURCES)
    error = caught.value
    assert (error.message.code, error.row, error.field) == (code, row, field)
    assert error.message.render().startswith(f"Line {row}")


def test_an_item_that_cannot_be_priced_names_the_line():
    resources = {code: r for code, r in RESOURCES.items() if code != "E.01"}
    with pytest.raises(CostingError) as caught:
        price_lines([("tanah", "A.2.2.1.1", 1), ("tanah", "A.2.2.1.9", 1)], ITEMS, resources)
    error = caught.value
    assert (error.message.code, error.row, error.field) == ("rab.line_resource_unknown", 2, "item_code")
    assert error.message.render() == (
        "Line 2, item code: work item A.2.2.1.9 uses resource E.01, which is not in the price list."
    )


def test_rab_line_checks_itself():
    with pytest.raises(CostingError) as caught:
        RabLine("tanah", "A.2.2.1.1", "Galian", "m3", D(-1), D(1))
    assert (caught.value.message.code, caught.value.field) == ("costing.negative", "volume")
    with pytest.raises(CostingError) as caught:
        RabLine("tanah", "A.2.2.1.1", "Galian", "m3", D(1), 129525.0)
    assert (caught.value.message.code, caught.value.field) == ("costing.inexact_number", "unit_price")
    with pytest.raises(CostingError) as caught:
        RabLine("tanah", "A.2.2.1.1", "Galian", "parsec", D(1), D(1))
    assert caught.value.message.code == "costing.unit_unknown"
