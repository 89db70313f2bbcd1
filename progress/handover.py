"""Handover of the works: provisional (PHO, serah terima pertama) once the reports show 100%, then the maintenance
period with the retention held back from the contractor, then final (FHO, serah terima akhir) once it is over.

- **PHO**: once, dated no later than today and not before construction started (the SPMK), with the reference
  (number) of its berita acara, and only when the reports show the works 100% complete on that date. It confirms
  the maintenance period (whole days, 0 to `MAINTENANCE_MAX_DAYS`) and the retention (a percent of the contract
  value from 0 to 100 with at most two decimals); left empty, the contract's stand.
- **Retention**: the contract value times the percent, whole rupiah, half up.
- **FHO**: once, after the PHO, dated no later than today and not before the maintenance period's end (the PHO
  plus its days), with its reference. The retention is released then.
- **Members' first due dates**: the PHO may set when the members' loans start. Every loan plan in force without a
  payment takes the new first due date, on or after the PHO; a plan with payments keeps its date (changing it
  would rewrite what the payments paid) and is listed. Each plan that changes must still work: its down payment
  (paid during construction) falls due before the new date, and the schedule accepts it; one that does not
  refuses the whole PHO.

Pure: the shell reads the forms into `PhoIn` and `FhoIn` (dates, numbers and text typed and bounded), loads the
contract, the works' percent on the PHO's date and the plans, and stores the outcome.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from finance.instalment import FinanceError, schedule
from kernel.messages import N_, Message
from progress.errors import ProgressError

REFERENCE_MAX = 100
MAINTENANCE_MAX_DAYS = 3650
HUNDRED = Decimal(100)


class HandoverError(ProgressError):
    """A handover form refused: nothing is recorded."""


class HandoverConflict(HandoverError):
    """The handover contradicts the contract's state: recorded already, or the PHO not yet."""

    status = 409


@dataclass(frozen=True)
class Contract:
    """A construction contract as the handover rules see it."""

    started_on: date
    contract_value: int  # whole rupiah
    retention_pct: Decimal
    maintenance_days: int
    pho_on: date | None = None
    fho_on: date | None = None


@dataclass(frozen=True)
class PhoIn:
    """A PHO form as typed (the shell reads the fields): its date, the berita acara's reference, the terms it
    confirms (None: the contract's) and the members' new first due date (None: their plans are left alone)."""

    pho_on: date
    reference: str
    maintenance_days: int | None = None
    retention_pct: Decimal | None = None
    first_due: date | None = None


@dataclass(frozen=True)
class FhoIn:
    fho_on: date
    reference: str


@dataclass(frozen=True)
class Pho:
    """A PHO form as accepted so far (before the works' percent on its date and the first due dates)."""

    pho_on: date
    reference: str
    maintenance_days: int
    retention_pct: Decimal


@dataclass(frozen=True)
class Fho:
    fho_on: date
    reference: str


@dataclass(frozen=True)
class LoanPlan:
    """A member's loan plan in force, as the first-due rules see it; `key` is the shell's (a row id)."""

    key: Any
    unit: str
    first_due: date
    paid: bool  # has payments on record
    principal: int
    annual_rate: Decimal  # a fraction a year: 5% is 0.05
    months: int
    method: str
    grace_months: int = 0
    down_payment_due: date | None = None  # the first due date of the unit's down-payment plan in force, if any


@dataclass(frozen=True)
class FirstDues:
    """What a PHO's first due date does to the plans: `changing` take it, `kept` (units) have payments."""

    changing: tuple[LoanPlan, ...]
    kept: tuple[str, ...]


def retention(contract_value: int, retention_pct: Decimal | int) -> int:
    """The part of the contract value held back through the maintenance period: whole rupiah, half up."""
    return int((Decimal(contract_value) * Decimal(retention_pct) / HUNDRED).quantize(Decimal(1),
                                                                                     rounding=ROUND_HALF_UP))


def maintenance_end(pho_on: date | None, maintenance_days: int) -> date | None:
    """The day the maintenance period is over: the FHO and the retention's release from then on."""
    return pho_on + timedelta(days=maintenance_days) if pho_on else None


def fho_allowed(contract: Contract, today: date) -> bool:
    """The maintenance period is over and the FHO is not yet recorded."""
    end = maintenance_end(contract.pho_on, contract.maintenance_days)
    return end is not None and contract.fho_on is None and today >= end


MAINTENANCE_REFUSED = N_("The maintenance period is a whole number of days from 0 to {high}.")
RETENTION_REFUSED = N_("{value} is not a percentage from 0 to 100 with at most two decimals.")


def reference(value: str, field: str) -> str:
    """The reference (number) of a berita acara: required, up to `REFERENCE_MAX` characters."""
    text = (value or "").strip()
    if not text or len(text) > REFERENCE_MAX:
        raise HandoverError(Message("handover.reference_invalid", N_(
            "Give the reference (number) of the berita acara, up to {n} characters."), {"n": REFERENCE_MAX}),
            field=field)
    return text


