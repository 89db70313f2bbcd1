"""The one spreadsheet reader: an uploaded .xlsx workbook or CSV file opened, refused as a whole when it cannot be
read, and its sheets' non-blank rows by the spreadsheet's own row and column numbers.

Both table readers stand on it: `app.tabular` (member lists, payments, costs, the schedule: the first sheet, its
columns found by their headers) and `costing.workbook` (price libraries and RABs: sheets found by name, merged
cells seen). What a sheet means (which row is its header, which columns it needs, how many rows it may have) is
theirs; opening the file is here, once.

Opening
-------

The content decides, not the name: a zip is an Excel workbook (.xlsx/.xlsm; .xlsb and OpenDocument are named and
refused), an OLE file is Excel 97-2003 or a password-protected workbook (refused, saying which), text with a
UTF-16 byte-order mark or other binary content is refused, and anything else is a CSV file in UTF-8 (with or
without BOM) whose delimiter (`,` `;` or tab) is the one its first non-blank line uses most. A workbook's unpacked
size is checked before it is loaded (a zip bomb guard). Formulas count with the value Excel last computed.

Rows
----

`Rows` are the non-blank rows only: `(spreadsheet row, {column number: value})`, numbered as the user sees them
(1-based, blank rows counted), text cells of spaces left out. An Excel error shown in a cell ("#N/A") is a
`CellError`, a `str`, so a reader that does not care sees its text.

Refusals
--------

A reader says how its refusals are worded (`Refusals`): its error class (a `UserError`), the prefix of its message
codes, and the msgids it words its own way; the rest take the wording here. So each reader keeps the messages its
users know, and a file is refused for the same reasons whichever reads it.
"""

from __future__ import annotations

import csv
import io
import math
import os
import warnings
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from kernel.errors import UserError
from kernel.messages import N_, Message

Rows = list[tuple[int, dict[int, Any]]]  # (spreadsheet row, {column number: value}), non-blank rows only
HEADER_SEARCH_ROWS = 10  # a header is among a sheet's first ten (non-blank) rows
MB = 1024 * 1024
SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")

# Why a file is refused as a whole -> (the code's last part, the msgid unless a reader words it its own way).
REASONS: dict[str, tuple[str, str]] = {
    "empty": ("empty", N_("“{file}” is empty.")),
    "binary": ("not_spreadsheet", N_("“{file}” is not a spreadsheet. Upload an Excel workbook (.xlsx) or a CSV file.")),
    "not_spreadsheet": ("not_spreadsheet", N_(
        "“{file}” is not a spreadsheet. Upload an Excel workbook (.xlsx) or a CSV file.")),
    "unsupported_format": ("unsupported_format", N_(
        "“{file}” is {format}, which this app cannot read. Save it as an Excel workbook (.xlsx) and upload that.")),
    "password_protected": ("password_protected", N_(
        "“{file}” is protected with a password. Save a copy without the password and upload that.")),
    "damaged": ("damaged", N_(
        "“{file}” could not be read as an Excel workbook ({reason}). Open it in Excel, save it again and upload "
        "that.")),
    "too_large": ("too_large", N_(
        "“{file}” holds {size} MB of data when unpacked; at most {max} MB can be read. Split it into smaller "
        "files.")),
    "not_utf8": ("not_utf8", N_("“{file}” is not UTF-8 text (at byte {position}). In Excel, save it as “CSV UTF-8”.")),
    "csv_syntax": ("csv_syntax", N_("“{file}” could not be read at row {row} ({reason}). Export it again as CSV.")),
    "too_many_rows": ("too_many_rows", N_("{sheet} has more than {max} rows; split it into smaller files.")),
}


@dataclass(frozen=True)
class Refusals:
    """How one reader words the refusal of a whole file: raised as `error`, coded `<prefix>.<reason>`."""

    error: type[UserError]
    prefix: str
    msgids: Mapping[str, str] = field(default_factory=dict)  # reason -> msgid, where the reader words it its way

    def __call__(self, reason: str, /, **fields: Any) -> UserError:
        code, msgid = REASONS[reason]
        return self.error(Message(f"{self.prefix}.{code}", self.msgids.get(reason, msgid), fields))


class CellError(str):
    """An Excel error value shown in a cell ("#N/A", "#DIV/0!")."""

    __slots__ = ()


@dataclass
class Book:
    """An opened file: a workbook's sheets, or a CSV file's rows."""

    name: str  # the user's name for the file, without folders
    workbook: Any = None  # an openpyxl Workbook, or None for a CSV file
    csv_rows: Rows | None = None


def display_name(path: Path, filename: str | None) -> str:
    return PurePosixPath((filename or path.name).replace("\\", "/")).name


