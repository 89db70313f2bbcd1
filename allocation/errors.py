"""The one error the allocation library raises for bad input."""

from __future__ import annotations

from collections.abc import Sequence

from gis.messages import Message


class AllocationError(ValueError):
    """Input an allocation refuses, with every problem found (not just the first).

    `messages` lists them, each a `Message` the shell translates; `message` is the first, for
    callers that show one line. Nothing is allocated when this is raised.
    """

    def __init__(self, messages: Message | Sequence[Message]) -> None:
        self.messages: tuple[Message, ...] = (messages,) if isinstance(messages, Message) else tuple(messages)
        if not self.messages:
            raise ValueError("AllocationError needs at least one message")
        super().__init__("; ".join(m.render() for m in self.messages))

    @property
    def message(self) -> Message:
        return self.messages[0]

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(m.code for m in self.messages)

    def __reduce__(self):  # keep pickling working
        return (AllocationError, (self.messages,))
