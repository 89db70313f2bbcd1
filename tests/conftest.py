"""Test harness: a real database (SQLite by default, PostGIS when JAPRA_TEST_DATABASE_URL says so).

Migrations and demo data are committed once per run; each test then works inside a transaction
that is rolled back, so tests see the demo data and never each other's changes.

JAPRA_CI_STRICT=1 (set by .ci/run) turns a skipped `postgis` or `browser` test into a failure:
a laptop may lack those, CI may not.
"""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from litestar.testing import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings, normalise_database_url
from app.db.migrate import upgrade

STRICT = os.environ.get("JAPRA_CI_STRICT") == "1"
REQUIRED_IN_CI = ("postgis", "browser")
DEMO_PASSWORD = "japra-demo-2026"


# --- CI strictness ---------------------------------------------------------------------------

@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if STRICT and report.skipped and any(item.get_closest_marker(m) for m in REQUIRED_IN_CI):
        report.outcome = "failed"
        report.longrepr = f"skipped in CI, where it must run: {report.longrepr}"


# --- databases -------------------------------------------------------------------------------

def _test_url(tmp_root: Path) -> str:
    url = os.environ.get("JAPRA_TEST_DATABASE_URL")
    return normalise_database_url(url) if url else f"sqlite:///{tmp_root / 'test.sqlite3'}"


