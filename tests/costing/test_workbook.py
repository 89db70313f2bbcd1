"""Spreadsheets in and out: real .xlsx and CSV files, good and bad, written to tmp_path."""

from __future__ import annotations

import io
import re
import subprocess
import sys
import zipfile
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import openpyxl
import pytest

from costing import CostingError
from costing.rab import DIVISIONS, price_lines, recap
from costing.workbook import (
    EXAMPLE_LIBRARY,
    MAX_PROBLEMS,
    RowProblem,
    WorkbookError,
    parse_number,
    read_price_library,
    read_rab,
    template_price_library,
    template_rab,
    write_comparison,
    write_price_library,
    write_rab,
)
from tests.costing.sheets import ITEMS, RESOURCES

D = Decimal
FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "prices" / "templates"

HARGA_HEADER = ["kode", "nama", "satuan", "jenis", "harga"]
AHSP_HEADER = ["kode_item", "uraian", "satuan", "divisi", "overhead_pct", "kode_sumber_daya", "koefisien"]
HARGA_ROWS = [
    ["L.01", "Pekerja", "OH", "upah", 150_000],
    ["L.04", "Mandor", "OH", "upah", 210_000],
    ["E.01", "Stamper", "jam", "alat", 40_000],
]
AHSP_ROWS = [
    ["A.2.2.1.1", "Galian 1 m3 tanah biasa sedalam 1 m", "m3", "tanah", 10, "L.01", 0.75],
    [None, None, None, None, None, "L.04", 0.025],
]


def _library_dict() -> dict:
    """tests/costing/sheets.py in the stored format (canonical texts)."""
    division = {"A.4.1.1.7": "struktur", "A.2.2.1.1": "tanah", "A.2.2.1.9": "tanah"}
    return {
        "code": "DKI-2026-1",
        "name": "Harga dasar DKI 2026",
        "region": "DKI Jakarta",
        "effective_date": "2026-01-31",
        "source": "=HYPERLINK(\"http://example.org\")",  # must stay text, never become a formula
        "illustrative": False,
        "resources": [
            {"code": r.code, "name": r.name, "unit": r.unit, "kind": r.kind, "price": r.price}
            for r in RESOURCES.values()
        ],
        "items": [
            {
                "code": i.code,
                "name": i.name,
                "unit": i.unit,
                "division": division[i.code],
                "overhead_pct": format(i.overhead_pct.normalize(), "f"),
                "coefficients": [
                    {"resource": c.resource_code, "coefficient": format(c.coefficient.normalize(), "f")}
                    for c in i.coefficients
                ],
            }
            for i in ITEMS.values()
        ],
    }


def _xlsx(path: Path, sheets: dict[str, list[list]], merged: dict[str, list[str]] | None = None) -> Path:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
        for cells in (merged or {}).get(name, []):
            ws.merge_cells(cells)
    wb.save(path)
    return path


def _library_file(tmp_path: Path, harga=None, ahsp=None, **extra) -> Path:
    sheets = {"Harga": [HARGA_HEADER, *(HARGA_ROWS if harga is None else harga)],
              "AHSP": [AHSP_HEADER, *(AHSP_ROWS if ahsp is None else ahsp)], **extra}
    return _xlsx(tmp_path / "pustaka.xlsx", sheets)


def _one(problems: list[RowProblem]) -> RowProblem:
    assert len(problems) == 1, [p.message.render() for p in problems]
    return problems[0]


def _assert_names(problem: RowProblem, code: str, sheet: str, row: int, column: str) -> None:
    assert (problem.message.code, problem.sheet, problem.row, problem.column) == (code, sheet, row, column)
    text = problem.message.render()
    assert f"row {row}" in text and f"“{column}”" in text and sheet in text, text


# --------------------------------------------------------------------------------------------
# round trips


def test_template_price_library_reads_back_as_the_example(tmp_path):
    path = tmp_path / "template.xlsx"
    path.write_bytes(template_price_library())
    data, problems = read_price_library(path)
    assert problems == []
    assert data == EXAMPLE_LIBRARY
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["Info", "Harga", "AHSP", "Petunjuk"]
    for name, header in (("Harga", HARGA_HEADER), ("AHSP", AHSP_HEADER)):
        ws = wb[name]
        assert [c.value for c in ws[1]][: len(header)] == header
        assert ws["A1"].font.bold and ws.freeze_panes in ("A2", "C2")
        assert ws.max_row == 2  # one illustrative example row
    assert wb["Harga"]["E2"].number_format == "#,##0"


