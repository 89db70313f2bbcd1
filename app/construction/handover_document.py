"""The berita acara serah terima (A4, Bahasa Indonesia by default) of a project's works: provisional (PHO), when
the contractor hands the finished works over and the maintenance period starts with the retention held back,
and final (FHO), when that period is over and the retention is released.

It opens in the formal way of a berita acara (the day and date written out), names the parties (the contractor
hands over, the cooperative receives, the supervisor and Japra witness), the project, its blocks at 100%, the
contract value, the retention and the maintenance period, and ends with the four signatures. It names no
member: construction data are not personal.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from app.construction import service as construction
from app.construction.handover import maintenance_end, retention
from app.construction.models import Construction
from app.designs import service as designs
from app.designs.proposal import css_string, page_counter_css
from app.documents.pdf import render_pdf
from app.errors import NotFound
from app.i18n import JAKARTA, format_rupiah, normalise_locale
from app.meetings.minutes import written_date
from app.projects.models import Project

TEMPLATE = "pdf/handover.html"
KINDS = ("pho", "fho")


def _blocks(session: Session, project: Project, contract: Construction, on: date) -> list[dict[str, Any]]:
    """Each block of the built scenario: floors, units and its progress on the handover day."""
    units = designs.units(contract.scenario)
    state = construction.progress_of(session, project, on)
    rows = []
    for building in contract.scenario.buildings:
        curve = state.buildings.get(building.code) if state else None
        rows.append({"code": building.code, "name": building.name, "floors": building.floors,
                     "units": sum(1 for u in units if u.building == building.code),
                     "actual_pct": curve.assessment.actual_pct if curve else None})
    return rows


def _location(site) -> str:
    """Where the works stand, each part once (a kelurahan is often in the address already)."""
    if site is None:
        return ""
    parts: list[str] = []
    for part in (site.address, site.kelurahan, site.city):
        if part and not any(part.casefold() in earlier.casefold() for earlier in parts):
            parts.append(part)
    return ", ".join(parts)


def handover_html(session: Session, project: Project, kind: str, *, locale: str = "id",
                  printed_on: date | None = None) -> str:
    """The HTML of the PHO or FHO berita acara; `handover_pdf` prints it. NotFound before that handover."""
    from app.web.templating import environment

    contract = construction.get(session, project)
    on = getattr(contract, f"{kind}_on", None) if contract is not None and kind in KINDS else None
    if on is None:
        raise NotFound("This handover has not been recorded.")
    locale = normalise_locale(locale)
    cooperative = project.cooperative
    site = project.site
    state = construction.progress_of(session, project, on)
    context: dict[str, Any] = {
        "locale": locale,
        "kind": kind,
        "on": on,
        "reference": getattr(contract, f"{kind}_reference"),
        "project": project,
        "site": site,
        "contract": contract,
        "cooperative": cooperative,
        "cooperative_name": cooperative.legal_name or cooperative.name,
        "scenario": contract.scenario,
        "blocks": _blocks(session, project, contract, on),
        "actual_pct": state.project.assessment.actual_pct if state else None,
        "report_date": state.project.assessment.report_date if state else None,
        "retention": retention(contract),
        "maintenance_end": maintenance_end(contract),
        "formal_date": locale == "id",
        "date_parts": written_date(on, locale),
        "city": (site.city if site and site.city else None) or cooperative.city or "Jakarta",
        "printed_on": printed_on or datetime.now(JAKARTA).date(),
        "rupiah_formal": lambda amount: format_rupiah(amount, locale, formal=True),
        "location": _location(site),
        "css_string": css_string,
        "page_counter": page_counter_css(locale),
        "running_title": css_string(project.name),
    }
    return environment().get_template(TEMPLATE).render(context)


def handover_pdf(session: Session, project: Project, kind: str, *, locale: str = "id",
                 printed_on: date | None = None) -> bytes:
    return render_pdf(handover_html(session, project, kind, locale=locale, printed_on=printed_on))
