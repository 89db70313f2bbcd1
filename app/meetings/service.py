"""Allocation meetings: prepare (hash published, preferences in), hold (seed revealed, engine run), confirm.

The engine is `allocation`, the same one `japra allocate` runs on a file. The app only feeds it the
scenario's units and the members' preferences, keeps the published hash, and stores the outcome.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, selectinload

from allocation import amendments, snapshot
from allocation.engine import allocate
from allocation.errors import AllocationError
from allocation.lottery import generate_seed, seed_hash
from allocation.model import Member as Household
from allocation.model import Preference, Rules, UnitOption
from app.audit import service as audit
from app.audit.models import AuditEntry
from app.cooperatives.policy import policy_of, rules_data, rules_from_data
from app.db.base import utcnow
from app.designs import service as designs
from app.errors import Conflict, Invalid, NotFound, refusal
from app.loans.models import InstalmentPlan
from app.meetings.models import METHODS, AllocationMeeting, MeetingParticipant, UnitAllocation
from app.members.models import Member
from app.projects.models import Project
from finance.ledger import Payment, net_paid
from kernel import limits

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


TEXT_LIMIT = limits.NAME  # the meeting's title, place, seed and the names in its berita acara (their columns)


@dataclass(frozen=True)
class MeetingIn:
    """A meeting as the board prepares it."""

    title: str
    place: str
    held_on: date
    method: str  # one of METHODS


def create(session: Session, actor: Any, project: Project, command: MeetingIn) -> AllocationMeeting:
    title, place, method = command.title.strip(), command.place.strip(), command.method
    if not title:
        raise Invalid("The meeting needs a title.", field="title")
    if not place:
        raise Invalid("Where is the meeting held?", field="place")
    if method not in METHODS:
        raise Invalid("Choose how units are allocated.", field="method")
    if len(title) > TEXT_LIMIT or len(place) > TEXT_LIMIT:
        raise Invalid("At most {limit} characters.", field="title" if len(title) > TEXT_LIMIT else "place",
                      limit=TEXT_LIMIT)
    scenario = designs.by_name(session, project, None)
    meeting = AllocationMeeting(project=project, scenario=scenario, title=title, place=place,
                                held_on=command.held_on, method=method, status="draft")
    session.add(meeting)
    # Every active member of the cooperative without a unit in this project may take part; the board can narrow
    # it by preferences. A member housed by an earlier meeting is not drawn again.
    housed = _housed(session, project.id)
    for member in session.scalars(select(Member).where(Member.cooperative_id == project.cooperative_id,
                                                       Member.active.is_(True)).order_by(Member.number)):
        if member.id in housed:
            continue
        meeting.participants.append(MeetingParticipant(member=member, preferences=[]))
    session.flush()
    audit.record(session, actor=actor, action="meeting.create", entity_type="allocation_meeting",
                 entity_id=meeting.id, cooperative_id=project.cooperative_id,
                 changes={"title": meeting.title, "method": method, "scenario": scenario.name})
    return meeting


def _housed(session: Session, project_id: int, *, besides: int | None = None) -> set[int]:
    """The members holding a unit in force in the project (by member id), other than by meeting `besides`."""
    query = select(UnitAllocation.member_id).where(UnitAllocation.project_id == project_id,
                                                   UnitAllocation.in_force.is_(True))
    if besides is not None:
        query = query.where((UnitAllocation.meeting_id != besides) | UnitAllocation.meeting_id.is_(None))
    return set(session.scalars(query))


def publish(session: Session, actor: Any, meeting: AllocationMeeting, seed: str | None = None) -> str:
    """Fix the seed's hash before the meeting; returns the seed, which is shown once and never stored.

    With the hash, the participants, their preferences and the attributes the rules read are frozen: whoever
    holds the seed can work out the draw order, so nothing the draw reads may change after this."""
    if meeting.status != "draft":
        raise Conflict("The seed's hash is published already; it cannot change.")
    seed = (seed or "").strip() or generate_seed()
    rules = rules_of(session, meeting)
    # A member housed by another meeting since this one was prepared leaves it before it is frozen.
    housed = _housed(session, meeting.project_id)
    for participant in [p for p in meeting.participants if p.member_id in housed]:
        meeting.participants.remove(participant)
    meeting.frozen = snapshot.freeze(_households(meeting), _preferences(meeting))
    meeting.frozen_hash = snapshot.digest(meeting.frozen)
    meeting.seed_hash = seed_hash(seed)
    meeting.status = "published"
    audit.record(session, actor=actor, action="meeting.publish", entity_type="allocation_meeting",
                 entity_id=meeting.id, cooperative_id=meeting.project.cooperative_id,
                 changes={"seed_hash": meeting.seed_hash, "rules": rules_data(rules),
                          "frozen_hash": meeting.frozen_hash, "participants": len(meeting.frozen["participants"])})
    return seed


def units_of(session: Session, meeting: AllocationMeeting) -> list[UnitOption]:
    scenario = meeting.scenario
    bedrooms = {t.code: t.bedrooms for t in scenario.unit_types}
    lifts = {b.code: b.lift for b in scenario.buildings}
    return [UnitOption(u.code, u.unit_type, u.building, u.floor, bedrooms.get(u.unit_type, 1),
                       lifts.get(u.building, False))
            for u in designs.units(scenario)]


def rules_of(session: Session, meeting: AllocationMeeting) -> Rules:
    """The rules a meeting is held under: the cooperative's policy as it stood when the seed's hash was published
    (recorded then, so a later change of policy cannot alter a draw the members were announced), the policy's
    current rules before that, or for a meeting published before rules were recorded."""
    if meeting.status != "draft":
        recorded = session.scalar(select(AuditEntry.changes).where(
            AuditEntry.action == "meeting.publish", AuditEntry.entity_type == "allocation_meeting",
            AuditEntry.entity_id == str(meeting.id)).order_by(AuditEntry.id.desc()).limit(1))
        if recorded and recorded.get("rules"):
            return rules_from_data(recorded["rules"])
    return policy_of(session, meeting.project.cooperative_id).rules


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
    if meeting.status != "draft":
        # Preferences given once the draw order can be worked out from the seed could be tailored to it.
        raise Conflict("The seed's hash is published: the members and their preferences are frozen for this "
                       "meeting. A change needs a new meeting with a new hash.", field="file")
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
    """The participants as the engine reads them: from the snapshot once the hash is published (a meeting
    published before snapshots were kept reads its members as they are)."""
    if meeting.frozen is not None:
        return snapshot.members(meeting.frozen)
    out = []
    for p in meeting.participants:
        m = p.member
        needs = frozenset({"ground_floor"}) if (m.needs_ground_floor or m.disability) else frozenset()
        out.append(Household(number=m.number, household_size=m.household_size, needs=needs,
                             original_resident=m.original_resident, joined=m.joined_on, savings=m.savings_total))
    return out


def housed_elsewhere(session: Session, meeting: AllocationMeeting) -> set[int]:
    """The participants (member ids) holding a unit in force in the project from another meeting."""
    return _housed(session, meeting.project_id, besides=meeting.id)


@dataclass(frozen=True)
class Choices:
    """One participant's choices as the page lists them, best first (from the snapshot once frozen)."""

    number: str
    name: str
    choices: tuple[str, ...]


