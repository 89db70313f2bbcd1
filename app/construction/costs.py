"""Actual costs of a construction: invoices and payments to the contractor and suppliers, booked to a RAB division
or line, and the budget report that sets them against the built scenario's RAB (`progress.budget`).

Entries are never edited or deleted. A mistake is corrected by a negative entry that names the entry it corrects
in its own reference, as a reversed payment does: the corrections of BKK-017 are BKK-017-K1, BKK-017-K2 and so on
(the table has no column for the corrected reference, so the reference carries it; only corrections are
negative). A correction takes the corrected entry's division, line, block and payee, so the money leaves the
place it was booked to, and the corrections of an entry never come to more than the entry.

An import (.csv/.xlsx, read by `app.tabular`) is all or nothing: each row is checked against the entries stored
and the rows above it, every problem names its row and column, and nothing is stored while one is left.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.audit import service as audit
from app.construction import service as construction
from app.construction.models import Construction, CostEntry, WorkPackage
from app.errors import Conflict, Invalid
from app.projects.models import Project
from app.tabular import TableFileError, cell_date, cell_text, normalise_header, read_table
from costing.errors import CostingError
from costing.rab import DIVISIONS
from costing.workbook import DIVISION_LABELS_ID, parse_number
from kernel.messages import N_, Message
from progress import budget as budgets

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
MAX_AMOUNT = 10**13
REFERENCE_MAX = 56  # room for the "-K12" of its corrections in the 64 characters of the column
PAYEE_MAX = 200
PER_PAGE = 50
CORRECTION = re.compile(r"^(?P<of>.+)-K(?P<n>[1-9][0-9]*)$")


def _division_lookup() -> dict[str, str]:
    lookup: dict[str, str] = {}
    for key, label in DIVISIONS.items():
        for name in (key, label, DIVISION_LABELS_ID[key], "pekerjaan_" + key):
            lookup[normalise_header(name)] = key
    lookup["k3"] = "smkk"
    return lookup


_DIVISIONS = _division_lookup()


@dataclass(frozen=True)
class CostProblem:
    row: int | None  # the spreadsheet's row; None for the form
    column: str | None  # the form's field, or the file's header as written
    message: Message


class CostInvalid(Invalid):
    """Every problem found, each rendered on its own line (the form) or with its row (a file)."""

    def __init__(self, problems: list[CostProblem]) -> None:
        first = problems[0]
        super().__init__(first.message.msgid, field=first.column, **first.message.fields)
        self.problems = problems


@dataclass(frozen=True)
class Booked:
    """An entry as the checks see it: stored already, or accepted from a row above."""

    entry_date: date
    amount: int
    division: str
    line: str | None
    block: str | None
    payee: str | None
    reference: str
    note: str | None = None
    corrects: str | None = None
    row: int | None = None


@dataclass
class Book:
    """What a new entry is checked against."""

    started_on: date
    today: date
    lines: dict[str, tuple[str, ...]]  # RAB item code -> the divisions it is in
    blocks: tuple[str, ...]
    entries: dict[str, Booked] = field(default_factory=dict)  # by reference
    corrected: dict[str, int] = field(default_factory=lambda: defaultdict(int))  # reference -> taken off so far

    def add(self, entry: Booked) -> None:
        self.entries[entry.reference] = entry
        if entry.corrects:
            self.corrected[entry.corrects] -= entry.amount

    def next_correction(self, reference: str) -> str:
        n = 1
        while f"{reference}-K{n}" in self.entries:
            n += 1
        return f"{reference}-K{n}"


def corrected_reference(entry: CostEntry | Booked) -> str | None:
    """The reference a correction names; None for an ordinary (positive) entry."""
    if entry.amount >= 0:
        return None
    match = CORRECTION.match(entry.reference)
    return match.group("of") if match else None


def contract_of(session: Session, project: Project) -> Construction:
    contract = construction.get(session, project)
    if contract is None:
        raise Conflict("Construction of this project has not started.")
    return contract


def rab_lines(contract: Construction) -> dict[str, tuple[str, ...]]:
    """The built scenario's RAB lines by item code, with the divisions each is in (an item can be in several)."""
    found: dict[str, set[str]] = defaultdict(set)
    for line in contract.scenario.rab_lines:
        found[line.item_code].add(line.division)
    order = list(DIVISIONS)
    return {code: tuple(sorted(divisions, key=order.index)) for code, divisions in sorted(found.items())}


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
    problems: list[CostProblem] = []
    titles = titles or {}

    def add(key: str, kind: str, msgid: str, **fields: Any) -> None:
        problems.append(CostProblem(row, titles.get(key, key), Message(kind, msgid, fields)))

    try:
        day = cell_date(raw.get("entry_date"))
    except ValueError:
        day = None
    if day is None:
        add("entry_date", "costs.date_invalid", N_("Write the date as YYYY-MM-DD or DD/MM/YYYY."))
    elif day > book.today:
        add("entry_date", "costs.date_future", N_("{date} is in the future; a cost cannot be dated after today."),
            date=day.isoformat())
    amount = _amount(raw.get("amount"), add)
    corrects = cell_text(raw.get("corrects"))
    reference = cell_text(raw.get("reference"))
    note = cell_text(raw.get("note")) or None
    if corrects or (amount is not None and amount < 0):
        entry = _correction(book, corrects, reference, day, amount, note, raw, add)
    else:
        entry = _ordinary(book, reference, day, amount, note, raw, add)
    if problems or entry is None:
        return None, problems
    return Booked(**{**entry, "row": row}), []


