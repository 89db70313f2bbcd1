"""The site's link-preview picture: 1200 x 630, parcels outlined, blocks coloured by how far along they are."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

import pytest
from PIL import Image
from shapely.geometry import MultiPolygon, Point, Polygon, box

from publication.errors import PublicationError
from publication.preview import NOT_STARTED, RAMP, PreviewBlock, PreviewLabels, map_preview_png, ramp_colour

FONTS = Path(__file__).resolve().parents[2] / "app" / "static" / "fonts"
REGULAR, BOLD = FONTS / "IBMPlexSans-Regular.woff", FONTS / "IBMPlexSans-Bold.woff"
# Near Marlina in North Jakarta: a parcel 88 m x 77 m, two blocks inside.
PARCEL = box(106.8000, -6.1207, 106.8008, -6.1200)
BLOCK_A = box(106.8001, -6.1205, 106.8003, -6.1201)
BLOCK_B = box(106.8005, -6.1205, 106.8007, -6.1203)
LABELS = PreviewLabels("Kampung Susun Marlina", "Jakarta Utara", "Progres pembangunan", "Belum dimulai", "Batas lahan")


def render(parcels=(PARCEL,), blocks=None, **kwargs) -> Image.Image:
    if blocks is None:
        blocks = [PreviewBlock(BLOCK_A, Decimal("100"), "A"), PreviewBlock(BLOCK_B, None, "B")]
    kwargs.setdefault("labels", LABELS)
    png = map_preview_png(list(parcels), blocks, font_path=REGULAR, bold_font_path=BOLD, **kwargs)
    return Image.open(io.BytesIO(png))


def pixel_at(image: Image.Image, lon: float, lat: float) -> tuple[int, int, int]:
    """The colour at a place, by locating the parcel's corners in the picture (the parcel's line colour)."""
    rgb = image.convert("RGB")
    line = (140, 90, 43)
    xs, ys = [], []
    for x in range(0, int(rgb.width * 0.68), 2):
        for y in range(0, rgb.height, 2):
            if sum(abs(a - b) for a, b in zip(rgb.getpixel((x, y)), line, strict=True)) < 40:
                xs.append(x)
                ys.append(y)
    left, right, top, bottom = min(xs), max(xs), min(ys), max(ys)
    x = left + (lon - 106.8000) / 0.0008 * (right - left)
    y = top + (-6.1200 - lat) / 0.0007 * (bottom - top)
    return rgb.getpixel((round(x), round(y)))


def test_an_open_graph_picture_of_the_right_size():
    image = render()
    assert image.format == "PNG" and image.size == (1200, 630) and image.mode == "RGB"


def test_blocks_are_coloured_by_percent_complete_and_grey_before_any_report():
    image = render()
    finished = pixel_at(image, 106.80015, -6.12045)  # inside block A, away from its label
    not_started = pixel_at(image, 106.80065, -6.12046)
    assert all(abs(a - b) <= 3 for a, b in zip(finished, RAMP[-1][1], strict=True))
    assert all(abs(a - b) <= 3 for a, b in zip(not_started, NOT_STARTED, strict=True))


def test_the_site_keeps_its_shape_in_metres():
    """88 m wide (0.0008° of longitude at 6°S), 77 m high (0.0007° of latitude): drawn in metres, not degrees."""
    image = render(blocks=[]).convert("RGB")
    line = (140, 90, 43)
    xs, ys = [], []
    for x in range(0, int(image.width * 0.68)):
        for y in range(0, image.height, 3):
            if sum(abs(a - b) for a, b in zip(image.getpixel((x, y)), line, strict=True)) < 40:
                xs.append(x)
                ys.append(y)
    width, height = max(xs) - min(xs), max(ys) - min(ys)
    assert width / height == pytest.approx(88.4 / 77.4, rel=0.03)


def test_the_ramp_runs_from_pale_to_deep():
    assert ramp_colour(0) == RAMP[0][1] and ramp_colour(100) == RAMP[-1][1] and ramp_colour(50) == RAMP[2][1]
    assert sum(ramp_colour(Decimal("80"))) < sum(ramp_colour(Decimal("20")))
    assert ramp_colour(None) == NOT_STARTED


def test_multipolygons_holes_and_long_texts_are_drawn():
    courtyard = Polygon(BLOCK_A.exterior.coords, [box(106.80015, -6.1204, 106.80025, -6.1202).exterior.coords])
    image = render(
        parcels=[MultiPolygon([PARCEL, box(106.8009, -6.1207, 106.8012, -6.1200)])],
        blocks=[PreviewBlock(courtyard, 37, "A · 37%")],
        labels=PreviewLabels("Sebuah judul yang sangat panjang " * 6, "dan subjudul " * 10),
        width=1600,
        height=900,
    )
    assert image.size == (1600, 900)


@pytest.mark.parametrize(
    ("parcels", "blocks", "error"),
    [
        ([], [], PublicationError),
        ([Polygon()], [], PublicationError),
        ([Point(106.8, -6.12)], [], ValueError),
        ([PARCEL], [PreviewBlock(BLOCK_A, Decimal("101"))], ValueError),
        ([PARCEL], [PreviewBlock(BLOCK_A, 50.0)], ValueError),
    ],
)
def test_nothing_to_draw_or_bad_shapes_are_refused(parcels, blocks, error):
    with pytest.raises(error):
        render(parcels=parcels, blocks=blocks)


def test_no_site_says_so_in_words():
    with pytest.raises(PublicationError) as raised:
        render(parcels=[], blocks=[])
    assert raised.value.code == "publication.preview_no_site" and "no parcels or blocks" in str(raised.value)