def test_template_rab_reads_back(tmp_path):
    path = tmp_path / "rab.xlsx"
    path.write_bytes(template_rab())
    lines, problems = read_rab(path, item_codes={"A.2.2.1.1"})
    assert problems == []
    assert lines == [{"division": "tanah", "item": "A.2.2.1.1", "volume": "85", "building": "A",
                      "note": "Contoh: galian pondasi blok A (hapus baris ini)"}]
    ws = openpyxl.load_workbook(path)["RAB"]
    assert [c.value for c in ws[1]] == ["divisi", "kode_item", "volume", "blok", "catatan"]
    assert ws.freeze_panes == "A2" and ws["A1"].font.bold


def test_write_price_library_then_read_gives_the_same_data(tmp_path):
    data = _library_dict()
    data["resources"].append({"code": "101", "name": "Paku 5 cm", "unit": "kg", "kind": "material", "price": 0})
    data["items"].append({"code": "P.1", "name": "Tanpa sumber daya", "unit": "ls", "division": "smkk",
                          "overhead_pct": "12.5", "coefficients": []})
    path = tmp_path / "pustaka.xlsx"
    path.write_bytes(write_price_library(data))
    read, problems = read_price_library(path, "Pustaka DKI.xlsx")
    assert problems == []
    assert read == data

    wb = openpyxl.load_workbook(path)
    assert wb["Info"]["B6"].value == data["source"] and wb["Info"]["B6"].data_type == "s"
    assert wb["Info"]["B5"].value == datetime(2026, 1, 31)
    assert wb["Harga"]["A11"].value == "101" and wb["Harga"]["A11"].data_type == "s"
    ahsp = wb["AHSP"]
    assert ahsp["H2"].value == '=IFERROR(INDEX(Harga!$E:$E,MATCH($F2,Harga!$A:$A,0)),"")'
    assert ahsp["I2"].value == '=IF(H2="","",G2*H2)'
    assert ahsp["J2"].value == "=SUM(I2:I9)*(1+E2/100)"  # the 8 rows of beton K-225
    assert ahsp["G2"].value == 1.65 and ahsp["E2"].value == 10


def test_same_data_from_csv_fixtures_with_bom_and_semicolons():
    resources, problems = read_price_library(FIXTURES / "harga.csv")
    assert problems == []
    assert resources["items"] == [] and resources["code"] is None and resources["illustrative"] is None
    assert resources["resources"] == [
        {"code": "L.01", "name": "Pekerja", "unit": "OH", "kind": "labour", "price": 150_000},
        {"code": "L.02", "name": "Tukang batu", "unit": "OH", "kind": "labour", "price": 175_000},
        {"code": "L.04", "name": "Mandor", "unit": "OH", "kind": "labour", "price": 210_000},
        {"code": "M.01", "name": "Semen Portland", "unit": "kg", "kind": "material", "price": 1_500},
        {"code": "M.02", "name": "Pasir beton", "unit": "m3", "kind": "material", "price": 320_000},
        {"code": "E.01", "name": "Stamper", "unit": "jam", "kind": "equipment", "price": 40_000},
    ]
    items, problems = read_price_library(FIXTURES / "ahsp.csv")
    assert problems == [] and items["resources"] == []
    assert items["items"] == [
        {"code": "A.2.2.1.1", "name": "Galian 1 m3 tanah biasa sedalam 1 m", "unit": "m3", "division": "tanah",
         "overhead_pct": "10", "coefficients": [{"resource": "L.01", "coefficient": "0.75"},
                                                {"resource": "L.04", "coefficient": "0.025"}]},
        {"code": "A.2.2.1.9", "name": "Pemadatan 1 m3 tanah dengan stamper", "unit": "m3", "division": "tanah",
         "overhead_pct": "12", "coefficients": [{"resource": "L.01", "coefficient": "0.5"},
                                                {"resource": "L.04", "coefficient": "0.05"},
                                                {"resource": "E.01", "coefficient": "0.5"}]},
    ]
    lines, problems = read_rab(FIXTURES / "rab.csv", item_codes=set(ITEMS))
    assert problems == []
    assert lines[1] == {"division": "tanah", "item": "A.2.2.1.9", "volume": "40", "building": "A",
                        "note": "Dipadatkan, lapis 20 cm"}
    assert lines[2] == {"division": "struktur", "item": "A.4.1.1.7", "volume": "12.5", "building": None, "note": None}


