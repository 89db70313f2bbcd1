"""Show-cause meetings of a critical contract (SCM I, II, III): each recorded with the target it set, then with its
outcome, in the order `progress.showcause` allows.

A meeting is recorded when the contract was critical on the day it was held (SCM I), or when the previous
meeting's target was missed (SCM II, III). Its outcome is judged from its target date on, against the actual
progress of the latest report on or before that date (`progress.showcause.judge`); the officer sees the
judgement and confirms it, and a judgement the reports no longer support is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit import service as audit
from app.construction import service as construction
from app.construction.models import ShowCauseMeeting
from app.construction.service import ProgressInvalid
from app.errors import Conflict, Invalid, NotFound
from app.projects.models import Project
from kernel.messages import N_
from progress import showcause as scm
from progress.errors import ProgressError

REFERENCE_MAX = 200


def meetings_of(session: Session, project: Project) -> list[ShowCauseMeeting]:
    return list(session.scalars(select(ShowCauseMeeting).where(ShowCauseMeeting.project_id == project.id)
                                .order_by(ShowCauseMeeting.held_on, ShowCauseMeeting.id)))


def as_held(rows: list[ShowCauseMeeting]) -> list[scm.ShowCauseMeeting]:
    return [scm.ShowCauseMeeting(m.level, m.held_on, Decimal(m.target_pct), m.target_date, m.outcome, m.minutes or "")
            for m in rows]


def name_of(level: int) -> str:
    return f"SCM {scm.NUMERALS.get(level, level)}"


@dataclass(frozen=True)
class Judgement:
    """What the reports say about an open meeting's target, for the officer to confirm."""

    meeting: ShowCauseMeeting
    actual_pct: Decimal
    report_date: date | None
    outcome: str  # "met" or "missed"


@dataclass(frozen=True)
class View:
    meetings: list[ShowCauseMeeting]
    status: str | None  # the contract's status today; None before any work package
    step: str  # progress.showcause.NEXT_STEPS
    level: int | None  # the meeting the step is about
    judgement: Judgement | None  # the open meeting's, once its target date has come

    @property
    def next_name(self) -> str | None:
        return name_of(self.level) if self.level else None


def judgement(session: Session, project: Project, meeting: ShowCauseMeeting) -> Judgement:
    state = construction.progress_of(session, project, meeting.target_date)
    actual = state.project.assessment.actual_pct if state else Decimal(0)
    report_date = state.project.assessment.report_date if state else None
    held = as_held([meeting])[0]
    return Judgement(meeting, actual, report_date, scm.judge(held, actual))


def view(session: Session, project: Project, today: date) -> View:
    rows = meetings_of(session, project)
    state = construction.progress_of(session, project, today)
    status = state.project.assessment.status if state else None
    step, level = scm.next_step(as_held(rows), status or "normal")
    found = None
    if step == "await_outcome" and rows[-1].target_date <= today:
        found = judgement(session, project, rows[-1])
    return View(rows, status, step, level, found)


PERCENT_REFUSED = N_("{value} is not a percentage from 0 to 100 with at most two decimals.")
OUTCOME_REFUSED = N_("Confirm the outcome shown: met or missed.")


def two_decimal_percent(value: Decimal) -> bool:
    """From 0 to 100 with at most two decimals, as the column holds it."""
    return value.is_finite() and 0 <= value <= 100 and value == value.quantize(Decimal("0.01"))


@dataclass(frozen=True)
class MeetingIn:
    """A show-cause meeting as held: its date, the target it set (percent of the project by a date), its minutes."""

    held_on: date
    target_pct: Decimal
    target_date: date
    minutes: str = ""  # the berita acara's reference


