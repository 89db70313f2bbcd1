"""Spreadsheets in and out: price libraries and RABs for planners who work in Excel.

Pure: openpyxl and the standard library, nothing from `app`. Texts for users are `Message`s.

Reading
=======

`read_price_library` and `read_rab` read an Excel workbook (.xlsx/.xlsm; a formula counts with the
value Excel last computed) or a CSV file (UTF-8, with or without BOM; the delimiter, `,` `;` or tab,
is the one the first line uses most), opened by the one spreadsheet reader, `kernel.sheets`, which
streams a sheet's rows: only the layout's columns are kept, so a wide or long sheet costs no more
memory than its table. What is wrong with the whole file raises `WorkbookError`; what
is wrong with a cell becomes a `RowProblem` naming the sheet, the row as the user sees it and the
column header as written. All problems are found in one pass (at most `MAX_PROBLEMS` are listed).
The data that come back with problems are incomplete: store nothing unless the list is empty.

Headers are matched without regard to case, spaces or punctuation ("Kode Item", "kode_item" and
"KODE-ITEM" are the same); English headers are accepted too. The header row is the first of the
first ten non-blank rows that has two of the expected headers, so title rows above it are fine;
row numbers are always the spreadsheet's own. Merged cells in the header row are refused; merged
cells below it count as blank except in their top-left cell. Columns the layout does not know are
ignored (notes, computed columns), as are other sheets ("Petunjuk").

Price library workbook (`read_price_library`, `write_price_library`, `template_price_library`)
-----------------------------------------------------------------------------------------------

Sheet "Info" (optional): key/value rows, the key in column A, the value in column B. Keys:
`kode` (code), `nama` (name), `wilayah` (region), `tanggal_berlaku` (effective_date: a date cell,
2026-01-31, 31/01/2026 or 31 Januari 2026), `sumber` (source), `ilustratif` (illustrative: ya /
tidak). Other rows (a header "kunci | nilai", notes) are ignored; a key left out is None.

Sheet "Harga" (resources, basic prices), one row per resource:

    kode | nama | satuan | jenis | harga
    (code, name, unit, kind, price)

`jenis`: upah / tenaga -> labour, bahan / material -> material, alat / peralatan -> equipment.
`satuan`: a unit of `costing.ahsp.UNITS` or an alias ("M²", "sak", "buah"), stored canonical.
`harga`: whole rupiah, excluding PPN.

Sheet "AHSP" (unit-price analyses), one row per coefficient:

    kode_item | uraian | satuan | divisi | overhead_pct | kode_sumber_daya | koefisien
    (item_code, name, unit, division, overhead_pct, resource_code, coefficient)

The item columns are filled on the item's first row and may be left blank (or repeated, equal)
on its further rows: a blank `kode_item` carries the item above down. `divisi` is a key of
`costing.rab.DIVISIONS` (or its English label, or "Pekerjaan ..."); `overhead_pct` is 0-30,
10 when blank. A row with neither resource nor coefficient declares an item without resources.
Every `kode_sumber_daya` must be a `kode` of sheet Harga.

A CSV holds one of the two tables (told apart by its headers); the other part comes back empty
and the Info keys None. With an AHSP table alone the resource codes are not checked: the caller
checks them against the library they belong to.

The result (the format the app stores):

    {"code", "name", "region", "effective_date" ("2026-01-31"), "source", "illustrative",
     "resources": [{"code", "name", "unit", "kind", "price": int}],
     "items": [{"code", "name", "unit", "division", "overhead_pct": "10",
                "coefficients": [{"resource", "coefficient": "0.75"}]}]}

Decimal texts are canonical: no exponent, no trailing zeros ("1.65", "10", "0.0175").

RAB workbook (`read_rab`, `template_rab`)
-----------------------------------------

Sheet "RAB" (else the first sheet, or the CSV), one row per line:

    divisi | kode_item | volume | blok | catatan
    (division, item_code, volume, building, note)

`kode_item` may also be headed "kode"/"code", so a RAB written by `write_rab` reads back (its
heading and subtotal rows have neither a code nor a volume and are skipped).

Numbers
=======

A number cell is taken as Excel shows it: a float is read to 15 significant digits (Excel's own
precision), so 180000.0 is 180000 and 0.1 + 0.2 is 0.3. Text (every CSV cell) is read by
`parse_number`:

- spaces, "Rp"/"IDR" in front, ",-" at the end ("Rp 180.000,-") and, for a percentage, "%" at the
  end are dropped; a minus sign makes it negative;
- both "." and "," present: the last one is the decimal mark, the other groups thousands
  ("1.250.000,50" and "1,250,000.50" are 1250000.5);
- one kind of mark, more than once: it groups thousands ("1.250.000" is 1250000);
- one mark, once: a decimal mark ("2,5" and "2.5" are 2.5; "0,275" is 0.275), except when exactly
  three digits follow it and one to three digits other than 0 precede it ("1.250", "12,500"): for
  money (a price column, or text starting with "Rp"), which has no thousandths of a rupiah, that
  is a thousands separator ("180.000" is 180000); for anything else it could be either, so it is
  refused as ambiguous (write 1250 or 1,25);
- grouping must be regular (1-3 digits, then groups of exactly three), else it is not a number.

Prices must be whole rupiah ("180.000,50" is refused), volumes and coefficients zero or more.

Writing
=======

The writers return the bytes of an .xlsx a planner can keep working in: real formulas, `#,##0`
number formats, bold Indonesian headers, a frozen header row and sensible column widths. Text
from users is always written as text, never as a formula.
"""

from __future__ import annotations

import bisect
import contextlib
import io
import math
import os
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from itertools import chain, islice
from typing import Any

import openpyxl
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import from_excel
from openpyxl.worksheet.datavalidation import DataValidation

from costing.ahsp import OVERHEAD_MAX, UNITS, normalise_unit
from costing.errors import CostingError
from costing.rab import DIVISIONS, RabLine, recap
from kernel import limits
from kernel.errors import UserError
from kernel.messages import N_, Message
from kernel.sheets import HEADER_SEARCH_ROWS, Book, CellError, Refusals, Row, Rows, open_book

MAX_PROBLEMS = 200  # listed per file; the last entry says how many more there were

# Lengths the app stores (codes, names); longer text is a row problem, not a database error.
CODE_MAX = 32
RESOURCE_NAME_MAX = 200
ITEM_NAME_MAX = 300
INFO_MAX = {"code": 64, "name": 200, "region": 100, "source": limits.SOURCE}
# A price in whole rupiah: as a form takes it (kernel.limits), so a typed 10^19 is a row problem, not an overflow of
# the database's 64-bit integer.
MONEY_MAX = limits.RUPIAH_MAX

OVERHEAD_DEFAULT = Decimal(10)

# Division names as an Indonesian RAB prints them (headings and the recap).
DIVISION_LABELS_ID: dict[str, str] = {
    "persiapan": "Pekerjaan persiapan",
    "tanah": "Pekerjaan tanah",
    "pondasi": "Pekerjaan pondasi",
    "struktur": "Pekerjaan struktur",
    "arsitektur": "Pekerjaan arsitektur",
    "mep": "Pekerjaan mekanikal, elektrikal dan plambing",
    "finishing": "Pekerjaan finishing",
    "pekerjaan_luar": "Pekerjaan luar",
    "smkk": "Sistem manajemen keselamatan konstruksi (SMKK)",
}

KIND_WORDS = {"labour": "upah", "material": "bahan", "equipment": "alat"}
_KINDS = {
    "upah": "labour", "tenaga": "labour", "tenaga_kerja": "labour", "pekerja": "labour",
    "labour": "labour", "labor": "labour",
    "bahan": "material", "material": "material", "materials": "material",
    "alat": "equipment", "peralatan": "equipment", "sewa_alat": "equipment", "equipment": "equipment",
}


# --------------------------------------------------------------------------------------------
# public types


@dataclass(frozen=True)
class RowProblem:
    """What is wrong with one cell (or row) of an uploaded sheet; the file must not be stored."""

    sheet: str  # the sheet's name, or the file name for a CSV
    row: int | None  # 1-based spreadsheet row as the user sees it
    column: str | None  # the column header as written in the file (the Excel letter if it has none)
    message: Message


