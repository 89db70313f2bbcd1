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
