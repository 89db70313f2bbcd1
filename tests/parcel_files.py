"""Parcel files for tests, written the way planners' tools write them (GDAL through pyogrio)."""

from __future__ import annotations

import json
import warnings
import zipfile
from pathlib import Path

import numpy as np
import shapely
from pyogrio import raw
from pyproj import Transformer
from shapely.geometry import Polygon

# A kampung-sized parcel by Kali Besar, Jakarta, in WGS 84 (an irregular quadrilateral).
PARCEL = Polygon([(106.8120, -6.1360), (106.8131, -6.1361), (106.8133, -6.1352), (106.8121, -6.1350)])
BOWTIE = Polygon([(106.80, -6.10), (106.801, -6.101), (106.801, -6.10), (106.80, -6.101)])


def shift(geom, dx: float = 0.0, dy: float = 0.0):
    return shapely.affinity.translate(geom, dx, dy)


def project(geom, epsg: int):
    t = Transformer.from_crs(4326, epsg, always_xy=True)
    return shapely.transform(geom, lambda xy: np.column_stack(t.transform(xy[:, 0], xy[:, 1])))


def write_layer(path: Path, geoms, fields: dict | None = None, *, crs: str | None = "EPSG:4326",
                driver: str = "GPKG", layer: str | None = None, geometry_type: str = "Polygon", **kw) -> Path:
    fields = fields or {"nib": [f"09.01.{k:05d}" for k in range(len(geoms))]}
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "'crs' was not provided")  # a file without a CRS is the point
        raw.write(path, np.array(shapely.to_wkb(list(geoms)), dtype=object),
                  [np.asarray(v, dtype=object if len(v) and isinstance(v[0], str) else None) for v in fields.values()],
                  fields=list(fields), driver=driver, crs=crs, layer=layer, geometry_type=geometry_type, **kw)
    return path


def zip_files(target: Path, members: dict[str, bytes | Path]) -> Path:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, content in members.items():
            zf.writestr(name, content.read_bytes() if isinstance(content, Path) else content)
    return target


def zip_shapefile(tmp_path: Path, stem: str, target: Path, *, folder: str = "", skip: tuple[str, ...] = ()) -> Path:
    parts = {f"{folder}{p.name}": p for p in sorted(tmp_path.glob(f"{stem}.*"))
             if p.suffix not in skip and p.suffix != ".zip"}
    return zip_files(target, parts)


def geojson(tmp_path: Path, features: list, name: str = "bidang.geojson", **extra) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps({"type": "FeatureCollection", **extra, "features": features}))
    return path


def gj_feature(geom, **props) -> dict:
    return {"type": "Feature", "properties": props, "geometry": shapely.geometry.mapping(geom) if geom else None}
