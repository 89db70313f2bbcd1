"""Headless Chromium under the app's Content-Security-Policy: every page that runs script works, and the browser
reports no violation (a blocked map, a refused style or an eval would show here first). Framed from another site,
only the public embed page draws; any other page is refused."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.browser.conftest import sign_in, wait_until

pytestmark = [pytest.mark.browser, pytest.mark.db]

# public_map.js has drawn the site: a vector path with a shape (Leaflet starts an empty layer at "M0 0").
DRAWN = "Array.from(document.querySelectorAll('.leaflet-container path')).some(p => p.getAttribute('d') !== 'M0 0')"
# Chromium says "Content Security Policy" in a refusal, and the `securitypolicyviolation` event says the rest.
RECORD_VIOLATIONS = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
    window.__csp.push(e.violatedDirective + " " + e.blockedURI + " " + (e.sourceFile || "") + ":" + e.lineNumber);
});
"""


@pytest.fixture(autouse=True)
def signed_out_after(browser):
    """The browser is shared by every browser test: leave it signed out, as the next one expects."""
    yield
    browser.clear_cookies()


@contextmanager
def other_site(body: bytes) -> Iterator[str]:
    """Another origin (loopback, another port: Chromium lets no public site frame loopback at all) serving `body`."""

    class Page(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Page)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


class Watched:
    """A page whose requests off the app's server are refused (the network is closed), and whose console messages
    and uncaught errors are kept."""

    def __init__(self, browser, live_server: str):
        self.page = browser.new_page()
        self.messages: list[str] = []
        self.errors: list[str] = []
        self.page.on("console", lambda m: self.messages.append(f"{m.type}: {m.text}"))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.add_init_script(RECORD_VIOLATIONS)
        self.page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(live_server) else r.abort())

    def wait_for(self, selector: str) -> None:
        """The page's script did its work; if it never does, the message says what the browser refused."""
        try:
            self.page.wait_for_selector(selector, state="attached", timeout=15_000)
        except PlaywrightTimeout:
            raise AssertionError(f"{selector} never appeared; refused: {self.violations()}, errors: {self.errors}") \
                from None

    def violations(self) -> list[str]:
        said = [m for m in self.messages if re.search(r"Content.Security.Policy", m, re.IGNORECASE)]
        return said + self.page.evaluate("window.__csp || []")

    def assert_clean(self, what: str) -> None:
        assert self.violations() == [], what
        assert self.errors == [], what


def _first_meeting(page, base: str, slug: str) -> str:
    page.goto(f"{base}/projects/{slug}/meetings")
    href = page.locator("main table a[href*='/meetings/']").first.get_attribute("href")
    assert re.fullmatch(rf"/projects/{slug}/meetings/\d+", href), href
    return href


def test_signed_in_pages_with_scripts_run_without_a_violation(live_server, browser):
    browser.clear_cookies()
    w = Watched(browser, live_server)
    sign_in(w.page, live_server, "perencana")

    # The dashboard's folium map: inline code the page marked with its nonce, tiles from OpenStreetMap's host.
    w.wait_for("[data-map='feature-map'][data-feature-count]")
    assert w.page.evaluate("typeof htmx") == "object"  # loaded on every page, configured not to inject a style
    assert w.page.evaluate("htmx.config.includeIndicatorStyles === false && htmx.config.allowEval === false")
    w.assert_clean("dashboard")

    w.page.goto(live_server + "/projects/marlina")  # the project's parcel map
    w.wait_for("[data-map='feature-map'][data-feature-count]")
    w.assert_clean("project page")

    w.page.goto(live_server + "/projects/marlina/construction/map")  # Leaflet from a file, the replay slider
    w.wait_for("#progress-map[data-block-count]")
    w.page.click("[data-play]")
    wait_until(w.page, "Number(document.getElementById('progress-map').getAttribute('data-step')) >= 1")
    w.assert_clean("progress map")

    w.page.goto(live_server + "/projects/marlina/construction/footprints")  # the footprint editor
    w.wait_for("#footprint-map[data-ready]")
    w.page.click("[data-draw=start]")
    w.assert_clean("footprint editor")

    # A refused upload is sent by app.js (XHR, connect-src) and shown by writing the answer into the page.
    w.page.goto(live_server + "/projects/marlina/parcels/import")
    w.page.set_input_files("input[type=file]", files=[{"name": "rusak.geojson", "mimeType": "application/json",
                                                          "buffer": b"{not json"}])
    w.page.click("button.primary")
    w.wait_for("p.alert.error")
    w.assert_clean("upload refused")
    w.page.close()


def test_meeting_mode_runs_without_a_violation(live_server, browser):
    browser.clear_cookies()
    w = Watched(browser, live_server)
    sign_in(w.page, live_server, "pengurus-akuarium")
    meeting = _first_meeting(w.page, live_server, "akuarium")
    w.page.goto(live_server + meeting + "/mode")
    w.wait_for("ol[data-reveal] li.pending")  # meeting.js hid the steps
    w.page.click("[data-next]")
    w.wait_for("ol[data-reveal] li.latest")
    w.assert_clean("meeting mode")
    w.page.close()


def test_public_pages_run_without_a_violation(live_server, browser):
    browser.clear_cookies()
    w = Watched(browser, live_server)
    for path in ("/publik", "/publik/marlina", "/publik/marlina/embed"):
        w.page.goto(live_server + path)
        wait_until(w.page, DRAWN)
        w.assert_clean(path)
    w.page.close()


def test_another_site_may_frame_the_embed_page_and_nothing_else(live_server, browser):
    browser.clear_cookies()
    w = Watched(browser, live_server)
    parent = (f'<!doctype html><iframe id="embed" src="{live_server}/publik/marlina/embed"></iframe>'
              f'<iframe id="page" src="{live_server}/publik/marlina"></iframe>'
              f'<iframe id="login" src="{live_server}/login"></iframe>').encode()
    with other_site(parent) as site:
        w.page.route(site + "/", lambda r: r.continue_())
        w.page.goto(site + "/")
        wait_until(w.page, "document.readyState === 'complete'")
        embed = next(f for f in w.page.frames if f.url.endswith("/publik/marlina/embed"))
        wait_until(embed, DRAWN)  # the embed drew its map inside another site's page
        # The project's public page and the sign-in form are refused: no frame shows them, the console says why.
        assert [f.url for f in w.page.frames if f.url.startswith(live_server)] == [embed.url]
        deadline = time.monotonic() + 10
        while len(refused := [m for m in w.messages if "frame-ancestors 'none'" in m]) < 2 \
                and time.monotonic() < deadline:
            w.page.wait_for_timeout(50)
        assert len(refused) == 2, w.messages
    w.page.close()