def open_book(path: str | os.PathLike, filename: str | None, *, max_rows: int, refusals: Refusals,
              read_only: bool = False) -> Book:
    """The file opened, or refused as a whole (`refusals`). `read_only` streams a workbook's cells (fast and
    small for a long sheet; merged cells are then not seen, and the caller closes the workbook)."""
    path = Path(path)
    name = display_name(path, filename)
    if path.stat().st_size == 0:
        raise refusals("empty", file=name)
    with open(path, "rb") as fh:
        head = fh.read(4096)
    if head.startswith(b"PK\x03\x04"):
        return Book(name, workbook=_open_xlsx(path, name, max_rows, refusals, read_only))
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):  # an OLE compound file
        data = path.read_bytes()
        if "EncryptionInfo".encode("utf-16-le") in data or "EncryptedPackage".encode("utf-16-le") in data:
            raise refusals("password_protected", file=name)
        raise refusals("unsupported_format", file=name, format="Excel 97-2003 (.xls)")
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 text, as Excel's "Unicode text" saves it
        raise refusals("not_utf8", file=name, position=0)
    if b"\x00" in head:
        raise refusals("binary", file=name)
    if PurePosixPath(name).suffix.lower() in SPREADSHEET_SUFFIXES:
        raise refusals("not_spreadsheet", file=name)
    return Book(name, csv_rows=_read_csv(path, name, max_rows, refusals))


def first_sheet(path: str | os.PathLike, filename: str | None, *, max_rows: int,
                refusals: Refusals) -> tuple[str, Rows]:
    """The file's name and the rows of its only table: a CSV file's, or a workbook's first sheet's."""
    book = open_book(path, filename, max_rows=max_rows, refusals=refusals, read_only=True)
    if book.workbook is None:
        return book.name, book.csv_rows or []
    try:
        return book.name, sheet_rows(book.workbook.worksheets[0])
    except UserError:
        raise
    except Exception as exc:  # noqa: BLE001 - a streamed workbook meets its broken XML only now
        raise refusals("damaged", file=book.name, reason=f"{type(exc).__name__}: {exc}"[:200]) from None
    finally:
        book.workbook.close()


def sheet_rows(ws: Any) -> Rows:
    """The non-blank rows of a worksheet. A loaded sheet is walked by the cells the file holds (not the rectangle
    up to the farthest cell, which a single stray cell in XFD1048576 would make enormous); a streamed one cell by
    cell as the file lists them."""
    by_row: dict[int, dict[int, Any]] = {}
    cells = getattr(ws, "_cells", None)  # openpyxl's cell store of a loaded sheet, stable since 2.x
    if cells is None:
        ws.reset_dimensions()  # a streamed sheet would stop where the file's (often wrong) dimension says
    found = cells.values() if cells is not None else (cell for row in ws.iter_rows() for cell in row)
    for cell in found:
        value = cell.value
        if value is None:
            continue
        if isinstance(value, str):
            if cell.data_type == "e":
                value = CellError(value)
            elif not value.strip():
                continue
        by_row.setdefault(cell.row, {})[cell.column] = value
    return sorted((row, dict(sorted(values.items()))) for row, values in by_row.items())


def _unzipped_limit(max_rows: int) -> int:
    """Unpacked bytes worth loading: a generous 2 KB of XML per row, never below 16 MB (a zip bomb guard)."""
    return max(16 * MB, max_rows * 2000)


def _open_xlsx(path: Path, name: str, max_rows: int, refusals: Refusals, read_only: bool) -> Any:
    import openpyxl

    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            names = {info.filename for info in infos}
            if "xl/workbook.bin" in names:
                raise refusals("unsupported_format", file=name, format="Excel binary (.xlsb)")
            if "mimetype" in names and b"opendocument" in archive.read("mimetype")[:100]:
                raise refusals("unsupported_format", file=name, format="OpenDocument (.ods)")
            if "xl/workbook.xml" not in names:
                raise refusals("not_spreadsheet", file=name)
            unpacked = sum(info.file_size for info in infos)  # zipfile never reads past these sizes
    except (zipfile.BadZipFile, OSError, EOFError, KeyError) as exc:
        raise refusals("damaged", file=name, reason=(str(exc) or type(exc).__name__)[:200]) from None
    limit = _unzipped_limit(max_rows)
    if unpacked > limit:
        raise refusals("too_large", file=name, size=math.ceil(unpacked / MB), max=limit // MB)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl's notes on unsupported extensions and styles
            # Bytes, not a name: openpyxl would refuse an upload stored without the .xlsx suffix.
            return openpyxl.load_workbook(io.BytesIO(path.read_bytes()), read_only=read_only, data_only=True,
                                          keep_links=False)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds on a broken file
        raise refusals("damaged", file=name, reason=f"{type(exc).__name__}: {exc}"[:200]) from None


def _read_csv(path: Path, name: str, max_rows: int, refusals: Refusals) -> Rows:
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise refusals("not_utf8", file=name, position=exc.start) from None
    stripped = text.lstrip()
    if not stripped:
        raise refusals("empty", file=name)
    if stripped[:1] in ("<", "{", "["):  # HTML, XML or JSON
        raise refusals("not_spreadsheet", file=name)
    first_line = stripped.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: Rows = []
    try:
        for number, record in enumerate(reader, start=1):
            values = {k: cell for k, cell in enumerate(record, start=1) if cell.strip()}
            if values:
                rows.append((number, values))
                if len(rows) > max_rows + HEADER_SEARCH_ROWS:
                    raise refusals("too_many_rows", file=name, sheet=name, max=max_rows, n=max_rows)
    except csv.Error as exc:
        raise refusals("csv_syntax", file=name, row=reader.line_num, reason=str(exc)[:200]) from None
    return rows
