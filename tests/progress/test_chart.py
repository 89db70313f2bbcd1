"""The S-curve SVG: well-formed, self-contained, both curves, the kontrak kritis band, escaped labels."""

from __future__ import annotations

import xml.etree.ElementTree as ET  # the types; parsing goes through defusedxml (same API)
from datetime import date, timedelta
from decimal import Decimal

import pytest
from defusedxml.ElementTree import fromstring

from progress.chart import ChartLabels, _lower_edge, scurve_svg
from progress.reports import Report, scurve
from progress.schedule import WorkPackage

NS = {"svg": "http://www.w3.org/2000/svg"}
START = date(2026, 1, 5)
PACKAGES = [WorkPackage("a", "A", "struktur", Decimal(100), START, START + timedelta(days=99))]
REPORTS = [Report(START + timedelta(days=d), {"a": Decimal(p)}) for d, p in [(6, 5), (13, 10), (20, 12), (27, 15)]]


def chart(**kwargs) -> tuple[str, ET.Element]:
    curve = scurve(PACKAGES, REPORTS, START + timedelta(days=30))
    svg = scurve_svg(curve.planned, curve.actual, start=START, as_of=START + timedelta(days=30), **kwargs)
    return svg, fromstring(svg)


def points(element: ET.Element) -> list[tuple[float, float]]:
    return [tuple(map(float, p.split(","))) for p in element.get("points").split()]


def test_the_svg_parses_and_has_both_curves_and_the_band():
    svg, root = chart()
    polylines = {p.get("class"): p for p in root.iter("{http://www.w3.org/2000/svg}polyline")}
    assert set(polylines) == {"planned", "actual", "critical"}
    assert len(points(polylines["planned"])) == 15 + 1  # fifteen weeks and the start
    assert len(points(polylines["actual"])) == 4 + 1
    assert root.find("svg:polygon", NS) is not None
    # 0% at the bottom, 100% at the top: the planned curve ends higher up than it starts
    planned = points(polylines["planned"])
    assert planned[-1][1] < planned[0][1] and planned[-1][0] > planned[0][0]


def test_the_svg_is_self_contained():
    svg, _ = chart()
    for outside in ("href", "<script", "@import", "url(", "<image", "<style"):
        assert outside not in svg


def test_labels_come_from_the_caller_and_are_escaped():
    labels = ChartLabels(title='Kurva S <Blok "A"> & B', planned="Rencana", actual="Realisasi",
                         band="Terlambat", critical="Kritis di bawah garis ini", as_of="Hari ini",
                         y_axis="Progres", months=("Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep",
                                                   "Okt", "Nov", "Des"))
    svg, root = chart(labels=labels)
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert 'Kurva S <Blok "A"> & B' in texts and "Rencana" in texts and "Hari ini" in texts
    assert "Feb" in texts and "Mar" in texts and "2026" in texts
    assert "&lt;Blok" in svg
    assert root.get("aria-label") == 'Kurva S <Blok "A"> & B'
    with pytest.raises(ValueError):
        ChartLabels(months=("Jan",))


def test_without_the_band_or_reports():
    curve = scurve(PACKAGES, [], START)
    root = fromstring(scurve_svg(curve.planned, curve.actual, critical_band=False))
    classes = {p.get("class") for p in root.iter("{http://www.w3.org/2000/svg}polyline")}
    assert classes == {"planned"} and root.find("svg:polygon", NS) is None
    with pytest.raises(ValueError):
        scurve_svg([])


def test_the_critical_line_is_10_points_under_planned_up_to_70_then_5():
    edge = _lower_edge([(0, 0.0), (10, 20.0), (20, 80.0), (30, 100.0)])
    expected = [(0, 0), (5, 0), (10, 10), (55 / 3, 60), (55 / 3, 65), (20, 75), (30, 95)]
    assert [c for xy in edge for c in xy] == pytest.approx([c for xy in expected for c in xy])
