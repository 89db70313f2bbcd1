"""Reading a member list from .csv or .xlsx: every row checked, every problem named, nothing partial.

Columns (Indonesian or English headers, any order, case and spaces ignored):
nomor_anggota (number), nama (name), jumlah_jiwa (household_size), penghasilan (monthly_income),
lansia (elderly), disabilitas (disability), lantai_dasar (needs_ground_floor), warga_asli
(original_resident), tanggal_masuk (joined_on), simpanan_pokok, simpanan_wajib, simpanan_sukarela,
nik, catatan (notes). Only the number and the name are required. Yes/no cells take ya/tidak,
yes/no, 1/0 or x. Amounts may be written Rp1.250.000.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from costing.errors import CostingError
from costing.workbook import parse_number
from gis.messages import N_, Message

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


@dataclass(frozen=True)
class RowProblem:
    row: int | None
    column: str | None
    message: Message


class MemberFileError(Exception):
    def __init__(self, message: Message) -> None:
        super().__init__(message.render())
        self.message = message


def _norm(text: Any) -> str:
    return re.sub(r"[^a-z0-9]+", "_", str(text or "").strip().lower()).strip("_")


def _rows(path: Path, filename: str) -> list[list[Any]]:
    raw = path.read_bytes()
    if not raw.strip():
        raise MemberFileError(Message("members.empty", N_("{file} is empty."), {"file": filename}))
    if raw[:4] == b"PK\x03\x04":
        import openpyxl

        try:
            wb = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
        except Exception:  # openpyxl raises many kinds for a damaged file; all mean the same to a user
            raise MemberFileError(Message("members.not_spreadsheet", N_(
                "{file} is not a spreadsheet that can be read: save it as .xlsx or .csv."),
                {"file": filename})) from None
        return [list(r) for r in wb.worksheets[0].iter_rows(values_only=True)]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise MemberFileError(Message("members.not_utf8", N_(
            "{file} is not a UTF-8 text or .xlsx file: save it again as CSV UTF-8 or .xlsx."),
            {"file": filename})) from None
    delimiter = max((";", ",", "\t"), key=lambda d: text.splitlines()[0].count(d))
    return [row for row in csv.reader(io.StringIO(text), delimiter=delimiter)]


def _yes_no(value: Any) -> bool | None:
    text = str(value if value is not None else "").strip().lower()
    if text in YES:
        return True
    if text in NO:
        return False
    return None


def _date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value or "").strip()
    if not text:
        return None
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(text)


def read_members(path: str | Path, filename: str | None = None) -> tuple[list[dict[str, Any]], list[RowProblem]]:
    path = Path(path)
    filename = filename or path.name
    rows = _rows(path, filename)
    header_at = next((i for i, row in enumerate(rows[:10]) if any(row)), None)
    if header_at is None:
        raise MemberFileError(Message("members.empty", N_("{file} is empty."), {"file": filename}))
    header = rows[header_at]
    lookup = {alias: key for key, aliases in COLUMNS.items() for alias in aliases}
    columns: dict[str, int] = {}
    for index, title in enumerate(header):
        key = lookup.get(_norm(title))
        if key and key not in columns:
            columns[key] = index
    missing = [COLUMNS[k][0] for k in REQUIRED if k not in columns]
    if missing:
        raise MemberFileError(Message("members.columns_missing", N_(
            "{file} has no column {columns}. The first row must name the columns, e.g. nomor_anggota, nama."),
            {"file": filename, "columns": ", ".join(missing)}))
    if len(rows) - header_at - 1 > MAX_ROWS:
        raise MemberFileError(Message("members.too_many_rows", N_("{file} has more than {n} rows."),
                                      {"file": filename, "n": MAX_ROWS}))
    titles = {key: str(header[i]) for key, i in columns.items()}
    members: list[dict[str, Any]] = []
    problems: list[RowProblem] = []
    seen: dict[str, int] = {}
    for offset, row in enumerate(rows[header_at + 1:], start=header_at + 2):
        if not any(str(v).strip() for v in row if v is not None):
            continue
        raw = {key: row[i] if i < len(row) else None for key, i in columns.items()}
        member, found = check_member(raw, row=offset, titles=titles, seen=seen)
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
        out["joined_on"] = _date(raw.get("joined_on"))
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
