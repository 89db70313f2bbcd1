"""Construction progress at size: a project's S-curves from the database, and a progress report PDF with 40 photos.

`run()` readies a throw-away SQLite database with the demo data (`japra db upgrade`, `japra demo`: Marlina under
construction with weekly reports), adds what each case needs, then measures each case in a fresh child process
(`python -m benchmarks.progress child CASE`), so the peak RSS (VmHWM) is that case's alone:

- `scurves`: Akuarium given a construction of 10 blocks x 20 work packages (weights from `progress.schedule.weigh`,
  staggered over two years) and 104 weekly reports of every package (20,800 percents, rising, a block's pace of 80
  to 100% of the plan). Timed: `app.construction.service.progress_of` as the construction page calls it, in a new
  session each round (reading the packages and reports, checking them, the planned and actual curves of the project
  and of each block, week by week, and their status). Also split: the same inputs already loaded, `scurves` alone.
- `scurves-baseline`: one SQL query over the same rows with the DB-API (`sqlite3`), the sum of weight x percent
  per report date: the actual curve only, no plan, no checks, no status; the least the figure can cost.
- `pdf`: Marlina's progress report for October (`app.construction.progress_report.progress_report_pdf`) after 40
  photos (phone-sized 4,000 x 3,000 JPEGs, 8 for each of the month's 5 reports) went through the photo service;
  the report reads their 2,048-pixel public copies, scales them to 720 pixels and embeds them, 12 a page.
- `pdf-without-photos`: the same report with its photo pages left out, to tell what the photos cost.
- `pdf-baseline`: WeasyPrint alone printing the same 40 public copies (linked files, not scaled), 12 a page with
  a caption each, and nothing else: no database, no chart, no tables, no map.

Each child runs once cold and then `rounds` times warm; the warm median is the figure to compare.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from decimal import ROUND_DOWN, Decimal
from io import BytesIO
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CHILD_TIMEOUT_S = 900
BLOCKS = 10
PACKAGES_PER_BLOCK = 20
WEEKS = 104
START = date(2025, 1, 6)
AS_OF = START + timedelta(weeks=WEEKS) - timedelta(days=2)  # the 104th report, a Saturday
SCURVE_PROJECT = "akuarium"
PDF_PROJECT = "marlina"
PDF_PERIOD = "2026-10"
PHOTOS = 40
PHOTO_SIZE = (4000, 3000)


def _peak_rss_mib() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    return float("nan")


def _timed(fn, rounds: int) -> dict[str, Any]:
    start = time.perf_counter()
    fn()
    cold = time.perf_counter() - start
    warm = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        warm.append(time.perf_counter() - start)
    return {"cold_s": round(cold, 4), "warm_s": round(statistics.median(warm), 4),
            "warm_min_s": round(min(warm), 4), "rounds": rounds}


# --- set-up (in the parent) ---------------------------------------------------------------------


def _engine():
    from app.db.engine import make_engine

    return make_engine(os.environ["JAPRA_DATABASE_URL"])


def build_scurve_project() -> dict[str, int]:
    """Akuarium's construction: 10 blocks x 20 packages and 104 weekly reports of every package, written directly."""
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from app.construction.models import Construction, ProgressEntry, ProgressReport, WorkPackage
    from app.designs import service as designs
    from app.projects.models import Project
    from progress.schedule import PackageCost, weigh

    rng = random.Random(2026)
    with Session(_engine()) as session:
        project = session.scalar(select(Project).where(Project.slug == SCURVE_PROJECT))
        scenario = designs.by_name(session, project, None)
        session.add(Construction(project_id=project.id, scenario_id=scenario.id, started_on=START,
                                 contract_value=100_000_000_000))
        costs = []
        for b in range(BLOCKS):
            block = chr(ord("A") + b)
            for k in range(PACKAGES_PER_BLOCK):
                begin = START + timedelta(weeks=(k * 3 + b) % 60)
                end = begin + timedelta(days=7 * rng.randint(12, 40) - 1)
                costs.append(PackageCost(f"{block}-{k:02d}", block, "struktur", rng.randint(50, 900) * 1_000_000,
                                         begin, min(end, START + timedelta(weeks=WEEKS) - timedelta(days=1))))
        planned = weigh(costs)
        rows = []
        for position, (p, c) in enumerate(zip(planned, costs, strict=True)):
            row = WorkPackage(project_id=project.id, code=p.key, building_code=p.building, division=p.division,
                              name=f"Paket {p.key}", cost=c.cost, weight_pct=p.weight, start=p.start,
                              finish=p.finish, position=position)
            rows.append((row, p))
            session.add(row)
        session.flush()
        pace = {chr(ord("A") + b): Decimal(80 + 2 * b) / 100 for b in range(BLOCKS)}
        entries = 0
        for week in range(1, WEEKS + 1):
            day = START + timedelta(weeks=week) - timedelta(days=2)
            report = ProgressReport(project_id=project.id, report_date=day, reporter="Pengawas lapangan", workers=40)
            for row, p in rows:
                span = (p.finish - p.start).days + 1
                share = Decimal(min(max((day - p.start).days + 1, 0), span)) / span
                pct = (share * pace[p.building] * 100).quantize(Decimal("0.01"), ROUND_DOWN)
                report.entries.append(ProgressEntry(package_id=row.id, percent=pct))
                entries += 1
            session.add(report)
        session.commit()
        return {"packages": len(rows), "reports": WEEKS, "entries": entries}