def _amount(value: Any, add) -> int | None:
    text = cell_text(value)
    if not text:
        add("amount", "costs.amount_missing", N_("Give the amount in whole rupiah."))
        return None
    try:
        number = parse_number(value, money=True)
    except CostingError:
        add("amount", "costs.not_a_number", N_("{value} is not a number."), value=text[:40])
        return None
    if number == 0 or number != number.to_integral_value() or abs(number) > MAX_AMOUNT:
        add("amount", "costs.amount_invalid", N_("The amount must be whole rupiah, not 0 and at most {high}, "
                                                 "not {value}."), value=text[:40], high=MAX_AMOUNT)
        return None
    return int(number)


def _ordinary(book: Book, reference: str, day: date | None, amount: int | None, note: str | None,
              raw: Mapping[str, Any], add) -> dict[str, Any] | None:
    if not reference or len(reference) > REFERENCE_MAX:
        add("reference", "costs.reference_invalid", N_(
            "Give the invoice's or payment's reference (its number), up to {n} characters."), n=REFERENCE_MAX)
    elif reference in book.entries:
        other = book.entries[reference].row
        if other is not None:
            add("reference", "costs.reference_twice", N_("Reference {reference} is also in row {other}."),
                reference=reference, other=other)
        else:
            add("reference", "costs.reference_stored", N_(
                "Reference {reference} is recorded already; each cost has its own."), reference=reference)
    division = _division(book, raw, add)
    block = _block(book, raw, add)
    payee = cell_text(raw.get("payee")) or None
    if payee and len(payee) > PAYEE_MAX:
        add("payee", "costs.payee_long", N_("The payee is longer than {n} characters."), n=PAYEE_MAX)
    if day is None or amount is None or division is None or block is False:
        return None
    line = cell_text(raw.get("line")) or None
    return {"entry_date": day, "amount": amount, "division": division, "line": line, "block": block,
            "payee": payee, "reference": reference, "note": note}


def _division(book: Book, raw: Mapping[str, Any], add) -> str | None:
    text = cell_text(raw.get("division"))
    line = cell_text(raw.get("line"))
    division = _DIVISIONS.get(normalise_header(text)) if text else None
    if text and division is None:
        add("division", "costs.division_unknown", N_("“{value}” is not a division of the RAB."), value=text[:40])
        return None
    if not line:
        if division is None:
            add("division", "costs.division_missing", N_("Give the RAB division or line the cost is booked to."))
        return division
    of_line = book.lines.get(line)
    if of_line is None:
        add("line", "costs.line_unknown", N_("“{value}” is not a line of the built scenario's RAB."),
            value=line[:40])
        return None
    if division is None and len(of_line) > 1:
        add("division", "costs.line_ambiguous", N_(
            "RAB line {line} is in several divisions ({divisions}): give the division too."),
            line=line, divisions=", ".join(of_line))
        return None
    if division is not None and division not in of_line:
        add("division", "costs.line_division_mismatch", N_("RAB line {line} is not in the division {division}."),
            line=line, division=division)
        return None
    return division or of_line[0]


def _block(book: Book, raw: Mapping[str, Any], add) -> str | None | bool:
    """The block, None when none is given, False when it is not one of the construction's."""
    block = cell_text(raw.get("block")) or None
    if block is not None and block not in book.blocks:
        add("block", "costs.block_unknown", N_("There is no block {block} in this construction ({blocks})."),
            block=block[:20], blocks=", ".join(book.blocks))
        return False
    return block


