"""A year of invented construction for the Marlina demo: the contract started in November 2025, weekly site reports
since, block A keeping to the plan and block B slipping until the project turns critical (kontrak kritis) near the
70% line, with the show-cause meeting that follows. Reports go through the same service the site supervisor uses,
so every rule (dates, percents only going up, reasons) holds.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.construction import service as construction
from app.construction.models import ShowCauseMeeting
from app.projects.models import Project

PROJECT = "marlina"
STARTED = date(2025, 11, 3)
FINISH = date(2027, 4, 30)
ACTOR = "demo"
# Block B's crew is smaller than planned: its pace falls behind the plan, and further as the months go.
PACE = {"A": (Decimal("1.00"), Decimal("0.97")), "B": (Decimal("0.95"), Decimal("0.55"))}
WEATHER = ("cerah", "cerah", "berawan", "hujan ringan", "hujan deras", "cerah")


def _planned_share(start: date, finish: date, day: date) -> Decimal:
    """How much of a package the plan has done by the end of `day`: its days so far over all its days."""
    if day < start:
        return Decimal(0)
    return min(Decimal((day - start).days + 1) / Decimal((finish - start).days + 1), Decimal(1))


def load(session: Session, today: date) -> int:
    """The construction and its reports, unless construction has started. Returns the reports written."""
    project = session.scalar(select(Project).where(Project.slug == PROJECT))
    if project is None or construction.get(session, project) is not None:
        return 0
    construction.start(session, ACTOR, project, {
        "started_on": STARTED.isoformat(), "planned_finish": FINISH.isoformat(),
        "contractor": "CV Karya Warga Marlina (contoh)", "supervisor": "Konsultan pengawas Japra (contoh)"})
    packages = construction.packages_of(session, project)
    span = (FINISH - STARTED).days
    written = 0
    day = STARTED + timedelta(days=5)  # Saturdays: the supervisor reports at the end of each week
    done: dict[str, Decimal] = {}
    while day <= today:
        elapsed = Decimal((day - STARTED).days) / span
        form = {"report_date": day.isoformat(), "reporter": "Pengawas lapangan",
                "workers": str(18 + written % 7 * 3), "weather": WEATHER[written % len(WEATHER)]}
        for p in packages:
            early, late = PACE[p.building_code] if p.building_code in PACE else PACE["A"]
            pace = early + (late - early) * elapsed
            pct = (_planned_share(p.start, p.finish, day) * pace * 100).quantize(Decimal("0.1"), ROUND_HALF_UP)
            pct = max(min(pct, Decimal(100)), done.get(p.code, Decimal(0)))
            if pct != done.get(p.code, Decimal(0)):
                form[f"pct_{p.code}"] = str(pct)
                done[p.code] = pct
        if any(key.startswith("pct_") for key in form):
            if written % 9 == 4:
                form["problems"] = ("Material besi terlambat datang dua hari." if written % 2
                                    else "Hujan deras, pengecoran ditunda.")
            construction.add_report(session, ACTOR, project, form, today)
            written += 1
        day += timedelta(days=7)
    state = construction.progress_of(session, project, today)
    since = state.project.assessment.critical_since if state else None
    if since is not None and since + timedelta(days=7) <= today:
        session.add(ShowCauseMeeting(project_id=project.id, level=1, held_on=since + timedelta(days=7),
                                     target_pct=min(state.project.assessment.planned_pct, Decimal(100)),
                                     target_date=min(since + timedelta(days=37), FINISH),
                                     minutes="BA-SCM-I/MRL/contoh"))
        session.flush()
    return written
