"""A static map of a site for print: parcels drawn from their geometry as SVG, no tiles, no network.

The parcels (EPSG:4326) are projected to metres in the UTM zone of the site (gis.measure), so the
drawing keeps true shapes and a scale bar can be drawn; the y axis points north (grid north of
UTM, within a degree of true north in Indonesia). Each parcel is filled with its land status
colour (app.labels.LAND_STATUS_COLORS) and labelled with its code where the label fits.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any
from xml.sax.saxutils import escape

import shapely
from shapely.geometry import GeometryCollection, MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from app.i18n import format_number, gettext_for
from app.labels import LAND_STATUS_COLORS, LAND_STATUSES
from gis.measure import to_metric

MARGIN_MM = 5.0
LABEL_MM = 2.6  # font size of parcel codes
SMALL_MM = 2.3  # scale bar and legend text
CHAR_MM = 0.55  # average width of a character, in font sizes


def _polygons(geom: BaseGeometry) -> list[Polygon]:
    if isinstance(geom, Polygon):
        return [geom]
    if isinstance(geom, MultiPolygon | GeometryCollection):
        return [p for g in geom.geoms for p in _polygons(g)]
    return []


def _nice_length(max_m: float) -> float:
    """The longest 1, 2 or 5 x 10^k metres not above `max_m`."""
    if max_m <= 0:
        return 1.0
    exp = math.floor(math.log10(max_m))
    for step in (5, 2, 1):
        if step * 10**exp <= max_m:
            return float(step * 10**exp)
    return float(10 ** (exp - 1) * 5)


def _num(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


class _Frame:
    """Metres (UTM) to millimetres on the page, fitted into a box, north up, aspect kept."""

    def __init__(self, bounds: Sequence[float], box: tuple[float, float, float, float]) -> None:
        minx, miny, maxx, maxy = bounds
        left, top, width, height = box
        dx, dy = max(maxx - minx, 1e-6), max(maxy - miny, 1e-6)
        self.scale = min(width / dx, height / dy)  # mm per metre
        self.x0 = left + (width - dx * self.scale) / 2 - minx * self.scale
        self.y0 = top + (height - dy * self.scale) / 2 + maxy * self.scale

    def point(self, x: float, y: float) -> tuple[float, float]:
        return self.x0 + x * self.scale, self.y0 - y * self.scale

    def path(self, geom: BaseGeometry) -> str:
        parts = []
        for polygon in _polygons(geom):
            for ring in (polygon.exterior, *polygon.interiors):
                pts = [self.point(x, y) for x, y in ring.coords[:-1]]
                if len(pts) >= 3:
                    parts.append("M" + " L".join(f"{_num(px)} {_num(py)}" for px, py in pts) + " Z")
        return " ".join(parts)


def site_svg(parcels: Iterable[Any], buildable: BaseGeometry | None = None, width_mm: float = 170,
             height_mm: float = 90, *, locale: str = "id") -> str:
    """An SVG (millimetre units) of the parcels, the buildable outline, a north arrow and a scale bar.

    `parcels` are objects with `geom` (EPSG:4326), `land_status` and `code` (app.projects.models.Parcel).
    `buildable` (EPSG:4326), when given, is drawn as a dashed outline. Returns "" without parcels.
    """
    parcels = [p for p in parcels if p.geom is not None and not p.geom.is_empty]
    if not parcels:
        return ""
    _ = gettext_for(locale)
    shapes: list[BaseGeometry] = [p.geom for p in parcels]
    if buildable is not None and not buildable.is_empty:
        shapes.append(buildable)
    # One UTM zone for everything: the zone of the whole site's centroid.
    metric = list(to_metric(GeometryCollection(shapes)).geoms)
    parcel_m, buildable_m = metric[: len(parcels)], (metric[len(parcels)] if len(metric) > len(parcels) else None)
    bounds = shapely.total_bounds(parcel_m)

    order = list(LAND_STATUS_COLORS)
    statuses = sorted({p.land_status for p in parcels}, key=lambda s: order.index(s) if s in order else len(order))
    legend = [(LAND_STATUS_COLORS.get(s, LAND_STATUS_COLORS["unknown"]), _(LAND_STATUSES.get(s, s)), False)
              for s in statuses]
    if buildable_m is not None:
        legend.append(("none", _("Buildable area (within the setbacks)"), True))
    legend_w = max(len(text) for _c, text, _d in legend) * SMALL_MM * CHAR_MM + 7
    legend_w = min(legend_w, width_mm * 0.4)
    arrow_w = 10.0
    box = (MARGIN_MM, MARGIN_MM, width_mm - 2 * MARGIN_MM - max(legend_w, arrow_w) - 3,
           height_mm - 2 * MARGIN_MM - 7)  # room on the right for the legend, below for the scale bar
    frame = _Frame(bounds, box)

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_num(width_mm)}mm" height="{_num(height_mm)}mm" '
        f'viewBox="0 0 {_num(width_mm)} {_num(height_mm)}" font-family="IBM Plex Sans, sans-serif">',
        f'<rect x="0" y="0" width="{_num(width_mm)}" height="{_num(height_mm)}" fill="#ffffff" stroke="#999999" '
        'stroke-width="0.2"/>',
    ]
    for parcel, geom in zip(parcels, parcel_m, strict=True):
        colour = LAND_STATUS_COLORS.get(parcel.land_status, LAND_STATUS_COLORS["unknown"])
        out.append(f'<path d="{frame.path(geom)}" fill="{colour}" fill-opacity="0.55" fill-rule="evenodd" '
                   'stroke="#222222" stroke-width="0.25" stroke-linejoin="round"/>')
    if buildable_m is not None:
        out.append(f'<path d="{frame.path(buildable_m)}" fill="none" fill-rule="evenodd" stroke="#b2182b" '
                   'stroke-width="0.35" stroke-dasharray="1.2 0.8"/>')
    for parcel, geom in zip(parcels, parcel_m, strict=True):
        code = str(parcel.code or "")
        if not code:
            continue
        minx, miny, maxx, maxy = geom.bounds
        text_w = len(code) * LABEL_MM * CHAR_MM
        if (maxx - minx) * frame.scale < text_w or (maxy - miny) * frame.scale < LABEL_MM:
            continue  # a label wider than its parcel would sit on its neighbours
        anchor = geom.representative_point()
        x, y = frame.point(anchor.x, anchor.y)
        attrs = (f'x="{_num(x)}" y="{_num(y + LABEL_MM / 3)}" font-size="{LABEL_MM}" text-anchor="middle" '
                 'font-weight="bold"')
        out.append(f'<text {attrs} fill="none" stroke="#ffffff" stroke-width="0.6" stroke-linejoin="round">'
                   f'{escape(code)}</text>')
        out.append(f'<text {attrs} fill="#111111">{escape(code)}</text>')

    out += north_arrow(width_mm - MARGIN_MM - arrow_w / 2, MARGIN_MM, locale)

    # Legend, right, below the arrow.
    lx, ly = width_mm - MARGIN_MM - legend_w, MARGIN_MM + 16
    for colour, text, dashed in legend:
        if dashed:
            out.append(f'<rect x="{_num(lx)}" y="{_num(ly - 2)}" width="4" height="2.6" fill="none" stroke="#b2182b" '
                       'stroke-width="0.35" stroke-dasharray="1.2 0.8"/>')
        else:
            out.append(f'<rect x="{_num(lx)}" y="{_num(ly - 2)}" width="4" height="2.6" fill="{colour}" '
                       'fill-opacity="0.55" stroke="#222222" stroke-width="0.2"/>')
        out.append(f'<text x="{_num(lx + 5.5)}" y="{_num(ly)}" font-size="{SMALL_MM}" fill="#111111">'
                   f'{escape(text)}</text>')
        ly += 4.2

    out += scale_bar(box, frame, height_mm, locale)
    out.append("</svg>")
    return "\n".join(out)


def north_arrow(ax: float, ay: float, locale: str) -> list[str]:
    """A north arrow whose tip is at (ax, ay + 2.5) mm, its letter above."""
    _ = gettext_for(locale)
    # TRANSLATORS: the letter for north on the site map's arrow (U for utara).
    north = escape(_("N"))
    return [f'<path d="M{_num(ax)} {_num(ay + 2.5)} L{_num(ax + 2.6)} {_num(ay + 10)} L{_num(ax)} {_num(ay + 8)} Z" '
            'fill="#111111"/>',
            f'<path d="M{_num(ax)} {_num(ay + 2.5)} L{_num(ax - 2.6)} {_num(ay + 10)} L{_num(ax)} {_num(ay + 8)} Z" '
            'fill="#ffffff" stroke="#111111" stroke-width="0.25"/>',
            f'<text x="{_num(ax)}" y="{_num(ay + 1.8)}" font-size="2.8" font-weight="bold" text-anchor="middle" '
            f'fill="#111111">{north}</text>']


def scale_bar(box: tuple[float, float, float, float], frame: _Frame, height_mm: float, locale: str) -> list[str]:
    """A scale bar, bottom left: a round length of at most a third of the drawing's width."""
    length_m = _nice_length(box[2] / 3 / frame.scale)
    bar = length_m * frame.scale
    sx, sy = MARGIN_MM, height_mm - MARGIN_MM - 1.5
    half = bar / 2
    out = [f'<rect x="{_num(sx)}" y="{_num(sy)}" width="{_num(half)}" height="1.2" fill="#111111" '
           'stroke="#111111" stroke-width="0.2"/>',
           f'<rect x="{_num(sx + half)}" y="{_num(sy)}" width="{_num(half)}" height="1.2" fill="#ffffff" '
           'stroke="#111111" stroke-width="0.2"/>']
    for x, text in ((sx, "0"), (sx + bar, f"{format_number(length_m, locale)} m")):
        out.append(f'<text x="{_num(x)}" y="{_num(sy - 0.8)}" font-size="{SMALL_MM}" text-anchor="middle" '
                   f'fill="#111111">{escape(text)}</text>')
    return out
