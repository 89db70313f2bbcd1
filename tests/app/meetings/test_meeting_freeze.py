"""What a meeting freezes with its hash, and meeting mode as the hall sees it (issue 13)."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from allocation import snapshot
from app.meetings.models import AllocationMeeting, UnitAllocation
from app.members.models import Member
from tests.app.meetings.test_meetings import (
    SEED,
    _draw_and_confirm,
    _holder,
    _kunir_members,
    _kunir_policy,
    _meeting,
    _preferences,
    _publish,
)
from tests.conftest import csrf_token, sign_in

pytestmark = pytest.mark.db
CONFIRMATION = {"members_present": "30", "members_total": "36", "chair": "Ketua", "secretary": "Sekretaris",
                "witness_1": "Saksi Satu", "witness_2": "Saksi Dua"}


def _latest(db) -> AllocationMeeting:
    meeting = db.scalar(select(AllocationMeeting).order_by(AllocationMeeting.id.desc()))
    db.refresh(meeting)
    return meeting


def _confirm(client, url: str, **extra: str):
    return client.post(url + "/confirm", data={**CONFIRMATION, **extra, "_csrf_token": csrf_token(client)},
                       follow_redirects=False)


# --- the freeze ----------------------------------------------------------------------------------------------

def test_publishing_freezes_preferences_and_member_data_and_the_draw_reads_only_that(client, db):
    from app.meetings.minutes import minutes_html, minutes_pdf

    # Priority by savings: KNR-003 has the most when the hash is published. Both want A-4-01.
    _kunir_members(db, KNR_001={"savings_sukarela": 0}, KNR_003={"savings_sukarela": 90_000_000})
    _kunir_policy(db, priority_rules=["savings"])
    sign_in(client, db, "pengurus-kunir")
    client.cookies.set("japra_lang", "en")
    url = _meeting(client, method="priority")
    assert _preferences(client, url, "nomor_anggota;pilihan_1\nKNR-001;A-4-01\nKNR-003;A-4-01\n").status_code == 302
    _publish(client, url)
    meeting = _latest(db)
    assert meeting.frozen_hash == snapshot.digest(meeting.frozen)
    page = client.get(url).text
    assert meeting.frozen_hash in page and "A change needs a new meeting with a new hash." in page

    # Whoever holds the seed knows the order; afterwards nothing they change reaches the draw.
    late = _preferences(client, url, "nomor_anggota;pilihan_1\nKNR-001;A-4-02\nKNR-003;A-4-02\n")
    assert late.status_code == 409
    assert ("The seed&#39;s hash is published: the members and their preferences are frozen for this meeting. "
            "A change needs a new meeting with a new hash.") in late.text and 'role="alert"' in late.text
    _kunir_members(db, KNR_001={"savings_sukarela": 500_000_000})
    _draw_and_confirm(client, url)
    assert _holder(db, "A-4-01") == "KNR-003"
    meeting = _latest(db)
    assert {p["number"]: p["preferences"] for p in meeting.frozen["participants"]}["KNR-001"] == [{"unit": "A-4-01"}]

    # The berita acara lists what was frozen, with the snapshot's own hash.
    html = minutes_html(db, meeting, locale="en")
    assert "Members taking part and their choices" in html and meeting.frozen_hash in html
    text = " ".join(" ".join((p.extract_text() or "").split())
                    for p in PdfReader(io.BytesIO(minutes_pdf(db, meeting, locale="id"))).pages)
    knr001 = db.scalar(select(Member).where(Member.number == "KNR-001"))
    assert "KNR-001" in text and knr001.name in text and "A-4-01" in text
    assert meeting.frozen_hash[:16] in text.replace(" ", "")


def test_the_snapshot_is_canonical_and_its_hash_covers_every_input():
    from allocation.model import Member as Household
    from allocation.model import Preference

    members = [Household("KNR-002", 3, frozenset({"ground_floor"}), True, date(2020, 1, 5), 1_000),
               Household("KNR-001", 2)]
    prefs = {"KNR-002": [Preference("unit", "A-1-01"), Preference("floor", 2)], "KNR-001": []}
    document = snapshot.freeze(members, prefs)
    assert [r["number"] for r in document["participants"]] == ["KNR-001", "KNR-002"]
    assert snapshot.digest(document) == snapshot.digest(snapshot.freeze(list(reversed(members)), prefs))
    assert snapshot.members(document) == sorted(members, key=lambda m: m.number)
    assert snapshot.preferences(document)["KNR-002"] == prefs["KNR-002"]
    assert snapshot.canonical(document).startswith(b'{"participants":[{"household_size":2,')
    richer = snapshot.freeze([Household("KNR-002", 3, frozenset({"ground_floor"}), True, date(2020, 1, 5), 1_001),
                              members[1]], prefs)
    assert snapshot.digest(richer) != snapshot.digest(document)
    assert [snapshot.choice_text(c) for c in ({"unit": "A-1-01"}, {"unit_type": "T36"}, {"building": "B"},
                                              {"floor": 2})] == ["A-1-01", "T36", "Blok B", "Lantai 2"]


def test_after_uploading_the_page_shows_what_each_member_chose(client, db):
    sign_in(client, db, "pengurus-kunir")
    url = _meeting(client)
    sent = _preferences(client, url, "nomor_anggota;pilihan_1;pilihan_2\nKNR-001;A-4-01;T36\n"
                                     "KNR-002;Lantai 2;Blok A\n")
    page = client.get(sent.headers["location"]).text
    rows = {m.group(1): m.group(2) for m in re.finditer(r"<tr><td>(KNR-\d+)</td><td>[^<]*</td><td>([^<]*)</td></tr>",
                                                        page)}
    assert rows["KNR-001"] == "A-4-01, T36" and rows["KNR-002"] == "Lantai 2, Blok A" and rows["KNR-003"] == "—"


# --- meeting mode ----------------------------------------------------------------------------------------------

def test_meeting_mode_shows_the_hash_large_the_steps_numbered_once_and_no_lock_form(client, db):
    sign_in(client, db, "pengurus-kunir")
    client.cookies.set("japra_lang", "en")
    url = _meeting(client)
    _preferences(client, url, "nomor_anggota;pilihan_1\nKNR-001;A-4-01\n")
    _publish(client, url)
    meeting = _latest(db)
    mode = client.get(url + "/mode").text
    groups = re.findall(r'<code class="hash">([0-9a-f]+)</code>', mode.split('class="hash-big"')[1])
    assert "".join(groups) == meeting.seed_hash and len(groups) == 4
    assert '<link rel="icon" href="/static/favicon.svg"' in mode

    # Redirect after post: the projector ends on the page's own address, so a reload sends nothing again.
    drawn = client.post(url + "/draw", data={"seed": SEED, "_csrf_token": csrf_token(client)},
                        follow_redirects=False)
    assert drawn.status_code == 303 and drawn.headers["location"] == url + "/mode"
    mode = client.get(url + "/mode").text
    steps = re.findall(r"<li>([^<]*)</li>", mode.split('class="steps"')[1].split("</ol>")[0])
    assert steps[0].startswith("1. Member ")
    css = client.get("/static/css/meeting.css").text
    assert re.search(r"ol\.steps \{[^}]*list-style: none", css)  # the list adds no second number
    assert "/confirm" not in mode and "Confirm and lock" not in mode
    assert 'action="' + url + '/confirm"' in client.get(url).text


def test_locking_needs_its_own_confirmation_and_the_meetings_day(client, db, clock):
    clock.day = date(2026, 12, 8)
    sign_in(client, db, "pengurus-kunir")
    client.cookies.set("japra_lang", "en")
    url = _meeting(client, held_on="2026-12-20")
    _preferences(client, url, "nomor_anggota;pilihan_1\nKNR-001;A-4-01\n")
    _publish(client, url)
    assert client.post(url + "/draw", data={"seed": SEED, "_csrf_token": csrf_token(client)}).status_code == 200
    meeting = _latest(db)

    page = client.get(url).text
    assert "The meeting is set for 20 December 2026; its result can be confirmed from that day on." in page
    early = _confirm(client, url, certain="1")
    assert early.status_code == 409 and "The meeting is set for 20-12-2026" in early.text
    assert 'value="Ketua"' in early.text  # what was typed stays in the form

    clock.day = date(2026, 12, 20)
    unticked = _confirm(client, url)
    assert unticked.status_code == 400 and "Tick the box to confirm that the result is locked." in unticked.text
    assert 'name="certain" value="1" required aria-invalid="true"' in unticked.text
    assert _latest(db).status == "held"
    assert db.scalar(select(func.count()).select_from(UnitAllocation)
                     .where(UnitAllocation.meeting_id == meeting.id)) == 0

    done = _confirm(client, url, certain="1")
    assert done.status_code == 302 and _latest(db).status == "confirmed"


def test_members_housed_by_an_earlier_meeting_are_left_out_of_the_next(client, db):
    sign_in(client, db, "pengurus-kunir")
    client.cookies.set("japra_lang", "id")
    first = _meeting(client)
    _preferences(client, first, "nomor_anggota;pilihan_1\nKNR-001;A-4-01\n")
    _publish(client, first)
    _draw_and_confirm(client, first)
    housed = set(db.scalars(select(Member.number).join(UnitAllocation, UnitAllocation.member_id == Member.id)
                            .where(UnitAllocation.in_force.is_(True))))
    assert "KNR-001" in housed
    # KNR-001 withdraws: A-4-01 is free again, and KNR-001 stays in the first meeting without a unit.
    withdrawn = client.post(first + "/amendments", data={"kind": "withdraw", "member": "KNR-001", "reason": "mundur",
                                                         "_csrf_token": csrf_token(client)}, follow_redirects=False)
    assert withdrawn.status_code == 302
    housed.discard("KNR-001")

    second = _meeting(client)
    meeting = _latest(db)
    taking_part = {p.member.number for p in meeting.participants}
    assert taking_part and not taking_part & housed
    # Nor are they offered in its amendment list as members "without a unit".
    _publish(client, second)
    _draw_and_confirm(client, second)
    page = client.get(second).text
    member_select = page.split('name="member"')[1].split("</select>")[0]
    assert not any(f'value="{n}"' in member_select for n in housed)
    # And a participant of the first meeting housed by the second is not "(tanpa unit)" in the first's list.
    by_second = set(db.scalars(select(Member.number).join(UnitAllocation, UnitAllocation.member_id == Member.id)
                               .where(UnitAllocation.meeting_id == _latest(db).id)))
    first_select = client.get(first).text.split('name="member"')[1].split("</select>")[0]
    assert by_second and not any(f'value="{n}"' in first_select for n in by_second)
    assert 'value="KNR-001"' in member_select or "KNR-001" in by_second


def test_favicon_is_answered_app_wide(client):
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.headers["content-type"].startswith("image/svg+xml")
    assert b"<svg" in icon.content


@pytest.mark.parametrize("method", ["lottery", "optimal"])
def test_a_unit_taken_since_the_freeze_stays_a_valid_choice_but_is_not_given(method):
    from allocation.engine import allocate
    from allocation.model import Member as Household
    from allocation.model import Preference, UnitOption

    units = [UnitOption("A-1-01", "T36", "A", 1, 2), UnitOption("A-1-02", "T36", "A", 1, 2)]
    result = allocate([Household("KNR-001", 2)], units, {"KNR-001": [Preference("unit", "A-1-01")]}, method=method,
                      seed="s", taken={"A-1-01"})
    (assignment,) = result.assignments
    assert assignment.unit == "A-1-02" and assignment.how == "fallback"
    assert result.unused_units == ()
