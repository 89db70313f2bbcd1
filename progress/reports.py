"""Progress reports, the actual S-curve (kurva S realisasi), the deviation and kontrak kritis.

A report (laporan kemajuan, usually weekly) gives, on its date, the percent complete of some or all
work packages, each from 0 to 100. A package left out keeps the percent it last had (0 before its
first report). Reports come in date order, one per date. A percent lower than the package's
previous one is refused unless the report says why (a reason for that package): progress that
goes backwards is a correction someone must be able to explain later.

Actual progress on a report's date = sum over packages of weight x percent / 100 (percent of the
project); for one building, over its packages, out of their total weight, as in
`progress.schedule`. Deviation = actual - planned, in percentage points, planned taken at the end
of the same date.

Status (GUIDE, "Kontrak kritis", the standard conditions of contract):

- ``"kritis"`` when actual is MORE than 10 points behind planned while planned is at most 70%
  (period I, "rencana 0%-70%"), or MORE than 5 points behind while planned is above 70% (period
  II, "70%-100%"). Exactly 70% belongs to period I: it is the upper end of "0-70%". Exactly 10
  (or 5) points behind is not more than 10 (5): it is terlambat, not kritis.
- ``"terlambat"`` (behind) when actual is below planned but not critical;
- ``"normal"`` when actual is at or ahead of planned.

The rule reads the figures as shown, planned and actual rounded to two decimals half up, so the
status never disagrees with the numbers on the page.

As of a date, the status is the one of the latest report on or before it (planned as of that
report's date): kontrak kritis is declared on a progress report, not between reports. A report
that is late shows in `days_since_report`, for the app to ask for one. Before the first report
nothing is reported, so nothing is taken as done: the status is that of 0% against the plan as of
the date itself. `critical_since` is the date the current critical run began: the first report of
the unbroken run of critical reports up to the date (or, before any report, the first day the plan
was more than 10 points ahead of nothing).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, localcontext
from fractions import Fraction
from typing import Any

from kernel.messages import N_, Message
from progress.errors import Problem, ProgressError
from progress.numbers import HUNDRED, cents, decimal, scaled_cents, shown
from progress.schedule import (
    Curves,
    Point,
    WorkPackage,
    check_packages,
    planned_exact,
    project_finish,
    project_start,
    week_ends,
)

_OUT_OF_ORDER = N_("The report of {date} is not after the previous report, of {previous}: one report a date, in order.")
STATUSES = ("normal", "terlambat", "kritis")
PERIOD_I_UPTO = Decimal(70)  # planned progress up to and including 70%: period I
BEHIND_PERIOD_I = Decimal(10)  # kritis when more than this many points behind in period I
BEHIND_PERIOD_II = Decimal(5)  # and in period II (planned above 70%)


@dataclass(frozen=True)
class Report:
    date: date
    percents: Mapping[str, Decimal]  # work package key -> percent complete, 0-100
    reasons: Mapping[str, str] = field(default_factory=dict)  # key -> why its percent went down

    def __post_init__(self) -> None:
        object.__setattr__(self, "percents", dict(self.percents))
        object.__setattr__(self, "reasons", dict(self.reasons))


def _problem(code: str, msgid: str, field_name: str, key: str | None = None, /, **fields: Any) -> Problem:
    return Problem(Message(code, msgid, fields), field_name, key)


def _written(reason: Any) -> bool:
    return isinstance(reason, str) and bool(reason.strip())


def _check(
    packages: Mapping[str, WorkPackage], reports: Iterable[Report], known: dict[str, tuple[Decimal, date]]
) -> tuple[tuple[Report, ...], list[Problem]]:
    """Reports normalised (percents as Decimals), the problems found; `known` carries each package's last percent."""
    problems: list[Problem] = []
    result = []
    previous: date | None = None
    for report in reports:
        day = report.date
        if not isinstance(day, date) or isinstance(day, datetime):
            problems.append(_problem("report.not_a_date", N_("“{value}” is not a date."), "date", value=shown(day)))
            continue
        if previous is not None and day <= previous:
            problems.append(
                _problem(
                    "report.out_of_order",
                    _OUT_OF_ORDER,
                    "date",
                    date=day,
                    previous=previous,
                )
            )
        previous = day if previous is None else max(previous, day)
        percents: dict[str, Decimal] = {}
        for key, value in report.percents.items():
            package = packages.get(key)
            if package is None:
                problems.append(
                    _problem(
                        "report.package_unknown",
                        N_("The report of {date} names work package “{package}”, which the project does not have."),
                        "package",
                        shown(key),
                        date=day,
                        package=shown(key),
                    )
                )
                continue
            try:
                pct = decimal(value, field="percent", package=key)
            except ProgressError:
                problems.append(
                    _problem(
                        "report.percent_not_a_number",
                        N_("Report of {date}, work package {package}: “{value}” is not a percentage."),
                        "percent",
                        key,
                        date=day,
                        package=package.name,
                        value=shown(value),
                    )
                )
                continue
            if not 0 <= pct <= HUNDRED:
                problems.append(
                    _problem(
                        "report.percent_out_of_range",
                        N_("Report of {date}, work package {package}: {value}% is not from 0 to 100."),
                        "percent",
                        key,
                        date=day,
                        package=package.name,
                        value=pct,
                    )
                )
                continue
            last = known.get(key)
            if last is not None and pct < last[0] and not _written(report.reasons.get(key)):
                problems.append(
                    _problem(
                        "report.lower_without_reason",
                        N_(
                            "Report of {date}, work package {package}: {value}% is lower than the {previous}% "
                            "reported on {previous_date}; write why it went down."
                        ),
                        "reason",
                        key,
                        date=day,
                        package=package.name,
                        value=pct,
                        previous=last[0],
                        previous_date=last[1],
                    )
                )
            known[key] = (pct, day)
            percents[key] = pct
        reasons = {k: r.strip() for k, r in report.reasons.items() if isinstance(r, str) and r.strip()}
        result.append(Report(day, percents, reasons))
    return tuple(result), problems


