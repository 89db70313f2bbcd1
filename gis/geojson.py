"""GeoJSON in and out of shapely, coordinates rounded to 7 decimals (about 1 cm at the equator)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from shapely.geometry import mapping
from shapely.geometry.base import BaseGeometry

DECIMALS = 7


def round_coordinates(coords: Any, ndigits: int = DECIMALS) -> Any:
    if isinstance(coords, (int, float)):
        return round(float(coords), ndigits)
    return [round_coordinates(c, ndigits) for c in coords]


def geometry_dict(geom: BaseGeometry, ndigits: int = DECIMALS) -> dict[str, Any]:
    gj = mapping(geom)
    if gj["type"] == "GeometryCollection":
        return {"type": gj["type"], "geometries": [geometry_dict(g, ndigits) for g in geom.geoms]}
    return {"type": gj["type"], "coordinates": round_coordinates(gj["coordinates"], ndigits)}


def feature(geom: BaseGeometry, properties: Mapping[str, Any], feature_id: Any = None) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "Feature", "geometry": geometry_dict(geom), "properties": dict(properties)}
    if feature_id is not None:
        out["id"] = feature_id
    return out


def feature_collection(features: Iterable[dict[str, Any]]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": list(features)}


def parse_bbox(text: str) -> tuple[float, float, float, float]:
    """'minLon,minLat,maxLon,maxLat' as the GeoJSON/OGC APIs write it; ValueError says what is wrong."""
    parts = text.split(",")
    if len(parts) != 4:
        raise ValueError("bbox needs four numbers: minLon,minLat,maxLon,maxLat")
    try:
        min_lon, min_lat, max_lon, max_lat = (float(p) for p in parts)
    except ValueError:
        raise ValueError("bbox values must be numbers") from None
    if not (-180 <= min_lon <= max_lon <= 180 and -90 <= min_lat <= max_lat <= 90):
        raise ValueError("bbox must be minLon<=maxLon within -180..180 and minLat<=maxLat within -90..90")
    return min_lon, min_lat, max_lon, max_lat
