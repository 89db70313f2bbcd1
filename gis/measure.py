"""Lengths and areas in metres.

Geometry is stored in EPSG:4326 (degrees). We measure in the WGS 84 UTM zone of the geometry's
centroid: a conformal projection whose scale error within a zone (<0.1%) is well inside what a
site plan needs, and the zone planners' surveys in Jakarta (48S) already use.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import shapely
from pyproj import Transformer
from shapely.geometry.base import BaseGeometry


def utm_epsg(lon: float, lat: float) -> int:
    zone = min(int((lon + 180) // 6) + 1, 60)
    return (32600 if lat >= 0 else 32700) + zone


@lru_cache(maxsize=32)
def _to_utm(epsg: int) -> Transformer:
    return Transformer.from_crs(4326, epsg, always_xy=True)


def to_metric(geom: BaseGeometry) -> BaseGeometry:
    c = geom.centroid
    transformer = _to_utm(utm_epsg(c.x, c.y))

    def project(coords: np.ndarray) -> np.ndarray:
        x, y = transformer.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geom, project)


def area_m2(geom: BaseGeometry) -> float:
    return to_metric(geom).area if not geom.is_empty else 0.0


def perimeter_m(geom: BaseGeometry) -> float:
    return to_metric(geom).length if not geom.is_empty else 0.0


@lru_cache(maxsize=32)
def _from_utm(epsg: int) -> Transformer:
    return Transformer.from_crs(epsg, 4326, always_xy=True)


def from_metric(geom: BaseGeometry, epsg: int) -> BaseGeometry:
    """Back from the UTM zone `epsg` (as `to_metric` chose it: `utm_epsg` of the centroid) to EPSG:4326."""
    transformer = _from_utm(epsg)

    def unproject(coords: np.ndarray) -> np.ndarray:
        x, y = transformer.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geom, unproject)


def _utm_epsgs(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """`utm_epsg` of many points at once."""
    zone = np.minimum(np.floor_divide(lon + 180, 6).astype(int) + 1, 60)
    return np.where(lat >= 0, 32600, 32700) + zone


def areas_and_perimeters_m(geoms) -> tuple[np.ndarray, np.ndarray]:
    """Area (m²) and perimeter (m) of many geometries at once, each in the UTM zone of its centroid.

    The same numbers as `area_m2` and `perimeter_m`, grouped by zone so that a file of thousands
    of parcels is reprojected in a few vectorised calls instead of one call per parcel.
    """
    geoms = np.asarray(geoms, dtype=object)
    areas = np.zeros(len(geoms))
    perimeters = np.zeros(len(geoms))
    if not len(geoms):
        return areas, perimeters
    empty = shapely.is_empty(geoms) | shapely.is_missing(geoms)
    present = np.flatnonzero(~empty)
    # A centroid lies inside its shape's bounding box, so when both corners of the box (widened by
    # far more than any rounding) fall in one zone, that is the centroid's zone, and the centroid
    # is computed only for the few shapes whose box straddles a zone boundary or the equator.
    b = shapely.bounds(geoms[present]).reshape(-1, 4)
    finite = np.isfinite(b).all(axis=1)
    b[~finite] = 0.0  # their centroid decides, as for a straddling box
    margin = 1e-9
    low = _utm_epsgs(b[:, 0] - margin, b[:, 1] - margin)
    zones_present = np.where(finite & (low == _utm_epsgs(b[:, 2] + margin, b[:, 3] + margin)), low, 0)
    straddling = np.flatnonzero(zones_present == 0)
    if len(straddling):
        c = shapely.get_coordinates(shapely.centroid(geoms[present[straddling]]))
        zones_present[straddling] = [utm_epsg(x, y) for x, y in c]
    zones = np.zeros(len(geoms), dtype=int)
    zones[present] = zones_present
    for epsg in np.unique(zones_present):
        picked = zones == epsg
        transformer = _to_utm(int(epsg))

        def project(coords: np.ndarray, transformer=transformer) -> np.ndarray:
            x, y = transformer.transform(coords[:, 0], coords[:, 1])
            return np.column_stack([x, y])

        metric = shapely.transform(geoms[picked], project)
        areas[picked] = shapely.area(metric)
        perimeters[picked] = shapely.length(metric)
    return areas, perimeters
