"""A member's kartu angsuran (A4, always in Bahasa Indonesia): the terms of one instalment plan, the whole
schedule with what each instalment has been paid and when it was settled, every payment and reversal, and
where the member stands on a date (paid, outstanding, overdue, days past due, collectibility class, late
charges, credit paid ahead), with the treasurer's signature.

Everything comes from `app.loans.service.state`, the same figures as the plan page, so paper and screen
agree. Entries dated after the statement's date are left out, as the ledger leaves them out. It names the
member, so it is an internal document of the cooperative, never public.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app import labels
from app.cooperatives.models import Cooperative
from app.cooperatives.policy import Policy, policy_of
from app.designs.proposal import css_string, page_counter_css
from app.documents.pdf import render_pdf
from app.errors import Invalid
from app.i18n import JAKARTA
from app.labels import N_
from app.loans import service as loans
from app.loans.models import InstalmentPlan, PaymentEntry
from app.members.models import Member
from app.projects.models import Project

TEMPLATE = "pdf/statement.html"
# The statement is the member's own paper: Indonesian whatever language the officer's screen is in.
LOCALE = "id"
PLAN_KINDS = {"loan": N_("Loan"), "down_payment": N_("Down payment in instalments")}
YEARS = (2000, 2199)  # a statement dated outside a housing loan's life is a typing mistake
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True, slots=True)
class ScheduleRow:
    number: int
    due: date
    principal: int
    interest: int
    instalment: int
    balance: int  # principal outstanding after this instalment, as scheduled
    paid: int  # principal and interest paid to it so far
    late_charge: int  # charged up to the statement's date
    settled_on: date | None
    overdue: bool


@dataclass(frozen=True, slots=True)
class EntryRow:
    paid_on: date
    reference: str
    amount: int
    reversal_of: str | None
    reason: str | None
    reversed_by: str | None  # the reference of the reversal that cancelled this payment


def statement_date(raw: str | None, today: date) -> date:
    """The statement's date from what was typed (YYYY-MM-DD); `today` when nothing was."""
    text = (raw or "").strip()
    if not text:
        return today
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise Invalid("Write the date as YYYY-MM-DD, e.g. 2026-11-01.", field="as_of") from None
    low, high = YEARS
    if not low <= day.year <= high:
        raise Invalid("{value} is outside {low} to {high}.", field="as_of", value=text, low=low, high=high)
    return day


def short_date(day: date) -> str:
    """25-01-2026: a long schedule needs narrow columns, and this is how Indonesian forms write a date."""
    return day.strftime("%d-%m-%Y")


def statement_filename(plan: InstalmentPlan, as_of: date) -> str:
    """kartu-angsuran-KNR-001-2026-11-30.pdf; a down-payment plan says so, so both fit in one folder."""
    number = _UNSAFE.sub("-", plan.member.number).strip("-") or str(plan.member_id)
    kind = "-uang-muka" if plan.kind == "down_payment" else ""
    return f"kartu-angsuran-{number}{kind}-{as_of.isoformat()}.pdf"


def plans_in_force(session: Session, cooperative: Cooperative,
                   member_number: str | None = None) -> list[InstalmentPlan]:
    """The plans in force of a cooperative (or of one of its members), by member number, loan first."""
    stmt = (select(InstalmentPlan).join(Member, Member.id == InstalmentPlan.member_id)
            .where(InstalmentPlan.cooperative_id == cooperative.id, InstalmentPlan.in_force)
            .options(selectinload(InstalmentPlan.payments), selectinload(InstalmentPlan.member),
                     selectinload(InstalmentPlan.allocation))
            .order_by(Member.number, InstalmentPlan.kind.desc(), InstalmentPlan.id))
    if member_number is not None:
        stmt = stmt.where(Member.number == member_number)
    return list(session.scalars(stmt))


def _rows(state: loans.PlanState) -> list[ScheduleRow]:
    as_of = state.ledger.as_of
    return [ScheduleRow(number=row.number, due=row.due, principal=row.principal, interest=row.interest,
                        instalment=row.principal + row.interest, balance=planned.balance,
                        paid=row.principal_paid + row.interest_paid, late_charge=row.late_charge,
                        settled_on=row.settled_on, overdue=row.due < as_of and not row.is_paid)
            for row, planned in zip(state.ledger.instalments, state.ledger.schedule, strict=True)]


def _entries(plan: InstalmentPlan, state: loans.PlanState) -> list[EntryRow]:
    counted: list[PaymentEntry] = sorted((e for e in plan.payments if e.paid_on <= state.ledger.as_of),
                                         key=lambda e: (e.paid_on, e.id))
    return [EntryRow(e.paid_on, e.reference, e.amount, e.reversal_of, e.reason, state.ledger.reversed.get(e.reference))
            for e in counted]


def statement_html(session: Session, plan: InstalmentPlan, as_of: date, *, policy: Policy | None = None,
                   printed_on: date | None = None, locale: str = LOCALE) -> str:
    """The HTML of the statement; `statement_pdf` prints it. `policy` saves a query per plan in a bulk run."""
    from app.web.templating import environment

    cooperative = session.get(Cooperative, plan.cooperative_id)
    policy = policy or policy_of(session, cooperative)
    state = loans.state(plan, as_of, policy)
    project = session.get(Project, plan.allocation.project_id)
    rows = _rows(state)
    cooperative_name = cooperative.legal_name or cooperative.name
    context: dict[str, Any] = {
        "locale": locale,
        "cooperative": cooperative,
        "cooperative_name": cooperative_name,
        "project": project,
        "plan": plan,
        "member": plan.member,
        "kind_label": PLAN_KINDS.get(plan.kind, plan.kind),
        "method_label": labels.LOAN_METHODS.get(plan.method, plan.method),
        "state": state,
        "arrears": state.arrears,
        "collectibility": state.collectibility,
        "rows": rows,
        "with_late_charges": bool(state.ledger.late_charges),
        "totals": {"principal": sum(r.principal for r in rows), "interest": sum(r.interest for r in rows),
                   "instalment": sum(r.instalment for r in rows), "paid": sum(r.paid for r in rows),
                   "late_charge": sum(r.late_charge for r in rows)},
        "next_due": next((r for r in rows if r.due >= as_of and r.paid < r.instalment), None),
        "entries": _entries(plan, state),
        "as_of": as_of,
        "printed_on": printed_on or datetime.now(JAKARTA).date(),
        "city": cooperative.city or "Jakarta",
        "short_date": short_date,
        "css_string": css_string,
        "page_counter": page_counter_css(locale),
        "running_title": css_string(f"{cooperative_name} · {plan.member.number} · {plan.allocation.unit_code}"),
    }
    return environment().get_template(TEMPLATE).render(context)


def statement_pdf(session: Session, plan: InstalmentPlan, as_of: date, *, policy: Policy | None = None,
                  printed_on: date | None = None, locale: str = LOCALE) -> bytes:
    """The kartu angsuran of `plan` as it stood on `as_of`, as PDF bytes."""
    return render_pdf(statement_html(session, plan, as_of, policy=policy, printed_on=printed_on, locale=locale))