class WorkbookError(UserError):
    """The whole file is refused; nothing of it should be stored."""

    def __init__(self, message: Message) -> None:
        super().__init__(message)


# --------------------------------------------------------------------------------------------
# layouts


def _norm(text: Any) -> str:
    """A header or key as compared: "Kode Item " -> "kode_item", "Overhead (%)" -> "overhead"."""
    return re.sub(r"[^0-9a-z]+", "_", str(text).lower()).strip("_")


@dataclass(frozen=True)
class _Layout:
    sheet: str  # the sheet's name in our templates
    aliases: tuple[str, ...]  # other sheet names accepted
    columns: dict[str, tuple[str, ...]]  # key (the Indonesian header) -> accepted spellings
    required: tuple[str, ...]
    lookup: dict[str, str] = field(init=False)

    def __post_init__(self) -> None:
        lookup = {}
        for key, spellings in self.columns.items():
            for spelling in (key, *spellings):
                lookup[_norm(spelling)] = key
        object.__setattr__(self, "lookup", lookup)


HARGA = _Layout(
    "Harga",
    ("harga", "harga_dasar", "hsd", "prices", "resources"),
    {
        "kode": ("code", "kode_sumber_daya", "resource_code"),
        "nama": ("name", "uraian", "nama_sumber_daya"),
        "satuan": ("unit", "sat"),
        "jenis": ("kind", "kelompok", "type"),
        "harga": ("price", "harga_rp", "harga_satuan", "harga_dasar", "price_rp", "hsd"),
    },
    ("kode", "nama", "satuan", "jenis", "harga"),
)
AHSP = _Layout(
    "AHSP",
    ("ahsp", "analisa", "analisis", "analysis", "items"),
    {
        "kode_item": ("item_code", "kode_pekerjaan", "kode_ahsp"),
        "uraian": ("uraian_pekerjaan", "nama_pekerjaan", "nama_item", "nama", "item_name", "name", "description"),
        "satuan": ("unit", "sat"),
        "divisi": ("division",),
        "overhead_pct": ("overhead", "overhead_persen", "overhead_percent", "overhead_profit",
                         "overhead_keuntungan", "biaya_umum_dan_keuntungan"),
        "kode_sumber_daya": ("resource_code", "resource", "sumber_daya", "kode_resource"),
        "koefisien": ("coefficient", "koef"),
    },
    ("kode_item", "uraian", "satuan", "divisi", "kode_sumber_daya", "koefisien"),
)
RAB = _Layout(
    "RAB",
    ("rab",),
    {
        "divisi": ("division",),
        "kode_item": ("item_code", "kode", "code", "kode_pekerjaan"),
        "volume": ("vol", "kuantitas", "quantity", "qty"),
        "blok": ("building", "block", "gedung", "bangunan"),
        "catatan": ("note", "notes", "keterangan"),
    },
    ("divisi", "kode_item", "volume"),
)
INFO_SHEET_ALIASES = ("info", "informasi")
INFO_KEYS = {
    "code": ("kode", "code", "kode_pustaka"),
    "name": ("nama", "name", "nama_pustaka"),
    "region": ("wilayah", "region", "daerah"),
    "effective_date": ("tanggal_berlaku", "berlaku", "berlaku_mulai", "effective_date", "tanggal", "date"),
    "source": ("sumber", "source"),
    "illustrative": ("ilustratif", "illustrative", "contoh"),
}
_INFO_LOOKUP = {_norm(s): key for key, spellings in INFO_KEYS.items() for s in spellings}
INFO_WORDS = {"code": "kode", "name": "nama", "region": "wilayah", "effective_date": "tanggal_berlaku",
              "source": "sumber", "illustrative": "ilustratif"}


def _division_lookup() -> dict[str, str]:
    lookup = {}
    for key, label in DIVISIONS.items():
        lookup[_norm(key)] = key
        lookup[_norm(label)] = key
        lookup[_norm(DIVISION_LABELS_ID[key])] = key
        lookup["pekerjaan_" + _norm(key)] = key
    lookup["k3"] = "smkk"
    return lookup


_DIVISIONS = _division_lookup()


# --------------------------------------------------------------------------------------------
# numbers


class _Ambiguous(ValueError):
    def __init__(self, whole: str, decimal: str) -> None:
        super().__init__(whole)
        self.whole = whole
        self.decimal = decimal


_SPACES = str.maketrans({"\u00a0": " ", "\u202f": " ", "\u2009": " ", "\u2007": " ", "\t": " "})
_GROUPED = {".": re.compile(r"\d{1,3}(?:\.\d{3})+"), ",": re.compile(r"\d{1,3}(?:,\d{3})+")}
_SCIENTIFIC = re.compile(r"\d+(?:\.\d+)?[eE][+-]?\d+")


def _float_decimal(value: float) -> Decimal:
    """A float from a spreadsheet, to Excel's 15 significant digits.

    The boundary where Excel's binary numbers become Decimal, once; money read this way must then be
    whole rupiah or it is refused (see `_number`), so no float goes further.
    """
    return Decimal(format(value, ".15g"))


def _text_number(text: str, *, money: bool, percent: bool) -> Decimal:
    """Raises ValueError (or _Ambiguous) when `text` is not a number by the rules in the docstring."""
    s = " ".join(text.translate(_SPACES).split())
    money = money or bool(re.match(r"(?:rp|idr)(?![a-z])", s, flags=re.I))  # "Rp 1.250" is money, whatever the column
    s = re.sub(r"^(?:rp\.?|idr)\s*", "", s, flags=re.I)
    s = re.sub(r"\s*[.,]-$", "", s)
    if percent:
        s = re.sub(r"\s*%$", "", s)
    negative = s[:1] in ("-", "\u2212")
    if s[:1] in ("-", "\u2212", "+"):
        s = s[1:].lstrip()
    if " " in s:  # spaces only as thousands separators: "1 250 000"
        if not re.fullmatch(r"\d{1,3}(?: \d{3})+(?:[.,]\d+)?", s):
            raise ValueError(text)
        s = s.replace(" ", "")
    if _SCIENTIFIC.fullmatch(s):
        number = Decimal(s)
    elif not re.fullmatch(r"[\d.,]*\d[\d.,]*", s):
        raise ValueError(text)
    elif "." in s and "," in s:
        mark = "." if s.rfind(".") > s.rfind(",") else ","
        group = "," if mark == "." else "."
        whole, _, fraction = s.partition(mark)
        if mark in fraction or not fraction.isdigit() or not _GROUPED[group].fullmatch(whole):
            raise ValueError(text)
        number = Decimal(whole.replace(group, "") + "." + fraction)
    elif "." in s or "," in s:
        mark = "." if "." in s else ","
        if s.count(mark) > 1:
            if not _GROUPED[mark].fullmatch(s):
                raise ValueError(text)
            number = Decimal(s.replace(mark, ""))
        else:
            whole, _, fraction = s.partition(mark)
            if not fraction.isdigit() or (whole and not whole.isdigit()):
                raise ValueError(text)
            if len(fraction) == 3 and 1 <= len(whole) <= 3 and whole.strip("0"):
                if not money:
                    raise _Ambiguous(whole + fraction, _plain(Decimal(whole + "." + fraction)).replace(".", ","))
                number = Decimal(whole + fraction)
            else:
                number = Decimal((whole or "0") + "." + fraction)
    else:
        number = Decimal(s)
    return -number if negative else number


def parse_number(value: Any, *, money: bool = False, percent: bool = False) -> Decimal:
    """`value` (a cell's value or text) as an exact Decimal, by the rules in this module's docstring.

    `money=True` reads a lone "." or "," before three digits as a thousands separator; `percent=True`
    accepts a trailing "%". Raises CostingError ("costing.not_a_number", or
    "costing.number_ambiguous" for "1.250" when it is not money).
    """
    try:
        return _number(value, money=money, percent=percent)
    except _Ambiguous as exc:
        raise CostingError(
            Message(
                "costing.number_ambiguous",
                N_("“{value}” could mean {whole} or {decimal}; write {whole} or {decimal} so there is no doubt."),
                {"value": _shown(value), "whole": exc.whole, "decimal": exc.decimal},
            )
        ) from None
    except ValueError:
        raise CostingError(
            Message("costing.not_a_number", N_("“{value}” is not a number."), {"value": _shown(value)})
        ) from None


