"""Amendments to a confirmed meeting's result: move, swap, withdraw, allocate; each recorded, refusals store nothing."""

from __future__ import annotations

import threading
import time
from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from allocation import amendments
from app.audit.models import AuditEntry
from app.errors import Conflict
from app.loans.models import InstalmentPlan
from app.meetings import service as meetings
from app.meetings.minutes import minutes_html
from app.meetings.models import AllocationMeeting, UnitAllocation
from app.members.models import Member
from app.projects.models import Project
from tests.app.loans.test_loans import TERMS, _confirmed_meeting
from tests.app.meetings.test_meetings import SEED, _meeting
from tests.conftest import csrf_token, sign_in

pytestmark = pytest.mark.db
# The confirmed demo meeting (lottery, SEED): KNR-001 holds A-4-01, KNR-002 A-4-02, KNR-003 A-3-04, KNR-010 and
# KNR-034 (both need the ground floor) A-1-05 and A-1-01; A-1-08, A-4-07, A-4-08 and B-1-01 are free; KNR-020
# (ground floor, 6 persons) and KNR-004 (5 persons: three bedrooms, and every unit has two) have none.
FREE = "A-4-07"


@pytest.fixture()
def confirmed(client, db) -> str:
    sign_in(client, db, "pengurus-kunir")
    return _confirmed_meeting(client)


def _amend(client, url: str, **data: str):
    return client.post(url + "/amendments", data={**data, "_csrf_token": csrf_token(client)},
                       follow_redirects=False)


def _in_force(db) -> dict[str, str]:
    rows = db.scalars(select(UnitAllocation).where(UnitAllocation.in_force)).all()
    return {r.member.number: r.unit_code for r in rows}


def _stored(db) -> tuple[int, int, int]:
    """What a refusal must leave as it was: allocation rows, rows in force and amendment records."""
    count = select(func.count()).select_from
    return (db.scalar(count(UnitAllocation)), db.scalar(count(UnitAllocation).where(UnitAllocation.in_force)),
            db.scalar(count(AuditEntry).where(AuditEntry.action == "allocation.amend")))


def _amendments(db) -> list[dict]:
    return [e.changes for e in db.scalars(select(AuditEntry).where(AuditEntry.action == "allocation.amend")
                                          .order_by(AuditEntry.id))]


def test_move_swap_withdraw_allocate_each_recorded(client, db, confirmed):
    url = confirmed
    before = _in_force(db)
    assert before["KNR-001"] == "A-4-01" and before["KNR-002"] == "A-4-02" and FREE not in before.values()

    r = _amend(client, url, kind="move", member="KNR-001", unit=FREE, reason="Tukar karena tangga",
               reference="SK Pengurus 12/2027")
    assert r.status_code == 302 and r.headers["location"].endswith("?amended=1#amendments")
    assert _in_force(db)["KNR-001"] == FREE
    old = db.scalar(select(UnitAllocation).where(UnitAllocation.unit_code == "A-4-01"))
    assert not old.in_force and old.ended_reason == "Tukar karena tangga"
    new = db.scalar(select(UnitAllocation).where(UnitAllocation.unit_code == FREE, UnitAllocation.in_force))
    assert new.draw_position == old.draw_position and new.meeting_id == old.meeting_id and new.rank is None

    assert _amend(client, url, kind="swap", member="KNR-001", other_member="KNR-002",
                  reason="Keduanya setuju bertukar").status_code == 302
    now = _in_force(db)
    assert now["KNR-001"] == "A-4-02" and now["KNR-002"] == FREE

    assert _amend(client, url, kind="withdraw", member="KNR-010", reason="Mengundurkan diri").status_code == 302
    assert "KNR-010" not in _in_force(db)
    assert _amend(client, url, kind="allocate", member="KNR-010", unit="A-1-08",
                  reason="Butuh lantai dasar").status_code == 302
    assert _in_force(db)["KNR-010"] == "A-1-08"
    given = db.scalar(select(UnitAllocation).where(UnitAllocation.in_force, UnitAllocation.unit_code == "A-1-08"))
    assert given.draw_position is None and given.meeting_id == old.meeting_id

    records = _amendments(db)
    assert [c["kind"] for c in records] == ["move", "swap", "withdraw", "allocate"]
    assert records[0]["before"] == [{"member": "KNR-001", "unit": "A-4-01"}]
    assert records[0]["after"] == [{"member": "KNR-001", "unit": FREE}]
    assert records[0]["reference"] == "SK Pengurus 12/2027" and records[0]["reason"] == "Tukar karena tangga"
    assert records[1]["after"] == [{"member": "KNR-001", "unit": "A-4-02"}, {"member": "KNR-002", "unit": FREE}]
    assert records[2]["after"] == [] and records[3]["before"] == []
    names = [m.name for m in db.scalars(select(Member).where(Member.number.in_(["KNR-001", "KNR-002", "KNR-010"])))]
    assert not any(name in str(records) for name in names)  # numbers only in the trail

    page = client.get(url)
    assert page.status_code == 200 and 'id="amendments"' in page.text
    for text in ("Tukar karena tangga", "SK Pengurus 12/2027", "A-4-01 → <strong>A-4-07</strong>",
                 "A-3-04", "Butuh lantai dasar", "pengurus-kunir"):
        assert text in page.text, text
    # The table of allocations shows those in force only: A-4-01 is nobody's now.
    table = page.text.split('id="amendments"')[0]
    assert "<strong>A-4-01</strong>" not in table and "<strong>A-1-01</strong>" in table


