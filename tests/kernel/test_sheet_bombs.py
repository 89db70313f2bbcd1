"""Hostile and odd uploads (issue 12): workbooks built by hand to declare, unpack or hold far more than they show,
CSV files of blank lines, each read in memory bounded by what is kept of it, or refused with a clear message; and
the streaming reader checked against openpyxl's loaded reading and the CSV reader against the one it replaced."""

from __future__ import annotations

import csv
import io
import random
import tracemalloc
import zipfile
from datetime import date, datetime, time
from pathlib import Path

import openpyxl
import pytest

from app.tabular import TableFileError, read_table
from costing.workbook import WorkbookError, read_price_library, read_rab
from kernel import sheets
from kernel.errors import UserError
from kernel.sheets import Refusals, first_sheet, sheet_rows

ALIASES = {"number": ("nomor",), "name": ("nama",)}
REFUSALS = Refusals(UserError, "test")
NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"


def cell(ref: str, value) -> str:
    if isinstance(value, str):
        return f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>'
    return f'<c r="{ref}"><v>{value}</v></c>'


def row(number: int, *values, start: int = 1) -> str:
    refs = [openpyxl.utils.get_column_letter(start + k) for k in range(len(values))]
    return f'<row r="{number}">' + "".join(cell(f"{c}{number}", v) for c, v in zip(refs, values, strict=True)
                                           if v is not None) + "</row>"


def sheet_xml(rows: list[str] | str, dimension: str = "A1", after: str = "") -> str:
    body = rows if isinstance(rows, str) else "".join(rows)
    return f'<worksheet {NS}><dimension ref="{dimension}"/><sheetData>{body}</sheetData>{after}</worksheet>'


def workbook(path: Path, sheets_xml: dict[str, str], *, strings: str | None = None, styles: str | None = None,
             level: int = 6, extra: dict[str, bytes] | None = None) -> Path:
    """A workbook made by hand: each sheet's XML as given, so it can declare or hold anything."""
    rels = [f'<Relationship Id="rId{k}" Type="{REL}/worksheet" Target="worksheets/sheet{k}.xml"/>'
            for k in range(1, len(sheets_xml) + 1)]
    if strings is not None:
        rels.append(f'<Relationship Id="rIdS" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>')
    if styles is not None:
        rels.append(f'<Relationship Id="rIdT" Type="{REL}/styles" Target="styles.xml"/>')
    entries = "".join(f'<sheet name="{name}" sheetId="{k}" r:id="rId{k}"/>' for k, name in enumerate(sheets_xml, 1))
    kind = "application/vnd.openxmlformats-officedocument.spreadsheetml"
    parts = [("/xl/workbook.xml", "sheet.main"), *((f"/xl/worksheets/sheet{k}.xml", "worksheet")
                                                  for k in range(1, len(sheets_xml) + 1)),
             ("/xl/sharedStrings.xml", "sharedStrings"), ("/xl/styles.xml", "styles")]
    types = ('<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" '
             'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
             + "".join(f'<Override PartName="{name}" ContentType="{kind}.{part}+xml"/>' for name, part in parts
                       if part not in ("sharedStrings", "styles") or (strings, styles)[part == "styles"] is not None)
             + "</Types>")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as archive:
        archive.writestr("[Content_Types].xml", types)  # as openpyxl needs them, to compare with what it did
        archive.writestr("_rels/.rels", f'<Relationships xmlns="{PKG}"><Relationship Id="rId1" '
                                        f'Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>')
        archive.writestr("xl/workbook.xml", f'<workbook {NS} xmlns:r="{REL}"><sheets>{entries}</sheets></workbook>')
        archive.writestr("xl/_rels/workbook.xml.rels", f'<Relationships xmlns="{PKG}">{"".join(rels)}</Relationships>')
        for k, xml in enumerate(sheets_xml.values(), start=1):
            archive.writestr(f"xl/worksheets/sheet{k}.xml", xml)
        if strings is not None:
            archive.writestr("xl/sharedStrings.xml", strings)
        if styles is not None:
            archive.writestr("xl/styles.xml", styles)
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return path


def table_refusal(path: Path, max_rows: int = 10) -> TableFileError:
    with pytest.raises(TableFileError) as caught:
        read_table(path, path.name, ALIASES, max_rows=max_rows)
    return caught.value


# --- declared sizes: the dimension, a stray cell ---------------------------------------------------------------

