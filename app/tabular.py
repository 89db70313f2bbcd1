"""A table from a .csv or .xlsx file whose columns are found by their headers: the reading that the
member list and payment imports share.

The first non-blank row among the first ten names the columns; a header matches one of a column's
aliases with case, spaces and punctuation ignored ("Nomor Anggota" is nomor_anggota). Columns the
caller does not know are ignored. Row numbers are the spreadsheet's own (the header's row is 1 when
it is on top), so a message can point at the row the user sees. Only the first sheet of a workbook
is read; a CSV's delimiter (`;`, `,` or tab) is the one its first line uses most.
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

from kernel.errors import UserError
from kernel.messages import N_, Message


class TableFileError(UserError):
    """The file as a whole cannot be read as a table; `message` says why, for the user."""

    def __init__(self, message: Message) -> None:
        super().__init__(message)


@dataclass(frozen=True)
class RowProblem:
    row: int | None  # the spreadsheet's row number; None for the file as a whole
    column: str | None  # the column's header as the file writes it
    message: Message


@dataclass(frozen=True)
class Table:
    columns: dict[str, int]  # column key -> position in the row
    titles: dict[str, str]  # column key -> its header as the file writes it
    rows: list[tuple[int, dict[str, Any]]]  # (spreadsheet row, {column key: cell value}), blank rows left out

    def missing(self, required: tuple[str, ...], aliases: Mapping[str, tuple[str, ...]]) -> list[str]:
        """The required columns the file lacks, by their first (Indonesian) header."""
        return [aliases[key][0] for key in required if key not in self.columns]


def normalise_header(text: Any) -> str:
    return re.sub(r"[^a-z0-9]+", "_", str(text or "").strip().lower()).strip("_")


def raw_rows(path: Path, filename: str) -> list[list[Any]]:
    """Every row of the file's first sheet, as cell values (text for a CSV)."""
    raw = path.read_bytes()
    if not raw.strip():
        raise TableFileError(Message("table.empty", N_("{file} is empty."), {"file": filename}))
    if raw[:4] == b"PK\x03\x04":
        import openpyxl

        try:
            wb = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
        except Exception:  # openpyxl raises many kinds for a damaged file; all mean the same to a user
            raise TableFileError(Message("table.not_spreadsheet", N_(
                "{file} is not a spreadsheet that can be read: save it as .xlsx or .csv."),
                {"file": filename})) from None
        return [list(r) for r in wb.worksheets[0].iter_rows(values_only=True)]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise TableFileError(Message("table.not_utf8", N_(
            "{file} is not a UTF-8 text or .xlsx file: save it again as CSV UTF-8 or .xlsx."),
            {"file": filename})) from None
    delimiter = max((";", ",", "\t"), key=lambda d: text.splitlines()[0].count(d))
    return [row for row in csv.reader(io.StringIO(text), delimiter=delimiter)]


def read_table(path: str | Path, filename: str | None, aliases: Mapping[str, tuple[str, ...]], *,
               max_rows: int) -> Table:
    """The file's rows by column key (`aliases`: key -> accepted headers). The caller decides which
    columns are required (`Table.missing`) and what a table without rows means."""
    path = Path(path)
    filename = filename or path.name
    rows = raw_rows(path, filename)
    header_at = next((i for i, row in enumerate(rows[:10]) if any(row)), None)
    if header_at is None:
        raise TableFileError(Message("table.empty", N_("{file} is empty."), {"file": filename}))
    header = rows[header_at]
    lookup = {alias: key for key, names in aliases.items() for alias in names}
    columns: dict[str, int] = {}
    for index, title in enumerate(header):
        key = lookup.get(normalise_header(title))
        if key and key not in columns:
            columns[key] = index
    if len(rows) - header_at - 1 > max_rows:
        raise TableFileError(Message("table.too_many_rows", N_("{file} has more than {n} rows."),
                                     {"file": filename, "n": max_rows}))
    body = []
    for number, row in enumerate(rows[header_at + 1:], start=header_at + 2):
        if not any(str(v).strip() for v in row if v is not None):
            continue
        body.append((number, {key: row[i] if i < len(row) else None for key, i in columns.items()}))
    return Table(columns, {key: str(header[i]) for key, i in columns.items()}, body)


def cell_text(value: Any) -> str:
    """A cell as the text the user typed: Excel keeps a typed 1001 as the number 1001.0."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value if value is not None else "").strip()


def cell_date(value: Any) -> date | None:
    """A date cell, or text as YYYY-MM-DD, DD/MM/YYYY or DD-MM-YYYY; None when blank.

    Raises ValueError for text that is no such date."""
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
