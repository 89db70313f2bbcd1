"""Price libraries and RAB spreadsheets through the app: look, export, import with a preview, refuse bad rows."""

from __future__ import annotations

import io

import openpyxl
import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.designs import service as designs
from app.designs.models import Scenario
from app.prices.models import PriceLibrary
from app.projects.models import Project
from costing.workbook import read_price_library
from tests.conftest import csrf_token, sign_in

pytestmark = pytest.mark.db


def _library_count(db) -> int:
    return db.scalar(select(func.count()).select_from(PriceLibrary))


def _upload(client, url: str, name: str, content: bytes):
    return client.post(url, files={"file": (name, content)}, data={"_csrf_token": csrf_token(client)},
                       follow_redirects=False)


def test_a_library_shows_every_unit_price_built_from_its_coefficients(client, db):
    sign_in(client, db, "pembaca")
    library = db.scalar(select(PriceLibrary))
    page = client.get(f"/prices/{library.id}")
    assert page.status_code == 200 and "AHSP" in page.text and "ilustratif" in page.text.lower()
    assert client.get("/prices").status_code == 200


def test_exported_workbook_reads_back_and_imports_as_a_new_version(client, db, tmp_path):
    sign_in(client, db, "perencana")
    library = db.scalar(select(PriceLibrary))
    exported = client.get(f"/prices/{library.id}/harga.xlsx")
    assert exported.status_code == 200 and "spreadsheetml" in exported.headers["content-type"]
    path = tmp_path / "harga.xlsx"
    path.write_bytes(exported.content)
    data, problems = read_price_library(path)
    assert problems == [] and len(data["resources"]) == len(library.resources)

    before = _library_count(db)
    url = _upload(client, "/prices/import", "harga.xlsx", exported.content).headers["location"]
    preview = client.get(url)
    assert preview.status_code == 200 and 'value="import"' in preview.text
    # The same code as an existing version is refused: a version is never overwritten.
    same = client.post(url, data={"action": "import", "code": library.code, "name": "x", "region": "DKI Jakarta",
                                  "effective_date": "2027-01-01", "_csrf_token": csrf_token(client)})
    assert same.status_code in (400, 409) and library.code in same.text
    assert _library_count(db) == before
    done = client.post(url, data={"action": "import", "code": "dki-2027-01", "name": "Harga DKI 2027",
                                  "region": "DKI Jakarta", "effective_date": "2027-01-01",
                                  "_csrf_token": csrf_token(client)}, follow_redirects=False)
    assert done.status_code in (302, 303)
    assert _library_count(db) == before + 1
    assert db.scalar(select(AuditEntry).where(AuditEntry.action == "prices.create")) is not None


def test_bad_rows_are_listed_with_sheet_row_and_column_and_nothing_is_saved(client, db):
    sign_in(client, db, "perencana")
    csv = (b"kode;nama;satuan;jenis;harga\n"
           b"L.01;Pekerja;OH;upah;180.000\n"
           b"M.01;Semen;kg;bahan;-1500\n"
           b"M.02;Pasir;ember;bahan;250000\n")
    before = _library_count(db)
    url = _upload(client, "/prices/import", "harga.csv", csv).headers["location"]
    preview = client.get(url)
    assert preview.status_code == 200
    assert "harga.csv" in preview.text and ">3<" in preview.text and ">4<" in preview.text  # rows named
    assert "ember" in preview.text
    refused = client.post(url, data={"action": "import", "code": "x-1", "name": "x", "region": "x",
                                     "effective_date": "2027-01-01", "_csrf_token": csrf_token(client)})
    assert refused.status_code == 400 and _library_count(db) == before


def test_not_a_spreadsheet_is_refused_at_once(client, db):
    sign_in(client, db, "perencana")
    url = _upload(client, "/prices/import", "foto.xlsx", b"\x89PNG\r\n\x1a\n" + b"\0" * 50).headers["location"]
    r = client.get(url)
    assert r.status_code == 400 and 'role="alert"' in r.text


def test_only_planners_import_prices(client, db):
    sign_in(client, db, "pengurus-kunir")
    assert client.get("/prices/import").status_code == 403
    assert _upload(client, "/prices/import", "a.csv", b"kode\n").status_code == 403


def _kunir(db, name: str = "Terbangun 2022") -> Scenario:
    return designs.by_name(db, db.scalar(select(Project).where(Project.slug == "kunir")), name)


def test_a_rab_exported_to_excel_imports_back_to_the_same_recap(client, db):
    sign_in(client, db, "perencana")
    scenario = _kunir(db)
    jumlah = designs.compute(db, scenario).recap.jumlah
    exported = client.get(f"/projects/kunir/scenarios/{scenario.id}/rab.xlsx")
    assert exported.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(exported.content))["RAB"]
    assert any(str(c.value).startswith("=ROUND(") for row in sheet.iter_rows() for c in row if c.value)

    url = _upload(client, f"/projects/kunir/scenarios/{scenario.id}/rab", "rab.xlsx", exported.content)
    preview = client.get(url.headers["location"])
    assert preview.status_code == 200 and f"Rp{jumlah:,}".replace(",", ".") in preview.text
    client.post(url.headers["location"], data={"action": "import", "_csrf_token": csrf_token(client)})
    db.expire_all()
    assert designs.compute(db, _kunir(db)).recap.jumlah == jumlah
    assert db.scalar(select(AuditEntry).where(AuditEntry.action == "scenario.rab")).changes["jumlah"]["new"] == jumlah


def test_a_rab_with_unknown_items_or_negative_volumes_changes_nothing(client, db):
    sign_in(client, db, "perencana")
    scenario = _kunir(db)
    lines = len(scenario.rab_lines)
    csv = b"divisi,kode_item,volume,blok\nstruktur,TIDAK.ADA,10,A\nstruktur,A.4.1.1.4,-5,A\nlantai,A.4.1.1.4,2,A\n"
    url = _upload(client, f"/projects/kunir/scenarios/{scenario.id}/rab", "rab.csv", csv).headers["location"]
    preview = client.get(url)
    assert "TIDAK.ADA" in preview.text and "-5" in preview.text and "lantai" in preview.text
    r = client.post(url, data={"action": "import", "_csrf_token": csrf_token(client)})
    assert r.status_code == 400
    db.expire_all()
    assert len(_kunir(db).rab_lines) == lines


def test_comparison_downloads_as_a_workbook(client, db):
    sign_in(client, db, "pembaca")
    r = client.get("/projects/kunir/scenarios/compare.xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(r.content)).active
    values = [c.value for row in sheet.iter_rows() for c in row]
    assert "Terbangun 2022" in values and "Alternatif 5 lantai" in values
