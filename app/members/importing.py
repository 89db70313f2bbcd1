"""Reading a member list from .csv or .xlsx: every row checked (`allocation.members`), every problem named, nothing
partial.

Columns (Indonesian or English headers, any order, case and spaces ignored):
nomor_anggota (number), nama (name), jumlah_jiwa (household_size), penghasilan (monthly_income),
lansia (elderly), disabilitas (disability), lantai_dasar (needs_ground_floor), warga_asli
(original_resident), tanggal_masuk (joined_on), simpanan_pokok, simpanan_wajib, simpanan_sukarela,
nik, catatan (notes). Only the number and the name are required. Yes/no cells take ya/tidak,
yes/no, 1/0 or x. Amounts may be written Rp1.250.000.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from allocation import members as member_rules
from app.tabular import RowProblem, TableFileError, read_table
from kernel.messages import N_, Message

COLUMNS: dict[str, tuple[str, ...]] = {
    "number": ("nomor_anggota", "no_anggota", "nomor", "number", "member_number"),
    "name": ("nama", "nama_anggota", "name"),
    "household_size": ("jumlah_jiwa", "jiwa", "anggota_keluarga", "household_size"),
    "monthly_income": ("penghasilan", "penghasilan_bulanan", "pendapatan", "monthly_income", "income"),
    "elderly": ("lansia", "elderly"),
    "disability": ("disabilitas", "difabel", "disability"),
    "needs_ground_floor": ("lantai_dasar", "perlu_lantai_dasar", "needs_ground_floor", "ground_floor"),
    "original_resident": ("warga_asli", "penghuni_asli", "original_resident"),
    "joined_on": ("tanggal_masuk", "tanggal_bergabung", "joined", "joined_on"),
    "savings_pokok": ("simpanan_pokok", "savings_pokok"),
    "savings_wajib": ("simpanan_wajib", "savings_wajib"),
    "savings_sukarela": ("simpanan_sukarela", "savings_sukarela"),
    "nik": ("nik", "no_ktp"),
    "notes": ("catatan", "keterangan", "notes"),
}
REQUIRED = ("number", "name")
MAX_ROWS = 20_000
MAX_PROBLEMS = 200


# The file as a whole is refused by the shared table reader; the member pages know it by this name.
MemberFileError = TableFileError


def read_members(path: str | Path, filename: str | None = None) -> tuple[list[dict[str, Any]], list[RowProblem]]:
    path = Path(path)
    filename = filename or path.name
    table = read_table(path, filename, COLUMNS, max_rows=MAX_ROWS)
    missing = table.missing(REQUIRED, COLUMNS)
    if missing:
        raise MemberFileError(Message("members.columns_missing", N_(
            "{file} has no column {columns}. The first row must name the columns, e.g. nomor_anggota, nama."),
            {"file": filename, "columns": ", ".join(missing)}))
    members: list[dict[str, Any]] = []
    problems: list[RowProblem] = []
    seen: dict[str, int] = {}
    for offset, raw in table.rows:
        member, found = check_member(raw, row=offset, titles=table.titles, seen=seen)
        members.append(member)
        problems.extend(found[:MAX_PROBLEMS - len(problems)])
    if not members and not problems:
        raise MemberFileError(Message("members.no_rows", N_("{file} has a header but no members."),
                                      {"file": filename}))
    return members, problems


def check_member(raw: Mapping[str, Any], *, row: int, titles: Mapping[str, str] | None = None,
                 seen: dict[str, int] | None = None) -> tuple[dict[str, Any], list[RowProblem]]:
    """One member's values (keys as in COLUMNS, raw text or cell values) checked and converted
    (`allocation.members.check_member`).

    The same checks for a spreadsheet row and for the member form. `titles` names the columns as
    the file wrote them (by default their first, Indonesian, header); `seen` (number -> row) catches a
    number twice in one file.
    """
    titles = titles or {key: aliases[0] for key, aliases in COLUMNS.items()}
    return member_rules.check_member(raw, row=row, titles=titles, seen=seen)
