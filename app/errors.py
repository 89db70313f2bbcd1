"""Domain errors the web layer maps to HTTP answers. Messages are translatable msgids with fields."""

from __future__ import annotations


class DomainError(Exception):
    status_code = 400

    def __init__(self, msgid: str, *, field: str | None = None, **fields: object) -> None:
        super().__init__(msgid)
        self.msgid = msgid
        self.field = field
        self.fields = fields


class NotFound(DomainError):
    """Also what an officer gets for another cooperative's things: its existence is not revealed."""

    status_code = 404


class Conflict(DomainError):
    status_code = 409


class Invalid(DomainError):
    status_code = 400
