"""Allocation meetings: prepare (hash published, preferences in), hold (seed revealed, engine run), confirm.

The engine is `allocation`, the same one `japra allocate` runs on a file. The app only feeds it the
scenario's units and the members' preferences, keeps the published hash, and stores the outcome.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from allocation.engine import allocate
from allocation.lottery import generate_seed, seed_hash
from allocation.model import Member as Household
from allocation.model import Preference, UnitOption
from app.audit import service as audit
from app.db.base import utcnow
from app.designs import service as designs
from app.errors import Conflict, Invalid, NotFound
from app.meetings.models import METHODS, AllocationMeeting, MeetingParticipant, UnitAllocation
from app.members.models import Member
from app.projects.models import Project

MAX_CHOICES = 10


def meetings_of(session: Session, project: Project) -> list[AllocationMeeting]:
    return list(session.scalars(select(AllocationMeeting).where(AllocationMeeting.project_id == project.id)
                                .order_by(AllocationMeeting.held_on.desc(), AllocationMeeting.id.desc())))


def get(session: Session, project: Project, meeting_id: int) -> AllocationMeeting:
    meeting = session.scalar(
        select(AllocationMeeting).where(AllocationMeeting.project_id == project.id, AllocationMeeting.id == meeting_id)
        .options(selectinload(AllocationMeeting.participants).selectinload(MeetingParticipant.member)))
    if meeting is None:
        raise NotFound("No meeting found at this address.")
    return meeting


def create(session: Session, actor: Any, project: Project, data: dict[str, str]) -> AllocationMeeting:
    title = (data.get("title") or "").strip()
    place = (data.get("place") or "").strip()
    if not title:
        raise Invalid("The meeting needs a title.", field="title")
    if not place:
        raise Invalid("Where is the meeting held?", field="place")
    try:
        held_on = date.fromisoformat((data.get("held_on") or "").strip())
    except ValueError:
        raise Invalid("Write the date as YYYY-MM-DD, e.g. 2026-11-01.", field="held_on") from None
    method = data.get("method")
    if method not in METHODS:
        raise Invalid("Choose how units are allocated.", field="method")
    scenario = designs.by_name(session, project, None)
    meeting = AllocationMeeting(project=project, scenario=scenario, title=title[:200], place=place[:200],
                                held_on=held_on, method=method, status="draft")
    session.add(meeting)
    # Every active member of the cooperative may take part; the board can narrow it by preferences.
    for member in session.scalars(select(Member).where(Member.cooperative_id == project.cooperative_id,
                                                       Member.active.is_(True)).order_by(Member.number)):
        meeting.participants.append(MeetingParticipant(member=member, preferences=[]))
    session.flush()
    audit.record(session, actor=actor, action="meeting.create", entity_type="allocation_meeting",
                 entity_id=meeting.id, cooperative_id=project.cooperative_id,
                 changes={"title": meeting.title, "method": method, "scenario": scenario.name})
    return meeting


def publish(session: Session, actor: Any, meeting: AllocationMeeting, seed: str | None = None) -> str:
    """Fix the seed's hash before the meeting; returns the seed, which is shown once and never stored."""
    if meeting.status != "draft":
        raise Conflict("The seed's hash is published already; it cannot change.")
    seed = (seed or "").strip() or generate_seed()
    meeting.seed_hash = seed_hash(seed)
    meeting.status = "published"
    audit.record(session, actor=actor, action="meeting.publish", entity_type="allocation_meeting",
                 entity_id=meeting.id, cooperative_id=meeting.project.cooperative_id,
                 changes={"seed_hash": meeting.seed_hash})
    return seed


def units_of(session: Session, meeting: AllocationMeeting) -> list[UnitOption]:
    scenario = meeting.scenario
    bedrooms = {t.code: t.bedrooms for t in scenario.unit_types}
    return [UnitOption(u.code, u.unit_type, u.building, u.floor, bedrooms.get(u.unit_type, 1))
            for u in designs.units(scenario)]


def _choice(text: str, units: dict[str, UnitOption], types: set[str], buildings: set[str]) -> dict[str, Any] | None:
    text = text.strip()
    if not text:
        return None
    lowered = text.lower()
    if text in units:
        return {"unit": text}
    if text in types:
        return {"unit_type": text}
    match = re.fullmatch(r"(?:blok|block)\s+(\S+)", lowered)
    if match and match.group(1).upper() in buildings:
        return {"building": match.group(1).upper()}
    match = re.fullmatch(r"(?:lantai|floor)\s+(\d+)", lowered)
    if match:
        return {"floor": int(match.group(1))}
    raise ValueError(text)


