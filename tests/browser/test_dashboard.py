"""Headless Chromium against the real server: sign in, see the three founders' sites on the map."""

from __future__ import annotations

import pytest

from tests.browser.conftest import sign_in as _sign_in

pytestmark = [pytest.mark.browser, pytest.mark.db]


def _outlines_drawn(page) -> list[str]:
    """Projects whose site outline Leaflet actually drew (markers left out)."""
    return page.evaluate("""() => {
        const names = [];
        window.japraMaps[0].eachLayer(l => {
            if (l.feature && l.feature.geometry.type !== 'Point') names.push(l.feature.properties.project);
        });
        return names.sort();
    }""")


def test_planner_signs_in_and_sees_three_sites_on_the_dashboard_map(live_server, browser):
    page = browser.new_page()
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    _sign_in(page, live_server, "perencana")

    assert page.locator("html").get_attribute("lang") == "id"
    assert page.locator("h1").inner_text() == "Dasbor"
    page.wait_for_selector("[data-map='feature-map'][data-feature-count]")
    assert _outlines_drawn(page) == ["akuarium", "kunir", "marlina"]
    # Everything but the basemap tiles came from this server.
    foreign = [u for u in requests if not u.startswith(live_server) and "tile.openstreetmap.org" not in u]
    assert foreign == []
    page.close()


def test_officer_map_shows_only_its_own_site_and_english_switch_works(live_server, browser):
    browser.clear_cookies()
    page = browser.new_page()
    _sign_in(page, live_server, "pengurus-kunir")
    page.wait_for_selector("[data-map='feature-map'][data-feature-count]")
    assert _outlines_drawn(page) == ["kunir"]
    page.click("a[lang=en]")
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Dashboard"
    page.close()
