"""The standalone export: one HTML file that opens with no internet, from which nothing can break out or call out."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
from pathlib import Path

import pytest
from PIL import Image

from publication.qr import qr_svg
from publication.standalone import (
    DATA_ID,
    IMAGES_ID,
    inline_css_urls,
    json_island_text,
    script_text,
    standalone_html,
)
from publication.story import render_story

LEAFLET = Path(__file__).resolve().parents[2] / "app" / "static" / "vendor" / "leaflet"
PUBLIC_URL = "https://japra.example/publik/marlina-1"
BREAKOUT = "</script><script>window.pwned = 1</script><!--<script>\u2028\u2029 & <b>"

APP_JS = r"""
(function () {
  var data = JSON.parse(document.getElementById('public-data').textContent);
  var images = JSON.parse(document.getElementById('public-images').textContent);
  var map = L.map('map', {zoomSnap: 0.25});
  var site = L.geoJSON(data.site, {style: function (f) {
    return f.properties.kind === 'block'
      ? {color: '#333', weight: 1, fillColor: f.properties.fill, fillOpacity: 1}
      : {color: '#8c5a2b', weight: 3, fillColor: '#fffdf7', fillOpacity: 1};
  }}).addTo(map);
  map.fitBounds(site.getBounds(), {padding: [20, 20]});
  data.photos.forEach(function (p) {
    var img = document.createElement('img');
    img.src = images[p.image]; img.alt = p.caption; img.width = 160;
    document.getElementById('photos').appendChild(img);
  });
  document.getElementById('note').textContent = data.note;
  window.publicPageReady = true;
})();
"""


def leaflet_css() -> str:
    return inline_css_urls((LEAFLET / "leaflet.css").read_text(), lambda url: (LEAFLET / url).read_bytes())


def thumbnail(colour: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (160, 120), colour).save(out, format="JPEG", quality=80)
    return out.getvalue()


def marlina_site() -> dict:
    ring = [[106.8000, -6.1200], [106.8008, -6.1200], [106.8008, -6.1207], [106.8000, -6.1207], [106.8000, -6.1200]]
    block = [[106.8002, -6.1202], [106.8005, -6.1202], [106.8005, -6.1205], [106.8002, -6.1205], [106.8002, -6.1202]]
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"kind": "parcel"},
                "geometry": {"type": "Polygon", "coordinates": [ring]},
            },
            {
                "type": "Feature",
                "properties": {"kind": "block", "fill": "#31a354"},
                "geometry": {"type": "Polygon", "coordinates": [block]},
            },
        ],
    }


STORY = "# Cerita\n\nWarga **Marlina** membangun kembali. <script>alert(1)</script>"


def export(**overrides) -> str:
    body = f"""
<main>
  <h1>Kampung Susun Marlina</h1>
  <div id="map" style="height: 320px; background: #f6f4ee"></div>
  <section class="story">{render_story(STORY)}</section>
  <p id="note"></p>
  <div id="photos"></div>
  <p class="qr">{qr_svg(PUBLIC_URL)}<a href="{PUBLIC_URL}">{PUBLIC_URL}</a></p>
</main>"""
    arguments = dict(
        title="Kampung Susun Marlina <Tahap 1>",
        lang="id",
        css=[leaflet_css(), ".qr svg { width: 120px; } #photos img { margin: 4px; }"],
        scripts=[(LEAFLET / "leaflet.js").read_text(), APP_JS],
        data={
            "site": marlina_site(),
            "photos": [{"image": "p1", "caption": "Blok A"}, {"image": "p2", "caption": "Blok B"}],
            "note": BREAKOUT,
        },
        images={"p1": thumbnail((200, 90, 40)), "p2": thumbnail((40, 120, 200))},
        body_html=body,
    )
    arguments.update(overrides)
    return standalone_html(**arguments)


def test_no_network_references_but_the_attribution_and_the_public_page():
    html = export()
    allowed = {
        PUBLIC_URL,
        "https://leafletjs.com",  # Leaflet's licence comment and its attribution link
        "http://www.w3.org/2000/svg",  # the SVG namespace (Leaflet, the QR code): a name, never fetched
    }
    # Comments in the CSS (Leaflet cites browser bugs) are never fetched: out of the count.
    scanned = re.sub(
        r"<style>.*?</style>", lambda m: re.sub(r"/\*.*?\*/", "", m.group(0), flags=re.S), html, flags=re.S
    )
    found = set(re.findall(r"https?://[^\s\"'<>)]*", scanned))
    assert found <= allowed, found - allowed
    markup = re.sub(r"<script\b[^>]*>.*?</script>", "", html, flags=re.S)
    assert not re.search(r"""\b(src|href)\s*=\s*["']?+(?!data:|#|https://japra\.example/publik/)""", markup, re.I)
    assert not re.search(r"url\((?![\"']?(data:|#))", html), "every CSS url() is inlined"
    assert "@import" not in html and "sourceMappingURL" not in html


