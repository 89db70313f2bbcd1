"""The printed cost proposal: Kunir's, with and without the RAB appendix, beside bare WeasyPrint.

`run()` readies a throw-away SQLite database with the demo data (`japra db upgrade`, `japra demo`),
then measures each case in a fresh child process (`python -m benchmarks.proposal child ...`), so
the peak RSS (VmHWM) is that case's alone:

- `proposal`: `app.designs.proposal.proposal_pdf` for Kunir's current scenario ("Terbangun
  2022", 33 units, a 64-line RAB): the database queries, the costing, the template, the map and
  WeasyPrint with the bundled fonts; `appendix` adds the detailed RAB.
- `baseline`: WeasyPrint alone printing a bare HTML table (six cells a row, no stylesheet, no web
  font) with as many rows as the proposal's HTML has, the least that paper with that much table
  can cost.

Each child renders once cold (fonts loaded, caches empty: what a worker process pays first) and
then `rounds` times warm; the warm median is the figure to compare. Returns one dict per case.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PROJECT = "kunir"
CHILD_TIMEOUT_S = 600


def _peak_rss_mib() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _pages(pdf: bytes) -> int:
    from io import BytesIO

    from pypdf import PdfReader

    return len(PdfReader(BytesIO(pdf)).pages)


def _proposal_renderer(appendix: bool):
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from app.db.engine import make_engine
    from app.designs import service as designs
    from app.designs.proposal import proposal_html, proposal_pdf
    from app.projects.models import Project

    engine = make_engine(os.environ["JAPRA_DATABASE_URL"])
    slug = os.environ.get("JAPRA_BENCH_PROJECT", PROJECT)

    def render() -> bytes:
        with Session(engine) as session:
            project = session.scalar(select(Project).where(Project.slug == slug))
            scenario = designs.by_name(session, project, None)
            return proposal_pdf(session, project, scenario, appendix=appendix)

    with Session(engine) as session:
        project = session.scalar(select(Project).where(Project.slug == slug))
        rows = proposal_html(session, project, designs.by_name(session, project, None), appendix=appendix).count("<tr")
    return render, rows


def bare_table_html(rows: int) -> str:
    row = ("<tr><td>A.4.1.1.4</td><td>Membuat 1 m3 beton mutu f'c = 21,7 MPa (K 250)</td><td>166,40</td>"
           "<td>m3</td><td>Rp1.814.929</td><td>Rp302.004.102</td></tr>")
    return ("<!DOCTYPE html><html><body><table><thead><tr><th>Item</th><th>Uraian</th><th>Volume</th>"
            "<th>Satuan</th><th>Harga satuan</th><th>Jumlah</th></tr></thead><tbody>"
            + row * rows + "</tbody></table></body></html>")


def _baseline_renderer(rows: int):
    from weasyprint import HTML

    html = bare_table_html(rows)

    def render() -> bytes:
        return HTML(string=html).write_pdf()

    return render, rows


def child(kind: str, appendix: bool, rows: int, rounds: int) -> dict[str, Any]:
    """One case in this process: a cold render, then `rounds` warm ones."""
    render, rows = _proposal_renderer(appendix) if kind == "proposal" else _baseline_renderer(rows)
    start = time.perf_counter()
    pdf = render()
    cold = time.perf_counter() - start
    warm = []
    for _ in range(rounds):
        start = time.perf_counter()
        render()
        warm.append(time.perf_counter() - start)
    return {"cold_s": round(cold, 3), "warm_s": round(statistics.median(warm), 3) if warm else None,
            "rows": rows, "pages": _pages(pdf), "bytes": len(pdf), "peak_rss_mib": round(_peak_rss_mib(), 1)}


def _spawn(env: dict[str, str], *args: str) -> dict[str, Any]:
    out = subprocess.run([sys.executable, "-m", "benchmarks.proposal", "child", *args], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=CHILD_TIMEOUT_S, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def run(rounds: int = 3) -> list[dict[str, Any]]:
    """Kunir's proposal without and with the appendix, each beside bare WeasyPrint with as many table rows."""
    with tempfile.TemporaryDirectory(prefix="japra-bench-proposal-") as tmp:
        env = {**os.environ, "JAPRA_DATABASE_URL": f"sqlite:///{Path(tmp) / 'bench.sqlite3'}",
               "JAPRA_DATA_DIR": str(Path(tmp) / "data"), "JAPRA_LOCALE": "id"}
        for args in (["db", "upgrade"], ["demo"]):
            subprocess.run([sys.executable, "-m", "app.cli", *args], cwd=ROOT, env=env, capture_output=True,
                           text=True, timeout=CHILD_TIMEOUT_S, check=True)
        results = []
        for appendix in (False, True):
            japra = _spawn(env, "proposal", "1" if appendix else "0", "0", str(rounds))
            baseline = _spawn(env, "baseline", "0", str(japra["rows"]), str(rounds))
            results.append({
                "case": f"kunir proposal{' + RAB appendix' if appendix else ''}",
                "appendix": appendix, "rounds": rounds, "table_rows": japra["rows"],
                "japra": japra, "baseline": baseline,
                "ratio_warm": round(japra["warm_s"] / baseline["warm_s"], 2)
                if japra["warm_s"] and baseline["warm_s"] else None,
            })
        return results


if __name__ == "__main__":
    if len(sys.argv) == 6 and sys.argv[1] == "child":
        _kind, _appendix, _rows, _rounds = sys.argv[2], sys.argv[3] == "1", int(sys.argv[4]), int(sys.argv[5])
        print(json.dumps(child(_kind, _appendix, _rows, _rounds)))
    else:
        print(json.dumps(run(), indent=2))
