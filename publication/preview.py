"""A static picture of the site for link previews (Open Graph, 1200 x 630) and printed posters.

The site's parcels are outlined and its blocks filled by percent complete, on a colour ramp from
pale yellow (0%) to deep green (100%) (ColorBrewer YlGn: sequential, readable in greyscale and by
the common colour-blind); a block with no progress yet reported is grey. On the right: the
title, a subtitle and the legend; below the map, a north arrow and a scale bar.

Geometry comes in longitude/latitude (EPSG:4326) and is drawn in metres: the WGS 84 UTM zone of
the site's centre (gis.measure's choice), so a square block looks square at every latitude, and
UTM north is within a degree of true north in Indonesia. Pixels are floats (a rendering, not a
measurement); percentages decide colours only. Drawn at three times the size and scaled down, for
smooth edges without an anti-aliasing library.

All texts come from the caller, already in the reader's language (`PreviewLabels`, block labels),
and the font files by path: nothing here reads `app/`. Nothing about any member is drawn.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

import numpy as np
import shapely
from PIL import Image, ImageDraw, ImageFont
from pyproj import Transformer
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from gis.measure import utm_epsg
from kernel.messages import N_, Message
from publication.errors import PublicationError

OG_WIDTH, OG_HEIGHT = 1200, 630  # Open Graph's recommended 1.91:1
_SUPERSAMPLE = 3

# ColorBrewer YlGn (5 classes), interpolated between these stops: (percent, RGB).
RAMP = (
    (0, (255, 255, 204)),
    (25, (194, 230, 153)),
    (50, (120, 198, 121)),
    (75, (49, 163, 84)),
    (100, (0, 104, 55)),
)
NOT_STARTED = (217, 217, 217)
_BACKGROUND = (246, 244, 238)
_SITE_FILL = (255, 253, 247)
_PARCEL_LINE = (140, 90, 43)
_BLOCK_LINE = (51, 51, 51)
_TEXT = (34, 34, 34)
_MUTED = (96, 96, 96)


@dataclass(frozen=True)
class PreviewBlock:
    outline: BaseGeometry  # Polygon or MultiPolygon in lon/lat
    percent_complete: Decimal | int | None  # 0-100; None: nothing reported yet (grey)
    label: str = ""  # drawn on the block, e.g. "A · 64%"; empty for none


@dataclass(frozen=True)
class PreviewLabels:
    title: str
    subtitle: str = ""
    legend_progress: str = ""  # e.g. "Progres pembangunan"
    legend_not_started: str = ""  # e.g. "Belum dimulai"; omitted from the legend when empty
    legend_parcels: str = ""  # e.g. "Batas lahan"; omitted when empty


def ramp_colour(percent: Decimal | int | None) -> tuple[int, int, int]:
    """The fill of a block `percent` complete (None: grey)."""
    if percent is None:
        return NOT_STARTED
    if isinstance(percent, bool) or not isinstance(percent, int | Decimal) or not 0 <= percent <= 100:
        raise ValueError(f"percent complete must be an int or Decimal from 0 to 100, not {percent!r}")
    value = float(percent)  # a colour, not a figure
    for (low, low_rgb), (high, high_rgb) in zip(RAMP, RAMP[1:], strict=False):
        if value <= high:
            t = (value - low) / (high - low)
            return tuple(round(a + (b - a) * t) for a, b in zip(low_rgb, high_rgb, strict=True))
    return RAMP[-1][1]


@lru_cache(maxsize=32)
def _to_metres(epsg: int) -> Transformer:
    return Transformer.from_crs(4326, epsg, always_xy=True)


def _polygons(geometry: BaseGeometry) -> list[Polygon]:
    if isinstance(geometry, Polygon):
        return [] if geometry.is_empty else [geometry]
    if isinstance(geometry, MultiPolygon):
        return [p for p in geometry.geoms if not p.is_empty]
    raise ValueError(f"a site preview draws polygons, not {geometry.geom_type}")


def _nice_length(metres: float) -> float:
    """The largest 1, 2 or 5 x 10^k metres not above `metres`."""
    exponent = math.floor(math.log10(metres))
    for step in (5, 2, 1):
        if step * 10**exponent <= metres:
            return step * 10**exponent
    return 10**exponent


def _fit(draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont, width: float) -> str:
    if draw.textlength(text, font=font) <= width:
        return text
    while text and draw.textlength(text + "…", font=font) > width:
        text = text[:-1]
    return text.rstrip() + "…"


def _wrap(draw, text: str, font, width: float, max_lines: int) -> list[str]:
    lines: list[str] = []
    words = text.split()
    while words and len(lines) < max_lines:
        line = words.pop(0)
        while words and draw.textlength(line + " " + words[0], font=font) <= width:
            line += " " + words.pop(0)
        lines.append(line)
    if words:  # too long: the last line loses whole words until it fits with an ellipsis
        last = lines[-1].split()
        while len(last) > 1 and draw.textlength(" ".join(last) + "…", font=font) > width:
            last.pop()
        lines[-1] = " ".join(last) + "…"
    return [_fit(draw, line, font, width) for line in lines]


def map_preview_png(
    parcels: Sequence[BaseGeometry],
    blocks: Sequence[PreviewBlock],
    *,
    labels: PreviewLabels,
    font_path: str | Path,
    bold_font_path: str | Path | None = None,
    width: int = OG_WIDTH,
    height: int = OG_HEIGHT,
) -> bytes:
    """The site as a PNG of `width` x `height` pixels: parcels outlined, blocks coloured by percent complete."""
    if not (200 <= width <= 8000 and 200 <= height <= 8000):
        raise ValueError(f"a preview is 200 to 8000 pixels a side, not {width} x {height}")
    parcel_shapes = [p for g in parcels for p in _polygons(g)]
    block_shapes = [(b, p) for b in blocks for p in _polygons(b.outline)]
    for block in blocks:
        ramp_colour(block.percent_complete)  # checked before anything is drawn
    everything = parcel_shapes + [p for _, p in block_shapes]
    if not everything:
        raise PublicationError(
            Message("publication.preview_no_site", N_("The site has no parcels or blocks drawn yet, so no map.")),
            field="parcels",
        )

    centre = shapely.MultiPolygon(everything).envelope.centroid
    transformer = _to_metres(utm_epsg(centre.x, centre.y))

    def metric(geom: Polygon) -> Polygon:
        return shapely.transform(geom, lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1])))

    parcel_m = [metric(p) for p in parcel_shapes]
    block_m = [(b, metric(p)) for b, p in block_shapes]
    minx, miny, maxx, maxy = shapely.MultiPolygon(parcel_m + [p for _, p in block_m]).bounds

    s = _SUPERSAMPLE
    u = min(width / OG_WIDTH, height / OG_HEIGHT) * s  # one layout unit of the 1200 x 630 design, in canvas pixels
    w, h = width * s, height * s
    image = Image.new("RGB", (w, h), _BACKGROUND)
    draw = ImageDraw.Draw(image)
    bold_path = bold_font_path or font_path

    def font(size: float, bold: bool = False) -> ImageFont.FreeTypeFont:
        return ImageFont.truetype(str(bold_path if bold else font_path), max(1, round(size * u)))

    panel_w = 0.32 * w
    margin = 40 * u
    map_box = (margin, margin, w - panel_w - margin / 2, h - margin - 50 * u)  # the strip below: arrow, scale
    box_w, box_h = map_box[2] - map_box[0], map_box[3] - map_box[1]
    span_x, span_y = max(maxx - minx, 1.0), max(maxy - miny, 1.0)  # a single point still gets a scale
    scale = min(box_w / span_x, box_h / span_y)  # canvas pixels a metre
    offset_x = map_box[0] + (box_w - span_x * scale) / 2
    offset_y = map_box[1] + (box_h - span_y * scale) / 2

    def px(x: float, y: float) -> tuple[float, float]:
        return offset_x + (x - minx) * scale, offset_y + (maxy - y) * scale

    def ring(coords) -> list[tuple[float, float]]:
        return [px(x, y) for x, y in coords]

    line = max(1, round(1.5 * u))
    for polygon in parcel_m:
        draw.polygon(ring(polygon.exterior.coords), fill=_SITE_FILL)
    for block, polygon in block_m:
        draw.polygon(ring(polygon.exterior.coords), fill=ramp_colour(block.percent_complete))
        for hole in polygon.interiors:  # a courtyard shows the ground under it
            draw.polygon(ring(hole.coords), fill=_SITE_FILL)
    for polygon in parcel_m:
        for coords in (polygon.exterior.coords, *(i.coords for i in polygon.interiors)):
            draw.line(ring(coords), fill=_PARCEL_LINE, width=2 * line, joint="curve")
    for _, polygon in block_m:
        for coords in (polygon.exterior.coords, *(i.coords for i in polygon.interiors)):
            draw.line(ring(coords), fill=_BLOCK_LINE, width=line, joint="curve")

    label_font = font(20, bold=True)
    for block, polygon in block_m:
        if block.label and polygon is max((p for b, p in block_m if b is block), key=lambda p: p.area):
            x, y = px(*polygon.representative_point().coords[0])
            draw.text(
                (x, y),
                block.label,
                font=label_font,
                fill=_TEXT,
                anchor="mm",
                stroke_width=round(3 * u),
                stroke_fill=(255, 255, 255),
            )

    # Below the map: a north arrow, then a scale bar of a round length about a fifth of the map's width.
    base = h - margin
    nx = map_box[0] + 9 * u
    draw.polygon([(nx, base - 30 * u), (nx - 9 * u, base), (nx, base - 7 * u), (nx + 9 * u, base)], fill=_TEXT)
    draw.text((nx + 15 * u, base), "N", font=font(18, bold=True), fill=_TEXT, anchor="ls")
    bar_m = _nice_length(box_w / scale / 5)
    bar_px = bar_m * scale
    bx = nx + 50 * u
    draw.rectangle((bx, base - 6 * u, bx + bar_px, base), fill=_TEXT)
    bar_text = f"{bar_m / 1000:g} km" if bar_m >= 1000 else f"{bar_m:g} m"
    draw.text((bx + bar_px + 8 * u, base), bar_text, font=font(16), fill=_TEXT, anchor="ls")

    # Panel: title, subtitle, legend.
    panel_x = w - panel_w + margin / 2
    text_w = panel_w - margin
    draw.line([(panel_x - margin / 2, margin), (panel_x - margin / 2, h - margin)], fill=(210, 205, 195), width=line)
    y = margin
    title_font = font(40, bold=True)
    for text in _wrap(draw, labels.title, title_font, text_w, 4):
        draw.text((panel_x, y), text, font=title_font, fill=_TEXT, anchor="la")
        y += 50 * u
    if labels.subtitle:
        y += 6 * u
        sub_font = font(22)
        for text in _wrap(draw, labels.subtitle, sub_font, text_w, 3):
            draw.text((panel_x, y), text, font=sub_font, fill=_MUTED, anchor="la")
            y += 30 * u

    legend_font = font(18)
    entries: list[tuple[str, tuple[int, int, int], tuple[int, int, int], float]] = []
    if labels.legend_not_started:
        entries.append((labels.legend_not_started, NOT_STARTED, _BLOCK_LINE, line))
    if labels.legend_parcels:
        entries.append((labels.legend_parcels, _SITE_FILL, _PARCEL_LINE, 2 * line))
    y = h - margin - len(entries) * 34 * u - 96 * u
    if labels.legend_progress:
        draw.text(
            (panel_x, y),
            _fit(draw, labels.legend_progress, legend_font, text_w),
            font=legend_font,
            fill=_TEXT,
            anchor="la",
        )
    y += 30 * u
    bar_w, bar_h = text_w, 22 * u
    for i in range(round(bar_w)):
        colour = ramp_colour(Decimal(i * 100) / Decimal(max(1, round(bar_w) - 1)))
        draw.line([(panel_x + i, y), (panel_x + i, y + bar_h)], fill=colour)
    draw.rectangle((panel_x, y, panel_x + bar_w, y + bar_h), outline=_BLOCK_LINE, width=line)
    small = font(16)
    for pct, anchor in ((0, "la"), (50, "ma"), (100, "ra")):
        draw.text((panel_x + bar_w * pct / 100, y + bar_h + 6 * u), f"{pct}%", font=small, fill=_MUTED, anchor=anchor)
    y += bar_h + 40 * u
    for text, fill, outline, stroke in entries:
        draw.rectangle((panel_x, y, panel_x + 30 * u, y + 20 * u), fill=fill, outline=outline, width=round(stroke))
        draw.text(
            (panel_x + 42 * u, y + 10 * u),
            _fit(draw, text, legend_font, text_w - 42 * u),
            font=legend_font,
            fill=_TEXT,
            anchor="lm",
        )
        y += 34 * u

    out = io.BytesIO()
    image.resize((width, height), Image.Resampling.LANCZOS).save(out, format="PNG", optimize=True)
    return out.getvalue()
