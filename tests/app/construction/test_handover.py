"""Handover: the PHO at 100% (moving the members' first due dates where nothing is paid yet), the maintenance
period with its retention, the FHO only after it, and the printed berita acara."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.clock import FixedClock
from app.construction import handover as handovers
from app.construction import service as construction
from app.construction.handover_document import handover_html
from app.construction.models import Construction
from app.loans import service as loans
from app.loans.models import InstalmentPlan
from app.projects.models import Project
from tests.app.loans.test_loans import TERMS, _confirmed_meeting, _plan
from tests.conftest import csrf_token, sign_in

pytestmark = pytest.mark.db
PAGE = "/projects/kunir/construction"




@pytest.fixture()
def clock(web_app) -> FixedClock:
    fixed = FixedClock(date(2026, 11, 20))
    web_app.state.clock = fixed
    return fixed


def _report(db, project, day: str, short: str | None = None) -> None:
    """Every package at 100%, or all but `short` (at 90%)."""
    percents = {p.code: Decimal(90 if p.code == short else 100) for p in construction.packages_of(db, project)}
    construction.add_report(db, "test", project, construction.ReportIn(date.fromisoformat(day), "Pengawas", percents),
                            date(2030, 1, 1))
    db.commit()


@pytest.fixture()
def kunir(client, db, clock) -> Project:
    """Kunir built from November 2025 (contract Rp1 billion), its members' loans from 2026-01-25, KNR-001 has paid."""
    project = db.scalar(select(Project).where(Project.slug == "kunir"))
    construction.start(db, "test", project, construction.StartIn(
        date(2025, 11, 3), date(2026, 10, 30), contract_value=1_000_000_000, contractor="PT Bangun Kampung",
        supervisor="CV Awas Teliti"))
    db.commit()
    sign_in(client, db, "pengurus-kunir")
    client.cookies.set("japra_lang", "en")
    url = _confirmed_meeting(client)
    assert client.post(url + "/plans", data={**TERMS, "_csrf_token": csrf_token(client)},
                       follow_redirects=False).status_code == 302
    loans.record_payment(db, "test", _plan(db, "KNR-001"), loans.PaymentIn(date(2026, 1, 20), 1000000, "KW-1"),
                         date(2026, 6, 30))
    db.commit()
    return project


def _post(client, path: str, **fields):
    return client.post(PAGE + path, data={**fields, "_csrf_token": csrf_token(client)}, follow_redirects=False)


def _pho(client, **fields):
    return _post(client, "/handover/pho", **{"pho_on": "2026-11-03", "pho_reference": "BA-PHO/KNR/2026",
                                             "first_due": "2026-12-25", **fields})


def _first_dues(db) -> dict[str, date]:
    return {p.allocation.unit_code: p.first_due for p in db.scalars(select(InstalmentPlan))}


def _unchanged(db, project, dues) -> None:
    contract = construction.get(db, project)
    db.refresh(contract)
    db.refresh(project)
    assert contract.pho_on is None and project.stage == "konstruksi"
    assert _first_dues(db) == dues
    assert db.scalar(select(func.count()).select_from(AuditEntry)
                     .where(AuditEntry.action.in_(("plan.first_due", "construction.pho")))) == 0


def test_pho_at_100_percent_sets_the_first_due_of_plans_without_payments(client, db, kunir, clock):
    dues = _first_dues(db)
    assert len(dues) > 1 and set(dues.values()) == {date(2026, 1, 25)}
    _report(db, kunir, "2026-10-30", short="A-struktur")
    page = client.get(PAGE)
    assert "they show" in page.text and "Record the provisional handover" not in page.text
    below = _pho(client, pho_on="2026-10-31")
    assert below.status_code == 400 and "needs the works 100% complete" in below.text
    _unchanged(db, kunir, dues)

    _report(db, kunir, "2026-11-02")
    page = client.get(PAGE)
    assert "Record the provisional handover" in page.text
    assert "These have payments and keep their date: A-4-01." in page.text
    before_done = _pho(client, pho_on="2026-11-01")  # the reports were at 100% only from 2026-11-02
    assert before_done.status_code == 400 and "100% complete" in before_done.text
    _unchanged(db, kunir, dues)

    r = _pho(client)
    unpaid = len(dues) - 1
    assert r.status_code == 302 and f"plans={unpaid}&kept=1" in r.headers["location"]
    after = _first_dues(db)
    assert after["A-4-01"] == date(2026, 1, 25)  # KNR-001 has paid: its plan keeps its date
    assert {unit: day for unit, day in after.items() if unit != "A-4-01"} == dict.fromkeys(
        (u for u in dues if u != "A-4-01"), date(2026, 12, 25))
    audits = db.scalars(select(AuditEntry).where(AuditEntry.action == "plan.first_due")).all()
    assert len(audits) == unpaid
    assert audits[0].changes["first_due"] == {"old": "2026-01-25", "new": "2026-12-25"}
    contract = construction.get(db, kunir)
    db.refresh(kunir)
    assert (contract.pho_on, contract.pho_reference, kunir.stage) == (date(2026, 11, 3), "BA-PHO/KNR/2026",
                                                                       "serah_terima")
    pho = db.scalar(select(AuditEntry).where(AuditEntry.action == "construction.pho"))
    assert pho.changes["plans_changed"] == unpaid and pho.changes["retention"] == 50_000_000

    page = client.get(PAGE)
    assert "Rp50,000,000" in page.text and "may be released on or after 2 May 2027" in page.text
    assert "/handover/pho.pdf" in page.text and "Record the final handover" not in page.text
    assert _pho(client).status_code == 409


