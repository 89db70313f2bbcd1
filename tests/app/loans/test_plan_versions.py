"""Restructuring a plan into a new version, and a down payment paid in instalments during construction."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.loans import service as loans
from app.loans.models import InstalmentPlan, PaymentEntry
from tests.app.loans.test_loans import TERMS, _confirmed_meeting
from tests.conftest import csrf_token, sign_in

pytestmark = pytest.mark.db


def _plans(client, db, **terms) -> InstalmentPlan:
    url = _confirmed_meeting(client)
    r = client.post(url + "/plans", data={**TERMS, **terms, "_csrf_token": csrf_token(client)}, follow_redirects=False)
    assert r.status_code == 302, r.text
    return next(p for p in db.scalars(select(InstalmentPlan).where(InstalmentPlan.kind == "loan"))
                if p.member.number == "KNR-001")


def test_restructuring_makes_a_new_version_from_what_is_owed_and_keeps_the_old(client, db, clock):
    # The server's day is fixed: a run that crosses Jakarta's midnight cannot see two different todays.
    def today():
        return clock.day

    sign_in(client, db, "pengurus-kunir")
    plan = _plans(client, db)
    page = f"/cooperatives/kunir/plans/{plan.id}"
    first = loans.schedule_of(plan)[0]
    client.post(page + "/payments", data={"paid_on": "2026-01-25", "amount": str(first.payment), "reference": "KW-1",
                                          "_csrf_token": csrf_token(client)})
    db.expire_all()
    before = loans.ledger(plan, today())
    overdue_interest = sum(r.interest_unpaid for r in before.instalments if r.due < today())

    r = client.post(page + "/restructure", data={"months": "300", "grace_months": "6", "first_due": "2099-01-25",
                                                 "reason": "Rapat pengurus 12/2026: masa tenggang",
                                                 "_csrf_token": csrf_token(client)}, follow_redirects=False)
    assert r.status_code == 302
    db.expire_all()
    rows = db.scalars(select(InstalmentPlan).where(InstalmentPlan.allocation_id == plan.allocation_id)
                      .order_by(InstalmentPlan.version)).all()
    old, new = rows
    assert (old.in_force, new.in_force) == (False, True) and old.ended_on == today()
    assert new.version == 2 and new.supersedes_id == old.id and new.months == 300 and new.grace_months == 6
    assert new.principal == before.outstanding_principal + overdue_interest
    assert [p.reference for p in old.payments] == ["KW-1"] and new.payments == []
    assert db.scalar(select(AuditEntry).where(AuditEntry.action == "plan.restructure")) is not None

    old_page = client.get(page)
    assert old_page.status_code == 200 and "/payments" not in old_page.text.split("<h2>")[2]
    new_page = client.get(r.headers["location"])
    assert "Rapat pengurus 12/2026" in new_page.text
    # Payments go to the version in force only.
    refused = client.post(page + "/payments", data={"paid_on": "2026-02-25", "amount": "1000", "reference": "KW-2",
                                                    "_csrf_token": csrf_token(client)})
    assert refused.status_code == 409
    # Nor is a payment of the ended version reversed there: the new version was priced from it.
    reversal = client.post(page + "/reversals", data={"reversal_of": "KW-1", "reason": "salah",
                                                      "_csrf_token": csrf_token(client)})
    assert reversal.status_code == 409
    assert db.scalar(select(func.count()).select_from(PaymentEntry)) == 1
    # The arrears report counts the new version, not both.
    report = client.get("/cooperatives/kunir/arrears")
    assert report.text.count("KNR-001") == 1


@pytest.mark.parametrize("bad", [
    {"months": "0", "first_due": "2099-01-25", "reason": "x"},
    {"months": "120", "first_due": "2020-01-25", "reason": "x"},
    {"months": "120", "first_due": "2099-01-25", "reason": " "},
    {"months": "120", "first_due": "2099-13-25", "reason": "x"},
    {"months": "120", "first_due": "9999-12-01", "reason": "x"},
    {"months": "120", "grace_months": "120", "first_due": "2099-01-25", "reason": "x"},
])
def test_a_bad_restructuring_is_refused_and_changes_nothing(client, db, bad):
    sign_in(client, db, "pengurus-kunir")
    plan = _plans(client, db)
    r = client.post(f"/cooperatives/kunir/plans/{plan.id}/restructure", data={**bad, "_csrf_token": csrf_token(client)})
    assert r.status_code == 400 and 'role="alert"' in r.text
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(InstalmentPlan)
                     .where(InstalmentPlan.allocation_id == plan.allocation_id)) == 1
    assert db.get(InstalmentPlan, plan.id).in_force


def test_murabahah_restructuring_adds_no_margin(client, db):
    sign_in(client, db, "pengurus-kunir")
    plan = _plans(client, db, method="murabahah", annual_rate_pct="6")
    sale_price = sum(i.payment for i in loans.schedule_of(plan))
    r = client.post(f"/cooperatives/kunir/plans/{plan.id}/restructure",
                    data={"months": "360", "first_due": "2099-01-25", "reason": "penjadwalan ulang",
                          "method": "annuity", "annual_rate_pct": "12", "_csrf_token": csrf_token(client)},
                    follow_redirects=False)
    assert r.status_code == 302
    new = db.scalar(select(InstalmentPlan).where(InstalmentPlan.supersedes_id == plan.id))
    assert new.method == "none" and new.principal == sale_price  # nothing paid yet: the same price, spread longer
    assert sum(i.payment for i in loans.schedule_of(new)) == sale_price


def test_down_payment_in_instalments_is_a_plan_of_its_own(client, db):
    sign_in(client, db, "pengurus-kunir")
    plan = _plans(client, db, down_payment_pct="10", down_payment_months="12", down_payment_first_due="2025-01-25")
    dp = db.scalar(select(InstalmentPlan).where(InstalmentPlan.allocation_id == plan.allocation_id,
                                                InstalmentPlan.kind == "down_payment"))
    assert dp is not None and dp.principal == plan.down_payment and dp.months == 12 and dp.method == "none"
    rows = loans.schedule_of(dp)
    assert sum(i.principal for i in rows) == plan.down_payment and all(i.interest == 0 for i in rows)
    page = client.get(f"/cooperatives/kunir/plans/{dp.id}")
    assert page.status_code == 200 and f"/plans/{plan.id}" in page.text  # links to its loan
    r = client.post(f"/cooperatives/kunir/plans/{dp.id}/payments",
                    data={"paid_on": "2025-01-25", "amount": str(rows[0].payment), "reference": "UM-1",
                          "_csrf_token": csrf_token(client)}, follow_redirects=False)
    assert r.status_code == 302
    assert db.scalar(select(PaymentEntry.plan_id).where(PaymentEntry.reference == "UM-1")) == dp.id


def test_a_down_payment_due_after_the_loan_starts_is_refused_and_no_plan_is_made(client, db):
    sign_in(client, db, "pengurus-kunir")
    url = _confirmed_meeting(client)
    r = client.post(url + "/plans", data={**TERMS, "down_payment_months": "12", "down_payment_first_due": "2027-01-25",
                                          "_csrf_token": csrf_token(client)})
    assert r.status_code == 400 and 'role="alert"' in r.text
    assert db.scalar(select(func.count()).select_from(InstalmentPlan)) == 0


def test_japra_arrears_rolls_up_the_cooperatives_without_naming_members(client, db):
    sign_in(client, db, "pengurus-kunir")
    _plans(client, db)
    assert client.get("/arrears").status_code == 403  # an officer sees its own cooperative only
    sign_in(client, db, "perencana")
    page = client.get("/arrears?as_of=2026-06-30")
    assert page.status_code == 200
    assert "Kunir" in page.text and "Japra" in page.text and "KNR-001" not in page.text
    member = db.scalar(select(InstalmentPlan)).member
    assert member.name not in page.text
    assert client.get("/arrears?preset=nope").status_code == 400
    assert client.get("/arrears?as_of=31-06-2026").status_code == 400
    assert client.get("/arrears?as_of=9999-12-31").status_code == 400
    assert client.get("/arrears?as_of=30-06-2026").status_code == 200  # the day written the Indonesian way
    bank = client.get("/arrears?preset=bank&as_of=2026-06-30")
    assert "Dalam Perhatian Khusus" in bank.text
