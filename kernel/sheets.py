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
without BOM) whose delimiter (`,` `;` or tab) is the one its first non-blank line uses most. Formulas count with
the value Excel last computed.

Memory and time
---------------

An upload is read in memory proportional to what is kept of it, never to what it declares or unpacks to: a
workbook's unpacked size (in all and per part) and how much its parts are compressed are checked from the zip's
directory before anything is unpacked (a zip bomb guard), and its XML parts are read as a stream, each element
dropped once used, by the reader here (openpyxl parses the cells; its loader would keep every part's elements, and
a few kilobytes of styles or strings would cost it hundreds of megabytes and many seconds). A sheet's rows and a
CSV file's lines are read one at a time, so a sheet whose dimension declares A1:XFD1048576, or a stray cell in
XFD1048576, costs nothing, and reading stops as soon as there are more non-blank rows than a reader may take
(`max_rows` and the ten rows a header is looked for in). Runs of blank CSV lines are skipped a megabyte at a
time. The readers keep only the columns they know (`Sheet.rows` is an iterator), so a wide sheet costs no more
than a narrow one. `python -m benchmarks import_memory` measures it.

Rows
----

`Rows` are the non-blank rows only: `(spreadsheet row, {column number: value})`, numbered as the user sees them
(1-based, blank rows counted), text cells of spaces left out. An Excel error shown in a cell ("#N/A") is a
`CellError`, a `str`, so a reader that does not care sees its text. A sheet (`Sheet`, or `CsvSheet` for a CSV
file) gives them one at a time (`rows()`), and `sheet_rows` as a list.

Refusals
--------

A reader says how its refusals are worded (`Refusals`): its error class (a `UserError`), the prefix of its message
codes, and the msgids it words its own way; the rest take the wording here. So each reader keeps the messages its
users know, and a file is refused for the same reasons whichever reads it.
"""

from __future__ import annotations

import codecs
import csv
import io
import math
import os
import posixpath
import pyexpat
import re
import struct
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

if pyexpat.version_info >= (2, 4, 1):
    # The standard library's C parser: expat from 2.4.1 refuses entity expansion bombs, and ElementTree never
    # fetches external entities (https://docs.python.org/3/library/xml.html#xml-vulnerabilities). defusedxml's
    # parser, written in Python, reads a sheet several times slower.
    from xml.etree.ElementTree import iterparse
else:  # pragma: no cover - an old expat
    from defusedxml.ElementTree import iterparse

from kernel.errors import UserError
from kernel.messages import N_, Message

Row = tuple[int, dict[int, Any]]  # (spreadsheet row, {column number: value})
Rows = list[Row]  # non-blank rows only
HEADER_SEARCH_ROWS = 10  # a header is among a sheet's first ten (non-blank) rows
MB = 1024 * 1024
SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")
# A zip bomb's parts unpack to hundreds or thousands of times their size; a spreadsheet's XML to 5-20 times (17 for
# 50,000 rows of zeros or of empty formatted cells, as openpyxl writes them). Parts under a megabyte are not looked
# at: a small part may compress well and still costs little.
MAX_RATIO = 100
RATIO_FLOOR = MB
# Bounds on what a workbook's XML may hold, each at or far above what Excel writes (1,048,576 rows, 16,384 columns,
# 64,000 cell formats): past them a part is built to exhaust the reader, and is refused as damaged.
LAST_COLUMN = 16_384  # XFD
LAST_ROW = 1_048_576  # and no more rows than that, blank or not
MAX_DEPTH = 64  # elements nested
MAX_PARTS = 200_000  # elements in one row or one string: a full row with a formula in every cell is 50,000
MAX_SHEETS = 1_000
MAX_FORMATS = 100_000  # cell formats and number formats
MAX_MERGED = 20_000  # merged ranges kept of a sheet (see `Sheet.merged`); the rest are not seen
MAX_ZIP_ENTRIES = 10_000  # parts in a workbook's zip; Excel writes a few dozen
CSV_CHUNK = MB  # characters of a CSV file read at a time
CSV_MAX_LINE = MB  # characters on one line of a CSV file; a table's row is a few hundred
UTF8_BOM = codecs.BOM_UTF8

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
    "compressed": ("compressed", N_(
        "“{file}” unpacks to {ratio} times its size, far more than any spreadsheet does, and was not opened. Open "
        "it in Excel, save it again and upload that.")),
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
    """An opened file: a workbook's sheets, or a CSV file as its one sheet. Closed by `close` (or `with`)."""

    name: str  # the user's name for the file, without folders
    refusals: Refusals
    workbook: Workbook | None = None  # None for a CSV file
    csv: CsvSheet | None = None

    @property
    def sheets(self) -> list[Sheet | CsvSheet]:
        """A workbook's worksheets in order (chart sheets left out), or the CSV file."""
        if self.workbook is not None:
            return list(self.workbook.worksheets)
        return [self.csv] if self.csv is not None else []

    def first_sheet(self) -> Sheet | CsvSheet:
        sheets = self.sheets
        if not sheets:
            raise self.refusals("damaged", file=self.name, reason="it has no worksheet")
        return sheets[0]

    def close(self) -> None:
        if self.workbook is not None:
            self.workbook.close()

    def __enter__(self) -> Book:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def display_name(path: Path, filename: str | None) -> str:
    return PurePosixPath((filename or path.name).replace("\\", "/")).name