def import_preferences(session: Session, actor: Any, meeting: AllocationMeeting, content: bytes) -> int:
    """A CSV of `nomor_anggota;pilihan_1;pilihan_2;...`: a unit code, a unit type, "Blok B" or "Lantai 2".

    Every problem is reported and nothing changes unless all rows are right.
    """
    if meeting.status in ("held", "confirmed"):
        raise Conflict("The meeting has been held; its preferences cannot change.")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Invalid("Save the preferences as CSV UTF-8.", field="file") from None
    lines = [line for line in text.splitlines() if line.strip()]
    if len(lines) < 2:
        raise Invalid("The file has no preferences: a header row, then one member per row.", field="file")
    delimiter = max((";", ",", "\t"), key=lines[0].count)
    rows = list(csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter))
    units = {u.code: u for u in units_of(session, meeting)}
    types = {u.unit_type for u in units.values()}
    buildings = {u.building for u in units.values()}
    by_number = {p.member.number: p for p in meeting.participants}
    problems: list[str] = []
    parsed: dict[str, list[dict[str, Any]]] = {}
    for row_no, row in enumerate(rows[1:], start=2):
        number = (row[0] if row else "").strip()
        if number not in by_number:
            problems.append(f"{row_no}: {number or '-'}")
            continue
        if number in parsed:
            problems.append(f"{row_no}: {number} ×2")
            continue
        choices = []
        for cell in row[1:MAX_CHOICES + 1]:
            try:
                choice = _choice(cell, units, types, buildings)
            except ValueError:
                problems.append(f"{row_no}: {cell.strip()}")
                continue
            if choice:
                choices.append(choice)
        parsed[number] = choices
    if problems:
        raise Invalid("These rows name a member who is not taking part, or a unit, type, block or floor the "
                      "scenario does not have (row: value): {problems}.", field="file",
                      problems="; ".join(problems[:30]))
    for number, choices in parsed.items():
        by_number[number].preferences = choices
    audit.record(session, actor=actor, action="meeting.preferences", entity_type="allocation_meeting",
                 entity_id=meeting.id, cooperative_id=meeting.project.cooperative_id,
                 changes={"members_with_preferences": len(parsed)})
    return len(parsed)


def _households(meeting: AllocationMeeting) -> list[Household]:
    out = []
    for p in meeting.participants:
        m = p.member
        needs = frozenset({"ground_floor"}) if (m.needs_ground_floor or m.disability) else frozenset()
        out.append(Household(number=m.number, household_size=m.household_size, needs=needs,
                             original_resident=m.original_resident, joined=m.joined_on, savings=m.savings_total))
    return out


def _preferences(meeting: AllocationMeeting) -> dict[str, list[Preference]]:
    prefs = {}
    for p in meeting.participants:
        prefs[p.member.number] = [Preference(kind, value) for choice in p.preferences for kind, value in choice.items()]
    return prefs


def run(session: Session, actor: Any, meeting: AllocationMeeting, seed: str):
    """Reveal the seed (it must match the published hash) and run the engine; the outcome is not yet final."""
    if meeting.status not in ("published", "held"):
        raise Conflict("Publish the seed's hash before the meeting; a draw needs it.")
    kept = {a.member.number: a.unit_code for a in session.scalars(
        select(UnitAllocation).where(UnitAllocation.project_id == meeting.project_id, UnitAllocation.in_force))}
    result = allocate(_households(meeting), units_of(session, meeting), _preferences(meeting),
                      method=meeting.method, seed=seed.strip(), published_hash=meeting.seed_hash, kept=kept)
    meeting.seed = seed.strip()
    meeting.status = "held"
    audit.record(session, actor=actor, action="meeting.draw", entity_type="allocation_meeting", entity_id=meeting.id,
                 cooperative_id=meeting.project.cooperative_id,
                 changes={"seed": meeting.seed, "allocated": sum(1 for a in result.assignments if a.unit)})
    return result


def outcome(session: Session, meeting: AllocationMeeting):
    """The draw again from the revealed seed: the engine is deterministic, so it is the same draw."""
    kept = {a.member.number: a.unit_code for a in session.scalars(
        select(UnitAllocation).where(UnitAllocation.project_id == meeting.project_id, UnitAllocation.in_force,
                                     UnitAllocation.meeting_id != meeting.id))}
    return allocate(_households(meeting), units_of(session, meeting), _preferences(meeting),
                    method=meeting.method, seed=meeting.seed, published_hash=meeting.seed_hash, kept=kept)


def confirm(session: Session, actor: Any, meeting: AllocationMeeting, data: dict[str, str]) -> int:
    """Lock the outcome: one allocation row per housed member, refused by the database if a unit or a
    member is already taken in this project (someone else confirmed at the same time)."""
    if meeting.status != "held":
        raise Conflict("Only a meeting whose draw has been run can be confirmed.")
    for field in ("chair", "secretary", "witness_1", "witness_2"):
        value = (data.get(field) or "").strip()
        if not value:
            raise Invalid("Name the chair, the secretary and two witnesses.", field=field)
        setattr(meeting, field, value[:200])
    try:
        meeting.members_present = int(data.get("members_present") or "")
        meeting.members_total = int(data.get("members_total") or "")
    except ValueError:
        raise Invalid("Give the number of members present and of all members.", field="members_present") from None
    if not 0 <= meeting.members_present <= meeting.members_total:
        raise Invalid("Members present cannot be more than all members.", field="members_present")
    meeting.notes = (data.get("notes") or "").strip() or None
    result = outcome(session, meeting)
    by_number = {p.member.number: p.member for p in meeting.participants}
    rows = 0
    try:
        with session.begin_nested():
            for a in result.assignments:
                if a.unit and a.how != "kept":
                    session.add(UnitAllocation(project_id=meeting.project_id, meeting_id=meeting.id,
                                               member_id=by_number[a.member].id, unit_code=a.unit, rank=a.rank,
                                               draw_position=a.order_position, in_force=True))
                    rows += 1
            session.flush()
    except IntegrityError:
        raise Conflict("A unit or a member of this draw was allocated in the meantime; nothing was saved. "
                       "Reload the page.") from None
    meeting.status = "confirmed"
    meeting.confirmed_at = utcnow()
    audit.record(session, actor=actor, action="meeting.confirm", entity_type="allocation_meeting",
                 entity_id=meeting.id, cooperative_id=meeting.project.cooperative_id, changes={"allocations": rows})
    return rows


def allocations_of(session: Session, meeting: AllocationMeeting) -> list[UnitAllocation]:
    return list(session.scalars(select(UnitAllocation).where(UnitAllocation.meeting_id == meeting.id)
                                .options(selectinload(UnitAllocation.member))
                                .order_by(UnitAllocation.draw_position)))