def record(session: Session, actor: Any, project: Project, given: MeetingIn, today: date) -> ShowCauseMeeting:
    """The next show-cause meeting: held on `held_on`, target `target_pct` by `target_date`."""
    contract = construction.get(session, project)
    if contract is None:
        raise Conflict("Construction of this project has not started.")
    held_on = given.held_on
    if held_on > today:
        raise Invalid("A meeting cannot be recorded before it is held: {date} is in the future.",
                      field="scm_held_on", date=held_on.isoformat())
    if held_on < contract.started_on:
        raise Invalid("The meeting is dated before construction started ({date}).", field="scm_held_on",
                      date=contract.started_on.isoformat())
    target_pct, target_date = given.target_pct, given.target_date
    if not two_decimal_percent(target_pct):
        raise Invalid(PERCENT_REFUSED, field="scm_target_pct", value=str(target_pct)[:20])
    minutes = given.minutes.strip()
    if len(minutes) > REFERENCE_MAX:
        raise Invalid("The reference is longer than {n} characters.", field="scm_minutes", n=REFERENCE_MAX)
    rows = meetings_of(session, project)
    held = as_held(rows)
    state = construction.progress_of(session, project, held_on)
    status = state.project.assessment.status if state else "normal"
    step, level = scm.next_step(held, status)
    if step == "await_outcome":
        raise Conflict("{meeting} has no outcome yet; record whether its target was met first.", field="scm_held_on",
                       meeting=name_of(level))
    if step == "termination":
        raise Conflict("Nothing follows SCM III whose target was missed; the contract may be terminated.",
                       field="scm_held_on")
    if step == "none":
        raise Invalid("SCM I is held only while the contract is critical (kontrak kritis): on {date} it was not.",
                      field="scm_held_on", date=held_on.isoformat())
    meeting = scm.ShowCauseMeeting(level, held_on, target_pct, target_date, None, minutes)
    try:
        scm.check_new(held, meeting, status, today)
    except ProgressError as exc:
        raise ProgressInvalid(exc) from None
    row = ShowCauseMeeting(project_id=project.id, level=level, held_on=held_on, target_pct=target_pct,
                           target_date=target_date, minutes=minutes or None)
    session.add(row)
    session.flush()
    audit.record(session, actor=actor, action="scm.record", entity_type="project", entity_id=project.id,
                 cooperative_id=project.cooperative_id,
                 changes={"meeting": name_of(level), "held_on": held_on.isoformat(), "target_pct": str(target_pct),
                          "target_date": target_date.isoformat(), "minutes": minutes or None,
                          "status": status})
    return row


def record_outcome(session: Session, actor: Any, project: Project, meeting_id: int, confirmed: str,
                   today: date) -> ShowCauseMeeting:
    """The outcome the officer confirmed ("met" or "missed"), if it is still what the reports say."""
    meeting = session.scalar(select(ShowCauseMeeting).where(ShowCauseMeeting.id == meeting_id,
                                                            ShowCauseMeeting.project_id == project.id))
    if meeting is None:
        raise NotFound("No show-cause meeting found at this address.")
    name = name_of(meeting.level)
    if meeting.outcome is not None:
        raise Conflict("The outcome of {meeting} is recorded already.", meeting=name)
    if today < meeting.target_date:
        raise Invalid("The outcome of {meeting} is judged from its target date, {date}.", field="outcome",
                      meeting=name, date=meeting.target_date.isoformat())
    if confirmed not in scm.OUTCOMES:
        raise Invalid(OUTCOME_REFUSED, field="outcome")
    found = judgement(session, project, meeting)
    if confirmed != found.outcome:
        raise Conflict("The reports say otherwise: on {date} the actual progress was {actual}% against the target of "
                       "{target}%. Check the judgement shown and confirm again.", field="outcome",
                       date=meeting.target_date.isoformat(), actual=str(found.actual_pct),
                       target=str(meeting.target_pct))
    meeting.outcome = confirmed
    try:
        scm.check_meetings(as_held(meetings_of(session, project)), today)
    except ProgressError as exc:
        raise ProgressInvalid(exc) from None
    session.flush()
    audit.record(session, actor=actor, action="scm.outcome", entity_type="project", entity_id=project.id,
                 cooperative_id=project.cooperative_id,
                 changes={"meeting": name, "outcome": confirmed, "target_pct": str(meeting.target_pct),
                          "actual_pct": str(found.actual_pct), "target_date": meeting.target_date.isoformat()})
    return meeting
