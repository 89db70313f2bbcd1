"""Amounts in Indonesian words, by the rules in the guide (seratus, seribu, sebelas, X belas, X puluh)."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from costing import CostingError
from costing.terbilang import terbilang, terbilang_rupiah

CASES = [
    (0, "nol"),
    (1, "satu"),
    (9, "sembilan"),
    (10, "sepuluh"),
    (11, "sebelas"),
    (12, "dua belas"),
    (19, "sembilan belas"),
    (20, "dua puluh"),
    (21, "dua puluh satu"),
    (99, "sembilan puluh sembilan"),
    (100, "seratus"),
    (101, "seratus satu"),
    (111, "seratus sebelas"),
    (115, "seratus lima belas"),
    (200, "dua ratus"),
    (999, "sembilan ratus sembilan puluh sembilan"),
    (1000, "seribu"),
    (1001, "seribu satu"),
    (1100, "seribu seratus"),
    (2000, "dua ribu"),
    (11000, "sebelas ribu"),
    (12_500, "dua belas ribu lima ratus"),
    (100_000, "seratus ribu"),
    (101_000, "seratus satu ribu"),
    (1_000_000, "satu juta"),
    (1_100_000, "satu juta seratus ribu"),
    (1_234_567, "satu juta dua ratus tiga puluh empat ribu lima ratus enam puluh tujuh"),
    (2_000_001, "dua juta satu"),
    (1_000_000_000, "satu miliar"),
    (13_100_000_000, "tiga belas miliar seratus juta"),
    (
        396_969_697,
        "tiga ratus sembilan puluh enam juta sembilan ratus enam puluh sembilan ribu enam ratus sembilan puluh tujuh",
    ),
    (1_000_000_000_000, "satu triliun"),
    (2_001_000_000_000, "dua triliun satu miliar"),
    (1_000_000_000_000_000, "seribu triliun"),
    (-25, "minus dua puluh lima"),
]


@pytest.mark.parametrize(("n", "words"), CASES)
def test_terbilang(n, words):
    assert terbilang(n) == words


def test_never_satu_ratus_or_satu_ribu():
    # "dua puluh satu ribu" is right; "satu" may not open a hundred, a thousand, a ten or a teen.
    wrong = re.compile(r"(^|juta |miliar |triliun |ribu )satu (ratus|ribu|puluh|belas)")
    for n in [*range(0, 2_100_000, 997), *range(1_000_000_000, 1_002_000_000, 99_991)]:
        assert not wrong.search(terbilang(n)), (n, terbilang(n))


def test_terbilang_rupiah():
    assert terbilang_rupiah(1_234_567) == (
        "satu juta dua ratus tiga puluh empat ribu lima ratus enam puluh tujuh rupiah"
    )
    assert terbilang_rupiah(44_854_000) == "empat puluh empat juta delapan ratus lima puluh empat ribu rupiah"


def test_a_whole_decimal_is_fine_a_fraction_of_a_rupiah_or_a_float_is_not():
    assert terbilang(Decimal("1000")) == "seribu"
    with pytest.raises(CostingError):
        terbilang(Decimal("1000.5"))
    with pytest.raises(CostingError):
        terbilang(1000.0)
