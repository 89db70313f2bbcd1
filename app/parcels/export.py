"""A site's parcels as files a planner opens in QGIS: GeoJSON and GeoPackage, EPSG:4326."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import numpy as np
import shapely
from pyogrio.raw import write as write_layer

from app.projects.models import Parcel, Project
from gis.geojson import feature, feature_collection
from gis.parcel_checks import natural_key

FORMATS = {"geojson": ("application/geo+json", ".geojson"), "gpkg": ("application/geopackage+sqlite3", ".gpkg")}
FIELDS = ("code", "land_status", "holder", "notes", "area_m2", "perimeter_m")


def _parcels(project: Project) -> list[Parcel]:
    # In the order people number them (89, 90, 100), as the pages list them.
    return sorted(project.site.parcels, key=lambda p: natural_key(p.code)) if project.site else []


def _properties(p: Parcel) -> dict:
    return {"code": p.code, "land_status": p.land_status, "holder": p.holder, "notes": p.notes,
            "area_m2": round(p.area_m2, 1), "perimeter_m": round(p.perimeter_m, 1)}


def to_geojson(project: Project) -> bytes:
    collection = feature_collection(feature(p.geom, _properties(p), feature_id=p.code) for p in _parcels(project))
    collection["name"] = project.slug
    return json.dumps(collection, ensure_ascii=False).encode("utf-8")


def to_gpkg(project: Project) -> bytes:
    parcels = _parcels(project)
    fields = {name: np.array([_properties(p)[name] for p in parcels], dtype=object) for name in FIELDS}
    for name in ("area_m2", "perimeter_m"):
        fields[name] = fields[name].astype("float64")
    geometry = shapely.to_wkb(np.array([p.geom for p in parcels], dtype=object)) if parcels else np.array([])
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{project.slug}.gpkg"
        write_layer(
            str(path), geometry, list(fields.values()), fields=list(fields), layer="parcels", driver="GPKG",
            geometry_type="MultiPolygon", crs="EPSG:4326",
        )
        return path.read_bytes()


def export(project: Project, fmt: str) -> bytes:
    if fmt == "geojson":
        return to_geojson(project)
    if fmt == "gpkg":
        return to_gpkg(project)
    raise ValueError(f"unknown export format {fmt!r}")


def write(project: Project, fmt: str, target: str | os.PathLike) -> int:
    data = export(project, fmt)
    Path(target).write_bytes(data)
    return len(data)
