from __future__ import annotations

from collections.abc import Iterator

from litestar.datastructures import State
from sqlalchemy.orm import Session


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
