"""The one error the progress library raises for bad input."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from kernel.errors import UserError
from kernel.messages import Message


@dataclass(frozen=True)
class Problem:
    """One thing wrong: what (a Message the shell translates), where (`field`) and for which work package."""

    message: Message
    field: str | None = None
    package: str | None = None  # the key of the work package it concerns


class ProgressError(UserError, ValueError):
    """Input the progress library refuses, with every problem found when there are several.

    A progress report of twenty work packages is checked whole, so a form can mark each wrong
    line at once: `problems` lists them. `message`, `field` and `package` are the first one's, for
    callers that show one line. Nothing is computed from input that raised this.
    """

    def __init__(
        self, message: Message | Sequence[Problem], *, field: str | None = None, package: str | None = None
    ) -> None:
        if isinstance(message, Message):
            problems: tuple[Problem, ...] = (Problem(message, field, package),)
        else:
            problems = tuple(message)
        if not problems:
            raise ValueError("ProgressError needs at least one problem")
        self.problems = problems
        super().__init__([p.message for p in problems], field=problems[0].field)

    @property
    def package(self) -> str | None:
        return self.problems[0].package

    def __reduce__(self):  # keep pickling working with the keyword-only arguments (and a subclass its class)
        return (type(self), (self.problems,))