def _phone_photo(seed: int) -> bytes:
    """A 12-megapixel JPEG that compresses like a photo of a site (gradients and fine noise), about 3-5 MB."""
    from PIL import Image, ImageDraw

    w, h = PHOTO_SIZE
    small = Image.effect_noise((w // 4, h // 4), 60).convert("RGB")
    base = Image.linear_gradient("L").resize((w, h)).convert("RGB")
    image = Image.blend(base, small.resize((w, h)), 0.45)
    draw = ImageDraw.Draw(image)
    draw.rectangle([seed * 50 % w, 400, seed * 50 % w + 600, 1400], fill=(150 + seed, 90, 60))
    out = BytesIO()
    image.save(out, "JPEG", quality=88)
    return out.getvalue()


def add_pdf_photos() -> dict[str, Any]:
    """40 photos through the photo service, 8 on each of the month's reports of Marlina."""
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from app.config import get_settings
    from app.construction import photos as site_photos
    from app.construction.models import ProgressReport
    from app.construction.progress_report import report_period
    from app.projects.models import Project

    period = report_period(PDF_PERIOD)
    store = site_photos.PhotoStore.from_settings(get_settings())
    total_bytes = 0
    with Session(_engine()) as session:
        project = session.scalar(select(Project).where(Project.slug == PDF_PROJECT))
        reports = session.scalars(select(ProgressReport).where(
            ProgressReport.project_id == project.id, ProgressReport.report_date >= period.start,
            ProgressReport.report_date <= period.end).order_by(ProgressReport.report_date)).all()
        if not reports:
            raise RuntimeError(f"the demo has no report of {PDF_PROJECT} in {PDF_PERIOD}")
        per_report = -(-PHOTOS // len(reports))
        n = 0
        for report in reports:
            uploads = []
            for _ in range(min(per_report, PHOTOS - n)):
                content = _phone_photo(n)
                total_bytes += len(content)
                uploads.append(site_photos.PhotoUpload(f"IMG_{n:04d}.jpg", content,
                                                       f"Dokumentasi pekerjaan minggu ini, foto {n + 1}", "AB"[n % 2]))
                n += 1
            if uploads:
                site_photos.add_photos(session, "benchmark", store, project, uploads, report.report_date)
        project_id = project.id
        session.commit()
    return {"photos": n, "original_mib": round(total_bytes / 2**20, 1), "folder": str(store.folder),
            "project_folder": str(store.project_folder(project_id))}


# --- the cases (each in a child process) --------------------------------------------------------


def _scurves_case(rounds: int) -> dict[str, Any]:
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from app.construction import service as construction
    from app.projects.models import Project
    from progress.reports import scurves

    engine = _engine()

    def full():
        with Session(engine) as session:
            project = session.scalar(select(Project).where(Project.slug == SCURVE_PROJECT))
            return construction.progress_of(session, project, AS_OF)

    result = full()
    timing = _timed(full, rounds)
    with Session(engine) as session:
        project = session.scalar(select(Project).where(Project.slug == SCURVE_PROJECT))
        rows = construction.packages_of(session, project)
        packages = construction.planned_packages(rows)
        reports = construction.as_reports(construction.reports_of(session, project), rows)
        start = construction.get(session, project).started_on
    library = _timed(lambda: scurves(packages, reports, AS_OF, start=start), rounds)
    a = result.project.assessment
    return {**timing, "library_warm_s": library["warm_s"], "weeks": len(result.project.periods),
            "buildings": len(result.buildings), "status": a.status, "actual_pct": str(a.actual_pct),
            "planned_pct": str(a.planned_pct), "peak_rss_mib": _peak_rss_mib()}


def _scurves_baseline_case(rounds: int) -> dict[str, Any]:
    import sqlite3

    from sqlalchemy.engine import make_url

    path = make_url(os.environ["JAPRA_DATABASE_URL"]).database
    connection = sqlite3.connect(path)
    query = ("SELECT r.report_date, SUM(CAST(p.weight_pct AS REAL) * CAST(e.percent AS REAL)) / 100.0 "
             "FROM progress_entry e JOIN progress_report r ON r.id = e.report_id "
             "JOIN work_package p ON p.id = e.package_id JOIN project j ON j.id = r.project_id "
             "WHERE j.slug = ? GROUP BY r.report_date ORDER BY r.report_date")
    curve: list[tuple[str, float]] = []

    def run() -> None:
        curve[:] = connection.execute(query, (SCURVE_PROJECT,)).fetchall()

    timing = _timed(run, rounds)
    return {**timing, "points": len(curve), "last_actual_pct": round(curve[-1][1], 2) if curve else None,
            "peak_rss_mib": _peak_rss_mib()}


def _pages(pdf: bytes) -> int:
    from pypdf import PdfReader

    return len(PdfReader(BytesIO(pdf)).pages)


def _pdf_case(rounds: int, photos: bool = True) -> dict[str, Any]:
    from datetime import datetime

    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from app.construction import progress_report
    from app.construction.progress_report import progress_report_pdf, report_period

    if not photos:
        progress_report.MAX_PHOTOS = 0  # the same report, its photo pages left out
    from app.i18n import JAKARTA
    from app.projects.models import Project

    engine = _engine()
    period = report_period(PDF_PERIOD)
    today = datetime.now(JAKARTA).date()
    out: list[bytes] = []

    def render() -> None:
        with Session(engine) as session:
            project = session.scalar(select(Project).where(Project.slug == PDF_PROJECT))
            out[:] = [progress_report_pdf(session, project, period, today=today)]

    timing = _timed(render, rounds)
    return {**timing, "pages": _pages(out[0]), "pdf_mib": round(len(out[0]) / 2**20, 2),
            "peak_rss_mib": _peak_rss_mib()}


def _pdf_baseline_case(rounds: int) -> dict[str, Any]:
    from weasyprint import HTML

    folder = Path(os.environ["JAPRA_BENCH_PHOTO_FOLDER"])
    photos = sorted(folder.glob("*.public.jpg"))
    cells = [f'<td><img src="{p.as_uri()}"><p>Dokumentasi pekerjaan, foto {i + 1}</p></td>'
             for i, p in enumerate(photos)]
    rows = ["<tr>" + "".join(cells[i:i + 3]) + "</tr>" for i in range(0, len(cells), 3)]
    pages = ["<table>" + "".join(rows[i:i + 4]) + "</table>" for i in range(0, len(rows), 4)]
    html = ("<!DOCTYPE html><html><head><style>@page { size: A4; margin: 18mm } table { width: 100%; "
            "break-after: page; table-layout: fixed } td { width: 33%; vertical-align: top } img { max-width: 100%; "
            "max-height: 40mm }</style></head><body>" + "".join(pages) + "</body></html>")
    out: list[bytes] = []

    def render() -> None:
        out[:] = [HTML(string=html).write_pdf()]

    timing = _timed(render, rounds)
    return {**timing, "photos": len(photos), "pages": _pages(out[0]), "pdf_mib": round(len(out[0]) / 2**20, 2),
            "peak_rss_mib": _peak_rss_mib()}


CASES = {"scurves": _scurves_case, "scurves-baseline": _scurves_baseline_case, "pdf": _pdf_case,
         "pdf-without-photos": lambda rounds: _pdf_case(rounds, photos=False), "pdf-baseline": _pdf_baseline_case}


def _call(env: dict[str, str], *args: str) -> str:
    out = subprocess.run([sys.executable, "-m", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=CHILD_TIMEOUT_S, check=False)
    if out.returncode:
        raise RuntimeError(f"{' '.join(args)} failed: {out.stderr.strip()[-2000:]}")
    return out.stdout


def _spawn(env: dict[str, str], case: str, rounds: int) -> dict[str, Any]:
    return json.loads(_call(env, "benchmarks.progress", "child", case, str(rounds)).strip().splitlines()[-1])


def _ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 1) if a and b else None


def run(rounds: int = 5) -> dict[str, Any]:
    """Both benchmarks, each beside its baseline; returns their figures."""
    with tempfile.TemporaryDirectory(prefix="japra-bench-progress-") as tmp:
        env = {**os.environ, "JAPRA_DATABASE_URL": f"sqlite:///{Path(tmp) / 'bench.sqlite3'}",
               "JAPRA_DATA_DIR": str(Path(tmp) / "data"), "JAPRA_PHOTO_DIR": str(Path(tmp) / "photos"),
               "JAPRA_LOCALE": "id"}
        for args in (["db", "upgrade"], ["demo"]):
            _call(env, "app.cli", *args)
        made = json.loads(_call(env, "benchmarks.progress", "setup").strip().splitlines()[-1])
        env["JAPRA_BENCH_PHOTO_FOLDER"] = made["photos"]["project_folder"]
        scurve, scurve_base = _spawn(env, "scurves", rounds), _spawn(env, "scurves-baseline", rounds)
        pdf_rounds = max(rounds // 2, 1)
        pdf, pdf_base = _spawn(env, "pdf", pdf_rounds), _spawn(env, "pdf-baseline", pdf_rounds)
        pdf_bare = _spawn(env, "pdf-without-photos", pdf_rounds)
    return {
        "scurves": {"case": f"{BLOCKS} blocks x {PACKAGES_PER_BLOCK} packages x {WEEKS} weekly reports",
                    **made["scurves"], "japra": scurve, "baseline": scurve_base,
                    "ratio_warm": _ratio(scurve["warm_s"], scurve_base["warm_s"])},
        "pdf": {"case": f"progress report of {PDF_PERIOD} with {made['photos']['photos']} photos",
                "original_photos_mib": made["photos"]["original_mib"], "japra": pdf, "baseline": pdf_base,
                "japra_without_photos": pdf_bare,
                "ratio_warm": _ratio(pdf["warm_s"], pdf_base["warm_s"])},
    }


def _setup() -> dict[str, Any]:
    return {"scurves": build_scurve_project(), "photos": add_pdf_photos()}


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "child":
        print(json.dumps(CASES[sys.argv[2]](int(sys.argv[3]))))
    elif len(sys.argv) == 2 and sys.argv[1] == "setup":
        print(json.dumps(_setup()))
    else:
        print(json.dumps(run(), indent=2))
