"""The one spreadsheet reader (`kernel.sheets`): the same file refused for the same reason under both table readers,
each in its own words, and a sheet's rows read the same whether streamed or loaded."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest

from app.tabular import TableFileError, read_table
from costing.workbook import WorkbookError, read_rab
from kernel.errors import UserError
from kernel.sheets import CellError, Refusals, first_sheet, open_book, sheet_rows

ALIASES = {"number": ("nomor",), "name": ("nama",)}
REFUSALS = Refusals(UserError, "test")


def _table_refusal(path: Path, filename: str) -> TableFileError:
    with pytest.raises(TableFileError) as caught:
        read_table(path, filename, ALIASES, max_rows=10)
    return caught.value


def _workbook_refusal(path: Path, filename: str) -> WorkbookError:
    with pytest.raises(WorkbookError) as caught:
        read_rab(path, filename, item_codes=())
    return caught.value


@pytest.mark.parametrize(("content", "name", "reason", "table_text", "workbook_text"), [
    (b"", "a.csv", "empty", "a.csv is empty.", "“a.csv” is empty."),
    (b"PK\x03\x04 not really a workbook", "a.xlsx", "damaged",
     "a.xlsx is not a spreadsheet that can be read: save it as .xlsx or .csv.",
     "“a.xlsx” could not be read as an Excel workbook"),
    ("nomor;nama\n".encode("utf-16"), "a.csv", "not_utf8",
     "a.csv is not a UTF-8 text or .xlsx file", "“a.csv” is not UTF-8 text (at byte 0)."),
    (b"\x89PNG\r\n\x1a\n" + bytes(64), "a.csv", "not_spreadsheet",
     "a.csv is not a UTF-8 text or .xlsx file", "“a.csv” is not a spreadsheet."),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512), "a.xls", "unsupported_format",
     "“a.xls” is Excel 97-2003 (.xls)", "“a.xls” is Excel 97-2003 (.xls)"),
    (b"<html><body>nomor</body></html>", "a.csv", "not_spreadsheet",
     "a.csv is not a spreadsheet that can be read", "“a.csv” is not a spreadsheet."),
])
def test_a_file_is_refused_for_the_same_reason_in_each_readers_words(tmp_path, content, name, reason, table_text,
                                                                        workbook_text):
    path = tmp_path / "upload"
    path.write_bytes(content)
    table, workbook = _table_refusal(path, name), _workbook_refusal(path, name)
    assert (table.message.code, workbook.message.code) == (f"table.{reason}", f"workbook.{reason}")
    assert table_text in table.message.render() and workbook_text in workbook.message.render()


def _xlsx(rows: list[list], path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    ws["B4"].value, ws["B4"].data_type = "#N/A", "e"
    ws["A5"] = "   "
    wb.save(path)
    return path


def test_streamed_and_loaded_sheets_give_the_same_rows(tmp_path):
    path = _xlsx([["nomor", "nama"], [None, None], ["KNR-1", "Siti"], ["KNR-2"]], tmp_path / "a.xlsx")
    name, streamed = first_sheet(path, "a.xlsx", max_rows=10, refusals=REFUSALS)
    with open_book(path, "a.xlsx", max_rows=10, refusals=REFUSALS) as book:
        assert sheet_rows(book.workbook.worksheets[0]) == streamed
    loaded = sheet_rows(openpyxl.load_workbook(path, data_only=True).worksheets[0])  # as openpyxl loads it whole
    assert name == "a.xlsx" and streamed == loaded
    assert streamed == [(1, {1: "nomor", 2: "nama"}), (3, {1: "KNR-1", 2: "Siti"}), (4, {1: "KNR-2", 2: "#N/A"})]
    assert isinstance(streamed[2][1][2], CellError)


def test_a_streamed_sheet_reads_past_a_wrong_dimension(tmp_path):
    buffer = io.BytesIO()
    wb = openpyxl.Workbook()
    for n in range(1, 6):
        wb.active.append([n, f"nama {n}"])
    wb.save(buffer)
    path = tmp_path / "a.xlsx"
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as source, zipfile.ZipFile(path, "w") as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename.endswith("sheet1.xml"):
                data = re.sub(rb'<dimension ref="[^"]+"', b'<dimension ref="A1:A1"', data)
            target.writestr(info, data)
    assert len(first_sheet(path, None, max_rows=10, refusals=REFUSALS)[1]) == 5


def test_a_tables_header_and_rows(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("\n\nNomor;Nama;Lain\nKNR-1;Siti;x\n\n;;\nKNR-2; ;y\n", encoding="utf-8-sig")
    table = read_table(path, "a.csv", ALIASES, max_rows=2)  # blank rows count toward no limit
    assert table.columns == {"number": 0, "name": 1} and table.titles == {"number": "Nomor", "name": "Nama"}
    assert table.rows == [(4, {"number": "KNR-1", "name": "Siti"}), (7, {"number": "KNR-2", "name": None})]
    path.write_text("nomor,nama\n" + "KNR,Siti\n" * 3, encoding="utf-8")
    with pytest.raises(TableFileError, match="has more than 2 rows"):
        read_table(path, "a.csv", ALIASES, max_rows=2)
    path.write_text("\n" * 11 + "nomor;nama\n", encoding="utf-8")  # no header among the first ten rows
    with pytest.raises(TableFileError, match="is empty"):
        read_table(path, "a.csv", ALIASES, max_rows=2)
