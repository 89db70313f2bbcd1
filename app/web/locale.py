from __future__ import annotations

from litestar.connection import ASGIConnection

from app.i18n import LOCALES, normalise_locale

LOCALE_COOKIE = "japra_lang"


def request_locale(connection: ASGIConnection) -> str:
    """?lang= for a shared link, then the visitor's choice in a cookie, then Bahasa Indonesia."""
    asked = connection.query_params.get("lang")
    if asked in LOCALES:
        return asked
    return normalise_locale(connection.cookies.get(LOCALE_COOKIE))


def safe_next(target: str | None, default: str = "/") -> str:
    """Only same-site paths, so a crafted link cannot bounce a signed-in user elsewhere."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return default
