"""The one error the publication library raises for bad input."""

from __future__ import annotations

from kernel.errors import UserError
from kernel.messages import Message


class PublicationError(UserError, ValueError):
    """Input a public page cannot be made from: `message` says what (translated by the shell), `field` where.

    Nothing is published from input that raised this.
    """

    def __init__(self, message: Message, *, field: str | None = None) -> None:
        super().__init__(message, field=field)

    @property
    def code(self) -> str:
        return self.message.code

    def __reduce__(self):  # keep pickling working with the keyword-only argument
        return (_rebuild, (self.message, self.field))


def _rebuild(message: Message, field: str | None) -> PublicationError:
    return PublicationError(message, field=field)
