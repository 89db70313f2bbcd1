"""The work packages' schedule as an .xlsx workbook, to edit offline and import back.

The export has one row a package: kode, blok, pekerjaan, biaya, bobot_persen, mulai, selesai. The import reads
kode, biaya, mulai and selesai (Indonesian or English headers, any order; .xlsx or .csv) and saves them through
`construction.save_schedule`, so the weights follow the costs as on the page. Blok, pekerjaan and bobot are only
shown: the sheet protects them (without a password, as a reminder, not a lock) and the import ignores them. An
empty cell keeps the package's value; a package left out is unchanged. All or nothing: every problem is listed
with its row, and nothing is saved while one is left.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from sqlalchemy.orm import Session

from app.construction import service as construction
from app.construction.costs import CostInvalid, CostProblem
from app.construction.models import WorkPackage
from app.projects.models import Project
from app.tabular import TableFileError, cell_date, cell_text, read_table
from costing.errors import CostingError
from costing.workbook import DIVISION_LABELS_ID, FMT_DATE, FMT_RUPIAH, parse_number
from kernel.messages import N_, Message

COLUMNS: dict[str, tuple[str, ...]] = {
    "code": ("kode", "kode_paket", "code"),
    "cost": ("biaya", "biaya_rp", "cost"),
    "start": ("mulai", "tanggal_mulai", "start"),
    "finish": ("selesai", "tanggal_selesai", "finish"),
}
HEADERS = ("kode", "blok", "pekerjaan", "biaya", "bobot_persen", "mulai", "selesai")
WIDTHS = (16, 8, 44, 18, 14, 13, 13)
EDITABLE = ("biaya", "mulai", "selesai")
MAX_ROWS = 5_000
MAX_COST = 10**13

_BOLD = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="D9E2F3")
_SHOWN_FILL = PatternFill("solid", fgColor="EEEEEE")


def write(project: Project, packages: list[WorkPackage]) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "Jadwal"
    for column, (title, width) in enumerate(zip(HEADERS, WIDTHS, strict=True), start=1):
        cell = ws.cell(row=1, column=column, value=title)
        cell.font, cell.fill = _BOLD, _HEADER_FILL
        cell.alignment = Alignment(vertical="center")
        ws.column_dimensions[get_column_letter(column)].width = width
    ws.freeze_panes = "B2"
    for row, p in enumerate(packages, start=2):
        values = (p.code, p.building_code, p.name or DIVISION_LABELS_ID.get(p.division, p.division), p.cost,
                  float(p.weight_pct), p.start, p.finish)
        for column, (title, value) in enumerate(zip(HEADERS, values, strict=True), start=1):
            cell = ws.cell(row=row, column=column, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # a name is text, never a formula
            if title == "biaya":
                cell.number_format = FMT_RUPIAH
            elif title in ("mulai", "selesai"):
                cell.number_format = FMT_DATE
            elif title == "bobot_persen":
                cell.number_format = "0.00"
            if title in EDITABLE:
                cell.protection = Protection(locked=False)
            else:
                cell.fill = _SHOWN_FILL
    ws.protection.sheet = True
    ws.protection.formatColumns = False  # widening a column stays possible
    guide = wb.create_sheet("Petunjuk")
    guide.column_dimensions["A"].width = 100
    for row, text in enumerate((
            f"Jadwal paket pekerjaan: {project.name}",
            "Ubah biaya (rupiah bulat), mulai dan selesai (tanggal) lalu impor berkas ini kembali di halaman jadwal.",
            "Kolom kode menunjuk paketnya: jangan diubah. Blok, pekerjaan dan bobot hanya ditampilkan; bobot dihitung "
            "ulang dari biaya saat impor, selalu berjumlah 100%.",
            "Sel kosong: nilai paket tetap. Baris yang dihapus: paketnya tetap. Satu baris salah: tidak ada yang "
            "disimpan.",
    ), start=1):
        guide.cell(row=row, column=1, value=text).font = _BOLD if row == 1 else Font()
    buffer = io.BytesIO()
    wb.properties.creator = "Japra"
    wb.save(buffer)
    return buffer.getvalue()


def read_rows(session: Session, project: Project, path: str | Path,
              filename: str | None) -> tuple[list[dict[str, str]], list[CostProblem]]:
    """The file's rows (code, and cost and dates as text, "" for an empty cell), and every problem by its row; the
    rows `import_file` hands to `save_schedule`. Raises TableFileError when the
    file as a whole cannot be read."""
    path = Path(path)
    filename = filename or path.name
    table = read_table(path, filename, COLUMNS, max_rows=MAX_ROWS)
    if "code" not in table.columns:
        raise TableFileError(Message("schedule.columns_missing", N_(
            "{file} has no column kode. The first row must name the columns: kode, biaya, mulai, selesai."),
            {"file": filename}))
    if not table.rows:
        raise TableFileError(Message("schedule.no_rows", N_("{file} has a header but no work packages."),
                                     {"file": filename}))
    known = {p.code: p for p in construction.packages_of(session, project)}
    rows: list[dict[str, str]] = []
    problems: list[CostProblem] = []
    seen: dict[str, int] = {}

    def add(row: int, key: str, kind: str, msgid: str, **fields: Any) -> None:
        problems.append(CostProblem(row, table.titles.get(key, key), Message(kind, msgid, fields)))

    for number, raw in table.rows:
        code = cell_text(raw.get("code"))
        if code not in known:
            add(number, "code", "schedule.package_unknown", N_("There is no work package {code}."), code=code[:40])
            continue
        if code in seen:
            add(number, "code", "schedule.package_twice", N_("Work package {code} is also in row {other}."),
                code=code, other=seen[code])
            continue
        seen[code] = number
        out = {"code": code, "cost": "", "start": "", "finish": ""}
        value = raw.get("cost")
        if cell_text(value):
            try:
                cost = parse_number(value, money=True)
            except CostingError:
                cost = None
            if cost is None or cost < 0 or cost != cost.to_integral_value() or cost > MAX_COST:
                add(number, "cost", "schedule.cost_invalid", N_(
                    "The cost must be whole rupiah from 0 up, not {value}."), value=cell_text(value)[:40])
            else:
                out["cost"] = str(int(cost))
        for key in ("start", "finish"):
            try:
                day = cell_date(raw.get(key))
            except ValueError:
                add(number, key, "schedule.date_invalid", N_(
                    "Write the date as YYYY-MM-DD or DD/MM/YYYY, not {value}."), value=cell_text(raw.get(key))[:40])
                continue
            out[key] = day.isoformat() if day else ""
        start = out["start"] or known[code].start.isoformat()
        finish = out["finish"] or known[code].finish.isoformat()
        if finish < start:
            add(number, "finish", "schedule.finish_before_start", N_(
                "Work package {code} finishes ({finish}) before it starts ({start})."), code=code, finish=finish,
                start=start)
        rows.append(out)
    return rows, problems


def import_file(session: Session, actor: Any, project: Project, path: str | Path, filename: str | None) -> int:
    """The file's costs and dates saved, or nothing: CostInvalid lists every row's problems; the weighing's own
    problems (a finish before its start) come as ProgressInvalid naming the package."""
    rows, problems = read_rows(session, project, path, filename)
    if problems:
        raise CostInvalid(problems)
    return store_rows(session, actor, project, rows)


def store_rows(session: Session, actor: Any, project: Project, rows: list[dict[str, str]]) -> int:
    """The rows `read_rows` found without problems, saved through `construction.save_schedule`."""
    return construction.save_schedule(session, actor, project, [
        construction.PackageChange(row["code"], int(row["cost"]) if row["cost"] else None, cell_date(row["start"]),
                                   cell_date(row["finish"])) for row in rows])
