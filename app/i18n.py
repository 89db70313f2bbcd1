"""Translations and locale formats. Bahasa Indonesia first; msgids are English.

Catalogues are compiled from the .po files in memory at start-up, so a fresh clone needs no
build step and a stale .mo can never shadow an edited .po.
"""

from __future__ import annotations

import gettext
import io
import re
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

from app.config import ROOT

TRANSLATIONS = ROOT / "translations"
LOCALES = ("id", "en")
DEFAULT_LOCALE = "id"
LOCALE_NAMES = {"id": "Bahasa Indonesia", "en": "English"}
# Babel locales behind our two UI languages; en_GB writes dates day-first, as Indonesians read them.
_BABEL = {"id": "id_ID", "en": "en_GB"}
JAKARTA = ZoneInfo("Asia/Jakarta")


def normalise_locale(value: str | None) -> str:
    value = (value or "").strip().lower()[:2]
    return value if value in LOCALES else DEFAULT_LOCALE


@lru_cache(maxsize=len(LOCALES))
def translations(locale: str) -> gettext.NullTranslations:
    po = TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po"
    if not po.exists():
        return gettext.NullTranslations()
    with po.open("rb") as fh:
        catalog = read_po(fh, locale=locale)
    buf = io.BytesIO()
    write_mo(buf, catalog)
    buf.seek(0)
    return gettext.GNUTranslations(buf)


def gettext_for(locale: str):
    return translations(normalise_locale(locale)).gettext


def ngettext_for(locale: str):
    return translations(normalise_locale(locale)).ngettext


def babel_locale(locale: str) -> Locale:
    return Locale.parse(_BABEL[normalise_locale(locale)])


def format_number(value: int | Decimal | float, locale: str, digits: int = 0) -> str:
    fmt = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(value, format=fmt, locale=babel_locale(locale))


_WHOLE_RUPIAH = re.compile(r"\d{1,3}(?:\.\d{3})+|\d+")


def whole_rupiah(raw: str | None) -> int:
    """Whole rupiah as a form takes them: 2500000, 2.500.000 or Rp 2.500.000. Anything else, "2500000.00" above
    all (stripping its dot would make it a hundred times larger), raises ValueError."""
    text = (raw or "").strip().replace(" ", "").replace("\u00a0", "")
    if text[:2].lower() == "rp":
        text = text[2:]
    if not _WHOLE_RUPIAH.fullmatch(text):
        raise ValueError(f"not whole rupiah: {raw!r}")
    return int(text.replace(".", ""))


def parse_number(raw: str, locale: str) -> Decimal:
    """A number as the locale writes it (6,65 and 1.250.000 in Indonesian); "Rp" and spaces are ignored.

    Raises ValueError when the text is not a number.
    """
    from babel.numbers import NumberFormatError, parse_decimal

    text = (raw or "").strip().replace(" ", "").replace("\u00a0", "")
    if text[:2].lower() == "rp":
        text = text[2:]
    try:
        return parse_decimal(text, locale=babel_locale(locale), strict=False)
    except (NumberFormatError, ArithmeticError) as exc:
        raise ValueError(raw) from exc


def format_figure(value: int | Decimal | float, locale: str) -> str:
    """Up to two decimals, none when whole: KLB 6,65, KDB 60, efficiency 0,75."""
    return format_decimal(value, format="#,##0.##", locale=babel_locale(locale))


def format_rupiah(amount: int | Decimal, locale: str, *, formal: bool = False) -> str:
    """Rp1.250.000 (PUEBI: no space, no full stop after Rp); formal documents add ,00."""
    if isinstance(amount, float):
        raise TypeError("money is int or Decimal, never float")
    sign = "-" if amount < 0 else ""
    body = format_number(abs(amount), locale, digits=2 if formal else 0)
    return f"{sign}Rp{body}"


def format_date_long(value: date | datetime | str, locale: str) -> str:
    """22 November 2026. An ISO date string (as public JSON carries dates) is read first."""
    if isinstance(value, str):
        value = date.fromisoformat(value)
    if isinstance(value, datetime):
        value = value.astimezone(JAKARTA).date()
    return format_date(value, format="d MMMM y", locale=babel_locale(locale))


def format_datetime_local(value: datetime, locale: str) -> str:
    """Wall-clock time in Jakarta (WIB), the time residents and staff live by."""
    sep = "." if normalise_locale(locale) == "id" else ":"
    return format_datetime(value, f"d MMMM y, HH{sep}mm 'WIB'", tzinfo=JAKARTA, locale=babel_locale(locale))


def render_message(message, locale: str) -> str:
    """A message from a pure library (kernel.messages.Message) in the visitor's language and notation.

    Numbers in its fields are written the locale's way (1.850,5 in Indonesian); coordinates,
    which must be copied exactly, come as strings and stay as they are.
    """

    def shown(value):
        if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
            return value
        digits = 0 if isinstance(value, int) or float(value).is_integer() else 1
        return format_number(value, locale, digits)

    fields = {key: shown(value) for key, value in message.fields.items()}
    return gettext_for(locale)(message.msgid).format(**fields)
