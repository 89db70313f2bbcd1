"""Reading a member list from .csv or .xlsx: every row checked, every problem named, nothing partial.

Columns (Indonesian or English headers, any order, case and spaces ignored):
nomor_anggota (number), nama (name), jumlah_jiwa (household_size), penghasilan (monthly_income),
lansia (elderly), disabilitas (disability), lantai_dasar (needs_ground_floor), warga_asli
(original_resident), tanggal_masuk (joined_on), simpanan_pokok, simpanan_wajib, simpanan_sukarela,
nik, catatan (notes). Only the number and the name are required. Yes/no cells take ya/tidak,
yes/no, 1/0 or x. Amounts may be written Rp1.250.000.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from app.tabular import RowProblem, TableFileError, cell_date, read_table
from costing.errors import CostingError
from costing.workbook import parse_number
from kernel.messages import N_, Message

COLUMNS: dict[str, tuple[str, ...]] = {
    "number": ("nomor_anggota", "no_anggota", "nomor", "number", "member_number"),
    "name": ("nama", "nama_anggota", "name"),
    "household_size": ("jumlah_jiwa", "jiwa", "anggota_keluarga", "household_size"),
    "monthly_income": ("penghasilan", "penghasilan_bulanan", "pendapatan", "monthly_income", "income"),
    "elderly": ("lansia", "elderly"),
    "disability": ("disabilitas", "difabel", "disability"),
    "needs_ground_floor": ("lantai_dasar", "perlu_lantai_dasar", "needs_ground_floor", "ground_floor"),
    "original_resident": ("warga_asli", "penghuni_asli", "original_resident"),
    "joined_on": ("tanggal_masuk", "tanggal_bergabung", "joined", "joined_on"),
    "savings_pokok": ("simpanan_pokok", "savings_pokok"),
    "savings_wajib": ("simpanan_wajib", "savings_wajib"),
    "savings_sukarela": ("simpanan_sukarela", "savings_sukarela"),
    "nik": ("nik", "no_ktp"),
    "notes": ("catatan", "keterangan", "notes"),
}
REQUIRED = ("number", "name")
YES = {"ya", "y", "yes", "1", "x", "true", "benar"}
NO = {"tidak", "t", "no", "n", "0", "", "false", "salah", "-"}
NIK_RE = re.compile(r"^\d{16}$")
NUMBER_RE = re.compile(r"^[A-Za-z0-9./-]{1,32}$")
MAX_ROWS = 20_000
MAX_PROBLEMS = 200


# The file as a whole is refused by the shared table reader; the member pages know it by this name.
MemberFileError = TableFileError


def _yes_no(value: Any) -> bool | None:
    text = str(value if value is not None else "").strip().lower()
    if text in YES:
        return True
    if text in NO:
        return False
    return None


def read_members(path: str | Path, filename: str | None = None) -> tuple[list[dict[str, Any]], list[RowProblem]]:
    path = Path(path)
    filename = filename or path.name
    table = read_table(path, filename, COLUMNS, max_rows=MAX_ROWS)
    missing = table.missing(REQUIRED, COLUMNS)
    if missing:
        raise MemberFileError(Message("members.columns_missing", N_(
            "{file} has no column {columns}. The first row must name the columns, e.g. nomor_anggota, nama."),
            {"file": filename, "columns": ", ".join(missing)}))
    members: list[dict[str, Any]] = []
    problems: list[RowProblem] = []
    seen: dict[str, int] = {}
    for offset, raw in table.rows:
        member, found = check_member(raw, row=offset, titles=table.titles, seen=seen)
        members.append(member)
        problems.extend(found[:MAX_PROBLEMS - len(problems)])
    if not members and not problems:
        raise MemberFileError(Message("members.no_rows", N_("{file} has a header but no members."),
                                      {"file": filename}))
    return members, problems


def check_member(raw: Mapping[str, Any], *, row: int, titles: Mapping[str, str] | None = None,
                 seen: dict[str, int] | None = None) -> tuple[dict[str, Any], list[RowProblem]]:
    """One member's values (keys as in COLUMNS, raw text or cell values) checked and converted.

    The same checks for a spreadsheet row and for the member form. `titles` names the columns as
    the file wrote them; `seen` (number -> row) catches a number twice in one file.
    """
    titles = titles or {key: aliases[0] for key, aliases in COLUMNS.items()}
    seen = seen if seen is not None else {}
    problems: list[RowProblem] = []

    def problem(key: str | None, code: str, msgid: str, **fields: Any) -> None:
        problems.append(RowProblem(row, titles.get(key) if key else None,
                                   Message(code, msgid, {"row": row, "column": titles.get(key, ""), **fields})))

    out: dict[str, Any] = {}
    number = str(raw.get("number") or "").strip()
    if number.endswith(".0") and number[:-2].isdigit():  # a number cell in Excel
        number = number[:-2]
    if not NUMBER_RE.match(number):
        problem("number", "members.number_invalid", N_(
            "Row {row}, column {column}: a member number is 1 to 32 letters, digits, dots or dashes."))
    elif number in seen:
        problem("number", "members.number_duplicate", N_(
            "Row {row}, column {column}: member number {number} is also in row {other}."),
            number=number, other=seen[number])
    else:
        seen[number] = row
    out["number"] = number
    name = str(raw.get("name") or "").strip()
    if not name or len(name) > 200:
        problem("name", "members.name_invalid", N_("Row {row}, column {column}: the name is needed "
                                                          "(up to 200 characters)."))
    out["name"] = name
    for key, low, high, default in (("household_size", 1, 30, 1), ("monthly_income", 0, 10**12, 0),
                                    ("savings_pokok", 0, 10**12, 0), ("savings_wajib", 0, 10**12, 0),
                                    ("savings_sukarela", 0, 10**12, 0)):
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
    for key in ("elderly", "disability", "needs_ground_floor", "original_resident"):
        flag = _yes_no(raw.get(key))
        if flag is None:
            problem(key, "members.yes_no", N_("Row {row}, column {column}: write ya or tidak."))
        out[key] = bool(flag)
    try:
        out["joined_on"] = cell_date(raw.get("joined_on"))
    except ValueError:
        problem("joined_on", "members.date_invalid", N_(
            "Row {row}, column {column}: write the date as YYYY-MM-DD or DD/MM/YYYY."))
    nik = re.sub(r"\s", "", str(raw.get("nik") or ""))
    if nik.endswith(".0"):
        nik = nik[:-2]
    if nik and not NIK_RE.match(nik):
        # The value itself is not repeated: a NIK is personal data, even a mistyped one.
        problem("nik", "members.nik_invalid", N_("Row {row}, column {column}: a NIK has 16 digits."))
    out["nik"] = nik or None
    out["notes"] = str(raw.get("notes") or "").strip() or None
    return out, problems
