"""Construction of a project: start it from the chosen scenario (its work packages weighted by cost), keep the
schedule, take progress reports, and hand the project over. `progress` does the arithmetic; this keeps the rows."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from app.audit import service as audit
from app.construction.models import Construction, ProgressEntry, ProgressReport, WorkPackage
from app.designs import service as designs
from app.designs.models import Scenario
from app.errors import Conflict, Invalid
from app.projects.models import Project, ProjectStage
from costing.design import floor_plate_m2
from costing.money import split_largest_remainder
from costing.rab import DIVISIONS
from progress.errors import ProgressError
from progress.reports import ProjectProgress, Report, check_report, scurves
from progress.schedule import PackageCost, phase, weigh
from progress.schedule import WorkPackage as PlannedPackage
from progress.weights import split_by_template


class ProgressInvalid(Invalid):
    """Every problem the progress library found, each rendered on its line of the form."""

    def __init__(self, error: ProgressError) -> None:
        first = error.problems[0]
        super().__init__(first.message.msgid, field=first.field, **first.message.fields)
        self.problems = error.problems


REPORTER_LIMIT = 200  # the columns' widths
CONTRACTOR_LIMIT = 200
WEATHER_LIMIT = 100


@dataclass(frozen=True)
class StartIn:
    """The contract signed: its SPMK date, the planned finish, and who builds and supervises."""

    started_on: date
    planned_finish: date
    scenario: str | None = None  # a scenario's name; None: the project's chosen one
    contract_value: int | None = None  # whole rupiah; None: the scenario's construction cost
    contractor: str = ""
    supervisor: str = ""


@dataclass(frozen=True)
class PackageChange:
    """A work package's new cost and dates (None: unchanged), by its code."""

    code: str
    cost: int | None = None
    start: date | None = None
    finish: date | None = None


@dataclass(frozen=True)
class ReportIn:
    """A site report: the percent complete of the packages reported (by code; one left out keeps its percent), why
    a percent went down, and the site's day."""

    report_date: date
    reporter: str
    percents: Mapping[str, Decimal] = field(default_factory=dict)
    reasons: Mapping[str, str] = field(default_factory=dict)
    workers: int | None = None
    weather: str = ""
    problems: str = ""
    notes: str = ""


def get(session: Session, project: Project) -> Construction | None:
    return session.get(Construction, project.id)


def packages_of(session: Session, project: Project) -> list[WorkPackage]:
    return list(session.scalars(select(WorkPackage).where(WorkPackage.project_id == project.id)
                                .order_by(WorkPackage.position, WorkPackage.id)))


def reports_of(session: Session, project: Project) -> list[ProgressReport]:
    return list(session.scalars(select(ProgressReport).where(ProgressReport.project_id == project.id)
                                .options(selectinload(ProgressReport.entries), selectinload(ProgressReport.photos))
                                .order_by(ProgressReport.report_date)))


def building_costs(session: Session, scenario: Scenario) -> dict[tuple[str, str], int]:
    """The construction cost of each (block, RAB division). A RAB's lines tagged with a block go to that block;
    untagged lines are split across the blocks by floor area. A parametric scenario's blocks are split by the
    typical division shares (ILLUSTRATIVE, progress.weights.PARAMETRIC_TEMPLATE)."""
    cost = designs.compute(session, scenario)
    specs = designs._buildings(scenario)
    types = designs._unit_types(scenario)
    areas = [floor_plate_m2(b, types) * b.floors for b in specs]
    codes = [b.code for b in specs]
    out: dict[tuple[str, str], int] = defaultdict(int)
    if cost.rab_lines:
        shared: dict[str, int] = defaultdict(int)
        for line in cost.rab_lines:
            if line.building in codes:
                out[(line.building, line.division)] += line.amount
            else:
                shared[line.division] += line.amount
        for division, amount in shared.items():
            for code, part in zip(codes, split_largest_remainder(amount, areas), strict=True):
                out[(code, division)] += part
    else:
        for code, part in zip(codes, split_largest_remainder(cost.construction, areas), strict=True):
            for division, amount in split_by_template(part).items():
                out[(code, division)] += amount
    return {key: out[key] for key in sorted(out, key=lambda k: (codes.index(k[0]), list(DIVISIONS).index(k[1])))
            if out[key] > 0}


