"""Work packages, their schedule and the planned S-curve (kurva S rencana).

A work package is a part of one building's work, in one RAB division (`costing.rab.DIVISIONS`),
with its weight (bobot: percent of the project, see `progress.weights`) and its planned start and
finish. Both dates are working days of the package: it runs from the start of `start` to the end
of `finish`, so a package that starts and finishes on the same day lasts one day. A finish before
the start is refused, naming the package.

The planned curve (GUIDE, "Construction progress"): each package's weight is spread evenly over
its days, calendar days inclusive, and accumulated. The planned progress at the end of day d is

    sum over packages of  weight x (days of the package up to and including d) / (its days)

so it is 0 before the first start, reaches exactly 100 at the end of the last finish, and never
goes down. For one building the same sum over its packages is divided by their total weight: each
building's curve ends at 100 as well (its weights re-normalised to 100).

Weeks (minggu ke-1, ke-2, ...) count from the start of the work, as the weekly reports (laporan
mingguan) of a contract count from the SPMK: week k is the seven days from start + 7(k-1), and its
point on the curve is the progress at the end of its last day, start + 7k - 1. Not calendar
Mondays: a contract that starts on a Thursday has Thursday-to-Wednesday weeks. `start` defaults to
the earliest package start; pass the SPMK date when the contract started before any package.

Values are exact until they are shown: a point is rounded to two decimals, half up.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from math import lcm
from typing import Any

from costing.rab import DIVISIONS
from kernel.messages import N_, Message
from progress.errors import Problem, ProgressError
from progress.numbers import HUNDRED, cents, decimal, scaled_cents, shown
from progress.weights import PLACES, weights

WEEK = timedelta(days=7)

# ILLUSTRATIVE phasing of a walk-up's divisions, as (begin, end) fractions of the building's
# construction period, for a parametric scenario without a contractor's schedule: preparation
# first, the frame before the walls, services alongside, finishes and external works last, SMKK
# throughout. Editable; the contractor's time schedule replaces it.
PARAMETRIC_PHASING: dict[str, tuple[Fraction, Fraction]] = {
    "persiapan": (Fraction(0), Fraction(8, 100)),
    "tanah": (Fraction(3, 100), Fraction(12, 100)),
    "pondasi": (Fraction(5, 100), Fraction(25, 100)),
    "struktur": (Fraction(15, 100), Fraction(65, 100)),
    "arsitektur": (Fraction(40, 100), Fraction(90, 100)),
    "mep": (Fraction(45, 100), Fraction(95, 100)),
    "finishing": (Fraction(70, 100), Fraction(1)),
    "pekerjaan_luar": (Fraction(80, 100), Fraction(1)),
    "smkk": (Fraction(0), Fraction(1)),
}


def _text(value: Any, field: str, package: str | None) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        raise ProgressError(
            Message("schedule.text_missing", N_("A work package needs a {field}."), {"field": field}),
            field=field,
            package=package,
        )
    return text


def _day(value: Any, field: str, label: str) -> date:
    # datetime is a date too; a time of day would shift the day count, so it is refused.
    if not isinstance(value, date) or isinstance(value, datetime):
        raise ProgressError(
            Message(
                "schedule.not_a_date",
                N_("Work package {package}: the {field} “{value}” is not a date."),
                {"package": label, "field": field, "value": shown(value)},
            ),
            field=field,
            package=label,
        )
    return value


@dataclass(frozen=True)
class WorkPackage:
    key: str  # unique in the project
    building: str  # the block it belongs to
    division: str  # a key of costing.rab.DIVISIONS
    weight: Decimal  # bobot: percent of the project, 0-100
    start: date  # first working day
    finish: date  # last working day, inclusive
    name: str = ""  # what users read ("Struktur lantai 2"); messages fall back on the key

    def __post_init__(self) -> None:
        key = _text(self.key, "key", None)
        object.__setattr__(self, "key", key)
        label = self.name.strip() if isinstance(self.name, str) and self.name.strip() else key
        object.__setattr__(self, "name", label)
        object.__setattr__(self, "building", _text(self.building, "building", key))
        if self.division not in DIVISIONS:
            raise ProgressError(
                Message(
                    "schedule.division_unknown",
                    N_("Work package {package}: “{value}” is not a division of the RAB."),
                    {"package": label, "value": shown(self.division)},
                ),
                field="division",
                package=key,
            )
        weight = decimal(self.weight, field="weight", package=key)
        if not 0 <= weight <= HUNDRED:
            raise ProgressError(
                Message(
                    "schedule.weight_out_of_range",
                    N_("Work package {package}: the weight must be from 0 to 100%, not {value}%."),
                    {"package": label, "value": weight},
                ),
                field="weight",
                package=key,
            )
        object.__setattr__(self, "weight", weight)
        start = _day(self.start, "start", label)
        finish = _day(self.finish, "finish", label)
        if finish < start:
            raise ProgressError(
                Message(
                    "schedule.finish_before_start",
                    N_("Work package {package}: the finish {finish} is before the start {start}."),
                    {"package": label, "start": start, "finish": finish},
                ),
                field="finish",
                package=key,
            )

    @property
    def days(self) -> int:
        """Calendar days from the start to the finish, both included."""
        return (self.finish - self.start).days + 1


@dataclass(frozen=True)
class PackageCost:
    """A work package before its weight is known: its cost in whole rupiah instead."""

    key: str
    building: str
    division: str
    cost: int
    start: date
    finish: date
    name: str = ""


def weigh(items: Iterable[PackageCost], places: int = PLACES) -> list[WorkPackage]:
    """Work packages weighted by their share of the total cost (`progress.weights.weights`), summing to 100."""
    items = list(items)
    keys = [item.key.strip() if isinstance(item.key, str) else item.key for item in items]
    problems = _duplicates(keys)
    if problems:
        raise ProgressError(problems)
    shares = weights({key: item.cost for key, item in zip(keys, items, strict=True)}, places)
    return [
        WorkPackage(key, item.building, item.division, shares[key], item.start, item.finish, item.name)
        for key, item in zip(keys, items, strict=True)
    ]


def _duplicates(keys: Iterable[Any]) -> list[Problem]:
    seen: set[Any] = set()
    problems = []
    for key in keys:
        if key in seen:
            problems.append(
                Problem(
                    Message("schedule.duplicate_key", N_("Work package {package} is listed twice."), {"package": key}),
                    "key",
                    str(key),
                )
            )
        seen.add(key)
    return problems


def check_packages(packages: Iterable[WorkPackage]) -> tuple[WorkPackage, ...]:
    """The project's packages, checked: at least one, unique keys, weights adding up to exactly 100."""
    packages = tuple(packages)
    if not packages:
        raise ProgressError(
            Message("schedule.no_packages", N_("The project has no work packages yet."), {}), field="packages"
        )
    problems = _duplicates(p.key for p in packages)
    total = sum((p.weight for p in packages), Decimal(0))
    if total != HUNDRED:
        problems.append(
            Problem(
                Message(
                    "schedule.weights_not_hundred",
                    N_("The weights of the work packages add up to {total}%, not 100%."),
                    {"total": total},
                ),
                "weight",
            )
        )
    if problems:
        raise ProgressError(problems)
    return packages


