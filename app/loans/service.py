"""Instalment plans and payments: the app keeps the terms and the entries; `finance` does the arithmetic."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.audit import service as audit
from app.cooperatives.models import Cooperative
from app.cooperatives.policy import Policy, policy_of
from app.designs import service as designs
from app.errors import Conflict, Invalid, NotFound
from app.loans.models import InstalmentPlan, PaymentEntry
from app.meetings.models import AllocationMeeting, UnitAllocation
from app.members.models import Member
from finance.arrears import Arrears, CollectibilityClass, Summary, arrears, classify, portfolio_summary, roll_up
from finance.instalment import METHODS, FinanceError, Instalment, schedule
from finance.ledger import (
    ADVANCE_MONTHS,
    LARGE_PAYMENT_FACTOR,
    LedgerState,
    Payment,
    apply_payments,
    far_above,
    payment_expected,
    plan_start,
)
from kernel import limits

if TYPE_CHECKING:
    from app.loans.importing import PaymentRow


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


def plans_of_meeting(session: Session, meeting: AllocationMeeting, kind: str = "loan") -> dict[int, InstalmentPlan]:
    """The plan of this kind in force per allocation of this meeting."""
    rows = session.scalars(select(InstalmentPlan).join(UnitAllocation)
                           .where(UnitAllocation.meeting_id == meeting.id, InstalmentPlan.in_force,
                                  InstalmentPlan.kind == kind))
    return {p.allocation_id: p for p in rows}


def versions(session: Session, plan: InstalmentPlan) -> list[InstalmentPlan]:
    """Every version of this plan's kind for its unit, oldest first: a restructuring's history."""
    return list(session.scalars(select(InstalmentPlan).where(InstalmentPlan.allocation_id == plan.allocation_id,
                                                             InstalmentPlan.kind == plan.kind)
                                .order_by(InstalmentPlan.version)))


def companion(session: Session, plan: InstalmentPlan) -> InstalmentPlan | None:
    """The other plan in force for the same unit: the down payment of a loan, or the loan of a down payment."""
    other = "down_payment" if plan.kind == "loan" else "loan"
    return session.scalar(select(InstalmentPlan).where(InstalmentPlan.allocation_id == plan.allocation_id,
                                                       InstalmentPlan.kind == other, InstalmentPlan.in_force))


def unit_price(session: Session, meeting: AllocationMeeting, unit_code: str) -> int:
    cost = designs.compute(session, meeting.scenario)
    return dict(zip((u.code for u in cost.units), cost.unit_costs, strict=True))[unit_code]


# A payment's reference may fill its column: a reversal's own is derived to fit (`reversal_reference`).
REFERENCE_LIMIT = limits.REFERENCE


@dataclass(frozen=True)
class PaymentIn:
    """A payment as an officer records it (or a row of an imported file)."""

    paid_on: date
    amount: int  # whole rupiah, 1 to limits.PAYMENT_MAX
    reference: str  # receipt or transfer number, unique in the cooperative


class AmountToConfirm(Invalid):
    """A payment far above what its plan expects that day (`finance.ledger.far_above`): nothing is stored until the
    officer confirms it. `amount` and `expected` are for the form that asks."""

    def __init__(self, amount: int, expected: int) -> None:
        super().__init__("Rp{amount} is more than {factor} times what is due on this plan that day (Rp{expected}). "
                         "Check the amount: if it is right (an early settlement, a payment ahead), confirm it below.",
                         field="amount", amount=amount, factor=LARGE_PAYMENT_FACTOR, expected=expected)
        self.amount, self.expected = amount, expected


@dataclass(frozen=True)
class ReversalIn:
    reversal_of: str  # the reference of the payment reversed (unique in the cooperative)
    reason: str


@dataclass(frozen=True)
class LoanTerms:
    """The terms of a unit's first plan. `down_payment_months` > 0 spreads the down payment over months during
    construction, from `down_payment_first_due`."""

    method: str
    annual_rate_pct: Decimal
    months: int
    first_due: date
    grace_months: int = 0
    grants: int = 0
    down_payment: int = 0
    down_payment_months: int = 0
    down_payment_first_due: date | None = None


@dataclass(frozen=True)
class RestructuringIn:
    reason: str
    months: int
    first_due: date
    grace_months: int = 0
    method: str | None = None  # None: the plan's own
    annual_rate_pct: Decimal | None = None  # None: the plan's own


def create_plan(session: Session, actor: Any, allocation: UnitAllocation, meeting: AllocationMeeting,
                terms: LoanTerms) -> InstalmentPlan:
    """A first plan for an allocated unit, priced at the unit's cost in the meeting's scenario."""
    if session.scalar(select(InstalmentPlan.id).where(InstalmentPlan.allocation_id == allocation.id,
                                                      InstalmentPlan.in_force, InstalmentPlan.kind == "loan")):
        raise Conflict("This unit has an instalment plan already.")
    price = unit_price(session, meeting, allocation.unit_code)
    grants, down, method, rate = terms.grants, terms.down_payment, terms.method, terms.annual_rate_pct
    first_due, months, grace = terms.first_due, terms.months, terms.grace_months
    if method not in METHODS:
        raise Invalid("Choose how the loan is repaid.", field="method")
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
    if terms.down_payment_months and down:
        _down_payment_plan(session, actor, plan, terms.down_payment_months, terms.down_payment_first_due)
    return plan


def _down_payment_plan(session: Session, actor: Any, loan: InstalmentPlan, months: int, start: date | None) -> None:
    """The down payment paid in equal monthly parts during construction: a plan of its own (no interest), so its
    payments, arrears and statement work as a loan's do."""
    if start is None:
        raise Invalid("Give the first due date of the down payment as YYYY-MM-DD.", field="down_payment_first_due")
    if start >= loan.first_due:
        raise Invalid("The down payment is paid during construction: its first due date comes before the loan's.",
                      field="down_payment_first_due")
    plan = InstalmentPlan(cooperative_id=loan.cooperative_id, allocation=loan.allocation, member_id=loan.member_id,
                          kind="down_payment", price=loan.price, grants=loan.grants, down_payment=loan.down_payment,
                          principal=loan.down_payment, method="none", annual_rate_pct=Decimal(0), months=months,
                          grace_months=0, first_due=start)
    try:
        schedule_of(plan)
    except FinanceError as exc:
        raise Invalid("These loan terms cannot be used: {what}.", field="down_payment_months",
                      what=exc.field or "-") from None
    session.add(plan)
    session.flush()
    audit.record(session, actor=actor, action="plan.create", entity_type="instalment_plan", entity_id=plan.id,
                 cooperative_id=plan.cooperative_id,
                 changes={"unit": loan.allocation.unit_code, "kind": "down_payment", "principal": plan.principal,
                          "months": months})