def start(session: Session, actor: Any, project: Project, contract: StartIn) -> Construction:
    """The contract signed: packages per block and division from the chosen scenario, weighted by their cost and
    placed in the construction period by the typical phasing, for the planner to adjust."""
    if get(session, project) is not None:
        raise Conflict("Construction of this project has started already.")
    scenario = designs.by_name(session, project, contract.scenario or None)
    started, finish = contract.started_on, contract.planned_finish
    if finish <= started:
        raise Invalid("The planned finish comes after the start.", field="planned_finish")
    costs = building_costs(session, scenario)
    if not costs:
        raise Invalid("The scenario has no construction cost to weigh the work by.", field="scenario")
    periods = phase(started, finish)
    try:
        planned = weigh(PackageCost(f"{block}-{division}", block, division, amount, *periods[division],
                                    name="")
                        for (block, division), amount in costs.items())
    except ProgressError as exc:
        raise ProgressInvalid(exc) from None
    contract_value = sum(costs.values()) if contract.contract_value is None else contract.contract_value
    construction = Construction(project_id=project.id, scenario_id=scenario.id, started_on=started,
                                contractor=contract.contractor.strip()[:CONTRACTOR_LIMIT] or None,
                                supervisor=contract.supervisor.strip()[:CONTRACTOR_LIMIT] or None,
                                contract_value=contract_value)
    session.add(construction)
    for position, (p, amount) in enumerate(zip(planned, costs.values(), strict=True)):
        session.add(WorkPackage(project_id=project.id, code=p.key, building_code=p.building, division=p.division,
                                name="", cost=amount, weight_pct=p.weight, start=p.start, finish=p.finish,
                                position=position))
    project.stage = ProjectStage.KONSTRUKSI.value
    session.flush()
    audit.record(session, actor=actor, action="construction.start", entity_type="project", entity_id=project.id,
                 cooperative_id=project.cooperative_id,
                 changes={"scenario": scenario.name, "started_on": started.isoformat(), "packages": len(planned),
                          "contract_value": contract_value})
    return construction


def save_schedule(session: Session, actor: Any, project: Project, rows: Sequence[PackageChange]) -> int:
    """New costs and dates for the packages (by code); weights follow the costs, so they still add up to 100.
    All rows are checked first: one bad row changes nothing."""
    packages = {p.code: p for p in packages_of(session, project)}
    changes: dict[str, tuple[int, date, date]] = {}
    for i, row in enumerate(rows, start=1):
        code = row.code.strip()
        if code not in packages:
            raise Invalid("Row {row}: there is no work package {code}.", field="code", row=i, code=code[:40])
        old = packages[code]
        changes[code] = (old.cost if row.cost is None else row.cost, row.start or old.start,
                         row.finish or old.finish)
    merged = {code: changes.get(code, (p.cost, p.start, p.finish)) for code, p in packages.items()}
    try:
        planned = weigh(PackageCost(code, packages[code].building_code, packages[code].division, cost, begin, end,
                                    packages[code].name) for code, (cost, begin, end) in merged.items())
    except ProgressError as exc:
        raise ProgressInvalid(exc) from None
    changed: dict[str, dict[str, Any]] = {}
    for p in planned:
        row = packages[p.key]
        cost = merged[p.key][0]
        before = {"cost": row.cost, "start": row.start.isoformat(), "finish": row.finish.isoformat(),
                  "weight_pct": str(row.weight_pct)}
        after = {"cost": cost, "start": p.start.isoformat(), "finish": p.finish.isoformat(),
                 "weight_pct": str(p.weight)}
        if (row.cost, row.start, row.finish, Decimal(row.weight_pct)) != (cost, p.start, p.finish, p.weight):
            row.cost, row.start, row.finish, row.weight_pct = cost, p.start, p.finish, p.weight
            # Old and new values: the plan the S-curve and kontrak kritis are judged against must not change unseen.
            changed[p.key] = {k: {"old": before[k], "new": after[k]} for k in before if before[k] != after[k]}
    session.flush()
    if changed:
        audit.record(session, actor=actor, action="construction.schedule", entity_type="project",
                     entity_id=project.id, cooperative_id=project.cooperative_id,
                     changes={"packages": changed})
    return len(changed)


def planned_packages(rows: list[WorkPackage]) -> list[PlannedPackage]:
    return [PlannedPackage(p.code, p.building_code, p.division, Decimal(p.weight_pct), p.start, p.finish, p.name)
            for p in rows]


