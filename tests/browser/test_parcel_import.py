"""A planner drops a parcel file on a project, watches it upload, checks the preview map and imports."""

from __future__ import annotations

import pytest

from tests.browser.conftest import sign_in
from tests.parcel_files import geojson, gj_feature

pytestmark = [pytest.mark.browser, pytest.mark.db]


def test_planner_uploads_previews_and_imports_a_geojson(live_server, browser, tmp_path):
    from shapely.geometry import box

    path = geojson(tmp_path, [gj_feature(box(106.7900, -6.1400, 106.7903, -6.1397), NIB="BR-1", STATUS="SHM"),
                              gj_feature(box(106.7903, -6.1400, 106.7906, -6.1397), NIB="BR-2", STATUS="HGB")])
    browser.clear_cookies()
    page = browser.new_page()
    sign_in(page, live_server, "perencana")
    page.goto(live_server + "/projects/marlina")
    page.click("text=Impor bidang tanah")
    page.set_input_files("input[type=file]", str(path))
    page.click("button.primary")  # sent by the page's script, with a progress bar
    page.wait_for_url("**/parcels/import/**")
    page.wait_for_selector("[data-map='feature-map'][data-feature-count='2']")
    assert "Berkas dapat diimpor" in page.inner_text("main")

    page.click("button[value=import]")
    page.wait_for_url("**/projects/marlina?imported=2")
    assert "2 bidang tanah diimpor" in page.inner_text("main")
    page.wait_for_selector("[data-map='feature-map'][data-feature-count='5']")  # 3 demo parcels + 2 new
    assert "BR-1" in page.inner_text("main")
    page.close()
