"""Actual costs of a construction: invoices and payments to the contractor and suppliers, booked to a RAB division
or line, and the budget report that sets them against the built scenario's RAB (`progress.budget`).

The rules of the book (what an entry must say, how a correction names, takes off and stays where its entry was)
are `progress.costbook`'s; this module loads the entries, the RAB lines and the blocks into a `Book`, has each
form or row checked against it and stores what is accepted, with its audit entry.

An import (.csv/.xlsx, read by `app.tabular`) is all or nothing: each row is checked against the entries stored
and the rows above it, every problem names its row and column, and nothing is stored while one is left.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.audit import service as audit
from app.construction import service as construction
from app.construction.models import Construction, CostEntry, WorkPackage
from app.errors import Conflict, Invalid, InvalidFields, refusal
from app.projects.models import Project
from app.tabular import RowProblem, TableFileError, read_table
from kernel.messages import N_, Message
from progress import budget as budgets
from progress import costbook
from progress.costbook import Book, Booked

COLUMNS: dict[str, tuple[str, ...]] = {
    "entry_date": ("tanggal", "tanggal_biaya", "date", "entry_date"),
    "division": ("divisi", "pekerjaan", "division"),
    "line": ("item", "kode_item", "baris_rab", "line", "rab_line"),
    "block": ("blok", "block", "building"),
    "payee": ("penerima", "rekanan", "pemasok", "payee"),
    "amount": ("jumlah", "nominal", "amount"),
    "reference": ("referensi", "no_bukti", "nomor_bukti", "no_faktur", "reference"),
    "corrects": ("koreksi_atas", "mengoreksi", "corrects"),
    "note": ("keterangan", "catatan", "note"),
}
REQUIRED = ("entry_date", "amount")
TEMPLATE_CSV = ("tanggal;divisi;item;blok;penerima;jumlah;referensi;koreksi_atas;keterangan\n"
                "15/01/2026;struktur;;A;PT Beton Jaya;125.000.000;INV-0001;;termin 1 beton\n"
                "20/01/2026;;;;;-5.000.000;;INV-0001;salah hitung volume\n")
MAX_ROWS = 5_000
PER_PAGE = 50
# A problem names its row (None for the form) and column (the form's field, or the file's header as written).
CostProblem = RowProblem


class CostInvalid(Invalid):
    """Every problem found, each rendered on its own line (the form) or with its row (a file)."""

    def __init__(self, problems: list[CostProblem]) -> None:
        first = problems[0]
        super().__init__(first.message.msgid, field=first.column, **first.message.fields)
        self.problems = problems


def form_refusal(problems: list[CostProblem]) -> InvalidFields:
    """A cost form's problems (no row; the column is the form's field), one Invalid per field, for the page to list
    each on its line."""
    return InvalidFields([Invalid(p.message.msgid, field=p.column, **p.message.fields) for p in problems])


def corrected_reference(entry: CostEntry | Booked) -> str | None:
    """The reference a correction names; None for an ordinary (positive) entry."""
    return costbook.corrected_reference(entry.reference, entry.amount)


def contract_of(session: Session, project: Project) -> Construction:
    contract = construction.get(session, project)
    if contract is None:
        raise Conflict("Construction of this project has not started.")
    return contract


def rab_lines(contract: Construction) -> dict[str, tuple[str, ...]]:
    """The built scenario's RAB lines by item code, with the divisions each is in (an item can be in several)."""
    return costbook.line_divisions((line.item_code, line.division) for line in contract.scenario.rab_lines)


def blocks_of(session: Session, project: Project) -> tuple[str, ...]:
    codes = session.scalars(select(WorkPackage.building_code).where(WorkPackage.project_id == project.id)
                            .order_by(WorkPackage.position, WorkPackage.id))
    return tuple(dict.fromkeys(codes))


def entries_of(session: Session, project: Project) -> list[CostEntry]:
    return list(session.scalars(select(CostEntry).where(CostEntry.project_id == project.id)
                                .order_by(CostEntry.entry_date, CostEntry.id)))


def book_of(session: Session, project: Project, contract: Construction, today: date) -> Book:
    book = Book(contract.started_on, today, rab_lines(contract), blocks_of(session, project))
    for e in entries_of(session, project):
        book.add(Booked(e.entry_date, e.amount, e.division, e.line, e.building_code, e.payee, e.reference, e.note,
                        corrected_reference(e)))
    return book


def check_row(book: Book, raw: Mapping[str, Any], *, row: int | None = None,
              titles: Mapping[str, str] | None = None) -> tuple[Booked | None, list[CostProblem]]:
    """One entry (a form's fields or a file's row, by column key) checked against the book; every problem found."""
    return costbook.check_entry(book, raw, row=row, titles=titles)


def _store(session: Session, actor: Any, project: Project, entry: Booked, source: str) -> CostEntry:
    row = CostEntry(project_id=project.id, entry_date=entry.entry_date, amount=entry.amount, division=entry.division,
                    line=entry.line, building_code=entry.block, payee=entry.payee, reference=entry.reference,
                    note=entry.note)
    session.add(row)
    session.flush()
    changes: dict[str, Any] = {"reference": entry.reference, "amount": entry.amount, "division": entry.division,
                               "date": entry.entry_date.isoformat(), "source": source}
    if entry.corrects:
        changes["corrects"] = entry.corrects
    audit.record(session, actor=actor, action="cost.correct" if entry.corrects else "cost.record",
                 entity_type="cost_entry", entity_id=row.id, cooperative_id=project.cooperative_id, changes=changes)
    return row


