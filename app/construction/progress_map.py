"""The data of a project's progress map, in one JSON: the blocks' footprints, their percent complete on every report
date (so the page's time slider replays the reports without asking the server again), the photos, the parcels and the
2012 buildings around the site.

Percents come from `progress`: actual = the reports' weighted percents, planned = the schedule, on each report's date,
per block out of the block's own weight, so the last date matches the block's assessment on the construction page.
Colours are the five classes of 20 points of the printed block map (`app.documents.blockmap`), so screen and paper
agree.

The "before" layer: OpenStreetMap's building footprints of October 2012 near the demo sites ship with the app in
`fixtures/demo/footprints-2012.geojson` (public reference data, not a project's own, and ~20 KB), and each project
gets those within BEFORE_RADIUS_M of its parcels, nearest first. Read from the app's own folder, never from the
shared data folder a deployment does not have; kept out of the database because nothing about it is edited.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache
from types import SimpleNamespace
from typing import Any

import shapely
from shapely.geometry import GeometryCollection, shape
from shapely.geometry.base import BaseGeometry
from sqlalchemy.orm import Session

from app.config import ROOT
from app.construction import footprints as footprint_service
from app.construction import photos as site_photos
from app.construction import service as construction
from app.documents.blockmap import CLASSES, CRITICAL
from app.projects.models import Project
from gis.geojson import feature, feature_collection
from gis.measure import to_metric
from progress.reports import actual_curve, status
from progress.schedule import planned_curve

BEFORE_FILE = ROOT / "fixtures" / "demo" / "footprints-2012.geojson"
BEFORE_RADIUS_M = 2_000.0  # the 2012 footprints are sparse: the nearest to a demo site is 0.3-1.5 km away
NO_DATA = "#d9d9d9"  # a footprint whose block has no weighted work yet (construction not started)
PHOTO_PROPERTIES = ("id", "taken_on", "report_date", "caption", "building")  # what a photo's popup shows


@dataclass(frozen=True)
class ProgressClass:
    low: int
    high: int
    fill: str


def progress_classes() -> list[ProgressClass]:
    lows = [low for low, _fill, _label in CLASSES]
    return [ProgressClass(low, lows[i + 1] if i + 1 < len(lows) else 100, fill)
            for i, (low, fill, _label) in enumerate(CLASSES)]


def class_of(pct: Decimal | float) -> int:
    """The index of the class a percent falls in: 0-19.99 is 0, ..., 80-100 is the last."""
    index = 0
    for i, (low, _fill, _label) in enumerate(CLASSES):
        if pct >= low:
            index = i
    return index


def _pct(value: Decimal) -> float:
    return float(value)  # two decimals already; JSON has no decimal type


@lru_cache(maxsize=1)
def _before_features() -> tuple[tuple[BaseGeometry, dict[str, Any]], ...]:
    if not BEFORE_FILE.exists():
        return ()
    data = json.loads(BEFORE_FILE.read_text(encoding="utf-8"))
    return tuple((shape(f["geometry"]), dict(f.get("properties") or {})) for f in data["features"])


def before_layer(site: BaseGeometry | None, radius_m: float = BEFORE_RADIUS_M) -> dict[str, Any]:
    """The 2012 footprints within `radius_m` of the site, nearest first, each with its distance in metres."""
    found = []
    if site is not None and not site.is_empty:
        features = _before_features()
        if features:
            metric = list(to_metric(GeometryCollection([site, *(g for g, _p in features)])).geoms)
            site_m = metric[0]
            for (geom, props), geom_m in zip(features, metric[1:], strict=True):
                distance = geom_m.distance(site_m)
                if distance <= radius_m:
                    found.append((distance, geom, props))
    found.sort(key=lambda item: item[0])
    return feature_collection(feature(geom, {**props, "distance_m": round(distance)})
                              for distance, geom, props in found)


def _timeline(session: Session, project: Project, as_of: date) -> dict[str, Any]:
    """Per report date up to `as_of`: each block's and the project's planned and actual percent, status, class."""
    packages = construction.packages_of(session, project)
    if not packages:
        return {"dates": [], "project": {}, "blocks": {}}
    planned_packages = construction.planned_packages(packages)
    reports = [r for r in construction.as_reports(construction.reports_of(session, project), packages)
               if r.date <= as_of]
    if not reports:
        return {"dates": [], "project": {}, "blocks": {}}
    dates = [r.date for r in reports]
    planned = planned_curve(planned_packages, dates)
    actual = actual_curve(planned_packages, reports)

    def series(plan, done) -> dict[str, list]:
        plan_pct = [p.pct for p in plan]
        done_pct = [p.pct for p in done]
        return {"planned": [_pct(v) for v in plan_pct], "actual": [_pct(v) for v in done_pct],
                "status": [status(p, a) for p, a in zip(plan_pct, done_pct, strict=True)],
                "class": [class_of(a) for a in done_pct]}

    return {"dates": [d.isoformat() for d in dates], "project": series(planned.project, actual.project),
            "blocks": {code: series(planned.buildings[code], actual.buildings[code])
                       for code in actual.buildings if code in planned.buildings}}


def map_data(session: Session, project: Project, as_of: date) -> dict[str, Any]:
    """Everything the progress map draws, as one JSON-ready dict."""
    scenario = footprint_service.built_scenario(session, project)
    blocks = {b.code: b for b in footprint_service.blocks_of(scenario)}
    rows = footprint_service.footprints_of(session, project)
    progress = construction.progress_of(session, project, as_of)
    now: dict[str, Any] = {}
    for code, curve in (progress.buildings.items() if progress else ()):
        a = curve.assessment
        now[code] = {"planned": _pct(a.planned_pct), "actual": _pct(a.actual_pct), "status": a.status,
                     "class": class_of(a.actual_pct),
                     "report_date": a.report_date.isoformat() if a.report_date else None}
    site = footprint_service.site_outline(project)
    parcels = project.site.parcels if project.site else []
    photos = [{"type": "Feature", "geometry": f["geometry"],
               "properties": {key: f["properties"].get(key) for key in PHOTO_PROPERTIES}}
              for f in site_photos.photo_features(session, project) if f.get("geometry")]
    # Addresses from a template with the id filled in by the page: half the bytes of a map with hundreds of photos.
    template = SimpleNamespace(id="{id}")
    return {
        "as_of": as_of.isoformat(),
        "classes": [{"low": c.low, "high": c.high, "fill": c.fill} for c in progress_classes()],
        "critical": CRITICAL,
        "no_data": NO_DATA,
        "blocks": feature_collection(
            feature(row.geom, {"code": row.building_code,
                               "name": blocks[row.building_code].name if row.building_code in blocks else None,
                               "area_m2": round(row.area_m2, 1)})
            for row in rows),
        "missing": [code for code in blocks if code not in {row.building_code for row in rows}],
        "now": now,
        "timeline": _timeline(session, project, as_of) if progress else {"dates": [], "project": {}, "blocks": {}},
        "parcels": feature_collection(feature(p.geom, {"code": p.code}) for p in parcels),
        "site_bounds": list(shapely.bounds(site)) if site is not None else None,
        "before": before_layer(site),
        "photos": feature_collection(photos),
        "photo_urls": {kind: site_photos.photo_url(project, template, kind) for kind in ("thumb", "public")},
    }
