"""Budget against actual: what each RAB division has cost so far, against the RAB.

- Costs are recorded as entries of whole rupiah against a division of the RAB
  (`costing.rab.DIVISIONS`) or against a RAB line, whose division the caller maps
  (`line_divisions`: line code -> division). A negative entry corrects an earlier one (entries are
  never edited, as payments are not), but a division's actual cost never goes below 0.
- Variance = actual - budget, in rupiah: positive is over budget, negative is under. Variance
  percent = variance / budget x 100, two decimals half up; None when the budget is 0 (spending
  that was not budgeted is flagged as `unbudgeted` instead of an infinite percent).
- The lines follow the DIVISIONS order (the RAB recap's), each division that has a budget or a
  cost; the total line adds them up, exactly.

Entries after `as_of` are left out, so a report as of a date can be reprinted later unchanged.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction

from costing.rab import DIVISIONS
from kernel.messages import N_, Message
from progress.errors import Problem, ProgressError
from progress.numbers import cents, rupiah, shown

TOTAL = "total"


@dataclass(frozen=True)
class CostEntry:
    date: date
    amount: int  # whole rupiah; negative corrects an earlier entry
    division: str | None = None  # a key of DIVISIONS; may be left out when `line` is given
    line: str | None = None  # the RAB line (its code) the cost was recorded against, if any
    building: str | None = None
    note: str = ""


@dataclass(frozen=True)
class BudgetLine:
    division: str  # a key of DIVISIONS, or "total"
    budget: int
    actual: int
    variance: int  # actual - budget: positive is over budget
    variance_pct: Decimal | None  # variance / budget x 100, two decimals; None when the budget is 0

    @property
    def over_budget(self) -> bool:
        return self.variance > 0

    @property
    def unbudgeted(self) -> bool:
        """Money spent on a division that has no budget."""
        return self.budget == 0 and self.actual > 0


@dataclass(frozen=True)
class BudgetReport:
    lines: tuple[BudgetLine, ...]  # DIVISIONS order
    total: BudgetLine

    def line(self, division: str) -> BudgetLine:
        return next(line for line in self.lines if line.division == division)


def _line(division: str, budget: int, actual: int) -> BudgetLine:
    variance = actual - budget
    pct = cents(Fraction(variance * 100, budget)) if budget else None
    return BudgetLine(division, budget, actual, variance, pct)


def budget_report(
    budget: Mapping[str, int],
    entries: Iterable[CostEntry],
    *,
    as_of: date | None = None,
    line_divisions: Mapping[str, str] | None = None,
    building: str | None = None,
) -> BudgetReport:
    """Budget, actual cost and variance per RAB division and for the whole (see the module docstring).

    `budget` is the RAB recap per division (`costing.rab.recap(...).by_division`), of the project or,
    with `building`, of that building (then only that building's entries count).
    """
    problems: list[Problem] = []
    budgets: dict[str, int] = {}
    for division, amount in budget.items():
        if division not in DIVISIONS:
            problems.append(_unknown_division(division))
            continue
        try:
            budgets[division] = rupiah(amount, field="budget", package=division)
        except ProgressError as error:
            problems.extend(error.problems)
    line_divisions = line_divisions or {}
    actual = dict.fromkeys(DIVISIONS, 0)
    for row, entry in enumerate(entries, start=1):
        if as_of is not None and entry.date > as_of:
            continue
        if building is not None and entry.building != building:
            continue
        division = entry.division
        if entry.line is not None:
            of_line = line_divisions.get(entry.line)
            if of_line is None and division is None:
                problems.append(
                    Problem(
                        Message(
                            "budget.line_unknown",
                            N_("Cost {row}: “{value}” is not a line of the RAB."),
                            {"row": row, "value": shown(entry.line)},
                        ),
                        "line",
                    )
                )
                continue
            if of_line is not None and division is not None and of_line != division:
                problems.append(
                    Problem(
                        Message(
                            "budget.line_division_mismatch",
                            N_("Cost {row}: RAB line {line} is in division {line_division}, not {division}."),
                            {"row": row, "line": entry.line, "line_division": of_line, "division": division},
                        ),
                        "division",
                    )
                )
                continue
            division = division or of_line
        if division not in DIVISIONS:
            problems.append(_unknown_division(division, row))
            continue
        try:
            actual[division] += rupiah(entry.amount, field="amount", negative=True)
        except ProgressError as error:
            problems.extend(error.problems)
    for division, amount in actual.items():
        if amount < 0:
            problems.append(
                Problem(
                    Message(
                        "budget.negative_actual",
                        N_("The corrections to {division} come to more than its recorded costs (Rp{amount})."),
                        {"division": division, "amount": amount},
                    ),
                    "amount",
                    division,
                )
            )
    if problems:
        raise ProgressError(problems)
    lines = tuple(
        _line(division, budgets.get(division, 0), actual[division])
        for division in DIVISIONS
        if division in budgets or actual[division]
    )
    total = _line(TOTAL, sum(line.budget for line in lines), sum(line.actual for line in lines))
    return BudgetReport(lines, total)


def _unknown_division(value: object, row: int | None = None) -> Problem:
    if row is None:
        message = Message(
            "budget.division_unknown", N_("“{value}” is not a division of the RAB."), {"value": shown(value)}
        )
    else:
        message = Message(
            "budget.entry_division_unknown",
            N_("Cost {row}: “{value}” is not a division of the RAB."),
            {"row": row, "value": shown(value)},
        )
    return Problem(message, "division")