def open_book(path: str | os.PathLike, filename: str | None, *, max_rows: int, refusals: Refusals) -> Book:
    """The file opened, or refused as a whole (`refusals`). Its sheets' rows are read when asked for (`rows()`),
    and refused there past `max_rows` non-blank rows (and the ten a header is looked for in)."""
    path = Path(path)
    name = display_name(path, filename)
    if path.stat().st_size == 0:
        raise refusals("empty", file=name)
    with open(path, "rb") as fh:
        head = fh.read(4096)
    if head.startswith(b"PK\x03\x04"):
        return Book(name, refusals, workbook=Workbook.open(path, name, max_rows, refusals))
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
    return Book(name, refusals, csv=CsvSheet.open(path, name, max_rows, refusals))


def first_sheet(path: str | os.PathLike, filename: str | None, *, max_rows: int,
                refusals: Refusals) -> tuple[str, Rows]:
    """The file's name and the rows of its only table: a CSV file's, or a workbook's first sheet's."""
    with open_book(path, filename, max_rows=max_rows, refusals=refusals) as book:
        return book.name, sheet_rows(book.first_sheet())


def sheet_rows(ws: Any) -> Rows:
    """The non-blank rows of a sheet: one of ours read to its end, or a sheet openpyxl loaded whole, walked by the
    cells the file holds (not the rectangle up to the farthest cell, which a single stray cell in XFD1048576 would
    make enormous)."""
    if isinstance(ws, Sheet | CsvSheet):
        return list(ws.rows())
    by_row: dict[int, dict[int, Any]] = {}
    for cell in ws._cells.values():  # openpyxl's cell store of a loaded sheet, stable since 2.x
        value = _value(cell.value, cell.data_type)
        if value is not None:
            by_row.setdefault(cell.row, {})[cell.column] = value
    return sorted((row, dict(sorted(values.items()))) for row, values in by_row.items())


def _value(value: Any, data_type: str) -> Any:
    """A cell's value as rows hold it; None for a blank one."""
    if isinstance(value, str):
        if data_type == "e":
            return CellError(value)
        if not value.strip():
            return None
    return value


def _too_many_rows(refusals: Refusals, name: str, sheet: str, max_rows: int) -> UserError:
    return refusals("too_many_rows", file=name, sheet=sheet, max=max_rows, n=max_rows)


