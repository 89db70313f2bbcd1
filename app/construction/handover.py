"""Handover of the works: provisional (PHO, serah terima pertama) once the reports show 100%, then the maintenance
period with the retention held back from the contractor, then final (FHO, serah terima akhir) once that period is
over. Each moves the project's stage (serah_terima, then dihuni).

At the PHO the cooperative can set when the members' loans start: the first due date of every loan plan in force
for the project's allocated units that has no payment yet. A plan with payments keeps its date (changing it would
rewrite what the payments paid); those are listed, not changed. Each plan changed is audited on its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.audit import service as audit
from app.construction import service as construction
from app.construction.models import Construction
from app.errors import Conflict, Invalid
from app.loans import service as loans
from app.loans.models import InstalmentPlan
from app.meetings.models import UnitAllocation
from app.projects.models import Project, ProjectStage
from finance.instalment import FinanceError

REFERENCE_MAX = 100
MAINTENANCE_MAX_DAYS = 3650
HUNDRED = Decimal(100)


def retention(contract: Construction) -> int:
    """The part of the contract value held back through the maintenance period: whole rupiah, half up."""
    return int((Decimal(contract.contract_value) * Decimal(contract.retention_pct) / HUNDRED)
               .quantize(Decimal(1), rounding=ROUND_HALF_UP))


def maintenance_end(contract: Construction) -> date | None:
    """The day the maintenance period is over: the FHO and the retention's release from then on."""
    return contract.pho_on + timedelta(days=contract.maintenance_days) if contract.pho_on else None


def loan_plans(session: Session, project: Project, *, lock: bool = False) -> list[InstalmentPlan]:
    """The loan plans in force for the project's allocated units, by unit. `lock`: their rows stay locked until
    commit, so no payment is recorded between "has no payment yet" and moving its first due date (a payment locks
    its plan too)."""
    stmt = (select(InstalmentPlan).join(UnitAllocation, InstalmentPlan.allocation_id == UnitAllocation.id)
            .where(UnitAllocation.project_id == project.id, InstalmentPlan.in_force, InstalmentPlan.kind == "loan")
            .options(selectinload(InstalmentPlan.payments), selectinload(InstalmentPlan.allocation))
            .order_by(UnitAllocation.unit_code, InstalmentPlan.id))
    if lock:
        stmt = stmt.with_for_update(of=InstalmentPlan)
    return list(session.scalars(stmt))


@dataclass(frozen=True)
class FirstDues:
    unpaid: list[InstalmentPlan]  # would take the new first due date
    paid: list[InstalmentPlan]  # have payments: keep theirs

    @property
    def paid_units(self) -> list[str]:
        return [p.allocation.unit_code for p in self.paid]


def first_dues(session: Session, project: Project, *, lock: bool = False) -> FirstDues:
    plans = loan_plans(session, project, lock=lock)
    return FirstDues([p for p in plans if not p.payments], [p for p in plans if p.payments])


@dataclass(frozen=True)
class View:
    contract: Construction
    actual_pct: Decimal | None  # as of today
    retention: int
    maintenance_end: date | None
    fho_allowed: bool  # the maintenance period is over and no FHO yet
    plans: FirstDues | None  # before the PHO, for the form


def view(session: Session, project: Project, contract: Construction, today: date, *, with_plans: bool) -> View:
    state = construction.progress_of(session, project, today)
    end = maintenance_end(contract)
    return View(contract, state.project.assessment.actual_pct if state else None, retention(contract), end,
                end is not None and contract.fho_on is None and today >= end,
                first_dues(session, project) if with_plans and contract.pho_on is None else None)


def _day(value: str | None, field: str) -> date:
    try:
        return date.fromisoformat((value or "").strip())
    except ValueError:
        raise Invalid("Write the date as YYYY-MM-DD, e.g. 2026-11-01.", field=field) from None


def _reference(value: str | None, field: str) -> str:
    text = (value or "").strip()
    if not text or len(text) > REFERENCE_MAX:
        raise Invalid("Give the reference (number) of the berita acara, up to {n} characters.", field=field,
                      n=REFERENCE_MAX)
    return text


def _terms(contract: Construction, data: dict[str, str]) -> tuple[int, Decimal]:
    """The maintenance days and retention percent the form confirms (the contract's when left empty)."""
    days_text = (data.get("maintenance_days") or "").strip()
    if days_text and (not days_text.isdigit() or int(days_text) > MAINTENANCE_MAX_DAYS):
        raise Invalid("The maintenance period is a whole number of days from 0 to {high}.", field="maintenance_days",
                      high=MAINTENANCE_MAX_DAYS)
    pct_text = (data.get("retention_pct") or "").strip().replace(",", ".").removesuffix("%").strip()
    try:
        pct = Decimal(pct_text) if pct_text else Decimal(contract.retention_pct)
    except InvalidOperation:
        pct = None
    if pct is None or not pct.is_finite() or not 0 <= pct <= HUNDRED or pct != pct.quantize(Decimal("0.01")):
        raise Invalid("{value} is not a percentage from 0 to 100 with at most two decimals.", field="retention_pct",
                      value=pct_text[:20])
    return (int(days_text) if days_text else contract.maintenance_days), pct


@dataclass(frozen=True)
class PhoResult:
    plans_changed: int
    kept_units: list[str]  # units whose plans have payments and kept their first due date


