"""A generated parcel file: a grid of small adjacent parcels near Jakarta, written as a GeoPackage.

The parcels are 8 m x 10 m (80 m², a kampung parcel), laid out in rows of COLUMNS, south-east of
the demo site of Kampung Kunir so that none overlaps its parcel. The grid's corners are nudged by
up to half a metre, the same nudge for every parcel sharing a corner: the shapes are irregular
quadrilaterals, and neighbours still share their boundaries exactly (touching, never overlapping),
as parcels cut from one survey do. Fixed seed: the same count gives the same file.

Columns as a BPN export names them: `nib` (a 14-digit Nomor Identifikasi Bidang), `status_hak`
and `pemegang`, which the importer maps to code, land status and holder on its own.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import shapely
from pyogrio import raw as ogr_raw
from pyproj import Transformer

LAYER = "bidang"
COLUMNS = 250  # parcels per row: 50,000 parcels are 250 x 200, a 2 km x 2 km block
CELL_M = (8.0, 10.0)  # width (east), depth (north)
JITTER_M = 0.5
# UTM zone 48S (EPSG:32748): ~500 m east and ~2 km south of the demo parcel KUN-01.
ORIGIN_UTM = (701_000.0, 9_319_000.0)
STATUSES = ("SHM", "HGB", "hak_pakai", "girik_adat")
SEED = 20261123


def grid_polygons(count: int) -> np.ndarray:
    """`count` MultiPolygons in EPSG:32748, row by row from the south-west corner."""
    cols = min(count, COLUMNS)
    rows = -(-count // cols)
    rng = np.random.default_rng(SEED)
    # (rows + 1) x (cols + 1) shared corners, each nudged once.
    xs = ORIGIN_UTM[0] + np.arange(cols + 1) * CELL_M[0]
    ys = ORIGIN_UTM[1] + np.arange(rows + 1) * CELL_M[1]
    gx, gy = np.meshgrid(xs, ys)
    gx = gx + rng.uniform(-JITTER_M, JITTER_M, gx.shape)
    gy = gy + rng.uniform(-JITTER_M, JITTER_M, gy.shape)
    r, c = np.divmod(np.arange(count), cols)
    # Counter-clockwise ring: SW, SE, NE, NW, SW.
    corners = [(r, c), (r, c + 1), (r + 1, c + 1), (r + 1, c), (r, c)]
    ring = np.stack([np.stack([gx[i, j], gy[i, j]], axis=-1) for i, j in corners], axis=1)
    polygons = shapely.polygons(ring)
    return shapely.multipolygons(polygons, indices=np.arange(count))


def attributes(count: int) -> tuple[list[str], list[np.ndarray]]:
    k = np.arange(count)
    # 31.73.05.01 (Jakarta Barat, Taman Sari, Pinangsia) then a 6-digit parcel number: 14 digits.
    nib = np.array([f"31730501{n + 1:06d}" for n in k], dtype=object)
    status = np.array([STATUSES[n % len(STATUSES)] for n in k], dtype=object)
    holder = np.array([f"Pemegang {n + 1:05d}" for n in k], dtype=object)
    return ["nib", "status_hak", "pemegang"], [nib, status, holder]


def write_gpkg(path: Path, count: int, crs: str = "EPSG:32748") -> Path:
    """Write `count` grid parcels to a new GeoPackage at `path`, in `crs` (EPSG:32748 or EPSG:4326)."""
    geoms = grid_polygons(count)
    if crs != "EPSG:32748":
        to_crs = Transformer.from_crs("EPSG:32748", crs, always_xy=True)

        def project(xy: np.ndarray) -> np.ndarray:
            x, y = to_crs.transform(xy[:, 0], xy[:, 1])
            return np.column_stack([x, y])

        geoms = shapely.transform(geoms, project)
    fields, values = attributes(count)
    ogr_raw.write(path, shapely.to_wkb(geoms), values, fields, layer=LAYER, driver="GPKG",
                  geometry_type="MultiPolygon", crs=crs)
    return path


def bbox_lonlat(count: int, share: float = 1.0) -> tuple[float, float, float, float]:
    """A lon/lat box over the grid's south-west `share` of its area: 1.0 covers every parcel.

    For a share below 1 the box spans that share of the grid's width and full height, so it
    touches about that share of the parcels (plus those its edge crosses).
    """
    cols = min(count, COLUMNS)
    rows = -(-count // cols)
    pad = JITTER_M + 0.1
    x0, y0 = ORIGIN_UTM[0] - pad, ORIGIN_UTM[1] - pad
    x1 = ORIGIN_UTM[0] + cols * CELL_M[0] * share + (pad if share >= 1 else 0.0)
    y1 = ORIGIN_UTM[1] + rows * CELL_M[1] + pad
    to_lonlat = Transformer.from_crs("EPSG:32748", "EPSG:4326", always_xy=True)
    lons, lats = to_lonlat.transform([x0, x1, x0, x1], [y0, y0, y1, y1])
    return min(lons), min(lats), max(lons), max(lats)