def _number(value: Any, *, money: bool, percent: bool) -> Decimal:
    if isinstance(value, bool | CellError):
        raise ValueError(value)
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(value)
        return _float_decimal(value)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(value)
        return value
    if isinstance(value, str):
        try:
            return _text_number(value, money=money, percent=percent)
        except InvalidOperation:
            raise ValueError(value) from None
    raise ValueError(value)  # a date, a time, None


def _plain(number: Decimal) -> str:
    """Canonical Decimal text: no exponent, no trailing zeros ("1.650" -> "1.65", "1E+2" -> "100")."""
    if number == 0:
        return "0"
    return format(number.normalize(), "f")


def _shown(value: Any) -> str:
    if isinstance(value, float) and math.isfinite(value):
        text = _plain(_float_decimal(value))
    elif isinstance(value, datetime | date):
        text = value.isoformat()
    else:
        text = str(value).strip()
    return text if len(text) <= 40 else text[:37] + "..."


# --------------------------------------------------------------------------------------------
# opening files


def _file_error(code: str, msgid: str, **fields: Any) -> WorkbookError:
    return WorkbookError(Message(code, msgid, fields))


# The file is opened by the one spreadsheet reader (`kernel.sheets`); its refusals keep this module's codes.
REFUSALS = Refusals(WorkbookError, "workbook")


def _open(path: str | os.PathLike, filename: str | None, max_rows: int) -> Book:
    return open_book(path, filename, max_rows=max_rows, refusals=REFUSALS)


def _too_many_rows(sheet: str, max_rows: int) -> WorkbookError:
    return REFUSALS("too_many_rows", sheet=sheet, max=max_rows)  # type: ignore[return-value]


def _find_sheet(workbook: Any, layout_sheet: str, aliases: Iterable[str]) -> Any | None:
    wanted = {_norm(layout_sheet), *(_norm(a) for a in aliases)}
    for ws in workbook.worksheets:
        if _norm(ws.title) in wanted:
            return ws
    return None


# --------------------------------------------------------------------------------------------
# tables


@dataclass
class _Table:
    sheet: str
    header_row: int
    columns: dict[str, int]  # layout key -> column number
    headers: dict[int, str]  # column number -> header as written
    rows: Rows

    def label(self, key: str) -> str:
        column = self.columns[key]
        return self.headers.get(column) or get_column_letter(column)


def _match_header(values: Mapping[int, Any], layout: _Layout) -> dict[str, list[int]]:
    found: dict[str, list[int]] = {}
    for column, value in values.items():
        if isinstance(value, str) and not isinstance(value, CellError):
            key = layout.lookup.get(_norm(value))
            if key is not None:
                found.setdefault(key, []).append(column)
    return found


def _find_header(rows: Rows, layout: _Layout) -> tuple[int, dict[str, list[int]]]:
    """(index in `rows`, columns found) of the header: the first row with two known headers."""
    enough = min(2, len(layout.required))
    for index, (_row, values) in enumerate(rows[:HEADER_SEARCH_ROWS]):
        found = _match_header(values, layout)
        if len(found) >= enough:
            return index, found
    return 0, _match_header(rows[0][1], layout)


def _names(values: Iterable[Any]) -> str:
    return ", ".join(str(v).strip() for v in values) or "—"


def _table(ws: Any, layout: _Layout, max_rows: int, rows: Iterable[Row] | None = None) -> _Table:
    """The sheet's table (`rows`: the sheet's, unless some were read already): its header among the first rows,
    and below it the rows with only the layout's columns kept. The sheet's merged ranges are known once its rows
    have been read (the file lists them after the cells)."""
    sheet = ws.title
    rows = iter(ws.rows() if rows is None else rows)
    head = list(islice(rows, HEADER_SEARCH_ROWS))
    if not head:
        raise _file_error(
            "workbook.sheet_empty",
            N_("{sheet} is empty; it needs a header row ({columns}) and rows below it."),
            sheet=sheet,
            columns=", ".join(layout.columns),
        )
    index, found = _find_header(head, layout)
    header_row, header_values = head[index]
    keep = {columns[0] for columns in found.values()}
    data: Rows = []
    others: set[int] = set()  # rows with values in other columns too: not blank, whatever is kept of them
    for row, values in chain(head[index + 1 :], rows):  # as many as the kernel reads: max_rows and ten
        kept = {column: value for column, value in values.items() if column in keep}
        if len(kept) < len(values):
            others.add(row)
        data.append((row, kept))
    merged = list(ws.merged)
    for cells in sorted(merged, key=lambda r: (r.min_row, r.min_col)):
        if cells.min_row <= header_row <= cells.max_row:
            raise _file_error(
                "workbook.header_merged",
                N_("{sheet}: the header row (row {row}) has merged cells {range}; unmerge them so that each column "
                   "has its own header."),
                sheet=sheet,
                row=header_row,
                range=cells.coord,
            )
    for key, columns in found.items():
        if len(columns) > 1:
            raise _file_error(
                "workbook.column_twice",
                N_("{sheet} has the column “{column}” twice ({cells}); keep one of them."),
                sheet=sheet,
                column=key,
                cells=", ".join(f"{get_column_letter(c)}{header_row}" for c in columns),
            )
    missing = [key for key in layout.required if key not in found]
    if missing:
        raise _file_error(
            "workbook.columns_missing",
            N_("{sheet} lacks the column(s) {columns}; its header row (row {row}) has {found}."),
            sheet=sheet,
            columns=", ".join(missing),
            row=header_row,
            found=_names(header_values.values()),
        )
    data = _blank_merged(data, merged, keep, others)
    if len(data) > max_rows:
        raise _too_many_rows(sheet, max_rows)
    headers = {column: _shown(value) for column, value in header_values.items()}
    return _Table(sheet, header_row, {key: cols[0] for key, cols in found.items()}, headers, data)


def _blank_merged(rows: Rows, merged: Iterable[Any], columns: Collection[int], others: Collection[int] = ()
                  ) -> Rows:
    """`rows` as Excel shows them: in a merged range only the top-left cell has a value (LibreOffice can keep the
    others' old values in the file). A row left with nothing, and no other columns, is no row. Each column's
    merged rows are looked up by bisection: any number of ranges costs little."""
    starts: dict[int, list[int]] = {}
    ends: dict[int, list[int]] = {}
    for column in columns:
        spans = sorted((cells.min_row + (column == cells.min_col), cells.max_row) for cells in merged
                       if cells.min_col <= column <= cells.max_col)
        joined: list[list[int]] = []
        for first, last in spans:
            if first > last:
                continue
            if joined and first <= joined[-1][1] + 1:
                joined[-1][1] = max(joined[-1][1], last)
            else:
                joined.append([first, last])
        if joined:
            starts[column], ends[column] = [first for first, _ in joined], [last for _, last in joined]
    if not starts:
        return rows
    shown: Rows = []
    for row, values in rows:
        for column in [c for c in values if c in starts]:
            at = bisect.bisect_right(starts[column], row) - 1
            if at >= 0 and row <= ends[column][at]:
                del values[column]
        if values or row in others:
            shown.append((row, values))
    return shown


def _no_rows(sheet: str) -> WorkbookError:
    return _file_error(
        "workbook.no_rows", N_("{sheet} has a header row but no rows below it."), sheet=sheet
    )


# --------------------------------------------------------------------------------------------
# cells -> values, collecting problems


_MISSING = object()


