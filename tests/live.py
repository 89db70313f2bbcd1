"""A real japra server on loopback, on a database of its own with the demo data: for the browser tests and the
concurrency tests, which need committed data and a server other processes can reach.

The database is a SQLite file in the given folder, or, when the test database is PostgreSQL
(JAPRA_TEST_DATABASE_URL), a database of the given name created beside it (dropped first if a
previous run left it, and dropped again when the block ends). `demo_database` and `copy_database`
let a module load the demo once and give each test a fresh copy of it.
"""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import run_cli

HOST = "127.0.0.1"
READY_TIMEOUT_S = 30.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


@dataclass(frozen=True)
class LiveServer:
    base_url: str
    database_url: str  # the server's own database, for reading what it stored
    data_dir: Path
    log_path: Path
    process: subprocess.Popen

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def log_tail(self, lines: int = 40) -> str:
        """The end of the server's output (uvicorn and the app's log): for the message of a failing test."""
        return "\n".join(self.log_text().splitlines()[-lines:])


def is_postgres(url: str) -> bool:
    return url.startswith("postgresql")


def _postgres(server_url: str, *statements: str) -> None:
    from sqlalchemy import create_engine, text

    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            for statement in statements:
                conn.execute(text(statement))
    finally:
        admin.dispose()


def _named(server_url: str, name: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


def empty_database(tmp: Path, test_database_url: str, name: str) -> str:
    """A new, empty database of the test database's kind, named `name`."""
    if not is_postgres(test_database_url):
        path = tmp / f"{name}.sqlite3"
        path.unlink(missing_ok=True)
        return f"sqlite:///{path}"
    _postgres(test_database_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"')
    return _named(test_database_url, name)


def demo_database(tmp: Path, test_database_url: str, name: str) -> str:
    """A database migrated and loaded with the demo data by the command line, as `make run` does."""
    url = empty_database(tmp, test_database_url, name)
    for step in (["db", "upgrade"], ["demo"]):
        done = run_cli(step, url, tmp)
        assert done.returncode == 0, f"japra {' '.join(step)} failed:\n{done.stdout}{done.stderr}"
    return url


def copy_database(source_url: str, tmp: Path, name: str) -> str:
    """A copy of a database no one is connected to: SQLite's backup API, or PostgreSQL's CREATE DATABASE TEMPLATE."""
    if not is_postgres(source_url):
        path = tmp / f"{name}.sqlite3"
        path.unlink(missing_ok=True)
        source = sqlite3.connect(source_url.removeprefix("sqlite:///"))
        target = sqlite3.connect(path)
        try:
            source.backup(target)
        finally:
            source.close()
            target.close()
        return f"sqlite:///{path}"
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import OperationalError

    template = make_url(source_url).database
    admin_url = _named(source_url, "postgres")  # a template must have no one connected, us included
    for attempt in range(10):
        try:
            _postgres(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)',
                      f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
            break
        except OperationalError:  # "being accessed by other users": a stopped server's backends still ending
            if attempt == 9:
                raise
            time.sleep(0.5)
    return _named(source_url, name)


def drop_database(url: str) -> None:
    """Drop a PostgreSQL database made here (connections to it are ended); a SQLite file stays with its folder."""
    if is_postgres(url):
        from sqlalchemy.engine import make_url

        _postgres(_named(url, "postgres"), f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')


def _wait_ready(process: subprocess.Popen, base_url: str, log_path: Path) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}:\n{log_path.read_text(errors='replace')}")
        try:
            urllib.request.urlopen(base_url + "/healthz", timeout=1)  # noqa: S310 (loopback)
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"the server did not answer /healthz within {READY_TIMEOUT_S:.0f} s:\n"
                       f"{log_path.read_text(errors='replace')[-4000:]}")


@contextmanager
def serve(database_url: str, data_dir: Path, name: str, env: dict[str, str] | None = None) -> Iterator[LiveServer]:
    """`japra serve` on a free loopback port for the block, its output in `data_dir/NAME-server.log`.
    `env` adds settings to the server's environment (e.g. JAPRA_LOGIN_ATTEMPTS_PER_MINUTE)."""
    port = free_port()
    server_env = {**os.environ, "JAPRA_DATABASE_URL": database_url, "JAPRA_DATA_DIR": str(data_dir),
                  "JAPRA_HOST": HOST, "JAPRA_PORT": str(port), **(env or {})}
    log_path = data_dir / f"{name}-server.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen([sys.executable, "-m", "app.cli", "serve"], env=server_env,
                                   stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
    base_url = f"http://{HOST}:{port}"
    try:
        _wait_ready(process, base_url, log_path)
        yield LiveServer(base_url, database_url, data_dir, log_path, process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()  # a server stuck on a lock may not stop on SIGTERM in time
            process.wait(timeout=10)


@contextmanager
def live_server(tmp: Path, test_database_url: str, name: str,
                env: dict[str, str] | None = None) -> Iterator[LiveServer]:
    """The demo data in a database of our own, served until the block ends; the database is dropped then."""
    url = demo_database(tmp, test_database_url, name)
    try:
        with serve(url, tmp, name, env) as server:
            yield server
    finally:
        drop_database(url)
