"""Costing a big scenario: 5 blocks, 250 units, a 300-line RAB; and its proposal PDF.

`run()` makes a throw-away SQLite database with the demo data and adds to Marlina a current
scenario of five 5-floor blocks (10 units a floor: Tipe 36 and Tipe 45) and 300 RAB lines drawn
from the starter price library. It times:

- `compute`: `app.designs.service.compute`, one full recomputation as the scenario page does it
  (reading the scenario and the price library, pricing 300 lines, the recap, the project cost,
  250 unit costs by largest remainder, financing per unit type); median of `rounds`;
- `pure`: the same arithmetic on objects already in memory (the `costing` library alone);
- the proposal PDF for this scenario with and without the RAB appendix, beside bare WeasyPrint
  printing a table of as many rows (`benchmarks.proposal`'s children, for peak memory per case).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

from benchmarks import proposal

ROOT = Path(__file__).resolve().parent.parent
PROJECT = "marlina"
NAME = "Bench: 5 blok, 250 unit, RAB 300 baris"


def _prepare(url: str) -> None:
    from sqlalchemy import select, update
    from sqlalchemy.orm import Session

    from app.db.engine import make_engine
    from app.designs.models import Building, DesignUnitType, RabEntry, Scenario
    from app.prices.models import PriceLibrary
    from app.projects.models import Project

    engine = make_engine(url)
    with Session(engine) as session:
        project = session.scalar(select(Project).where(Project.slug == PROJECT))
        library = session.scalar(select(PriceLibrary))
        items = sorted(library.items, key=lambda i: i.code)
        session.execute(update(Scenario).where(Scenario.project_id == project.id).values(is_current=False))
        scenario = Scenario(project=project, name=NAME, is_current=True, cost_method="rab",
                            building_type="rusun_5_8_lantai", price_library=library, infrastructure=2_500_000_000,
                            land=0, contingency_pct=Decimal(5), tax_preset="jasa_konstruksi", soft_costs=[],
                            allocation="weights", floor_factors={"1": "1.1", "5": "0.9"}, financing={})
        scenario.unit_types = [DesignUnitType(code="T36", name="Tipe 36", net_area_m2=Decimal(36), bedrooms=2),
                               DesignUnitType(code="T45", name="Tipe 45", net_area_m2=Decimal(45), bedrooms=3)]
        scenario.buildings = [Building(code=code, name=f"Blok {code}", floors=5, units_per_floor={"T36": 8, "T45": 2},
                                       common_area_m2_per_floor=Decimal(120), ground_floor_units=True)
                              for code in "ABCDE"]
        scenario.rab_lines = [RabEntry(position=n + 1, division=items[n % len(items)].division,
                                       item_code=items[n % len(items)].code, volume=Decimal(10 + (n * 37) % 400),
                                       building="ABCDE"[n % 5]) for n in range(300)]
        session.add(scenario)
        session.commit()
    engine.dispose()


def _time_compute(url: str, rounds: int) -> dict[str, Any]:
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from app.db.engine import make_engine
    from app.designs import service as designs
    from app.projects.models import Project

    engine = make_engine(url)
    timings, pure = [], []
    with Session(engine) as session:
        project = session.scalar(select(Project).where(Project.slug == PROJECT))
        for _ in range(rounds):
            session.expire_all()
            start = time.perf_counter()
            cost = designs.compute(session, designs.by_name(session, project, None))
            timings.append(time.perf_counter() - start)
        scenario = designs.by_name(session, project, None)
        for _ in range(rounds):  # everything loaded: what is left is the costing library's arithmetic
            start = time.perf_counter()
            designs.compute(session, scenario)
            pure.append(time.perf_counter() - start)
    engine.dispose()
    assert sum(cost.unit_costs) == cost.total  # the figure is only worth having if the split is exact
    return {"units": cost.unit_count, "rab_lines": len(cost.rab_lines), "total": cost.total,
            "compute_ms": round(statistics.median(timings) * 1000, 1),
            "warm_compute_ms": round(statistics.median(pure) * 1000, 1)}


def run(rounds: int = 20, pdf_rounds: int = 2) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="japra-bench-costing-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        env = {**os.environ, "JAPRA_DATABASE_URL": url, "JAPRA_DATA_DIR": str(Path(tmp) / "data"),
               "JAPRA_LOCALE": "id", "JAPRA_BENCH_PROJECT": PROJECT}
        for args in (["db", "upgrade"], ["demo"]):
            subprocess.run([sys.executable, "-m", "app.cli", *args], cwd=ROOT, env=env, capture_output=True,
                           text=True, timeout=600, check=True)
        _prepare(url)
        result: dict[str, Any] = {"compute": _time_compute(url, rounds), "pdf": []}
        for appendix in (False, True):
            japra = proposal._spawn(env, "proposal", "1" if appendix else "0", "0", str(pdf_rounds))
            baseline = proposal._spawn(env, "baseline", "0", str(japra["rows"]), str(pdf_rounds))
            result["pdf"].append({
                "case": "250-unit proposal" + (" + RAB appendix" if appendix else ""), "japra": japra,
                "baseline": baseline,
                "ratio_warm": round(japra["warm_s"] / baseline["warm_s"], 2) if baseline["warm_s"] else None,
            })
        return result


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=2))