def test_refusals_name_the_problem_and_store_nothing(client, db, confirmed):
    url = confirmed
    stored = _stored(db)
    project = db.scalar(select(Project).where(Project.slug == "kunir"))
    db.add(Member(cooperative_id=project.cooperative_id, number="KNR-099", name="Anggota baru", household_size=2))
    db.commit()
    cases = [
        ({"kind": "move", "member": "KNR-001", "unit": FREE, "reason": " "}, 400, "alasan"),
        ({"kind": "pindah", "member": "KNR-001", "unit": FREE, "reason": "x"}, 400, None),
        ({"kind": "move", "member": "KNR-999", "unit": FREE, "reason": "x"}, 400, "KNR-999"),
        ({"kind": "allocate", "member": "KNR-099", "unit": FREE, "reason": "x"}, 400, "KNR-099"),
        ({"kind": "move", "member": "KNR-001", "unit": "Z-9-99", "reason": "x"}, 400, "Z-9-99"),
        ({"kind": "move", "member": "KNR-001", "unit": "A-4-02", "reason": "x"}, 409, "KNR-002"),  # taken
        ({"kind": "move", "member": "KNR-020", "unit": FREE, "reason": "x"}, 400, "KNR-020"),  # has no unit
        ({"kind": "allocate", "member": "KNR-001", "unit": FREE, "reason": "x"}, 409, "A-4-01"),  # has one
        ({"kind": "move", "member": "KNR-034", "unit": FREE, "reason": "x"}, 400, "KNR-034"),  # ground floor
        ({"kind": "allocate", "member": "KNR-020", "unit": FREE, "reason": "x"}, 400, "KNR-020"),  # ground floor
        ({"kind": "swap", "member": "KNR-001", "other_member": "KNR-034", "reason": "x"}, 400, "KNR-034"),
        ({"kind": "swap", "member": "KNR-001", "other_member": "KNR-001", "reason": "x"}, 400, None),
        ({"kind": "allocate", "member": "KNR-004", "unit": FREE, "reason": "x"}, 400, "KNR-004"),  # bedrooms
    ]
    for data, status, named in cases:
        r = _amend(client, url, **data)
        assert r.status_code == status, (data, r.status_code)
        alert = r.text.split('role="alert">')[1].split("</p>")[0]
        assert named is None or named in alert, (data, alert)
        assert _stored(db) == stored, data
    # The form keeps what was typed.
    r = _amend(client, url, kind="move", member="KNR-034", unit=FREE, reason="Alasan yang panjang")
    assert "Alasan yang panjang</textarea>" in r.text
    step_free = r.text.split('role="alert">')[1].split("</p>")[0]
    assert FREE in step_free and "4" in step_free


