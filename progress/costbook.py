"""The book of a construction's actual costs: what an entry must say, and how a mistake is corrected.

Entries are never edited or deleted. A mistake is corrected by a negative entry that names the entry it corrects
in its own reference, as a reversed payment does: the corrections of BKK-017 are BKK-017-K1, BKK-017-K2 and so on
(the reference carries what it corrects; only corrections are negative). A correction takes the corrected entry's
division, line, block and payee, so the money leaves the place it was booked to; it cannot correct a correction,
be dated before the entry, nor take off more than the entry still has; it says why.

An entry is booked to a RAB division or a line of the built scenario's RAB (a line in several divisions needs the
division too), to one of the construction's blocks or none, in whole rupiah, dated no later than today, with a
reference of its own. A form's fields and a file's row are checked the same way (`check_entry`), a file's rows
against the book and the rows above them (`check_entries`); every problem is returned with its row and column,
and nothing is accepted from a row with one. Reading the file and storing the entries is the shell's.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from costing.errors import CostingError
from costing.rab import DIVISIONS
from costing.workbook import DIVISION_LABELS_ID, parse_number
from kernel import limits
from kernel.cells import RowProblem, cell_date, cell_text, normalise_header
from kernel.messages import N_, Message
from progress.errors import ProgressError

MAX_AMOUNT = 10**13
REFERENCE_MAX = 56  # room for the "-K12" of its corrections in the 64 characters of the stored reference
PAYEE_MAX = limits.NAME
NOTE_MAX = limits.NOTE
CORRECTION = re.compile(r"^(?P<of>.+)-K(?P<n>[1-9][0-9]*)$")
FIELDS = ("entry_date", "division", "line", "block", "payee", "amount", "reference", "corrects", "note")


class CostBookError(ProgressError):
    """A cost form refused as a whole (before its fields are checked one by one)."""


def _division_lookup() -> dict[str, str]:
    lookup: dict[str, str] = {}
    for key, label in DIVISIONS.items():
        for name in (key, label, DIVISION_LABELS_ID[key], "pekerjaan_" + key):
            lookup[normalise_header(name)] = key
    lookup["k3"] = "smkk"
    return lookup


_DIVISIONS = _division_lookup()


def division_of(text: Any) -> str | None:
    """The RAB division a cell names (its key, English or Indonesian label, "pekerjaan x", K3), or None."""
    return _DIVISIONS.get(normalise_header(text)) if cell_text(text) else None


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
    """What a new entry is checked against: the construction's start, today, the built scenario's RAB lines and
    blocks, and the entries so far (add them in the order they were booked)."""

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

    def left(self, reference: str) -> int:
        """What the corrections of an entry can still take off."""
        return self.entries[reference].amount - self.corrected.get(reference, 0)


def corrected_reference(reference: str, amount: int) -> str | None:
    """The reference a correction names; None for an ordinary (positive) entry."""
    if amount >= 0:
        return None
    match = CORRECTION.match(reference)
    return match.group("of") if match else None


def corrections_of(shown: Iterable[str], negative: Iterable[str]) -> dict[str, list[str]]:
    """The references among `negative` (the references of negative entries, in booking order) that correct one of
    `shown`, by the reference they correct."""
    wanted = set(shown)
    found: dict[str, list[str]] = defaultdict(list)
    for reference in negative:
        match = CORRECTION.match(reference)
        if match and match.group("of") in wanted:
            found[match.group("of")].append(reference)
    return dict(found)


def line_divisions(lines: Iterable[tuple[str, str]]) -> dict[str, tuple[str, ...]]:
    """(item code, division) of a RAB's lines as item code -> the divisions it is in, in the RAB's order (an item
    can be in several), by item code."""
    found: dict[str, set[str]] = defaultdict(set)
    for code, division in lines:
        found[code].add(division)
    order = list(DIVISIONS)
    return {code: tuple(sorted(divisions, key=order.index)) for code, divisions in sorted(found.items())}


def record_form(data: Mapping[str, Any]) -> dict[str, Any]:
    """The record form as an entry to check; a negative amount is refused: corrections have their own form."""
    raw = {key: data.get(key, "") for key in FIELDS if key != "corrects"}
    if cell_text(raw.get("amount")).startswith("-"):
        raise CostBookError(Message("costs.negative_in_form", N_(
            "An entry is corrected with the correction form, not with a negative amount.")), field="amount")
    return raw


def correction_form(data: Mapping[str, Any]) -> dict[str, Any]:
    """The correction form (`corrects`, the amount taken off written positive or negative, `entry_date`, `note`)
    as the negative entry to check."""
    taken = cell_text(data.get("amount")).lstrip("-")
    raw = {"entry_date": data.get("entry_date", ""), "amount": f"-{taken}" if taken else "",
           "corrects": data.get("corrects", ""), "note": data.get("note", "")}
    if not cell_text(raw["corrects"]):
        raise CostBookError(Message("costs.correction_form_unnamed", N_("Name the reference of the entry to correct.")),
                            field="corrects")
    return raw


Add = Callable[..., None]


def check_entry(book: Book, raw: Mapping[str, Any], *, row: int | None = None,
                titles: Mapping[str, str] | None = None) -> tuple[Booked | None, list[RowProblem]]:
    """One entry (a form's fields or a file's row, by column key) checked against the book; every problem found.

    Keys: entry_date, amount, division, line, block, payee, reference, corrects, note. A negative amount or a
    `corrects` makes it a correction. `titles` names the columns as the file writes them. The book is not
    changed: `Book.add` the entry once it is accepted."""
    problems: list[RowProblem] = []
    titles = titles or {}

    def add(key: str, kind: str, msgid: str, **fields: Any) -> None:
        problems.append(RowProblem(row, titles.get(key, key), Message(kind, msgid, fields)))

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
    if note is not None and len(note) > NOTE_MAX:
        add("note", "costs.note_long", N_("The note is longer than {n} characters."), n=NOTE_MAX)
    if corrects or (amount is not None and amount < 0):
        entry = _correction(book, corrects, reference, day, amount, note, raw, add)
    else:
        entry = _ordinary(book, reference, day, amount, note, raw, add)
    if problems or entry is None:
        return None, problems
    return Booked(**{**entry, "row": row}), []


def check_entries(book: Book, rows: Iterable[tuple[int, Mapping[str, Any]]],
                  titles: Mapping[str, str] | None = None) -> tuple[list[Booked], list[RowProblem]]:
    """A file's rows ((row number, cells by column key), in order), each checked against the book and the rows
    accepted above it, which are added to the book. The accepted entries and every problem found."""
    accepted: list[Booked] = []
    problems: list[RowProblem] = []
    for number, raw in rows:
        entry, found = check_entry(book, raw, row=number, titles=titles)
        if found:
            problems.extend(found)
        else:
            book.add(entry)
            accepted.append(entry)
    return accepted, problems


def _amount(value: Any, add: Add) -> int | None:
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
              raw: Mapping[str, Any], add: Add) -> dict[str, Any] | None:
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


def _division(book: Book, raw: Mapping[str, Any], add: Add) -> str | None:
    text = cell_text(raw.get("division"))
    line = cell_text(raw.get("line"))
    division = division_of(text)
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


def _block(book: Book, raw: Mapping[str, Any], add: Add) -> str | None | bool:
    """The block, None when none is given, False when it is not one of the construction's."""
    block = cell_text(raw.get("block")) or None
    if block is not None and block not in book.blocks:
        add("block", "costs.block_unknown", N_("There is no block {block} in this construction ({blocks})."),
            block=block[:20], blocks=", ".join(book.blocks))
        return False
    return block


def _correction(book: Book, corrects: str, reference: str, day: date | None, amount: int | None,
                note: str | None, raw: Mapping[str, Any], add: Add) -> dict[str, Any] | None:
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
    left = book.left(corrects)
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
        mapped = division_of(given) if key == "division" else given
        if given and mapped != value:
            add(key, "costs.correction_moves", N_(
                "A correction stays where {reference} was booked ({value}): to move a cost, correct it in full "
                "and record it again."), reference=corrects, value=value or "—")
    if day is None or amount is None:
        return None
    return {"entry_date": day, "amount": amount, "division": original.division, "line": original.line,
            "block": original.block, "payee": original.payee, "reference": generated, "note": note,
            "corrects": corrects}
