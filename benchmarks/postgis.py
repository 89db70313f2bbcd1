"""A PostgreSQL + PostGIS server for the import benchmark, and scratch databases on it.

In order: the server JAPRA_BENCH_DATABASE_URL points at (its database is used only to create and
drop a scratch database beside it, so the role needs CREATEDB and PostGIS must be installed); else,
when the PostgreSQL 15 binaries are installed and we are root, a throw-away cluster on 127.0.0.1
and a free port, started as the `postgres` user like `.ci/run` does and removed afterwards; else
no server, and the reason why.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from benchmarks.servers import HOST, free_port

ENV_URL = "JAPRA_BENCH_DATABASE_URL"
PGBIN = Path("/usr/lib/postgresql/15/bin")
SYSTEM_USER = "postgres"  # PostgreSQL refuses to run as root
# As in .ci/run: durability off, the cluster lives for one run.
SERVER_OPTIONS = "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"


@dataclass(frozen=True)
class PostgresServer:
    url: str | None  # a database on the server, for CREATE/DROP DATABASE; None when there is none
    source: str  # where it came from, or why there is none


def _missing_for_cluster() -> str | None:
    if not (PGBIN / "initdb").exists():
        return f"no PostgreSQL 15 binaries in {PGBIN} and {ENV_URL} is not set"
    if os.geteuid() != 0:
        return f"not root, so no throw-away cluster can be started as `{SYSTEM_USER}`; set {ENV_URL}"
    if shutil.which("runuser") is None:
        return f"`runuser` is missing, so no throw-away cluster; set {ENV_URL}"
    try:
        pwd.getpwnam(SYSTEM_USER)
    except KeyError:
        return f"there is no `{SYSTEM_USER}` system user for a throw-away cluster; set {ENV_URL}"
    return None


def _as_postgres(*args: str) -> None:
    result = subprocess.run(["runuser", "-u", SYSTEM_USER, "--", *args], capture_output=True, text=True,
                            check=False)
    if result.returncode != 0:
        raise RuntimeError(f"`{' '.join(args[:2])}` failed:\n{result.stdout}{result.stderr}")


@contextmanager
def server() -> Iterator[PostgresServer]:
    """The server to benchmark on, for the duration of the block."""
    url = os.environ.get(ENV_URL)
    if url:
        from sqlalchemy.engine import make_url

        from app.config import normalise_database_url

        parsed = make_url(normalise_database_url(url))
        yield PostgresServer(parsed.render_as_string(hide_password=False),
                             f"the server in {ENV_URL} ({parsed.host}:{parsed.port or 5432})")
        return
    missing = _missing_for_cluster()
    if missing:
        yield PostgresServer(None, missing)
        return
    pgdata = Path(tempfile.mkdtemp(prefix="japra-bench-pg-"))
    try:
        shutil.chown(pgdata, SYSTEM_USER, SYSTEM_USER)
        port = free_port()
        _as_postgres(str(PGBIN / "initdb"), "-D", str(pgdata), "-U", "postgres", "-A", "trust", "--no-sync")
        _as_postgres(str(PGBIN / "pg_ctl"), "-D", str(pgdata), "-w", "-l", str(pgdata / "server.log"), "-o",
                     f"-c listen_addresses={HOST} -p {port} -k {pgdata} {SERVER_OPTIONS}", "start")
        yield PostgresServer(f"postgresql+psycopg://postgres@{HOST}:{port}/postgres",
                             f"throw-away PostgreSQL 15 cluster on {HOST}:{port} (fsync off)")
    finally:
        subprocess.run(["runuser", "-u", SYSTEM_USER, "--", str(PGBIN / "pg_ctl"), "-D", str(pgdata), "-m",
                        "immediate", "stop"], capture_output=True, check=False)
        shutil.rmtree(pgdata, ignore_errors=True)


@contextmanager
def scratch_database(server_url: str) -> Iterator[str]:
    """A new, empty database on the server for the block, dropped after it."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"japra_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()
