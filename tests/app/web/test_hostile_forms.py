"""The forms of meetings, members, zoning, policy, publishing and projects read through the one form reader: a
hostile value (a far date, NaN, infinity, a number no column holds, 100 000 characters, a NUL byte) is refused with a
4xx page that marks its field, and nothing is stored."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.cooperatives.models import Cooperative, CooperativePolicy
from app.cooperatives.policy import Policy, form_values
from app.meetings.models import AllocationMeeting, UnitAllocation
from app.members.models import Member
from app.projects.models import Project
from app.publishing.models import Publication
from tests.app.loans.test_loans import _confirmed_meeting
from tests.app.meetings.test_meetings import SEED, _meeting, _publish
from tests.app.sites.test_zoning import VALID as ZONING
from tests.conftest import marked_invalid, post_form, sign_in_english

pytestmark = pytest.mark.db

FAR_DATE = "9999-12-31"
HUGE = "99999999999999999999999"
LONG = "x" * 100_000
NUL = "a\x00b"
NUMBERS = ["NaN", "1e309", "-inf", HUGE]





def _refused(r, field: str) -> None:
    assert r.status_code == 400, (field, r.status_code, r.text[:300])
    assert 'role="alert"' in r.text, field
    assert marked_invalid(r.text, field), field
    assert LONG not in re.sub(r'value="[^"]*"|<textarea[^>]*>[^<]*</textarea>', "", r.text)  # never echoed in a message


def _count(db, model, *where) -> int:
    db.expire_all()
    return db.scalar(select(func.count()).select_from(model).where(*where))


def _audits(db, action: str) -> int:
    return _count(db, AuditEntry, AuditEntry.action == action)


# --- meetings ------------------------------------------------------------------------------------------------

MEETING = {"title": "Rapat alokasi", "held_on": "2026-12-12", "place": "Balai warga RW 05", "method": "lottery"}


@pytest.mark.parametrize(("field", "value"), [("held_on", FAR_DATE), ("held_on", "0001-01-01"), ("held_on", NUL),
                                              ("title", LONG), ("title", NUL), ("place", LONG), ("method", "NaN")])
def test_a_new_meeting_refuses_hostile_values(client, db, field, value):
    sign_in_english(client, db, "pengurus-kunir")
    before = _count(db, AllocationMeeting)
    r = post_form(client, "/projects/kunir/meetings", {**MEETING, field: value})
    _refused(r, field)
    assert _count(db, AllocationMeeting) == before


@pytest.mark.parametrize("value", [LONG, NUL])
def test_publishing_the_hash_refuses_a_hostile_seed(client, db, value):
    sign_in_english(client, db, "pengurus-kunir")
    url = _meeting(client)
    r = post_form(client, url + "/publish", {"seed": value})
    _refused(r, "seed")
    meeting = db.scalar(select(AllocationMeeting).order_by(AllocationMeeting.id.desc()))
    db.refresh(meeting)
    assert meeting.status == "draft" and meeting.seed_hash is None


@pytest.mark.parametrize("value", [LONG, NUL])
def test_the_draw_refuses_a_hostile_seed(client, db, value):
    sign_in_english(client, db, "pengurus-kunir")
    url = _meeting(client)
    _publish(client, url)
    r = post_form(client, url + "/draw", {"seed": value})
    _refused(r, "seed")
    meeting = db.scalar(select(AllocationMeeting).order_by(AllocationMeeting.id.desc()))
    db.refresh(meeting)
    assert meeting.status == "published" and meeting.seed is None


CONFIRMATION = {"members_present": "30", "members_total": "36", "chair": "K", "secretary": "S", "witness_1": "A",
                "witness_2": "B", "certain": "1"}


@pytest.mark.parametrize(("field", "value"), [*[("members_present", v) for v in NUMBERS],
                                              ("members_total", "1e309"), ("members_total", "-1"),
                                              ("chair", LONG), ("witness_2", NUL), ("notes", LONG), ("notes", NUL)])
def test_confirming_refuses_hostile_values_and_allocates_nothing(client, db, field, value):
    sign_in_english(client, db, "pengurus-kunir")
    url = _meeting(client)
    _publish(client, url)
    assert post_form(client, url + "/draw", {"seed": SEED}).status_code == 303  # to meeting mode
    r = post_form(client, url + "/confirm", {**CONFIRMATION, field: value})
    _refused(r, field)
    meeting = db.scalar(select(AllocationMeeting).order_by(AllocationMeeting.id.desc()))
    db.refresh(meeting)
    assert meeting.status == "held" and meeting.chair is None
    assert _count(db, UnitAllocation, UnitAllocation.meeting_id == meeting.id) == 0


@pytest.mark.parametrize(("field", "value"), [("reason", LONG), ("reason", NUL), ("reference", LONG),
                                              ("reference", NUL), ("member", LONG), ("unit", NUL), ("kind", "NaN"),
                                              ("other_member", LONG)])
def test_an_amendment_refuses_hostile_values_and_changes_nothing(client, db, field, value):
    sign_in_english(client, db, "pengurus-kunir")
    url = _confirmed_meeting(client)
    in_force = _count(db, UnitAllocation, UnitAllocation.in_force)
    r = post_form(client, url + "/amendments", {"kind": "move", "member": "KNR-001", "unit": "A-4-07",
                                            "reason": "Tukar", field: value})
    _refused(r, field)
    assert _count(db, UnitAllocation, UnitAllocation.in_force) == in_force
    assert _audits(db, "allocation.amend") == 0


@pytest.mark.parametrize(("field", "value"), [("aff_rate", "NaN"), ("aff_rate", "1e309"), ("aff_months", HUGE),
                                              ("aff_down", "-inf"), ("aff_months", "9" * 5000),
                                              ("aff_method", NUL)])
def test_the_affordability_terms_refuse_hostile_values(client, db, field, value):
    sign_in_english(client, db, "pengurus-kunir")
    url = _meeting(client)
    r = client.get(url, params={field: value})
    assert r.status_code == 200  # the meeting page itself; its affordability table says what is wrong instead
    assert 'role="alert"' in r.text and marked_invalid(r.text, field) and "Monthly instalment" not in r.text


# --- members -------------------------------------------------------------------------------------------------

MEMBER = {"number": "KNR-901", "name": "Wulan Sekarsari", "nik": "", "household_size": "4",
          "monthly_income": "Rp4.500.000", "joined_on": "2024-02-01", "savings_pokok": "100.000",
          "savings_wajib": "0", "savings_sukarela": "0", "notes": ""}


@pytest.mark.parametrize(("field", "value"), [("joined_on", FAR_DATE), ("joined_on", "0001-01-01"),
                                              *[("monthly_income", v) for v in NUMBERS],
                                              ("household_size", "1e309"), ("savings_wajib", LONG),
                                              ("name", LONG), ("name", NUL), ("notes", LONG), ("notes", NUL),
                                              ("number", NUL), ("nik", LONG)])
def test_the_member_form_refuses_hostile_values(client, db, field, value):
    sign_in_english(client, db, "pengurus-kunir")
    before = _count(db, Member)
    r = post_form(client, "/cooperatives/kunir/members", {**MEMBER, field: value})
    _refused(r, field)
    assert _count(db, Member) == before and _audits(db, "member.create") == 0


def test_a_member_spreadsheet_refuses_the_far_date_the_form_refuses(client, db):
    """One set of checks for the form and the file."""
    from allocation.members import check_member

    _values, problems = check_member({"number": "KNR-902", "name": "Siti", "joined_on": FAR_DATE}, row=7)
    assert [(p.row, p.column, p.message.code) for p in problems] == [(7, "joined_on", "members.date_out_of_range")]


# --- zoning --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("field", "value"), [("kdb_pct", "NaN"), ("klb", "1e309"), ("max_floors", HUGE),
                                              ("efficiency", "-inf"), ("gsb_front_m", NUL), ("unit_name_0", LONG),
                                              ("unit_area_0", "NaN"), ("unit_share_1", "1e309"),
                                              ("front_azimuth_deg", LONG)])
def test_the_zoning_form_refuses_hostile_values(client, db, field, value):
    sign_in_english(client, db, "perencana")
    site = db.scalar(select(Project).where(Project.slug == "kunir")).site
    before = (site.klb, site.kdb_pct, site.unit_mix)
    r = post_form(client, "/projects/kunir/zoning", {**ZONING, field: value})
    _refused(r, field)
    db.expire_all()
    site = db.scalar(select(Project).where(Project.slug == "kunir")).site
    assert (site.klb, site.kdb_pct, site.unit_mix) == before and _audits(db, "site.zoning") == 0


def test_the_zoning_form_shows_every_problem_next_to_its_field_at_once(client, db):
    sign_in_english(client, db, "perencana")
    bad = {"kdb_pct": "150", "klb": "banyak", "max_floors": "2,5", "efficiency": "", "unit_area_0": "5",
           "unit_name_1": "", "gsb_rear_m": "NaN"}
    r = post_form(client, "/projects/kunir/zoning", {**ZONING, **bad})
    assert r.status_code == 400 and "7 values need fixing" in r.text
    for field in bad:
        assert f'id="err-{field}"' in r.text and marked_invalid(r.text, field), field
    alert = r.text.split('role="alert"')[1].split("</div>")[0]
    # Each line of the summary names its field.
    for label in ("KDB, building coverage (%)", "KLB, floor area ratio", "Maximum floors", "Net area (m²) 1",
                  "Unit type 2", "Rear"):
        assert label in alert, label
    assert "KDB must be a percentage above 0, up to 100." in alert
    assert "The number of floors is a whole number." in alert


# --- policy --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("field", "changes"), [
    ("late_rate_pct", {"late_kind": "rate", "late_rate_pct": "NaN"}),
    ("late_rate_pct", {"late_kind": "rate", "late_rate_pct": "1e309"}),
    ("late_fixed", {"late_kind": "fixed", "late_fixed": HUGE}),
    ("late_grace_days", {"late_kind": "fixed", "late_fixed": "50000", "late_grace_days": "-inf"}),
    ("thr_koperasi_1", {"thr_koperasi_1": HUGE}),
    ("thr_koperasi_2", {"thr_koperasi_2": LONG}),
    ("band_up_0", {"band_up_0": "1e309"}),
    ("max_extra_bedrooms", {"max_extra_bedrooms": NUL}),
    ("affordability_pct", {"affordability_pct": "NaN"}),
    ("preset", {"preset": NUL}),
    ("order_0", {"order_0": LONG}),
])
def test_the_policy_form_refuses_hostile_values(client, db, field, changes):
    sign_in_english(client, db, "pengurus-kunir")
    r = post_form(client, "/cooperatives/kunir/policy", {**form_values(Policy(), "en"), **changes})
    _refused(r, field)
    coop = db.scalar(select(Cooperative).where(Cooperative.slug == "kunir"))
    db.expire_all()
    assert db.get(CooperativePolicy, coop.id) is None and _audits(db, "policy.update") == 0


# --- publishing ----------------------------------------------------------------------------------------------

PUBLICATION = {"published": "on", "title": "Kampung Kunir", "story_md": "## Cerita", "reference_price_per_m2": "",
               "typical_rent": "", "show_site": "on"}


@pytest.mark.parametrize(("field", "value"), [("stage_konstruksi", FAR_DATE), ("stage_inisiasi", NUL),
                                              *[("reference_price_per_m2", v) for v in NUMBERS],
                                              ("typical_rent", "1e309"), ("title", LONG), ("title", NUL),
                                              ("story_md", LONG), ("story_md", NUL)])
def test_the_publishing_form_refuses_hostile_values(client, db, field, value):
    sign_in_english(client, db, "perencana")
    r = post_form(client, "/projects/kunir/publication", {**PUBLICATION, field: value})
    _refused(r, field)
    project = db.scalar(select(Project).where(Project.slug == "kunir"))
    db.expire_all()
    assert db.get(Publication, project.id) is None and _audits(db, "publication.save") == 0


# --- projects ------------------------------------------------------------------------------------------------

NEW_PROJECT = {"cooperative": "kunir", "name": "Kunir Dua", "slug": "kunir-dua", "stage": "inisiasi",
               "description": ""}


@pytest.mark.parametrize(("field", "value"), [("name", LONG), ("name", NUL), ("slug", LONG), ("slug", NUL),
                                              ("cooperative", LONG), ("stage", "NaN"), ("description", LONG),
                                              ("description", NUL)])
def test_the_new_project_form_refuses_hostile_values(client, db, field, value):
    sign_in_english(client, db, "perencana")
    before = (_count(db, Project), _audits(db, "project.create"))
    r = post_form(client, "/projects", {**NEW_PROJECT, field: value})
    _refused(r, field)
    assert (_count(db, Project), _audits(db, "project.create")) == before


@pytest.mark.parametrize("value", ["NaN", NUL, LONG, ""])
def test_a_stage_change_refuses_a_stage_that_is_not_one(client, db, value):
    sign_in_english(client, db, "perencana")
    before = db.scalar(select(Project.stage).where(Project.slug == "kunir"))
    r = post_form(client, "/projects/kunir/stage", {"stage": value})
    _refused(r, "stage")
    db.expire_all()
    assert db.scalar(select(Project.stage).where(Project.slug == "kunir")) == before
    assert _audits(db, "project.update") == 0
    other = "dihuni" if before != "dihuni" else "konstruksi"
    assert post_form(client, "/projects/kunir/stage", {"stage": other}).status_code == 302
    db.expire_all()
    assert db.scalar(select(Project.stage).where(Project.slug == "kunir")) == other
