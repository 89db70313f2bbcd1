"""The one error the allocation library raises for bad input."""

from __future__ import annotations

from collections.abc import Sequence

from kernel.errors import UserError
from kernel.messages import Message


class AllocationError(UserError, ValueError):
    """Input an allocation refuses, with every problem found (not just the first).

    `messages` lists them, each a `Message` the shell translates; `message` is the first, for
    callers that show one line. Nothing is allocated when this is raised.
    """

    def __init__(self, messages: Message | Sequence[Message]) -> None:
        super().__init__(messages)

    def __reduce__(self):  # keep pickling working
        return (AllocationError, (self.messages,))