def check_reports(packages: Iterable[WorkPackage], reports: Iterable[Report]) -> tuple[Report, ...]:
    """The reports checked whole (see the module docstring), percents as Decimals; every problem at once."""
    by_key = {p.key: p for p in packages}
    result, problems = _check(by_key, reports, {})
    if problems:
        raise ProgressError(problems)
    return result


def check_report(packages: Iterable[WorkPackage], earlier: Iterable[Report], report: Report) -> Report:
    """A new `report` checked against the `earlier` ones (already stored, so assumed good): for a form."""
    by_key = {p.key: p for p in packages}
    known: dict[str, tuple[Decimal, date]] = {}
    last: date | None = None
    for old in earlier:
        for key, value in old.percents.items():
            known[key] = (Decimal(value), old.date)
        last = old.date
    if last is not None and isinstance(report.date, date) and report.date <= last:
        problem = _problem(
            "report.out_of_order",
            _OUT_OF_ORDER,
            "date",
            date=report.date,
            previous=last,
        )
        _, problems = _check(by_key, [report], known)
        raise ProgressError([problem, *problems])
    result, problems = _check(by_key, [report], known)
    if problems:
        raise ProgressError(problems)
    return result[0]


# --- the status ------------------------------------------------------------------------------


def critical_threshold(planned_pct: Decimal) -> Decimal:
    """How many points behind the plan is critical: 10 while planned is at most 70%, 5 above."""
    return BEHIND_PERIOD_I if planned_pct <= PERIOD_I_UPTO else BEHIND_PERIOD_II


def status(planned_pct: Decimal, actual_pct: Decimal) -> str:
    """ "normal", "terlambat" or "kritis" for the figures as shown (see the module docstring)."""
    deviation = actual_pct - planned_pct
    if -deviation > critical_threshold(planned_pct):
        return "kritis"
    return "terlambat" if deviation < 0 else "normal"