def test_a_sheet_declaring_a1_to_xfd1048576_is_read_as_the_three_cells_it_holds(tmp_path):
    bomb = sheet_xml([row(1, "nomor", "nama"), row(2, "KNR-1")], "A1:XFD1048576")
    path = workbook(tmp_path / "a.xlsx", {"Anggota": bomb})
    assert path.stat().st_size < 2000
    table = read_table(path, "a.xlsx", ALIASES, max_rows=20_000)
    assert table.rows == [(2, {"number": "KNR-1", "name": None})]
    rab = sheet_xml([row(1, "divisi", "kode_item", "volume"), row(2, "persiapan", "A.1", 2)], "A1:XFD1048576")
    lines, problems = read_rab(workbook(tmp_path / "rab.xlsx", {"RAB": rab}), item_codes={"A.1"})
    assert [(line["item"], line["volume"]) for line in lines] == [("A.1", "2")] and problems == []
    harga = sheet_xml([row(1, "kode", "nama", "satuan", "jenis", "harga"), row(2, "L.01", "Pekerja", "OH", "upah",
                                                                              150000)], "A1:XFD1048576")
    ahsp = sheet_xml([row(1, "kode_item", "uraian", "satuan", "divisi", "overhead_pct", "kode_sumber_daya",
                          "koefisien"), row(2, "A.1", "Galian", "m3", "tanah", 10, "L.01", 0.75)], "A1:XFD1048576")
    data, problems = read_price_library(workbook(tmp_path / "lib.xlsx", {"Harga": harga, "AHSP": ahsp}))
    assert problems == [] and [r["price"] for r in data["resources"]] == [150_000] and len(data["items"]) == 1


def test_a_single_stray_cell_in_xfd1048576_is_one_cell_more(tmp_path):
    stray = sheet_xml([row(1, "nomor", "nama"), row(2, "KNR-1", "Siti"), '<row r="1048576">'
                       + cell("XFD1048576", "x") + "</row>"], "A1:XFD1048576")
    path = workbook(tmp_path / "a.xlsx", {"Anggota": stray})
    assert first_sheet(path, None, max_rows=10, refusals=REFUSALS)[1] == [
        (1, {1: "nomor", 2: "nama"}), (2, {1: "KNR-1", 2: "Siti"}), (1048576, {16384: "x"})]
    assert read_table(path, "a.xlsx", ALIASES, max_rows=10).rows[-1] == (1048576, {"number": None, "name": None})
    only = workbook(tmp_path / "b.xlsx", {"RAB": sheet_xml('<row r="1048576">' + cell("XFD1048576", "x") + "</row>",
                                                           "A1:XFD1048576")})
    assert "is empty" in table_refusal(only).message.render()  # no header among the first ten rows
    with pytest.raises(WorkbookError) as caught:
        read_rab(only, item_codes=())
    assert caught.value.message.code == "workbook.columns_missing" and "row 1048576" in caught.value.message.render()


# --- stopping early, keeping only what is used ---------------------------------------------------------------

def test_a_sheet_is_read_only_until_it_has_a_row_too_many(tmp_path):
    # After its 30th row the sheet is not even XML: reading every row first, as before, would call it damaged.
    rows = [row(1, "nomor", "nama")] + [row(n, f"KNR-{n}", "Siti") for n in range(2, 31)]
    path = workbook(tmp_path / "a.xlsx", {"Anggota": sheet_xml("".join(rows) + "<row><c><<<")})
    assert table_refusal(path).message.code == "table.too_many_rows"
    rab = [row(1, "divisi", "kode_item", "volume")] + [row(n, "persiapan", "A.1", 1) for n in range(2, 31)]
    with pytest.raises(WorkbookError) as caught:
        read_rab(workbook(tmp_path / "rab.xlsx", {"RAB": sheet_xml("".join(rab) + "<row><c><<<")}), item_codes=(),
                 max_rows=10)
    assert caught.value.message.code == "workbook.too_many_rows"
    assert caught.value.message.render() == "RAB has more than 10 rows; split it into smaller files."


def test_only_the_known_columns_of_a_wide_sheet_are_kept(tmp_path):
    header = row(1, "nomor", "nama", *(f"kolom {k}" for k in range(3, 101)))
    body = "".join(row(n, f"KNR-{n}", "Siti", *range(98)) for n in range(2, 1002))
    path = workbook(tmp_path / "a.xlsx", {"Anggota": sheet_xml(header + body)})
    tracemalloc.start()
    try:
        table = read_table(path, "a.xlsx", ALIASES, max_rows=5_000)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(table.rows) == 1000 and table.rows[0] == (2, {"number": "KNR-2", "name": "Siti"})
    assert peak < 3 * 1024 * 1024  # the 100,000 cells, all kept as before, were about 15 MB


def test_a_csv_file_of_blank_lines_is_read_in_little_memory_and_its_rows_keep_their_numbers(tmp_path, monkeypatch):
    monkeypatch.setattr(sheets, "CSV_CHUNK", 64 * 1024)  # read a chunk at a time: memory is a few chunks
    path = tmp_path / "a.csv"
    with open(path, "w", encoding="utf-8", newline="") as out:
        out.write("nomor,nama\r\n" + "\r\n" * 2_000_000 + " , ,\n" * 1_000_000 + "KNR-1,Siti\n")
    tracemalloc.start()
    try:
        table = read_table(path, "a.csv", ALIASES, max_rows=10)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert table.rows == [(3_000_002, {"number": "KNR-1", "name": "Siti"})]
    assert peak < 1024 * 1024  # the whole file was held as bytes and as text: 18 MB


