"""The app's own refusals, on the kernel's one base (`kernel.errors.UserError`) that the pure packages share.

The app raises them with a msgid and its fields, as `Invalid("Member number {number} is used already.",
field="number", number=...)`; the web and the command line translate them like any package error.
"""

from __future__ import annotations

from collections.abc import Iterable

from kernel.errors import UserError
from kernel.messages import Message


class DomainError(UserError):
    status = 400

    def __init__(self, msgid: str, *, field: str | None = None, row: int | None = None, column: str | None = None,
                 **fields: object) -> None:
        # The row and column are where the problem is, and words a message may use ("no column {column}").
        where = {k: v for k, v in (("row", row), ("column", column)) if v is not None}
        super().__init__(Message(type(self).__name__.lower(), msgid, {**where, **fields}), field=field, row=row,
                         column=column)

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


class InvalidFields(Invalid):
    """Every problem of a form or a command at once, each an `Invalid` naming its field; the first is the exception's
    own message and field. The error boundary (`describe`) lists them one per field, so a page can put each next to
    its field."""

    def __init__(self, problems: Iterable[Invalid]) -> None:
        self.problems = tuple(problems)
        if not self.problems:
            raise ValueError("InvalidFields needs at least one problem")
        first = self.problems[0]
        super().__init__(first.msgid, field=first.field, **first.fields)


def refusal(exc: UserError) -> DomainError:
    """A pure package's refusal as the app's own, for the callers (pages, command line) that catch DomainError: its
    first message's msgid and fields, and its field; a Conflict or NotFound by its status, otherwise Invalid. The
    package's code is left behind (the app's are its class names), as the app's refusals had it before the rules
    moved down."""
    kind = {404: NotFound, 409: Conflict}.get(exc.status, Invalid)
    return kind(exc.message.msgid, field=exc.field, row=exc.row, column=exc.column, **exc.message.fields)
