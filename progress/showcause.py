"""Show-cause meetings (rapat pembuktian, SCM I, II and III) of a critical contract.

The sequence, as the standard procedure for kontrak kritis has it (GUIDE: "a warning and
show-cause meetings (SCM I, II, III) with targets, each minuted"; the PUPR SCM procedure):

1. The contract is kritis (`progress.reports.status`): the contractor is warned in writing and SCM
   I is held. It sets a target: the physical progress to reach (percent of the project) by the end
   of a test period (uji coba), and is minuted (berita acara SCM).
2. At the end of the test period the target is met or missed. Met: the sequence ends; if the
   contract turns critical again later, a new sequence starts at SCM I.
3. Missed: a warning letter, then SCM II with a new target and test period; missed again, SCM III.
4. SCM III's target missed: the PPK (here the cooperative, as the employer) may terminate the
   contract. Nothing comes after SCM III in the sequence.

Checked here (ASSUMPTIONS where the procedure leaves it open): a meeting is held on or after the
previous meeting's target date; its target date is after the day it is held; its target is from
0 to 100%; the outcome is recorded as "met" or "missed", "missed" only from the target date on
(a target can be met early, not missed early). SCM I needs the contract to be kritis on the day it
is recorded (`check_new`); the judge of a target is the actual progress of the latest report on
or before the target date (`judge`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from kernel.messages import N_, Message
from progress.errors import Problem, ProgressError
from progress.numbers import HUNDRED, decimal

LEVELS = (1, 2, 3)  # SCM I, II, III
NUMERALS = {1: "I", 2: "II", 3: "III"}
OUTCOMES = ("met", "missed")
NEXT_STEPS = ("none", "scm", "await_outcome", "termination")


@dataclass(frozen=True)
class ShowCauseMeeting:
    level: int  # 1, 2 or 3
    held_on: date
    target_pct: Decimal  # progress of the project (percent) the contractor agreed to reach
    target_date: date  # end of the test period (uji coba)
    outcome: str | None = None  # "met", "missed", or None while the test period runs
    minutes: str = ""  # reference of the berita acara

    @property
    def name(self) -> str:
        return f"SCM {NUMERALS.get(self.level, self.level)}"


def judge(meeting: ShowCauseMeeting, actual_pct_at_target: Decimal) -> str:
    """ "met" when the actual progress at the target date reached the target, else "missed"."""
    return "met" if actual_pct_at_target >= meeting.target_pct else "missed"


def _problem(code: str, msgid: str, field: str, meeting: ShowCauseMeeting, **fields) -> Problem:
    return Problem(Message(code, msgid, {"meeting": meeting.name, **fields}), field)


def check_meetings(meetings: Sequence[ShowCauseMeeting], as_of: date | None = None) -> tuple[ShowCauseMeeting, ...]:
    """The project's show-cause meetings in the order held, checked against the sequence rules."""
    problems: list[Problem] = []
    previous: ShowCauseMeeting | None = None
    checked = []
    for meeting in meetings:
        if meeting.level not in LEVELS:
            problems.append(
                Problem(
                    Message(
                        "scm.level_unknown",
                        N_("A show-cause meeting is SCM I, II or III, not “{value}”."),
                        {"value": str(meeting.level)[:10]},
                    ),
                    "level",
                )
            )
            continue
        try:
            target = decimal(meeting.target_pct, field="target_pct")
        except ProgressError as error:
            problems.extend(error.problems)
            continue
        if not 0 <= target <= HUNDRED:
            problems.append(
                _problem(
                    "scm.target_out_of_range",
                    N_("{meeting}: the target must be from 0 to 100%, not {value}%."),
                    "target_pct",
                    meeting,
                    value=target,
                )
            )
        if meeting.target_date <= meeting.held_on:
            problems.append(
                _problem(
                    "scm.target_date_not_after",
                    N_("{meeting}: the target date {target_date} must be after the meeting ({held_on})."),
                    "target_date",
                    meeting,
                    target_date=meeting.target_date,
                    held_on=meeting.held_on,
                )
            )
        if meeting.outcome not in (None, *OUTCOMES):
            problems.append(
                _problem(
                    "scm.outcome_unknown",
                    N_("{meeting}: the outcome is “met” or “missed”, not “{value}”."),
                    "outcome",
                    meeting,
                    value=str(meeting.outcome)[:20],
                )
            )
        if meeting.outcome == "missed" and as_of is not None and as_of < meeting.target_date:
            problems.append(
                _problem(
                    "scm.missed_early",
                    N_("{meeting}: the target cannot be missed before its date, {target_date}."),
                    "outcome",
                    meeting,
                    target_date=meeting.target_date,
                )
            )
        expected = 1 if previous is None or previous.outcome == "met" else previous.level + 1
        if previous is not None and previous.outcome is None:
            problems.append(
                _problem(
                    "scm.previous_open",
                    N_("{meeting}: {previous} has no outcome yet; record whether its target was met first."),
                    "level",
                    meeting,
                    previous=previous.name,
                )
            )
        elif previous is not None and previous.level == 3 and previous.outcome == "missed":
            problems.append(
                _problem(
                    "scm.after_third",
                    N_("{meeting}: nothing follows SCM III whose target was missed; the contract may be terminated."),
                    "level",
                    meeting,
                )
            )
        elif meeting.level != expected:
            problems.append(
                _problem(
                    "scm.out_of_sequence",
                    N_("{meeting} cannot be held now: the next show-cause meeting is SCM {expected}."),
                    "level",
                    meeting,
                    expected=NUMERALS[expected],
                )
            )
        if previous is not None and meeting.held_on < previous.target_date:
            problems.append(
                _problem(
                    "scm.before_previous_target",
                    N_("{meeting} is held on {held_on}, before the target date of {previous} ({target_date})."),
                    "held_on",
                    meeting,
                    held_on=meeting.held_on,
                    previous=previous.name,
                    target_date=previous.target_date,
                )
            )
        checked.append(meeting)
        previous = meeting
    if problems:
        raise ProgressError(problems)
    return tuple(checked)


def next_step(meetings: Sequence[ShowCauseMeeting], status: str) -> tuple[str, int | None]:
    """What comes next: ("scm", level), ("await_outcome", level), ("termination", 3) or ("none", None).

    `status` is the contract's status now (`progress.reports.status`).
    """
    last = meetings[-1] if meetings else None
    if last is not None and last.outcome is None:
        return ("await_outcome", last.level)
    if last is not None and last.outcome == "missed":
        return ("termination", 3) if last.level == 3 else ("scm", last.level + 1)
    return ("scm", 1) if status == "kritis" else ("none", None)


def check_new(
    meetings: Iterable[ShowCauseMeeting], meeting: ShowCauseMeeting, status: str, as_of: date
) -> ShowCauseMeeting:
    """A meeting about to be recorded on `as_of`, after the `meetings` so far, the contract's `status` now."""
    meetings = tuple(meetings)
    step, level = next_step(meetings, status)
    if step == "none" and meeting.level == 1:
        raise ProgressError(
            Message(
                "scm.not_critical",
                N_("SCM I is held only while the contract is critical (kontrak kritis)."),
                {},
            ),
            field="level",
        )
    check_meetings([*meetings, meeting], as_of)
    return meeting
