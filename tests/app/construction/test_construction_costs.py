"""Actual costs against the RAB: recorded one by one or imported, corrected only by negative entries, and the
budget report per division adding up to the project's."""

from __future__ import annotations

import io
from datetime import date

import openpyxl
import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.construction import costs as cost_book
from app.construction import service as construction
from app.construction.models import CostEntry
from app.projects.models import Project
from tests.conftest import csrf_token, fix_today, sign_in

pytestmark = pytest.mark.db
TODAY = date(2026, 6, 30)
COSTS = "/projects/{slug}/construction/costs"


def _start(db, slug: str) -> Project:
    project = db.scalar(select(Project).where(Project.slug == slug))
    construction.start(db, "test", project, construction.StartIn(date(2025, 11, 3), date(2027, 4, 30),
                                                                 contractor="CV Contoh", supervisor="Pengawas Contoh"))
    db.commit()
    return project


@pytest.fixture()
def marlina(client, db, web_app):
    """Marlina under construction, its officer signed in with English pages, and a fixed today."""
    fix_today(web_app, TODAY)
    project = _start(db, "marlina")
    sign_in(client, db, "pengurus-marlina")
    client.cookies.set("japra_lang", "en")
    return project


def _count(db) -> int:
    return db.scalar(select(func.count()).select_from(CostEntry))


def _post(client, path: str, slug: str = "marlina", **fields):
    return client.post(COSTS.format(slug=slug) + path, data={**fields, "_csrf_token": csrf_token(client)},
                       follow_redirects=False)


def _cost(client, **fields):
    defaults = {"entry_date": "2026-02-01", "amount": "Rp125.000.000", "division": "struktur", "block": "A",
                "payee": "PT Beton Jaya", "reference": "INV-1", "note": "termin 1"}
    return _post(client, "", **{**defaults, **fields})


def test_costs_are_recorded_and_the_budget_variance_adds_up(client, db, marlina):
    assert _cost(client).status_code == 302
    assert _cost(client, division="pondasi", block="", amount="50000000", reference="INV-2").status_code == 302
    contract = construction.get(db, marlina)
    budget = cost_book.budget_of(db, contract)
    # SMKK has the smallest budget: spend more than it.
    over = budget["smkk"] + 1
    assert _cost(client, division="smkk", amount=str(over), reference="INV-3", block="B").status_code == 302
    report = cost_book.report(db, marlina, contract, TODAY)
    assert report.total.actual == 125_000_000 + 50_000_000 + over
    assert report.total.budget == sum(construction.building_costs(db, contract.scenario).values())
    assert sum(line.budget for line in report.lines) == report.total.budget
    assert sum(line.variance for line in report.lines) == report.total.variance
    assert report.line("struktur").variance == 125_000_000 - budget["struktur"]
    assert report.line("smkk").over_budget and report.line("smkk").variance == 1
    assert not report.total.over_budget

    page = client.get(COSTS.format(slug="marlina"))
    assert page.status_code == 200
    assert "INV-1" in page.text and "PT Beton Jaya" in page.text and "Rp125,000,000" in page.text
    assert "Over budget" in page.text and 'class="num over"' in page.text
    # Before the costs, nothing was spent.
    early = client.get(COSTS.format(slug="marlina") + "?as_of=2026-01-31")
    assert "Over budget" not in early.text
    # The block's report counts only that block's costs against its share of the RAB.
    block_a = cost_book.report(db, marlina, contract, TODAY, "A")
    assert block_a.total.actual == 125_000_000
    assert block_a.total.budget == cost_book.budget_of(db, contract, "A")["struktur"] + sum(
        v for k, v in cost_book.budget_of(db, contract, "A").items() if k != "struktur")
    audits = db.scalars(select(AuditEntry).where(AuditEntry.action == "cost.record")).all()
    assert len(audits) == 3 and audits[0].changes["reference"] == "INV-1"

    summary = client.get("/projects/marlina/construction")
    assert "Actual costs" in summary.text and "/construction/costs" in summary.text