def choices_of(meeting: AllocationMeeting) -> list[Choices]:
    names = {p.member.number: p.member.name for p in meeting.participants}
    if meeting.frozen is not None:
        rows = [(r["number"], r["preferences"]) for r in meeting.frozen["participants"]]
    else:
        rows = sorted(((p.member.number, p.preferences) for p in meeting.participants), key=lambda r: r[0])
    return [Choices(number, names.get(number, ""), tuple(snapshot.choice_text(c) for c in prefs))
            for number, prefs in rows]


def _preferences(meeting: AllocationMeeting) -> dict[str, list[Preference]]:
    if meeting.frozen is not None:
        return snapshot.preferences(meeting.frozen)
    prefs = {}
    for p in meeting.participants:
        prefs[p.member.number] = [Preference(kind, value) for choice in p.preferences for kind, value in choice.items()]
    return prefs


def run(session: Session, actor: Any, meeting: AllocationMeeting, seed: str):
    """Reveal the seed (it must match the published hash) and run the engine; the outcome is not yet final."""
    if meeting.status not in ("published", "held"):
        raise Conflict("Publish the seed's hash before the meeting; a draw needs it.")
    result = _draw(session, meeting, seed.strip())
    meeting.seed = seed.strip()
    meeting.status = "held"
    audit.record(session, actor=actor, action="meeting.draw", entity_type="allocation_meeting", entity_id=meeting.id,
                 cooperative_id=meeting.project.cooperative_id,
                 changes={"seed": meeting.seed, "allocated": sum(1 for a in result.assignments if a.unit)})
    return result