def as_reports(reports: list[ProgressReport], packages: list[WorkPackage]) -> list[Report]:
    code = {p.id: p.code for p in packages}
    return [Report(r.report_date, {code[e.package_id]: Decimal(e.percent) for e in r.entries},
                   {code[e.package_id]: e.reason for e in r.entries if e.reason}) for r in reports]


def reported(session: Session, project: Project, packages: list[WorkPackage]) -> list[Report]:
    """The reports as the progress library takes them, read as plain rows: `as_reports(reports_of(...))` builds an
    ORM object per percent, three quarters of the time for a project of 200 packages and 104 weekly reports."""
    code = {p.id: p.code for p in packages}
    rows = session.execute(select(ProgressReport.report_date, ProgressEntry.package_id, ProgressEntry.percent,
                                  ProgressEntry.reason)
                           .outerjoin(ProgressEntry, ProgressEntry.report_id == ProgressReport.id)
                           .where(ProgressReport.project_id == project.id)
                           .order_by(ProgressReport.report_date, ProgressEntry.package_id))
    percents: dict[date, dict[str, Decimal]] = {}
    reasons: dict[date, dict[str, str]] = {}
    for day, package_id, percent, reason in rows:
        on_day = percents.setdefault(day, {})
        if package_id is not None:
            on_day[code[package_id]] = Decimal(percent)
            if reason:
                reasons.setdefault(day, {})[code[package_id]] = reason
    return [Report(day, values, reasons.get(day, {})) for day, values in percents.items()]


def progress_of(session: Session, project: Project, as_of: date) -> ProjectProgress | None:
    """The planned and actual S-curves and the status as of a date; None before construction starts."""
    construction = get(session, project)
    if construction is None:
        return None
    packages = packages_of(session, project)
    if not packages:
        return None
    return scurves(planned_packages(packages), reported(session, project, packages), as_of,
                   start=construction.started_on)


def add_report(session: Session, actor: Any, project: Project, site: ReportIn, today: date) -> ProgressReport:
    """A site report: a percent per package reported (left out: unchanged), a reason when a percent goes down. The
    percents are checked whole (`progress.reports.check_report`): every package's problem at once."""
    construction = get(session, project)
    if construction is None:
        raise Conflict("Construction of this project has not started.")
    day = site.report_date
    if day > today:
        raise Invalid("A report cannot be dated in the future.", field="report_date")
    if day < construction.started_on:
        raise Invalid("A report cannot be dated before construction started ({date}).", field="report_date",
                      date=construction.started_on.isoformat())
    reporter = site.reporter.strip()
    if not reporter:
        raise Invalid("Who reports? Give the reporter's name or role.", field="reporter")
    packages = packages_of(session, project)
    percents = dict(site.percents)
    if not percents:
        raise Invalid("Give the percent complete of at least one work package.", field="report_date")
    known = {p.code for p in packages}
    reasons = {code: reason.strip() for code, reason in site.reasons.items() if code in known and reason.strip()}
    earlier = as_reports(reports_of(session, project), packages)
    try:
        check_report(planned_packages(packages), earlier, Report(day, percents, reasons))
    except ProgressError as exc:
        raise ProgressInvalid(exc) from None
    report = ProgressReport(project_id=project.id, report_date=day, reporter=reporter[:REPORTER_LIMIT],
                            notes=site.notes.strip() or None, workers=site.workers,
                            weather=site.weather.strip()[:WEATHER_LIMIT] or None,
                            problems=site.problems.strip() or None)
    by_code = {p.code: p for p in packages}
    for code, value in percents.items():
        report.entries.append(ProgressEntry(package_id=by_code[code].id, percent=value, reason=reasons.get(code)))
    session.add(report)
    session.flush()
    audit.record(session, actor=actor, action="progress.report", entity_type="project", entity_id=project.id,
                 cooperative_id=project.cooperative_id,
                 changes={"report_date": day.isoformat(), "packages": len(percents)})
    return report


@dataclass(frozen=True)
class Overview:
    project: Project
    construction: Construction
    progress: ProjectProgress | None


def overview(session: Session, projects: list[Project], as_of: date) -> list[Overview]:
    """Every project under construction or in its maintenance period, for Japra's dashboard."""
    rows = []
    for project in projects:
        construction = get(session, project)
        if construction is not None and construction.fho_on is None:
            rows.append(Overview(project, construction, progress_of(session, project, as_of)))
    return rows


def report_count(session: Session, project: Project) -> int:
    return session.scalar(select(func.count()).select_from(ProgressReport)
                          .where(ProgressReport.project_id == project.id)) or 0