def record_pho(session: Session, actor: Any, project: Project, data: dict[str, str], today: date) -> PhoResult:
    """The provisional handover: `pho_on`, `pho_reference`, optionally `first_due` for the members' loans."""
    contract = construction.get(session, project)
    if contract is None:
        raise Conflict("Construction of this project has not started.")
    if contract.pho_on is not None:
        raise Conflict("The provisional handover (PHO) was recorded on {date}.", date=contract.pho_on.isoformat())
    pho_on = _day(data.get("pho_on"), "pho_on")
    if pho_on > today:
        raise Invalid("A handover cannot be dated in the future.", field="pho_on")
    if pho_on < contract.started_on:
        raise Invalid("The handover is dated before construction started ({date}).", field="pho_on",
                      date=contract.started_on.isoformat())
    reference = _reference(data.get("pho_reference"), "pho_reference")
    days, pct = _terms(contract, data)
    state = construction.progress_of(session, project, pho_on)
    actual = state.project.assessment.actual_pct if state else Decimal(0)
    if actual < HUNDRED:
        raise Invalid("The provisional handover needs the works 100% complete: on {date} the reports show {actual}%.",
                      field="pho_on", date=pho_on.isoformat(), actual=str(actual))
    first_due_text = (data.get("first_due") or "").strip()
    first_due = _day(first_due_text, "first_due") if first_due_text else None
    if first_due is not None and first_due < pho_on:
        raise Invalid("The members' first instalment falls due on or after the handover ({date}).",
                      field="first_due", date=pho_on.isoformat())
    plans = first_dues(session, project, lock=first_due is not None)
    changing = [p for p in plans.unpaid if first_due is not None and p.first_due != first_due]
    if changing:
        _check_first_due(session, changing, first_due)

    stage_before = project.stage
    contract.pho_on, contract.pho_reference = pho_on, reference
    contract.maintenance_days, contract.retention_pct = days, pct
    project.stage = ProjectStage.SERAH_TERIMA.value
    for plan in changing:
        before = plan.first_due
        plan.first_due = first_due
        audit.record(session, actor=actor, action="plan.first_due", entity_type="instalment_plan",
                     entity_id=plan.id, cooperative_id=plan.cooperative_id,
                     changes={"first_due": {"old": before.isoformat(), "new": first_due.isoformat()},
                              "unit": plan.allocation.unit_code, "handover": reference})
    session.flush()
    kept = plans.paid_units if first_due is not None else []
    audit.record(session, actor=actor, action="construction.pho", entity_type="project", entity_id=project.id,
                 cooperative_id=project.cooperative_id,
                 changes={"pho_on": pho_on.isoformat(), "reference": reference, "maintenance_days": days,
                          "retention_pct": str(pct), "retention": retention(contract),
                          "stage": {"old": stage_before, "new": project.stage},
                          "first_due": first_due.isoformat() if first_due else None,
                          "plans_changed": len(changing), "plans_kept": len(kept)})
    return PhoResult(len(changing), kept)


def _check_first_due(session: Session, plans: list[InstalmentPlan], first_due: date) -> None:
    """Every plan must still work with the new date: its down payment (paid during construction) due before it,
    and a schedule the arithmetic accepts. One that does not refuses the whole handover form."""
    down_payments = {p.allocation_id: p for p in session.scalars(
        select(InstalmentPlan).where(InstalmentPlan.allocation_id.in_([p.allocation_id for p in plans]),
                                     InstalmentPlan.in_force, InstalmentPlan.kind == "down_payment"))}
    for plan in plans:
        unit = plan.allocation.unit_code
        down = down_payments.get(plan.allocation_id)
        if down is not None and down.first_due >= first_due:
            raise Invalid("Unit {unit}: its down payment starts on {date}, so the loan's first due date must come "
                          "after it.", field="first_due", unit=unit, date=down.first_due.isoformat())
        old = plan.first_due
        plan.first_due = first_due
        try:
            loans.schedule_of(plan)
        except FinanceError:
            raise Invalid("Unit {unit}: its loan cannot start on {date}.", field="first_due", unit=unit,
                          date=first_due.isoformat()) from None
        finally:
            plan.first_due = old


def record_fho(session: Session, actor: Any, project: Project, data: dict[str, str], today: date) -> Construction:
    """The final handover, once the maintenance period is over: `fho_on`, `fho_reference`."""
    contract = construction.get(session, project)
    if contract is None:
        raise Conflict("Construction of this project has not started.")
    if contract.pho_on is None:
        raise Conflict("The final handover (FHO) comes after the provisional one (PHO).")
    if contract.fho_on is not None:
        raise Conflict("The final handover (FHO) was recorded on {date}.", date=contract.fho_on.isoformat())
    fho_on = _day(data.get("fho_on"), "fho_on")
    if fho_on > today:
        raise Invalid("A handover cannot be dated in the future.", field="fho_on")
    end = maintenance_end(contract)
    if fho_on < end:
        raise Invalid("The maintenance period ends on {date}: the final handover (FHO) cannot be dated earlier.",
                      field="fho_on", date=end.isoformat())
    reference = _reference(data.get("fho_reference"), "fho_reference")
    stage_before = project.stage
    contract.fho_on, contract.fho_reference = fho_on, reference
    project.stage = ProjectStage.DIHUNI.value
    session.flush()
    audit.record(session, actor=actor, action="construction.fho", entity_type="project", entity_id=project.id,
                 cooperative_id=project.cooperative_id,
                 changes={"fho_on": fho_on.isoformat(), "reference": reference,
                          "retention_released": retention(contract),
                          "stage": {"old": stage_before, "new": project.stage}})
    return contract