def critical_line(planned_pct: Decimal) -> Decimal:
    """The actual progress below which the contract is critical, for a planned progress (never below 0)."""
    return max(planned_pct - critical_threshold(planned_pct), Decimal(0))


# --- curves ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ActualExact:
    dates: tuple[date, ...]
    project: tuple[Decimal, ...]  # percent of the project, exact
    buildings: dict[str, tuple[Decimal, ...]]  # each building's progress, in percent of the project


def actual_exact(packages: Sequence[WorkPackage], reports: Sequence[Report]) -> ActualExact:
    """Actual progress on each report's date, exactly; one pass over the reported percents."""
    weight = {p.key: p.weight for p in packages}
    building_of = {p.key: p.building for p in packages}
    order = list(dict.fromkeys(p.building for p in packages))
    current: dict[str, Decimal] = {}
    # Sums of weight x percent: exact in Decimal at this precision (two small factors a term).
    running = dict.fromkeys(order, Decimal(0))
    series: dict[str, list[Decimal]] = {b: [] for b in order}
    project = []
    with localcontext() as context:
        context.prec = 80
        for report in reports:
            for key, pct in report.percents.items():
                building = building_of[key]
                running[building] += weight[key] * (pct - current.get(key, Decimal(0)))
                current[key] = pct
            total = Decimal(0)
            for building in order:
                value = running[building].scaleb(-2)
                series[building].append(value)
                total += value
            project.append(total)
    return ActualExact(tuple(r.date for r in reports), tuple(project), {b: tuple(v) for b, v in series.items()})


def actual_curve(packages: Iterable[WorkPackage], reports: Iterable[Report]) -> Curves:
    """The actual S-curve of the project and of each building: one point per report date."""
    packages = check_packages(packages)
    reports = check_reports(packages, reports)
    exact = actual_exact(packages, reports)
    totals = _building_totals(packages)
    project = tuple(Point(d, cents(v)) for d, v in zip(exact.dates, exact.project, strict=True))
    buildings = {
        b: tuple(Point(d, scaled_cents(v, 100 / totals[b])) for d, v in zip(exact.dates, values, strict=True))
        for b, values in exact.buildings.items()
        if totals[b]
    }
    return Curves(project, buildings)


def _building_totals(packages: Iterable[WorkPackage]) -> dict[str, Fraction]:
    totals: dict[str, Fraction] = {}
    for p in packages:
        totals[p.building] = totals.get(p.building, Fraction(0)) + Fraction(p.weight)
    return totals


# --- as of a date ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Period:
    date: date  # the last day of the week
    planned_pct: Decimal
    actual_pct: Decimal | None  # the latest report's, carried forward; None after the as-of date


@dataclass(frozen=True)
class Assessment:
    as_of: date
    report_date: date | None  # the report the status rests on; None before the first report
    planned_pct: Decimal  # as of report_date (or as_of before the first report)
    actual_pct: Decimal
    deviation_pct: Decimal  # actual - planned, points
    status: str  # one of STATUSES
    critical_since: date | None  # the first date of the current critical run; None unless kritis
    days_since_report: int | None


@dataclass(frozen=True)
class SCurve:
    periods: tuple[Period, ...]  # one per week, from the start to the last finish or the last report
    planned: tuple[Point, ...]  # the week ends, for the chart
    actual: tuple[Point, ...]  # the reports up to the as-of date, for the chart
    assessment: Assessment


@dataclass(frozen=True)
class ProjectProgress:
    project: SCurve
    buildings: dict[str, SCurve]  # buildings whose packages weigh something, in package order


