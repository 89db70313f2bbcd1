"""An allocation meeting end to end: hash published, preferences in, seed checked, draw, confirm, berita acara."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.meetings.models import AllocationMeeting, UnitAllocation
from app.members.models import Member
from app.projects.models import Project
from tests.conftest import csrf_token, sign_in

pytestmark = pytest.mark.db
SEED = "kunir-2026-merdeka"


def _meeting(client, method: str = "lottery") -> str:
    r = client.post("/projects/kunir/meetings", data={"title": "Rapat alokasi", "held_on": "2026-12-12",
                                                       "place": "Balai warga RW 05", "method": method,
                                                       "_csrf_token": csrf_token(client)}, follow_redirects=False)
    assert r.status_code == 302, r.text[:400]
    return r.headers["location"]


def _publish(client, url: str) -> None:
    page = client.post(url + "/publish", data={"seed": SEED, "_csrf_token": csrf_token(client)})
    assert page.status_code == 200 and SEED in page.text  # shown this once
    assert hashlib.sha256(SEED.encode()).hexdigest() in page.text


def _preferences(client, url: str, body: str):
    return client.post(url + "/preferences", files={"file": ("pilihan.csv", body.encode())},
                       data={"_csrf_token": csrf_token(client)}, follow_redirects=False)


def test_a_meeting_from_hash_to_berita_acara(client, db):
    sign_in(client, db, "pengurus-kunir")
    url = _meeting(client)
    _publish(client, url)
    meeting = db.scalar(select(AllocationMeeting).where(AllocationMeeting.title == "Rapat alokasi"))
    assert meeting.seed is None and meeting.seed_hash == hashlib.sha256(SEED.encode()).hexdigest()
    assert _preferences(client, url, "nomor_anggota;pilihan_1;pilihan_2\nKNR-001;A-4-01;T36\n"
                                      "KNR-002;A-4-01;Lantai 2\nKNR-003;Blok A\n").status_code == 302

    wrong = client.post(url + "/draw", data={"seed": "bukan-ini", "_csrf_token": csrf_token(client)})
    assert wrong.status_code == 400 and 'role="alert"' in wrong.text
    drawn = client.post(url + "/draw", data={"seed": SEED, "_csrf_token": csrf_token(client)})
    assert drawn.status_code == 200 and "A-4-01" in drawn.text

    done = client.post(url + "/confirm", data={"members_present": "30", "members_total": "36", "chair": "Ketua",
                                                "secretary": "Sekretaris", "witness_1": "Saksi Satu",
                                                "witness_2": "Saksi Dua", "_csrf_token": csrf_token(client)},
                       follow_redirects=False)
    assert done.status_code == 302
    rows = db.scalars(select(UnitAllocation).where(UnitAllocation.meeting_id == meeting.id)).all()
    assert len({r.unit_code for r in rows}) == len(rows) == len({r.member_id for r in rows}) > 0
    first = next(r for r in rows if r.unit_code == "A-4-01")
    assert first.rank == 1
    # The same seed gives anyone the same draw order: sha256("SEED:NUMBER") ascending.
    order = sorted(["KNR-001", "KNR-002"], key=lambda n: hashlib.sha256(f"{SEED}:{n}".encode()).hexdigest())
    assert db.get(Member, first.member_id).number == order[0]
    pdf = client.get(url + "/berita-acara.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"


def test_preferences_naming_units_that_do_not_exist_are_refused_whole(client, db):
    sign_in(client, db, "perencana")
    url = _meeting(client)
    r = _preferences(client, url, "nomor_anggota;pilihan_1\nKNR-001;Z-9-99\nTIDAK-ADA;T36\n")
    assert r.status_code == 400 and "Z-9-99" in r.text and "TIDAK-ADA" in r.text
    meeting = db.scalar(select(AllocationMeeting).order_by(AllocationMeeting.id.desc()))
    assert all(p.preferences == [] for p in meeting.participants)


def test_meetings_are_not_for_viewers_or_other_cooperatives(client, db):
    sign_in(client, db, "pembaca")
    assert client.get("/projects/kunir/meetings").status_code == 403
    client.cookies.clear()
    sign_in(client, db, "pengurus-akuarium")
    assert client.get("/projects/kunir/meetings").status_code == 404


def test_the_database_refuses_a_unit_twice_or_a_member_with_two_units(db):
    project = db.scalar(select(Project).where(Project.slug == "kunir"))
    a, b = db.scalars(select(Member).where(Member.number.in_(["KNR-001", "KNR-002"])).order_by(Member.number)).all()
    db.add(UnitAllocation(project_id=project.id, member_id=a.id, unit_code="A-1-01", in_force=True))
    db.flush()
    with pytest.raises(IntegrityError), db.begin_nested():
        db.add(UnitAllocation(project_id=project.id, member_id=b.id, unit_code="A-1-01", in_force=True))
        db.flush()
    with pytest.raises(IntegrityError), db.begin_nested():
        db.add(UnitAllocation(project_id=project.id, member_id=a.id, unit_code="A-1-02", in_force=True))
        db.flush()
    # An allocation ended by an amendment no longer blocks the unit.
    first = db.scalar(select(UnitAllocation).where(UnitAllocation.unit_code == "A-1-01"))
    first.in_force, first.ended_reason = False, "amendment"
    db.add(UnitAllocation(project_id=project.id, member_id=b.id, unit_code="A-1-01", in_force=True))
    db.flush()
    assert db.scalar(select(func.count()).select_from(UnitAllocation).where(UnitAllocation.in_force)) == 1