def _damaged(refusals: Refusals, name: str, exc: BaseException) -> UserError:
    return refusals("damaged", file=name, reason=(f"{type(exc).__name__}: {exc}" if str(exc) else
                                                  type(exc).__name__)[:200])


# --- workbooks ----------------------------------------------------------------------------------------------------

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_PACKAGE_RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_R_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_ROW, _MERGE_CELL, _SHEET, _WORKBOOK_PR = (f"{_MAIN}{tag}" for tag in ("row", "mergeCell", "sheet", "workbookPr"))
_SI, _NUM_FMT, _XF, _CELL_XFS = (f"{_MAIN}{tag}" for tag in ("si", "numFmt", "xf", "cellXfs"))
_RELATIONSHIP = f"{_PACKAGE_RELS}Relationship"


def _unzipped_limit(max_rows: int) -> int:
    """Unpacked bytes worth reading: a generous 2 KB of XML per row, never below 16 MB (a zip bomb guard)."""
    return max(16 * MB, max_rows * 2000)


def _elements(source: Any, wanted: tuple[str, ...]) -> Iterator[tuple[Any, Any]]:
    """(element, its parent) for each element of an XML part named in `wanted`, whole, in document order.

    The part is streamed: every element is dropped as soon as it has been handed over, or has ended outside a
    wanted one, so memory stays bounded by MAX_DEPTH and MAX_PARTS whatever the part's size."""
    stack: list[Any] = []
    opened_at: int | None = None  # depth of the wanted element being read
    parts = 0  # elements in it
    for event, element in iterparse(source, events=("start", "end")):
        if event == "start":
            if len(stack) == MAX_DEPTH:
                raise ValueError(f"XML nested more than {MAX_DEPTH} deep")
            if opened_at is not None:
                parts += 1
                if parts > MAX_PARTS:
                    raise ValueError(f"an XML element of more than {MAX_PARTS:,} parts")
            elif element.tag in wanted:
                opened_at, parts = len(stack), 1
            stack.append(element)
            continue
        stack.pop()
        if opened_at is not None:
            if len(stack) > opened_at:
                continue  # inside the wanted element: kept until it ends
            opened_at = None
            yield element, stack[-1] if stack else None
        if stack:
            del stack[-1][:]  # its parent's children have all ended: none is needed again


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _text(element: Any, shared: bool = True) -> str:
    """A string's text as openpyxl reads it: its plain text, then its rich-text runs' (phonetic runs left out);
    openpyxl drops "x005F_" from a shared string (Excel's escape of an underscore)."""
    plain, runs = None, []
    for child in element:
        tag = _local(child.tag)
        if tag == "t":
            plain = child.text
        elif tag == "r":
            run = None
            for part in child:
                if _local(part.tag) == "t":
                    run = part.text
            if run is not None:
                runs.append(run)
    text = (plain or "") + "".join(runs)
    return text.replace("x005F_", "") if shared else text


def _target(base: str, target: str) -> str:
    """A relationship's target as a name in the zip."""
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(base), target))


def _central_directory(path: Path) -> tuple[int, int]:
    """(parts, bytes) of a zip's central directory, from its end record; (0, 0) if there is none (zipfile then
    says the file is damaged). A ZIP64 file's are 0xFFFF and 0xFFFFFFFF: refused, no spreadsheet needs one."""
    with open(path, "rb") as fh:
        size = fh.seek(0, os.SEEK_END)
        fh.seek(max(0, size - 22 - 65_535))  # the end record, then a comment of at most 64 KB
        tail = fh.read()
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < 22:
        return 0, 0
    _signature, _disk, _first, _here, entries, directory, _offset, _comment = struct.unpack(
        "<4s4H2LH", tail[at:at + 22])
    return entries, directory


