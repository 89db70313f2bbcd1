"""Instalment plans after a meeting, payments that are only ever added, and arrears as of a date."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.loans.models import InstalmentPlan, PaymentEntry
from app.meetings.models import AllocationMeeting, UnitAllocation
from app.members.models import Member
from tests.app.meetings.test_meetings import SEED, _meeting, _preferences, _publish
from tests.conftest import csrf_token, sign_in

pytestmark = pytest.mark.db
TERMS = {"grants": "0", "down_payment_pct": "5", "method": "annuity", "annual_rate_pct": "5", "months": "240",
         "grace_months": "0", "first_due": "2026-01-25"}


def _confirmed_meeting(client) -> str:
    url = _meeting(client)
    _preferences(client, url, "nomor_anggota;pilihan_1\nKNR-001;A-4-01\nKNR-002;A-4-02\n")
    _publish(client, url)
    client.post(url + "/draw", data={"seed": SEED, "_csrf_token": csrf_token(client)})
    client.post(url + "/confirm", data={"members_present": "30", "members_total": "36", "chair": "K", "secretary": "S",
                                        "witness_1": "A", "witness_2": "B", "certain": "1",
                                        "_csrf_token": csrf_token(client)})
    return url


def _plan(db, number: str) -> InstalmentPlan:
    return next(p for p in db.scalars(select(InstalmentPlan)) if p.member.number == number)


def test_plans_payments_reversals_and_arrears(client, db):
    sign_in(client, db, "pengurus-kunir")
    url = _confirmed_meeting(client)
    meeting = db.scalar(select(AllocationMeeting).order_by(AllocationMeeting.id.desc()))
    r = client.post(url + "/plans", data={**TERMS, "_csrf_token": csrf_token(client)}, follow_redirects=False)
    assert r.status_code == 302
    plans = db.scalars(select(InstalmentPlan)).all()
    allocated = db.scalar(select(func.count()).select_from(UnitAllocation)
                          .where(UnitAllocation.meeting_id == meeting.id))
    assert len(plans) == allocated > 0  # one per allocated unit
    plan = _plan(db, "KNR-001")
    assert plan.principal == plan.price - plan.down_payment and plan.allocation.unit_code == "A-4-01"

    page = f"/cooperatives/kunir/plans/{plan.id}"
    schedule = client.get(page + "?as_of=2026-04-30")
    assert schedule.status_code == 200 and "KNR-001" in schedule.text
    # Nothing paid: January to April overdue.
    assert "Kurang Lancar" in schedule.text or "Lancar" in schedule.text

    pay = client.post(page + "/payments", data={"paid_on": "2026-01-20", "amount": "Rp2.500.000",
                                                "reference": "KW-0001", "_csrf_token": csrf_token(client)},
                      follow_redirects=False)
    assert pay.status_code == 302
    twice = client.post(page + "/payments", data={"paid_on": "2026-01-21", "amount": "100000",
                                                  "reference": "KW-0001", "_csrf_token": csrf_token(client)})
    assert twice.status_code == 409 and "KW-0001" in twice.text
    for bad in ({"paid_on": "2099-01-01", "amount": "1000"}, {"paid_on": "2026-02-01", "amount": "0"},
                {"paid_on": "2020-01-01", "amount": "1000"},
                {"paid_on": "2026-02-01", "amount": "2500000.00"}):  # not read as Rp250.000.000
        r = client.post(page + "/payments", data={**bad, "reference": "KW-BAD", "_csrf_token": csrf_token(client)})
        assert r.status_code == 400 and 'role="alert"' in r.text
    assert db.scalar(select(func.count()).select_from(PaymentEntry)) == 1

    back = client.post(page + "/reversals", data={"reversal_of": "KW-0001", "reason": "salah catat",
                                                  "_csrf_token": csrf_token(client)}, follow_redirects=False)
    assert back.status_code == 302
    entries = db.scalars(select(PaymentEntry).order_by(PaymentEntry.id)).all()
    assert [(e.reference, e.reversal_of) for e in entries] == [("KW-0001", None), ("KW-0001-R", "KW-0001")]
    assert db.scalar(select(AuditEntry).where(AuditEntry.action == "payment.reverse")) is not None

    report = client.get("/cooperatives/kunir/arrears?as_of=2026-06-30")
    assert report.status_code == 200 and "KNR-001" in report.text


def test_plans_and_arrears_are_not_for_other_cooperatives_or_viewers(client, db):
    sign_in(client, db, "pembaca")
    assert client.get("/cooperatives/kunir/arrears").status_code == 403
    client.cookies.clear()
    sign_in(client, db, "pengurus-akuarium")
    assert client.get("/cooperatives/kunir/arrears").status_code == 404


def test_cli_arrears_json_lists_member_numbers_and_no_names(client, db, cli):
    sign_in(client, db, "pengurus-kunir")
    url = _confirmed_meeting(client)
    client.post(url + "/plans", data={**TERMS, "_csrf_token": csrf_token(client)})
    out = cli("arrears", "--cooperative", "kunir", "--as-of", "2026-11-23", "--json")
    assert out.exit_code == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["summary"]["members"] == len(data["loans"]) > 0 and data["summary"]["health"]
    assert {"KNR-001", "KNR-002"} <= {row["member"] for row in data["loans"]}
    names = {m.name for m in db.scalars(select(Member).where(Member.number.in_(["KNR-001", "KNR-002"])))}
    assert names and not any(name in out.stdout for name in names)
    assert cli("arrears", "--cooperative", "tidak-ada", "--as-of", "2026-11-23").exit_code == 2
    bad_date = cli("arrears", "--cooperative", "kunir", "--as-of", "kemarin")
    assert bad_date.exit_code == 2 and "Invalid value for '--as-of': Write the date as YYYY-MM-DD" in bad_date.stderr