def scurves(
    packages: Iterable[WorkPackage], reports: Iterable[Report], as_of: date, *, start: date | None = None
) -> ProjectProgress:
    """The planned and actual S-curves, week by week, and the status as of `as_of`, of the project
    and of each building (see the module docstrings of this module and of `progress.schedule`).

    Reports after `as_of` are left out. Weeks run from `start` (default: the earliest package start)
    to the week holding the last finish, or the last report up to `as_of` if that is later.
    """
    packages = check_packages(packages)
    reports = tuple(r for r in check_reports(packages, reports) if r.date <= as_of)
    start = start or project_start(packages)
    until = max(project_finish(packages), reports[-1].date if reports else start)
    weeks = week_ends(start, until)
    planned = planned_exact(packages, [*weeks, *(r.date for r in reports), as_of])
    actual = actual_exact(packages, reports)
    totals = _building_totals(packages)

    def one(name: str | None, scale: Fraction) -> SCurve:
        planned_values = planned.project if name is None else planned.buildings[name]
        actual_values = actual.project if name is None else actual.buildings[name]
        at = dict(zip(planned.dates, (scaled_cents(v, scale) for v in planned_values), strict=True))
        done = [scaled_cents(v, scale) for v in actual_values]
        subset = packages if name is None else [p for p in packages if p.building == name]
        return _scurve(subset, scale, weeks, at, actual.dates, done, as_of)

    project = one(None, Fraction(1))
    buildings = {b: one(b, 100 / totals[b]) for b in planned.buildings if totals[b]}
    return ProjectProgress(project, buildings)


def scurve(
    packages: Iterable[WorkPackage],
    reports: Iterable[Report],
    as_of: date,
    *,
    building: str | None = None,
    start: date | None = None,
) -> SCurve:
    """The S-curves and status of the project, or of one `building`, as of `as_of`."""
    result = scurves(packages, reports, as_of, start=start)
    if building is None:
        return result.project
    if building not in result.buildings:
        raise ProgressError(
            Message(
                "report.building_unknown",
                N_("The project has no building “{building}” with weighted work packages."),
                {"building": shown(building)},
            ),
            field="building",
        )
    return result.buildings[building]


def _scurve(
    packages: Sequence[WorkPackage],
    scale: Fraction,
    weeks: Sequence[date],
    planned_at: Mapping[date, Decimal],
    report_dates: Sequence[date],
    actual: Sequence[Decimal],
    as_of: date,
) -> SCurve:
    periods = []
    r = -1  # the latest report on or before the week's end
    for end in weeks:
        while r + 1 < len(report_dates) and report_dates[r + 1] <= end:
            r += 1
        done = None if end > as_of else (actual[r] if r >= 0 else Decimal("0.00"))
        periods.append(Period(end, planned_at[end], done))

    statuses = [status(planned_at[d], a) for d, a in zip(report_dates, actual, strict=True)]
    if report_dates:
        when, planned_pct, actual_pct = report_dates[-1], planned_at[report_dates[-1]], actual[-1]
        since = None
        if statuses[-1] == "kritis":
            i = len(statuses) - 1
            while i > 0 and statuses[i - 1] == "kritis":
                i -= 1
            since = report_dates[i]
        assessment = Assessment(
            as_of, when, planned_pct, actual_pct, actual_pct - planned_pct, statuses[-1], since, (as_of - when).days
        )
    else:
        planned_pct, nothing = planned_at[as_of], Decimal("0.00")
        state = status(planned_pct, nothing)
        since = _first_critical_day(packages, scale, as_of) if state == "kritis" else None
        assessment = Assessment(as_of, None, planned_pct, nothing, nothing - planned_pct, state, since, None)
    return SCurve(
        tuple(periods),
        tuple(Point(d, planned_at[d]) for d in weeks),
        tuple(Point(d, a) for d, a in zip(report_dates, actual, strict=True)),
        assessment,
    )


def _first_critical_day(packages: Sequence[WorkPackage], scale: Fraction, as_of: date) -> date:
    """With nothing reported, the first day the plan was critical: planned never goes down, so bisect."""

    def critical(day: date) -> bool:
        value = planned_exact(packages, [day])
        return status(scaled_cents(value.project[0], scale), Decimal(0)) == "kritis"

    low, high = project_start(packages), as_of  # critical(as_of) holds; find the first such day
    while low < high:
        middle = low + timedelta(days=(high - low).days // 2)
        if critical(middle):
            high = middle
        else:
            low = middle + timedelta(days=1)
    return low
