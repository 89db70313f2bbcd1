"""The one base of every error a user can cause, shared by the pure packages and the app.

A pure package refuses input by raising a subclass of `UserError` that carries `Message`s (English msgids
with fields, translated by the shell) and says where the problem is: a form's `field`, a file's `row` and
`column`. The shell has one translation for all of them and one answer per channel (a page, a problem+json
body, a command-line message and exit code 2), so a package error can never become a 500 because some
caller forgot to catch it.
"""

from __future__ import annotations

from collections.abc import Sequence

from kernel.messages import Message


class UserError(Exception):
    """Input refused, with every problem found; nothing was stored or computed from it.

    `status` is the HTTP status a web answer takes: 400 bad input, 404 not there (or not yours), 409 a
    conflict with the stored state, 413 too large.
    """

    status = 400

    def __init__(
        self,
        messages: Message | Sequence[Message],
        *,
        field: str | None = None,
        row: int | None = None,
        column: str | None = None,
    ) -> None:
        self.messages: tuple[Message, ...] = (messages,) if isinstance(messages, Message) else tuple(messages)
        if not self.messages:
            raise ValueError(f"{type(self).__name__} needs at least one message")
        self.field = field
        self.row = row
        self.column = column
        super().__init__("; ".join(m.render() for m in self.messages))

    @property
    def message(self) -> Message:
        """The first problem, for callers that show one line."""
        return self.messages[0]

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(m.code for m in self.messages)


class NotFound(UserError):
    """Nothing at that address, or nothing the asker may see: which of the two is not revealed."""

    status = 404


class Conflict(UserError):
    """The request contradicts what is stored now (another officer got there first, an ended plan)."""

    status = 409