def create_plans_for_meeting(session: Session, actor: Any, meeting: AllocationMeeting, terms: LoanTerms,
                             down_payment_pct: Decimal) -> int:
    """A plan for every unit of a confirmed meeting that has none yet, on the same terms; the down payment is
    a percentage of each unit's price. All or none: one refused plan leaves every unit without."""
    if meeting.status != "confirmed":
        raise Conflict("Only a confirmed meeting's allocations get instalment plans.")
    if not (down_payment_pct.is_finite() and 0 <= down_payment_pct <= 100):
        raise Invalid("{value} is outside {low} to {high}.", field="down_payment_pct", value=str(down_payment_pct),
                      low=0, high=100)
    existing = plans_of_meeting(session, meeting)
    allocations = session.scalars(select(UnitAllocation).where(UnitAllocation.meeting_id == meeting.id,
                                                               UnitAllocation.in_force))
    created = 0
    for allocation in allocations:
        if allocation.id in existing:
            continue
        price = unit_price(session, meeting, allocation.unit_code)
        grants = min(terms.grants, price)
        # Whole rupiah, half up: the rule of every rupiah figure here, and the one the affordability check uses.
        down = int(((price - grants) * down_payment_pct / 100).to_integral_value(rounding=ROUND_HALF_UP))
        create_plan(session, actor, allocation, meeting, replace(terms, grants=grants, down_payment=down))
        created += 1
    return created


