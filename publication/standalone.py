"""A project's public page as ONE HTML file that works with no internet: from a phone, a USB stick, an e-mail.

Everything is inside the file: the CSS in `<style>`, the scripts (Leaflet and the page's own) in
`<script>`, the data as a JSON island (`<script type="application/json">`, read with
`JSON.parse(document.getElementById(...).textContent)`), the photo thumbnails as `data:` URIs in a
second JSON island keyed by the ids the data uses, and the CSS's own images (Leaflet's controls)
as `data:` URIs by `inline_css_urls`.

The Content-Security-Policy (a meta tag, as a file has no headers) forbids every fetch: scripts
only the ones inlined here (by their SHA-256), styles only inline, images and fonts only `data:`,
no connections, frames, forms or `<base>`; so a page that would leak the reader's address to a
server (a map tile, a font, an analytics call) cannot, and an injected script would not run.
`no-referrer` for the links the reader follows (the public page, the attribution).

Escaping (the places HTML ends a raw-text element early):
- scripts: `<` before `/script`, `script` (followed by a space, `/` or `>`) and `!--` becomes
  `\\x3C`, which means `<` inside a JS string, template, regular expression or comment, the only
  places those sequences occur in real code; a `sourceMappingURL` comment is dropped (devtools
  would fetch the map);
- the JSON islands: `<`, `>`, `&` and U+2028/U+2029 as `\\uXXXX` escapes, so no text from the data
  can close the element, open a comment or confuse a JavaScript parser;
- CSS: `</style` as `\\3C /style`;
- the title is HTML-escaped; `body_html` is taken as safe (templated by the shell, the story
  through `publication.story`).
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

DATA_ID = "public-data"
IMAGES_ID = "public-images"

_LANG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")
_IMAGE_ID = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
_ELEMENT_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,63}$")
_SCRIPT_BREAKER = re.compile(r"<(?=!--|/?script(?:[\s/>]|$))", re.IGNORECASE)
_SOURCE_MAP = re.compile(r"^[ \t]*//[#@][ \t]*sourceMappingURL=.*$", re.MULTILINE)
_STYLE_BREAKER = re.compile(r"<(?=/style)", re.IGNORECASE)
_JSON_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}
_JSON_UNSAFE = re.compile("[<>&\u2028\u2029]")
_CSS_URL = re.compile(r"""url\(\s*(?:"([^"]*)"|'([^']*)'|([^)'"\s]*))\s*\)""", re.IGNORECASE)
_MEDIA_TYPES = {
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "gif": "image/gif",
    "svg": "image/svg+xml",
    "webp": "image/webp",
    "woff": "font/woff",
    "woff2": "font/woff2",
    "ttf": "font/ttf",
}


def script_text(js: str) -> str:
    """`js` made safe to sit between `<script>` and `</script>` (see the module docstring)."""
    return _SCRIPT_BREAKER.sub(r"\\x3C", _SOURCE_MAP.sub("", js))


def style_text(css: str) -> str:
    return _STYLE_BREAKER.sub(r"\\3C ", css)


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)  # exact, as text: JavaScript numbers are binary floats
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def json_island_text(data: Any) -> str:
    """`data` as JSON safe inside a `<script type="application/json">` element."""
    text = json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":"), default=_json_default)
    return _JSON_UNSAFE.sub(lambda m: _JSON_ESCAPES[m.group()], text)


def data_uri(content: bytes, media_type: str) -> str:
    return f"data:{media_type};base64,{base64.b64encode(content).decode('ascii')}"


def _image_media_type(content: bytes) -> str:
    if content.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    raise ValueError("a standalone page takes JPEG or PNG images only")


def inline_css_urls(css: str, resolver: Callable[[str], bytes | None]) -> str:
    """`css` with every `url(...)` that is not already `data:` or a `#fragment` replaced by a `data:` URI.

    `resolver(url)` gives the file's bytes (e.g. `images/layers.png` read next to leaflet.css), or None when
    it has none, which is refused: a URL left in would be fetched (and blocked) in the standalone file."""

    def inline(match: re.Match[str]) -> str:
        url = next(g for g in match.groups() if g is not None)
        if not url or url.startswith("#") or url[:5].lower() == "data:":
            return match.group(0)
        path = url.split("#", 1)[0].split("?", 1)[0]
        media_type = _MEDIA_TYPES.get(path.rsplit(".", 1)[-1].lower())
        if media_type is None:
            raise ValueError(f"no media type known for the CSS url({url})")
        content = resolver(url)
        if content is None:
            raise ValueError(f"the CSS url({url}) could not be inlined")
        return f'url("{data_uri(content, media_type)}")'

    return _CSS_URL.sub(inline, css)


def _csp(script_texts: Sequence[str]) -> str:
    hashes = " ".join(
        f"'sha256-{base64.b64encode(hashlib.sha256(text.encode('utf-8')).digest()).decode('ascii')}'"
        for text in script_texts
    )
    return "; ".join(
        [
            "default-src 'none'",
            # 'unsafe-inline' is ignored where hashes are known (CSP 2 and later); a CSP 1 browser still runs the page
            f"script-src {hashes} 'unsafe-inline'",
            "style-src 'unsafe-inline'",  # <style> and style attributes; a style cannot fetch (img-src, font-src)
            "img-src data:",
            "font-src data:",
            "connect-src 'none'",
            "base-uri 'none'",
            "form-action 'none'",
        ]
    )


def standalone_html(
    *,
    title: str,
    lang: str,
    css: str | Sequence[str],
    scripts: Sequence[str],
    data: Any,
    images: Mapping[str, bytes],
    body_html: str,
    data_id: str = DATA_ID,
    images_id: str = IMAGES_ID,
) -> str:
    """One self-contained HTML document (see the module docstring).

    `scripts` run in order after the body and both JSON islands (Leaflet first, then the page's script);
    `images` maps an id the data uses to a JPEG or PNG, found in the island `images_id` as a `data:` URI.
    """
    if not isinstance(lang, str) or not _LANG.match(lang):
        raise ValueError(f"lang must be a language tag like 'id' or 'en', not {lang!r}")
    for element_id in (data_id, images_id):
        if not _ELEMENT_ID.match(element_id):
            raise ValueError(f"{element_id!r} is not a plain element id")
    image_uris: dict[str, str] = {}
    for image_id, content in images.items():
        if not isinstance(image_id, str) or not _IMAGE_ID.match(image_id):
            raise ValueError(f"{image_id!r} is not a plain image id (letters, digits, '_', '-', '.')")
        image_uris[image_id] = data_uri(content, _image_media_type(content))

    styles = [css] if isinstance(css, str) else list(css)
    script_texts = [script_text(js) for js in scripts]
    head = [
        "<!DOCTYPE html>",
        f'<html lang="{html.escape(lang)}">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{html.escape(_csp(script_texts))}">',
        '<meta name="referrer" content="no-referrer">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{html.escape(title)}</title>",
        *(f"<style>\n{style_text(text)}\n</style>" for text in styles),
        "</head>",
        "<body>",
        body_html,
        f'<script type="application/json" id="{data_id}">{json_island_text(data)}</script>',
        f'<script type="application/json" id="{images_id}">{json_island_text(image_uris)}</script>',
        *(f"<script>{text}</script>" for text in script_texts),
        "</body>",
        "</html>",
        "",
    ]
    return "\n".join(head)
