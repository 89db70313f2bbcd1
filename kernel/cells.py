"""A spreadsheet cell or a form field as the user typed it, and a problem found at a row and column.

Shared by the pure packages that check imported rows (costs, members, payments) and by the shell's table reader
(`app.tabular`), so a form and a file are read the same way. No file is opened here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from kernel.messages import Message


@dataclass(frozen=True)
class RowProblem:
    """One thing wrong in an imported row (or a form, as row 1)."""

    row: int | None  # the spreadsheet's row number; None for the file as a whole or a form
    column: str | None  # the column's header as the file writes it, or the form's field
    message: Message


def normalise_header(text: Any) -> str:
    """A header (or a name typed in a cell) as a key: case, spaces and punctuation ignored ("Nomor Anggota" is
    nomor_anggota)."""
    return re.sub(r"[^a-z0-9]+", "_", str(text or "").strip().lower()).strip("_")


def cell_text(value: Any) -> str:
    """A cell as the text the user typed: Excel keeps a typed 1001 as the number 1001.0."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value if value is not None else "").strip()


def cell_date(value: Any) -> date | None:
    """A date cell, or text as YYYY-MM-DD, DD/MM/YYYY or DD-MM-YYYY; None when blank.

    Raises ValueError for text that is no such date."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value or "").strip()
    if not text:
        return None
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(text)