class Workbook:
    """An .xlsx/.xlsm workbook: its worksheets, each read as a stream when its rows are asked for.

    openpyxl parses the cells (their types, dates by their number formats, shared strings, errors); the workbook's
    parts are read here, streamed (see the module's notes on memory). The zip stays open until `close`."""

    def __init__(self, archive: zipfile.ZipFile, name: str, max_rows: int, refusals: Refusals) -> None:
        self.archive, self.name, self.max_rows, self.refusals = archive, name, max_rows, refusals
        self.worksheets: list[Sheet] = []
        self.shared_strings: list[str] = []
        self.date_styles: set[int] = set()
        self.timedelta_styles: set[int] = set()
        self.epoch: Any = None

    @classmethod
    def open(cls, path: Path, name: str, max_rows: int, refusals: Refusals) -> Workbook:
        entries, directory = _central_directory(path)
        if entries > MAX_ZIP_ENTRIES or directory > MAX_ZIP_ENTRIES * 1024:
            # zipfile would hold a few hundred bytes for each, before any size could be checked
            raise refusals("damaged", file=name, reason=f"a zip of more than {MAX_ZIP_ENTRIES:,} parts")
        try:
            archive = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError, EOFError, KeyError) as exc:
            raise refusals("damaged", file=name, reason=(str(exc) or type(exc).__name__)[:200]) from None
        try:
            cls._check(archive, name, max_rows, refusals)
            book = cls(archive, name, max_rows, refusals)
            book._read()
            return book
        except UserError:
            archive.close()
            raise
        except Exception as exc:  # noqa: BLE001 - a broken zip or XML raises many kinds
            archive.close()
            raise _damaged(refusals, name, exc) from None

    @staticmethod
    def _check(archive: zipfile.ZipFile, name: str, max_rows: int, refusals: Refusals) -> None:
        """Refused by its zip directory, before anything is unpacked (zipfile never reads past these sizes)."""
        infos = archive.infolist()
        names = {info.filename for info in infos}
        if "xl/workbook.bin" in names:
            raise refusals("unsupported_format", file=name, format="Excel binary (.xlsb)")
        if "mimetype" in names:
            with archive.open("mimetype") as mimetype:
                if b"opendocument" in mimetype.read(100):
                    raise refusals("unsupported_format", file=name, format="OpenDocument (.ods)")
        if "xl/workbook.xml" not in names:
            raise refusals("not_spreadsheet", file=name)
        limit = _unzipped_limit(max_rows)
        unpacked = sum(info.file_size for info in infos)
        if unpacked > limit:
            raise refusals("too_large", file=name, size=math.ceil(unpacked / MB), max=limit // MB)
        for info in infos:
            if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * info.compress_size:
                raise refusals("compressed", file=name, ratio=info.file_size // max(info.compress_size, 1))
            # The shared strings are the one part kept whole (about three times its XML at worst): half the limit.
            if info.filename.endswith("sharedStrings.xml") and info.file_size > limit // 2:
                raise refusals("too_large", file=name, size=math.ceil(info.file_size / MB), max=limit // 2 // MB)

    def _part(self, member: str) -> Any:
        return self.archive.open(member)

    def _read(self) -> None:
        from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format, is_timedelta_format
        from openpyxl.utils.datetime import CALENDAR_MAC_1904, WINDOWS_EPOCH

        names = set(self.archive.namelist())
        sheets: list[tuple[str, str]] = []  # (title, relationship id)
        self.epoch = WINDOWS_EPOCH
        with self._part("xl/workbook.xml") as source:
            for element, _parent in _elements(source, (_SHEET, _WORKBOOK_PR)):
                if element.tag == _WORKBOOK_PR:
                    if (element.get("date1904") or "").strip().lower() in ("1", "true"):
                        self.epoch = CALENDAR_MAC_1904
                elif len(sheets) == MAX_SHEETS:
                    raise ValueError(f"more than {MAX_SHEETS:,} sheets")
                else:
                    sheets.append((element.get("name") or "", element.get(_R_ID) or ""))
        wanted = {rid for _title, rid in sheets}
        targets: dict[str, tuple[str, str]] = {}  # relationship id -> (type, member)
        strings, styles = "xl/sharedStrings.xml", "xl/styles.xml"
        if "xl/_rels/workbook.xml.rels" in names:
            with self._part("xl/_rels/workbook.xml.rels") as source:
                for element, _parent in _elements(source, (_RELATIONSHIP,)):
                    kind, member = element.get("Type") or "", _target("xl/workbook.xml", element.get("Target") or "")
                    if kind.endswith("/sharedStrings"):
                        strings = member
                    elif kind.endswith("/styles"):
                        styles = member
                    elif element.get("Id") in wanted:
                        targets[element.get("Id") or ""] = (kind, member)
        if styles in names:
            custom: dict[int, str | None] = {}
            index = 0
            with self._part(styles) as source:
                for seen, (element, parent) in enumerate(_elements(source, (_NUM_FMT, _XF))):
                    if seen == MAX_FORMATS:
                        raise ValueError(f"more than {MAX_FORMATS:,} cell formats")
                    if element.tag == _NUM_FMT:
                        custom[int(element.get("numFmtId") or 0)] = element.get("formatCode")
                    elif parent is not None and parent.tag == _CELL_XFS:
                        # As openpyxl does: the cells of a date format are read as dates.
                        number = int(element.get("numFmtId") or 0)
                        code = custom[number] if number in custom else BUILTIN_FORMATS.get(number)
                        if is_date_format(code):
                            self.date_styles.add(index)
                        if is_timedelta_format(code):
                            self.timedelta_styles.add(index)
                        index += 1
        if strings in names:
            with self._part(strings) as source:
                self.shared_strings = [_text(element) for element, _parent in _elements(source, (_SI,))]
        for title, rid in sheets:
            kind, member = targets.get(rid, ("", ""))
            if member in names and not kind.endswith("/chartsheet"):
                self.worksheets.append(Sheet(self, title, member))

    def close(self) -> None:
        self.archive.close()


class Sheet:
    """A worksheet: its non-blank rows (`rows()`) and, once they have been read, its merged ranges (`merged`,
    openpyxl's CellRange; the file lists them after the cells)."""

    def __init__(self, book: Workbook, title: str, member: str) -> None:
        self.book, self.title, self.member = book, title, member
        self.merged: list[Any] = []

    def rows(self) -> Iterator[Row]:
        book = self.book
        try:
            yield from self._rows()
        except UserError:
            raise
        except Exception as exc:  # noqa: BLE001 - broken XML or a cell openpyxl cannot parse
            raise _damaged(book.refusals, book.name, exc) from None

    def _rows(self) -> Iterator[Row]:
        from openpyxl.worksheet._reader import WorkSheetParser
        from openpyxl.worksheet.cell_range import CellRange

        book = self.book
        self.merged = []
        count = rows_seen = 0  # non-blank rows; row elements
        with book._part(self.member) as source:
            parser = WorkSheetParser(source, book.shared_strings, data_only=True, epoch=book.epoch,
                                     date_formats=book.date_styles, timedelta_formats=book.timedelta_styles)
            for element, _parent in _elements(source, (_ROW, _MERGE_CELL)):
                if element.tag == _MERGE_CELL:
                    if len(self.merged) < MAX_MERGED:
                        self.merged.append(CellRange(element.get("ref")))
                    continue
                _start_row(parser, element)
                rows_seen += 1
                if parser.row_counter > LAST_ROW or rows_seen > LAST_ROW:
                    raise ValueError(f"more rows than Excel's {LAST_ROW:,}")
                by_row: dict[int, dict[int, Any]] = {}
                for child in element:
                    if child.get("t") == "inlineStr":  # as parse_cell reads it, without its slow rich-text objects
                        row, column = _inline_cell_at(parser, child)
                        strings = [part for part in child if _local(part.tag) == "is"]
                        value = _value(_text(strings[0], shared=False), "s") if strings else None
                    else:
                        cell = parser.parse_cell(child)
                        row, column = cell["row"], cell["column"]
                        value = _value(cell["value"], cell["data_type"])
                    if column > LAST_COLUMN:
                        raise ValueError(f"a cell beyond column XFD in row {row}")
                    if value is not None:
                        by_row.setdefault(row, {})[column] = value
                for number in sorted(by_row):
                    count += 1
                    if count > book.max_rows + HEADER_SEARCH_ROWS:
                        raise _too_many_rows(book.refusals, book.name, self.title, book.max_rows)
                    yield number, dict(sorted(by_row[number].items()))


def _inline_cell_at(parser: Any, element: Any) -> tuple[int, int]:
    """(row, column) of a cell, as `WorkSheetParser.parse_cell` finds them."""
    from openpyxl.utils.cell import coordinate_to_tuple

    coordinate = element.get("r")
    if coordinate:
        row, column = coordinate_to_tuple(coordinate)
        parser.col_counter = column
        return row, column
    parser.col_counter += 1
    return parser.row_counter, parser.col_counter


def _start_row(parser: Any, element: Any) -> None:
    """The row's number as openpyxl's parser takes it (`WorkSheetParser.parse_row`, without the row heights it
    would keep for every row)."""
    number = element.get("r")
    if number is None:
        parser.row_counter += 1
    else:
        try:
            parser.row_counter = int(number)
        except ValueError:
            value = float(number)
            if not value.is_integer():
                raise ValueError(f"{number} is not a valid row number") from None
            parser.row_counter = int(value)
    parser.col_counter = 0


# --- CSV files ----------------------------------------------------------------------------------------------------

class CsvSheet:
    """A CSV file as a sheet: checked whole when opened (UTF-8, not empty, not markup, its delimiter), its rows
    read as they are asked for."""

    merged: tuple[Any, ...] = ()  # a CSV file merges no cells

    def __init__(self, path: Path, name: str, max_rows: int, refusals: Refusals, delimiter: str) -> None:
        self.path, self.title, self.max_rows, self.refusals, self.delimiter = path, name, max_rows, refusals, delimiter

    @classmethod
    def open(cls, path: Path, name: str, max_rows: int, refusals: Refusals) -> CsvSheet:
        return cls(path, name, max_rows, refusals, _sniff_csv(path, name, refusals))

    def rows(self) -> Iterator[Row]:
        name, refusals = self.title, self.refusals
        with open(self.path, "rb") as raw, io.TextIOWrapper(raw, encoding="utf-8-sig", newline="") as text:
            lines = _CsvLines(text, self.delimiter)
            reader = csv.reader(lines, delimiter=self.delimiter)
            number = count = 0
            try:
                for record in reader:
                    number += lines.skipped + 1  # blank lines skipped before it were a record each
                    lines.skipped, lines.at_record = 0, True
                    values = {k: cell for k, cell in enumerate(record, start=1) if cell.strip()}
                    if values:
                        count += 1
                        if count > self.max_rows + HEADER_SEARCH_ROWS:
                            raise _too_many_rows(refusals, name, name, self.max_rows)
                        yield number, values
            except csv.Error as exc:
                # csv counts a line once it has it; a line refused before it got it is the next one
                row = lines.skipped_lines + reader.line_num + isinstance(exc, _LineTooLong)
                raise refusals("csv_syntax", file=name, row=row, reason=str(exc)[:200]) from None


def _sniff_csv(path: Path, name: str, refusals: Refusals) -> str:
    """The delimiter its first non-blank line uses most, the file read once as UTF-8 (never whole in memory)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    position = 0  # bytes decoded, after the byte-order mark: where the old whole-file decoding counted from
    counts = {",": 0, ";": 0, "\t": 0}
    started = ended = False  # the first non-blank line found; its end found
    first = ""
    with open(path, "rb") as fh:
        if fh.read(len(UTF8_BOM)) != UTF8_BOM:
            fh.seek(0)
        while True:
            chunk = fh.read(CSV_CHUNK)
            pending = len(decoder.getstate()[0])
            try:
                text = decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as exc:
                raise refusals("not_utf8", file=name, position=position - pending + exc.start) from None
            position += len(chunk)
            if not started:
                text = text.lstrip()
                if text:
                    started, first = True, text[:1]
            if started and not ended:
                line, newline, _rest = text.partition("\n")
                for delimiter in counts:
                    counts[delimiter] += line.count(delimiter)
                ended = bool(newline)
            if not chunk:
                break
    if not started:
        raise refusals("empty", file=name)
    if first in ("<", "{", "["):  # HTML, XML or JSON
        raise refusals("not_spreadsheet", file=name)
    return max(counts, key=counts.__getitem__)  # the first of the most used, as before


class _LineTooLong(csv.Error):
    pass


class _CsvLines:
    """A CSV file's lines for `csv.reader`, with the runs of blank lines between records skipped a chunk at a time
    (csv would take a second for every million), counted so that rows keep their numbers; a line longer than
    CSV_MAX_LINE is refused (csv would hold all of it, and a list of its fields)."""

    _ENDING = re.compile(r"\r\n|\r|\n")

    def __init__(self, text: io.TextIOWrapper, delimiter: str) -> None:
        self.text = text
        # Lines of spaces, tabs and delimiters only are a blank record each (what else is blank, csv sees and skips):
        # a run of these characters, up to its last line ending. Possessive, so that the regex keeps no state.
        self.blank = re.compile(rf"[ \t\r\n{re.escape(delimiter)}]*+")
        self.buffer, self.at, self.eof = "", 0, False
        self.at_record = True  # csv.reader is between records: set by the reader's loop
        self.skipped = 0  # blank lines skipped since the last record
        self.skipped_lines = 0  # in all, so that csv's line numbers can be told as the file's

    def __iter__(self) -> _CsvLines:
        return self

    def _fill(self) -> bool:
        """More text in the buffer; False at the end of the file."""
        if self.eof:
            return False
        chunk = self.text.read(CSV_CHUNK)
        self.buffer, self.at = self.buffer[self.at:] + chunk, 0
        self.eof = not chunk
        return bool(chunk)

    def _blank_run_end(self) -> int:
        buffer, at = self.buffer, self.at
        run = self.blank.match(buffer, at).end()
        end = max(buffer.rfind("\n", at, run), buffer.rfind("\r", at, run)) + 1  # after its last line ending
        if end == len(buffer) and not self.eof and buffer.endswith("\r"):
            end -= 1  # perhaps the first half of a "\r\n": decided with more text
        return max(end, at)

    def __next__(self) -> str:
        while True:
            if self.at_record and (end := self._blank_run_end()) > self.at:
                buffer, at = self.buffer, self.at
                lines = buffer.count("\n", at, end) + buffer.count("\r", at, end) - buffer.count("\r\n", at, end)
                self.skipped += lines
                self.skipped_lines += lines
                self.at = end
                continue
            ending = self._ENDING.search(self.buffer, self.at)
            if ending and (ending.end() < len(self.buffer) or self.eof):
                line, self.at = self.buffer[self.at:ending.end()], ending.end()
            elif len(self.buffer) - self.at > CSV_MAX_LINE:
                raise _LineTooLong(f"a line longer than {CSV_MAX_LINE:,} characters")
            elif self._fill():
                continue
            elif self.at < len(self.buffer):
                line, self.at = self.buffer[self.at:], len(self.buffer)
            else:
                raise StopIteration
            if len(line) > CSV_MAX_LINE:
                raise _LineTooLong(f"a line longer than {CSV_MAX_LINE:,} characters")
            self.at_record = False
            return line
