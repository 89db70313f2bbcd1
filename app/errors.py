"""The app's own refusals, on the kernel's one base (`kernel.errors.UserError`) that the pure packages share.

The app raises them with a msgid and its fields, as `Invalid("Member number {number} is used already.",
field="number", number=...)`; the web and the command line translate them like any package error.
"""

from __future__ import annotations

from kernel.errors import UserError
from kernel.messages import Message


class DomainError(UserError):
    status = 400

    def __init__(self, msgid: str, *, field: str | None = None, row: int | None = None, column: str | None = None,
                 **fields: object) -> None:
        super().__init__(Message(type(self).__name__.lower(), msgid, fields), field=field, row=row, column=column)

    @property
    def msgid(self) -> str:
        return self.message.msgid

    @property
    def fields(self) -> dict[str, object]:
        return dict(self.message.fields)

    @property
    def status_code(self) -> int:  # the name the web layer used before the kernel base
        return self.status


class NotFound(DomainError):
    """Also what an officer gets for another cooperative's things: its existence is not revealed."""

    status = 404


class Conflict(DomainError):
    """Another officer got there first, or the record's state forbids it now."""

    status = 409


class Invalid(DomainError):
    status = 400


class Busy(Conflict):
    """The record is being changed by someone else and did not come free in time; nothing was stored."""
