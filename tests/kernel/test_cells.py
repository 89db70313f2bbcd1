"""Cells as typed: the readers the pure row checks and the shell's table reader share."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from kernel.cells import cell_date, cell_text, normalise_header


def test_headers_ignore_case_spaces_and_punctuation():
    assert normalise_header(" Nomor Anggota ") == "nomor_anggota"
    assert normalise_header("No. Bukti") == "no_bukti"
    assert normalise_header(None) == "" and normalise_header(12) == "12"


def test_cell_text_is_what_was_typed():
    assert cell_text(1001.0) == "1001" and cell_text(12.5) == "12.5"
    assert cell_text(None) == "" and cell_text("  INV-1 ") == "INV-1" and cell_text(7) == "7"


@pytest.mark.parametrize("value, day", [("2026-02-01", date(2026, 2, 1)), ("01/02/2026", date(2026, 2, 1)),
                                        ("01-02-2026", date(2026, 2, 1)), (datetime(2026, 2, 1, 9), date(2026, 2, 1)),
                                        (date(2026, 2, 1), date(2026, 2, 1)), ("", None), (None, None)])
def test_cell_dates(value, day):
    assert cell_date(value) == day


@pytest.mark.parametrize("value", ["31-31-2026", "kemarin", "2026/02/01", "1/2/26"])
def test_a_cell_that_is_no_date_raises(value):
    with pytest.raises(ValueError):
        cell_date(value)
