"""QR codes to the public page: an SVG to inline, a PNG, only for web addresses."""

from __future__ import annotations

import io

import pytest
from defusedxml.ElementTree import fromstring
from PIL import Image

from publication.errors import PublicationError
from publication.qr import MAX_URL_CHARS, QUIET_ZONE, qr_png, qr_svg

URL = "https://japra.example/publik/marlina-1"


def test_the_svg_inlines_without_xml_declaration_and_sizes_by_css():
    svg = qr_svg(URL)
    assert svg.startswith("<svg") and "<?xml" not in svg
    root = fromstring(svg)
    assert root.get("viewBox") == "0 0 37 37"  # version 3 (29 modules) and the quiet zone on both sides
    assert root.get("width") is None and root.get("height") is None
    assert "<script" not in svg and "href" not in svg


def test_the_png_is_black_on_white_with_the_quiet_zone():
    png = qr_png(URL, scale=5)
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    assert image.size == (37 * 5, 37 * 5)
    grey = image.convert("L")
    assert grey.getpixel((0, 0)) == 255  # quiet zone is white
    assert grey.getpixel((QUIET_ZONE * 5, QUIET_ZONE * 5)) == 0  # the finder pattern's corner is black


def test_the_same_address_gives_the_same_code():
    assert qr_svg(URL) == qr_svg(URL)
    assert qr_png(URL) == qr_png(URL)


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "japra.example/publik",
        "ftp://japra.example/x",
        "https://",
        "",
        None,
        "https://japra.example/" + "x" * MAX_URL_CHARS,
    ],
)
def test_only_a_web_address_is_encoded(url):
    with pytest.raises(PublicationError) as raised:
        qr_svg(url)
    assert raised.value.field == "url" and raised.value.code == "publication.qr_not_a_link"


def test_a_silly_scale_is_refused():
    with pytest.raises(ValueError):
        qr_png(URL, scale=0)