# What the ledger may still refuse once the service's own checks passed (entries stored before a rule changed, a
# caller that skipped them), by the ledger's field: the form's field and the words that name it.
_LEDGER_REFUSED = ("amount", "This payment cannot be recorded: check its date, amount and reference.")
_LEDGER_REFUSALS = {
    "date": ("paid_on", "This payment cannot be recorded on this date: check the date."),
    "amount": ("amount", "This payment cannot be recorded with this amount: check the amount."),
    "reference": ("reference", "This payment cannot be recorded under this reference: check the reference."),
    "reversal_of": ("reversal_of", "This payment cannot be reversed: choose another payment."),
    "reason": ("reason", "A reversal needs its reason."),
}


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
        # The ledger names its field in code ("date"); the officer reads which of the form's fields to check.
        form_field, msgid = _LEDGER_REFUSALS.get(exc.field or "", _LEDGER_REFUSED)
        raise Invalid(msgid, field=form_field) from None
    plan.payments.append(entry)
    session.flush()
    audit.record(session, actor=actor, action=action, entity_type="instalment_plan", entity_id=plan.id,
                 cooperative_id=plan.cooperative_id,
                 changes={"reference": entry.reference, "amount": entry.amount, "date": entry.paid_on.isoformat(),
                          "reversal_of": entry.reversal_of, "reverses": entry.reverses_id})
    return entry


def _lock(session: Session, plan: InstalmentPlan) -> None:
    """The plan row locked until commit (PostgreSQL; SQLite writes one at a time anyway): a payment and a
    restructuring of the same plan never interleave, so no payment lands on a version that has just ended."""
    session.flush()  # a refresh would drop changes not yet written
    session.refresh(plan, attribute_names=["in_force"], with_for_update=True)
    # Read after the lock: what another officer stored while this one waited counts (PostgreSQL reads each
    # statement afresh; the payments loaded with the page came before the wait).
    session.refresh(plan, attribute_names=["payments"])


def record_payment(session: Session, actor: Any, plan: InstalmentPlan, payment: PaymentIn, today: date,
                   action: str = "payment.record", *, confirmed: bool = False):
    """Records a payment. One dated before the first due date is an advance, applied as the instalments fall due;
    one far above what the plan expects that day raises `AmountToConfirm` unless `confirmed`."""
    _lock(session, plan)
    if not plan.in_force:
        raise Conflict("This version of the plan has ended; record payments on the version in force.")
    reference = payment.reference.strip()
    if not reference or len(reference) > REFERENCE_LIMIT:
        raise Invalid("Give the payment's reference (receipt or transfer number).", field="reference")
    if payment.paid_on > today:
        raise Invalid("A payment cannot be dated in the future.", field="paid_on")
    # The form and the import refuse it first, in their words; this holds every other caller (a script, an API).
    if not 1 <= payment.amount <= limits.PAYMENT_MAX:
        raise Invalid("The amount must lie between Rp{low} and Rp{high}.", field="amount", low=1,
                      high=limits.PAYMENT_MAX)
    rows = schedule_of(plan)
    start = plan_start(rows)
    if payment.paid_on < start:
        raise Invalid("A payment on this plan can be dated from {start} on ({months} months before its first due "
                      "date, {first_due}); money paid ahead is kept and applied as the instalments fall due.",
                      field="paid_on",
                      start=start.isoformat(), months=ADVANCE_MONTHS, first_due=rows[0].due.isoformat())
    if not confirmed:
        policy = policy_of(session, plan.cooperative_id)
        book = apply_payments(rows, [p for p in _entries(plan) if p.date <= today], as_of=today, order=policy.order,
                              late_policy=policy.late)
        expected = payment_expected(book, payment.paid_on)
        if far_above(payment.amount, expected):
            raise AmountToConfirm(payment.amount, expected)
    entry = PaymentEntry(cooperative_id=plan.cooperative_id, paid_on=payment.paid_on, amount=payment.amount,
                         reference=reference)
    return _add_entry(session, actor, plan, entry, action, today)


