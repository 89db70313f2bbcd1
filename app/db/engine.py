"""Engine and session factory.

Sync SQLAlchemy throughout: one engine serves web handlers (run in threads), the CLI, Alembic and
geopandas batch work, and a long-lived civic system gains nothing from a second async code path.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from functools import lru_cache

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker

import app.models  # noqa: F401  (every mapper registered before the first session, whatever the caller imported)
from app.config import get_settings

# How long a writer waits for another's transaction before it is told "busy, try again" (409, nothing stored).
# Longer than any one save takes; short enough that nobody stares at a spinner wondering whether it worked.
LOCK_WAIT_SECONDS = 15
# An execution option that marks a connection whose transaction will write (see `writer`).
WRITE = "japra_write"


def writer(bind: Engine | Connection) -> Engine | Connection:
    """The same database, for a unit of work that will write.

    SQLite: its transaction begins IMMEDIATE, taking the write lock up front. A deferred BEGIN that has
    read cannot upgrade to a write once another writer has committed (SQLITE_BUSY_SNAPSHOT, which the busy
    timeout never retries), so concurrent saves would fail instead of queueing. PostgreSQL ignores it.
    """
    return bind.execution_options(**{WRITE: True}) if isinstance(bind, Engine) else bind


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        if url.startswith("sqlite:///") and ":memory:" not in url:
            from pathlib import Path

            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        # As many connections as the web's handler threads, and then some for the sign-in lookups and /healthz.
        engine = create_engine(url, pool_size=10, max_overflow=50, pool_timeout=LOCK_WAIT_SECONDS,
                               connect_args={"check_same_thread": False, "timeout": LOCK_WAIT_SECONDS})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # pragma: no cover - trivial
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            # WAL lets the web app read while a CLI job or a backup writes.
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute(f"PRAGMA busy_timeout={LOCK_WAIT_SECONDS * 1000}")
            cur.close()
            # pysqlite defers BEGIN to the first write, so a SAVEPOINT could open (and its RELEASE
            # commit) a transaction of its own; let SQLAlchemy issue BEGIN itself instead.
            dbapi_conn.isolation_level = None

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn):  # pragma: no cover - trivial
            conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(WRITE) else "BEGIN")

        return engine
    # lock_timeout: a row lock held by another officer's save is waited for, never for ever (then 409).
    # The pool holds more connections than the web's handler threads (40), so a handler never waits for a
    # connection that another waiting handler holds (PostgreSQL allows 100 by default).
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=50, pool_timeout=LOCK_WAIT_SECONDS,
                         connect_args={"options": f"-c lock_timeout={LOCK_WAIT_SECONDS * 1000}"})


@lru_cache(maxsize=4)
def get_engine(url: str | None = None) -> Engine:
    return make_engine(url or get_settings().database_url)


def session_factory(engine: Engine | None = None) -> sessionmaker[Session]:
    return sessionmaker(bind=engine or get_engine(), expire_on_commit=False)


@contextmanager
def unit_of_work(make_session: Callable[[], Session]) -> Iterator[Session]:
    """A unit of work for the CLI and jobs: commit on success, roll back on any error."""
    session = make_session()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def session_scope(engine: Engine | None = None) -> AbstractContextManager[Session]:
    """A unit of work on the configured database. It may write, so on SQLite it queues behind other writers from
    its first statement instead of failing at its first write."""
    return unit_of_work(lambda: Session(bind=writer(engine or get_engine()), expire_on_commit=False))