@dataclass(frozen=True)
class CostIn:
    """A cost as the form gives it, typed: the book's rules (`progress.costbook.check_entry`) check it whole, every
    problem at once; a date or amount left empty is None, for them to name."""

    entry_date: date | None
    amount: int | None  # whole rupiah; a negative one is refused (corrections have their form)
    division: str = ""
    line: str = ""
    block: str = ""
    payee: str = ""
    reference: str = ""
    note: str = ""


@dataclass(frozen=True)
class CorrectionIn:
    """A correction as the form gives it: the reference of the entry corrected, the amount taken off (its sign is
    not read), the date and why."""

    corrects: str
    amount: int | None
    entry_date: date | None
    note: str = ""


def record(session: Session, actor: Any, project: Project, cost: CostIn, today: date) -> CostEntry:
    """One cost from the form (positive; a correction goes through `correct`)."""
    contract = contract_of(session, project)
    try:
        raw = costbook.record_form(asdict(cost))
    except costbook.CostBookError as exc:
        raise refusal(exc) from None
    entry, problems = check_row(book_of(session, project, contract, today), raw)
    if problems:
        raise form_refusal(problems)
    return _store(session, actor, project, entry, "form")


def correct(session: Session, actor: Any, project: Project, correction: CorrectionIn, today: date) -> CostEntry:
    """A correction from the form: `corrects` (the reference), the amount taken off, the date, the reason."""
    contract = contract_of(session, project)
    try:
        raw = costbook.correction_form(asdict(correction))
    except costbook.CostBookError as exc:
        raise refusal(exc) from None
    entry, problems = check_row(book_of(session, project, contract, today), raw)
    if problems:
        raise form_refusal(problems)
    return _store(session, actor, project, entry, "form")


def check_file(session: Session, project: Project, path: str | Path, filename: str | None,
               today: date) -> tuple[list[Booked], list[CostProblem]]:
    """Every row of the file checked as the import would store them, in order. Raises TableFileError when the
    file as a whole cannot be read."""
    contract = contract_of(session, project)
    path = Path(path)
    filename = filename or path.name
    table = read_table(path, filename, COLUMNS, max_rows=MAX_ROWS)
    missing = table.missing(REQUIRED, COLUMNS)
    if "division" not in table.columns and "line" not in table.columns:
        missing.append(COLUMNS["division"][0])
    if missing:
        raise TableFileError(Message("costs.columns_missing", N_(
            "{file} has no column {columns}. The first row must name the columns: tanggal, divisi or item, jumlah, "
            "referensi."), {"file": filename, "columns": ", ".join(missing)}))
    if not table.rows:
        raise TableFileError(Message("costs.no_rows", N_("{file} has a header but no costs."), {"file": filename}))
    return costbook.check_entries(book_of(session, project, contract, today), table.rows, table.titles)


def import_file(session: Session, actor: Any, project: Project, path: str | Path, filename: str | None,
                today: date) -> int:
    """All the file's costs, or none: raises CostInvalid listing every row's problems."""
    entries, problems = check_file(session, project, path, filename, today)
    if problems:
        raise CostInvalid(problems)
    return store_entries(session, actor, project, entries)


def store_entries(session: Session, actor: Any, project: Project, entries: list[Booked]) -> int:
    """The entries of a file `check_file` found without problems, each with its audit entry."""
    for entry in entries:
        _store(session, actor, project, entry, "import")
    return len(entries)


@dataclass(frozen=True)
class Page:
    entries: list[CostEntry]
    corrected_by: dict[str, list[str]]  # reference -> the corrections naming it (on this page's entries)
    page: int
    pages: int
    total: int


def page_of(session: Session, project: Project, page: int) -> Page:
    """Newest first, `PER_PAGE` a page."""
    total = session.scalar(select(func.count()).select_from(CostEntry).where(CostEntry.project_id == project.id)) or 0
    pages = max(1, -(-total // PER_PAGE))
    page = min(max(page, 1), pages)
    rows = list(session.scalars(select(CostEntry).where(CostEntry.project_id == project.id)
                                .order_by(CostEntry.entry_date.desc(), CostEntry.id.desc())
                                .offset((page - 1) * PER_PAGE).limit(PER_PAGE)))
    shown = {r.reference for r in rows if r.amount > 0}
    corrected_by: dict[str, list[str]] = {}
    if shown:  # corrections are few: the project's negative entries, matched to the entries on this page
        corrected_by = costbook.corrections_of(shown, session.scalars(
            select(CostEntry.reference).where(CostEntry.project_id == project.id, CostEntry.amount < 0)
            .order_by(CostEntry.id)))
    return Page(rows, corrected_by, page, pages, total)


def budget_of(session: Session, contract: Construction, block: str | None = None) -> dict[str, int]:
    """The RAB per division of the built scenario (or of one block): the budget the costs are set against."""
    out: dict[str, int] = defaultdict(int)
    for (code, division), amount in construction.building_costs(session, contract.scenario).items():
        if block is None or code == block:
            out[division] += amount
    return dict(out)


def report(session: Session, project: Project, contract: Construction, as_of: date,
           block: str | None = None) -> budgets.BudgetReport:
    """Budget, actual and variance per division and in total, as of a date (`progress.budget`)."""
    entries = [budgets.CostEntry(e.entry_date, e.amount, e.division, None, e.building_code)
               for e in entries_of(session, project)]
    return budgets.budget_report(budget_of(session, contract, block), entries, as_of=as_of, building=block)
