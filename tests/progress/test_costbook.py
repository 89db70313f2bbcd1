"""The cost book's rules without a database: what an entry must say, and how corrections add up."""

from __future__ import annotations

from datetime import date

import pytest

from progress import costbook
from progress.costbook import Book, Booked, CostBookError, check_entries, check_entry
from progress.errors import ProgressError

TODAY = date(2026, 6, 30)


def _book(*entries: Booked) -> Book:
    book = Book(date(2025, 11, 3), TODAY, {"A.3.1": ("pondasi",), "A.4.1": ("struktur", "mep")}, ("A", "B"))
    for entry in entries:
        book.add(entry)
    return book


INV1 = Booked(date(2026, 2, 1), 125_000_000, "struktur", None, "A", "PT Beton Jaya", "INV-1", "termin 1")


def _row(**fields) -> dict:
    return {"entry_date": "2026-02-01", "amount": "Rp125.000.000", "division": "struktur", "block": "A",
            "payee": "PT Beton Jaya", "reference": "INV-2", "note": "termin 1", **fields}


def _codes(problems) -> list[str]:
    return [p.message.code for p in problems]


def test_an_ordinary_entry_is_accepted_with_its_division_block_and_payee():
    entry, problems = check_entry(_book(), _row())
    assert problems == []
    assert entry == Booked(date(2026, 2, 1), 125_000_000, "struktur", None, "A", "PT Beton Jaya", "INV-2", "termin 1")


@pytest.mark.parametrize("division", ["struktur", "Struktur", "Pekerjaan struktur", "pekerjaan_struktur"])
def test_a_division_is_named_by_its_key_or_label(division):
    entry, problems = check_entry(_book(), _row(division=division))
    assert problems == [] and entry.division == "struktur"


def test_k3_is_smkk():
    entry, _ = check_entry(_book(), _row(division="K3"))
    assert entry.division == "smkk"


@pytest.mark.parametrize("fields, code, column", [
    ({"entry_date": "2026-07-01"}, "costs.date_future", "entry_date"),
    ({"entry_date": "31-31-2026"}, "costs.date_invalid", "entry_date"),
    ({"entry_date": ""}, "costs.date_invalid", "entry_date"),
    ({"amount": ""}, "costs.amount_missing", "amount"),
    ({"amount": "banyak"}, "costs.not_a_number", "amount"),
    ({"amount": "0"}, "costs.amount_invalid", "amount"),
    ({"amount": "12,5"}, "costs.amount_invalid", "amount"),
    ({"amount": str(10**13 + 1)}, "costs.amount_invalid", "amount"),
    ({"division": "", "line": ""}, "costs.division_missing", "division"),
    ({"division": "atap"}, "costs.division_unknown", "division"),
    ({"block": "Z"}, "costs.block_unknown", "block"),
    ({"reference": ""}, "costs.reference_invalid", "reference"),
    ({"reference": "R" * 57}, "costs.reference_invalid", "reference"),
    ({"payee": "P" * 201}, "costs.payee_long", "payee"),
    ({"note": "N" * 5001}, "costs.note_long", "note"),
    ({"line": "X.9.9"}, "costs.line_unknown", "line"),
    ({"division": "", "line": "A.4.1"}, "costs.line_ambiguous", "division"),
    ({"division": "tanah", "line": "A.4.1"}, "costs.line_division_mismatch", "division"),
])
def test_a_bad_entry_is_refused_with_the_problem_at_its_column(fields, code, column):
    entry, problems = check_entry(_book(), _row(**fields))
    assert entry is None and _codes(problems) == [code]
    assert problems[0].column == column and problems[0].row is None


def test_every_problem_of_a_row_is_named_with_the_files_headers():
    titles = {"entry_date": "Tanggal", "amount": "Jumlah", "block": "Blok"}
    entry, problems = check_entry(_book(), _row(entry_date="kemarin", amount="0", block="Z"), row=7, titles=titles)
    assert entry is None
    assert [(p.row, p.column, p.message.code) for p in problems] == [
        (7, "Tanggal", "costs.date_invalid"), (7, "Jumlah", "costs.amount_invalid"), (7, "Blok", "costs.block_unknown")]


def test_a_line_gives_its_division_and_a_line_in_several_needs_one():
    assert check_entry(_book(), _row(division="", line="A.3.1"))[0].division == "pondasi"
    entry, _ = check_entry(_book(), _row(division="mep", line="A.4.1"))
    assert (entry.division, entry.line) == ("mep", "A.4.1")


def test_a_reference_is_booked_once():
    _, problems = check_entry(_book(INV1), _row(reference="INV-1"))
    assert _codes(problems) == ["costs.reference_stored"]
    row_above = Booked(date(2026, 2, 1), 1000, "struktur", None, None, None, "INV-3", row=4)
    _, problems = check_entry(_book(row_above), _row(reference="INV-3"), row=5)
    assert _codes(problems) == ["costs.reference_twice"] and problems[0].message.fields["other"] == 4


