import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
# The project is not installed and pytest is not told pythonpath = ["."]; make `app` importable.
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from app.maps import MapParts, feature_map, round_coordinates  # noqa: E402

VENDOR = ROOT / "app" / "static" / "vendor"
CDN_HOSTS = (
    "cdn.jsdelivr",
    "code.jquery",
    "cdnjs",
    "netdna",
    "bootstrapcdn",
    "unpkg",
    "fonts.googleapis",
)


def _square(lon: float, lat: float, d: float = 0.001) -> list:
    return [[[lon, lat], [lon + d, lat], [lon + d, lat + d], [lon, lat + d], [lon, lat]]]


def _collection(*props: dict) -> dict:
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": p,
                "geometry": {
                    "type": "Polygon",
                    "coordinates": _square(106.812345678 + i * 0.01, -6.1234567891),
                },
            }
            for i, p in enumerate(props)
        ],
    }


def _all(parts: MapParts) -> str:
    return parts.header + parts.html + parts.script


def test_no_cdn_and_vendored_leaflet() -> None:
    parts = feature_map(_collection({"name": "A"}), tooltip_fields=[("name", "Nama")])
    out = _all(parts)
    for host in CDN_HOSTS:
        assert host not in out, host
    assert '<script src="/static/vendor/leaflet/leaflet.js"></script>' in parts.header
    assert 'href="/static/vendor/leaflet/leaflet.css"' in parts.header
    urls = set(re.findall(r"https?://[^\s\"'\\]+", out))
    assert urls == {
        "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        "https://www.openstreetmap.org/copyright",
    }


def test_no_tiles_means_no_urls_at_all() -> None:
    assert "http" not in _all(feature_map(_collection({"name": "A"}), tiles=None))


def test_parts_split() -> None:
    parts = feature_map(_collection({}), height_px=300)
    assert "<div" not in parts.header and "L.map(" not in parts.header
    assert 'data-map="feature-map"' in parts.html and "height: 300px" in parts.html
    assert "L.map(" not in parts.html
    assert parts.script.lstrip().startswith("<script>") and parts.script.rstrip().endswith("</script>")
    map_id = re.search(r'id="(map_[0-9a-f]+)"', parts.html).group(1)
    assert f'L.map(\n                "{map_id}"' in parts.script
    assert "window.japraMaps" in parts.script and "data-feature-count" in parts.script
    # Page-wide CSS from folium's stock Map header would restyle the host page.
    assert "html, body" not in parts.header


def test_features_embedded_with_rounded_coordinates() -> None:
    parts = feature_map(_collection({"name": "A"}, {"name": "B"}))
    assert "106.8123457" in parts.script and "-6.1234568" in parts.script
    assert "106.812345678" not in parts.script and "-6.1234567891" not in parts.script
    assert parts.script.count('"type": "Feature"') == 2
    assert "fitBounds" in parts.script


def test_empty_collection_centres_on_default() -> None:
    parts = feature_map({"type": "FeatureCollection", "features": []})
    assert "center: [-6.13, 106.81]" in parts.script
    assert '"zoom": 13' in parts.script
    assert '"features": []' in parts.script


def test_user_values_do_not_inject_markup() -> None:
    evil = "<script>alert(1)</script>"
    parts = feature_map(
        _collection({"name": evil, "kind": evil, "url": "javascript:alert(1)"}),
        tooltip_fields=[("name", "Nama")],
        color_property="kind",
        colors={"ok": "#2a9d8f"},
        link_property="url",
    )
    out = _all(parts)
    assert evil not in out
    assert "<script>alert" not in out
    assert out.count("<script") == 2  # leaflet.js and our own block
    # The browser side builds tooltips as text, never as markup.
    assert "innerHTML" not in out and "textContent" in out


def test_colours_are_a_lookup_table() -> None:
    parts = feature_map(
        _collection({"status": "approved"}, {"status": "draft"}),
        color_property="status",
        colors={"approved": "#2a9d8f", "draft": "#e9c46a"},
        default_color="#999999",
    )
    assert '{"approved": "#2a9d8f", "draft": "#e9c46a"}' in parts.script
    assert '"status"' in parts.script and '"#999999"' in parts.script


def test_round_coordinates_copies_and_rounds() -> None:
    src = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"area": 1.123456789},
                "geometry": {
                    "type": "GeometryCollection",
                    "geometries": [{"type": "Point", "coordinates": [106.123456789, -6.5, 3]}],
                },
            },
            {"type": "Feature", "properties": None, "geometry": None},
        ],
    }
    out = round_coordinates(src, 3)
    assert out["features"][0]["geometry"]["geometries"][0]["coordinates"] == [106.123, -6.5, 3]
    assert out["features"][0]["properties"]["area"] == 1.123456789
    assert out["features"][1]["geometry"] is None
    assert src["features"][0]["geometry"]["geometries"][0]["coordinates"][0] == 106.123456789


def test_vendor_files_exist() -> None:
    for rel in (
        "leaflet/leaflet.js",
        "leaflet/leaflet.css",
        "leaflet/LICENSE",
        "leaflet/images/marker-icon.png",
        "leaflet/images/marker-icon-2x.png",
        "leaflet/images/marker-shadow.png",
        "leaflet/images/layers.png",
        "leaflet/images/layers-2x.png",
        "htmx/htmx.min.js",
        "htmx/LICENSE",
        "README.md",
    ):
        path = VENDOR / rel
        assert path.is_file() and path.stat().st_size > 0, rel
    assert "Leaflet 1.9.4" in (VENDOR / "leaflet/leaflet.js").read_text()[:200]
    assert (VENDOR / "htmx/htmx.min.js").read_text().startswith("var htmx=")
