"""A static map of a project's blocks by progress, for print: SVG drawn from the footprints, no tiles, no network.

The footprints and the parcels (EPSG:4326) are projected to metres in the UTM zone of the site (gis.measure, as
the site map of the proposal does), so the blocks keep their true shapes and a scale bar can be drawn; north is
up. Each block is filled by its percent complete in five classes of 20 points, labelled with its code and percent,
and outlined in red when its contract is critical. The parcels are drawn as the site's outline, unfilled.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any
from xml.sax.saxutils import escape

import shapely
from shapely.geometry import GeometryCollection
from shapely.geometry.base import BaseGeometry

from app.documents.sitemap import CHAR_MM, MARGIN_MM, SMALL_MM, _Frame, _num, north_arrow, scale_bar
from app.i18n import format_number, gettext_for
from gis.measure import to_metric

LABEL_MM = 2.8
# Light to dark green: a reader sees at once which blocks are furthest along, also in greyscale.
CLASSES: tuple[tuple[int, str, str], ...] = (  # (lowest percent, fill, label colour)
    (0, "#edf8e9", "#111111"),
    (20, "#bae4b3", "#111111"),
    (40, "#74c476", "#111111"),
    (60, "#31a354", "#ffffff"),
    (80, "#006d2c", "#ffffff"),
)
CRITICAL = "#b2182b"
UNREPORTED = "#f4f4f4"  # a footprint whose block has no weighted work packages


def progress_class(pct: Decimal) -> tuple[str, str]:
    """The fill and label colours of a block `pct` percent complete."""
    chosen = CLASSES[0]
    for entry in CLASSES:
        if pct >= entry[0]:
            chosen = entry
    return chosen[1], chosen[2]


def blocks_svg(footprints: Sequence[Any], parcels: Sequence[BaseGeometry], percent: Mapping[str, Decimal],
               critical: set[str] | frozenset[str] = frozenset(), *, width_mm: float = 176, height_mm: float = 96,
               locale: str = "id") -> str:
    """An SVG (millimetre units) of the blocks filled by progress, the parcels' outline, a legend, a north arrow
    and a scale bar. `footprints` have `building_code` and `geom`; `percent` maps a block to its percent complete.
    Returns "" without footprints."""
    footprints = [f for f in footprints if f.geom is not None and not f.geom.is_empty]
    if not footprints:
        return ""
    _ = gettext_for(locale)
    parcels = [p for p in parcels if p is not None and not p.is_empty]
    outline = shapely.union_all(parcels) if parcels else None
    shapes = [f.geom for f in footprints] + ([outline] if outline is not None else [])
    metric = list(to_metric(GeometryCollection(shapes)).geoms)  # one UTM zone for all: the site's
    blocks_m = metric[: len(footprints)]
    outline_m = metric[len(footprints)] if outline is not None else None
    bounds = shapely.total_bounds(blocks_m + ([outline_m] if outline_m is not None else []))

    legend: list[tuple[str, str, str]] = []  # (fill, stroke, text)
    for i, (low, fill, _text) in enumerate(CLASSES):
        high = CLASSES[i + 1][0] if i + 1 < len(CLASSES) else 100
        legend.append((fill, "#333333", _("{low}–{high}% complete").format(low=low, high=high)))
    if critical:
        legend.append(("none", CRITICAL, _("Critical (kontrak kritis)")))
    if outline_m is not None:
        legend.append(("none", "#555555", _("Site parcels")))
    legend_w = min(max(len(text) for _f, _s, text in legend) * SMALL_MM * CHAR_MM + 7, width_mm * 0.35)
    arrow_w = 10.0
    box = (MARGIN_MM, MARGIN_MM, width_mm - 2 * MARGIN_MM - max(legend_w, arrow_w) - 3,
           height_mm - 2 * MARGIN_MM - 7)
    frame = _Frame(bounds, box)

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_num(width_mm)}mm" height="{_num(height_mm)}mm" '
        f'viewBox="0 0 {_num(width_mm)} {_num(height_mm)}" font-family="IBM Plex Sans, sans-serif">',
        f'<rect x="0" y="0" width="{_num(width_mm)}" height="{_num(height_mm)}" fill="#ffffff" stroke="#999999" '
        'stroke-width="0.2"/>',
    ]
    if outline_m is not None:
        out.append(f'<path d="{frame.path(outline_m)}" fill="#fafafa" fill-rule="evenodd" stroke="#555555" '
                   'stroke-width="0.35" stroke-dasharray="1.5 0.8"/>')
    for footprint, geom in zip(footprints, blocks_m, strict=True):
        code = footprint.building_code
        pct = percent.get(code)
        fill = progress_class(pct)[0] if pct is not None else UNREPORTED
        stroke, width = (CRITICAL, 0.8) if code in critical else ("#222222", 0.3)
        out.append(f'<path d="{frame.path(geom)}" fill="{fill}" fill-rule="evenodd" stroke="{stroke}" '
                   f'stroke-width="{width}" stroke-linejoin="round"/>')
    for footprint, geom in zip(footprints, blocks_m, strict=True):
        code = footprint.building_code
        pct = percent.get(code)
        colour = progress_class(pct)[1] if pct is not None else "#111111"
        lines = [str(code)] + ([f"{format_number(pct, locale, 1)}%"] if pct is not None else [])
        anchor = geom.representative_point()
        x, y = frame.point(anchor.x, anchor.y)
        minx, _miny, maxx, _maxy = geom.bounds
        fits = (maxx - minx) * frame.scale >= max(len(t) for t in lines) * LABEL_MM * CHAR_MM
        # A label wider than its block goes beside it, in black on the white of the map.
        if not fits:
            x, colour = frame.point(maxx, anchor.y)[0] + 1, "#111111"
        text_anchor = "middle" if fits else "start"
        top = y - (len(lines) - 1) * LABEL_MM * 0.55 + LABEL_MM / 3
        for i, line in enumerate(lines):
            weight = ' font-weight="bold"' if i == 0 else ""
            out.append(f'<text x="{_num(x)}" y="{_num(top + i * LABEL_MM * 1.1)}" font-size="{LABEL_MM}" '
                       f'text-anchor="{text_anchor}" fill="{colour}"{weight}>{escape(line)}</text>')

    out += north_arrow(width_mm - MARGIN_MM - arrow_w / 2, MARGIN_MM, locale)

    # Legend, right, below the arrow.
    lx, ly = width_mm - MARGIN_MM - legend_w, MARGIN_MM + 16
    for fill, stroke, text in legend:
        dashed = ' stroke-dasharray="1.2 0.6"' if stroke == "#555555" else ""
        width = 0.6 if stroke == CRITICAL else 0.2
        out.append(f'<rect x="{_num(lx)}" y="{_num(ly - 2)}" width="4" height="2.6" fill="{fill}" stroke="{stroke}" '
                   f'stroke-width="{width}"{dashed}/>')
        out.append(f'<text x="{_num(lx + 5.5)}" y="{_num(ly)}" font-size="{SMALL_MM}" fill="#111111">'
                   f'{escape(text)}</text>')
        ly += 4.2

    out += scale_bar(box, frame, height_mm, locale)
    out.append("</svg>")
    return "\n".join(out)