def plans_of_members(session: Session, coop: Cooperative,
                     numbers: Iterable[str]) -> dict[tuple[str, str], list[InstalmentPlan]]:
    """The plans in force of these members, by (member number, kind), with their payments."""
    found: dict[tuple[str, str], list[InstalmentPlan]] = {}
    wanted = sorted(set(numbers))
    for start in range(0, len(wanted), 500):  # a long file in parts: databases cap a statement's parameters
        plans = session.scalars(select(InstalmentPlan).join(Member, InstalmentPlan.member_id == Member.id)
                                .where(InstalmentPlan.cooperative_id == coop.id, InstalmentPlan.in_force,
                                       Member.number.in_(wanted[start:start + 500]))
                                .options(selectinload(InstalmentPlan.payments), selectinload(InstalmentPlan.member),
                                         selectinload(InstalmentPlan.allocation))
                                .order_by(InstalmentPlan.id))
        for plan in plans:
            found.setdefault((plan.member.number, plan.kind), []).append(plan)
    return found


def import_payments(session: Session, actor: Any, coop: Cooperative, rows: Sequence[PaymentRow],
                    today: date) -> int:
    """The payments of an imported file (checked by `app.loans.importing`), each recorded as a single payment is,
    in date order, with "payment.import" in the audit trail. The first one refused raises, and the caller's
    rollback then leaves none of them stored."""
    plans = plans_of_members(session, coop, (row.number for row in rows))
    for row in sorted(rows, key=lambda r: (r.paid_on, r.row)):
        found = plans.get((row.number, row.kind), [])
        if len(found) != 1:
            raise Invalid("Member {number} has no single plan in force for this payment.", field="number",
                          number=row.number)
        # Amounts far above what is due were shown as warnings in the preview: confirming it confirms them.
        record_payment(session, actor, found[0], PaymentIn(row.paid_on, row.amount, row.reference), today,
                       action="payment.import", confirmed=True)
    return len(rows)


def reverse_payment(session: Session, actor: Any, plan: InstalmentPlan, reversal: ReversalIn, today: date):
    _lock(session, plan)
    if not plan.in_force:
        # The version in force was priced from this one's payments: reversing one here would change what is owed
        # there without anyone seeing it. The treasurer settles it on the version in force instead.
        raise Conflict("This version of the plan has ended; its payments are part of the version in force.")
    original = next((e for e in plan.payments if e.reference == reversal.reversal_of), None)
    reason = reversal.reason.strip()
    if original is None or original.reverses_id is not None or original.reversal_of is not None:
        raise Invalid("Choose the payment to reverse.", field="reversal_of")  # a reversal is not reversed
    # By id, read after the plan's lock: what another officer reversed while this one waited counts, and no
    # payment's reference (a payment may be called "X-R") can pass for a reversal of X.
    if any(e.reverses_id == original.id for e in plan.payments):
        raise Conflict("This payment has been reversed already.", field="reversal_of")
    if not reason:
        raise Invalid("A reversal needs its reason.", field="reason")
    if len(reason) > limits.REASON:
        raise Invalid("At most {limit} characters.", field="reason", limit=limits.REASON)
    entry = PaymentEntry(cooperative_id=plan.cooperative_id, paid_on=today, amount=original.amount,
                         reference=reversal_reference(session, plan.cooperative_id, original.reference),
                         reversal_of=original.reference, reverses_id=original.id, reason=reason)
    return _add_entry(session, actor, plan, entry, "payment.reverse", today)


