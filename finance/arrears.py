"""Arrears (tunggakan) as of a date, collectibility classes (kolektibilitas) and portfolio summaries.

- `arrears(ledger_state, as_of)`: what is overdue on `as_of`. An instalment is OVERDUE when its
  due date is before `as_of` and its principal or interest (margin) is not fully paid; one due on
  `as_of` itself is not overdue yet. `days_past_due` counts from the oldest overdue due date;
  `months_in_arrears` is the number of overdue instalments (a grace instalment whose interest is
  unpaid counts too). Unpaid late charges are reported apart and never make a loan overdue.
- `classify(arrears, preset, thresholds=None)`: the class under a preset of `COLLECTIBILITY_PRESETS`:

  - ``"koperasi"`` (Permeneg KUKM 14/2009), by months in arrears: Lancar up to 3, Kurang Lancar
    more than 3 and up to 6 (the rule the guide quotes), Diragukan more than 6 and up to 12, Macet
    more than 12. The 12-month bound, and so the split between Diragukan and Macet, is an
    ASSUMPTION (not found in the regulation): a configurable default, said so in the UI.
  - ``"bank"`` (POJK 40/2019), by days past due: 1 Lancar 0, 2 DPK (Dalam Perhatian Khusus)
    1-90, 3 Kurang Lancar 91-120, 4 Diragukan 121-180, 5 Macet more than 180.

  `thresholds` replaces the preset's upper bounds (inclusive, one per class but the last).
- `portfolio_summary(rows, preset)`: members and outstanding principal in each class, the
  problem-loan ratio and its health band (Juknis Deputi 15/2021): up to 5% sehat, more than 5 and
  up to 10% cukup sehat, more than 10 and up to 15% kurang sehat, more than 15% tidak sehat.
  Problem loans (pinjaman bermasalah) are the classes other than Lancar for the koperasi preset
  (Kurang Lancar, Diragukan, Macet) and, for the bank preset, classes 3-5 (non-performing loans:
  DPK is watched but not a problem loan). The ratio is problem outstanding / total outstanding,
  exact, 0 for an empty portfolio. `roll_up` adds summaries of several cooperatives up to Japra's;
  it equals the summary of all their rows together.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from finance.instalment import FinanceError
from finance.ledger import LedgerState


@dataclass(frozen=True, slots=True)
class Arrears:
    as_of: date
    overdue_amount: int  # principal + interest (margin) of the overdue instalments, unpaid
    overdue_principal: int
    overdue_interest: int
    days_past_due: int  # from the oldest overdue due date; 0 when nothing is overdue
    months_in_arrears: int  # overdue instalments
    oldest_overdue: date | None
    late_charges_unpaid: int  # apart: never part of overdue_amount
    outstanding_principal: int  # principal not yet repaid, due or not
    credit: int  # paid ahead, applied as later instalments fall due


@dataclass(frozen=True, slots=True)
class CollectibilityClass:
    code: int  # 1 = Lancar
    name: str
    problem: bool  # counts as a problem loan in the ratio


@dataclass(frozen=True)
class CollectibilityPreset:
    key: str
    measure: str  # the Arrears field classified: "months_in_arrears" or "days_past_due"
    classes: tuple[CollectibilityClass, ...]
    thresholds: tuple[int, ...]  # inclusive upper bound of each class but the last
    source: str
    assumptions: tuple[str, ...] = ()  # what is a configurable default rather than the rule


@dataclass(frozen=True, slots=True)
class ClassTotal:
    code: int
    name: str
    problem: bool
    members: int
    outstanding: int


@dataclass(frozen=True)
class Summary:
    preset: str
    classes: tuple[ClassTotal, ...]
    members: int
    outstanding: int
    problem_outstanding: int
    problem_ratio: Fraction  # problem_outstanding / outstanding (0 when nothing is outstanding)
    health: str  # "sehat", "cukup sehat", "kurang sehat" or "tidak sehat"
    name: str | None = None

    @property
    def problem_ratio_pct(self) -> Decimal:
        """The ratio in percent, two decimals, rounded half up (for display only)."""
        value = Decimal(self.problem_ratio.numerator) * 100 / Decimal(self.problem_ratio.denominator)
        return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


COLLECTIBILITY_PRESETS: dict[str, CollectibilityPreset] = {
    "koperasi": CollectibilityPreset(
        key="koperasi",
        measure="months_in_arrears",
        classes=(CollectibilityClass(1, "Lancar", False), CollectibilityClass(2, "Kurang Lancar", True),
                 CollectibilityClass(3, "Diragukan", True), CollectibilityClass(4, "Macet", True)),
        thresholds=(3, 6, 12),
        source="Permeneg KUKM 14/2009: Kurang Lancar is principal in arrears more than 3 and up to 6 months",
        assumptions=("Diragukan: more than 6 and up to 12 months in arrears (assumed default, configurable)",
                     "Macet: more than 12 months in arrears (assumed default, configurable)"),
    ),
    "bank": CollectibilityPreset(
        key="bank",
        measure="days_past_due",
        classes=(CollectibilityClass(1, "Lancar", False), CollectibilityClass(2, "Dalam Perhatian Khusus", False),
                 CollectibilityClass(3, "Kurang Lancar", True), CollectibilityClass(4, "Diragukan", True),
                 CollectibilityClass(5, "Macet", True)),
        thresholds=(0, 90, 120, 180),
        source="POJK 40/2019: 1 Lancar, 2 DPK 1-90, 3 Kurang Lancar 91-120, 4 Diragukan 121-180, 5 Macet >180 days",
    ),
}

HEALTH_BANDS = (  # inclusive upper bound of the problem-loan ratio, band
    (Fraction(5, 100), "sehat"),
    (Fraction(10, 100), "cukup sehat"),
    (Fraction(15, 100), "kurang sehat"),
    (None, "tidak sehat"),
)


def arrears(ledger_state: LedgerState, as_of: date | None = None) -> Arrears:
    """What is overdue on `as_of` (by default the ledger's own date; another date recomputes the
    ledger with the entries dated up to it)."""
    if not isinstance(ledger_state, LedgerState):
        raise FinanceError("arrears needs a LedgerState from finance.ledger.apply_payments", field="ledger_state")
    state = ledger_state if as_of is None else ledger_state.at(as_of)
    day = state.as_of
    principal = interest = months = 0
    oldest = None
    for row in state.instalments:
        if row.due >= day:
            break
        unpaid_p, unpaid_i = row.principal - row.principal_paid, row.interest - row.interest_paid
        if unpaid_p or unpaid_i:
            principal += unpaid_p
            interest += unpaid_i
            months += 1
            if oldest is None:
                oldest = row.due
    return Arrears(
        as_of=day,
        overdue_amount=principal + interest,
        overdue_principal=principal,
        overdue_interest=interest,
        days_past_due=(day - oldest).days if oldest else 0,
        months_in_arrears=months,
        oldest_overdue=oldest,
        late_charges_unpaid=state.late_charges_unpaid,
        outstanding_principal=state.outstanding_principal,
        credit=state.credit,
    )


def preset_for(preset: str | CollectibilityPreset) -> CollectibilityPreset:
    if isinstance(preset, CollectibilityPreset):
        return preset
    try:
        return COLLECTIBILITY_PRESETS[preset]
    except (KeyError, TypeError):
        raise FinanceError(f"preset must be one of {', '.join(COLLECTIBILITY_PRESETS)}, not {preset!r}",
                           field="preset") from None


def check_thresholds(preset: str | CollectibilityPreset, thresholds: Iterable[int] | None) -> tuple[int, ...]:
    """The thresholds to use: the preset's, or `thresholds` once checked (whole numbers from 0,
    rising, one per class but the last)."""
    chosen = preset_for(preset)
    if thresholds is None:
        return chosen.thresholds
    bounds = tuple(thresholds)
    unit = "months" if chosen.measure == "months_in_arrears" else "days"
    if (len(bounds) != len(chosen.classes) - 1
            or any(isinstance(b, bool) or not isinstance(b, int) or b < 0 for b in bounds)
            or any(b <= a for a, b in zip(bounds, bounds[1:], strict=False))):
        raise FinanceError(
            f"thresholds for the {chosen.key} preset must be {len(chosen.classes) - 1} rising whole numbers of "
            f"{unit} from 0, the upper bound of each class but the last (default {chosen.thresholds}), "
            f"not {thresholds!r}",
            field="thresholds",
        )
    return bounds


def classify(arrears: Arrears, preset: str | CollectibilityPreset = "koperasi",
             thresholds: Iterable[int] | None = None) -> CollectibilityClass:
    """The collectibility class of a loan with these `arrears` under `preset`."""
    chosen = preset_for(preset)
    bounds = check_thresholds(chosen, thresholds)
    value = getattr(arrears, chosen.measure)
    for cls, bound in zip(chosen.classes, bounds, strict=False):
        if value <= bound:
            return cls
    return chosen.classes[-1]


def health_band(ratio: Fraction) -> str:
    for bound, band in HEALTH_BANDS:
        if bound is None or ratio <= bound:
            return band
    raise AssertionError("unreachable")


def portfolio_summary(rows: Iterable[tuple[CollectibilityClass, int]], preset: str | CollectibilityPreset = "koperasi",
                      *, name: str | None = None) -> Summary:
    """Members and outstanding principal per class, the problem-loan ratio and the health band.

    `rows` holds one ``(class, outstanding principal)`` pair per member's loan, the class from
    `classify` with the same preset."""
    chosen = preset_for(preset)
    members = {cls.code: 0 for cls in chosen.classes}
    amounts = {cls.code: 0 for cls in chosen.classes}
    for row in rows:
        try:
            cls, outstanding = row
        except (TypeError, ValueError):
            raise FinanceError(f"each row must be (class, outstanding), not {row!r}", field="rows") from None
        if cls not in chosen.classes:
            raise FinanceError(f"{cls!r} is not a class of the {chosen.key} preset", field="rows")
        if isinstance(outstanding, bool) or not isinstance(outstanding, int) or outstanding < 0:
            raise FinanceError(f"the outstanding amount must be whole rupiah 0 or more, not {outstanding!r}",
                               field="rows")
        members[cls.code] += 1
        amounts[cls.code] += outstanding
    return _summary(chosen, members, amounts, name)


def roll_up(summaries: Iterable[Summary], *, name: str | None = "Japra") -> Summary:
    """Several cooperatives' summaries (same preset) added up into one."""
    summaries = list(summaries)
    if not summaries:
        raise FinanceError("roll_up needs at least one summary", field="summaries")
    shapes = {(s.preset, tuple((t.code, t.name, t.problem) for t in s.classes)) for s in summaries}
    if len(shapes) != 1:
        presets = sorted({s.preset for s in summaries})
        raise FinanceError(f"summaries of different presets or classes cannot be added up: {presets}", field="preset")
    first = summaries[0]
    preset = CollectibilityPreset(key=first.preset, measure="", thresholds=(),
                                  classes=tuple(CollectibilityClass(t.code, t.name, t.problem) for t in first.classes),
                                  source="")
    members = {t.code: 0 for t in first.classes}
    amounts = {t.code: 0 for t in first.classes}
    for summary in summaries:
        for total in summary.classes:
            members[total.code] += total.members
            amounts[total.code] += total.outstanding
    return _summary(preset, members, amounts, name)


def _summary(preset: CollectibilityPreset, members: dict[int, int], amounts: dict[int, int],
             name: str | None) -> Summary:
    classes = tuple(ClassTotal(cls.code, cls.name, cls.problem, members[cls.code], amounts[cls.code])
                    for cls in preset.classes)
    outstanding = sum(t.outstanding for t in classes)
    problem = sum(t.outstanding for t in classes if t.problem)
    ratio = Fraction(problem, outstanding) if outstanding else Fraction(0)
    return Summary(preset=preset.key, classes=classes, members=sum(t.members for t in classes),
                   outstanding=outstanding, problem_outstanding=problem, problem_ratio=ratio,
                   health=health_band(ratio), name=name)