def terms(contract: Contract, maintenance_days: int | None, retention_pct: Decimal | None) -> tuple[int, Decimal]:
    """The maintenance days and retention percent a PHO form confirms (the contract's when None)."""
    days = contract.maintenance_days if maintenance_days is None else maintenance_days
    if isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= MAINTENANCE_MAX_DAYS:
        raise HandoverError(Message("handover.maintenance_invalid", MAINTENANCE_REFUSED,
                                    {"high": MAINTENANCE_MAX_DAYS}), field="maintenance_days")
    pct = Decimal(contract.retention_pct) if retention_pct is None else retention_pct
    if (not isinstance(pct, Decimal) or not pct.is_finite() or not 0 <= pct <= HUNDRED
            or pct != pct.quantize(Decimal("0.01"))):
        raise HandoverError(Message("handover.retention_invalid", RETENTION_REFUSED, {"value": str(pct)[:20]}),
                            field="retention_pct")
    return days, pct


def _not_in_future(on: date, today: date, field: str) -> None:
    if on > today:
        raise HandoverError(Message("handover.date_future", N_("A handover cannot be dated in the future.")),
                            field=field)


def pho(contract: Contract, form: PhoIn, today: date) -> Pho:
    """A PHO form's date, reference, maintenance days and retention percent checked, in that order.

    The works' completeness on `pho_on` is checked next (`check_complete`), then the first due date (`first_due`,
    `first_dues`)."""
    if contract.pho_on is not None:
        raise HandoverConflict(Message("handover.pho_recorded", N_(
            "The provisional handover (PHO) was recorded on {date}."), {"date": contract.pho_on.isoformat()}))
    pho_on = form.pho_on
    _not_in_future(pho_on, today, "pho_on")
    if pho_on < contract.started_on:
        raise HandoverError(Message("handover.before_start", N_(
            "The handover is dated before construction started ({date})."),
            {"date": contract.started_on.isoformat()}), field="pho_on")
    ref = reference(form.reference, "pho_reference")
    days, pct = terms(contract, form.maintenance_days, form.retention_pct)
    return Pho(pho_on, ref, days, pct)


def check_complete(pho_on: date, actual_pct: Decimal | None) -> None:
    """The works must be 100% complete on the PHO's date (`actual_pct` from the reports; None before any)."""
    actual = actual_pct if actual_pct is not None else Decimal(0)
    if actual < HUNDRED:
        raise HandoverError(Message("handover.incomplete", N_(
            "The provisional handover needs the works 100% complete: on {date} the reports show {actual}%."),
            {"date": pho_on.isoformat(), "actual": str(actual)}), field="pho_on")


def first_due(due: date | None, pho_on: date) -> date | None:
    """The members' new first due date from the PHO form (None: their plans are left alone), on or after it."""
    if due is None:
        return None
    if due < pho_on:
        raise HandoverError(Message("handover.first_due_early", N_(
            "The members' first instalment falls due on or after the handover ({date})."),
            {"date": pho_on.isoformat()}), field="first_due")
    return due


def first_dues(plans: Sequence[LoanPlan], due: date | None) -> FirstDues:
    """The plans that take the new first due date (those without payments whose date differs) and the units kept
    (plans with payments), each plan that changes checked; with no date, nothing changes and nothing is listed."""
    if due is None:
        return FirstDues((), ())
    changing = tuple(p for p in plans if not p.paid and p.first_due != due)
    for plan in changing:
        if plan.down_payment_due is not None and plan.down_payment_due >= due:
            raise HandoverError(Message("handover.down_payment_after", N_(
                "Unit {unit}: its down payment starts on {date}, so the loan's first due date must come after it."),
                {"unit": plan.unit, "date": plan.down_payment_due.isoformat()}), field="first_due")
        try:
            schedule(plan.principal, plan.annual_rate, plan.months, plan.method, grace_months=plan.grace_months,
                     first_due=due)
        except FinanceError:
            raise HandoverError(Message("handover.loan_cannot_start", N_(
                "Unit {unit}: its loan cannot start on {date}."), {"unit": plan.unit, "date": due.isoformat()}),
                field="first_due") from None
    return FirstDues(changing, tuple(p.unit for p in plans if p.paid))


def fho(contract: Contract, form: FhoIn, today: date) -> Fho:
    """An FHO form's date and reference checked: after the PHO, once, not before the maintenance period is over."""
    if contract.pho_on is None:
        raise HandoverConflict(Message("handover.fho_before_pho", N_(
            "The final handover (FHO) comes after the provisional one (PHO).")))
    if contract.fho_on is not None:
        raise HandoverConflict(Message("handover.fho_recorded", N_(
            "The final handover (FHO) was recorded on {date}."), {"date": contract.fho_on.isoformat()}))
    fho_on = form.fho_on
    _not_in_future(fho_on, today, "fho_on")
    end = maintenance_end(contract.pho_on, contract.maintenance_days)
    if fho_on < end:
        raise HandoverError(Message("handover.fho_early", N_(
            "The maintenance period ends on {date}: the final handover (FHO) cannot be dated earlier."),
            {"date": end.isoformat()}), field="fho_on")
    return Fho(fho_on, reference(form.reference, "fho_reference"))
