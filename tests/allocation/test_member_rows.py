"""A member's values checked as a form or a spreadsheet row gives them, without a database."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from allocation.members import FIELDS, check_member, yes_no

ROW = {"number": "KNR-900", "name": "Wulan Sekarsari", "household_size": "4", "monthly_income": "Rp4.500.000",
       "elderly": "ya", "disability": "", "needs_ground_floor": "tidak", "original_resident": "x",
       "joined_on": "01/02/2024", "savings_pokok": "100.000", "savings_wajib": 1_200_000.0, "savings_sukarela": None,
       "nik": "9999 0101 0101 0101", "notes": "  "}


def _codes(problems) -> list[str]:
    return [p.message.code for p in problems]


def test_a_good_row_is_converted():
    values, problems = check_member(ROW, row=2)
    assert problems == []
    assert values == {"number": "KNR-900", "name": "Wulan Sekarsari", "household_size": 4, "monthly_income": 4_500_000,
                      "savings_pokok": 100_000, "savings_wajib": 1_200_000, "savings_sukarela": 0, "elderly": True,
                      "disability": False, "needs_ground_floor": False, "original_resident": True,
                      "joined_on": date(2024, 2, 1), "nik": "9999010101010101", "notes": None}
    assert set(values) == set(FIELDS)


def test_empty_cells_take_their_defaults():
    values, problems = check_member({"number": "1", "name": "Siti"}, row=2)
    assert problems == []
    assert (values["household_size"], values["monthly_income"], values["elderly"], values["joined_on"],
            values["nik"]) == (1, 0, False, None, None)


def test_excel_number_cells_are_read_as_typed():
    values, problems = check_member({**ROW, "number": 1001.0, "nik": 3174010101010101.0,
                                     "joined_on": datetime(2024, 2, 1, 0, 0)}, row=2)
    assert problems == [] and values["number"] == "1001" and values["joined_on"] == date(2024, 2, 1)
    assert values["nik"] == "3174010101010101"  # below 2**53: Excel and a float keep every digit


@pytest.mark.parametrize("field, value, code", [
    ("number", "", "members.number_invalid"),
    ("number", "KNR 001", "members.number_invalid"),
    ("number", "K" * 33, "members.number_invalid"),
    ("number", "KNR/7", "members.number_invalid"),  # a path segment of the member's page: no slash
    ("number", ".", "members.number_invalid"),  # a browser resolves "." and ".." away before the page is reached
    ("number", "..", "members.number_invalid"),
    ("number", ".KNR-7", "members.number_invalid"),
    ("number", "KNR-7\u00e9", "members.number_invalid"),  # ASCII letters only: a number is typed on any keyboard
    ("notes", "n" * 5001, "members.notes_too_long"),
    ("name", "", "members.name_invalid"),
    ("name", "N" * 201, "members.name_invalid"),
    ("household_size", "0", "members.out_of_range"),
    ("household_size", "31", "members.out_of_range"),
    ("household_size", "2,5", "members.out_of_range"),
    ("household_size", "banyak", "members.not_a_number"),
    ("monthly_income", "-1", "members.out_of_range"),
    ("savings_wajib", str(10**12 + 1), "members.out_of_range"),
    ("elderly", "mungkin", "members.yes_no"),
    ("joined_on", "kemarin", "members.date_invalid"),
    ("nik", "12345", "members.nik_invalid"),
])
def test_a_bad_value_is_named_by_row_and_column(field, value, code):
    values, problems = check_member({**ROW, field: value}, row=7, titles={field: "Kolom"})
    assert _codes(problems) == [code]
    assert (problems[0].row, problems[0].column) == (7, "Kolom")
    assert problems[0].message.fields["row"] == 7 and problems[0].message.fields["column"] == "Kolom"


def test_a_mistyped_nik_is_not_repeated():
    _, problems = check_member({**ROW, "nik": "12345"}, row=2)
    assert "12345" not in problems[0].message.render() and "12345" not in str(problems[0].message.fields)


def test_every_problem_of_a_row_is_listed():
    _, problems = check_member({"number": "", "name": "", "household_size": "-2", "original_resident": "mungkin"},
                               row=4)
    assert _codes(problems) == ["members.number_invalid", "members.name_invalid", "members.out_of_range",
                                "members.yes_no"]


def test_a_number_twice_in_a_file_names_the_first_row():
    seen: dict[str, int] = {}
    assert check_member(ROW, row=2, seen=seen)[1] == [] and seen == {"KNR-900": 2}
    _, problems = check_member(ROW, row=5, seen=seen)
    assert _codes(problems) == ["members.number_duplicate"] and problems[0].message.fields["other"] == 2


@pytest.mark.parametrize("value, flag", [("ya", True), ("Y", True), ("1", True), ("x", True), ("benar", True),
                                         ("tidak", False), ("", False), (None, False), ("-", False), ("0", False),
                                         ("mungkin", None), ("2", None)])
def test_yes_no(value, flag):
    assert yes_no(value) is flag
