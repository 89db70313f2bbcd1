"""Instalment plans and payments: the app keeps the terms and the entries; `finance` does the arithmetic."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.audit import service as audit
from app.cooperatives.models import Cooperative
from app.cooperatives.policy import Policy, policy_of
from app.designs import service as designs
from app.errors import Conflict, Invalid, NotFound
from app.loans.models import InstalmentPlan, PaymentEntry
from app.meetings.models import AllocationMeeting, UnitAllocation
from finance.arrears import Arrears, CollectibilityClass, Summary, arrears, classify, portfolio_summary
from finance.instalment import METHODS, FinanceError, Instalment, schedule
from finance.ledger import LedgerState, Payment, apply_payments


def schedule_of(plan: InstalmentPlan) -> list[Instalment]:
    return schedule(plan.principal, Decimal(plan.annual_rate_pct) / 100, plan.months, plan.method,
                    grace_months=plan.grace_months, first_due=plan.first_due)


def _entries(plan: InstalmentPlan, extra: PaymentEntry | None = None) -> list[Payment]:
    rows = list(plan.payments) + ([extra] if extra is not None else [])
    return [Payment(e.paid_on, e.amount, e.reference, e.reversal_of, e.reason or "") for e in rows]


def ledger(plan: InstalmentPlan, as_of: date, policy: Policy | None = None) -> LedgerState:
    """The plan as it stood on `as_of`: entries made later (a reversal included) do not count yet.
    Late charges and the order a payment pays them follow the cooperative's policy."""
    policy = policy or Policy()
    return apply_payments(schedule_of(plan), [p for p in _entries(plan) if p.date <= as_of], as_of=as_of,
                          order=policy.order, late_policy=policy.late)


@dataclass(frozen=True)
class PlanState:
    plan: InstalmentPlan
    ledger: LedgerState
    arrears: Arrears
    collectibility: CollectibilityClass


def state(plan: InstalmentPlan, as_of: date, policy: Policy | None = None) -> PlanState:
    policy = policy or Policy()
    book = ledger(plan, as_of, policy)
    owed = arrears(book)
    return PlanState(plan, book, owed, classify(owed, policy.preset, policy.thresholds))


def get(session: Session, cooperative_id: int, plan_id: int) -> InstalmentPlan:
    plan = session.scalar(select(InstalmentPlan).where(InstalmentPlan.id == plan_id,
                                                       InstalmentPlan.cooperative_id == cooperative_id)
                          .options(selectinload(InstalmentPlan.payments), selectinload(InstalmentPlan.member),
                                   selectinload(InstalmentPlan.allocation)))
    if plan is None:
        raise NotFound("No instalment plan found at this address.")
    return plan


def plans_of_meeting(session: Session, meeting: AllocationMeeting) -> dict[int, InstalmentPlan]:
    """The plan in force per allocation of this meeting."""
    rows = session.scalars(select(InstalmentPlan).join(UnitAllocation)
                           .where(UnitAllocation.meeting_id == meeting.id, InstalmentPlan.in_force))
    return {p.allocation_id: p for p in rows}


def unit_price(session: Session, meeting: AllocationMeeting, unit_code: str) -> int:
    cost = designs.compute(session, meeting.scenario)
    return dict(zip((u.code for u in cost.units), cost.unit_costs, strict=True))[unit_code]


def _whole(value: str, field: str, low: int = 0) -> int:
    text = (value or "").strip().replace(".", "").replace("Rp", "").replace(" ", "")
    if not text.isdigit() or int(text) < low:
        raise Invalid("{value} is not a whole number.", field=field, value=value)
    return int(text)


def create_plan(session: Session, actor: Any, allocation: UnitAllocation, meeting: AllocationMeeting,
                data: dict[str, str]) -> InstalmentPlan:
    """A first plan for an allocated unit, priced at the unit's cost in the meeting's scenario."""
    if session.scalar(select(InstalmentPlan.id).where(InstalmentPlan.allocation_id == allocation.id,
                                                      InstalmentPlan.in_force)):
        raise Conflict("This unit has an instalment plan already.")
    price = unit_price(session, meeting, allocation.unit_code)
    grants, down = _whole(data.get("grants", "0"), "grants"), _whole(data.get("down_payment", "0"), "down_payment")
    method = data.get("method") or "annuity"
    if method not in METHODS:
        raise Invalid("Choose how the loan is repaid.", field="method")
    try:
        rate = Decimal((data.get("annual_rate_pct") or "0").replace(",", "."))
        first_due = date.fromisoformat((data.get("first_due") or "").strip())
    except (ArithmeticError, ValueError):
        raise Invalid("Write the rate as a number and the date as YYYY-MM-DD.", field="first_due") from None
    months, grace = _whole(data.get("months", ""), "months", 1), _whole(data.get("grace_months", "0"), "grace_months")
    if grants + down > price:
        raise Invalid("Grants and down payment together exceed the price of the unit.", field="down_payment")
    plan = InstalmentPlan(cooperative_id=meeting.project.cooperative_id, allocation=allocation,
                          member_id=allocation.member_id, price=price, grants=grants, down_payment=down,
                          principal=price - grants - down, method=method, annual_rate_pct=rate, months=months,
                          grace_months=grace, first_due=first_due)
    try:
        schedule_of(plan)  # terms the arithmetic refuses are refused here, before anything is stored
    except FinanceError as exc:
        raise Invalid("These loan terms cannot be used: {what}.", field=exc.field or "months",
                      what=exc.field or "-") from None
    session.add(plan)
    session.flush()
    audit.record(session, actor=actor, action="plan.create", entity_type="instalment_plan", entity_id=plan.id,
                 cooperative_id=plan.cooperative_id,
                 changes={"unit": allocation.unit_code, "principal": plan.principal, "method": method,
                          "months": months})
    return plan


