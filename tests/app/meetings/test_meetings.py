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


def _meeting(client, method: str = "lottery", held_on: str = "2026-11-16") -> str:
    # A day already past, by the system's clock and the `clock` fixture's (2026-11-20): a result is confirmed from
    # the meeting's day on.
    r = client.post("/projects/kunir/meetings", data={"title": "Rapat alokasi", "held_on": held_on,
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
    assert _preferences(client, url, "nomor_anggota;pilihan_1;pilihan_2\nKNR-001;A-4-01;T36\n"
                                      "KNR-002;A-4-01;Lantai 2\nKNR-003;Blok A\n").status_code == 302
    _publish(client, url)
    meeting = db.scalar(select(AllocationMeeting).where(AllocationMeeting.title == "Rapat alokasi"))
    assert meeting.seed is None and meeting.seed_hash == hashlib.sha256(SEED.encode()).hexdigest()

    wrong = client.post(url + "/draw", data={"seed": "bukan-ini", "_csrf_token": csrf_token(client)})
    assert wrong.status_code == 400 and 'role="alert"' in wrong.text
    drawn = client.post(url + "/draw", data={"seed": SEED, "_csrf_token": csrf_token(client)})
    assert drawn.status_code == 200 and "A-4-01" in drawn.text

    done = client.post(url + "/confirm", data={"members_present": "30", "members_total": "36", "chair": "Ketua",
                                                "secretary": "Sekretaris", "witness_1": "Saksi Satu",
                                                "witness_2": "Saksi Dua", "certain": "1",
                                                "_csrf_token": csrf_token(client)},
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


def _kunir_members(db, **changes: dict) -> None:
    """Member data for a test: {number: {field: value}}; committed so the app's sessions see it."""
    for number, values in changes.items():
        member = db.scalar(select(Member).where(Member.number == number.replace("_", "-")))
        for key, value in values.items():
            setattr(member, key, value)
    db.commit()


def _kunir_policy(db, **values):
    from app.cooperatives.models import Cooperative, CooperativePolicy

    coop = db.scalar(select(Cooperative).where(Cooperative.slug == "kunir"))
    row = db.get(CooperativePolicy, coop.id) or CooperativePolicy(cooperative_id=coop.id)
    for key, value in values.items():
        setattr(row, key, value)
    db.add(row)
    db.commit()


def _draw_and_confirm(client, url: str) -> None:
    assert client.post(url + "/draw", data={"seed": SEED, "_csrf_token": csrf_token(client)}).status_code == 200
    done = client.post(url + "/confirm", data={"members_present": "30", "members_total": "36", "chair": "K",
                                                "secretary": "S", "witness_1": "A", "witness_2": "B",
                                                "certain": "1", "_csrf_token": csrf_token(client)},
                       follow_redirects=False)
    assert done.status_code == 302


def _holder(db, unit: str) -> str:
    row = db.scalar(select(UnitAllocation).where(UnitAllocation.unit_code == unit, UnitAllocation.in_force))
    return db.get(Member, row.member_id).number


def test_a_priority_meeting_follows_the_policy_as_it_stood_when_the_hash_was_published(client, db):
    from app.meetings.minutes import minutes_html

    # KNR-001 lived on the site before; KNR-003 has far more savings. Both want A-4-01.
    _kunir_members(db, KNR_001={"original_resident": True, "savings_sukarela": 0},
                   KNR_003={"original_resident": False, "savings_sukarela": 90_000_000})
    _kunir_policy(db, priority_rules=["savings", "original_resident"])
    sign_in(client, db, "pengurus-kunir")
    client.cookies.set("japra_lang", "en")
    url = _meeting(client, method="priority")
    page = client.get(url).text
    assert "Rules of this meeting" in page
    assert page.index("Largest savings first") < page.index("Original residents of the site first")
    assert _preferences(client, url, "nomor_anggota;pilihan_1\nKNR-001;A-4-01\nKNR-003;A-4-01\n").status_code == 302
    _publish(client, url)

    # The members decide otherwise after the hash is out: this meeting keeps the rules it was announced with.
    _kunir_policy(db, priority_rules=["original_resident", "savings"])
    page = client.get(url).text
    assert "this meeting keeps the rules it was announced with" in page
    assert page.index("Largest savings first") < page.index("Original residents of the site first")
    _draw_and_confirm(client, url)
    assert _holder(db, "A-4-01") == "KNR-003"
    meeting = db.scalar(select(AllocationMeeting).order_by(AllocationMeeting.id.desc()))
    minutes = minutes_html(db, meeting, locale="en")
    assert minutes.index("Largest savings first") < minutes.index("Original residents of the site first")


def test_the_next_meeting_takes_the_changed_priority_order(client, db):
    _kunir_members(db, KNR_001={"original_resident": True, "savings_sukarela": 0},
                   KNR_003={"original_resident": False, "savings_sukarela": 90_000_000})
    _kunir_policy(db, priority_rules=["original_resident", "savings"])
    sign_in(client, db, "pengurus-kunir")
    url = _meeting(client, method="priority")
    _preferences(client, url, "nomor_anggota;pilihan_1\nKNR-001;A-4-01\nKNR-003;A-4-01\n")
    _publish(client, url)
    _draw_and_confirm(client, url)
    assert _holder(db, "A-4-01") == "KNR-001"


def test_a_lift_lets_a_member_who_needs_the_ground_floor_live_higher_up(client, db):
    from app.designs import service as designs
    from app.designs.editing import form_values

    _kunir_members(db, KNR_002={"needs_ground_floor": True, "household_size": 1})
    project = db.scalar(select(Project).where(Project.slug == "kunir"))
    scenario = designs.by_name(db, project, None)
    sign_in(client, db, "pengurus-kunir")
    client.cookies.set("japra_lang", "en")
    url = _meeting(client)
    # Blok A: 4 floors of 8 units, without a lift; B: one ground-floor unit.
    assert "9 of the 33 units (9 on the ground floor, 0 higher up with a lift)" in client.get(url).text
    _preferences(client, url, "nomor_anggota;pilihan_1\nKNR-002;A-4-01\n")
    _publish(client, url)
    assert client.post(url + "/draw", data={"seed": SEED, "_csrf_token": csrf_token(client)}).status_code == 200
    meeting = db.scalar(select(AllocationMeeting).order_by(AllocationMeeting.id.desc()))
    from app.meetings import service as meetings

    got = {a.member: a.unit for a in meetings.outcome(db, meeting).assignments}
    # Without a lift A-4-01 does not suit them (the fallback had only ground-floor units left to offer, if any).
    assert got["KNR-002"] is None or got["KNR-002"].split("-")[1] == "1"

    client.cookies.clear()
    sign_in(client, db, "perencana")
    client.cookies.set("japra_lang", "en")
    design = {**form_values(scenario, "en"), "b_lift_0": "1", "_csrf_token": csrf_token(client)}
    saved = client.post(f"/projects/kunir/scenarios/{scenario.id}/design", data=design, follow_redirects=False)
    assert saved.status_code == 302
    page = client.get(f"/projects/kunir/scenarios/{scenario.id}").text
    assert 'name="b_lift_0" value="1" checked' in page and 'name="b_lift_1" value="1" checked' not in page
    assert "33 of the 33 units (9 on the ground floor, 24 higher up with a lift)" in client.get(url).text
    assert client.post(url + "/draw", data={"seed": SEED, "_csrf_token": csrf_token(client)}).status_code == 200
    _draw_and_confirm(client, url)
    assert _holder(db, "A-4-01") == "KNR-002"


def test_affordability_before_the_meeting_is_for_the_board_only(client, db):
    import re
    from decimal import Decimal

    from app.designs import service as designs
    from finance.affordability import assess, assumed_instalment

    _kunir_members(db, KNR_001={"monthly_income": 3_000_000}, KNR_002={"monthly_income": 0},
                   KNR_003={"monthly_income": 95_000_000})
    project = db.scalar(select(Project).where(Project.slug == "kunir"))
    t36 = next(t for t in designs.compute(db, designs.by_name(db, project, None)).by_type if t.code == "T36")
    instalment = assumed_instalment(t36.max_cost, Decimal(1), Decimal("0.05"), 240, "annuity")
    sign_in(client, db, "pengurus-kunir")
    client.cookies.set("japra_lang", "en")
    url = _meeting(client)
    page = client.get(url).text
    assert 'id="affordability"' in page and f"Rp{instalment:,}" in page

    def row(html: str, number: str) -> str:
        return re.search(rf"<tr><td>{number}</td>.*?</tr>", html, re.S).group(0)

    assert assess(3_000_000, instalment).flagged  # the dearest T36 is well above 30% of Rp3.000.000
    assert "badge flag" in row(page, "KNR-001") and "above 30%" in row(page, "KNR-001")
    assert "Rp3,000,000" in row(page, "KNR-001")
    assert "income unknown" in row(page, "KNR-002") and "badge flag" not in row(page, "KNR-002")
    assert "badge" not in row(page, "KNR-003")

    # The ratio is the cooperative's; the terms are the board's assumptions.
    _kunir_policy(db, affordability_ratio_pct=Decimal(95))
    page = client.get(url + "?aff_method=annuity&aff_rate=5&aff_months=240&aff_down=1").text
    assert "badge flag" not in row(page, "KNR-001")
    longer = client.get(url + "?aff_method=annuity&aff_rate=5&aff_months=360&aff_down=1").text
    assert f"Rp{assumed_instalment(t36.max_cost, Decimal(1), Decimal('0.05'), 360):,}" in longer
    bad = client.get(url + "?aff_months=0")
    assert "The tenor is from 1 to 480 months; got 0." in bad.text and 'role="alert"' in bad.text
    assert "The annual rate is a percentage from 0 to 50; got 75." in client.get(url + "?aff_rate=75").text

    # Never on the projector, and gone once the meeting is confirmed.
    _publish(client, url)
    mode = client.get(url + "/mode").text
    assert "Rp3,000,000" not in mode and "affordability" not in mode.lower()
    _draw_and_confirm(client, url)
    assert 'id="affordability"' not in client.get(url).text
