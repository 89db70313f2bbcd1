"""The rows of a payments file checked: on their own, then against the members, their plans and the ledger.

A row names the member (number), the date, the amount (whole rupiah above 0, at most `MAX_AMOUNT`, written as a
number or the Indonesian way, Rp1.250.000), the payment's reference (receipt or transfer number, up to 64
characters, once in the file and never recorded before) and optionally the plan it pays: angsuran (the loan, the
default) or uang_muka (the down payment). The member must have exactly one plan of that kind in force; the date
must not be in the future nor before the plan starts (`finance.ledger.plan_start`: a year before its first due
date; money paid before the first due date is an advance, applied as the instalments fall due); and the ledger must
take the payment after those recorded and the file's earlier ones on the same plan (in date order, then row order),
as recording them one by one would. An amount far above what the plan expects on that day (`far_above`) is a
warning, never a refusal: the preview shows it and the import stores it once confirmed.

Every problem is named by its row and column (at most `MAX_PROBLEMS`), in row order. Nothing here reads the file
or the database: the shell passes the cells by column key and the plans as `PlanOnFile`s.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from costing.errors import CostingError
from costing.workbook import parse_number
from finance.instalment import FinanceError, Instalment
from finance.ledger import (
    COMPONENTS,
    LARGE_PAYMENT_FACTOR,
    LatePolicy,
    Payment,
    apply_payments,
    far_above,
    payment_expected,
    plan_start,
)
from kernel import limits
from kernel.cells import RowProblem, cell_date, cell_text, normalise_header
from kernel.messages import N_, Message

KINDS = {"angsuran": "loan", "pinjaman": "loan", "cicilan": "loan", "loan": "loan",
         "uang_muka": "down_payment", "dp": "down_payment", "down_payment": "down_payment"}
MAX_AMOUNT = limits.PAYMENT_MAX
REFERENCE_MAX = limits.REFERENCE
MAX_PROBLEMS = 200
# The ledger's refusal by the field it names, as the file's column it is about (the message then names the column).
LEDGER_COLUMNS = {"date": "paid_on", "amount": "amount", "reference": "reference"}


@dataclass(frozen=True)
class PaymentRow:
    row: int  # the spreadsheet's row number
    number: str
    kind: str  # "loan" or "down_payment"
    paid_on: date | None  # None (and amount None) only in a row with a problem
    amount: int | None
    reference: str


@dataclass(frozen=True)
class PlanOnFile:
    """A plan in force a row may pay: `key` is the shell's (a row id)."""

    key: Any
    unit: str
    schedule: Sequence[Instalment]  # with due dates
    payments: Sequence[Payment] = ()  # recorded already, reversals included


@dataclass
class Problems:
    """The problems found so far, each with its row, the column's header as the file writes it (`titles`) and
    `row` and `column` among the message's fields; at most `MAX_PROBLEMS` are kept."""

    titles: Mapping[str, str] = field(default_factory=dict)
    found: list[RowProblem] = field(default_factory=list)

    def add(self, row: int, key: str | None, code: str, msgid: str, **fields: Any) -> None:
        if len(self.found) < MAX_PROBLEMS:
            column = self.titles.get(key, key) if key else None
            self.found.append(RowProblem(row, column, Message(code, msgid, {"row": row, "column": column or "",
                                                                           **fields})))


def read_rows(rows: Iterable[tuple[int, Mapping[str, Any]]], problems: Problems) -> list[PaymentRow]:
    """The file's rows ((row number, cells by column key: number, paid_on, amount, reference, kind)) as read, with
    what is wrong in them on their own added to `problems`, a reference twice in the file included."""
    read = [_row(number, raw, problems) for number, raw in rows]
    seen: dict[str, int] = {}
    for row in read:
        if row.reference and row.reference in seen:
            problems.add(row.row, "reference", "payments.reference_twice", N_(
                "Row {row}, column {column}: reference {reference} is also in row {other}."),
                reference=row.reference, other=seen[row.reference])
        seen.setdefault(row.reference, row.row)
    return read


def _row(row: int, raw: Mapping[str, Any], problems: Problems) -> PaymentRow:
    number = cell_text(raw.get("number"))
    if not number:
        problems.add(row, "number", "payments.number_missing", N_("Row {row}, column {column}: the member number "
                                                                     "is missing."))
    kind = KINDS.get(normalise_header(raw.get("kind")) or "angsuran")
    if kind is None:
        problems.add(row, "kind", "payments.kind_invalid", N_(
            "Row {row}, column {column}: write angsuran (the loan) or uang_muka (the down payment)."))
    try:
        paid_on = cell_date(raw.get("paid_on"))
    except ValueError:
        paid_on = None
    if paid_on is None:
        problems.add(row, "paid_on", "payments.date_invalid", N_(
            "Row {row}, column {column}: write the date as YYYY-MM-DD or DD/MM/YYYY."))
    amount = _amount(row, raw.get("amount"), problems)
    reference = cell_text(raw.get("reference"))
    if not reference or len(reference) > REFERENCE_MAX:
        problems.add(row, "reference", "payments.reference_invalid", N_(
            "Row {row}, column {column}: give the payment's reference (receipt or transfer number), up to 64 "
            "characters."))
    # A row with a wrong plan kind is still read as a loan payment, so its other cells are checked too.
    return PaymentRow(row, number, kind or "loan", paid_on, amount, reference)