@pytest.fixture(scope="session")
def tmp_root(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("japra")


@pytest.fixture(scope="session")
def database_url(tmp_root) -> str:
    return _test_url(tmp_root)


@pytest.fixture(scope="session")
def is_postgres(database_url) -> bool:
    return database_url.startswith("postgresql")


def _reset_postgres(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def engine(database_url) -> Iterator[Engine]:
    from app.db.engine import make_engine

    if database_url.startswith("postgresql"):
        _reset_postgres(database_url)
    upgrade(database_url)
    eng = make_engine(database_url)
    from app import demo

    with Session(eng) as session:
        demo.load(session)
        session.commit()
    yield eng
    eng.dispose()


@pytest.fixture()
def connection(engine) -> Iterator:
    conn = engine.connect()
    outer = conn.begin()
    yield conn
    outer.rollback()
    conn.close()


@pytest.fixture()
def session_factory(connection) -> sessionmaker[Session]:
    # Every session of the test (handlers, middleware, services) joins the outer transaction.
    return sessionmaker(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)


@pytest.fixture()
def db(session_factory) -> Iterator[Session]:
    with session_factory() as session:
        yield session


@pytest.fixture()
def scratch_database_url(tmp_path, database_url) -> Iterator[str]:
    """An empty database of the same kind, for migrations and command-line tests that commit."""
    if not database_url.startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'scratch.sqlite3'}"
        return
    name = f"japra_scratch_{uuid.uuid4().hex[:8]}"
    admin = create_engine(database_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(database_url).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture()
def require_postgis(is_postgres) -> None:
    if not is_postgres:
        pytest.skip("needs PostgreSQL + PostGIS: set JAPRA_TEST_DATABASE_URL")


# --- the web app -----------------------------------------------------------------------------

@pytest.fixture(scope="session")
def settings(tmp_root, database_url) -> Settings:
    return Settings(
        data_dir=tmp_root / "data",
        database_url=database_url,
        host="127.0.0.1",
        port=8000,
        secret_key="test-secret-" + secrets.token_hex(8),
        login_attempts_per_minute=10_000,
    )


@pytest.fixture(scope="session")
def web_app(settings):
    from app.web.app import create_app

    return create_app(settings, db=sessionmaker())


@pytest.fixture()
def client(web_app, session_factory) -> Iterator[TestClient]:
    from app.clock import SystemClock

    web_app.state.db = session_factory
    web_app.state.clock = SystemClock()
    with TestClient(web_app, base_url="http://testserver.local") as c:
        yield c


@pytest.fixture()
def clock(web_app):
    """The web app's day, fixed: `clock.day = date(...)` moves it. Starts on 2026-11-20."""
    from datetime import date

    from app.clock import FixedClock, SystemClock

    fixed = FixedClock(date(2026, 11, 20))
    web_app.state.clock = fixed
    yield fixed
    web_app.state.clock = SystemClock()


def fix_today(web_app, day) -> None:
    """The web app's day fixed for the rest of the test (the `client` fixture resets it for the next one)."""
    from app.clock import FixedClock

    web_app.state.clock = FixedClock(day)


def csrf_token(client: TestClient) -> str:
    """The token a form would carry: fetch a page so the CSRF cookie is set, then read it."""
    if "japra_csrf" not in client.cookies:
        client.get("/login")
    return client.cookies["japra_csrf"]


def sign_in(client: TestClient, db: Session, username: str) -> TestClient:
    """A session as the login form would make it, without paying argon2 on every test."""
    from sqlalchemy import select

    from app.auth.models import User
    from app.auth.service import start_session

    if username:
        user = db.scalar(select(User).where(User.username == username))
        client.cookies.set("japra_session", start_session(db, user, 1))
        db.commit()
    return client


def sign_in_english(client: TestClient, db: Session, username: str) -> TestClient:
    """Signed in with English chosen, so a test can read the msgids themselves."""
    sign_in(client, db, username)
    client.cookies.set("japra_lang", "en")
    return client


def post_form(client: TestClient, url: str, data: dict[str, str]):
    """A form sent as the page sends it (with its CSRF token), the redirect not followed."""
    return client.post(url, data={**data, "_csrf_token": csrf_token(client)}, follow_redirects=False)


def marked_invalid(html: str, field: str) -> bool:
    """The page marks the field: the input itself (aria-invalid) or its own message next to it."""
    return bool(re.search(rf'name="{re.escape(field)}"[^>]*aria-invalid="true"', html)) or f'id="err-{field}"' in html


def form_token(html: str) -> str:
    return re.search(r'name="_csrf_token" value="([^"]+)"', html).group(1)


# --- command line ----------------------------------------------------------------------------

def _japra(japra):
    """Runs `japra ARGS...` in this process with click's CliRunner, in English; returns click's Result
    (exit_code, stdout, stderr). An exception that is not a refusal is raised, traceback and all."""
    from click.testing import CliRunner

    from app.cli import main

    runner = CliRunner()

    def invoke(*args: str, input: str | None = None):
        return runner.invoke(main, list(args), input=input, env={"JAPRA_LOCALE": "en"}, obj=japra,
                             catch_exceptions=False)

    return invoke


@pytest.fixture()
def cli(session_factory, settings):
    """`japra` in this process on the test's own transaction: it sees what the test stored, and what it stores
    is rolled back with the test. Use `scratch_cli` for commands that work on a database as a whole."""
    from app.cli_support import Japra

    return _japra(Japra.on(session_factory, settings))


@pytest.fixture()
def offline_cli():
    """`japra` in this process for commands that need no database (`schedule`, `allocate`): opening one fails."""
    from app.cli_support import Japra

    def no_database():
        raise AssertionError("this command must not open the database")

    return _japra(Japra(unit_of_work=no_database))


@pytest.fixture()
def scratch_cli(scratch_database_url, settings, tmp_path) -> Iterator:
    """`japra` in this process on an empty database of its own (`db upgrade` first), committing for real:
    for `db`, `demo` on a new database, `backup` and `restore`."""
    from dataclasses import replace

    from app.cli_support import Japra
    from app.db.engine import get_engine

    invoke = _japra(Japra(config=replace(settings, database_url=scratch_database_url, data_dir=tmp_path / "data",
                                         photo_dir=None)))
    invoke.url = scratch_database_url
    yield invoke
    get_engine(scratch_database_url).dispose()


def run_cli(args: list[str], database_url: str, data_dir: Path, stdin: str = "") -> subprocess.CompletedProcess:
    env = {**os.environ, "JAPRA_DATABASE_URL": database_url, "JAPRA_DATA_DIR": str(data_dir),
           "JAPRA_LOCALE": "en"}
    return subprocess.run([sys.executable, "-m", "app.cli", *args], input=stdin, capture_output=True,
                          text=True, env=env, timeout=120, check=False)


# --- one Playwright for the whole run ----------------------------------------------------------

@pytest.fixture(scope="session")
def playwright_driver():
    """Playwright's sync API runs an event loop of its own: two at once in one process refuse to start, so every
    browser test (tests/browser, the single-file export's) shares this one."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p