def test_english_headers_title_rows_and_a_flat_or_merged_ahsp(tmp_path):
    path = _xlsx(tmp_path / "en.xlsx", {
        "Resources": [["Price list DKI 2026"], [], ["Code", "Name", "UNIT", "Kind", "Price (Rp)"],
                      ["L.01", "Pekerja", "o.h", "Labour", "Rp 150.000"], ["L.04", "Mandor", "OH", "tenaga", 210000.0]],
        "ahsp": [["Item code", "Description", "Unit", "Division", "Overhead (%)", "Resource code", "Coefficient"],
                 ["A.1", "Galian", "m3", "Earthworks", "10%", "L.01", "0,75"],
                 ["A.1", "Galian", "m3", "tanah", 10, "L.04", 0.025],  # flat: the item repeated, equal
                 ["B.1", "Urugan", "m3", "Pekerjaan tanah", None, "L.01", 0.5],
                 [None, None, None, None, None, "L.04", 0.05]],
    }, merged={"Resources": ["A1:E1"], "ahsp": ["A4:A5", "B4:B5"]})
    data, problems = read_price_library(path)
    assert problems == []
    assert [r["price"] for r in data["resources"]] == [150_000, 210_000]
    assert [(i["code"], i["division"], i["overhead_pct"], len(i["coefficients"])) for i in data["items"]] == [
        ("A.1", "tanah", "10", 2), ("B.1", "tanah", "10", 2)]


def test_info_sheet_keys_and_dates(tmp_path):
    info = [["kunci", "nilai"], ["Kode", "DKI-2026-1"], ["wilayah", "DKI Jakarta"],
            ["Tanggal berlaku", "31 Januari 2026"], ["ilustratif", "tidak"], ["catatan", "bebas"]]
    data, problems = read_price_library(_library_file(tmp_path, Info=info))
    assert problems == []
    assert (data["code"], data["name"], data["region"], data["effective_date"], data["source"],
            data["illustrative"]) == ("DKI-2026-1", None, "DKI Jakarta", "2026-01-31", None, False)
    for value in ("2026-01-31", "31/01/2026", "31-01-2026", date(2026, 1, 31), datetime(2026, 1, 31)):
        data, problems = read_price_library(_library_file(tmp_path, Info=[["tanggal_berlaku", value]]))
        assert problems == [] and data["effective_date"] == "2026-01-31", value
    data, problems = read_price_library(_library_file(tmp_path, Info=[["tanggal_berlaku", "31/02/2026"],
                                                                       ["ilustratif", "mungkin"]]))
    assert [(p.message.code, p.row, p.column) for p in problems] == [
        ("workbook.date_invalid", 1, "B"), ("workbook.yes_no_invalid", 2, "B")]
    data, problems = read_price_library(_library_file(tmp_path, Info=[["sumber", "S" * 1001]]))
    assert [(p.message.code, p.row, p.column) for p in problems] == [("workbook.text_too_long", 1, "B")]


# --------------------------------------------------------------------------------------------
# numbers


@pytest.mark.parametrize(
    ("text", "money", "expected"),
    [
        ("1.250.000", False, D("1250000")),
        ("1.250.000", True, D("1250000")),
        ("2,5", False, D("2.5")),
        ("2.5", False, D("2.5")),
        ("0,275", False, D("0.275")),
        ("0.275", False, D("0.275")),
        ("1,250,000.50", False, D("1250000.50")),
        ("1.250.000,50", False, D("1250000.50")),
        ("180.000", True, D("180000")),
        ("180,000", True, D("180000")),
        ("Rp 180.000,-", True, D("180000")),
        ("Rp180.000", False, D("180000")),  # "Rp" makes it money whatever the column
        ("Rp. 1.500", True, D("1500")),
        ("IDR 1,250,000", True, D("1250000")),
        ("180000.0", True, D("180000")),
        ("180000", True, D("180000")),
        (" 1 250 000 ", True, D("1250000")),
        ("12,5", False, D("12.5")),
        ("12.5000", False, D("12.5")),
        ("-3", False, D("-3")),
        ("−3,5", False, D("-3.5")),
        (",5", False, D("0.5")),
        ("1E-03", False, D("0.001")),
        (180000.0, True, D("180000")),
        (0.1 + 0.2, False, D("0.3")),  # Excel's 15 significant digits
        (42, False, D("42")),
        (D("1.5"), False, D("1.5")),
    ],
)
def test_parse_number(text, money, expected):
    assert parse_number(text, money=money) == expected


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("1.250", "costing.number_ambiguous"),
        ("12,500", "costing.number_ambiguous"),
        ("abc", "costing.not_a_number"),
        ("1.25.000", "costing.not_a_number"),
        ("1,2,3", "costing.not_a_number"),
        ("1.000.5", "costing.not_a_number"),
        ("1.2,5", "costing.not_a_number"),
        ("5,", "costing.not_a_number"),
        ("", "costing.not_a_number"),
        ("1 25", "costing.not_a_number"),
        (True, "costing.not_a_number"),
        (None, "costing.not_a_number"),
        (date(2026, 1, 1), "costing.not_a_number"),
        (float("nan"), "costing.not_a_number"),
    ],
)
def test_parse_number_refuses(text, code):
    with pytest.raises(CostingError) as caught:
        parse_number(text)
    assert caught.value.message.code == code


