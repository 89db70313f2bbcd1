"""One unit of work per request: one session, one transaction, committed on success and rolled back otherwise.

What happens to a request (README, "How a request is served"):

1. `RequestSession` (middleware) opens the request's session. A request that may write (any method but
   GET, HEAD and OPTIONS) gets a writer's session, which on SQLite begins IMMEDIATE so that concurrent
   saves queue for the write lock instead of failing. The signed-in user is read in this same session.
2. Guards decide who may reach the handler; a plain sync handler runs in a worker thread with the session
   as its `db` dependency.
3. When the handler has returned, `provide_db` commits, before the answer is sent. It rolls back instead
   when the handler raised, or answered a page with an error status (a form shown again with its
   problems stores nothing, whatever it had flushed).
4. Commit, rollback and close run in a thread pool of their own (`TRANSACTION_THREADS`): the handlers'
   pool may be full of requests waiting for a row lock that only this commit releases.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import date
from typing import Any

import anyio
from litestar import Request
from litestar.concurrency import get_asyncio_executor, set_asyncio_executor
from litestar.connection import ASGIConnection
from sqlalchemy.orm import Session, sessionmaker

from app.db.engine import writer

SESSION_KEY = "japra.session"
ROLLBACK_KEY = "japra.rollback"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Ending a transaction never waits for a row lock, so a few threads serve every request's commit.
TRANSACTION_THREADS = anyio.CapacityLimiter(8)
# Sync handlers run in a pool of this many threads. asyncio's default has CPUs + 4 workers, six on a 2-core
# machine: six officers waiting for one plan's lock would hold all of them. The database pools match it.
HANDLER_THREADS = 40


def configure_handler_threads() -> None:
    """Gives Litestar's sync handlers their pool; only possible before the event loop runs (`japra serve` calls it
    before starting the server, `create_app` when it is built outside a loop)."""
    try:
        asyncio.get_running_loop()
        return
    except RuntimeError:
        pass
    if get_asyncio_executor() is None:
        set_asyncio_executor(ThreadPoolExecutor(HANDLER_THREADS, thread_name_prefix="japra-handler"))


async def finish(fn: Callable[[], Any]) -> None:
    await anyio.to_thread.run_sync(fn, limiter=TRANSACTION_THREADS)


def today(connection: ASGIConnection) -> date:
    """Jakarta's calendar day, from the app's clock (tests fix it)."""
    return connection.app.state.clock.today()


def open_session(source: sessionmaker[Session], *, write: bool) -> Session:
    if not write:
        return source()
    return source(bind=writer(source.kw["bind"]))


def request_session(connection: ASGIConnection) -> Session:
    return connection.scope[SESSION_KEY]  # type: ignore[typeddict-item]


def roll_back_this_request(connection: ASGIConnection) -> None:
    """The answer refuses what was asked (a form with problems): store nothing of it."""
    connection.scope[ROLLBACK_KEY] = True  # type: ignore[typeddict-unknown-key]


async def provide_db(request: Request) -> AsyncIterator[Session]:
    session = request_session(request)
    try:
        yield session
    except BaseException:
        await finish(session.rollback)
        raise
    if request.scope.get(ROLLBACK_KEY):
        await finish(session.rollback)
    else:
        await finish(session.commit)


@contextmanager
def refusable(db: Session) -> Iterator[None]:
    """An action a form asked for, which a rule may refuse: what it wrote before the refusal is undone at once
    (a savepoint), so the page shown again with the refusal reads the stored state. That page's error status then
    has the request's transaction store nothing at all."""
    with db.begin_nested():
        yield
