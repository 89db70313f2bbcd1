"""The berita acara of an allocation meeting (A4, Bahasa Indonesia by default): what the chair, the
secretary and two witnesses sign, and what the cooperative files.

It opens in the formal Indonesian way ("Pada hari ini, Senin, tanggal dua puluh tiga bulan November
tahun dua ribu dua puluh enam (23-11-2026), bertempat di ..."), then records attendance and quorum,
the method, the published hash and the revealed seed (so anyone can redo the draw), the participants and
their choices as frozen with the hash (and that snapshot's own hash), every unit
allocated in force from this meeting, the amendments recorded after the confirmation, the decision,
notes and signatures (../shared/GUIDE.md, "Printing"). It names members, so it is an internal
document of the cooperative, never public.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from babel.dates import format_date
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from allocation.lottery import ticket
from app.cooperatives.policy import PRIORITY_LABELS
from app.designs.proposal import css_string, page_counter_css
from app.documents.pdf import render_pdf
from app.i18n import JAKARTA, babel_locale, normalise_locale
from app.labels import AMENDMENT_KINDS_DONE
from app.meetings.models import AllocationMeeting, UnitAllocation
from app.meetings.service import amendments_of, choices_of, rules_of
from costing.terbilang import terbilang

TEMPLATE = "pdf/minutes.html"


def allocations_in_force(session: Session, meeting: AllocationMeeting) -> list[UnitAllocation]:
    """The units this meeting allocated that are still in force, in the order of the draw."""
    return list(session.scalars(
        select(UnitAllocation)
        .where(UnitAllocation.meeting_id == meeting.id, UnitAllocation.in_force.is_(True))
        .options(selectinload(UnitAllocation.member))
        .order_by(UnitAllocation.draw_position.is_(None), UnitAllocation.draw_position, UnitAllocation.id)))


def quorum_reached(present: int | None, total: int | None) -> bool | None:
    """More than half of all members present; None when attendance was not recorded.

    This is the usual rule for a member meeting (rapat anggota); the cooperative's statutes
    (anggaran dasar) may set another quorum, and then theirs is the one that counts.
    """
    if present is None or not total:
        return None
    return present * 2 > total


def written_date(held_on: date, locale: str) -> dict[str, str]:
    """The parts of the opening's date: weekday and month names from Babel, day and year in words
    (terbilang) and the date in digits (23-11-2026), as a formal Indonesian berita acara writes it."""
    babel = babel_locale(locale)
    return {
        "weekday": format_date(held_on, "EEEE", locale=babel),
        "month": format_date(held_on, "MMMM", locale=babel),
        "day": terbilang(held_on.day),
        "year": terbilang(held_on.year),
        "digits": held_on.strftime("%d-%m-%Y"),
    }


def _example(seed: str | None, allocations: list[UnitAllocation]) -> dict[str, str] | None:
    """One member's lottery ticket, worked out, so a reader can check their SHA-256 tool against it."""
    if not seed or not allocations:
        return None
    number = allocations[0].member.number
    return {"number": number, "text": f"{seed}:{number}", "ticket": ticket(seed, number)}


def minutes_html(session: Session, meeting: AllocationMeeting, *, locale: str = "id",
                 printed_on: date | None = None) -> str:
    """The HTML of the berita acara; `minutes_pdf` prints it."""
    from app.web.templating import environment

    locale = normalise_locale(locale)
    project = meeting.project
    cooperative = project.cooperative
    site = project.site
    city = (site.city if site and site.city else None) or cooperative.city or "Jakarta"
    allocations = allocations_in_force(session, meeting)
    context: dict[str, Any] = {
        "locale": locale,
        "meeting": meeting,
        "project": project,
        "cooperative": cooperative,
        "cooperative_name": cooperative.legal_name or cooperative.name,
        "scenario": meeting.scenario,
        "allocations": allocations,
        # The order the priority method used: the rules fixed when the seed's hash was published.
        "priority": rules_of(session, meeting).priority if meeting.method == "priority" else (),
        "priority_labels": PRIORITY_LABELS,
        "amendments": amendments_of(session, meeting),
        # What was frozen with the hash: the participants and their choices (the snapshot's own hash is printed).
        "frozen": choices_of(meeting) if meeting.frozen is not None else [],
        "amendment_done": AMENDMENT_KINDS_DONE,
        "formal_date": locale == "id",  # Indonesian writes the date out; English gives it plainly
        "date_parts": written_date(meeting.held_on, locale),
        "quorum": quorum_reached(meeting.members_present, meeting.members_total),
        "example": _example(meeting.seed, allocations),
        "city": city,
        "printed_on": printed_on or datetime.now(JAKARTA).date(),
        "css_string": css_string,
        "page_counter": page_counter_css(locale),
        "running_title": css_string(f"{project.name} · {meeting.title}"),
    }
    return environment().get_template(TEMPLATE).render(context)


def minutes_pdf(session: Session, meeting: AllocationMeeting, *, locale: str = "id",
                printed_on: date | None = None) -> bytes:
    """The berita acara of `meeting` as PDF bytes."""
    return render_pdf(minutes_html(session, meeting, locale=locale, printed_on=printed_on))