def test_ambiguous_number_says_both_readings():
    with pytest.raises(CostingError) as caught:
        parse_number("1.250")
    assert caught.value.message.render() == "“1.250” could mean 1250 or 1,25; write 1250 or 1,25 so there is no doubt."
    assert parse_number("12,5 %", percent=True) == D("12.5")


# --------------------------------------------------------------------------------------------
# whole files refused


def _refused(path: Path, filename: str | None = None, **kwargs) -> WorkbookError:
    with pytest.raises(WorkbookError) as caught:
        read_price_library(path, filename, **kwargs)
    return caught.value


def test_png_named_xlsx_is_not_a_spreadsheet(tmp_path):
    path = tmp_path / "upload.bin"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64))
    error = _refused(path, "harga.xlsx")
    assert error.message.code == "workbook.not_spreadsheet"
    assert "harga.xlsx" in error.message.render()
    with pytest.raises(WorkbookError) as caught:
        read_rab(path, "rab.xlsx", item_codes=())
    assert caught.value.message.code == "workbook.not_spreadsheet"


def test_empty_files(tmp_path):
    path = tmp_path / "kosong.xlsx"
    path.write_bytes(b"")
    assert _refused(path).message.code == "workbook.empty"
    path = tmp_path / "kosong.csv"
    path.write_bytes(b"\xef\xbb\xbf\r\n  \r\n")
    assert _refused(path).message.code == "workbook.empty"


def test_old_excel_password_and_other_zips(tmp_path):
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512)
    path = tmp_path / "a.xls"
    path.write_bytes(ole)
    error = _refused(path)
    assert error.message.code == "workbook.unsupported_format" and ".xls" in error.message.render()
    path.write_bytes(ole + "EncryptionInfo".encode("utf-16-le") + bytes(64))
    assert _refused(path, "rahasia.xlsx").message.code == "workbook.password_protected"

    path = tmp_path / "a.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("readme.txt", "hello")
    assert _refused(path, "harga.xlsx").message.code == "workbook.not_spreadsheet"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
    assert _refused(path, "harga.ods").message.code == "workbook.unsupported_format"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("xl/workbook.xml", "<not really")
        z.writestr("[Content_Types].xml", "<nope")
    assert _refused(path, "rusak.xlsx").message.code == "workbook.damaged"


def test_unpacked_size_is_limited_before_loading(tmp_path):
    path = tmp_path / "bom.xlsx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/workbook.xml", "<workbook/>")
        z.writestr("xl/worksheets/sheet1.xml", " " * (17 * 1024 * 1024))
    error = _refused(path, max_rows=10)
    assert error.message.code == "workbook.too_large" and "16 MB" in error.message.render()


def test_missing_sheet_names_it_and_lists_the_sheets(tmp_path):
    path = _xlsx(tmp_path / "a.xlsx", {"Harga": [HARGA_HEADER, *HARGA_ROWS], "Analisa harga": [AHSP_HEADER]})
    error = _refused(path)
    assert error.message.code == "workbook.sheet_missing"
    assert error.message.render() == "“a.xlsx” lacks the sheet(s) AHSP; it has Harga, Analisa harga."


def test_missing_column_is_named(tmp_path):
    path = _xlsx(tmp_path / "a.xlsx", {"Harga": [["kode", "nama", "satuan", "harga"], ["L.01", "Pekerja", "OH", 1]],
                                      "AHSP": [AHSP_HEADER]})
    error = _refused(path)
    assert error.message.code == "workbook.columns_missing"
    assert error.message.fields["columns"] == "jenis"
    assert error.message.render() == (
        "Harga lacks the column(s) jenis; its header row (row 1) has kode, nama, satuan, harga.")


def test_merged_header_cells_are_refused_with_the_range(tmp_path):
    header = ["kode", "nama", None, "jenis", "harga"]
    path = _xlsx(tmp_path / "a.xlsx", {"Harga": [header, *HARGA_ROWS], "AHSP": [AHSP_HEADER, *AHSP_ROWS]},
                 merged={"Harga": ["B1:C1"]})
    error = _refused(path)
    assert error.message.code == "workbook.header_merged"
    assert error.message.fields["range"] == "B1:C1" and "B1:C1" in error.message.render()


