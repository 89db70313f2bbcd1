"""Payments from a .csv or .xlsx file: every row checked against the members, their plans and the ledger,
every problem named by its row and column, and nothing stored while one is left.

Columns (Indonesian or English headers, any order, case and spaces ignored): nomor_anggota (member
number), tanggal (date), jumlah or nominal (amount), referensi or no_bukti (reference), and optionally
rencana (plan): angsuran for the loan, the default, or uang_muka for the down payment. Amounts are
whole rupiah and may be written Rp1.250.000; dates YYYY-MM-DD, DD/MM/YYYY or a date cell.

The checks are `finance.payment_rows`'; this module reads the file and loads the members, plans and references
they are checked against.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.cooperatives.models import Cooperative
from app.cooperatives.policy import policy_of
from app.loans import service as loans
from app.loans.models import PaymentEntry
from app.members.models import Member
from app.tabular import RowProblem, TableFileError, read_table
from finance import payment_rows
from finance.ledger import Payment
from finance.payment_rows import KINDS, MAX_AMOUNT, MAX_PROBLEMS, PaymentRow, PlanOnFile, Problems
from kernel.messages import N_, Message

COLUMNS: dict[str, tuple[str, ...]] = {
    "number": ("nomor_anggota", "no_anggota", "nomor", "member_number", "number"),
    "paid_on": ("tanggal", "tanggal_bayar", "tanggal_pembayaran", "date", "paid_on"),
    "amount": ("jumlah", "nominal", "jumlah_bayar", "amount"),
    "reference": ("referensi", "no_bukti", "nomor_bukti", "reference"),
    "kind": ("rencana", "jenis_rencana", "plan", "kind"),
}
REQUIRED = ("number", "paid_on", "amount", "reference")
TEMPLATE_CSV = "nomor_anggota;tanggal;jumlah;referensi;rencana\nKNR-001;25/01/2026;1.250.000;KW-0001;angsuran\n"
MAX_ROWS = 20_000
# The row checks' names, kept here for the callers that knew them from this module.
__all__ = ["COLUMNS", "KINDS", "MAX_AMOUNT", "MAX_PROBLEMS", "MAX_ROWS", "REQUIRED", "TEMPLATE_CSV", "PaymentImport",
           "PaymentRow", "check_payments", "read_payments"]


@dataclass
class PaymentImport:
    rows: list[PaymentRow]
    problems: list[RowProblem]
    units: dict[int, str] = field(default_factory=dict)  # spreadsheet row -> the unit whose plan it pays
    # Rows whose amount is far above what their plan expects that day: shown in the preview, stored once confirmed.
    warnings: list[RowProblem] = field(default_factory=list)


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
    problems = Problems(table.titles)
    rows = payment_rows.read_rows(table.rows, problems)
    return rows, problems.found, table.titles


def check_payments(session: Session, coop: Cooperative, path: str | Path, filename: str | None,
                   today: date) -> PaymentImport:
    """The file read and every row checked against the cooperative's members, plans and payments as the
    import would record them: a row the ledger would refuse is a problem here already.

    Raises TableFileError when the file as a whole cannot be read."""
    rows, found, titles = read_payments(path, filename)
    known = _existing(session, select(Member.number).where(Member.cooperative_id == coop.id), Member.number,
                      {r.number for r in rows if r.number})
    stored = _existing(session, select(PaymentEntry.reference).where(PaymentEntry.cooperative_id == coop.id),
                       PaymentEntry.reference, {r.reference for r in rows if r.reference})
    named = {(r.number, r.kind) for r in rows}
    # Only the plans a row names are turned into schedules; the rules look up no other.
    plans = {key: [PlanOnFile(p.id, p.allocation.unit_code, loans.schedule_of(p),
                              [Payment(e.paid_on, e.amount, e.reference, e.reversal_of, e.reason or "")
                               for e in p.payments]) for p in found_plans]
             for key, found_plans in loans.plans_of_members(session, coop, known).items() if key in named}
    policy = policy_of(session, coop)
    problems = Problems(titles, found)
    warnings = Problems(titles)
    units = payment_rows.check_rows(rows, problems, members=known, plans=plans, stored=stored, today=today,
                                    order=policy.order, late_policy=policy.late, warnings=warnings)
    return PaymentImport(rows, problems.found, units, warnings.found)


def _existing(session: Session, query: Any, column: Any, values: Iterable[str]) -> set[str]:
    """Which of `values` the query finds, asked in parts: databases cap a statement's parameters."""
    wanted = sorted(set(values))
    found: set[str] = set()
    for start in range(0, len(wanted), 500):
        found.update(session.scalars(query.where(column.in_(wanted[start:start + 500]))))
    return found
