"""A table from a .csv or .xlsx file whose columns are found by their headers: the reading that the
member list, payment, cost and schedule imports share.

The file is opened by the one spreadsheet reader (`kernel.sheets`, which the price library and RAB
workbooks use too); only the first sheet of a workbook is read, streamed. The first non-blank row
among the first ten names the columns; a header matches one of a column's aliases with case, spaces
and punctuation ignored ("Nomor Anggota" is nomor_anggota). Columns the caller does not know are
ignored, and not kept while the rows are read. Row numbers are the spreadsheet's own (the header's
row is 1 when it is on top), so a message can point at the row the user sees; blank rows are left
out and count toward no limit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kernel.cells import RowProblem, cell_date, cell_text, normalise_header
from kernel.errors import UserError
from kernel.messages import N_, Message
from kernel.sheets import HEADER_SEARCH_ROWS, Refusals, open_book

# The cell readers and the row problem live in the kernel, shared with the pure packages' row checks; they are
# named here too for the shell's modules that read tables.
__all__ = ["RowProblem", "Table", "TableFileError", "cell_date", "cell_text", "normalise_header", "read_table"]


class TableFileError(UserError):
    """The file as a whole cannot be read as a table; `message` says why, for the user."""

    def __init__(self, message: Message) -> None:
        super().__init__(message)


@dataclass(frozen=True)
class Table:
    columns: dict[str, int]  # column key -> position in the row
    titles: dict[str, str]  # column key -> its header as the file writes it
    rows: list[tuple[int, dict[str, Any]]]  # (spreadsheet row, {column key: cell value}), blank rows left out

    def missing(self, required: tuple[str, ...], aliases: Mapping[str, tuple[str, ...]]) -> list[str]:
        """The required columns the file lacks, by their first (Indonesian) header."""
        return [aliases[key][0] for key in required if key not in self.columns]


# The file is opened by the one spreadsheet reader (`kernel.sheets`), in the words these tables' users know.
_BINARY = N_("{file} is not a UTF-8 text or .xlsx file: save it again as CSV UTF-8 or .xlsx.")
_UNREADABLE = N_("{file} is not a spreadsheet that can be read: save it as .xlsx or .csv.")
REFUSALS = Refusals(TableFileError, "table", {
    "empty": N_("{file} is empty."),
    "binary": _BINARY,
    "not_utf8": _BINARY,
    "not_spreadsheet": _UNREADABLE,
    "damaged": _UNREADABLE,
    "too_many_rows": N_("{file} has more than {n} rows."),
})


def read_table(path: str | Path, filename: str | None, aliases: Mapping[str, tuple[str, ...]], *,
               max_rows: int) -> Table:
    """The file's rows by column key (`aliases`: key -> accepted headers). The caller decides which
    columns are required (`Table.missing`) and what a table without rows means."""
    with open_book(path, filename, max_rows=max_rows, refusals=REFUSALS) as book:
        name, rows = book.name, book.first_sheet().rows()
        first = next(rows, None)
        if first is None or first[0] > HEADER_SEARCH_ROWS:
            raise REFUSALS("empty", file=name)
        header = first[1]
        lookup = {alias: key for key, names in aliases.items() for alias in names}
        columns: dict[str, int] = {}
        for number, title in header.items():
            key = lookup.get(normalise_header(title))
            if key and key not in columns:
                columns[key] = number
        # Streamed, only the known columns kept, and stopped at the first row too many: a wide or long sheet
        # costs no more memory than the table it gives.
        body: list[tuple[int, dict[str, Any]]] = []
        for row, values in rows:
            if len(body) == max_rows:
                raise REFUSALS("too_many_rows", file=name, n=max_rows, sheet=name, max=max_rows)
            body.append((row, {key: values.get(number) for key, number in columns.items()}))
    return Table({key: number - 1 for key, number in columns.items()},
                 {key: str(header[number]) for key, number in columns.items()}, body)
