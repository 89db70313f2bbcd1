"""One timed import in a fresh process: `python -m benchmarks.import_run {japra,baseline} URL FILE PROJECT [PROFILE]`.

Run as a child of `python -m benchmarks` so that its peak RSS is this one import's and nothing
else's. Prints one JSON object: seconds (and this process's CPU seconds), rows written, the time
per stage, resident memory when the timer started (modules imported, nothing read yet) and the
process's peak (VmHWM) at the end.

- `japra`: `plan_import` then `commit_import` of FILE into PROJECT's site and a commit, as
  `japra parcels import` does it (the session, the project lookup, every check, the audit entry).
- `baseline`: the least a program must do to get the same file into the same database: read it
  with `pyogrio.raw.read`, take each shape's bounding box, and `executemany` the WKB, the box and
  the attributes into `parcel_baseline`, a table shaped like `parcel` (same columns, constraints
  and indexes; the geometry column in the file's own CRS), then commit. No SQLAlchemy, no checks,
  no reprojection, no area.

PROFILE, a file name, runs it under cProfile and writes the statistics there; cProfile's overhead
inflates the times, so a profiled run is for finding where the time goes, not a measurement.

`prepare URL FILE PROJECT` readies an empty scratch database first: the migrations, the demo data
and the baseline's empty table.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

# The baseline table: `parcel` as migrations 0001 and 0003 make it, under other names.
SQLITE_DDL = [
    """CREATE TABLE parcel_baseline (
        id INTEGER NOT NULL, site_id INTEGER NOT NULL, code VARCHAR(64) NOT NULL,
        land_status VARCHAR(20) NOT NULL, holder VARCHAR(200), notes TEXT, geom BLOB NOT NULL,
        min_lon FLOAT NOT NULL, min_lat FLOAT NOT NULL, max_lon FLOAT NOT NULL, max_lat FLOAT NOT NULL,
        created_at DATETIME NOT NULL, updated_at DATETIME NOT NULL, area_m2 FLOAT, perimeter_m FLOAT,
        CONSTRAINT pk_parcel_baseline PRIMARY KEY (id),
        CONSTRAINT uq_parcel_baseline_site_code UNIQUE (site_id, code),
        CONSTRAINT ck_parcel_baseline_land_status CHECK (land_status IN
            ('SHM', 'HGB', 'HPL', 'hak_pakai', 'tanah_negara', 'girik_adat', 'unknown')),
        CONSTRAINT fk_parcel_baseline_site_id_site FOREIGN KEY (site_id) REFERENCES site (id) ON DELETE CASCADE)""",
    "CREATE INDEX ix_parcel_baseline_site_id ON parcel_baseline (site_id)",
    "CREATE INDEX ix_parcel_baseline_bbox ON parcel_baseline (min_lon, min_lat, max_lon, max_lat)",
]
POSTGRES_DDL = [
    """CREATE TABLE parcel_baseline (
        id SERIAL NOT NULL, site_id INTEGER NOT NULL, code VARCHAR(64) NOT NULL,
        land_status VARCHAR(20) NOT NULL, holder VARCHAR(200), notes TEXT,
        geom geometry(MULTIPOLYGON, {srid}) NOT NULL,
        min_lon FLOAT NOT NULL, min_lat FLOAT NOT NULL, max_lon FLOAT NOT NULL, max_lat FLOAT NOT NULL,
        created_at TIMESTAMP WITH TIME ZONE NOT NULL, updated_at TIMESTAMP WITH TIME ZONE NOT NULL,
        area_m2 FLOAT, perimeter_m FLOAT,
        CONSTRAINT pk_parcel_baseline PRIMARY KEY (id),
        CONSTRAINT uq_parcel_baseline_site_code UNIQUE (site_id, code),
        CONSTRAINT ck_parcel_baseline_land_status CHECK (land_status IN
            ('SHM', 'HGB', 'HPL', 'hak_pakai', 'tanah_negara', 'girik_adat', 'unknown')),
        CONSTRAINT fk_parcel_baseline_site_id_site FOREIGN KEY (site_id) REFERENCES site (id) ON DELETE CASCADE)""",
    "CREATE INDEX ix_parcel_baseline_site_id ON parcel_baseline (site_id)",
    "CREATE INDEX ix_parcel_baseline_bbox ON parcel_baseline (min_lon, min_lat, max_lon, max_lat)",
    "CREATE INDEX ix_parcel_baseline_geom ON parcel_baseline USING gist (geom)",
]
SQLITE_INSERT = ("INSERT INTO parcel_baseline (site_id, code, land_status, holder, geom, min_lon, min_lat, max_lon, "
                 "max_lat, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
POSTGRES_INSERT = ("INSERT INTO parcel_baseline (site_id, code, land_status, holder, geom, min_lon, min_lat, max_lon, "
                   "max_lat, created_at, updated_at) VALUES (%s, %s, %s, %s, ST_GeomFromWKB(%s, %s), %s, %s, %s, %s, "
                   "%s, %s)")
SITE_OF_PROJECT = "SELECT site.id FROM site JOIN project ON project.id = site.project_id WHERE project.slug = {}"


class Stages:
    """Seconds per named stage, in the order they first ran."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @contextmanager
    def time(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - started

    def wrap(self, name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            with self.time(name):
                return function(*args, **kwargs)

        return timed


def _status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field} in /proc/self/status")


def run_japra(url: str, path: Path, slug: str, stages: Stages) -> int:
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from app.db.engine import make_engine
    from app.parcels import importer
    from app.projects.models import Project

    # The two library calls plan_import makes, timed where it looks them up.
    importer.read_parcel_file = stages.wrap("read the file", importer.read_parcel_file)
    importer.check_parcels = stages.wrap("check the parcels", importer.check_parcels)
    engine = make_engine(url)
    with Session(engine) as session:
        with stages.time("plan, the rest"):
            project = session.scalar(select(Project).where(Project.slug == slug))
            if project is None:
                raise RuntimeError(f"no project {slug}")
            plan = importer.plan_import(session, project, path, filename=path.name)
        if not plan.importable:
            reasons = [r.message.render() for r in plan.rejected[:3]]
            raise RuntimeError(f"the file was refused: {len(plan.rejected)} problem(s), e.g. {reasons}")
        with stages.time("write the rows"):
            imported = importer.commit_import(session, "benchmark", project, plan)
        with stages.time("commit"):
            session.commit()
    engine.dispose()
    inner = stages.seconds["read the file"] + stages.seconds["check the parcels"]
    stages.seconds["plan, the rest"] -= inner  # the plan's own work, beside the two calls
    return imported


def run_baseline(url: str, path: Path, slug: str, stages: Stages) -> int:
    import numpy as np
    import shapely
    from pyogrio import raw as ogr_raw

    with stages.time("read the file"):
        meta, _fids, wkb, (codes, statuses, holders) = ogr_raw.read(path, columns=["nib", "status_hak", "pemegang"])
        bounds = shapely.bounds(shapely.from_wkb(np.asarray(wkb, dtype=object))).tolist()
    now = datetime.now(UTC)
    if url.startswith("sqlite"):
        import sqlite3

        with stages.time("write the rows"):
            conn = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
            # What app.db.engine sets on every SQLite connection.
            conn.execute("PRAGMA foreign_keys=ON")
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA busy_timeout=30000")
            site_id = conn.execute(SITE_OF_PROJECT.format("?"), (slug,)).fetchone()[0]
            stamp = now.strftime("%Y-%m-%d %H:%M:%S.%f")  # how SQLAlchemy stores a DateTime in SQLite
            rows = [(site_id, c, s, h, g, *b, stamp, stamp)
                    for c, s, h, g, b in zip(codes, statuses, holders, wkb, bounds, strict=True)]
            conn.execute("BEGIN")
            conn.executemany(SQLITE_INSERT, rows)
        with stages.time("commit"):
            conn.execute("COMMIT")
            conn.close()
        return len(rows)

    import psycopg

    srid = int(str(meta["crs"]).removeprefix("EPSG:"))
    with stages.time("write the rows"):
        conn = psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"))
        site_id = conn.execute(SITE_OF_PROJECT.format("%s"), (slug,)).fetchone()[0]
        rows = [(site_id, c, s, h, g, srid, *b, now, now)
                for c, s, h, g, b in zip(codes, statuses, holders, wkb, bounds, strict=True)]
        with conn.cursor() as cur:
            cur.executemany(POSTGRES_INSERT, rows)
    with stages.time("commit"):
        conn.commit()
        conn.close()
    return len(rows)


def create_baseline_table(url: str, srid: int) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as conn:
        for statement in SQLITE_DDL if url.startswith("sqlite") else POSTGRES_DDL:
            conn.execute(text(statement.replace("{srid}", str(srid))))
    engine.dispose()


def prepare(url: str, path: Path) -> None:
    from pyogrio import read_info
    from sqlalchemy.orm import Session

    from app import demo
    from app.db.engine import make_engine
    from app.db.migrate import upgrade

    upgrade(url)
    engine = make_engine(url)
    with Session(engine) as session:
        demo.load(session)
        session.commit()
    engine.dispose()
    create_baseline_table(url, int(str(read_info(path)["crs"]).removeprefix("EPSG:")))


def main(argv: list[str]) -> None:
    which, url, file, slug, *profile = argv
    if which == "prepare":
        prepare(url, Path(file))
        return
    run = {"japra": run_japra, "baseline": run_baseline}[which]
    # Modules load before the clock starts: starting the app is not part of an import.
    if which == "japra":
        import app.parcels.importer  # noqa: F401
    else:
        import numpy  # noqa: F401
        import pyogrio  # noqa: F401
        import shapely  # noqa: F401
    if url.startswith("postgresql"):
        import psycopg  # noqa: F401
    else:
        import sqlite3  # noqa: F401
    stages = Stages()
    rss_start = _status_kib("VmRSS")
    cpu_started = time.process_time()
    started = time.perf_counter()
    if profile:
        import cProfile

        with cProfile.Profile() as profiler:
            rows = run(url, Path(file), slug, stages)
        profiler.dump_stats(profile[0])
    else:
        rows = run(url, Path(file), slug, stages)
    seconds = time.perf_counter() - started
    cpu_seconds = time.process_time() - cpu_started  # this process only: a database server's work is not in it
    print(json.dumps({"which": which, "seconds": seconds, "cpu_seconds": cpu_seconds, "rows": rows,
                      "stages": stages.seconds, "rss_start_kib": rss_start, "peak_kib": _status_kib("VmHWM")}))


if __name__ == "__main__":
    main(sys.argv[1:])
