"""The schedule of work packages out to .xlsx and back: costs and dates saved through the schedule, weights
following the costs, every bad row named and nothing saved while one is left."""

from __future__ import annotations

import io
from datetime import date, datetime
from decimal import Decimal

import openpyxl
import pytest
from sqlalchemy import select

from app.construction import schedule_file
from app.construction import service as construction
from app.projects.models import Project
from tests.conftest import csrf_token, sign_in

pytestmark = pytest.mark.db
SCHEDULE = "/projects/marlina/construction/schedule"


@pytest.fixture()
def marlina(client, db) -> Project:
    project = db.scalar(select(Project).where(Project.slug == "marlina"))
    construction.start(db, "test", project, construction.StartIn(date(2025, 11, 3), date(2027, 4, 30)))
    db.commit()
    sign_in(client, db, "pengurus-marlina")
    client.cookies.set("japra_lang", "en")
    return project


def _download(client) -> openpyxl.Workbook:
    r = client.get(SCHEDULE + ".xlsx")
    assert r.status_code == 200 and "spreadsheetml" in r.headers["content-type"]
    return openpyxl.load_workbook(io.BytesIO(r.content))


def _upload(client, wb: openpyxl.Workbook | bytes, name: str = "jadwal.xlsx"):
    if isinstance(wb, openpyxl.Workbook):
        buffer = io.BytesIO()
        wb.save(buffer)
        wb = buffer.getvalue()
    return client.post(SCHEDULE + "/import", files={"file": (name, wb)}, data={"_csrf_token": csrf_token(client)},
                       follow_redirects=False)


def _state(db, project) -> dict[str, tuple]:
    db.expire_all()  # the requests saved through their own sessions
    return {p.code: (p.cost, p.start, p.finish, p.weight_pct) for p in construction.packages_of(db, project)}


def test_the_exported_table_imports_back_with_the_changes(client, db, marlina):
    packages = construction.packages_of(db, marlina)
    cost, weight = packages[3].cost, packages[3].weight_pct
    wb = _download(client)
    ws = wb["Jadwal"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == schedule_file.HEADERS
    assert [r[0] for r in rows[1:]] == [p.code for p in packages]
    assert sum(Decimal(str(r[4])) for r in rows[1:]) == 100
    assert ws.protection.sheet and ws["E2"].protection.locked and not ws["D2"].protection.locked
    assert "Petunjuk" in wb.sheetnames

    # Double block A's structure and move its dates; an untouched file changes nothing.
    assert _upload(client, wb).headers["location"].endswith("saved=0")
    ws["D5"].value = ws["D5"].value * 2  # row 5: A-struktur is the fourth package
    assert ws["A5"].value == "A-struktur"
    ws["F5"].value = datetime(2026, 2, 1)
    ws["G5"].value = "30/11/2026"
    r = _upload(client, wb)
    assert r.status_code == 302, r.text[:400]
    after = _state(db, marlina)
    assert after["A-struktur"][:3] == (cost * 2, date(2026, 2, 1), date(2026, 11, 30))
    assert after["A-struktur"][3] > weight  # the weights follow the costs
    assert sum(v[3] for v in after.values()) == 100
    assert int(r.headers["location"].rsplit("saved=", 1)[1]) > 1


def test_a_csv_with_only_some_columns(client, db, marlina):
    before = _state(db, marlina)
    body = b"kode;selesai\nB-finishing;2027-04-20\n"
    assert _upload(client, body, "jadwal.csv").status_code == 302
    after = _state(db, marlina)
    assert after["B-finishing"][2] == date(2027, 4, 20)
    assert after["B-finishing"][:2] == before["B-finishing"][:2]
    assert {k: v for k, v in after.items() if k != "B-finishing"} == {
        k: v for k, v in before.items() if k != "B-finishing"}


def test_bad_rows_are_all_named_and_nothing_is_saved(client, db, marlina):
    before = _state(db, marlina)
    body = (b"kode;biaya;mulai;selesai\n"
            b"A-persiapan;1.000.000;2025-11-03;2025-12-01\n"  # fine on its own
            b"Z-atap;1000;;\n"
            b"A-tanah;seribu;;\n"
            b"A-pondasi;;2026-13-01;\n"
            b"A-persiapan;2000;;\n"
            b"B-struktur;;2026-09-01;2026-08-01\n")
    r = _upload(client, body, "jadwal.csv")
    assert r.status_code == 400 and "Nothing was imported" in r.text
    for text in ("Row 3, column kode: There is no work package Z-atap",
                 "Row 4, column biaya", "Row 5, column mulai",
                 "Row 6, column kode: Work package A-persiapan is also in row 2",
                 "Row 7, column selesai: Work package B-struktur finishes (2026-08-01) before it starts (2026-09-01)"):
        assert text in r.text, text
    assert _state(db, marlina) == before
    no_code = _upload(client, b"biaya;mulai\n1000;2026-01-01\n", "jadwal.csv")
    assert no_code.status_code == 400 and "no column kode" in no_code.text
    damaged = _upload(client, b"PK\x03\x04 not really a workbook", "jadwal.xlsx")
    assert damaged.status_code == 400 and "not a spreadsheet" in damaged.text
    assert _state(db, marlina) == before


def test_who_may_download_and_import(client, db, marlina):
    before = _state(db, marlina)
    client.cookies.clear()
    sign_in(client, db, "pembaca")
    assert client.get(SCHEDULE + ".xlsx").status_code == 200
    assert _upload(client, b"kode;biaya\nA-persiapan;1\n", "jadwal.csv").status_code == 403
    client.cookies.clear()
    sign_in(client, db, "pengurus-akuarium")
    assert client.get(SCHEDULE + ".xlsx").status_code == 404
    assert _upload(client, b"kode;biaya\nA-persiapan;1\n", "jadwal.csv").status_code == 404
    assert _state(db, marlina) == before