def _amount(row: int, value: Any, problems: Problems) -> int | None:
    try:
        amount = parse_number(value, money=True)
    except CostingError:
        problems.add(row, "amount", "payments.not_a_number", N_("Row {row}, column {column}: {value} is not a number."),
                     value=cell_text(value))
        return None
    if amount <= 0 or amount != amount.to_integral_value():
        problems.add(row, "amount", "payments.amount_invalid", N_(
            "Row {row}, column {column}: the amount must be whole rupiah above 0, not {value}."),
            value=cell_text(value))
        return None
    if amount > MAX_AMOUNT:
        problems.add(row, "amount", "payments.amount_too_large", N_(
            "Row {row}, column {column}: {value} must be a whole number from {low} to {high}."),
            value=cell_text(value), low=1, high=MAX_AMOUNT)
        return None
    return int(Decimal(amount))


def check_rows(rows: Sequence[PaymentRow], problems: Problems, *, members: Collection[str],
               plans: Mapping[tuple[str, str], Sequence[PlanOnFile]], stored: Collection[str], today: date,
               order: Sequence[str] = COMPONENTS, late_policy: LatePolicy | None = None,
               warnings: Problems | None = None) -> dict[int, str]:
    """The rows checked against the cooperative's `members` (numbers), their `plans` in force by (member number,
    kind) and the references `stored` already, as the import would record them: a row the ledger would refuse is
    a problem here already. Adds to `problems` (sorted by row at the end), and to `warnings` the rows whose amount
    is far above what their plan expects that day; returns the unit each row with a plan pays, by row."""
    bad = {p.row for p in problems.found}
    units: dict[int, str] = {}
    by_plan: dict[Any, list[PaymentRow]] = {}
    plan_by_key: dict[Any, PlanOnFile] = {}
    for row in rows:
        plan = _plan_of(row, members, plans, problems)
        fine = plan is not None and row.row not in bad and row.paid_on is not None and row.amount is not None
        if row.reference in stored:
            fine = False
            problems.add(row.row, "reference", "payments.reference_stored", N_(
                "Row {row}, column {column}: reference {reference} is recorded already; each payment has its own."),
                reference=row.reference)
        if plan is None:
            continue
        units[row.row] = plan.unit
        start = plan_start(plan.schedule)
        if row.paid_on is not None and row.paid_on > today:
            fine = False
            problems.add(row.row, "paid_on", "payments.date_future", N_(
                "Row {row}, column {column}: {date} is in the future; a payment cannot be dated after today."),
                date=row.paid_on.isoformat())
        elif row.paid_on is not None and row.paid_on < start:
            fine = False
            problems.add(row.row, "paid_on", "payments.date_before_plan", N_(
                "Row {row}, column {column}: {date} is more than a year before the plan's first due date "
                "({first_due}); a payment on this plan is dated {start} or later."),
                date=row.paid_on.isoformat(), first_due=plan.schedule[0].due.isoformat(), start=start.isoformat())
        if fine:
            by_plan.setdefault(plan.key, []).append(row)
            plan_by_key[plan.key] = plan
    for key, plan_rows in by_plan.items():
        plan = plan_by_key[key]
        entries = list(plan.payments)
        before = None  # the ledger of `entries`: what each row's amount is measured against
        # The order the import records them in, each with those before it, as recording them one by one would.
        for row in sorted(plan_rows, key=lambda r: (r.paid_on, r.row)):
            entry = Payment(row.paid_on, row.amount, row.reference)
            try:
                if before is None:
                    before = apply_payments(plan.schedule, entries, as_of=today, order=order, late_policy=late_policy)
                after = apply_payments(plan.schedule, [*entries, entry], as_of=today, order=order,
                                       late_policy=late_policy)
            except FinanceError as exc:
                column = LEDGER_COLUMNS.get(exc.field or "")
                if column:
                    problems.add(row.row, column, "payments.ledger_refused_value", N_(
                        "Row {row}, column {column}: this payment cannot be recorded with this value; check it."))
                else:
                    problems.add(row.row, None, "payments.ledger_refused_row", N_(
                        "Row {row}: this payment cannot be recorded; check its date, amount and reference."))
                continue
            expected = payment_expected(before, row.paid_on)
            if warnings is not None and far_above(row.amount, expected):
                warnings.add(row.row, "amount", "payments.amount_far_above", N_(
                    "Row {row}, column {column}: Rp{amount} is more than {factor} times what is due on this plan "
                    "that day (Rp{expected}). Check it before recording the payments."),
                    amount=row.amount, factor=LARGE_PAYMENT_FACTOR, expected=expected)
            entries.append(entry)
            before = after
    problems.found.sort(key=lambda p: (p.row or 0))
    if warnings is not None:
        warnings.found.sort(key=lambda p: (p.row or 0))
    return units


def _plan_of(row: PaymentRow, members: Collection[str], plans: Mapping[tuple[str, str], Sequence[PlanOnFile]],
             problems: Problems) -> PlanOnFile | None:
    if not row.number:
        return None
    if row.number not in members:
        problems.add(row.row, "number", "payments.member_unknown", N_(
            "Row {row}, column {column}: there is no member {number} in this cooperative."), number=row.number)
        return None
    found = plans.get((row.number, row.kind), [])
    if not found:
        if row.kind == "down_payment":
            problems.add(row.row, "number", "payments.no_down_payment_plan", N_(
                "Row {row}, column {column}: member {number} has no down-payment plan in force."), number=row.number)
        else:
            problems.add(row.row, "number", "payments.no_plan", N_(
                "Row {row}, column {column}: member {number} has no instalment plan in force."), number=row.number)
        return None
    if len(found) > 1:
        problems.add(row.row, "number", "payments.plans_several", N_(
            "Row {row}, column {column}: member {number} has more than one plan of this kind in force; record this "
            "payment on the plan's own page."), number=row.number)
        return None
    return found[0]
