"""QR codes to a project's public page, for posters and the standalone export.

segno makes them (pure Python; its own SVG and PNG writers, no Pillow): a regular QR code (never
Micro QR, which phone cameras do not all read) with error correction level M at least (15% of the
code may be lost to a fold or a smudge on a printed poster; segno raises the level when the URL
leaves room) and the quiet zone of 4 modules the standard asks for. Only an http(s) URL of at most
`MAX_URL_CHARS` characters is encoded: a code that opens something else is not a link to the page.
"""

from __future__ import annotations

import io
from urllib.parse import urlsplit

import segno

from kernel.messages import N_, Message
from publication.errors import PublicationError

MAX_URL_CHARS = 500  # a public page's address is ~60; longer codes get dense and hard to scan from a poster
QUIET_ZONE = 4  # modules of light margin around the code (ISO/IEC 18004)


def _code(url: str) -> segno.QRCode:
    parts = urlsplit(url) if isinstance(url, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.netloc or len(url) > MAX_URL_CHARS:
        raise PublicationError(
            Message(
                "publication.qr_not_a_link",
                N_("“{url}” is not a web address (http or https, at most {limit} characters) a QR code can lead to."),
                {"url": str(url)[:60], "limit": MAX_URL_CHARS},
            ),
            field="url",
        )
    return segno.make(url, error="m", micro=False)


def qr_svg(url: str) -> str:
    """An `<svg>` element (no XML declaration) to inline into HTML; it has a viewBox and no size, so CSS sizes it.

    Dark modules black on a white background, so it scans on a coloured poster too."""
    out = io.BytesIO()
    _code(url).save(
        out,
        kind="svg",
        xmldecl=False,
        svgns=True,
        nl=False,
        omitsize=True,
        border=QUIET_ZONE,
        dark="#000",
        light="#fff",
        svgclass="qr",
        lineclass=None,
    )
    return out.getvalue().decode("utf-8")


def qr_png(url: str, scale: int = 10) -> bytes:
    """A black-and-white PNG, `scale` pixels a module (10: about 450 px for a page address)."""
    if isinstance(scale, bool) or not isinstance(scale, int) or not 1 <= scale <= 100:
        raise ValueError(f"scale must be a whole number of pixels from 1 to 100, not {scale!r}")
    out = io.BytesIO()
    _code(url).save(out, kind="png", scale=scale, border=QUIET_ZONE, dark="#000", light="#fff")
    return out.getvalue()