def outcome(session: Session, meeting: AllocationMeeting):
    """The draw again from the revealed seed: the engine is deterministic, so it is the same draw."""
    return _draw(session, meeting, meeting.seed)


def _draw(session: Session, meeting: AllocationMeeting, seed: str):
    """The engine on the frozen participants and the scenario's units, less the units other meetings gave
    (as they stood when this one was confirmed): a participant holding one keeps it, any other is not given (but
    a choice naming it stays valid: the choices were frozen before it was taken)."""
    households = _households(meeting)
    numbers = {h.number for h in households}
    query = (select(Member.number, UnitAllocation.unit_code).join(Member, Member.id == UnitAllocation.member_id)
             .where(UnitAllocation.project_id == meeting.project_id, UnitAllocation.in_force.is_(True),
                    (UnitAllocation.meeting_id != meeting.id) | UnitAllocation.meeting_id.is_(None)))
    if meeting.confirmed_at is not None:
        query = query.where(UnitAllocation.created_at <= meeting.confirmed_at)
    held = session.execute(query).all()
    kept = {number: unit for number, unit in held if number in numbers}
    taken = {unit for number, unit in held if number not in numbers}
    return allocate(households, units_of(session, meeting), _preferences(meeting), method=meeting.method, seed=seed,
                    published_hash=meeting.seed_hash, kept=kept, taken=taken, rules=rules_of(session, meeting))


@dataclass(frozen=True)
class ConfirmationIn:
    """What the berita acara records of the meeting: who led and witnessed it, and how many members came. A count
    is None when it was not given."""

    chair: str
    secretary: str
    witness_1: str
    witness_2: str
    members_present: int | None
    members_total: int | None
    notes: str = ""
    # The officer ticked "lock it": the form's confirmation step (the service's own callers vouch for it).
    certain: bool = True