def test_a_strict_policy_allows_only_the_inlined_scripts_and_data():
    html = export()
    policy = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', html).group(1)
    policy = policy.replace("&#x27;", "'")
    assert "default-src 'none'" in policy and "img-src data:" in policy and "connect-src 'none'" in policy
    scripts = re.findall(r"<script>(.*?)</script>", html, re.S)
    assert len(scripts) == 2
    for text in scripts:
        digest = base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in policy
    assert '<meta name="referrer" content="no-referrer">' in html
    assert html.index("Content-Security-Policy") < html.index("<style>")


def test_a_closing_script_tag_in_the_data_cannot_break_out():
    html = export()
    island = re.search(rf'<script type="application/json" id="{DATA_ID}">(.*?)</script>', html, re.S).group(1)
    assert "<" not in island and ">" not in island and "&" not in island
    assert "\u2028" not in island and "\u2029" not in island
    assert json.loads(island)["note"] == BREAKOUT
    assert html.count("</script>") == 4  # two islands and two scripts, nothing more


def test_scripts_and_styles_are_escaped_where_html_would_end_them():
    js = 'var a = "</script><script>x()</script>"; var b = /<!--/; var c = i<scriptLength;'
    escaped = script_text(js)
    assert "</script" not in escaped.lower() and "<!--" not in escaped and "<script>" not in escaped
    assert "i<scriptLength" in escaped  # ordinary code left alone
    assert escaped.count(r"\x3C") == 4
    html = export(css="p::after { content: '</style><script>alert(1)</script>' }")
    assert html.count("</style>") == 1


def test_the_title_is_escaped_and_images_are_data_uris():
    html = export()
    assert "<title>Kampung Susun Marlina &lt;Tahap 1&gt;</title>" in html
    images = json.loads(re.search(rf'id="{IMAGES_ID}">(.*?)</script>', html, re.S).group(1))
    assert set(images) == {"p1", "p2"} and all(uri.startswith("data:image/jpeg;base64,/9j/") for uri in images.values())


def test_json_island_text_keeps_decimals_exact():
    from datetime import date
    from decimal import Decimal

    assert json_island_text({"pct": Decimal("64.50"), "on": date(2026, 2, 2)}) == '{"pct":"64.50","on":"2026-02-02"}'


def test_leaflet_css_images_are_inlined_and_fragments_kept():
    css = leaflet_css()
    assert "url(images/" not in css
    assert css.count('url("data:image/png;base64,') == 3
    assert "url(#default#VML)" in css
    with pytest.raises(ValueError, match="could not be inlined"):
        inline_css_urls("a { background: url('missing.png') }", lambda url: None)


@pytest.mark.parametrize(
    "change",
    [
        {"lang": 'id" onload="x'},
        {"images": {"bad id": b"\xff\xd8\xff"}},
        {"images": {"p1": b"GIF89a"}},
        {"data": {"x": float("nan")}},
    ],
)
def test_bad_arguments_are_refused(change):
    with pytest.raises(ValueError):
        export(**change)


@pytest.fixture(scope="module")
def offline_chromium(request):
    """A headless Chromium context with the network off, and every web request it tries recorded and refused."""
    from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS

    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium is not installed (apt-get install chromium)")
    p = request.getfixturevalue("playwright_driver")
    browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
    context = browser.new_context(viewport={"width": 800, "height": 900}, offline=True)
    context.tried = []

    def refuse(route):
        context.tried.append(route.request.url)
        route.abort()

    context.route(re.compile(r"^(https?|wss?|ftp)://"), refuse)
    try:
        yield context
    finally:
        browser.close()


def open_file(context, path: Path, html: str):
    path.write_text(html, encoding="utf-8")
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.goto(path.as_uri())
    return page


@pytest.mark.browser
def test_the_file_opens_offline_in_chromium_and_draws_the_site(offline_chromium, tmp_path):
    page = open_file(offline_chromium, tmp_path / "marlina.html", export())
    page.wait_for_function("window.publicPageReady === true")
    assert page.evaluate("window.pwned") is None
    assert page.evaluate("document.getElementById('note').textContent") == BREAKOUT
    assert page.locator("path.leaflet-interactive").count() == 2  # the parcel and the block
    assert page.evaluate("[...document.querySelectorAll('#photos img')].every(i => i.naturalWidth === 160)")
    assert page.locator(".story h2").inner_text() == "Cerita"
    assert page.locator(".qr svg").bounding_box()["width"] == 120
    page.screenshot(path=str(tmp_path / "marlina.png"), full_page=True)
    assert page.errors == []
    assert offline_chromium.tried == []


@pytest.mark.browser
def test_the_policy_stops_what_the_body_might_smuggle_in(offline_chromium, tmp_path):
    smuggled = (
        '<div id="map"></div><script>window.injected = 1</script>'
        '<img src="x.png" onerror="window.handler = 1"><img src="https://tracker.example/pixel.gif">'
        '<link rel="stylesheet" href="https://fonts.example/css">'
    )
    page = open_file(
        offline_chromium,
        tmp_path / "smuggled.html",
        export(body_html=smuggled + '<p id="note"></p><div id="photos"></div>'),
    )
    page.wait_for_function("window.publicPageReady === true")
    assert page.evaluate("[window.injected, window.handler]") == [None, None]
    assert offline_chromium.tried == []  # blocked by the policy before any request