class _Problems:
    def __init__(self, display: str) -> None:
        self.display = display
        self.items: list[RowProblem] = []
        self.count = 0

    def add(self, sheet: str, row: int | None, column: str | None, code: str, msgid: str, **fields: Any) -> None:
        self.count += 1
        if len(self.items) < MAX_PROBLEMS:
            message = Message(code, msgid, {"sheet": sheet, "row": row, "column": column, **fields})
            self.items.append(RowProblem(sheet, row, column, message))

    def result(self) -> list[RowProblem]:
        if self.count <= MAX_PROBLEMS:
            return list(self.items)
        shown = MAX_PROBLEMS - 1
        note = Message(
            "workbook.too_many_problems",
            N_("{file}: {count} problems were found and the first {shown} are listed. Correct them and upload the "
               "file again."),
            {"file": self.display, "count": self.count, "shown": shown},
        )
        return [*self.items[:shown], RowProblem(self.display, None, None, note)]


class _Cells:
    """Typed reading of one row's cells; every failure becomes a RowProblem and returns _MISSING."""

    def __init__(self, problems: _Problems, table: _Table, row: int, values: Mapping[int, Any]) -> None:
        self.problems = problems
        self.table = table
        self.row = row
        self.values = values

    def raw(self, key: str) -> Any:
        column = self.table.columns.get(key)
        value = None if column is None else self.values.get(column)
        if isinstance(value, str) and not isinstance(value, CellError) and not value.strip():
            return None
        return value

    def problem(self, key: str, code: str, msgid: str, **fields: Any) -> object:
        self.problems.add(self.table.sheet, self.row, self.table.label(key), code, msgid, **fields)
        return _MISSING

    def _present(self, key: str, required: bool) -> Any:
        value = self.raw(key)
        if value is None:
            if required:
                return self.problem(key, "workbook.cell_empty",
                                    N_("{sheet}, row {row}, column “{column}”: the cell is empty; fill it in."))
            return None
        if isinstance(value, CellError):
            return self.problem(
                key,
                "workbook.cell_error",
                N_("{sheet}, row {row}, column “{column}”: the cell shows the Excel error {value}; correct the "
                   "formula or type the value."),
                value=str(value),
            )
        return value

    def text(self, key: str, *, required: bool = True, max_length: int | None = None) -> Any:
        value = self._present(key, required)
        if value is None or value is _MISSING:
            return value
        text = _cell_text(value)
        if max_length is not None and len(text) > max_length:
            return self.problem(
                key,
                "workbook.text_too_long",
                N_("{sheet}, row {row}, column “{column}”: the text is {length} characters long; at most {max} fit."),
                length=len(text),
                max=max_length,
            )
        return text

    def unit(self, key: str, *, required: bool = True) -> Any:
        value = self._present(key, required)
        if value is None or value is _MISSING:
            return value
        try:
            return normalise_unit(_cell_text(value))
        except CostingError:
            return self.problem(
                key,
                "workbook.unit_unknown",
                N_("{sheet}, row {row}, column “{column}”: “{value}” is not a known unit (for example OH, m2, m3, kg, "
                   "bh or ls)."),
                value=_shown(value),
            )

    def kind(self, key: str) -> Any:
        value = self._present(key, True)
        if value is _MISSING:
            return value
        kind = _KINDS.get(_norm(value))
        if kind is None:
            return self.problem(
                key,
                "workbook.kind_unknown",
                N_("{sheet}, row {row}, column “{column}”: “{value}” is not a kind of resource; write upah (labour), "
                   "bahan (material) or alat (equipment)."),
                value=_shown(value),
            )
        return kind

    def division(self, key: str, *, required: bool = True) -> Any:
        value = self._present(key, required)
        if value is None or value is _MISSING:
            return value
        division = _DIVISIONS.get(_norm(value))
        if division is None:
            return self.problem(
                key,
                "workbook.division_unknown",
                N_("{sheet}, row {row}, column “{column}”: “{value}” is not a division of the RAB; use one of "
                   "{divisions}."),
                value=_shown(value),
                divisions=", ".join(DIVISIONS),
            )
        return division

    def number(
        self, key: str, *, required: bool = True, money: bool = False, percent: bool = False, negative: bool = False
    ) -> Any:
        """A Decimal, zero or more unless `negative` (a whole one for money)."""
        value = self._present(key, required)
        if value is None or value is _MISSING:
            return value
        try:
            number = _number(value, money=money, percent=percent)
        except _Ambiguous as exc:
            return self.problem(
                key,
                "workbook.number_ambiguous",
                N_("{sheet}, row {row}, column “{column}”: “{value}” could mean {whole} or {decimal}; write {whole} "
                   "or {decimal} so there is no doubt."),
                value=_shown(value),
                whole=exc.whole,
                decimal=exc.decimal,
            )
        except ValueError:
            return self.problem(
                key,
                "workbook.number_invalid",
                N_("{sheet}, row {row}, column “{column}”: “{value}” is not a number."),
                value=_shown(value),
            )
        if number < 0 and not negative:
            return self.problem(
                key,
                "workbook.number_negative",
                N_("{sheet}, row {row}, column “{column}”: {value} is negative; it must be zero or more."),
                value=_shown(value),
            )
        if money and number != number.to_integral_value():
            return self.problem(
                key,
                "workbook.price_not_whole",
                N_("{sheet}, row {row}, column “{column}”: {value} is not a whole number of rupiah."),
                value=_shown(value),
            )
        if money and abs(number) > MONEY_MAX:
            return self.problem(
                key,
                "workbook.price_too_large",
                N_("{sheet}, row {row}, column “{column}”: {value} is more than Rp{max}."),
                value=_shown(value),
                max=MONEY_MAX,
            )
        return Decimal(0) if number == 0 else number


