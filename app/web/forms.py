"""The one form boundary: every value a form or a query string carries is read here, into a typed value.

Services take typed commands, never the form's `dict[str, str]`; this reader turns the strings into them, with
one message per kind of mistake, each naming the field (the form marks it). Every value is bounded: dates within
the years a housing plan can span, amounts below a ceiling that fits the database's 64-bit integers on SQLite
and PostgreSQL alike, no NaN or infinity, no text longer than its column.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import TypeVar

from babel.numbers import get_decimal_symbol

from app.errors import Invalid, InvalidFields
from app.i18n import babel_locale, parse_number, whole_rupiah
from kernel import limits

# Dates a cooperative's records can hold: nothing before the oldest member's birth or after a 40-year plan made in
# this century ends. A wider date cannot be a typo worth keeping, and year 9999 would overflow a schedule.
FIRST_DATE = date(1900, 1, 1)
LAST_DATE = date(2200, 12, 31)
# Rp1 quadrillion: far above any housing project, far below 2**63 (PostgreSQL BIGINT, SQLite INTEGER). A payment's
# own bound is lower (limits.PAYMENT_MAX); a field's text bound is its concept's in kernel.limits.
MAX_RUPIAH = limits.RUPIAH_MAX
# Counts (units, months, floors, page numbers): an int4 column holds them on both databases.
MAX_COUNT = 2**31 - 1
TEXT_LIMIT = 2000  # a form's free text, unless its field says otherwise

T = TypeVar("T")


def _is_iso(text: str) -> bool:
    return len(text) == 10 and text[4] == "-" and text[7] == "-"


def read_date(raw: str | None, field: str, *, low: date = FIRST_DATE, high: date = LAST_DATE) -> date:
    """A date as the date input sends it (YYYY-MM-DD), or as people write it (31/12/2026, 31-12-2026)."""
    text = (raw or "").strip()
    try:
        if _is_iso(text):
            day = date.fromisoformat(text)
        else:
            parts = text.replace("-", "/").replace(".", "/").split("/")
            if len(parts) != 3 or not all(p.isascii() and p.isdigit() for p in parts) or len(parts[2]) != 4:
                raise ValueError(text)
            day = date(int(parts[2]), int(parts[1]), int(parts[0]))
    except ValueError:
        raise Invalid("Write the date as YYYY-MM-DD, e.g. 2026-11-01.", field=field) from None
    if not low <= day <= high:
        raise Invalid("The date must lie between {low} and {high}.", field=field, low=low.isoformat(),
                      high=high.isoformat())
    return day


def read_int(raw: str | int | None, field: str, *, low: int = 0, high: int = MAX_COUNT) -> int:
    """A whole number in [low, high], written with digits only."""
    text = str(raw if raw is not None else "").strip()
    if not (text.isascii() and text.lstrip("-").isdigit()) or len(text) > 20:
        raise Invalid("Write a whole number.", field=field)
    value = int(text)
    if not low <= value <= high:
        raise Invalid("The number must lie between {low} and {high}.", field=field, low=low, high=high)
    return value


def _rupiah_as_shown(raw: str | None, locale: str) -> str:
    """`raw` without what the pages and documents add to whole rupiah in `locale`, so a figure copied from them is
    taken: zero sen (Rp7.500.000,00 on a formal document, Rp7,500,000.00 in English) and English thousands commas
    (Rp7,500,000). Anything else is left for `whole_rupiah` to judge: "7.500.000,50" keeps its sen and is refused,
    and so is "7500000.00" on an Indonesian page (its dot is not a thousands dot)."""
    text = (raw or "").strip()
    point = get_decimal_symbol(babel_locale(locale))
    head, sign, sen = text.rpartition(point)
    if sign and head and 1 <= len(sen) <= 2 and set(sen) == {"0"}:
        text = head
    return text.replace(",", ".") if point == "." else text


def read_rupiah(raw: str | None, field: str, *, low: int = 0, high: int = MAX_RUPIAH, locale: str = "id") -> int:
    """Whole rupiah: 7500000, 7.500.000, Rp 7.500.000 or as the page shows it in `locale` (Rp7.500.000,00;
    Rp7,500,000 in English). "7500000.00" is refused on an Indonesian page: its dot is not a thousands dot."""
    try:
        value = whole_rupiah(_rupiah_as_shown(raw, locale))
    except ValueError:
        raise Invalid("Write the amount in whole rupiah, such as 2500000 or 2.500.000.", field=field) from None
    if not low <= value <= high:
        raise Invalid("The amount must lie between Rp{low} and Rp{high}.", field=field, low=low, high=high)
    return value


def _decimal_sign(text: str, locale: str) -> str:
    """`text` with the decimal sign its writer meant. A lone "," or "." not followed by three digits ("2,5", "2.5",
    "0,75") cannot be a thousands separator: it is the decimal sign whatever the page's language (people type
    both, and the lenient parse would read "2,5" on an English page as 25, "2.5" on an Indonesian one as 25). Both
    signs in the wrong order for the language ("1,000.5" on an Indonesian page) raise ValueError."""
    point = get_decimal_symbol(babel_locale(locale))
    group = "." if point == "," else ","
    if text.count(",") + text.count(".") == 1:
        sign = "," if "," in text else "."
        head, tail = text.split(sign)
        if len(tail) - len(tail.lstrip("0123456789")) != 3:
            return head + point + tail
    elif point in text and group in text and text.rfind(point) < text.rfind(group):
        raise ValueError(text)
    return text


def read_decimal(raw: str | None, field: str, locale: str, *, low: Decimal | None = None,
                 high: Decimal | None = None) -> Decimal:
    """A number as the visitor's language writes it (6,65 in Indonesian; 6.65 is taken too); NaN and infinity are
    refused, and so is a number past 10^20 written with an exponent (1e309: infinity to a float)."""
    text = (raw or "").strip()
    try:
        if not text or len(text) > 40:
            raise ValueError(text)
        value = parse_number(_decimal_sign(text, locale), locale)
        if not value.is_finite() or (value and value.adjusted() > 20):
            raise ValueError(text)
    except (ValueError, InvalidOperation):
        raise Invalid("Write a number, such as 6,65.", field=field) from None
    if (low is not None and value < low) or (high is not None and value > high):
        raise Invalid("The number must lie between {low} and {high}.", field=field,
                      low=low if low is not None else "-", high=high if high is not None else "-")
    return value


def read_percent(raw: str | None, field: str, locale: str, *, low: Decimal = Decimal(0),
                 high: Decimal = Decimal(100)) -> Decimal:
    """A percentage as typed (12,5 or 12,5%), within [low, high]."""
    return read_decimal((raw or "").strip().removesuffix("%"), field, locale, low=low, high=high)


def read_choice(raw: str | None, field: str, choices: Iterable[T]) -> T:
    """One of `choices` (compared as text)."""
    text = (raw or "").strip()
    for choice in choices:
        if str(getattr(choice, "value", choice)) == text:
            return choice
    raise Invalid("Choose one of the options offered.", field=field)


def read_text(raw: str | None, field: str, *, required: bool = False, limit: int = TEXT_LIMIT) -> str:
    text = (raw or "").strip()
    if "\x00" in text:
        raise Invalid("The text holds a character that cannot be stored.", field=field)
    if required and not text:
        raise Invalid("This field is required.", field=field)
    if len(text) > limit:
        raise Invalid("At most {limit} characters.", field=field, limit=limit)
    return text


class FormReader:
    """A form's or a query string's values, read field by field with the readers above.

    `optional` fields answer None when left empty; required ones refuse emptiness with the reader's message.
    """

    def __init__(self, data: Mapping[str, str] | None, locale: str = "id") -> None:
        self.data = data or {}
        self.locale = locale

    def raw(self, name: str) -> str:
        value = self.data.get(name)
        return value if isinstance(value, str) else ""

    def filled(self, name: str) -> bool:
        return bool(self.raw(name).strip())

    def date(self, name: str, default: date | None = None, **bounds) -> date:
        if default is not None and not self.filled(name):
            return default
        return read_date(self.raw(name), name, **bounds)

    def optional_date(self, name: str, **bounds) -> date | None:
        return read_date(self.raw(name), name, **bounds) if self.filled(name) else None

    def int(self, name: str, default: int | None = None, **bounds) -> int:
        if default is not None and not self.filled(name):
            return default
        return read_int(self.raw(name), name, **bounds)

    def rupiah(self, name: str, default: int | None = None, **bounds) -> int:
        if default is not None and not self.filled(name):
            return default
        return read_rupiah(self.raw(name), name, locale=self.locale, **bounds)

    def optional_rupiah(self, name: str, **bounds) -> int | None:
        return read_rupiah(self.raw(name), name, locale=self.locale, **bounds) if self.filled(name) else None

    def decimal(self, name: str, default: Decimal | None = None, **bounds) -> Decimal:
        if default is not None and not self.filled(name):
            return default
        return read_decimal(self.raw(name), name, self.locale, **bounds)

    def percent(self, name: str, default: Decimal | None = None, **bounds) -> Decimal:
        if default is not None and not self.filled(name):
            return default
        return read_percent(self.raw(name), name, self.locale, **bounds)

    def choice(self, name: str, choices: Iterable[T], default: T | None = None) -> T:
        if default is not None and not self.filled(name):
            return default
        return read_choice(self.raw(name), name, choices)

    def text(self, name: str, **options) -> str:
        return read_text(self.raw(name), name, **options)

    def flag(self, name: str) -> bool:
        return self.raw(name) in ("1", "on", "true", "yes")


def worded(read: Callable[[], T], msgid: str, field: str, **fields: object) -> T:
    """`read()`, one field read by the readers above; its refusal in the words a form has always used for that field
    ("45 is not a percentage from 0 to 100...", "Choose a tax preset.") instead of the reader's own, still naming
    the field."""
    try:
        return read()
    except Invalid:
        raise Invalid(msgid, field=field, **fields) from None


def page_number(raw: str | None) -> int:
    """A list's page from `?page=`: anything that is not a sane page number is the first page."""
    text = (raw or "").strip()
    return int(text) if text.isascii() and text.isdigit() and 0 < len(text) <= 6 and int(text) > 0 else 1


class Problems:
    """Reads a form field by field, keeping every refusal (the first of each field) instead of stopping at the first:
    `value = problems.read(lambda: form.date("held_on"))` is None when refused; `check()` raises them all."""

    def __init__(self) -> None:
        self.found: list[Invalid] = []

    def read(self, reader: Callable[[], T]) -> T | None:
        try:
            return reader()
        except Invalid as exc:
            self.add(exc)
            return None

    def add(self, problem: Invalid) -> None:
        if problem.field is None or not self.refused(problem.field):
            self.found.append(problem)

    def refused(self, field: str) -> bool:
        return any(p.field == field for p in self.found)

    def check(self) -> None:
        if self.found:
            raise InvalidFields(self.found)


def shown(raw: str, limit: int = 40) -> str:
    """Typed text to repeat in a message: at most `limit` characters, control characters (a NUL) dropped."""
    text = "".join(c for c in raw.strip() if c.isprintable())
    return text if len(text) <= limit else text[:limit] + "…"