def test_a_correction_takes_the_corrected_entrys_place_and_the_next_reference():
    book = _book(INV1)
    raw = costbook.correction_form({"corrects": "INV-1", "amount": "25.000.000", "entry_date": "2026-02-03",
                                    "note": "volume salah hitung"})
    entry, problems = check_entry(book, raw)
    assert problems == []
    assert (entry.reference, entry.amount, entry.division, entry.block, entry.payee, entry.corrects) == (
        "INV-1-K1", -25_000_000, "struktur", "A", "PT Beton Jaya", "INV-1")
    book.add(entry)
    assert book.left("INV-1") == 100_000_000 and book.next_correction("INV-1") == "INV-1-K2"
    # The rest can be taken off, not a rupiah more.
    _, too_much = check_entry(book, {**raw, "amount": "-100000001"})
    assert _codes(too_much) == ["costs.correction_too_large"] and too_much[0].message.fields["left"] == 100_000_000
    rest, problems = check_entry(book, {**raw, "amount": "-100000000"})
    assert problems == [] and rest.reference == "INV-1-K2"
    book.add(rest)
    assert book.left("INV-1") == 0


@pytest.mark.parametrize("fields, code", [
    ({"corrects": ""}, "costs.correction_unnamed"),
    ({"corrects": "INV-9"}, "costs.correction_unknown"),
    ({"amount": "1000"}, "costs.correction_positive"),
    ({"note": ""}, "costs.correction_reason"),
    ({"entry_date": "2026-01-31"}, "costs.correction_before"),
    ({"entry_date": "2026-07-01"}, "costs.date_future"),
    ({"reference": "MY-OWN"}, "costs.correction_reference"),
    ({"division": "mep"}, "costs.correction_moves"),
    ({"block": "B"}, "costs.correction_moves"),
])
def test_a_bad_correction_is_refused(fields, code):
    raw = {"corrects": "INV-1", "amount": "-1000", "entry_date": "2026-02-05", "note": "x", **fields}
    entry, problems = check_entry(_book(INV1), raw)
    assert entry is None and code in _codes(problems)


def test_a_correction_of_a_correction_is_refused():
    book = _book(INV1)
    book.add(Booked(date(2026, 2, 3), -1000, "struktur", None, "A", None, "INV-1-K1", "x", corrects="INV-1"))
    _, problems = check_entry(book, {"corrects": "INV-1-K1", "amount": "-10", "entry_date": "2026-02-05",
                                     "note": "x"})
    assert _codes(problems) == ["costs.correction_of_correction"]


def test_a_correction_naming_its_own_division_and_block_is_fine():
    raw = {"corrects": "INV-1", "amount": "-1000", "entry_date": "2026-02-05", "note": "x", "division": "Struktur",
           "block": "A"}
    assert check_entry(_book(INV1), raw)[1] == []


def test_the_forms():
    with pytest.raises(CostBookError) as negative:
        costbook.record_form({"amount": "-1000"})
    assert negative.value.field == "amount" and isinstance(negative.value, ProgressError)
    assert negative.value.status == 400
    assert "corrects" not in costbook.record_form({"amount": "1000", "corrects": "INV-1"})
    with pytest.raises(CostBookError) as unnamed:
        costbook.correction_form({"amount": "1000", "corrects": " "})
    assert unnamed.value.field == "corrects"
    assert costbook.correction_form({"amount": "-1000", "corrects": "X"})["amount"] == "-1000"
    assert costbook.correction_form({"amount": "", "corrects": "X"})["amount"] == ""


def test_a_file_is_checked_row_by_row_against_the_rows_above():
    rows = [(2, _row(reference="INV-0001")),
            (3, {"entry_date": "2026-02-02", "amount": "-5.000.000", "corrects": "INV-0001", "note": "salah"}),
            (4, _row(reference="INV-0001")),  # twice in the file
            (5, {"entry_date": "2026-02-05", "amount": "-10"}),  # a negative amount that names nothing
            (6, _row(reference="INV-0002", division="atap"))]
    accepted, problems = check_entries(_book(), rows, {"reference": "referensi"})
    assert [(e.reference, e.row) for e in accepted] == [("INV-0001", 2), ("INV-0001-K1", 3)]
    assert [(p.row, p.message.code) for p in problems] == [
        (4, "costs.reference_twice"), (5, "costs.correction_unnamed"), (6, "costs.division_unknown")]
    assert problems[0].column == "referensi"


def test_references_and_corrections():
    assert costbook.corrected_reference("BKK-017-K2", -5) == "BKK-017"
    assert costbook.corrected_reference("BKK-017-K2", 5) is None  # only corrections are negative
    assert costbook.corrected_reference("BKK-017-K0", -5) is None
    assert costbook.corrections_of({"A", "B-K1"}, ["A-K1", "C-K1", "A-K2", "B-K1-K1", "A-X"]) == {
        "A": ["A-K1", "A-K2"], "B-K1": ["B-K1-K1"]}
    assert costbook.line_divisions([("A.2", "mep"), ("A.1", "pondasi"), ("A.2", "struktur"), ("A.2", "mep")]) == {
        "A.1": ("pondasi",), "A.2": ("struktur", "mep")}
