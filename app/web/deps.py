from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import anyio
from litestar.datastructures import State
from sqlalchemy.orm import Session

T = TypeVar("T")


def provide_db(state: State) -> Iterator[Session]:
    """One unit of work per request: committed after the handler, rolled back if anything raised."""
    session: Session = state.db()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


async def in_thread(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run blocking work (database, files) off the event loop from an `async def` handler.

    Litestar 2 registers the first handler of a path again when a second method joins that path,
    and a `sync_to_thread` handler registered twice is wrapped twice and answers a coroutine. A
    handler that shares its path is therefore `async def` and hands its work over with this.
    """
    return await anyio.to_thread.run_sync(functools.partial(fn, *args, **kwargs))
