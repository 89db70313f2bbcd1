"""Results: one row per target, printed as a table and written as JSON."""

from __future__ import annotations

import json
import os
import platform
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from benchmarks.load import LoadResult

BASELINE = "bare"
HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "latest.json"
COLUMNS = ("target", "requests", "req/s", "p50 ms", "p99 ms", "errors", "vs bare",
           "server CPU", "loadgen CPU", "CPU ms/req", "CPU vs bare")
# Above this share of one core the load generator, not the server, sets the bare handler's pace.
LOADGEN_BOUND = 0.9


@dataclass(frozen=True)
class Row:
    result: LoadResult
    path: str
    server: str
    server_cpu_s: float

    @property
    def cpu_ms_per_request(self) -> float | None:
        return 1000 * self.server_cpu_s / self.result.requests if self.result.requests else None

    def core_share(self, cpu_s: float) -> float:
        return cpu_s / self.result.elapsed_s if self.result.elapsed_s else 0.0


@dataclass(frozen=True)
class Outcome:
    rows: list[Row]
    peak_rss_mib: dict[str, float | None]  # per server
    uvicorn_options: dict[str, Any]  # the same for both servers


def _baseline(rows: list[Row]) -> Row | None:
    return next((r for r in rows if r.result.target == BASELINE), None)


def ratio(row: Row, rows: list[Row]) -> float | None:
    """req/s over the bare handler's: the machine's speed cancels out of it."""
    base = _baseline(rows)
    return row.result.req_per_s / base.result.req_per_s if base and base.result.req_per_s else None


def cpu_ratio(row: Row, rows: list[Row]) -> float | None:
    """The bare handler's server CPU per request over this target's: reads like `ratio`, 1 = as cheap.

    Unlike `ratio` it holds when the load generator, sharing the cores, caps the bare handler's req/s.
    """
    base = _baseline(rows)
    if not base or not base.cpu_ms_per_request or not row.cpu_ms_per_request:
        return None
    return base.cpu_ms_per_request / row.cpu_ms_per_request


def _num(value: float | None, digits: int = 1) -> str:
    return f"{value:.{digits}f}" if value is not None else "-"


def _cells(row: Row, rows: list[Row]) -> list[str]:
    r = row.result
    return [
        r.target, str(r.requests), _num(r.req_per_s), _num(r.p50_ms), _num(r.p99_ms),
        str(sum(r.errors.values())), _num(ratio(row, rows), 3),
        # Per cent of one core: ~100 % for the server means its one process is the limit.
        f"{100 * row.core_share(row.server_cpu_s):.0f}%", f"{100 * row.core_share(r.generator_cpu_s):.0f}%",
        _num(row.cpu_ms_per_request, 2), _num(cpu_ratio(row, rows), 3),
    ]


def _notes(rows: list[Row]) -> list[str]:
    notes = [f"{r.result.target} errors: {r.result.errors}" for r in rows if r.result.errors]
    base = _baseline(rows)
    if base and base.core_share(base.result.generator_cpu_s) >= LOADGEN_BOUND:
        notes.append("the load generator used a full core during the bare run: bare req/s is its limit, "
                     "not the server's, so `vs bare` flatters japra; `CPU vs bare` does not")
    return notes


def format_table(columns: tuple[str, ...], lines: list[list[str]]) -> str:
    """Columns padded to their widest cell, the first left-aligned, the others right-aligned."""
    widths = [max(len(c), *(len(line[i]) for line in lines)) if lines else len(c) for i, c in enumerate(columns)]
    fmt = "  ".join(f"{{:<{w}}}" if i == 0 else f"{{:>{w}}}" for i, w in enumerate(widths))
    return "\n".join([fmt.format(*columns), *(fmt.format(*line) for line in lines)])


def table(rows: list[Row]) -> str:
    lines = [_cells(r, rows) for r in rows]
    return "\n".join([format_table(COLUMNS, lines), *(f"note: {n}" for n in _notes(rows))])


def _git_commit() -> str | None:
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                              check=True, cwd=HERE)
        dirty = subprocess.run(["git", "status", "--porcelain"], capture_output=True, text=True,
                               check=True, cwd=HERE)
    except (OSError, subprocess.CalledProcessError):
        return None
    return head.stdout.strip() + ("-dirty" if dirty.stdout.strip() else "")


def _target_json(row: Row, rows: list[Row]) -> dict[str, Any]:
    r = row.result
    return {
        "target": r.target,
        "path": row.path,
        "server": row.server,
        "requests": r.requests,
        "elapsed_s": round(r.elapsed_s, 3),
        "req_per_s": round(r.req_per_s, 2),
        "p50_ms": r.p50_ms,
        "p99_ms": r.p99_ms,
        "errors": sum(r.errors.values()),
        "error_kinds": r.errors,
        "ratio_to_bare": ratio(row, rows),
        "server_cpu_s": round(row.server_cpu_s, 3),
        "loadgen_cpu_s": round(r.generator_cpu_s, 3),
        "server_cpu_ms_per_request": row.cpu_ms_per_request,
        "cpu_ratio_to_bare": cpu_ratio(row, rows),
    }


def header() -> dict[str, Any]:
    """What every results file starts with: when, which commit, on what."""
    return {
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": _git_commit(),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(),
                    "python": platform.python_version()},
        "versions": {name: _version(name) for name in ("litestar", "uvicorn", "httpx", "sqlalchemy", "shapely",
                                                        "pyogrio", "psycopg", "playwright")},
    }


def _version(name: str) -> str | None:
    try:
        return version(name)
    except PackageNotFoundError:
        return None


def as_json(outcome: Outcome, clients: int, seconds: float) -> dict[str, Any]:
    """The load benchmark's results (kept at the top level of the file, as before the parcel parts)."""
    return {
        "settings": {"clients": clients, "seconds": seconds, "uvicorn": outcome.uvicorn_options},
        "targets": [_target_json(r, outcome.rows) for r in outcome.rows],
        "peak_rss_mib": outcome.peak_rss_mib,
        "notes": _notes(outcome.rows),
    }


def write(report: dict[str, Any], path: Path = RESULTS) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2) + "\n")
    return path
