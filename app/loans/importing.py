"""Payments from a .csv or .xlsx file: every row checked against the members, their plans and the ledger,
every problem named by its row and column, and nothing stored while one is left.

Columns (Indonesian or English headers, any order, case and spaces ignored): nomor_anggota (member
number), tanggal (date), jumlah or nominal (amount), referensi or no_bukti (reference), and optionally
rencana (plan): angsuran for the loan, the default, or uang_muka for the down payment. Amounts are
whole rupiah and may be written Rp1.250.000; dates YYYY-MM-DD, DD/MM/YYYY or a date cell.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.cooperatives.models import Cooperative
from app.cooperatives.policy import policy_of
from app.loans import service as loans
from app.loans.models import InstalmentPlan, PaymentEntry
from app.members.models import Member
from app.tabular import RowProblem, TableFileError, cell_date, cell_text, normalise_header, read_table
from costing.errors import CostingError
from costing.workbook import parse_number
from finance.instalment import FinanceError
from finance.ledger import Payment, apply_payments, plan_start
from kernel.messages import N_, Message

COLUMNS: dict[str, tuple[str, ...]] = {
    "number": ("nomor_anggota", "no_anggota", "nomor", "member_number", "number"),
    "paid_on": ("tanggal", "tanggal_bayar", "tanggal_pembayaran", "date", "paid_on"),
    "amount": ("jumlah", "nominal", "jumlah_bayar", "amount"),
    "reference": ("referensi", "no_bukti", "nomor_bukti", "reference"),
    "kind": ("rencana", "jenis_rencana", "plan", "kind"),
}
REQUIRED = ("number", "paid_on", "amount", "reference")
KINDS = {"angsuran": "loan", "pinjaman": "loan", "cicilan": "loan", "loan": "loan",
         "uang_muka": "down_payment", "dp": "down_payment", "down_payment": "down_payment"}
TEMPLATE_CSV = "nomor_anggota;tanggal;jumlah;referensi;rencana\nKNR-001;25/01/2026;1.250.000;KW-0001;angsuran\n"
MAX_AMOUNT = 10**12
MAX_ROWS = 20_000
MAX_PROBLEMS = 200


@dataclass(frozen=True)
class PaymentRow:
    row: int  # the spreadsheet's row number
    number: str
    kind: str  # "loan" or "down_payment"
    paid_on: date | None  # None (and amount None) only in a row with a problem
    amount: int | None
    reference: str


@dataclass
class PaymentImport:
    rows: list[PaymentRow]
    problems: list[RowProblem]
    units: dict[int, str] = field(default_factory=dict)  # spreadsheet row -> the unit whose plan it pays


class _Problems:
    def __init__(self, titles: dict[str, str]) -> None:
        self.titles, self.found = titles, []

    def add(self, row: int, key: str | None, code: str, msgid: str, **fields: Any) -> None:
        if len(self.found) < MAX_PROBLEMS:
            column = self.titles.get(key, key) if key else None
            self.found.append(RowProblem(row, column, Message(code, msgid, {"row": row, "column": column or "",
                                                                           **fields})))


def read_payments(path: str | Path, filename: str | None = None) -> tuple[list[PaymentRow], list[RowProblem],
                                                                          dict[str, str]]:
    """The file's rows as read, what is wrong in them on their own, and the columns' headers as written."""
    path = Path(path)
    filename = filename or path.name
    table = read_table(path, filename, COLUMNS, max_rows=MAX_ROWS)
    missing = table.missing(REQUIRED, COLUMNS)
    if missing:
        raise TableFileError(Message("payments.columns_missing", N_(
            "{file} has no column {columns}. The first row must name the columns: nomor_anggota, tanggal, jumlah, "
            "referensi."), {"file": filename, "columns": ", ".join(missing)}))
    if not table.rows:
        raise TableFileError(Message("payments.no_rows", N_("{file} has a header but no payments."),
                                     {"file": filename}))
    problems = _Problems(table.titles)
    rows = [_row(number, raw, problems) for number, raw in table.rows]
    seen: dict[str, int] = {}
    for row in rows:
        if row.reference and row.reference in seen:
            problems.add(row.row, "reference", "payments.reference_twice", N_(
                "Row {row}, column {column}: reference {reference} is also in row {other}."),
                reference=row.reference, other=seen[row.reference])
        seen.setdefault(row.reference, row.row)
    return rows, problems.found, table.titles


def _row(row: int, raw: dict[str, Any], problems: _Problems) -> PaymentRow:
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
    if not reference or len(reference) > 64:
        problems.add(row, "reference", "payments.reference_invalid", N_(
            "Row {row}, column {column}: give the payment's reference (receipt or transfer number), up to 64 "
            "characters."))
    return PaymentRow(row, number, kind or "loan", paid_on, amount, reference)


def _amount(row: int, value: Any, problems: _Problems) -> int | None:
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


def check_payments(session: Session, coop: Cooperative, path: str | Path, filename: str | None,
                   today: date) -> PaymentImport:
    """The file read and every row checked against the cooperative's members, plans and payments as the
    import would record them: a row the ledger would refuse is a problem here already.

    Raises TableFileError when the file as a whole cannot be read."""
    rows, found, titles = read_payments(path, filename)
    problems = _Problems(titles)
    problems.found = found
    bad = {p.row for p in found}
    known = _existing(session, select(Member.number).where(Member.cooperative_id == coop.id), Member.number,
                      {r.number for r in rows if r.number})
    stored = _existing(session, select(PaymentEntry.reference).where(PaymentEntry.cooperative_id == coop.id),
                       PaymentEntry.reference, {r.reference for r in rows if r.reference})
    plans = loans.plans_of_members(session, coop, known)
    result = PaymentImport(rows, problems.found)
    by_plan: dict[int, list[PaymentRow]] = {}
    for row in rows:
        plan = _plan_of(row, known, plans, problems)
        fine = plan is not None and row.row not in bad and row.paid_on is not None and row.amount is not None
        if row.reference in stored:
            fine = False
            problems.add(row.row, "reference", "payments.reference_stored", N_(
                "Row {row}, column {column}: reference {reference} is recorded already; each payment has its own."),
                reference=row.reference)
        if plan is None:
            continue
        result.units[row.row] = plan.allocation.unit_code
        start = plan_start(loans.schedule_of(plan))
        if row.paid_on is not None and row.paid_on > today:
            fine = False
            problems.add(row.row, "paid_on", "payments.date_future", N_(
                "Row {row}, column {column}: {date} is in the future; a payment cannot be dated after today."),
                date=row.paid_on.isoformat())
        elif row.paid_on is not None and row.paid_on < start:
            fine = False
            problems.add(row.row, "paid_on", "payments.date_before_plan", N_(
                "Row {row}, column {column}: {date} is before the plan starts on {start}."),
                date=row.paid_on.isoformat(), start=start.isoformat())
        if fine:
            by_plan.setdefault(plan.id, []).append(row)
    policy = policy_of(session, coop)
    plan_by_id = {p.id: p for found_plans in plans.values() for p in found_plans}
    for plan_id, plan_rows in by_plan.items():
        plan = plan_by_id[plan_id]
        entries = [Payment(e.paid_on, e.amount, e.reference, e.reversal_of, e.reason or "") for e in plan.payments]
        # The order the import records them in, each with those before it, as recording them one by one would.
        for row in sorted(plan_rows, key=lambda r: (r.paid_on, r.row)):
            entry = Payment(row.paid_on, row.amount, row.reference)
            try:
                apply_payments(loans.schedule_of(plan), [*entries, entry], as_of=today, order=policy.order,
                               late_policy=policy.late)
            except FinanceError as exc:
                problems.add(row.row, None, "payments.ledger_refused", N_(
                    "Row {row}: this payment cannot be recorded ({what}): check its date, amount and reference."),
                    what=exc.field or "-")
                continue
            entries.append(entry)
    result.problems.sort(key=lambda p: (p.row or 0))
    return result


def _plan_of(row: PaymentRow, known: set[str], plans: dict[tuple[str, str], list[InstalmentPlan]],
             problems: _Problems) -> InstalmentPlan | None:
    if not row.number:
        return None
    if row.number not in known:
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


def _existing(session: Session, query: Any, column: Any, values: Iterable[str]) -> set[str]:
    """Which of `values` the query finds, asked in parts: databases cap a statement's parameters."""
    wanted = sorted(set(values))
    found: set[str] = set()
    for start in range(0, len(wanted), 500):
        found.update(session.scalars(query.where(column.in_(wanted[start:start + 500]))))
    return found
