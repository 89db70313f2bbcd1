"""Is a parcel file plausible for a kampung site? Warnings for the preview, never refusals.

A file can pass every check and still be the wrong file: a whole RW's 69 polygons, 3,445 ha, read as one site,
or parcels of another kelurahan. Both are warnings, not refusals: a large site or a second plot across the river
may be real, and the planner is the one who knows.

Thresholds:
- SITE_AREA_WARN_M2, 10 ha: the consolidations and rebuilding of kampung sites the cooperatives run are 0.2-5 ha
  (Kampung Akuarium about 1 ha); 10 ha is a whole RW or more, so a file above it is more likely a kelurahan or RW
  layer than a site.
- FAR_M, 2 km: a Jakarta kelurahan is 1-3 km across, so a parcel 2 km beyond the site's other parcels or beyond its
  kelurahan's boundary is in another kelurahan; a file read in the wrong coordinate system lands much further.
Distances are measured in metres in the UTM zone of the reference (gis.measure), never in degrees.
"""

from __future__ import annotations

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from gis.measure import _to_utm, utm_epsg
from kernel.messages import N_, Message

SITE_AREA_WARN_M2 = 100_000.0
FAR_M = 2_000.0
FAR_LISTED = 10  # features named in the warning; the count says how many there are


def _metric(geoms: np.ndarray, epsg: int) -> np.ndarray:
    transformer = _to_utm(epsg)

    def project(coords: np.ndarray) -> np.ndarray:
        x, y = transformer.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geoms, project)


def far_features(labels: list[str], geoms: list[BaseGeometry], reference: BaseGeometry,
                 limit_m: float = FAR_M) -> list[tuple[str, float]]:
    """(label, distance in m) of each shape more than `limit_m` from the reference shape, farthest first."""
    if not geoms or reference is None or reference.is_empty:
        return []
    c = reference.centroid
    epsg = utm_epsg(c.x, c.y)
    ref = _metric(np.array([reference], dtype=object), epsg)[0]
    distances = shapely.distance(_metric(np.array(geoms, dtype=object), epsg), ref)
    far = [(labels[i], float(distances[i])) for i in np.flatnonzero(distances > limit_m)]
    return sorted(far, key=lambda item: -item[1])


def plausibility(total_area_m2: float, labels: list[str], geoms: list[BaseGeometry],
                 reference: BaseGeometry | None, reference_kind: str) -> list[Message]:
    """Warnings for a file about to become a site's parcels. `reference` is the site's existing parcels (kind
    "parcels") or its kelurahan's boundary (kind "kelurahan"), or None when neither is known."""
    warnings: list[Message] = []
    if total_area_m2 > SITE_AREA_WARN_M2:
        warnings.append(Message("site_too_large", N_(
            "The parcels cover {ha} ha in total, more than a kampung site of {limit} ha usually is. Check that this "
            "is the site's file and not a layer of a whole RW or kelurahan."),
            {"ha": round(total_area_m2 / 10_000, 1), "limit": round(SITE_AREA_WARN_M2 / 10_000)}))
    if reference is not None:
        far = far_features(labels, geoms, reference)
        if far:
            shown = ", ".join(label for label, _ in far[:FAR_LISTED]) + (" …" if len(far) > FAR_LISTED else "")
            msgid = (N_("{n} feature(s) lie more than {km} km from the site's existing parcels (up to {max_km} km): "
                        "{features}. Check the file and its coordinate system.") if reference_kind == "parcels"
                     else N_("{n} feature(s) lie more than {km} km outside the project's kelurahan (up to "
                             "{max_km} km): {features}. Check the file and its coordinate system."))
            warnings.append(Message("parcels_far", msgid, {
                "n": len(far), "km": round(FAR_M / 1000), "max_km": round(far[0][1] / 1000, 1), "features": shown}))
    return warnings