def test_only_a_confirmed_meeting_is_amended(client, db):
    sign_in(client, db, "pengurus-kunir")
    url = _meeting(client)
    r = _amend(client, url, kind="withdraw", member="KNR-001", reason="x")
    assert r.status_code == 409 and 'role="alert"' in r.text
    assert db.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "allocation.amend")) == 0


def test_viewers_and_other_cooperatives_cannot_amend(client, db, confirmed):
    client.cookies.clear()
    sign_in(client, db, "pembaca")
    assert _amend(client, confirmed, kind="withdraw", member="KNR-001", reason="x").status_code == 403
    client.cookies.clear()
    sign_in(client, db, "pengurus-akuarium")
    assert _amend(client, confirmed, kind="withdraw", member="KNR-001", reason="x").status_code == 404
    assert _in_force(db)["KNR-001"] == "A-4-01"


def test_a_plan_without_payments_ends_one_with_payments_blocks(client, db, confirmed, clock):
    url = confirmed
    assert client.post(url + "/plans", data={**TERMS, "_csrf_token": csrf_token(client)},
                       follow_redirects=False).status_code == 302

    def plan_of(number: str) -> InstalmentPlan:
        return next(p for p in db.scalars(select(InstalmentPlan).where(InstalmentPlan.in_force))
                    if p.member.number == number and p.kind == "loan")

    unpaid = plan_of("KNR-001")
    assert _amend(client, url, kind="move", member="KNR-001", unit=FREE, reason="Pindah blok").status_code == 302
    db.refresh(unpaid)
    today = clock.day  # the server's day, fixed: a run across Jakarta's midnight sees one today
    assert not unpaid.in_force and unpaid.ended_on == today
    assert unpaid.change_reason == "allocation amended: Pindah blok"
    assert db.scalar(select(AuditEntry).where(AuditEntry.action == "plan.end",
                                              AuditEntry.entity_id == str(unpaid.id))) is not None
    # The new unit has no plan yet: the plans form offers one.
    assert f'action="{url}/plans"' in client.get(url).text

    paid = plan_of("KNR-002")
    page = f"/cooperatives/kunir/plans/{paid.id}"
    assert client.post(page + "/payments", data={"paid_on": today.isoformat(), "amount": "1000000",
                                                 "reference": "KW-AMEND-1", "_csrf_token": csrf_token(client)},
                       follow_redirects=False).status_code == 302
    stored = _stored(db)
    r = _amend(client, url, kind="move", member="KNR-002", unit="A-4-08", reason="Pindah")
    assert r.status_code == 409 and "bendahara" in r.text and "KNR-002" in r.text
    assert _stored(db) == stored
    db.refresh(paid)
    assert paid.in_force and _in_force(db)["KNR-002"] == "A-4-02"
    # A swap touching the paid plan is refused the same way.
    assert _amend(client, url, kind="swap", member="KNR-001", other_member="KNR-002", reason="x").status_code == 409

    # Once the treasurer has reversed (refunded) the payment, nothing is held and the unit can change.
    assert client.post(page + "/reversals", data={"reversal_of": "KW-AMEND-1", "reason": "dikembalikan",
                                                  "_csrf_token": csrf_token(client)},
                       follow_redirects=False).status_code == 302
    assert _amend(client, url, kind="move", member="KNR-002", unit="A-4-08", reason="Pindah").status_code == 302
    db.refresh(paid)
    assert not paid.in_force and len(paid.payments) == 2  # the entries stay where they were


def test_a_swap_holds_under_the_unique_indexes(db, client, confirmed):
    """Both rows end before the new ones are added; on PostgreSQL the partial indexes check every statement."""
    meeting = db.scalar(select(AllocationMeeting).order_by(AllocationMeeting.id.desc()))
    for _ in range(2):  # there and back
        meetings.amend(db, "test", meeting, amendments.Request(kind="swap", member="KNR-001", other_member="KNR-002",
                                                               reason="tukar"), date(2027, 1, 5))
        db.flush()
    assert _in_force(db)["KNR-001"] == "A-4-01" and _in_force(db)["KNR-002"] == "A-4-02"
    rows = db.scalars(select(UnitAllocation).where(UnitAllocation.member.has(Member.number == "KNR-001"))).all()
    assert sorted((r.unit_code, r.in_force) for r in rows) == [("A-4-01", False), ("A-4-01", True),
                                                                ("A-4-02", False)]
    back = next(r for r in rows if r.in_force)
    assert back.rank == 1 and back.draw_position == rows[0].draw_position  # KNR-001's first choice, in the draw