@pytest.mark.parametrize("fields, text", [
    ({"first_due": "2026-11-02"}, "on or after the handover"),
    ({"first_due": "someday"}, "Write the date"),
    ({"pho_on": "2026-11-21"}, "in the future"),
    ({"pho_reference": ""}, "reference"),
    ({"maintenance_days": "-3"}, "whole number of days"),
    ({"retention_pct": "101"}, "not a percentage"),
])
def test_a_refused_pho_changes_nothing(client, db, kunir, fields, text):
    _report(db, kunir, "2026-11-02")
    dues = _first_dues(db)
    r = _pho(client, **fields)
    assert r.status_code == 400 and 'role="alert"' in r.text and text in r.text
    _unchanged(db, kunir, dues)


def test_a_pho_without_a_first_due_leaves_every_plan_alone(client, db, kunir):
    _report(db, kunir, "2026-11-02")
    dues = _first_dues(db)
    assert _pho(client, first_due="", maintenance_days="90", retention_pct="2,5").status_code == 302
    assert _first_dues(db) == dues
    contract = construction.get(db, kunir)
    assert (contract.maintenance_days, contract.retention_pct) == (90, Decimal("2.5"))
    assert handovers.retention(contract) == 25_000_000
    assert handovers.maintenance_end(contract) == date(2027, 2, 1)


def test_fho_only_after_the_maintenance_period(client, db, kunir, clock):
    early = _post(client, "/handover/fho", fho_on="2026-11-20", fho_reference="BA-FHO/1")
    assert early.status_code == 409 and "comes after the provisional one" in early.text
    _report(db, kunir, "2026-11-02")
    assert _pho(client).status_code == 302
    assert client.get(PAGE + "/handover/fho.pdf").status_code == 404
    r = _post(client, "/handover/fho", fho_on="2026-11-20", fho_reference="BA-FHO/1")
    assert r.status_code == 400 and "ends on 2027-05-02" in r.text
    clock.day = date(2027, 5, 2)
    assert "Record the final handover" in client.get(PAGE).text
    r = _post(client, "/handover/fho", fho_on="2027-05-01", fho_reference="BA-FHO/1")
    assert r.status_code == 400
    contract = construction.get(db, kunir)
    db.refresh(contract)
    assert contract.fho_on is None
    assert _post(client, "/handover/fho", fho_on="2027-05-02", fho_reference="BA-FHO/1").status_code == 302
    db.refresh(contract)
    db.refresh(kunir)
    assert (contract.fho_on, kunir.stage) == (date(2027, 5, 2), "dihuni")
    fho = db.scalar(select(AuditEntry).where(AuditEntry.action == "construction.fho"))
    assert fho.changes["retention_released"] == 50_000_000 and fho.changes["stage"]["new"] == "dihuni"
    assert _post(client, "/handover/fho", fho_on="2027-05-02", fho_reference="BA-FHO/2").status_code == 409
    pdf = client.get(PAGE + "/handover/fho.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_the_berita_acara_of_the_pho(client, db, kunir):
    assert client.get(PAGE + "/handover/pho.pdf").status_code == 404
    _report(db, kunir, "2026-11-02")
    assert _pho(client).status_code == 302
    html = handover_html(db, kunir, "pho", locale="en", printed_on=date(2026, 11, 20))
    for text in ("PT Bangun Kampung", "CV Awas Teliti", "BA-PHO/KNR/2026", "Rp1,000,000,000", "Rp50,000,000",
                 "100%", "180 days", "2 May 2027", "Witness: Japra", "SECOND PARTY: the cooperative"):
        assert text in html, text
    pdf = client.get(PAGE + "/handover/pho.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    # Construction data are not personal: a reader of the project may print it, another cooperative may not.
    client.cookies.clear()
    sign_in(client, db, "pembaca")
    assert client.get(PAGE + "/handover/pho.pdf").status_code == 200
    client.cookies.clear()
    sign_in(client, db, "pengurus-marlina")
    assert client.get(PAGE + "/handover/pho.pdf").status_code == 404


def test_who_may_record_a_handover(client, db, kunir):
    _report(db, kunir, "2026-11-02")
    dues = _first_dues(db)
    client.cookies.clear()
    sign_in(client, db, "pembaca")
    assert _pho(client).status_code == 403
    client.cookies.clear()
    sign_in(client, db, "pengurus-akuarium")
    assert _pho(client).status_code == 404
    _unchanged(db, kunir, dues)


def test_retention_is_whole_rupiah_half_up():
    assert handovers.retention(Construction(contract_value=1_234_570, retention_pct=Decimal(5))) == 61_729
    assert handovers.retention(Construction(contract_value=1_234_569, retention_pct=Decimal(5))) == 61_728
    assert handovers.retention(Construction(contract_value=0, retention_pct=Decimal(5))) == 0
