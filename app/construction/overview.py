"""Japra's overview of every project under construction (or in its maintenance period): progress, deviation,
status and the last report, sorted by the column the reader clicked (`?sort=deviation`, `?sort=-deviation`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from app.construction import service as construction
from app.projects.models import Project

# Worst first when sorted up: a critical contract is what the reader looks for.
STATUS_ORDER = {"kritis": 0, "terlambat": 1, "normal": 2, "handover": 3}
COLUMNS = ("project", "cooperative", "actual", "planned", "deviation", "status", "report")
DEFAULT_SORT = "project"


@dataclass(frozen=True)
class Row:
    project: Project
    actual_pct: Decimal | None
    planned_pct: Decimal | None
    deviation_pct: Decimal | None
    status: str | None  # kritis, terlambat, normal; "handover" once the PHO is recorded; None without packages
    report_date: date | None
    pho_on: date | None


def parse_sort(raw: str | None) -> tuple[str, bool]:
    """The column and whether it runs down; an unknown column sorts by project."""
    raw = (raw or "").strip()
    descending = raw.startswith("-")
    column = raw.removeprefix("-")
    return (column, descending) if column in COLUMNS else (DEFAULT_SORT, False)


def _key(row: Row, column: str):
    if column == "project":
        return row.project.name.casefold()
    if column == "cooperative":
        return (row.project.cooperative.name.casefold(), row.project.name.casefold())
    if column == "status":
        return STATUS_ORDER.get(row.status, 9) if row.status else None
    if column == "report":
        return row.report_date
    return {"actual": row.actual_pct, "planned": row.planned_pct, "deviation": row.deviation_pct}[column]


def rows(session: Session, projects: list[Project], as_of: date, sort: str | None) -> tuple[list[Row], str, bool]:
    column, descending = parse_sort(sort)
    found = []
    for item in construction.overview(session, projects, as_of):
        a = item.progress.project.assessment if item.progress else None
        status = "handover" if item.construction.pho_on else (a.status if a else None)
        found.append(Row(item.project, a.actual_pct if a else None, a.planned_pct if a else None,
                         a.deviation_pct if a else None, status, a.report_date if a else None,
                         item.construction.pho_on))
    found.sort(key=lambda r: r.project.name.casefold())
    # Rows without the figure stay at the bottom whichever way the column runs.
    known = [r for r in found if _key(r, column) is not None]
    missing = [r for r in found if _key(r, column) is None]
    known.sort(key=lambda r: _key(r, column), reverse=descending)
    return known + missing, column, descending