def confirm(session: Session, actor: Any, meeting: AllocationMeeting, command: ConfirmationIn,
            today: date | None = None) -> int:
    """Lock the outcome: one allocation row per housed member, refused by the database if a unit or a
    member is already taken in this project (someone else confirmed at the same time). Not before the meeting's
    day (`today`, the app's calendar; None for a caller recording a meeting already held, as the demo does)."""
    # The meeting row locked until commit: of several officers confirming at once, one confirms, and each of the
    # others then reads the confirmed state and is told so.
    session.flush()  # a refresh would drop a change not yet written (the draw just run in the same unit of work)
    session.refresh(meeting, attribute_names=["status"], with_for_update=True)
    if meeting.status == "confirmed":
        raise Conflict("This meeting has been confirmed already; nothing was changed.")
    if meeting.status != "held":
        raise Conflict("Only a meeting whose draw has been run can be confirmed.")
    if today is not None and today < meeting.held_on:
        raise Conflict("The meeting is set for {date}; its result can be confirmed from that day on.",
                       date=meeting.held_on.strftime("%d-%m-%Y"))
    if not command.certain:
        raise Invalid("Tick the box to confirm that the result is locked.", field="certain")
    for field in ("chair", "secretary", "witness_1", "witness_2"):
        value = getattr(command, field).strip()
        if not value:
            raise Invalid("Name the chair, the secretary and two witnesses.", field=field)
        if len(value) > TEXT_LIMIT:
            raise Invalid("At most {limit} characters.", field=field, limit=TEXT_LIMIT)
        setattr(meeting, field, value)
    for field in ("members_present", "members_total"):
        if getattr(command, field) is None:
            raise Invalid("Give the number of members present and of all members.", field=field)
    if not 0 <= command.members_present <= command.members_total:
        raise Invalid("Members present cannot be more than all members.", field="members_present")
    meeting.members_present, meeting.members_total = command.members_present, command.members_total
    meeting.notes = command.notes.strip() or None
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
    """The meeting's allocations in force (amendments included), in the order of the draw; units given by an
    amendment to a member who had none come last."""
    return list(session.scalars(select(UnitAllocation)
                                .where(UnitAllocation.meeting_id == meeting.id, UnitAllocation.in_force.is_(True))
                                .options(selectinload(UnitAllocation.member))
                                .order_by(UnitAllocation.draw_position.is_(None), UnitAllocation.draw_position,
                                          UnitAllocation.id)))


# --- amendments after confirmation ---------------------------------------------------------------

AMENDMENT_KINDS = amendments.KINDS
AMEND_ACTION = "allocation.amend"


@dataclass(frozen=True)
class Amendment:
    """One recorded amendment, read back from the audit trail: member numbers and unit codes, no names."""

    n: int
    at: datetime
    on: date
    kind: str
    by: str
    reason: str
    reference: str | None
    changes: tuple[tuple[str, str | None, str | None], ...]  # (member number, unit before, unit after)


def free_units(session: Session, meeting: AllocationMeeting) -> list[UnitOption]:
    """The scenario's units that no allocation in force holds, in this meeting or any other of the project."""
    taken = set(session.scalars(select(UnitAllocation.unit_code).where(
        UnitAllocation.project_id == meeting.project_id, UnitAllocation.in_force.is_(True))))
    return [u for u in units_of(session, meeting) if u.code not in taken]


def amendments_of(session: Session, meeting: AllocationMeeting) -> list[Amendment]:
    entries = session.scalars(select(AuditEntry).where(
        AuditEntry.action == AMEND_ACTION, AuditEntry.entity_type == "allocation_meeting",
        AuditEntry.entity_id == str(meeting.id)).order_by(AuditEntry.id))
    out = []
    for n, entry in enumerate(entries, start=1):
        c = entry.changes
        before = {row["member"]: row["unit"] for row in c.get("before", [])}
        after = {row["member"]: row["unit"] for row in c.get("after", [])}
        members = list(dict.fromkeys([*before, *after]))
        out.append(Amendment(n=n, at=entry.at, on=date.fromisoformat(c["date"]), kind=c["kind"], by=entry.actor,
                             reason=c.get("reason", ""), reference=c.get("reference"),
                             changes=tuple((m, before.get(m), after.get(m)) for m in members)))
    return out


def _money_held(session: Session, ending: list[UnitAllocation]) -> tuple[dict[int, int], list[InstalmentPlan]]:
    """What the plans (any version) on the allocations being ended hold, by allocation id, and those in force."""
    plans = list(session.scalars(select(InstalmentPlan).where(
        InstalmentPlan.allocation_id.in_([a.id for a in ending])).order_by(InstalmentPlan.id)))
    held = {a.id: net_paid(Payment(e.paid_on, e.amount, e.reference, e.reversal_of)
                           for p in plans if p.allocation_id == a.id for e in p.payments) for a in ending}
    return held, [p for p in plans if p.in_force]


