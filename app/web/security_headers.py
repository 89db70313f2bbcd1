"""The security headers on every answer: pages, JSON and problem+json, static files, error pages, downloads.

They are added by a `before_send` hook, which wraps the app's whole send: it sees answers no middleware or route
sees (a 404 for an address no route has, the 400 `RefuseMalformedHost` sends as raw messages, an error page).
A header a handler set itself is kept (the public pages' `Referrer-Policy: no-referrer`).

The policy, and why where it is not the obvious one:

- `script-src 'self'`: every script is a file under /static. The one exception is a folium map (dashboard,
  project, cooperative, parcel preview): folium writes the map's code inline with its data, so a page rendering one
  marks those blocks with a per-response nonce (`nonce_inline`, the `nonced` template filter) and only that
  response's policy names it. Inline code nobody marked, `on*=` attributes and `javascript:` URLs never run.
- `style-src-elem 'self'` (plus that nonce, for the map's own <style>), `style-src-attr 'unsafe-inline'`: colour
  swatches and folium's map box are sized and coloured in `style=""` from data; an attribute can style only its own
  element, and with `img-src` closed it cannot send anything anywhere. `style-src 'self' 'unsafe-inline'` is only
  for browsers older than the -elem/-attr directives (iOS before 15.4), which would otherwise draw every map zero
  pixels high; newer browsers never read it.
- `img-src` adds the OpenStreetMap tile server: the signed-in maps' basemap. `data:` is Leaflet's blank tile.
- `Referrer-Policy: strict-origin-when-cross-origin`, not `same-origin`: OpenStreetMap's tile servers refuse
  tiles asked for without a Referer, and this sends them the site's origin only, never a path with an id in it.
- `frame-ancestors 'none'` and `X-Frame-Options: DENY` (older browsers) everywhere but the public embed page,
  which any site may frame: it has no form, no link that acts, and no cookie.
- `Permissions-Policy`: nothing here uses the camera, microphone, location, payments or USB devices. A photo is
  chosen with a plain file input, which the phone's own picker serves (camera included) whatever this says.
- `Strict-Transport-Security` only when JAPRA_SECURE_COOKIES=1, that is behind TLS; no `preload`, no
  `includeSubDomains`: a cooperative's other hosts are not ours to bind to https.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

from litestar.types import Message, Scope

from app.config import Settings
from app.maps import OSM_PROVIDER

NONCE_KEY = "japra_csp_nonce"
_EMBED = re.compile(r"/publik/[^/]+/embed")
_TILES = "{0.scheme}://{0.netloc}".format(urlsplit(OSM_PROVIDER.url))
# Only the bare opening tags folium writes for its inline code; a <script src=...> is covered by 'self'.
_INLINE = re.compile(r"<(script|style)>")

PERMISSIONS = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
HSTS = "max-age=31536000"


def content_security_policy(*, frameable: bool = False, nonce: str | None = None) -> str:
    marked = f" 'nonce-{nonce}'" if nonce else ""
    return "; ".join([
        "default-src 'self'",
        f"script-src 'self'{marked}",
        "style-src 'self' 'unsafe-inline'",
        f"style-src-elem 'self'{marked}",
        "style-src-attr 'unsafe-inline'",
        f"img-src 'self' data: blob: {_TILES}",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors " + ("*" if frameable else "'none'"),
    ])


def nonce_for(scope: Scope) -> str:
    """This response's nonce, made when a page first needs one: a page with no inline code gets none."""
    if NONCE_KEY not in scope:
        scope[NONCE_KEY] = secrets.token_urlsafe(18)  # type: ignore[typeddict-unknown-key]
    return scope[NONCE_KEY]  # type: ignore[typeddict-item]


def nonce_inline(html: str, scope: Scope) -> str:
    """Markup the app wrote itself (a folium map's parts) with its inline <script> and <style> allowed to run.
    Never for anything holding text a user typed outside JSON: what it marks, the browser trusts."""
    nonce = nonce_for(scope)
    return _INLINE.sub(lambda m: f'<{m.group(1)} nonce="{nonce}">', html)


def is_frameable(path: str) -> bool:
    return _EMBED.fullmatch(path) is not None


def security_headers(settings: Settings) -> Callable[[Message, Scope], Awaitable[None]]:
    """The `before_send` hook for `settings`."""
    fixed = [(b"x-content-type-options", b"nosniff"),
             (b"referrer-policy", b"strict-origin-when-cross-origin"),
             (b"permissions-policy", PERMISSIONS.encode())]
    if settings.force_secure_cookies:
        fixed.append((b"strict-transport-security", HSTS.encode()))

    async def add_security_headers(message: Message, scope: Scope) -> None:  # async: no I/O, no worker thread
        if message["type"] != "http.response.start":
            return
        frameable = is_frameable(scope.get("path", ""))
        policy = content_security_policy(frameable=frameable, nonce=scope.get(NONCE_KEY))  # type: ignore[typeddict-item]
        wanted = [*fixed, (b"content-security-policy", policy.encode())]
        if not frameable:
            wanted.append((b"x-frame-options", b"DENY"))
        headers = list(message.get("headers") or ())
        present = {bytes(name).lower() for name, _ in headers}
        message["headers"] = headers + [(name, value) for name, value in wanted if name not in present]

    return add_security_headers
