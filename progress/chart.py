"""The S-curve as a self-contained SVG: planned against actual, with the kontrak kritis band.

The chart has no scripts, no external fonts, images or style sheets (a generic font family), so it
can go inline in a page, in a PDF (WeasyPrint) or in a file. Every text comes from the caller
(`ChartLabels`, month names included), so the app passes its translations; all of it is escaped.

What it draws:
- the y axis from 0 to 100% with a line every 10 points; the x axis in days from the start, with a
  small tick each week and the months named (fewer when they would crowd);
- the planned curve, from 0 at the start through each week's point, and the actual curve from 0
  at the start through each report, its points marked;
- with `critical_band`, the band between the planned curve and the kontrak kritis line: planned
  less 10 points while planned is at most 70%, less 5 points above (never below 0). Actual
  progress inside the band is behind (terlambat); below the dashed line it is critical. The line
  steps up where planned passes 70%, exactly where the drawn planned line crosses 70.
- `as_of`, when given, a vertical line at that date.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from xml.sax.saxutils import escape, quoteattr

from progress.reports import BEHIND_PERIOD_I, BEHIND_PERIOD_II, PERIOD_I_UPTO

PLANNED_COLOUR = "#1f4e79"
ACTUAL_COLOUR = "#c0392b"
BAND_COLOUR = "#f5b041"
CRITICAL_COLOUR = "#922b21"
GRID_COLOUR = "#d5d8dc"
TEXT_COLOUR = "#1c2833"
FONT = "DejaVu Sans, Helvetica, Arial, sans-serif"
LEGEND_ROW = 20


@dataclass(frozen=True)
class ChartLabels:
    title: str = "S-curve"
    planned: str = "Planned"
    actual: str = "Actual"
    band: str = "Behind (terlambat)"
    critical: str = "Kontrak kritis below this line"
    as_of: str = "Today"
    y_axis: str = "Progress"
    months: tuple[str, ...] = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

    def __post_init__(self) -> None:
        if len(self.months) != 12:
            raise ValueError("months must name the twelve months, January first")


def _pairs(points: Iterable) -> list[tuple[date, float]]:
    result = []
    for point in points:
        day, pct = (point.date, point.pct) if hasattr(point, "pct") else point
        result.append((day, float(pct)))  # drawing only: a float is exact enough for a pixel
    return result


def _num(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".")


def _critical(pct: float) -> float:
    behind = float(BEHIND_PERIOD_I if pct <= float(PERIOD_I_UPTO) else BEHIND_PERIOD_II)
    return max(pct - behind, 0.0)


def _lower_edge(points: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
    """The kontrak kritis line under a planned polyline (x, pct): breaks where planned crosses 10 and 70."""
    limit, first = float(PERIOD_I_UPTO), float(BEHIND_PERIOD_I)
    edge = [(points[0][0], _critical(points[0][1]))]
    for (xa, pa), (xb, pb) in zip(points, points[1:], strict=False):
        if pa < first < pb:  # the line leaves 0 where planned passes 10
            edge.append((xa + (xb - xa) * (first - pa) / (pb - pa), 0.0))
        if pa <= limit < pb:  # period II begins: the line steps from 60 up to 65
            xc = xa + (xb - xa) * (limit - pa) / (pb - pa)
            edge.append((xc, limit - float(BEHIND_PERIOD_I)))
            edge.append((xc, limit - float(BEHIND_PERIOD_II)))
        edge.append((xb, _critical(pb)))
    return edge


def scurve_svg(
    planned: Sequence,
    actual: Sequence = (),
    *,
    start: date | None = None,
    as_of: date | None = None,
    critical_band: bool = True,
    labels: ChartLabels | None = None,
    width: int = 760,
    height: int = 420,
) -> str:
    """The chart as an SVG document (a str). Points are `progress.schedule.Point`s or (date, pct) pairs.

    `start` is the first day of work (the curves start from 0 at its beginning); by default the
    week before the first planned point.
    """
    labels = labels or ChartLabels()
    plan = _pairs(planned)
    done = _pairs(actual)
    if not plan:
        raise ValueError("a chart needs the planned curve")
    origin = (start - timedelta(days=1)) if start else plan[0][0] - timedelta(days=7)
    last = max([plan[-1][0], *(d for d, _ in done), *([as_of] if as_of else [])])
    span = max((last - origin).days, 1)

    left, right, bottom = 58, 18, 46
    legend = _legend(labels, left, 44, width - right, critical_band, bool(done))
    top = 44 + LEGEND_ROW * (legend.rows - 1) + 30
    inner_w, inner_h = width - left - right, height - top - bottom

    def x(day: date) -> float:
        return left + inner_w * (day - origin).days / span

    def y(pct: float) -> float:
        return top + inner_h * (1 - min(max(pct, 0.0), 100.0) / 100)

    out: list[str] = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label={quoteattr(labels.title)} '
        f'font-family={quoteattr(FONT)} font-size="12" fill="{TEXT_COLOUR}">',
        f"<title>{escape(labels.title)}</title>",
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>',
        f'<text x="{left}" y="22" font-size="16" font-weight="bold">{escape(labels.title)}</text>',
    ]

    # Grid and the y axis.
    for pct in range(0, 101, 10):
        yy = _num(y(pct))
        out.append(
            f'<line x1="{left}" y1="{yy}" x2="{width - right}" y2="{yy}" stroke="{GRID_COLOUR}" '
            f'stroke-width="{1 if pct % 50 else 1.4}"/>'
        )
        out.append(f'<text x="{left - 6}" y="{_num(y(pct) + 4)}" text-anchor="end">{pct}%</text>')
    out.append(
        f'<text transform="translate(14 {_num(top + inner_h / 2)}) rotate(-90)" text-anchor="middle">'
        f"{escape(labels.y_axis)}</text>"
    )

    # The x axis: a tick each week, the months named.
    axis_y = top + inner_h
    out.append(f'<line x1="{left}" y1="{axis_y}" x2="{width - right}" y2="{axis_y}" stroke="{TEXT_COLOUR}"/>')
    week_px = inner_w * 7 / span
    if week_px >= 3:
        day = origin + timedelta(days=7)
        ticks = []
        while day <= last:
            ticks.append(f"M{_num(x(day))} {axis_y}v4")
            day += timedelta(days=7)
        if ticks:
            out.append(f'<path d="{"".join(ticks)}" stroke="{TEXT_COLOUR}" stroke-width="0.6"/>')
    month_px = inner_w * 30.4 / span
    step = next((s for s in (1, 2, 3, 4, 6, 12) if month_px * s >= 46), 12 * max(1, math.ceil(46 / (month_px * 12))))
    month = date(origin.year, origin.month, 1)
    if month <= origin:
        month = _next_month(month)
    shown_year = None
    while month <= last:
        index = month.year * 12 + month.month - 1
        xx = _num(x(month))
        out.append(f'<line x1="{xx}" y1="{top}" x2="{xx}" y2="{axis_y + 7}" stroke="{GRID_COLOUR}"/>')
        if index % step == 0:
            name = escape(labels.months[month.month - 1])
            out.append(f'<text x="{xx}" y="{axis_y + 19}" text-anchor="middle">{name}</text>')
            if shown_year != month.year:
                out.append(f'<text x="{xx}" y="{axis_y + 33}" text-anchor="middle" font-size="11">{month.year}</text>')
                shown_year = month.year
        month = _next_month(month)

    plan_xy = [(x(origin), 0.0)] + [(x(d), p) for d, p in plan]
    if critical_band:
        edge = _lower_edge(plan_xy)
        upper = " ".join(f"{_num(px)},{_num(y(p))}" for px, p in plan_xy)
        lower = " ".join(f"{_num(px)},{_num(y(p))}" for px, p in reversed(edge))
        out.append(f'<polygon points="{upper} {lower}" fill="{BAND_COLOUR}" fill-opacity="0.28" stroke="none"/>')
        line = " ".join(f"{_num(px)},{_num(y(p))}" for px, p in edge)
        out.append(
            f'<polyline class="critical" points="{line}" fill="none" stroke="{CRITICAL_COLOUR}" '
            f'stroke-width="1.3" stroke-dasharray="5 3"/>'
        )

    if as_of is not None:
        xx = _num(x(as_of))
        out.append(
            f'<line x1="{xx}" y1="{top - 2}" x2="{xx}" y2="{axis_y}" stroke="#566573" stroke-width="1" '
            f'stroke-dasharray="2 3"/>'
        )
        anchor = "end" if x(as_of) > left + inner_w * 0.85 else "start"
        shift = -4 if anchor == "end" else 4
        out.append(
            f'<text x="{_num(x(as_of) + shift)}" y="{top - 5}" text-anchor="{anchor}" font-size="11" '
            f'fill="#566573">{escape(labels.as_of)}</text>'
        )

    points = " ".join(f"{_num(px)},{_num(y(p))}" for px, p in plan_xy)
    out.append(
        f'<polyline class="planned" points="{points}" fill="none" stroke="{PLANNED_COLOUR}" stroke-width="2" '
        f'stroke-linejoin="round"/>'
    )
    if done:
        first = [] if done[0][0] <= origin else [(x(origin), 0.0)]
        actual_xy = first + [(x(d), p) for d, p in done]
        points = " ".join(f"{_num(px)},{_num(y(p))}" for px, p in actual_xy)
        out.append(
            f'<polyline class="actual" points="{points}" fill="none" stroke="{ACTUAL_COLOUR}" stroke-width="2.4" '
            f'stroke-linejoin="round"/>'
        )
        dots = "".join(f'<circle cx="{_num(x(d))}" cy="{_num(y(p))}" r="2.6"/>' for d, p in done)
        out.append(f'<g fill="{ACTUAL_COLOUR}">{dots}</g>')

    out.extend(legend.parts)
    out.append("</svg>")
    return "\n".join(out)


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


@dataclass(frozen=True)
class _Legend:
    parts: list[str]
    rows: int


def _legend(labels: ChartLabels, x0: float, y0: float, x_max: float, band: bool, actual: bool) -> _Legend:
    """Rows of keys, wrapped before `x_max`; a key's width is guessed from its text (no font metrics here)."""
    items = [(f'<line x1="0" y1="0" x2="22" y2="0" stroke="{PLANNED_COLOUR}" stroke-width="2"/>', labels.planned)]
    if actual:
        items.append(
            (
                f'<line x1="0" y1="0" x2="22" y2="0" stroke="{ACTUAL_COLOUR}" stroke-width="2.4"/>'
                f'<circle cx="11" cy="0" r="2.6" fill="{ACTUAL_COLOUR}"/>',
                labels.actual,
            )
        )
    if band:
        items.append(
            (f'<rect x="0" y="-6" width="22" height="12" fill="{BAND_COLOUR}" fill-opacity="0.28"/>', labels.band)
        )
        items.append(
            (
                f'<line x1="0" y1="0" x2="22" y2="0" stroke="{CRITICAL_COLOUR}" stroke-width="1.3" '
                f'stroke-dasharray="5 3"/>',
                labels.critical,
            )
        )
    parts = []
    xx, yy, rows = x0, y0, 1
    for mark, text in items:
        size = 28 + 6.8 * len(text)
        if xx > x0 and xx + size > x_max:
            xx, yy, rows = x0, yy + LEGEND_ROW, rows + 1
        parts.append(
            f'<g transform="translate({_num(xx)} {_num(yy)})">{mark}<text x="28" y="4">{escape(text)}</text></g>'
        )
        xx += size + 18
    return _Legend(parts, rows)
