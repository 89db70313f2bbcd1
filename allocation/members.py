"""A member's data as the cooperative records it (and an allocation uses it), checked and converted.

The same checks for a spreadsheet row and for the member form, so both refuse the same things:

- number: 1 to 32 letters, digits, dots, dashes or underscores, starting with a letter or a digit (a number cell of
  Excel, 1001.0, is 1001), once per file: it is a path segment of the member's page, so never KNR/7, "." or "..";
- name: required, up to 200 characters;
- household size 1 to 30 persons (1 when empty); monthly income and the three savings (pokok, wajib, sukarela)
  whole rupiah from 0 to 10^12 (0 when empty), written as numbers or the Indonesian way (Rp1.250.000);
- elderly, disability, needs the ground floor, original resident: ya/tidak, yes/no, 1/0, x, benar/salah (empty
  is no);
- joined on: a date cell, YYYY-MM-DD or DD/MM/YYYY, from 1900 to 2200 (empty: unknown);
- NIK: 16 digits (empty: none); a wrong one is not repeated in the message, being personal data;
- notes: up to 5,000 characters (`kernel.limits.NOTE`).

Every problem is returned (with its row and column), not just the first. Reading the file is the shell's.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from costing.errors import CostingError
from costing.workbook import parse_number
from kernel import limits
from kernel.cells import RowProblem, cell_date
from kernel.messages import N_, Message

FIELDS = ("number", "name", "household_size", "monthly_income", "elderly", "disability", "needs_ground_floor",
          "original_resident", "joined_on", "savings_pokok", "savings_wajib", "savings_sukarela", "nik", "notes")
FLAGS = ("elderly", "disability", "needs_ground_floor", "original_resident")
YES = frozenset({"ya", "y", "yes", "1", "x", "true", "benar"})
NO = frozenset({"tidak", "t", "no", "n", "0", "", "false", "salah", "-"})
NIK_RE = re.compile(r"^\d{16}$")
NUMBER_RE = limits.MEMBER_NUMBER_RE  # matched whole (fullmatch): "$" would let a trailing newline through
NAME_MAX = limits.NAME
NOTES_MAX = limits.NOTE
# A membership cannot have begun before 1900 or after the years a housing plan spans (the app's form reader's bounds).
FIRST_DATE, LAST_DATE = date(1900, 1, 1), date(2200, 12, 31)
MONEY_MAX = 10**12
# (field, lowest, highest, when empty)
WHOLE_NUMBERS = (("household_size", 1, 30, 1), ("monthly_income", 0, MONEY_MAX, 0),
                 ("savings_pokok", 0, MONEY_MAX, 0), ("savings_wajib", 0, MONEY_MAX, 0),
                 ("savings_sukarela", 0, MONEY_MAX, 0))


def yes_no(value: Any) -> bool | None:
    """A yes/no cell: True, False, or None when it is neither."""
    text = str(value if value is not None else "").strip().lower()
    if text in YES:
        return True
    if text in NO:
        return False
    return None


def check_member(raw: Mapping[str, Any], *, row: int, titles: Mapping[str, str] | None = None,
                 seen: dict[str, int] | None = None) -> tuple[dict[str, Any], list[RowProblem]]:
    """One member's values (keys as in `FIELDS`, raw text or cell values) checked and converted.

    `titles` names the columns as the file wrote them (the key itself otherwise); `seen` (number -> row) catches a
    number twice in one file and is updated. Returns the values and the problems; a field with a problem may be
    missing from the values, which are not to be stored then."""
    titles = titles or {key: key for key in FIELDS}
    seen = seen if seen is not None else {}
    problems: list[RowProblem] = []

    def problem(key: str | None, code: str, msgid: str, **fields: Any) -> None:
        problems.append(RowProblem(row, titles.get(key) if key else None,
                                   Message(code, msgid, {"row": row, "column": titles.get(key, ""), **fields})))

    out: dict[str, Any] = {}
    number = str(raw.get("number") or "").strip()
    if number.endswith(".0") and number[:-2].isdigit():  # a number cell in Excel
        number = number[:-2]
    if not NUMBER_RE.fullmatch(number):
        problem("number", "members.number_invalid", N_(
            "Row {row}, column {column}: a member number is 1 to 32 letters, digits, dots, dashes or underscores, "
            "starting with a letter or a digit (no slash, no space)."))
    elif number in seen:
        problem("number", "members.number_duplicate", N_(
            "Row {row}, column {column}: member number {number} is also in row {other}."),
            number=number, other=seen[number])
    else:
        seen[number] = row
    out["number"] = number
    name = str(raw.get("name") or "").strip()
    if not name or len(name) > NAME_MAX:
        problem("name", "members.name_invalid", N_("Row {row}, column {column}: the name is needed "
                                                   "(up to 200 characters)."))
    out["name"] = name
    for key, low, high, default in WHOLE_NUMBERS:
        value = raw.get(key)
        if value is None or str(value).strip() == "":
            out[key] = default
            continue
        try:
            number_value = parse_number(value, money=key != "household_size")
        except CostingError:
            problem(key, "members.not_a_number", N_("Row {row}, column {column}: {value} is not a number."),
                    value=str(value))
            continue
        if number_value != number_value.to_integral_value() or not low <= number_value <= high:
            problem(key, "members.out_of_range", N_(
                "Row {row}, column {column}: {value} must be a whole number from {low} to {high}."),
                value=str(value), low=low, high=high)
            continue
        out[key] = int(number_value)
    for key in FLAGS:
        flag = yes_no(raw.get(key))
        if flag is None:
            problem(key, "members.yes_no", N_("Row {row}, column {column}: write ya or tidak."))
        out[key] = bool(flag)
    try:
        out["joined_on"] = cell_date(raw.get("joined_on"))
    except ValueError:
        problem("joined_on", "members.date_invalid", N_(
            "Row {row}, column {column}: write the date as YYYY-MM-DD or DD/MM/YYYY."))
    else:
        if out["joined_on"] is not None and not FIRST_DATE <= out["joined_on"] <= LAST_DATE:
            problem("joined_on", "members.date_out_of_range", N_(
                "Row {row}, column {column}: the date must lie between {low} and {high}."),
                low=FIRST_DATE.isoformat(), high=LAST_DATE.isoformat())
    nik = re.sub(r"\s", "", str(raw.get("nik") or ""))
    if nik.endswith(".0"):
        nik = nik[:-2]
    if nik and not NIK_RE.match(nik):
        # The value itself is not repeated: a NIK is personal data, even a mistyped one.
        problem("nik", "members.nik_invalid", N_("Row {row}, column {column}: a NIK has 16 digits."))
    out["nik"] = nik or None
    notes = str(raw.get("notes") or "").strip()
    if len(notes) > NOTES_MAX:
        # The length only: notes may hold personal data, and a file's long text is no help repeated.
        problem("notes", "members.notes_too_long", N_(
            "Row {row}, column {column}: the notes are {length} characters long; at most {limit} fit."),
            length=len(notes), limit=NOTES_MAX)
    out["notes"] = notes or None
    return out, problems
