"""Messages that pure code hands to a user without knowing the user's language.

The library writes an English msgid with `{field}` placeholders (marked with `N_` so `pybabel
extract` puts it in the catalogue); the shell translates it with its own gettext and fills the
fields. A `code` stays the same across languages, for scripts and tests.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any


def N_(message: str) -> str:  # noqa: N802  (gettext's conventional name)
    return message


@dataclass(frozen=True)
class Message:
    code: str
    msgid: str
    fields: Mapping[str, Any] = field(default_factory=dict)

    def render(self, gettext: Callable[[str], str] = str) -> str:
        """The text in the language `gettext` translates to (English with the default)."""
        return gettext(self.msgid).format(**self.fields)

    def __str__(self) -> str:
        return self.render()