def phase(
    start: date, finish: date, phasing: Mapping[str, tuple[Fraction, Fraction]] = PARAMETRIC_PHASING
) -> dict[str, tuple[date, date]]:
    """The planned (start, finish) of each division in a building built from `start` to `finish` (inclusive).

    A division's (begin, end) are fractions of the period's days; each division gets at least one day.
    """
    start, finish = _day(start, "start", "-"), _day(finish, "finish", "-")
    if finish < start:
        raise ProgressError(
            Message(
                "schedule.period_reversed",
                N_("The construction period ends on {finish}, before it starts on {start}."),
                {"start": start, "finish": finish},
            ),
            field="finish",
        )
    days = (finish - start).days + 1
    result = {}
    for division, (begin, end) in phasing.items():
        if division not in DIVISIONS or not 0 <= begin < end <= 1:
            raise ValueError(f"phasing of {division!r} must be 0 <= begin < end <= 1, not {(begin, end)!r}")
        first = int(begin * days)  # floor
        last = max(first, -int(-end * days) - 1)  # ceil(end x days) - 1, at least the first day
        result[division] = (start + timedelta(days=first), start + timedelta(days=last))
    return result


def week_ends(start: date, until: date) -> list[date]:
    """The last day of each week counted from `start` (start + 6, + 13, ...), up to the week that holds `until`."""
    if until < start:
        return []
    weeks = (until - start).days // 7 + 1
    return [start + WEEK * k - timedelta(days=1) for k in range(1, weeks + 1)]