def test_a_column_twice_and_too_many_rows(tmp_path):
    path = _library_file(tmp_path, harga=[])
    openpyxl_wb = openpyxl.load_workbook(path)
    openpyxl_wb["Harga"]["F1"] = "Harga"
    openpyxl_wb.save(path)
    error = _refused(path)
    assert error.message.code == "workbook.column_twice" and "E1, F1" in error.message.render()

    rows = [[f"R.{k}", "Pekerja", "OH", "upah", 1] for k in range(11)]
    assert _refused(_library_file(tmp_path, harga=rows), max_rows=10).message.code == "workbook.too_many_rows"
    csv_path = tmp_path / "harga.csv"
    csv_path.write_text("kode,nama,satuan,jenis,harga\n" + "R.1,P,OH,upah,1\n" * 30, encoding="utf-8")
    assert _refused(csv_path, max_rows=10).message.code == "workbook.too_many_rows"


def test_headers_only_and_empty_sheets(tmp_path):
    assert _refused(_library_file(tmp_path, harga=[], ahsp=[])).message.code == "workbook.no_rows"
    path = _xlsx(tmp_path / "a.xlsx", {"Harga": [], "AHSP": [AHSP_HEADER]})
    assert _refused(path).message.code == "workbook.sheet_empty"


def test_csv_refusals(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("a;b;c\n1;2;3\n", encoding="utf-8")
    error = _refused(path)
    assert error.message.code == "workbook.csv_layout_unknown" and "a, b, c" in error.message.render()
    path.write_bytes("kode;nama;satuan;jenis;harga\nL.01;Kéré;OH;upah;1\n".encode("cp1252"))
    error = _refused(path, "harga.csv")
    assert error.message.code == "workbook.not_utf8" and "CSV UTF-8" in error.message.render()
    path.write_text("kode;nama;satuan;harga\nL.01;Pekerja;OH;1\n", encoding="utf-8")
    error = _refused(path)
    assert error.message.code == "workbook.columns_missing" and error.message.fields["columns"] == "jenis"


# --------------------------------------------------------------------------------------------
# row problems


@pytest.mark.parametrize(
    ("row", "code", "column"),
    [
        (["L.09", "Tukang", "OH", "upah", -5], "workbook.number_negative", "harga"),
        (["L.09", "Tukang", "OH", "upah", "seratus"], "workbook.number_invalid", "harga"),
        (["L.09", "Tukang", "OH", "upah", "180.000,50"], "workbook.price_not_whole", "harga"),
        (["L.09", "Tukang", "OH", "upah", 1500.5], "workbook.price_not_whole", "harga"),
        (["L.09", "Tukang", "OH", "upah", "9223372036854775807"], "workbook.price_too_large", "harga"),
        (["L.09", "Tukang", "OH", "upah", 10**15 + 1], "workbook.price_too_large", "harga"),
        (["L.09", "Tukang", "OH", "upah", "#N/A"], "workbook.cell_error", "harga"),
        (["L.09", "Tukang", "OH", "upah", None], "workbook.cell_empty", "harga"),
        (["L.09", "Tukang", "meter kubik", "upah", 1], "workbook.unit_unknown", "satuan"),
        (["L.09", "Tukang", "OH", "jasa", 1], "workbook.kind_unknown", "jenis"),
        (["L.01", "Pekerja lagi", "OH", "upah", 1], "workbook.resource_duplicate", "kode"),
        (["L" * 33, "Tukang", "OH", "upah", 1], "workbook.text_too_long", "kode"),
    ],
)
def test_a_bad_resource_row_names_its_row_and_column(tmp_path, row, code, column):
    data, problems = read_price_library(_library_file(tmp_path, harga=[*HARGA_ROWS, row]))
    _assert_names(_one(problems), code, "Harga", 5, column)


def test_messages_read_well(tmp_path):
    rows = [*HARGA_ROWS, ["L.09", "Tukang", "OH", "upah", -5], ["L.01", "Pekerja", "OH", "upah", 1]]
    _data, problems = read_price_library(_library_file(tmp_path, harga=rows))
    assert [p.message.render() for p in problems] == [
        "Harga, row 5, column “harga”: -5 is negative; it must be zero or more.",
        "Harga, row 6, column “kode”: resource L.01 is already on row 2; list each resource once.",
    ]


@pytest.mark.parametrize(
    ("rows", "code", "row", "column"),
    [
        ([["A.1", "Galian", "m3", "tanah", 10, "X.99", 1]], "workbook.resource_unknown", 2, "kode_sumber_daya"),
        ([["A.1", "Galian", "m3", "tanah", 10, "L.01", -0.5]], "workbook.number_negative", 2, "koefisien"),
        ([["A.1", "Galian", "m3", "tanah", 10, "L.01", "banyak"]], "workbook.number_invalid", 2, "koefisien"),
        ([["A.1", "Galian", "m3", "tanah", 10, "L.01", "1.650"]], "workbook.number_ambiguous", 2, "koefisien"),
        ([["A.1", "Galian", "m3", "tanah", 10, "L.01", None]], "workbook.cell_empty", 2, "koefisien"),
        ([["A.1", "Galian", "kubik", "tanah", 10, "L.01", 1]], "workbook.unit_unknown", 2, "satuan"),
        ([["A.1", "Galian", "m3", "atap", 10, "L.01", 1]], "workbook.division_unknown", 2, "divisi"),
        ([["A.1", "Galian", "m3", "tanah", 31, "L.01", 1]], "workbook.overhead_out_of_range", 2, "overhead_pct"),
        ([["A.1", "Galian", "m3", "tanah", -1, "L.01", 1]], "workbook.overhead_out_of_range", 2, "overhead_pct"),
        ([["A.1", None, "m3", "tanah", 10, "L.01", 1]], "workbook.cell_empty", 2, "uraian"),
        ([[None, "Galian", "m3", "tanah", 10, "L.01", 1]], "workbook.cell_empty", 2, "kode_item"),
        ([["A.1", "Galian", "m3", "tanah", 10, "L.01", 1], ["B.1", "Urug", "m3", "tanah", 10, "L.01", 1],
          ["A.1", "Galian", "m3", "tanah", 10, "L.04", 1]], "workbook.item_duplicate", 4, "kode_item"),
        ([["A.1", "Galian", "m3", "tanah", 10, "L.01", 1], [None, "Urugan", None, None, None, "L.04", 1]],
         "workbook.item_conflict", 3, "uraian"),
        ([["A.1", "Galian", "m3", "tanah", 10, "L.01", 1], ["A.1", None, "m2", None, None, "L.04", 1]],
         "workbook.item_conflict", 3, "satuan"),
    ],
)
def test_a_bad_ahsp_row_names_its_row_and_column(tmp_path, rows, code, row, column):
    _data, problems = read_price_library(_library_file(tmp_path, ahsp=rows))
    _assert_names(_one(problems), code, "AHSP", row, column)


def test_an_item_whose_code_is_bad_is_reported_once(tmp_path):
    rows = [["A" * 40, "Galian", "m3", "tanah", 10, "L.01", 1], [None, None, None, None, None, "L.04", 1]]
    _data, problems = read_price_library(_library_file(tmp_path, ahsp=rows))
    _assert_names(_one(problems), "workbook.text_too_long", "AHSP", 2, "kode_item")


def test_all_problems_in_one_pass(tmp_path):
    harga = [*HARGA_ROWS, ["L.09", "Tukang", "kubik", "jasa", "x"]]
    ahsp = [["A.1", "Galian", "m3", "atap", 50, "X.1", -1]]
    _data, problems = read_price_library(_library_file(tmp_path, harga=harga, ahsp=ahsp))
    assert [(p.sheet, p.row, p.column, p.message.code) for p in problems] == [
        ("Harga", 5, "satuan", "workbook.unit_unknown"),
        ("Harga", 5, "jenis", "workbook.kind_unknown"),
        ("Harga", 5, "harga", "workbook.number_invalid"),
        ("AHSP", 2, "divisi", "workbook.division_unknown"),
        ("AHSP", 2, "overhead_pct", "workbook.overhead_out_of_range"),
        ("AHSP", 2, "koefisien", "workbook.number_negative"),
        ("AHSP", 2, "kode_sumber_daya", "workbook.resource_unknown"),
    ]


def test_problems_are_capped(tmp_path):
    rows = [[f"R.{k}", "Pekerja", "OH", "upah", -1] for k in range(300)]
    ahsp = [["A.1", "Galian", "m3", "tanah", 10, "R.0", 1]]
    _data, problems = read_price_library(_library_file(tmp_path, harga=rows, ahsp=ahsp))
    assert len(problems) == MAX_PROBLEMS
    last = problems[-1]
    assert (last.message.code, last.row, last.column) == ("workbook.too_many_problems", None, None)
    assert "300 problems" in last.message.render()


def test_csv_row_problems_name_the_file(tmp_path):
    path = tmp_path / "upload"
    path.write_bytes("\ufeffkode;nama;satuan;jenis;harga\nL.01;Pekerja;OH;upah;-150.000\n".encode())
    _data, problems = read_price_library(path, "harga baru.csv")
    _assert_names(_one(problems), "workbook.number_negative", "harga baru.csv", 2, "harga")
    path.write_text("kode_item;uraian;satuan;divisi;kode_sumber_daya;koefisien\nA.1;Galian;m3;tanah;ZZ;1\n")
    data, problems = read_price_library(path, "ahsp.csv")
    assert problems == []  # an AHSP table alone: its resources are checked by the caller
    assert data["items"][0]["coefficients"] == [{"resource": "ZZ", "coefficient": "1"}]


# --------------------------------------------------------------------------------------------
# read_rab


@pytest.mark.parametrize(
    ("row", "code", "column"),
    [
        (["tanah", "A.2.2.1.1", -3], "workbook.number_negative", "volume"),
        (["tanah", "A.2.2.1.1", "tiga"], "workbook.number_invalid", "volume"),
        (["tanah", "A.2.2.1.1", "1.500"], "workbook.number_ambiguous", "volume"),
        (["atap", "A.2.2.1.1", 3], "workbook.division_unknown", "divisi"),
        (["tanah", "Z.9", 3], "workbook.item_unknown", "kode_item"),
        (["tanah", None, 3], "workbook.cell_empty", "kode_item"),
        (["tanah", "A.2.2.1.1", None, "A"], "workbook.cell_empty", "volume"),
    ],
)
def test_a_bad_rab_row_names_its_row_and_column(tmp_path, row, code, column):
    path = _xlsx(tmp_path / "rab.xlsx", {"RAB": [["divisi", "kode_item", "volume", "blok"], ["tanah", "A.2.2.1.9", 1],
                                                 row]})
    lines, problems = read_rab(path, item_codes=set(ITEMS))
    _assert_names(_one(problems), code, "RAB", 3, column)
    if code == "workbook.item_unknown":
        assert "price library has no work item “Z.9”" in problems[0].message.render()


def test_read_rab_from_the_first_sheet_and_refusals(tmp_path):
    path = _xlsx(tmp_path / "rab.xlsx", {"Volume blok A": [["Division", "Item code", "Volume"], ["tanah", "A.2.2.1.1",
                                                                                                  "12,5"]]})
    lines, problems = read_rab(path, item_codes=set(ITEMS))
    assert problems == [] and lines == [{"division": "tanah", "item": "A.2.2.1.1", "volume": "12.5",
                                         "building": None, "note": None}]
    path = _xlsx(tmp_path / "rab.xlsx", {"RAB": [["divisi", "kode_item"], ["tanah", "A.2.2.1.1"]]})
    with pytest.raises(WorkbookError) as caught:
        read_rab(path, item_codes=set(ITEMS))
    assert caught.value.message.code == "workbook.columns_missing"
    assert caught.value.message.fields["columns"] == "volume"
    path = _xlsx(tmp_path / "rab.xlsx", {"RAB": [["divisi", "kode_item", "volume"]]})
    with pytest.raises(WorkbookError) as caught:
        read_rab(path, item_codes=set(ITEMS))
    assert caught.value.message.code == "workbook.no_rows"


# --------------------------------------------------------------------------------------------
# write_rab


ROWS = [
    ("struktur", "A.4.1.1.7", "12.5", "A"),
    ("tanah", "A.2.2.1.1", 85, "A"),
    ("tanah", "A.2.2.1.9", D(40), "A"),
    ("pondasi", "A.4.1.1.7", D("7.25")),
]


def _evaluate(wb: openpyxl.Workbook, sheet: str, ref: str) -> Decimal:
    """The few formulas write_rab uses, computed the way Excel does (ROUND half away from zero)."""
    value = wb[sheet][ref].value
    if not isinstance(value, str):
        return Decimal(format(value, ".15g")) if isinstance(value, float) else Decimal(value)
    if m := re.fullmatch(r"=ROUND\(([A-Z]+\d+)\*([A-Z]+\d+),0\)", value):
        product = _evaluate(wb, sheet, m[1]) * _evaluate(wb, sheet, m[2])
        return product.quantize(D(1), rounding=ROUND_HALF_UP)
    if m := re.fullmatch(r"=SUM\(([A-Z]+)(\d+):([A-Z]+)(\d+)\)", value):
        assert m[1] == m[3]
        cells = [wb[sheet][f"{m[1]}{r}"].value for r in range(int(m[2]), int(m[4]) + 1)]
        assert all(c is not None for c in cells), value  # a subtotal covers exactly its lines
        return sum((_evaluate(wb, sheet, f"{m[1]}{r}") for r in range(int(m[2]), int(m[4]) + 1)), D(0))
    if m := re.fullmatch(r"=RAB!([A-Z]+\d+)", value):
        return _evaluate(wb, "RAB", m[1])
    if m := re.fullmatch(r"=ROUNDDOWN\(([A-Z]+\d+),-3\)", value):
        return (_evaluate(wb, sheet, m[1]) // 1000) * 1000
    raise AssertionError(f"unexpected formula {value}")


def test_write_rab_formulas_compute_the_recap(tmp_path):
    lines = price_lines(ROWS, ITEMS, RESOURCES)
    r = recap(lines)
    names = {code: item.name for code, item in ITEMS.items()}
    units = {code: item.unit for code, item in ITEMS.items()}
    data = write_rab("RAB Kampung Susun Kunir", lines, names, units)
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["RAB", "Rekap"]
    ws = wb["RAB"]
    assert [c.value for c in ws[3]] == ["No", "Divisi", "Kode", "Uraian pekerjaan", "Satuan", "Volume",
                                        "Harga satuan", "Jumlah", "Blok"]
    assert ws.freeze_panes == "A4" and ws["A3"].font.bold
    # DIVISIONS order: tanah (I), pondasi (II), struktur (III)
    assert [ws[f"A{r}"].value for r in (4, 7, 9, 13)] == ["I", None, "II", "III"]
    assert ws["D4"].value == "Pekerjaan tanah"
    assert [ws[f"C{r}"].value for r in (5, 6)] == ["A.2.2.1.1", "A.2.2.1.9"]
    assert ws["H5"].value == "=ROUND(F5*G5,0)" and ws["H5"].number_format == "#,##0"
    assert ws["H7"].value == "=SUM(H5:H6)"
    assert ws["G10"].value == 1474357.5 and ws["F10"].value == 7.25 and ws["F10"].number_format == "#,##0.00#"
    assert ws["D11"].value == "Jumlah Pekerjaan pondasi" and ws["H11"].value == "=SUM(H10:H10)"

    rekap = wb["Rekap"]
    assert [c.value for c in rekap[3]] == ["No", "Uraian", "Jumlah (Rp)", "Nilai menurut aplikasi (Rp)"]
    assert [rekap[f"B{r}"].value for r in range(4, 10)] == [
        "Pekerjaan tanah", "Pekerjaan pondasi", "Pekerjaan struktur", "Jumlah", "Jumlah dibulatkan", "Terbilang"]
    assert rekap["C4"].value == "=RAB!H7" and rekap["C7"].value == "=SUM(C4:C6)"
    assert rekap["C8"].value == "=ROUNDDOWN(C7,-3)"
    # the app's own numbers, and Excel's formulas computed here, are recap's to the rupiah
    assert [rekap[f"D{r}"].value for r in range(4, 9)] == [*r.by_division.values(), r.jumlah, r.dibulatkan]
    assert [_evaluate(wb, "Rekap", f"C{r}") for r in range(4, 9)] == [*r.by_division.values(), r.jumlah,
                                                                     r.dibulatkan]
    assert rekap["C9"].value == "Empat puluh empat juta delapan ratus lima puluh empat ribu rupiah"
    assert r.jumlah == 44_854_586


def test_write_rab_reads_back_with_read_rab(tmp_path):
    lines = price_lines(ROWS, ITEMS, RESOURCES)
    path = tmp_path / "rab.xlsx"
    path.write_bytes(write_rab("RAB", lines, {}, {}))
    read, problems = read_rab(path, item_codes=set(ITEMS))
    assert problems == []
    expected = sorted(((line.division, line.item_code, line.volume, line.building) for line in lines),
                      key=lambda x: list(DIVISIONS).index(x[0]))
    assert [(x["division"], x["item"], D(x["volume"]), x["building"]) for x in read] == expected


def test_write_rab_without_lines_and_text_stays_text():
    wb = openpyxl.load_workbook(io.BytesIO(write_rab("=cmd|' /C calc'!A0", [], {}, {})))
    assert wb["RAB"]["A1"].data_type == "s" and wb["RAB"]["A1"].value.startswith("=cmd")
    rekap = wb["Rekap"]
    assert (rekap["B4"].value, rekap["C4"].value, rekap["D4"].value) == ("Jumlah", 0, 0)
    assert rekap["C6"].value == "Nol rupiah"


def test_write_comparison_numbers_are_numbers():
    data = write_comparison(
        "Perbandingan skenario", ["Skenario A", "Skenario B"],
        [("Biaya total (Rp)", [13_100_000_000, D("12950000000")]), ("Biaya per m2 (Rp)", [D("9012345.67"), None]),
         ("Catatan", ["4 lantai", "=SUM(1)"])],
    )
    ws = openpyxl.load_workbook(io.BytesIO(data))["Perbandingan"]
    assert [c.value for c in ws[2]] == ["Uraian", "Skenario A", "Skenario B"]
    assert ws.freeze_panes == "B3" and ws["B2"].font.bold
    assert (ws["B3"].value, ws["C3"].value, ws["B3"].number_format) == (13_100_000_000, 12_950_000_000, "#,##0")
    assert (ws["B4"].value, ws["B4"].number_format, ws["C4"].value) == (9012345.67, "#,##0.00", None)
    assert ws["C5"].value == "=SUM(1)" and ws["C5"].data_type == "s"


def test_workbook_imports_nothing_from_app():
    code = "import sys, costing.workbook; print(sorted(m for m in sys.modules if m == 'app' or m.startswith('app.')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