def _correction(book: Book, corrects: str, reference: str, day: date | None, amount: int | None,
                note: str | None, raw: Mapping[str, Any], add) -> dict[str, Any] | None:
    if not corrects:
        add("corrects", "costs.correction_unnamed", N_(
            "A negative amount corrects an earlier entry: name the reference it corrects."))
        return None
    original = book.entries.get(corrects)
    if original is None:
        add("corrects", "costs.correction_unknown", N_("There is no entry {reference} to correct."),
            reference=corrects[:64])
        return None
    if original.amount < 0:
        add("corrects", "costs.correction_of_correction", N_(
            "{reference} is itself a correction; correct the entry it corrects."), reference=corrects)
        return None
    if amount is not None and amount > 0:
        add("amount", "costs.correction_positive", N_(
            "A correction takes money off: write its amount as a negative number."))
        return None
    generated = book.next_correction(corrects)
    if reference and reference != generated:
        add("reference", "costs.correction_reference", N_(
            "Leave the reference of a correction empty: it is made from the one it corrects ({reference})."),
            reference=generated)
    left = original.amount - book.corrected.get(corrects, 0)
    if amount is not None and -amount > left:
        add("amount", "costs.correction_too_large", N_(
            "The corrections of {reference} would come to more than it: at most Rp{left} can still be taken off."),
            reference=corrects, left=left)
    if day is not None and day < original.entry_date:
        add("entry_date", "costs.correction_before", N_(
            "A correction cannot be dated before the entry it corrects ({date})."),
            date=original.entry_date.isoformat())
    if not note:
        add("note", "costs.correction_reason", N_("Say why the entry is corrected."))
    for key, value in (("division", original.division), ("block", original.block)):
        given = cell_text(raw.get(key))
        mapped = _DIVISIONS.get(normalise_header(given)) if key == "division" else given
        if given and mapped != value:
            add(key, "costs.correction_moves", N_(
                "A correction stays where {reference} was booked ({value}): to move a cost, correct it in full "
                "and record it again."), reference=corrects, value=value or "—")
    if day is None or amount is None:
        return None
    return {"entry_date": day, "amount": amount, "division": original.division, "line": original.line,
            "block": original.block, "payee": original.payee, "reference": generated, "note": note,
            "corrects": corrects}


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


def record(session: Session, actor: Any, project: Project, data: Mapping[str, str], today: date) -> CostEntry:
    """One cost from the form (positive; a correction goes through `correct`)."""
    contract = contract_of(session, project)
    raw = {key: data.get(key, "") for key in COLUMNS if key != "corrects"}
    if cell_text(raw.get("amount")).startswith("-"):
        raise Invalid("An entry is corrected with the correction form, not with a negative amount.", field="amount")
    entry, problems = check_row(book_of(session, project, contract, today), raw)
    if problems:
        raise CostInvalid(problems)
    return _store(session, actor, project, entry, "form")


def correct(session: Session, actor: Any, project: Project, data: Mapping[str, str], today: date) -> CostEntry:
    """A correction from the form: `corrects` (the reference), the amount taken off (written positive), the reason."""
    contract = contract_of(session, project)
    taken = cell_text(data.get("amount")).lstrip("-")
    raw = {"entry_date": data.get("entry_date", ""), "amount": f"-{taken}" if taken else "",
           "corrects": data.get("corrects", ""), "note": data.get("note", "")}
    if not cell_text(raw["corrects"]):
        raise Invalid("Name the reference of the entry to correct.", field="corrects")
    entry, problems = check_row(book_of(session, project, contract, today), raw)
    if problems:
        raise CostInvalid(problems)
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
    book = book_of(session, project, contract, today)
    accepted: list[Booked] = []
    problems: list[CostProblem] = []
    for number, raw in table.rows:
        entry, found = check_row(book, raw, row=number, titles=table.titles)
        if found:
            problems.extend(found)
        else:
            book.add(entry)
            accepted.append(entry)
    return accepted, problems


def import_file(session: Session, actor: Any, project: Project, path: str | Path, filename: str | None,
                today: date) -> int:
    """All the file's costs, or none: raises CostInvalid listing every row's problems."""
    entries, problems = check_file(session, project, path, filename, today)
    if problems:
        raise CostInvalid(problems)
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
    corrected_by: dict[str, list[str]] = defaultdict(list)
    if shown:  # corrections are few: the project's negative entries, matched to the entries on this page
        for ref in session.scalars(select(CostEntry.reference).where(CostEntry.project_id == project.id,
                                                                     CostEntry.amount < 0).order_by(CostEntry.id)):
            match = CORRECTION.match(ref)
            if match and match.group("of") in shown:
                corrected_by[match.group("of")].append(ref)
    return Page(rows, dict(corrected_by), page, pages, total)


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