@pytest.mark.parametrize("fields, text", [
    ({"entry_date": "2026-07-01"}, "in the future"),
    ({"entry_date": "31-31-2026"}, "Write the date"),
    ({"amount": "0"}, "whole rupiah"),
    ({"amount": "12,5"}, "whole rupiah"),
    ({"amount": "-1000"}, "correction form"),
    ({"division": "", "line": ""}, "Give the RAB division or line"),
    ({"division": "atap"}, "not a division"),
    ({"block": "Z"}, "no block Z"),
    ({"reference": ""}, "reference"),
    ({"line": "X.9.9"}, "not a line of the built scenario"),
])
def test_a_refused_cost_stores_nothing(client, db, marlina, fields, text):
    r = _cost(client, **fields)
    assert r.status_code == 400 and 'role="alert"' in r.text and text in r.text
    assert _count(db) == 0


def test_a_reference_is_recorded_once(client, db, marlina):
    assert _cost(client).status_code == 302
    again = _cost(client, amount="1000")
    assert again.status_code == 400 and "INV-1 is recorded already" in again.text
    assert _count(db) == 1


def test_rab_lines_map_to_their_division(client, db, web_app):
    fix_today(web_app, TODAY)
    kunir = _start(db, "kunir")
    sign_in(client, db, "pengurus-kunir")
    client.cookies.set("japra_lang", "en")
    fields = {"entry_date": "2026-03-01", "amount": "2000000", "block": "", "payee": "", "note": ""}
    assert _post(client, "", "kunir", **fields, division="", line="A.3.1.1.1", reference="L-1").status_code == 302
    assert db.scalar(select(CostEntry).where(CostEntry.reference == "L-1")).division == "pondasi"
    both = _post(client, "", "kunir", **fields, division="", line="A.4.1.1.4", reference="L-2")
    assert both.status_code == 400 and "several divisions (struktur, mep)" in both.text
    wrong = _post(client, "", "kunir", **fields, division="tanah", line="A.4.1.1.4", reference="L-2")
    assert wrong.status_code == 400 and "not in the division tanah" in wrong.text
    assert _post(client, "", "kunir", **fields, division="mep", line="A.4.1.1.4", reference="L-2").status_code == 302
    assert {e.reference: e.division for e in cost_book.entries_of(db, kunir)} == {"L-1": "pondasi", "L-2": "mep"}


def test_corrections_are_negative_entries_naming_what_they_correct(client, db, marlina):
    assert _cost(client).status_code == 302
    fix = _post(client, "/corrections", corrects="INV-1", amount="25.000.000", entry_date="2026-02-03",
                note="volume salah hitung")
    assert fix.status_code == 302 and "INV-1-K1" in fix.headers["location"]
    correction = db.scalar(select(CostEntry).where(CostEntry.amount < 0))
    assert (correction.reference, correction.amount, correction.division, correction.building_code,
            correction.payee) == ("INV-1-K1", -25_000_000, "struktur", "A", "PT Beton Jaya")
    assert db.scalar(select(AuditEntry).where(AuditEntry.action == "cost.correct")).changes["corrects"] == "INV-1"
    report = cost_book.report(db, marlina, construction.get(db, marlina), TODAY)
    assert report.line("struktur").actual == 100_000_000
    page = client.get(COSTS.format(slug="marlina"))
    assert "Corrected by INV-1-K1" in page.text

    for fields, text in (
            ({"amount": "100.000.001"}, "at most Rp100,000,000 can still be taken off"),
            ({"corrects": "INV-9"}, "no entry INV-9"),
            ({"corrects": "INV-1-K1"}, "itself a correction"),
            ({"note": ""}, "Say why"),
            ({"entry_date": "2026-01-31"}, "before the entry it corrects"),
            ({"entry_date": "2026-07-02"}, "in the future")):
        data = {"corrects": "INV-1", "amount": "1000", "entry_date": "2026-02-05", "note": "x", **fields}
        r = _post(client, "/corrections", **data)
        assert r.status_code == 400 and text in r.text, (fields, r.text[:300])
    assert _count(db) == 2
    # The rest can still be taken off; the next correction gets the next number.
    assert _post(client, "/corrections", corrects="INV-1", amount="100000000", entry_date="2026-02-05",
                 note="batal").status_code == 302
    assert cost_book.report(db, marlina, construction.get(db, marlina), TODAY).total.actual == 0
    assert {e.reference for e in cost_book.entries_of(db, marlina)} == {"INV-1", "INV-1-K1", "INV-1-K2"}


def _upload(client, content: bytes, name: str = "biaya.csv"):
    return client.post(COSTS.format(slug="marlina") + "/import", files={"file": (name, content)},
                       data={"_csrf_token": csrf_token(client)}, follow_redirects=False)