def test_a_csv_line_of_a_megabyte_is_refused(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("nomor,nama\n" + "," * (2 * 1024 * 1024) + "\nKNR-1,Siti\n", encoding="utf-8")
    error = table_refusal(path)
    assert error.message.code == "table.csv_syntax"
    assert "could not be read at row 2 (a line longer than 1,048,576 characters)" in error.message.render()


# --- the zip's directory --------------------------------------------------------------------------------------

def test_a_zip_bomb_is_refused_by_its_declared_size_or_its_ratio_before_anything_is_unpacked(tmp_path):
    rows = [row(1, "nomor", "nama"), row(2, "KNR-1", "Siti")]
    declared = workbook(tmp_path / "big.xlsx", {"Anggota": sheet_xml(rows + ["<row/>"] * (30 * 1024 * 1024 // 6))},
                        level=9)
    error = table_refusal(declared, max_rows=5_000)  # at most 16 MB unpacked
    assert error.message.code == "table.too_large" and "holds 31 MB of data when unpacked" in error.message.render()
    squeezed = workbook(tmp_path / "ratio.xlsx", {"Anggota": sheet_xml(rows + ["<row/>"] * (15 * 1024 * 1024 // 6))},
                        level=9)
    error = table_refusal(squeezed, max_rows=5_000)
    assert error.message.code == "table.compressed"
    assert "unpacks to" in error.message.render() and "times its size" in error.message.render()
    with pytest.raises(WorkbookError) as caught:
        read_rab(squeezed, item_codes=())
    assert caught.value.message.code == "workbook.compressed"


def test_shared_strings_over_half_the_limit_and_a_zip_of_thousands_of_parts_are_refused(tmp_path):
    random.seed(3)
    strings = f"<sst {NS}>" + "".join(f"<si><t>{random.random()}</t></si>" for _ in range(400_000)) + "</sst>"
    path = workbook(tmp_path / "s.xlsx", {"Anggota": sheet_xml([row(1, "nomor", "nama")])}, strings=strings)
    error = table_refusal(path, max_rows=1_000)
    assert error.message.code == "table.too_large" and "at most 8 MB" in error.message.render()
    parts = {f"xl/media/image{k}.png": b"" for k in range(10_001)}
    path = workbook(tmp_path / "p.xlsx", {"Anggota": sheet_xml([row(1, "nomor", "nama")])}, extra=parts)
    error = table_refusal(path)
    assert error.message.code == "table.damaged"


@pytest.mark.parametrize(("xml", "reason"), [
    (sheet_xml("<row><x>" * 100 + "</x></row>" * 100), "nested more than 64 deep"),
    (sheet_xml('<row r="1">' + cell("XFE1", "x") + "</row>"), "a cell beyond column XFD in row 1"),
    (sheet_xml(row(1, "nomor", "nama") + '<row r="1048577"/>'), "more rows than Excel's 1,048,576"),
    ('<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
     + "".join(f'<!ENTITY lol{k} "' + f"&lol{k - 1};" * 10 + '">' for k in range(3, 10)) + "]>"
     + sheet_xml(row(1, "&lol9;")), "amplification"),
])
def test_xml_built_to_exhaust_the_reader_is_damaged(tmp_path, xml, reason):
    path = workbook(tmp_path / "a.xlsx", {"Anggota": xml})
    error = table_refusal(path)
    assert error.message.code == "table.damaged"
    with pytest.raises(UserError) as caught:
        first_sheet(path, None, max_rows=10, refusals=Refusals(UserError, "test", {"damaged": "{reason}"}))
    assert reason in caught.value.message.render()


# --- the same reading as before -------------------------------------------------------------------------------

def test_the_streamed_sheet_reads_what_openpyxl_loads(tmp_path):
    wb = openpyxl.Workbook()
    wb.epoch = openpyxl.utils.datetime.CALENDAR_MAC_1904  # dates counted from 1904, as old Macs saved them
    ws = wb.active
    ws.append(["nomor", "nama", "tanggal", "jam", "ya", "angka", "pecahan"])
    ws.append(["KNR-1", "  Siti  ", datetime(2026, 1, 31, 8, 30), time(7, 15), True, 12, 0.25])
    ws.append(["KNR-2", None, date(2025, 12, 1), None, False, -3, 1e-9])
    ws.append([None, "   ", None])
    ws["D4"].value, ws["D4"].data_type = "#DIV/0!", "e"
    ws["H2"] = "=SUM(F2:G2)"  # no value computed: blank, as Excel's last value is unknown
    path = tmp_path / "a.xlsx"
    wb.save(path)
    streamed = first_sheet(path, None, max_rows=10, refusals=REFUSALS)[1]
    loaded = sheet_rows(openpyxl.load_workbook(path, data_only=True).worksheets[0])
    assert streamed == loaded
    assert streamed[1][1][3] == datetime(2026, 1, 31, 8, 30) and streamed[1][1][5] is True


def test_shared_strings_rich_text_and_merged_cells_read_as_excel_shows_them(tmp_path):
    strings = (f"<sst {NS}><si><t>kode_item</t></si><si><r><t>ura</t></r><r><rPr><b/></rPr><t>ian</t></r>"
               "<rPh sb=\"0\" eb=\"1\"><t>x</t></rPh></si><si><t>A_x005F_1</t></si></sst>")
    ahsp = sheet_xml(
        [row(1, "kode_item", None, "satuan", "divisi", "overhead_pct", "kode_sumber_daya", "koefisien")
         .replace(cell("A1", "kode_item"), '<c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c>'),
         row(2, "A.1", "Galian", "m3", "tanah", 10, "L.01", 0.75),
         row(3, "B.9", "Urugan", "m3", "tanah", 10, "L.01", 0.5)],  # under A2:A3 .. E2:E3, as LibreOffice keeps
        after='<mergeCells count="5">' + "".join(f'<mergeCell ref="{c}2:{c}3"/>' for c in "ABCDE") + "</mergeCells>")
    harga = sheet_xml([row(1, "kode", "nama", "satuan", "jenis", "harga"), row(2, "L.01", "Pekerja", "OH", "upah", 1)])
    path = workbook(tmp_path / "a.xlsx", {"Harga": harga, "AHSP": ahsp}, strings=strings)
    data, problems = read_price_library(path)
    assert problems == []
    assert [(item["code"], len(item["coefficients"])) for item in data["items"]] == [("A.1", 2)]
    assert first_sheet(workbook(tmp_path / "b.xlsx", {"S": sheet_xml('<row r="1"><c r="A1" t="s"><v>2</v></c>'
                                                                       "</row>")}, strings=strings),
                       None, max_rows=10, refusals=REFUSALS)[1] == [(1, {1: "A_1"})]


def _csv_rows_as_before(text: str) -> list:
    """The reader this one replaced: the whole text decoded, then every record through csv."""
    stripped = text.lstrip()
    delimiter = max((",", ";", "\t"), key=stripped.split("\n", 1)[0].count)
    rows = []
    for number, record in enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), start=1):
        values = {k: value for k, value in enumerate(record, start=1) if value.strip()}
        if values:
            rows.append((number, values))
    return rows


@pytest.mark.parametrize("seed", range(40))
def test_csv_rows_are_those_of_the_reader_before_at_any_chunk_boundary(tmp_path, monkeypatch, seed):
    rng = random.Random(seed)
    pieces = ["a", "b ", " ", ",", ";", "\t", "\n", "\r\n", "\r", '"', '"x\ny"', '"\r\n"', "\u00a0", "é", ",,,,\n"]
    text = "nomor;nama,x\n" + "".join(rng.choice(pieces) for _ in range(rng.randint(0, 300)))
    path = tmp_path / "a.csv"
    path.write_bytes(text.encode("utf-8-sig" if seed % 2 else "utf-8"))
    monkeypatch.setattr(sheets, "CSV_CHUNK", rng.choice((1, 2, 3, 7, 64)))
    try:
        expected = _csv_rows_as_before(text)
    except csv.Error:
        with pytest.raises(UserError) as caught:
            first_sheet(path, None, max_rows=1_000, refusals=REFUSALS)
        assert caught.value.message.code == "test.csv_syntax"
        return
    assert first_sheet(path, None, max_rows=1_000, refusals=REFUSALS)[1] == expected


@pytest.mark.parametrize(("data", "position"), [
    (b"nomor;nama\nK\xe9r\xe9;x\n", 12), (b"\xef\xbb\xbfnomor;nama\n" + b"x" * 5000 + b"\xff", 5011),
    (b"nomor;nama\nab\xc3", 13),
])
def test_a_csv_file_that_is_not_utf8_names_the_byte_as_before(tmp_path, monkeypatch, data, position):
    monkeypatch.setattr(sheets, "CSV_CHUNK", 7)
    path = tmp_path / "a.csv"
    path.write_bytes(data)
    with pytest.raises(UserError) as caught:
        first_sheet(path, None, max_rows=10, refusals=REFUSALS)
    assert caught.value.message.code == "test.not_utf8" and caught.value.message.fields["position"] == position
    try:
        data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        assert error.start == position  # where the whole-file decoding said it was