def create_plans_for_meeting(session: Session, actor: Any, meeting: AllocationMeeting, data: dict[str, str]) -> int:
    """A plan for every unit of a confirmed meeting that has none yet, on the same terms; the down payment is
    a percentage of each unit's price. All or none: one refused plan leaves every unit without."""
    if meeting.status != "confirmed":
        raise Conflict("Only a confirmed meeting's allocations get instalment plans.")
    try:
        down_pct = Decimal((data.get("down_payment_pct") or "0").replace(",", "."))
    except ArithmeticError:
        raise Invalid("{value} is not a number.", field="down_payment_pct",
                      value=data.get("down_payment_pct")) from None
    if not 0 <= down_pct <= 100:
        raise Invalid("{value} is outside {low} to {high}.", field="down_payment_pct", value=down_pct, low=0, high=100)
    existing = plans_of_meeting(session, meeting)
    allocations = session.scalars(select(UnitAllocation).where(UnitAllocation.meeting_id == meeting.id,
                                                               UnitAllocation.in_force))
    created = 0
    for allocation in allocations:
        if allocation.id in existing:
            continue
        price = unit_price(session, meeting, allocation.unit_code)
        grants = min(_whole(data.get("grants", "0"), "grants"), price)
        down = int(((price - grants) * down_pct / 100).to_integral_value())  # whole rupiah, half-even
        create_plan(session, actor, allocation, meeting, {**data, "grants": str(grants), "down_payment": str(down)})
        created += 1
    return created


def _add_entry(session: Session, actor: Any, plan: InstalmentPlan, entry: PaymentEntry, action: str,
               today: date) -> PaymentEntry:
    if session.scalar(select(PaymentEntry.id).where(PaymentEntry.cooperative_id == plan.cooperative_id,
                                                    PaymentEntry.reference == entry.reference)):
        raise Conflict("The reference {reference} is used already; each payment has its own.", field="reference",
                       reference=entry.reference)
    policy = policy_of(session, plan.cooperative_id)
    try:
        apply_payments(schedule_of(plan), _entries(plan, entry), as_of=today, order=policy.order,
                       late_policy=policy.late)
    except FinanceError as exc:
        raise Invalid("This payment cannot be recorded ({what}): check its date, amount and reference.",
                      field=exc.field or "amount", what=exc.field or "-") from None
    plan.payments.append(entry)
    session.flush()
    audit.record(session, actor=actor, action=action, entity_type="instalment_plan", entity_id=plan.id,
                 cooperative_id=plan.cooperative_id,
                 changes={"reference": entry.reference, "amount": entry.amount, "date": entry.paid_on.isoformat(),
                          "reversal_of": entry.reversal_of})
    return entry


def record_payment(session: Session, actor: Any, plan: InstalmentPlan, data: dict[str, str], today: date):
    reference = (data.get("reference") or "").strip()
    if not reference or len(reference) > 64:
        raise Invalid("Give the payment's reference (receipt or transfer number).", field="reference")
    try:
        paid_on = date.fromisoformat((data.get("paid_on") or "").strip())
    except ValueError:
        raise Invalid("Write the date as YYYY-MM-DD, e.g. 2026-11-01.", field="paid_on") from None
    if paid_on > today:
        raise Invalid("A payment cannot be dated in the future.", field="paid_on")
    amount = _whole(data.get("amount", ""), "amount", 1)
    entry = PaymentEntry(cooperative_id=plan.cooperative_id, paid_on=paid_on, amount=amount, reference=reference)
    return _add_entry(session, actor, plan, entry, "payment.record", today)


def reverse_payment(session: Session, actor: Any, plan: InstalmentPlan, data: dict[str, str], today: date):
    original = next((e for e in plan.payments if e.reference == data.get("reversal_of")), None)
    reason = (data.get("reason") or "").strip()
    if original is None:
        raise Invalid("Choose the payment to reverse.", field="reversal_of")
    if not reason:
        raise Invalid("A reversal needs its reason.", field="reason")
    entry = PaymentEntry(cooperative_id=plan.cooperative_id, paid_on=today, amount=original.amount,
                         reference=f"{original.reference}-R", reversal_of=original.reference, reason=reason[:500])
    return _add_entry(session, actor, plan, entry, "payment.reverse", today)


def cooperative_arrears(session: Session, coop: Cooperative, as_of: date,
                        preset: str | None = None) -> tuple[list[PlanState], Summary]:
    """Every plan in force and the cooperative's summary; `preset` overrides the cooperative's own (its
    thresholds then are the preset's)."""
    policy = policy_of(session, coop)
    if preset is not None and preset != policy.preset:
        policy = replace(policy, preset=preset, thresholds=None)
    plans = session.scalars(select(InstalmentPlan).where(InstalmentPlan.cooperative_id == coop.id,
                                                         InstalmentPlan.in_force)
                            .options(selectinload(InstalmentPlan.payments), selectinload(InstalmentPlan.member),
                                     selectinload(InstalmentPlan.allocation))
                            .order_by(InstalmentPlan.id))
    states = [state(p, as_of, policy) for p in plans]
    summary = portfolio_summary([(s.collectibility, s.arrears.outstanding_principal) for s in states],
                                policy.preset, name=coop.name)
    return states, summary
