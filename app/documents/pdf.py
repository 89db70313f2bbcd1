"""HTML to PDF with WeasyPrint, offline: local files only, one shared font configuration.

Relative URLs in a document resolve against the repository root, so a template links
`templates/pdf/base.css` and the stylesheet loads the bundled fonts from `app/static/fonts/`.
The URL fetcher refuses every http(s) URL (and any file outside the repository): a document is
never fetched from, nor does it reveal anything to, the network. A refused resource is left out
with a warning in the log; the document still renders.
"""

from __future__ import annotations

import logging
import threading
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote, urlsplit

from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher

from app.config import ROOT

log = logging.getLogger("japra.documents")

BASE_URL = ROOT.as_uri() + "/"
_LOCK = threading.Lock()


class NetworkRefused(ValueError):
    """A document asked for a resource outside the repository (a web address, another folder)."""


class LocalOnlyFetcher(URLFetcher):
    """Fetches `file:` URLs under the repository root and `data:` URLs; refuses everything else."""

    def __init__(self, root: Path = ROOT) -> None:
        super().__init__(allowed_protocols=("file", "data"))
        self.root = root.resolve()
        self.refused: list[str] = []

    def fetch(self, url, headers=None):
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme == "file":
            path = Path(unquote(parts.path)).resolve()
            if not path.is_relative_to(self.root):
                self._refuse(url)
        elif scheme != "data":
            self._refuse(url)  # http, https, ftp and anything else: never the network
        return super().fetch(url, headers)

    def _refuse(self, url: str) -> None:
        self.refused.append(url)
        log.warning("PDF resource refused (documents never use the network or files outside the app): %s", url[:200])
        raise NetworkRefused(url)


@lru_cache(maxsize=1)
def font_config() -> FontConfiguration:
    """One font configuration for every document: each @font-face is unpacked and registered once."""
    return FontConfiguration()


def render_pdf(html: str, *, url_fetcher: URLFetcher | None = None) -> bytes:
    """The PDF of `html`, with relative URLs resolved against the repository root.

    Renders one document at a time: the shared font configuration (fontconfig underneath) is not
    meant to be changed from two threads at once, and a proposal takes seconds, not minutes.
    """
    fetcher = url_fetcher or LocalOnlyFetcher()
    with _LOCK:
        document = HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher)
        return document.write_pdf(font_config=font_config())
