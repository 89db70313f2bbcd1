"""The one error the costing library raises for bad input."""

from __future__ import annotations

from kernel.errors import UserError
from kernel.messages import Message


class CostingError(UserError, ValueError):
    """Input the costing library refuses. `message` says why, in words a user can act on.

    `field` names the input (an attribute or column name such as "volume") and `row` the 1-based
    line of a table, when they are known, so a form or an upload can point at the culprit.
    """

    def __init__(self, message: Message, *, field: str | None = None, row: int | None = None) -> None:
        super().__init__(message, field=field, row=row)

    def __reduce__(self):  # keep pickling (multiprocessing, caches) working with keyword-only arguments
        return (_rebuild, (self.message, self.field, self.row))


def _rebuild(message: Message, field: str | None, row: int | None) -> CostingError:
    return CostingError(message, field=field, row=row)
