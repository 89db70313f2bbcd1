"""The parcel import benchmark: japra's import of a generated GeoPackage beside a bare read-and-insert.

Per database (SQLite, then PostGIS when there is a server, see `postgis.py`) and per round: a new
scratch database with the migrations and the demo data, then two child processes, each timing
one import of the same file into it (`import_run.py`): japra's `plan_import` + `commit_import`
into the project, and the baseline. The order alternates between rounds. The figure is the
ratio of the medians, japra over baseline.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks import parcel_data, postgis
from benchmarks.report import format_table
from benchmarks.servers import REPO

PROJECT = "kunir"
CHILD_TIMEOUT_S = 600.0


@dataclass(frozen=True)
class Run:
    seconds: float
    cpu_seconds: float  # the child's own CPU time; less than `seconds` when it waits (a server, a busy machine)
    rows: int
    stages: dict[str, float]
    rss_start_mib: float
    peak_mib: float

    @property
    def added_mib(self) -> float:
        return self.peak_mib - self.rss_start_mib


@dataclass
class Leg:
    database: str
    source: str  # which server, or why the leg was skipped
    japra: list[Run] = field(default_factory=list)
    baseline: list[Run] = field(default_factory=list)

    @property
    def skipped(self) -> bool:
        return not self.japra

    def median(self, which: str, attribute: str) -> float:
        return statistics.median(getattr(r, attribute) for r in getattr(self, which))

    def stage_medians(self, which: str) -> dict[str, float]:
        runs: list[Run] = getattr(self, which)
        return {name: statistics.median(r.stages.get(name, 0.0) for r in runs) for name in runs[0].stages}

    @property
    def ratio(self) -> float:
        return self.median("japra", "seconds") / self.median("baseline", "seconds")

    @property
    def best_ratio(self) -> float:
        """Fastest import over fastest baseline: on a busy machine, the least disturbed runs."""
        return min(r.seconds for r in self.japra) / min(r.seconds for r in self.baseline)

    @property
    def round_ratios(self) -> list[float]:
        return [j.seconds / b.seconds for j, b in zip(self.japra, self.baseline, strict=True)]


@dataclass
class ImportOutcome:
    parcels: int
    crs: str
    file_bytes: int
    rounds: int
    legs: list[Leg]


def _child(args: list[str], env: dict[str, str]) -> str:
    result = subprocess.run([sys.executable, "-m", "benchmarks.import_run", *args], cwd=REPO, env=env,
                            capture_output=True, text=True, timeout=CHILD_TIMEOUT_S, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"`benchmarks.import_run {args[0]}` failed:\n{result.stdout}{result.stderr[-3000:]}")
    return result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""


def _run(which: str, url: str, path: Path, env: dict[str, str]) -> Run:
    out = json.loads(_child([which, url, str(path), PROJECT], env))
    return Run(seconds=out["seconds"], cpu_seconds=out["cpu_seconds"], rows=out["rows"], stages=out["stages"],
               rss_start_mib=out["rss_start_kib"] / 1024, peak_mib=out["peak_kib"] / 1024)


def _leg(leg: Leg, databases: Callable[[int], AbstractContextManager[str]], path: Path, rounds: int,
         env: dict[str, str], say: Callable[[str], None], profile_dir: Path | None) -> None:
    for n in range(rounds):
        with databases(n) as url:
            _child(["prepare", url, str(path), PROJECT], env)
            order = ("baseline", "japra") if n % 2 == 0 else ("japra", "baseline")
            for which in order:
                run = _run(which, url, path, env)
                getattr(leg, which).append(run)
                say(f"  {leg.database} round {n + 1}/{rounds}: {which} {run.rows} rows in {run.seconds:.2f} s "
                    f"({run.cpu_seconds:.2f} s CPU), peak {run.peak_mib:.0f} MiB")
    if profile_dir is not None:  # one more japra import, under cProfile: not part of the figures
        profile_dir.mkdir(parents=True, exist_ok=True)
        target = profile_dir.resolve() / f"import-{leg.database.lower()}.prof"
        with databases(rounds) as url:
            _child(["prepare", url, str(path), PROJECT], env)
            _child(["japra", url, str(path), PROJECT, str(target)], env)
        say(f"  {leg.database}: profile of one import in {target} (python -m pstats {target})")


def benchmark(work_dir: Path, env: dict[str, str], parcels: int, rounds: int, crs: str,
              say: Callable[[str], None], profile_dir: Path | None = None) -> ImportOutcome:
    path = parcel_data.write_gpkg(work_dir / f"grid-{parcels}.gpkg", parcels, crs)
    say(f"import: {parcels} parcels in {path.name} ({path.stat().st_size / 2**20:.1f} MiB, {crs}), "
        f"{rounds} round(s) per database")
    legs = []

    sqlite = Leg("SQLite", "a file in the temp dir, WAL, as app.db.engine sets it up")
    _leg(sqlite, lambda n: nullcontext(f"sqlite:///{work_dir / f'import-{n}.sqlite3'}"), path, rounds, env, say,
         profile_dir)
    legs.append(sqlite)

    with postgis.server() as server:
        leg = Leg("PostGIS", server.source)
        if server.url is None:
            say(f"  PostGIS leg skipped: {server.source}")
        else:
            server_url = server.url
            _leg(leg, lambda n: postgis.scratch_database(server_url), path, rounds, env, say, profile_dir)
        legs.append(leg)
    return ImportOutcome(parcels=parcels, crs=crs, file_bytes=path.stat().st_size, rounds=rounds, legs=legs)


# Peak: the process's VmHWM; rise: that peak less its RSS when the clock started (modules loaded).
COLUMNS = ("database", "japra s", "baseline s", "ratio", "ratio per round", "best/best", "japra peak MiB",
           "japra rise MiB", "baseline peak MiB", "baseline rise MiB")


def table(outcome: ImportOutcome) -> str:
    lines = []
    notes = []
    for leg in outcome.legs:
        if leg.skipped:
            notes.append(f"{leg.database} skipped: {leg.source}")
            continue
        lines.append([
            leg.database, f"{leg.median('japra', 'seconds'):.2f}", f"{leg.median('baseline', 'seconds'):.2f}",
            f"{leg.ratio:.2f}x", " ".join(f"{r:.2f}" for r in leg.round_ratios), f"{leg.best_ratio:.2f}x",
            f"{leg.median('japra', 'peak_mib'):.0f}", f"{leg.median('japra', 'added_mib'):.0f}",
            f"{leg.median('baseline', 'peak_mib'):.0f}", f"{leg.median('baseline', 'added_mib'):.0f}",
        ])
        notes.append(f"{leg.database}: {leg.source}")
    return format_table(COLUMNS, lines) + "".join(f"\nnote: {n}" for n in notes)


def stages_table(outcome: ImportOutcome) -> str:
    """Where the time goes: median seconds per stage, each import beside its baseline."""
    legs = [leg for leg in outcome.legs if not leg.skipped]
    if not legs:
        return ""
    medians = {(leg.database, which): leg.stage_medians(which) for leg in legs for which in ("japra", "baseline")}
    names = list(dict.fromkeys(name for stages in medians.values() for name in stages))
    columns = ("stage (median s)", *(f"{database} {which}" for database, which in medians))
    lines = [[name, *(f"{stages[name]:.2f}" if name in stages else "-" for stages in medians.values())]
             for name in names]
    return format_table(columns, lines)


def as_json(outcome: ImportOutcome) -> dict[str, Any]:
    def runs(items: list[Run]) -> list[dict[str, Any]]:
        return [{"seconds": round(r.seconds, 3), "cpu_seconds": round(r.cpu_seconds, 3), "rows": r.rows,
                 "stages_s": {k: round(v, 3) for k, v in r.stages.items()},
                 "rss_start_mib": round(r.rss_start_mib, 1), "peak_rss_mib": round(r.peak_mib, 1)} for r in items]

    return {
        "parcels": outcome.parcels, "crs": outcome.crs, "file_bytes": outcome.file_bytes,
        "rounds": outcome.rounds, "project": PROJECT,
        "legs": [{"database": leg.database, "source": leg.source, "skipped": leg.skipped,
                  "ratio": None if leg.skipped else leg.ratio,
                  "best_ratio": None if leg.skipped else leg.best_ratio,
                  "japra": runs(leg.japra), "baseline": runs(leg.baseline)} for leg in outcome.legs],
    }