def test_the_berita_acara_lists_the_amendments(db, client, confirmed):
    meeting = db.scalar(select(AllocationMeeting).order_by(AllocationMeeting.id.desc()))
    assert "Unit before" not in minutes_html(db, meeting, locale="en")
    assert _amend(client, confirmed, kind="move", member="KNR-001", unit=FREE, reason="Tangga terlalu curam",
                  reference="RAT 2027").status_code == 302
    db.expire_all()
    html = minutes_html(db, meeting, locale="en")
    section = html.split('class="amendments"')[1]
    for text in ("KNR-001", "A-4-01 → A-4-07", "Tangga terlalu curam", "RAT 2027"):
        assert text in section, text
    assert "Pada hari ini" in minutes_html(db, meeting)  # still the Indonesian document


# --- two officers at once -------------------------------------------------------------------------


@pytest.fixture()
def committed_meeting(scratch_database_url):
    """A confirmed meeting committed in a database of its own, so two sessions can race on it."""
    from app import demo
    from app.db.engine import make_engine
    from app.db.migrate import upgrade

    upgrade(scratch_database_url)
    engine = make_engine(scratch_database_url)
    with Session(engine) as s:
        demo.load(s)
        project = s.scalar(select(Project).where(Project.slug == "kunir"))
        meeting = meetings.create(s, "test", project, meetings.MeetingIn(title="Rapat", place="Balai",
                                                                         held_on=date(2026, 12, 12), method="lottery"))
        meetings.import_preferences(s, "test", meeting, b"nomor_anggota;pilihan_1\nKNR-001;A-4-01\nKNR-002;A-4-02\n")
        meetings.publish(s, "test", meeting, SEED)
        meetings.run(s, "test", meeting, SEED)
        meetings.confirm(s, "test", meeting, meetings.ConfirmationIn(members_present=30, members_total=36, chair="K",
                                                                     secretary="S", witness_1="A", witness_2="B"))
        s.commit()
        meeting_id = meeting.id
    yield engine, meeting_id
    engine.dispose()


def test_two_officers_taking_the_same_free_unit_one_wins(committed_meeting):
    engine, meeting_id = committed_meeting
    today = date(2027, 1, 5)

    def amend(session: Session, number: str):
        meeting = session.get(AllocationMeeting, meeting_id)
        return meetings.amend(session, number, meeting, amendments.Request(kind="move", member=number, unit=FREE,
                                                                           reason="rebutan"), today)

    first, second = Session(engine), Session(engine)
    outcome: dict[str, object] = {}

    def other_officer():
        try:
            amend(second, "KNR-002")
            second.commit()
            outcome["second"] = "saved"
        except Conflict as exc:
            second.rollback()
            outcome["second"] = exc

    try:
        amend(first, "KNR-001")  # flushed, not yet committed: the other officer starts now
        thread = threading.Thread(target=other_officer)
        thread.start()
        time.sleep(0.5)
        first.commit()
        thread.join(60)
        assert not thread.is_alive()
        assert isinstance(outcome["second"], Conflict), outcome
        assert outcome["second"].status_code == 409
    finally:
        first.close()
        second.close()
    with Session(engine) as check:
        holders = check.scalars(select(UnitAllocation).where(UnitAllocation.unit_code == FREE,
                                                             UnitAllocation.in_force)).all()
        assert [h.member.number for h in holders] == ["KNR-001"]
        assert check.scalar(select(func.count()).select_from(AuditEntry)
                            .where(AuditEntry.action == "allocation.amend")) == 1
        # The loser's member keeps their unit.
        assert check.scalar(select(UnitAllocation.unit_code).join(Member).where(
            Member.number == "KNR-002", UnitAllocation.in_force)) == "A-4-02"