def amend(session: Session, actor: Any, meeting: AllocationMeeting, request: amendments.Request,
          today: date) -> Amendment:
    """Change a confirmed meeting's result by a recorded amendment: `move` a member to a free unit, `swap` two
    members' units, `withdraw` a member's unit, or `allocate` a free unit to a participant who has none.

    The affected rows end (kept, with the reason) and new rows are added, all in one transaction; a plan without
    payments on an ended row ends too, so a new plan can be made for the new unit.
    """
    # Amendments of one meeting queue behind each other (a row lock on PostgreSQL) and then read what the
    # previous one left; SQLite has one writer at a time anyway.
    session.refresh(meeting, with_for_update=True)
    try:  # refused before anything is read: not confirmed, no kind, no reason
        amendments.check_request(meeting.status == "confirmed", request)
    except AllocationError as exc:
        raise refusal(exc) from None
    rows = {a.id: a for a in session.scalars(
        select(UnitAllocation).where(UnitAllocation.project_id == meeting.project_id, UnitAllocation.in_force.is_(True))
        .options(selectinload(UnitAllocation.member)))}
    participants = {p.member.number: p.member for p in meeting.participants}
    named = [n for n in (request.member, request.other_member) if n and n not in participants]
    state = amendments.Meeting(
        confirmed=meeting.status == "confirmed", scenario=meeting.scenario.name,
        units={u.code: u for u in units_of(session, meeting)}, participants={h.number: h for h in _households(meeting)},
        preferences=_preferences(meeting),
        rules=rules_of(session, meeting),  # the rules the meeting was held under, as the engine used them
        held=[amendments.Holding(a.member.number, a.unit_code, a.draw_position, a.meeting_id == meeting.id, a.id)
              for a in rows.values()],
        members=set(session.scalars(select(Member.number).where(
            Member.cooperative_id == meeting.project.cooperative_id, Member.number.in_(named)))) if named else ())
    try:
        decision = amendments.decide(state, request)
        ending = [rows[h.key] for h in decision.ending]
        held, plans = _money_held(session, ending)
        amendments.check_settled(decision.ending, held)
    except AllocationError as exc:
        raise refusal(exc) from None
    reason = decision.reason

    added = []
    try:
        with session.begin_nested():
            for allocation in ending:
                allocation.in_force, allocation.ended_reason = False, reason
            for plan in plans:
                plan.in_force, plan.ended_on = False, today
                plan.change_reason = f"allocation amended: {reason}"[:500]
            # The ended rows leave the partial unique indexes before the new ones enter them: in a swap each
            # unit is free only once its old row has ended.
            session.flush()
            for n in decision.new:
                added.append(UnitAllocation(project_id=meeting.project_id, meeting_id=meeting.id,
                                            member_id=participants[n.member].id, unit_code=n.unit, rank=n.rank,
                                            draw_position=n.draw_position, in_force=True))
            session.add_all(added)
            session.flush()
    except IntegrityError:
        raise Conflict("A unit or a member of this amendment was allocated by someone else in the meantime; "
                       "nothing was saved. Reload the page.") from None
    except OperationalError as exc:
        # SQLite's answer to a second writer whose reading is out of date; the same conflict for the user.
        if "locked" not in str(exc.orig):
            raise
        raise Conflict("A unit or a member of this amendment was allocated by someone else in the meantime; "
                       "nothing was saved. Reload the page.") from None
    cooperative_id = meeting.project.cooperative_id
    for plan in plans:
        audit.record(session, actor=actor, action="plan.end", entity_type="instalment_plan", entity_id=plan.id,
                     cooperative_id=cooperative_id,
                     changes={"ended_on": today.isoformat(), "reason": plan.change_reason})
    audit.record(
        session, actor=actor, action=AMEND_ACTION, entity_type="allocation_meeting", entity_id=meeting.id,
        cooperative_id=cooperative_id,
        changes={"kind": decision.kind, "date": today.isoformat(), "reason": reason, "reference": decision.reference,
                 "before": decision.before(), "after": decision.after(),
                 "ended_allocations": [a.id for a in ending], "new_allocations": [a.id for a in added],
                 "ended_plans": [p.id for p in plans]})
    session.flush()
    return amendments_of(session, meeting)[-1]
