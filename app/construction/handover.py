"""Handover of the works: provisional (PHO, serah terima pertama) once the reports show 100%, then the maintenance
period with the retention held back from the contractor, then final (FHO, serah terima akhir) once that period is
over. Each moves the project's stage (serah_terima, then dihuni).

At the PHO the cooperative can set when the members' loans start: the first due date of every loan plan in force
for the project's allocated units that has no payment yet. A plan with payments keeps its date (changing it would
rewrite what the payments paid); those are listed, not changed. Each plan changed is audited on its own.

The rules (preconditions, retention, maintenance period, first due dates) are `progress.handover`'s; this module
loads the contract, the works' percent and the plans, asks it, and stores and audits the outcome.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.audit import service as audit
from app.construction import service as construction
from app.construction.models import Construction
from app.errors import Conflict, refusal
from app.loans.models import InstalmentPlan
from app.meetings.models import UnitAllocation
from app.projects.models import Project, ProjectStage
from progress import handover as rules
from progress.errors import ProgressError

T = TypeVar("T")
REFERENCE_MAX = rules.REFERENCE_MAX
MAINTENANCE_MAX_DAYS = rules.MAINTENANCE_MAX_DAYS
PhoIn = rules.PhoIn  # the forms as typed: what these services take
FhoIn = rules.FhoIn


def terms_of(contract: Construction) -> rules.Contract:
    """The contract as the handover rules see it."""
    return rules.Contract(contract.started_on, contract.contract_value, contract.retention_pct,
                          contract.maintenance_days, contract.pho_on, contract.fho_on)


def retention(contract: Construction) -> int:
    """The part of the contract value held back through the maintenance period: whole rupiah, half up."""
    return rules.retention(contract.contract_value, contract.retention_pct)


def maintenance_end(contract: Construction) -> date | None:
    """The day the maintenance period is over: the FHO and the retention's release from then on."""
    return rules.maintenance_end(contract.pho_on, contract.maintenance_days)


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
    return View(contract, state.project.assessment.actual_pct if state else None, retention(contract),
                maintenance_end(contract), rules.fho_allowed(terms_of(contract), today),
                first_dues(session, project) if with_plans and contract.pho_on is None else None)


@dataclass(frozen=True)
class PhoResult:
    plans_changed: int
    kept_units: list[str]  # units whose plans have payments and kept their first due date


def record_pho(session: Session, actor: Any, project: Project, given: PhoIn, today: date) -> PhoResult:
    """The provisional handover: its date and reference, the terms it confirms, optionally the members' loans' new
    first due date."""
    contract = construction.get(session, project)
    if contract is None:
        raise Conflict("Construction of this project has not started.")
    form = _ask(rules.pho, terms_of(contract), given, today)
    state = construction.progress_of(session, project, form.pho_on)
    _ask(rules.check_complete, form.pho_on, state.project.assessment.actual_pct if state else None)
    first_due = _ask(rules.first_due, given.first_due, form.pho_on)
    # Locked only when dates move: no payment is recorded between "has no payment yet" and the new date.
    plans = first_dues(session, project, lock=first_due is not None)
    decided = _ask(rules.first_dues, _loan_plans(session, plans.unpaid + plans.paid) if first_due else [], first_due)
    by_id = {p.id: p for p in plans.unpaid}
    changing = [by_id[p.key] for p in decided.changing]

    stage_before = project.stage
    contract.pho_on, contract.pho_reference = form.pho_on, form.reference
    contract.maintenance_days, contract.retention_pct = form.maintenance_days, form.retention_pct
    project.stage = ProjectStage.SERAH_TERIMA.value
    for plan in changing:
        before = plan.first_due
        plan.first_due = first_due
        audit.record(session, actor=actor, action="plan.first_due", entity_type="instalment_plan",
                     entity_id=plan.id, cooperative_id=plan.cooperative_id,
                     changes={"first_due": {"old": before.isoformat(), "new": first_due.isoformat()},
                              "unit": plan.allocation.unit_code, "handover": form.reference})
    session.flush()
    kept = list(decided.kept)
    audit.record(session, actor=actor, action="construction.pho", entity_type="project", entity_id=project.id,
                 cooperative_id=project.cooperative_id,
                 changes={"pho_on": form.pho_on.isoformat(), "reference": form.reference,
                          "maintenance_days": form.maintenance_days, "retention_pct": str(form.retention_pct),
                          "retention": retention(contract),
                          "stage": {"old": stage_before, "new": project.stage},
                          "first_due": first_due.isoformat() if first_due else None,
                          "plans_changed": len(changing), "plans_kept": len(kept)})
    return PhoResult(len(changing), kept)


def _ask(rule: Callable[..., T], *args: Any) -> T:
    """A rule's answer; its refusal as the app's own (Invalid or Conflict), as the pages and the CLI catch them."""
    try:
        return rule(*args)
    except ProgressError as exc:
        raise refusal(exc) from None


def _loan_plans(session: Session, plans: list[InstalmentPlan]) -> list[rules.LoanPlan]:
    """The plans as the first-due rules see them, each with its unit's down payment in force (if any)."""
    if not plans:
        return []
    down_payments = {p.allocation_id: p.first_due for p in session.scalars(
        select(InstalmentPlan).where(InstalmentPlan.allocation_id.in_([p.allocation_id for p in plans]),
                                     InstalmentPlan.in_force, InstalmentPlan.kind == "down_payment"))}
    return [rules.LoanPlan(p.id, p.allocation.unit_code, p.first_due, bool(p.payments), p.principal,
                           Decimal(p.annual_rate_pct) / 100, p.months, p.method, p.grace_months,
                           down_payments.get(p.allocation_id))
            for p in plans]


def record_fho(session: Session, actor: Any, project: Project, given: FhoIn, today: date) -> Construction:
    """The final handover, once the maintenance period is over: its date and reference."""
    contract = construction.get(session, project)
    if contract is None:
        raise Conflict("Construction of this project has not started.")
    form = _ask(rules.fho, terms_of(contract), given, today)
    stage_before = project.stage
    contract.fho_on, contract.fho_reference = form.fho_on, form.reference
    project.stage = ProjectStage.DIHUNI.value
    session.flush()
    audit.record(session, actor=actor, action="construction.fho", entity_type="project", entity_id=project.id,
                 cooperative_id=project.cooperative_id,
                 changes={"fho_on": form.fho_on.isoformat(), "reference": form.reference,
                          "retention_released": retention(contract),
                          "stage": {"old": stage_before, "new": project.stage}})
    return contract