def test_a_csv_import_records_every_row_with_corrections(client, db, marlina):
    body = (b"Tanggal;Divisi;Blok;Penerima;Jumlah;No. Bukti;Koreksi atas;Keterangan\n"
            b"15/01/2026;struktur;A;PT Beton Jaya;125.000.000;INV-0001;;termin 1\n"
            b"2026-01-20;Pekerjaan pondasi;B;CV Tanah;Rp40.000.000;INV-0002;;\n"
            b"20/01/2026;;;;-5.000.000;;INV-0001;salah hitung\n")
    r = _upload(client, body)
    assert r.status_code == 302 and r.headers["location"].endswith("imported=3")
    stored = {e.reference: (e.amount, e.division, e.building_code) for e in cost_book.entries_of(db, marlina)}
    assert stored == {"INV-0001": (125_000_000, "struktur", "A"), "INV-0002": (40_000_000, "pondasi", "B"),
                      "INV-0001-K1": (-5_000_000, "struktur", "A")}
    assert db.scalar(select(func.count()).select_from(AuditEntry)
                     .where(AuditEntry.action.in_(("cost.record", "cost.correct")))) == 3


def test_an_import_with_one_bad_row_stores_nothing_and_names_every_row(client, db, marlina):
    assert _cost(client, reference="INV-0001").status_code == 302
    body = (b"tanggal,divisi,jumlah,referensi\n"
            b"2026-02-01,struktur,1000000,INV-0001\n"  # recorded already
            b"2026-02-02,struktur,2000000,INV-0003\n"
            b"2026-02-03,atap,3000000,INV-0004\n"  # no such division
            b"2026-02-04,struktur,4000000,INV-0003\n"  # twice in the file
            b"2026-02-05,struktur,-10,\n")  # a negative amount that names nothing
    r = _upload(client, body)
    assert r.status_code == 400 and "Nothing was imported" in r.text
    assert "Row 2, column referensi: Reference INV-0001 is recorded already" in r.text
    assert "Row 4, column divisi" in r.text
    assert "Row 5, column referensi: Reference INV-0003 is also in row 3" in r.text
    assert "Row 6" in r.text
    assert "Row 3" not in r.text
    assert _count(db) == 1


def test_an_xlsx_import_and_files_that_cannot_be_read(client, db, marlina):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["tanggal", "item", "divisi", "jumlah", "referensi"])
    ws.append([date(2026, 3, 1), None, "mep", 7_500_000, "BKK-17"])
    buffer = io.BytesIO()
    wb.save(buffer)
    assert _upload(client, buffer.getvalue(), "biaya.xlsx").status_code == 302
    assert [(e.reference, e.amount) for e in cost_book.entries_of(db, marlina)] == [("BKK-17", 7_500_000)]
    missing = _upload(client, b"tanggal;jumlah\n2026-03-01;1000\n")
    assert missing.status_code == 400 and "no column referensi" not in missing.text and "divisi" in missing.text
    empty = _upload(client, b"tanggal;divisi;jumlah;referensi\n")
    assert empty.status_code == 400 and "no costs" in empty.text
    assert _count(db) == 1


def test_the_list_is_paged_newest_first(client, db, marlina):
    for n in range(1, 61):
        db.add(CostEntry(project_id=marlina.id, entry_date=date(2026, 1, 1 + n % 28), amount=1000 + n,
                         division="struktur", reference=f"R-{n:03d}"))
    db.commit()
    first = client.get(COSTS.format(slug="marlina"))
    assert first.text.count('class="code">R-') == cost_book.PER_PAGE and "Page 1 of 2" in first.text
    second = client.get(COSTS.format(slug="marlina") + "?page=2")
    assert second.text.count('class="code">R-') == 10


def test_who_may_read_and_write_costs(client, db, marlina):
    client.cookies.clear()
    sign_in(client, db, "pembaca")
    assert client.get(COSTS.format(slug="marlina")).status_code == 200
    assert _cost(client).status_code == 403
    client.cookies.clear()
    sign_in(client, db, "pengurus-akuarium")
    assert client.get(COSTS.format(slug="marlina")).status_code == 404
    assert _cost(client).status_code == 404
    assert _count(db) == 0
    client.cookies.clear()
    assert client.get(COSTS.format(slug="marlina"), follow_redirects=False).status_code in (302, 303, 401)
