"""The one error the allocation library raises for bad input."""

from __future__ import annotations

from collections.abc import Sequence

from kernel.errors import UserError
from kernel.messages import Message


class AllocationError(UserError, ValueError):
    """Input an allocation refuses, with every problem found (not just the first).

    `messages` lists them, each a `Message` the shell translates; `message` is the first, for
    callers that show one line; `field`, when given, names the form's field at fault. Nothing is allocated when
    this is raised.
    """

    def __init__(self, messages: Message | Sequence[Message], *, field: str | None = None) -> None:
        super().__init__(messages, field=field)

    def __reduce__(self):  # keep pickling working, a subclass and the field included
        return (_rebuild, (type(self), self.messages, self.field))


def _rebuild(kind: type[AllocationError], messages: tuple[Message, ...], field: str | None) -> AllocationError:
    return kind(messages, field=field)