def _cell_text(value: Any) -> str:
    """A cell as text: 12 -> "12", 2.5 -> "2.5", a date -> "2026-01-31"."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float) and math.isfinite(value):
        return _plain(_float_decimal(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return " ".join(str(value).split())


# --------------------------------------------------------------------------------------------
# price library


def read_price_library(
    path: str | os.PathLike, filename: str | None = None, *, max_rows: int = 20_000
) -> tuple[dict[str, Any], list[RowProblem]]:
    """A price library from a workbook (sheets Info, Harga, AHSP) or a CSV (one of the two tables).

    Raises WorkbookError when the file is refused as a whole; returns the data and every row
    problem (store nothing unless the list is empty). `filename` is the user's name for the file.
    """
    with _open(path, filename, max_rows) as source:
        problems = _Problems(source.name)
        data: dict[str, Any] = dict.fromkeys(INFO_KEYS)
        harga = ahsp = None
        if source.workbook is not None:
            wb = source.workbook
            sheets = {HARGA.sheet: _find_sheet(wb, HARGA.sheet, HARGA.aliases),
                      AHSP.sheet: _find_sheet(wb, AHSP.sheet, AHSP.aliases)}
            missing = [name for name, ws in sheets.items() if ws is None]
            if missing:
                raise _file_error(
                    "workbook.sheet_missing",
                    N_("“{file}” lacks the sheet(s) {missing}; it has {found}."),
                    file=source.name,
                    missing=", ".join(missing),
                    found=_names(ws.title for ws in wb.worksheets),
                )
            harga, ahsp = (_table(sheets[layout.sheet], layout, max_rows) for layout in (HARGA, AHSP))
            info_ws = _find_sheet(wb, "Info", INFO_SHEET_ALIASES)
            if info_ws is not None:
                data.update(_read_info(info_ws, problems))
            if not harga.rows and not ahsp.rows:
                raise _no_rows(f"{harga.sheet}, {ahsp.sheet}")
        else:
            rows = source.first_sheet().rows()
            head = list(islice(rows, HEADER_SEARCH_ROWS))
            layout = _csv_layout(source.name, head)
            table = _table(source.first_sheet(), layout, max_rows, chain(head, rows))
            if not table.rows:
                raise _no_rows(source.name)
            harga, ahsp = (table, None) if layout is HARGA else (None, table)

    resources = _read_resources(harga, problems) if harga is not None else []
    known = _codes_of(harga) if harga is not None else None
    items = _read_items(ahsp, problems, known, harga.sheet if harga else None) if ahsp is not None else []
    data["resources"] = resources
    data["items"] = items
    return data, problems.result()


def _codes_of(table: _Table) -> set[str]:
    """Every resource code written in sheet Harga, even on a row with other problems (no double reports)."""
    column = table.columns["kode"]
    return {_cell_text(values[column]) for _row, values in table.rows if values.get(column) is not None}


def _csv_layout(name: str, rows: Rows) -> _Layout:
    """Which table a CSV file is, by its first rows."""
    scores = []
    for layout in (HARGA, AHSP):
        found = _find_header(rows, layout)[1] if rows else {}
        scores.append((len([k for k in found if k in layout.required]), layout))
    best = max(scores, key=lambda s: s[0])
    if best[0] == 0:
        raise _file_error(
            "workbook.csv_layout_unknown",
            N_("“{file}” is neither a price list ({resources}) nor an AHSP table ({items}); its first row has "
               "{found}."),
            file=name,
            resources=", ".join(HARGA.columns),
            items=", ".join(AHSP.columns),
            found=_names(rows[0][1].values()) if rows else "—",
        )
    return best[1]


def _read_resources(table: _Table, problems: _Problems) -> list[dict[str, Any]]:
    resources = []
    seen: dict[str, int] = {}
    for row, values in table.rows:
        cells = _Cells(problems, table, row, values)
        code = cells.text("kode", max_length=CODE_MAX)
        name = cells.text("nama", max_length=RESOURCE_NAME_MAX)
        unit = cells.unit("satuan")
        kind = cells.kind("jenis")
        price = cells.number("harga", money=True)
        if code is not _MISSING:
            if code in seen:
                cells.problem(
                    "kode",
                    "workbook.resource_duplicate",
                    N_("{sheet}, row {row}, column “{column}”: resource {value} is already on row {first_row}; list "
                       "each resource once."),
                    value=code,
                    first_row=seen[code],
                )
                continue
            seen[code] = row
        if _MISSING not in (code, name, unit, kind, price):
            resources.append({"code": code, "name": name, "unit": unit, "kind": kind, "price": int(price)})
    return resources


_ITEM_FIELDS = ("uraian", "satuan", "divisi", "overhead_pct")


def _read_items(
    table: _Table, problems: _Problems, resources: set[str] | None, resources_sheet: str | None
) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    starts: dict[str, int] = {}
    current: dict[str, Any] | None = None  # the item the row belongs to, with "_row" and "_values"
    for row, values in table.rows:
        cells = _Cells(problems, table, row, values)
        code = cells.text("kode_item", required=current is None, max_length=CODE_MAX)
        if current is not None and (code is None or code == current["code"]):
            _check_continuation(cells, current)
        else:  # a new item; with a bad code it still carries down, so its further rows are not reported again
            fields = {
                "uraian": cells.text("uraian", max_length=ITEM_NAME_MAX),
                "satuan": cells.unit("satuan"),
                "divisi": cells.division("divisi"),
                "overhead_pct": _overhead(cells),
            }
            current = {"code": code, "_row": row, "_values": fields, "coefficients": [],
                       "_bad": code is _MISSING or _MISSING in fields.values(),
                       "_label": _shown(cells.raw("kode_item") or "?")}
            if code is _MISSING:
                pass
            elif code in starts:
                cells.problem(
                    "kode_item",
                    "workbook.item_duplicate",
                    N_("{sheet}, row {row}, column “{column}”: work item {value} already starts on row {first_row}; "
                       "keep an item's rows together under one code."),
                    value=code,
                    first_row=starts[code],
                )
                current["_bad"] = True
            else:
                starts[code] = row
                items.append(current)
        _read_coefficient(cells, current, resources, resources_sheet)
    result = []
    for item in items:
        if item["_bad"]:
            continue
        fields = item["_values"]
        overhead = OVERHEAD_DEFAULT if fields["overhead_pct"] is None else fields["overhead_pct"]
        result.append({
            "code": item["code"],
            "name": fields["uraian"],
            "unit": fields["satuan"],
            "division": fields["divisi"],
            "overhead_pct": _plain(overhead),
            "coefficients": item["coefficients"],
        })
    return result


def _overhead(cells: _Cells, *, check_range: bool = True) -> Any:
    value = cells.number("overhead_pct", required=False, percent=True, negative=True)
    if check_range and value is not None and value is not _MISSING and not 0 <= value <= OVERHEAD_MAX:
        return cells.problem(
            "overhead_pct",
            "workbook.overhead_out_of_range",
            N_("{sheet}, row {row}, column “{column}”: overhead and profit must be from 0 to {max} percent (it is "
               "{value})."),
            value=_shown(cells.raw("overhead_pct")),
            max=OVERHEAD_MAX,
        )
    return value


def _check_continuation(cells: _Cells, item: dict[str, Any]) -> None:
    """On an item's further rows the item columns are blank, or repeat the first row's values."""
    readers = {
        "uraian": lambda: cells.text("uraian", required=False),
        "satuan": lambda: cells.unit("satuan", required=False),
        "divisi": lambda: cells.division("divisi", required=False),
        "overhead_pct": lambda: _overhead(cells, check_range=False),
    }
    for key in _ITEM_FIELDS:
        if key not in cells.table.columns or cells.raw(key) is None:
            continue
        value = readers[key]()
        expected = item["_values"][key]
        if key == "overhead_pct" and expected is None:
            expected = OVERHEAD_DEFAULT
        if value is _MISSING or expected is _MISSING or value == expected:
            continue
        cells.problem(
            key,
            "workbook.item_conflict",
            N_("{sheet}, row {row}, column “{column}”: “{value}” differs from “{expected}” on row {first_row} of work "
               "item {item}; leave the cell blank on the item's further rows, or give a new item its own code."),
            value=_shown(cells.raw(key)),
            expected=_plain(expected) if isinstance(expected, Decimal) else expected,
            first_row=item["_row"],
            item=item["_label"],
        )


def _read_coefficient(
    cells: _Cells, item: dict[str, Any] | None, resources: set[str] | None, resources_sheet: str | None
) -> None:
    has_resource = cells.raw("kode_sumber_daya") is not None
    has_coefficient = cells.raw("koefisien") is not None
    if not has_resource and not has_coefficient:
        return  # an item without resources (or a row of item columns only)
    resource = cells.text("kode_sumber_daya", max_length=CODE_MAX)
    coefficient = cells.number("koefisien")
    if resource is not _MISSING and resources is not None and resource not in resources:
        cells.problem(
            "kode_sumber_daya",
            "workbook.resource_unknown",
            N_("{sheet}, row {row}, column “{column}”: resource {value} is not in sheet {resources}."),
            value=resource,
            resources=resources_sheet,
        )
        return
    if item is not None and _MISSING not in (resource, coefficient):
        item["coefficients"].append({"resource": resource, "coefficient": _plain(coefficient)})


def _read_info(ws: Any, problems: _Problems) -> dict[str, Any]:
    info: dict[str, Any] = {}
    first: dict[str, int] = {}
    # The key in column A and the value in B: the rest is not kept.
    rows = [(row, {column: value for column, value in values.items() if column <= 2}) for row, values in ws.rows()]
    rows = _blank_merged(rows, ws.merged, (1, 2))
    value_header = "B"
    for _row, values in rows[:1]:
        if _norm(values.get(1, "")) in ("kunci", "key", "keterangan") and isinstance(values.get(2), str):
            value_header = _shown(values[2])
    for row, values in rows:
        key = _INFO_LOOKUP.get(_norm(values.get(1, "")))
        if key is None:
            continue
        column = value_header

        def problem(code: str, msgid: str, row: int = row, column: str = column, **fields: Any) -> None:
            problems.add(ws.title, row, column, code, msgid, **fields)

        if key in first:
            problem(
                "workbook.info_duplicate",
                N_("{sheet}, row {row}, column “{column}”: {value} is given twice (first on row {first_row})."),
                column=_shown(values[1]),
                value=_shown(values[1]),
                first_row=first[key],
            )
            continue
        first[key] = row
        value = values.get(2)
        if value is None or (isinstance(value, str) and not value.strip()):
            info[key] = None
            continue
        if isinstance(value, CellError):
            problem(
                "workbook.cell_error",
                N_("{sheet}, row {row}, column “{column}”: the cell shows the Excel error {value}; correct the "
                   "formula or type the value."),
                value=str(value),
            )
        elif key == "effective_date":
            parsed = _date(value)
            if parsed is None:
                problem(
                    "workbook.date_invalid",
                    N_("{sheet}, row {row}, column “{column}”: “{value}” is not a date; write it as 2026-01-31 or "
                       "31/01/2026."),
                    value=_shown(value),
                )
            else:
                info[key] = parsed.isoformat()
        elif key == "illustrative":
            flag = _yes_no(value)
            if flag is None:
                problem(
                    "workbook.yes_no_invalid",
                    N_("{sheet}, row {row}, column “{column}”: “{value}” is neither ya nor tidak."),
                    value=_shown(value),
                )
            else:
                info[key] = flag
        else:
            text = _cell_text(value)
            limit = INFO_MAX.get(key)
            if limit is not None and len(text) > limit:
                problem(
                    "workbook.text_too_long",
                    N_("{sheet}, row {row}, column “{column}”: the text is {length} characters long; at most {max} "
                       "fit."),
                    length=len(text),
                    max=limit,
                )
            else:
                info[key] = text
    return info


_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("januari", "january", "jan"), ("februari", "february", "feb", "pebruari"), ("maret", "march", "mar"),
            ("april", "apr"), ("mei", "may"), ("juni", "june", "jun"), ("juli", "july", "jul"),
            ("agustus", "august", "agu", "agt", "aug"), ("september", "sep", "sept"),
            ("oktober", "october", "okt", "oct"), ("november", "nopember", "nov"),
            ("desember", "december", "des", "dec"),
        ),
        start=1,
    )
    for name in names
}


def _date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool) and 20_000 <= value <= 80_000:
        return from_excel(value).date()  # a date cell that lost its format: Excel's day number
    if not isinstance(value, str):
        return None
    text = " ".join(value.strip().lower().split())
    try:
        if m := re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", text):
            return date(int(m[1]), int(m[2]), int(m[3]))
        if m := re.fullmatch(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})", text):  # Indonesian order: day first
            return date(int(m[3]), int(m[2]), int(m[1]))
        if (m := re.fullmatch(r"(\d{1,2})[ -]([a-z]+)\.?[ -](\d{4})", text)) and m[2] in _MONTHS:
            return date(int(m[3]), _MONTHS[m[2]], int(m[1]))
    except ValueError:  # 31/02/2026
        return None
    return None


def _yes_no(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    word = _norm(value)
    if word in ("ya", "y", "yes", "true", "benar", "iya", "x"):
        return True
    if word in ("tidak", "tdk", "t", "no", "n", "false", "salah", "bukan"):
        return False
    return None


# --------------------------------------------------------------------------------------------
# RAB


def read_rab(
    path: str | os.PathLike,
    filename: str | None = None,
    *,
    item_codes: Collection[str],
    max_rows: int = 20_000,
) -> tuple[list[dict[str, Any]], list[RowProblem]]:
    """RAB lines (division, item, volume, building, note) from sheet "RAB" (else the first sheet) or a CSV.

    `item_codes` are the work items of the scenario's price library; a line naming another item is a
    problem. Raises WorkbookError when the file is refused as a whole.
    """
    with _open(path, filename, max_rows) as source:
        problems = _Problems(source.name)
        if source.workbook is not None:
            wb = source.workbook
            ws = _find_sheet(wb, RAB.sheet, RAB.aliases)
            if ws is None:
                if not wb.worksheets:
                    raise _file_error(
                        "workbook.sheet_missing",
                        N_("“{file}” lacks the sheet(s) {missing}; it has {found}."),
                        file=source.name,
                        missing=RAB.sheet,
                        found="—",
                    )
                ws = wb.worksheets[0]
            table = _table(ws, RAB, max_rows)
        else:
            table = _table(source.first_sheet(), RAB, max_rows)
    known = set(item_codes)
    lines: list[dict[str, Any]] = []
    for row, values in table.rows:
        cells = _Cells(problems, table, row, values)
        if cells.raw("kode_item") is None and cells.raw("volume") is None:
            continue  # a heading, a subtotal or a note: not a line
        division = cells.division("divisi")
        item = cells.text("kode_item")
        if item is not _MISSING and item not in known:
            item = cells.problem(
                "kode_item",
                "workbook.item_unknown",
                N_("{sheet}, row {row}, column “{column}”: the scenario's price library has no work item “{value}”."),
                value=item,
            )
        volume = cells.number("volume")
        building = cells.text("blok", required=False, max_length=CODE_MAX) if "blok" in table.columns else None
        note = cells.text("catatan", required=False) if "catatan" in table.columns else None
        if _MISSING not in (division, item, volume, building, note):
            lines.append({"division": division, "item": item, "volume": _plain(volume), "building": building,
                          "note": note})
    if not lines and not problems.count:
        raise _no_rows(table.sheet)
    return lines, problems.result()


# --------------------------------------------------------------------------------------------
# writing

_TITLE = Font(bold=True, size=14)
_BOLD = Font(bold=True)
_ITALIC = Font(italic=True, color="555555")
_HEADER_FILL = PatternFill("solid", fgColor="D9E2F3")
_COMPUTED_FILL = PatternFill("solid", fgColor="EEEEEE")
_WRAP = Alignment(wrap_text=True, vertical="top")

FMT_RUPIAH = "#,##0"
FMT_RUPIAH_CENTS = "#,##0.00"
FMT_VOLUME = "#,##0.00#"
FMT_DATE = "dd/mm/yyyy"


def _excel_number(value: int | Decimal) -> int | float | str:
    """A number openpyxl writes exactly: an int, a float that holds the value (15 digits), else text."""
    if isinstance(value, int):
        return value
    number = Decimal(value)
    if number == number.to_integral_value() and abs(number) < 10**15:
        return int(number)
    # Volumes and coefficients only (money is int above): a float cell keeps Excel arithmetic working,
    # and is used only when it holds the Decimal exactly.
    as_float = float(number)
    if _float_decimal(as_float) == number:
        return as_float
    return _plain(number)  # more digits than Excel keeps: text, which the reader takes exactly


def _put(ws: Any, row: int, column: int, value: Any, *, fmt: str | None = None, font: Font | None = None) -> Any:
    """Write a value; text is always text (a user's "=..." never becomes a formula)."""
    cell = ws.cell(row=row, column=column)
    if isinstance(value, str):
        cell.value = value
        cell.data_type = "s"
    elif isinstance(value, bool) or value is None:
        cell.value = value
    elif isinstance(value, int | Decimal):
        cell.value = _excel_number(value)
    else:
        cell.value = value
    if fmt:
        cell.number_format = fmt
    if font:
        cell.font = font
    return cell


def _formula(ws: Any, row: int, column: int, formula: str, *, fmt: str | None = FMT_RUPIAH,
             font: Font | None = None) -> Any:
    cell = ws.cell(row=row, column=column, value=formula)
    if fmt:
        cell.number_format = fmt
    if font:
        cell.font = font
    return cell


def _header(ws: Any, row: int, headers: Sequence[str], widths: Sequence[float], *, freeze: str | None = None) -> None:
    for column, (text, width) in enumerate(zip(headers, widths, strict=True), start=1):
        cell = _put(ws, row, column, text, font=_BOLD)
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        ws.column_dimensions[get_column_letter(column)].width = width
    ws.freeze_panes = freeze or f"A{row + 1}"


def _save(wb: Any) -> bytes:
    wb.properties.creator = "Japra"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _list_validation(ws: Any, values: Iterable[str], cells: str) -> None:
    """A drop-down that warns (but lets the planner keep an accepted alias such as "tenaga")."""
    validation = DataValidation(type="list", formula1='"' + ",".join(values) + '"', allow_blank=True,
                                errorStyle="warning", showErrorMessage=True)
    validation.error = "Nilai ini tidak ada dalam daftar; periksa sheet Petunjuk."
    ws.add_data_validation(validation)
    validation.add(cells)


def _petunjuk(wb: Any, lines: Sequence[str]) -> None:
    ws = wb.create_sheet("Petunjuk")
    ws.column_dimensions["A"].width = 110
    for row, text in enumerate(lines, start=1):
        cell = _put(ws, row, 1, text, font=_TITLE if row == 1 else None)
        cell.alignment = _WRAP


def _divisions_text() -> list[str]:
    return [f"  {key}: {DIVISION_LABELS_ID[key]}" for key in DIVISIONS]


_NUMBERS_HELP = (
    "Angka: 1.250.000 atau 1250000 (titik memisahkan ribuan), 2,5 atau 2.5 (desimal). Untuk koefisien dan volume, "
    "tulis 1250 atau 1,25, bukan 1.250, agar tidak bermakna ganda. Harga dalam rupiah utuh; “Rp” boleh ditulis."
)


def _library_help() -> list[str]:
    return [
        "Cara mengisi pustaka harga",
        "Sheet Info: satu keterangan per baris, kunci di kolom A dan nilai di kolom B. Yang dikosongkan akan "
        "ditanyakan saat impor.",
        "Sheet Harga: satu baris per sumber daya (upah, bahan, alat). Harga dalam rupiah utuh per satuan, tanpa PPN. "
        "Setiap kode hanya sekali.",
        "Sheet AHSP: satu baris per koefisien. Kolom kode_item, uraian, satuan, divisi dan overhead_pct cukup diisi "
        "pada baris pertama setiap item; pada baris berikutnya boleh dikosongkan. kode_sumber_daya harus ada di "
        "sheet Harga.",
        "overhead_pct: biaya umum dan keuntungan dalam persen, 0 sampai 30 (biasanya 10 sampai 15; kosong berarti 10).",
        "Kolom berwarna abu-abu dihitung oleh Excel dan diabaikan saat impor. Sheet lain juga diabaikan.",
        "Baris judul di atas baris kepala kolom boleh; sel kepala kolom jangan digabung (merge).",
        _NUMBERS_HELP,
        "jenis: upah (tenaga kerja), bahan (material), alat (peralatan).",
        "satuan: " + ", ".join(sorted(UNITS, key=str.lower)) + " (juga: m1, buah, sak, liter, lembar, batang, pasang).",
        "divisi:",
        *_divisions_text(),
        "Berkas CSV (UTF-8, pemisah koma atau titik koma) boleh berisi salah satu tabel, Harga atau AHSP, dengan "
        "kepala kolom yang sama.",
    ]


EXAMPLE_LIBRARY: dict[str, Any] = {
    "code": "CONTOH-2026",
    "name": "Contoh pustaka harga (ganti dengan data Anda)",
    "region": "DKI Jakarta",
    "effective_date": "2026-01-01",
    "source": "Contoh untuk mengisi; bukan harga resmi",
    "illustrative": True,
    "resources": [{"code": "L.01", "name": "Pekerja", "unit": "OH", "kind": "labour", "price": 150_000}],
    "items": [
        {
            "code": "A.2.2.1.1",
            "name": "Galian 1 m3 tanah biasa sedalam 1 m",
            "unit": "m3",
            "division": "tanah",
            "overhead_pct": "10",
            "coefficients": [{"resource": "L.01", "coefficient": "0.75"}],
        }
    ],
}

_INFO_HELP = {
    "code": "Kode versi pustaka, unik (misalnya DKI-2026-1)",
    "name": "Nama pustaka harga",
    "region": "Wilayah berlakunya harga",
    "effective_date": "Tanggal mulai berlaku (tanggal, atau 2026-01-31)",
    "source": "Sumber harga (misalnya SK/Pergub HSD)",
    "illustrative": "ya bila harga hanya contoh, tidak bila harga sungguhan",
}


def write_price_library(data: Mapping[str, Any]) -> bytes:
    """The library as a workbook in the reader's layout (Info, Harga, AHSP, Petunjuk); it reads back the same.

    Sheet AHSP also has grey computed columns (the resource's price, the amount, the item's unit price F)
    as formulas that follow the prices in sheet Harga; the reader ignores them.
    """
    wb = openpyxl.Workbook()
    info = wb.active
    info.title = "Info"
    _header(info, 1, ["kunci", "nilai", "penjelasan"], [18, 50, 60])
    for row, key in enumerate(INFO_KEYS, start=2):
        _put(info, row, 1, INFO_WORDS[key])
        value = data.get(key)
        if key == "effective_date" and isinstance(value, str):
            with contextlib.suppress(ValueError):
                value = date.fromisoformat(value)
        if key == "illustrative" and value is not None:
            value = "ya" if value else "tidak"
        _put(info, row, 2, value, fmt=FMT_DATE if isinstance(value, date) else None)
        _put(info, row, 3, _INFO_HELP[key], font=_ITALIC)

    harga = wb.create_sheet("Harga")
    _header(harga, 1, ["kode", "nama", "satuan", "jenis", "harga"], [14, 40, 9, 10, 16])
    resources = list(data.get("resources") or [])
    for row, resource in enumerate(resources, start=2):
        _put(harga, row, 1, resource["code"])
        _put(harga, row, 2, resource["name"])
        _put(harga, row, 3, resource["unit"])
        _put(harga, row, 4, KIND_WORDS.get(resource["kind"], resource["kind"]))
        _put(harga, row, 5, int(resource["price"]), fmt=FMT_RUPIAH)
    last = max(len(resources) + 1, 2)
    harga.auto_filter.ref = f"A1:E{last}"
    _list_validation(harga, ["upah", "bahan", "alat"], "D2:D5000")

    ahsp = wb.create_sheet("AHSP")
    headers = ["kode_item", "uraian", "satuan", "divisi", "overhead_pct", "kode_sumber_daya", "koefisien",
               "harga_dasar", "jumlah", "harga_satuan_pekerjaan"]
    _header(ahsp, 1, headers, [14, 44, 9, 14, 12, 16, 11, 15, 16, 20], freeze="C2")
    for column in range(8, 11):
        ahsp.cell(row=1, column=column).fill = _COMPUTED_FILL
    row = 2
    for item in data.get("items") or []:
        first = row
        coefficients = list(item.get("coefficients") or []) or [None]
        for k, coefficient in enumerate(coefficients):
            if k == 0:
                _put(ahsp, row, 1, item["code"])
                _put(ahsp, row, 2, item["name"])
                _put(ahsp, row, 3, item["unit"])
                _put(ahsp, row, 4, item["division"])
                overhead = item.get("overhead_pct")
                _put(ahsp, row, 5, Decimal(str(OVERHEAD_DEFAULT if overhead is None else overhead)))
            if coefficient is not None:
                _put(ahsp, row, 6, coefficient["resource"])
                _put(ahsp, row, 7, Decimal(str(coefficient["coefficient"])))
                _formula(ahsp, row, 8, f'=IFERROR(INDEX(Harga!$E:$E,MATCH($F{row},Harga!$A:$A,0)),"")')
                _formula(ahsp, row, 9, f'=IF(H{row}="","",G{row}*H{row})', fmt=FMT_RUPIAH_CENTS)
            row += 1
        _formula(ahsp, first, 10, f"=SUM(I{first}:I{row - 1})*(1+E{first}/100)", fmt=FMT_RUPIAH_CENTS, font=_BOLD)
        for r in range(first, row):
            for column in range(8, 11):
                ahsp.cell(row=r, column=column).fill = _COMPUTED_FILL
    ahsp.auto_filter.ref = f"A1:G{max(row - 1, 2)}"
    _list_validation(ahsp, list(DIVISIONS), "D2:D5000")
    _petunjuk(wb, _library_help())
    return _save(wb)


def template_price_library() -> bytes:
    """An empty price library to fill in: Info, Harga and AHSP with their headers and one illustrative example
    row each, and a Petunjuk sheet explaining the columns, the units, kinds and divisions."""
    return write_price_library(EXAMPLE_LIBRARY)


def template_rab() -> bytes:
    """A RAB to fill in: sheet RAB (divisi, kode_item, volume, blok, catatan) with one example row, and Petunjuk."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "RAB"
    _header(ws, 1, ["divisi", "kode_item", "volume", "blok", "catatan"], [16, 16, 12, 10, 50])
    _put(ws, 2, 1, "tanah")
    _put(ws, 2, 2, "A.2.2.1.1")
    _put(ws, 2, 3, Decimal("85"), fmt=FMT_VOLUME)
    _put(ws, 2, 4, "A")
    _put(ws, 2, 5, "Contoh: galian pondasi blok A (hapus baris ini)")
    _list_validation(ws, list(DIVISIONS), "A2:A5000")
    _petunjuk(wb, [
        "Cara mengisi RAB",
        "Satu baris per pekerjaan: divisi, kode_item (kode AHSP dari pustaka harga skenario), volume dalam satuan "
        "item, blok (boleh kosong) dan catatan (boleh kosong).",
        "Baris tanpa kode_item dan tanpa volume (judul, subtotal) dilewati saat impor.",
        _NUMBERS_HELP,
        "divisi:",
        *_divisions_text(),
    ])
    return _save(wb)


def _roman(n: int) -> str:
    numerals = ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"), (40, "XL"),
                (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"))
    result = ""
    for value, numeral in numerals:
        count, n = divmod(n, value)
        result += numeral * count
    return result


RAB_HEADERS = ("No", "Divisi", "Kode", "Uraian pekerjaan", "Satuan", "Volume", "Harga satuan", "Jumlah")
RAB_HEADER_ROW = 3
REKAP_HEADERS = ("No", "Uraian", "Jumlah (Rp)", "Nilai menurut aplikasi (Rp)")
REKAP_HEADER_ROW = 3
_PPN_NOTE = "Harga satuan dan jumlah dalam rupiah, belum termasuk PPN."


def write_rab(
    title: str,
    lines: Sequence[RabLine],
    item_names: Mapping[str, str],
    units: Mapping[str, str],
    *,
    division_labels: Mapping[str, str] | None = None,
) -> bytes:
    """The RAB as a workbook: sheet RAB (lines grouped by division, with formulas) and sheet Rekap.

    Sheet RAB, header on row 3: No | Divisi | Kode | Uraian pekerjaan | Satuan | Volume | Harga satuan |
    Jumlah (and Blok when a line has a building). Per division in DIVISIONS order: a heading row (roman
    numeral and name), the lines (Jumlah = ROUND(Volume x Harga satuan, 0), as `RabLine.amount` rounds),
    and a subtotal row (SUM). Sheet Rekap, header on row 3: No | Uraian | Jumlah (Rp) | Nilai menurut
    aplikasi (Rp): one row per division referencing its subtotal on sheet RAB, then Jumlah (SUM), Jumlah
    dibulatkan (ROUNDDOWN(..., -3)) and Terbilang. Column D holds `costing.rab.recap`'s numbers, and
    Terbilang is written from them (Excel cannot spell a number), so the file shows what the app computed
    even before Excel recalculates. `division_labels` overrides the Indonesian division names.
    """
    labels = {**DIVISION_LABELS_ID, **(division_labels or {})}
    lines = list(lines)
    summary = recap(lines)
    has_building = any(line.building for line in lines)
    headers = [*RAB_HEADERS, *(["Blok"] if has_building else [])]

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "RAB"
    _put(ws, 1, 1, title, font=_TITLE)
    _put(ws, 2, 1, _PPN_NOTE, font=_ITALIC)
    _header(ws, RAB_HEADER_ROW, headers, [6, 14, 13, 48, 8, 12, 16, 18, 10][: len(headers)])
    subtotals: dict[str, int] = {}
    row = RAB_HEADER_ROW + 1
    present = [d for d in DIVISIONS if any(line.division == d for line in lines)]
    for n, division in enumerate(present, start=1):
        _put(ws, row, 1, _roman(n), font=_BOLD)
        _put(ws, row, 4, labels[division], font=_BOLD)
        row += 1
        first = row
        for k, line in enumerate((line for line in lines if line.division == division), start=1):
            _put(ws, row, 1, k)
            _put(ws, row, 2, division)
            _put(ws, row, 3, line.item_code)
            _put(ws, row, 4, item_names.get(line.item_code, line.description))
            _put(ws, row, 5, units.get(line.item_code, line.unit))
            _put(ws, row, 6, line.volume, fmt=FMT_VOLUME)
            _put(ws, row, 7, line.unit_price, fmt=FMT_RUPIAH_CENTS)
            _formula(ws, row, 8, f"=ROUND(F{row}*G{row},0)")
            if has_building:
                _put(ws, row, 9, line.building)
            row += 1
        _put(ws, row, 4, f"Jumlah {labels[division]}", font=_BOLD)
        _formula(ws, row, 8, f"=SUM(H{first}:H{row - 1})", font=_BOLD)
        subtotals[division] = row
        row += 2

    rekap = wb.create_sheet("Rekap")
    _put(rekap, 1, 1, f"Rekapitulasi: {title}", font=_TITLE)
    _put(rekap, 2, 1, _PPN_NOTE, font=_ITALIC)
    _header(rekap, REKAP_HEADER_ROW, REKAP_HEADERS, [6, 52, 20, 22])
    rekap.cell(row=REKAP_HEADER_ROW, column=4).fill = _COMPUTED_FILL
    row = REKAP_HEADER_ROW + 1
    first = row
    for n, division in enumerate(present, start=1):
        _put(rekap, row, 1, _roman(n))
        _put(rekap, row, 2, labels[division])
        _formula(rekap, row, 3, f"=RAB!H{subtotals[division]}")
        _put(rekap, row, 4, summary.by_division[division], fmt=FMT_RUPIAH, font=_ITALIC)
        row += 1
    jumlah_row = row
    _put(rekap, row, 2, "Jumlah", font=_BOLD)
    if present:
        _formula(rekap, row, 3, f"=SUM(C{first}:C{row - 1})", font=_BOLD)
    else:
        _put(rekap, row, 3, 0, fmt=FMT_RUPIAH, font=_BOLD)
    _put(rekap, row, 4, summary.jumlah, fmt=FMT_RUPIAH, font=_ITALIC)
    row += 1
    _put(rekap, row, 2, "Jumlah dibulatkan", font=_BOLD)
    _formula(rekap, row, 3, f"=ROUNDDOWN(C{jumlah_row},-3)", font=_BOLD)
    _put(rekap, row, 4, summary.dibulatkan, fmt=FMT_RUPIAH, font=_ITALIC)
    row += 1
    _put(rekap, row, 2, "Terbilang", font=_BOLD)
    words = summary.terbilang[:1].upper() + summary.terbilang[1:]
    _put(rekap, row, 3, words, font=Font(italic=True))
    row += 2
    _put(rekap, row, 1, "Kolom “Nilai menurut aplikasi” dan terbilang dihitung oleh aplikasi ketika berkas ini "
                "dibuat; keduanya tidak ikut berubah bila volume atau harga diubah di Excel.", font=_ITALIC)
    return _save(wb)


def write_comparison(
    title: str, columns: Sequence[str], rows: Sequence[tuple[str, Sequence[int | Decimal | str | None]]]
) -> bytes:
    """A side-by-side table: the title on row 1, "Uraian" and one column per scenario on row 2, then one
    row per measure (its label, then its values; numbers as numbers, None blank)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Perbandingan"
    _put(ws, 1, 1, title, font=_TITLE)
    widths = [44, *(max(16, min(40, len(str(c)) + 4)) for c in columns)]
    _header(ws, 2, ["Uraian", *columns], widths, freeze="B3")
    for r, (label, values) in enumerate(rows, start=3):
        _put(ws, r, 1, label)
        for c, value in enumerate(values, start=2):
            fmt = None
            if isinstance(value, int | Decimal) and not isinstance(value, bool):
                fmt = FMT_RUPIAH if Decimal(value) == Decimal(value).to_integral_value() else FMT_RUPIAH_CENTS
            _put(ws, r, c, value, fmt=fmt)
    return _save(wb)
