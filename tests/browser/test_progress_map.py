"""Headless Chromium, network shut off but for the app: the progress map colours the blocks and replays the reports;
the planner draws a block's outline with the mouse and saves it."""

from __future__ import annotations

import pytest

from tests.browser.conftest import sign_in as _sign_in
from tests.browser.conftest import wait_until

pytestmark = [pytest.mark.browser, pytest.mark.db]


@pytest.fixture(autouse=True)
def signed_out_after(browser):
    """The browser is shared by every browser test: leave it signed out, as the next one expects."""
    yield
    browser.clear_cookies()


def _offline_page(browser, live_server):
    """A page whose every request off the app's own server is refused and remembered."""
    page = browser.new_page()
    foreign: list[str] = []

    def route(r):
        if r.request.url.startswith(live_server):
            r.continue_()
        else:
            foreign.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    return page, foreign


def _block_fills(page) -> dict[str, str]:
    return page.evaluate("""() => {
        const fills = {};
        const map = window.japraMaps[window.japraMaps.length - 1];
        map.eachLayer(l => {
            if (l.feature && l.feature.properties && 'area_m2' in l.feature.properties) {
                fills[l.feature.properties.code] = l.options.fillColor;
            }
        });
        return fills;
    }""")


def test_the_map_colours_the_blocks_and_the_slider_replays_the_reports(live_server, browser):
    browser.clear_cookies()
    page, foreign = _offline_page(browser, live_server)
    _sign_in(page, live_server, "pembaca")
    foreign.clear()  # the dashboard's basemap tiles; these pages have none
    page.goto(live_server + "/lang/en?next=/projects/marlina/construction/map")
    page.wait_for_selector("#progress-map[data-block-count='2']")

    now = _block_fills(page)
    assert set(now) == {"A", "B"} and "#d9d9d9" not in now.values()  # both reported on, so coloured by class
    legend = page.locator(".legend-list").inner_text()
    assert "0–20% complete" in legend and "80–100% complete" in legend
    last_date = page.locator("#timeline-value").inner_text()
    assert last_date.startswith("Report of ")
    assert "Critical (kontrak kritis)" in page.locator("#block-progress tr[data-block=B]").inner_text()

    page.focus("#timeline-range")
    page.keyboard.press("Home")  # back to the first report
    wait_until(page, "document.getElementById('progress-map').getAttribute('data-step') === '0'")
    first = _block_fills(page)
    assert first != now and first["A"] == first["B"]  # a week in, both blocks are in the lowest class
    assert page.locator("#timeline-value").inner_text() != last_date
    assert "On schedule" in page.locator("#block-progress").inner_text() or \
        "Behind schedule" in page.locator("#block-progress").inner_text()

    page.click("[data-play]")
    wait_until(page, "Number(document.getElementById('progress-map').getAttribute('data-step')) >= 2")
    page.click("[data-play]")  # pause
    assert page.get_attribute("[data-play]", "aria-pressed") == "false"

    page.locator(".leaflet-control-layers label", has_text="Buildings in 2012").click()
    wait_until(page, """() => {
        const map = window.japraMaps[window.japraMaps.length - 1];
        let shown = 0;
        map.eachLayer(l => { if (l.feature && 'distance_m' in (l.feature.properties || {})) shown += 1; });
        return shown > 0;
    }""")
    assert page.locator(".leaflet-control-attribution").inner_text().find("OpenStreetMap") >= 0
    assert foreign == []
    page.close()


def test_the_planner_redraws_block_a_with_the_mouse(live_server, browser):
    browser.clear_cookies()
    page, foreign = _offline_page(browser, live_server)
    _sign_in(page, live_server, "perencana")
    foreign.clear()
    page.goto(live_server + "/lang/en?next=/projects/marlina/construction/footprints")
    page.wait_for_selector("#footprint-map[data-ready]")
    assert page.is_disabled("[data-draw=save]")

    # Block A filling the view, whatever other tests added to the site: its corners lie well apart on screen.
    page.evaluate("""() => {
        const map = window.japraMaps[window.japraMaps.length - 1];
        map.eachLayer(l => { if (l.feature && l.feature.properties.code === 'A') map.fitBounds(l.getBounds(),
                                                                                                {animate: false}); });
    }""")
    page.wait_for_timeout(300)
    # The corners of the demo's block A on screen, a little inside: the new outline is nearly the old one.
    corners = page.evaluate("""() => {
        const map = window.japraMaps[window.japraMaps.length - 1];
        let ring = null;
        map.eachLayer(l => { if (l.feature && l.feature.properties.code === 'A') ring = l.getLatLngs(); });
        while (Array.isArray(ring[0])) ring = ring[0];  // a MultiPolygon's first ring
        const box = map.getContainer().getBoundingClientRect();
        const c = ring.map(ll => map.latLngToContainerPoint(ll));
        const cx = c.reduce((s, p) => s + p.x, 0) / c.length, cy = c.reduce((s, p) => s + p.y, 0) / c.length;
        return c.map(p => [box.left + p.x + (cx - p.x) * 0.05, box.top + p.y + (cy - p.y) * 0.05]);
    }""")
    page.select_option("select[name=block]", "A")
    page.click("[data-draw=start]")
    for x, y in corners[:3]:
        page.mouse.click(x, y)
        page.wait_for_timeout(400)  # apart by more than a double click's interval, as a hand places corners
    page.click("[data-draw=undo]")
    assert "Corners placed: 2." in page.locator("#draw-status").inner_text()
    for x, y in corners[2:4]:
        page.mouse.click(x, y)
    page.click("[data-draw=finish]")
    assert page.is_enabled("[data-draw=save]")
    page.click("[data-draw=save]")
    page.wait_for_url("**/construction/footprints?saved=A")
    assert "The footprint of block A is saved." in page.locator("[role=status]").first.inner_text()
    assert foreign == []
    page.close()