@dataclass(frozen=True, slots=True)
class Point:
    date: date
    pct: Decimal  # cumulative percent at the end of `date`, two decimals


@dataclass(frozen=True)
class Curves:
    project: tuple[Point, ...]
    buildings: dict[str, tuple[Point, ...]]  # in the order the buildings first appear in the packages


@dataclass(frozen=True)
class Exact:
    """Planned progress at sorted dates, exact: the project's, and each building's in project percent."""

    dates: tuple[date, ...]
    project: tuple[Fraction, ...]
    buildings: dict[str, tuple[Fraction, ...]]
    building_weights: dict[str, Fraction]  # a building's share of the project, percent


def planned_exact(packages: Sequence[WorkPackage], dates: Iterable[date]) -> Exact:
    """The planned progress of every building and of the project at each date, exactly.

    Linear in the packages and the dates each package spans: a package adds its partial progress at
    the dates inside its span and its whole weight once, at the first date after it (a running sum
    carries it on), so 200 packages over 104 weeks cost a few thousand additions, not packages x
    weeks. The sums are integers: weights in units of their smallest decimal, and the partial
    progress of a date kept as numerators per duration, put over one common denominator at the end.
    """
    days = sorted(set(dates))
    n = len(days)
    order = list(dict.fromkeys(p.building for p in packages))
    places = max((-p.weight.as_tuple().exponent for p in packages if p.weight), default=0)
    scale = 10 ** max(places, 0)
    full = {b: [0] * (n + 1) for b in order}  # whole weights (in 1/scale percent), added from an index on
    partial: dict[str, list[dict[int, int]]] = {b: [{} for _ in range(n)] for b in order}  # duration -> numerator
    totals = dict.fromkeys(order, 0)
    for package in packages:
        weight = int(package.weight * scale)
        building = package.building
        totals[building] += weight
        if not weight:
            continue
        first = bisect_left(days, package.start)
        done = bisect_left(days, package.finish)  # from here on the package is complete
        span = package.days
        at = partial[building]
        start = package.start
        for i in range(first, done):
            sums = at[i]
            sums[span] = sums.get(span, 0) + weight * ((days[i] - start).days + 1)
        full[building][done] += weight
    buildings: dict[str, tuple[Fraction, ...]] = {}
    project_num, project_den = [0] * n, [1] * n
    for building in order:
        running = 0
        values = []
        for i in range(n):
            running += full[building][i]
            sums = partial[building][i]
            if sums:
                common = lcm(*sums)
                numerator = running * common + sum(part * (common // span) for span, part in sums.items())
            else:
                common, numerator = 1, running
            values.append(Fraction(numerator, common * scale))
            # the project's sum, over a common denominator too
            den = lcm(project_den[i], common)
            project_num[i] = project_num[i] * (den // project_den[i]) + numerator * (den // common)
            project_den[i] = den
        buildings[building] = tuple(values)
    project = tuple(Fraction(num, den * scale) for num, den in zip(project_num, project_den, strict=True))
    return Exact(tuple(days), project, buildings, {b: Fraction(t, scale) for b, t in totals.items()})


def curves_of(exact: Exact) -> Curves:
    """Rounded points: the project's percent, and each building's out of its own total weight."""
    project = tuple(Point(d, cents(v)) for d, v in zip(exact.dates, exact.project, strict=True))
    buildings = {}
    for building, values in exact.buildings.items():
        total = exact.building_weights[building]
        if total:  # a building whose packages weigh nothing has no curve of its own
            scale = 100 / total
            points = zip(exact.dates, values, strict=True)
            buildings[building] = tuple(Point(d, scaled_cents(v, scale)) for d, v in points)
    return Curves(project, buildings)


def project_start(packages: Iterable[WorkPackage]) -> date:
    return min(p.start for p in packages)


def project_finish(packages: Iterable[WorkPackage]) -> date:
    return max(p.finish for p in packages)


def planned_curve(
    packages: Iterable[WorkPackage], dates: Iterable[date] | None = None, *, start: date | None = None
) -> Curves:
    """The planned S-curve of the project and of each building, at `dates` (sorted, once each).

    Without `dates`, at the end of each week from `start` (default: the earliest package start) to
    the week holding the last finish; the last point is then 100.00.
    """
    packages = check_packages(packages)
    if dates is None:
        dates = week_ends(start or project_start(packages), project_finish(packages))
    return curves_of(planned_exact(packages, dates))