def reversal_reference(session: Session, cooperative_id: int, reference: str) -> str:
    """A reversal's own reference: the payment's with "-R" (KW-0001-R), its end cut off to fit the column when the
    payment's fills it, and numbered (-R2, -R3, ...) when a payment holds that one already. Unique in the
    cooperative, as every reference is; a label for people and the ledger, never parsed (`reverses_id` links)."""
    for n in range(1, 1000):
        suffix = "-R" if n == 1 else f"-R{n}"
        candidate = reference[:limits.REFERENCE - len(suffix)] + suffix
        if session.scalar(select(PaymentEntry.id).where(PaymentEntry.cooperative_id == cooperative_id,
                                                        PaymentEntry.reference == candidate)) is None:
            return candidate
    raise Conflict("The reference {reference} is used already; each payment has its own.", field="reversal_of",
                   reference=reference)


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


def restructure(session: Session, actor: Any, plan: InstalmentPlan, change: RestructuringIn,
                today: date) -> InstalmentPlan:
    """A new version of the plan from what is still owed today: a longer tenor, a payment holiday (grace months),
    other terms. The old version ends, keeps its payments, and stays readable; the new one supersedes it."""
    _lock(session, plan)
    if not plan.in_force:
        raise Conflict("This version of the plan has ended already.")
    reason = change.reason.strip()
    if not reason:
        raise Invalid("A restructuring needs its reason (the board's decision).", field="reason")
    if len(reason) > limits.REASON:  # refused, never cut: the decision is recorded as the board wrote it
        raise Invalid("At most {limit} characters.", field="reason", limit=limits.REASON)
    book = ledger(plan, today, policy_of(session, plan.cooperative_id))
    if plan.method in ("murabahah", "none"):
        # A murabahah sale price is fixed at the contract: rescheduling spreads what remains of it and never adds
        # margin (DSN-MUI fatwa 48/2005), so the new version carries no interest.
        owed = sum(row.unpaid for row in book.instalments) - book.credit
        method, rate = "none", Decimal(0)
    else:
        overdue_interest = sum(row.interest_unpaid for row in book.instalments if row.due < today)
        owed = book.outstanding_principal + overdue_interest - book.credit  # overdue interest is capitalised
        method = change.method or plan.method
        if method not in METHODS or method == "murabahah":
            raise Invalid("Choose how the loan is repaid.", field="method")
        rate = change.annual_rate_pct if change.annual_rate_pct is not None else Decimal(plan.annual_rate_pct)
    if owed <= 0:
        raise Conflict("Nothing is left to pay on this plan; there is nothing to restructure.")
    months, grace, first_due = change.months, change.grace_months, change.first_due
    if first_due <= today:
        raise Invalid("The new version's first due date comes after today.", field="first_due")
    new = InstalmentPlan(cooperative_id=plan.cooperative_id, allocation_id=plan.allocation_id, member_id=plan.member_id,
                         kind=plan.kind, version=plan.version + 1, supersedes_id=plan.id, change_reason=reason,
                         price=plan.price, grants=plan.grants, down_payment=plan.down_payment, principal=owed,
                         method=method, annual_rate_pct=rate, months=months, grace_months=grace, first_due=first_due)
    try:
        schedule_of(new)
    except FinanceError as exc:
        raise Invalid("These loan terms cannot be used: {what}.", field=exc.field or "months",
                      what=exc.field or "-") from None
    plan.in_force, plan.ended_on = False, today
    session.flush()  # the old version leaves the "one in force" index before the new one enters it
    session.add(new)
    session.flush()
    audit.record(session, actor=actor, action="plan.restructure", entity_type="instalment_plan", entity_id=new.id,
                 cooperative_id=plan.cooperative_id,
                 changes={"supersedes": plan.id, "version": new.version, "principal": owed, "method": method,
                          "months": months, "grace_months": grace, "reason_chars": len(reason)})
    return new


def japra_arrears(session: Session, as_of: date, preset: str = "koperasi") -> tuple[list[Summary], Summary]:
    """Every cooperative's summary under one preset, and their sum for Japra. Counts and amounts only: no member
    appears here. A cooperative whose own preset is this one keeps its own thresholds."""
    coops = session.scalars(select(Cooperative).order_by(Cooperative.name)).all()
    summaries = [cooperative_arrears(session, coop, as_of, preset)[1] for coop in coops]
    return summaries, roll_up(summaries, name="Japra")
