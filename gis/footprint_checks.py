"""Check where the blocks of a housing design stand on the site: footprints drawn on a map or read from a file.

Pure: shapes in EPSG:4326 (shapely), block codes as text; imports nothing from `app`. Every shape is checked
and every problem reported (a `Message` per problem, keyed by the candidate's label), so a planner fixes a
file once, not once per problem.

A footprint is refused when:

- it is not one or more valid polygons (the reason and where, from GEOS);
- its block is not a block of the scenario being built, or the file gives the same block twice;
- it measures under MIN_AREA_M2 (a shape finished after two clicks) or over MAX_AREA_M2 (not one block);
- more of it than OUTSIDE_TOLERANCE lies outside the site's parcels: a hand-drawn edge lands a few
  decimetres off the parcel line at the zoom a planner draws at (one screen pixel is ~0.3 m at zoom 19), so
  a 30 m wall drawn along the boundary may stick out ~10 m²; the larger of 1 m² and 2% of the footprint;
- it overlaps another block by more than OVERLAP_TOLERANCE_M2: blocks stand apart or share a wall line, and
  two outlines drawn along one wall by hand leave slivers well under a square metre.
"""

from __future__ import annotations

import json
import math
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from shapely.geometry import GeometryCollection, MultiPolygon, shape
from shapely.geometry.base import BaseGeometry

from gis.measure import area_m2, to_metric
from gis.parcel_file import INDONESIA_BBOX
from kernel.messages import N_, Message

# Property names that carry the block code in an imported file, best first; compared without case.
BLOCK_COLUMNS = ("block", "blok", "kode_blok", "block_code", "code", "kode", "building", "bangunan", "gedung")
MIN_AREA_M2 = 10.0
MAX_AREA_M2 = 20_000.0
OUTSIDE_MIN_M2 = 1.0
OUTSIDE_SHARE = 0.02
OVERLAP_TOLERANCE_M2 = 1.0
# A drawn outline is a few dozen points; this bounds what a crafted request can make the server parse.
MAX_DRAWN_VERTICES = 2_000
MAX_DRAWN_CHARS = 200_000

_REASON = re.compile(r"^(?P<reason>.*?)\s*\[(?P<x>[^\s\]]+)\s+(?P<y>[^\s\]]+)\]\s*$")


@dataclass
class Candidate:
    """A shape offered for a block: `label` names it in messages (a file's feature number, or the block)."""

    label: str
    block: str  # as given; "" when the file gave none
    geometry: BaseGeometry | None  # EPSG:4326
    problems: list[Message] = field(default_factory=list)  # the reader's own, e.g. an invalid ring


@dataclass(frozen=True)
class Footprint:
    label: str
    block: str  # the scenario's own spelling of the code
    geometry: MultiPolygon
    area_m2: float


def block_column(columns: Iterable[str]) -> str | None:
    """The column of a file that holds the block code, or None."""
    normal = {re.sub(r"[\s\-]+", "_", c.strip().lower()): c for c in columns}
    for name in BLOCK_COLUMNS:
        if name in normal:
            return normal[name]
    return None


def block_text(value: Any) -> str:
    """A code as text: 1.0 from a shapefile's number column reads as "1"."""
    if value is None or isinstance(value, bool):
        return ""
    if isinstance(value, float):
        if not math.isfinite(value):
            return ""
        if value.is_integer():
            return str(int(value))
    return str(value).strip()


def drawn_shape(text: str, block: str) -> tuple[BaseGeometry | None, list[Message]]:
    """The outline a planner drew, as the map sends it: a GeoJSON Polygon or MultiPolygon (or a Feature)."""
    if not text or not text.strip():
        return None, [Message("footprint.no_shape", N_("Draw the outline of block {block} on the map first."),
                              {"block": block})]
    unreadable = [Message("footprint.unreadable", N_(
        "The outline of block {block} could not be read. Draw it again."), {"block": block})]
    if len(text) > MAX_DRAWN_CHARS:
        return None, unreadable
    try:
        data = json.loads(text)
        if isinstance(data, dict) and data.get("type") == "Feature":
            data = data.get("geometry")
        if not isinstance(data, dict) or data.get("type") not in ("Polygon", "MultiPolygon"):
            return None, unreadable
        geom = shape(data)
    except (ValueError, TypeError, KeyError, AttributeError, IndexError, shapely.errors.ShapelyError):
        return None, unreadable
    coords = shapely.get_coordinates(geom)
    if len(coords) > MAX_DRAWN_VERTICES or not len(coords):
        return None, unreadable
    lon_min, lat_min, lon_max, lat_max = INDONESIA_BBOX
    xs, ys = coords[:, 0], coords[:, 1]
    if not (bool(np.isfinite(coords).all()) and xs.min() >= lon_min and xs.max() <= lon_max
            and ys.min() >= lat_min and ys.max() <= lat_max):
        return None, [Message("footprint.not_in_indonesia", N_(
            "The outline of block {block} is not in Indonesia. Draw it on the site."), {"block": block})]
    return shapely.force_2d(geom), []


def reader_problem(message: Message) -> Message:
    """A problem `gis.parcel_file` found in a feature, in a footprint's words where its own speak of parcels."""
    fields = dict(message.fields)
    if message.code == "not_polygon":
        return Message("footprint.not_polygon", N_(
            "Feature {feature} is a {type}, not a polygon. A footprint is an outline."), fields)
    if message.code == "empty_geometry":
        return Message("footprint.no_shape", N_("Feature {feature} has no shape."), fields)
    if message.code == "invalid":
        if "location" in fields:
            return Message("footprint.invalid", N_(
                "Feature {feature}: the outline is not a valid polygon ({reason}) near {location}. Fix it in QGIS "
                "and upload the file again."), fields)
        return Message("footprint.invalid", N_(
            "Feature {feature}: the outline is not a valid polygon ({reason}). Fix it in QGIS and upload the file "
            "again."), fields)
    return message


def _where(text: str) -> tuple[str, str | None]:
    match = _REASON.match(text)
    if not match:
        return text, None
    try:
        x, y = float(match["x"]), float(match["y"])
    except ValueError:
        return match["reason"], None
    return match["reason"], f"{x:.7f}, {y:.7f}"


def _polygons(geom: BaseGeometry) -> MultiPolygon | None:
    parts = [p for p in shapely.get_parts(geom) if p.geom_type == "Polygon" and not p.is_empty]
    return MultiPolygon(parts) if parts and len(parts) == len(shapely.get_parts(geom)) else None


def shape_problems(geom: BaseGeometry, block: str) -> list[Message]:
    """Validity and a sane size: what is wrong with the shape itself."""
    if geom.is_empty:
        return [Message("footprint.empty", N_("The outline of block {block} is empty. Draw it again."),
                        {"block": block})]
    if geom.geom_type not in ("Polygon", "MultiPolygon"):
        return [Message("footprint.not_polygon", N_(
            "The shape of block {block} is a {type}, not a polygon. A footprint is an outline."),
            {"block": block, "type": geom.geom_type})]
    if not geom.is_valid:
        reason, location = _where(shapely.is_valid_reason(geom))
        if location is None:
            return [Message("footprint.invalid", N_(
                "The outline of block {block} is not a valid polygon ({reason}). Draw it again without "
                "crossing its own edges."), {"block": block, "reason": reason})]
        return [Message("footprint.invalid", N_(
            "The outline of block {block} is not a valid polygon ({reason}) near {location}. Draw it again "
            "without crossing its own edges."), {"block": block, "reason": reason, "location": location})]
    area = area_m2(geom)
    if area < MIN_AREA_M2:
        return [Message("footprint.too_small", N_(
            "Block {block} measures only {area} m²; a block's footprint is at least {minimum} m². Was the "
            "outline finished too early?"), {"block": block, "area": round(area, 1), "minimum": int(MIN_AREA_M2)})]
    if area > MAX_AREA_M2:
        return [Message("footprint.too_large", N_(
            "Block {block} measures {area} m²; one block's footprint is at most {maximum} m²."),
            {"block": block, "area": round(area), "maximum": int(MAX_AREA_M2)})]
    return []


def outside_tolerance_m2(area: float) -> float:
    return max(OUTSIDE_MIN_M2, OUTSIDE_SHARE * area)


def site_problems(geom: BaseGeometry, block: str, site: BaseGeometry) -> list[Message]:
    """How much of the footprint lies off the site's parcels, when that is more than a drawing's slack."""
    metric = to_metric(GeometryCollection([geom, site]))
    shape_m, site_m = metric.geoms[0], metric.geoms[1]
    if not site_m.is_valid:
        site_m = shapely.make_valid(site_m)
    outside = shape_m.difference(site_m).area
    if outside > outside_tolerance_m2(shape_m.area):
        if outside >= shape_m.area - 1e-6:
            return [Message("footprint.off_site", N_(
                "Block {block} is not on the site: the outline lies outside the project's parcels."),
                {"block": block})]
        return [Message("footprint.outside", N_(
            "{area} m² of block {block} lies outside the project's parcels. Draw it inside the site."),
            {"block": block, "area": round(outside, 1)})]
    return []


def overlap_m2(a: BaseGeometry, b: BaseGeometry) -> float:
    if not a.intersects(b):
        return 0.0
    shared = a.intersection(b)
    return area_m2(shared) if not shared.is_empty else 0.0


def check_footprints(
    candidates: Sequence[Candidate],
    blocks: Sequence[str],
    site: BaseGeometry | None,
    kept: Mapping[str, BaseGeometry] | None = None,
) -> tuple[list[Footprint], dict[str, list[Message]]]:
    """The footprints that pass, and label -> problems for the others (the reader's included).

    `blocks` are the codes of the scenario being built; `site` is the union of the site's parcels; `kept`
    are the footprints already stored: those of blocks no candidate names stay, so they are checked for overlaps.
    """
    problems: dict[str, list[Message]] = defaultdict(list)
    known = {b.casefold(): b for b in blocks}
    given: dict[str, str] = {}
    by_block: dict[str, list[str]] = defaultdict(list)
    resolved: dict[str, str] = {}
    shapes: dict[str, MultiPolygon] = {}
    for c in candidates:
        problems[c.label].extend(c.problems)
        code = block_text(c.block)
        given[c.label] = code or c.label
        if not code:
            problems[c.label].append(Message("footprint.no_block", N_(
                "No block code: give the feature a property named block, blok, code or building.")))
        elif code.casefold() not in known:
            problems[c.label].append(Message("footprint.unknown_block", N_(
                "Block {block} is not a block of the scenario being built; its blocks are {blocks}."),
                {"block": code, "blocks": ", ".join(blocks) or "-"}))
        else:
            resolved[c.label] = known[code.casefold()]
            by_block[known[code.casefold()]].append(c.label)
        if c.problems:
            continue
        name = resolved.get(c.label, code or c.label)
        if c.geometry is None:
            problems[c.label].append(Message("footprint.no_shape", N_("Feature {feature} has no shape."),
                                             {"feature": c.label}))
            continue
        wrong = shape_problems(c.geometry, name)
        if wrong:
            problems[c.label].extend(wrong)
            continue
        polygons = _polygons(c.geometry)
        assert polygons is not None  # shape_problems refused anything else
        shapes[c.label] = polygons
        if site is None or site.is_empty:
            problems[c.label].append(Message("footprint.no_site", N_(
                "The site has no parcels yet: import them before placing the blocks on it.")))
        else:
            problems[c.label].extend(site_problems(polygons, name, site))

    for block, labels in by_block.items():
        if len(labels) > 1:
            for label in labels:
                others = ", ".join(x for x in labels if x != label)
                problems[label].append(Message("footprint.duplicate_block", N_(
                    "Block {block} is given twice: also by feature {others}. Give each block one outline."),
                    {"block": block, "others": others}))

    # Overlaps: among the candidates, and with the stored blocks the candidates do not replace.
    named = set(resolved.values())
    labels = list(shapes)
    for i, a in enumerate(labels):
        for b in labels[i + 1:]:
            shared = overlap_m2(shapes[a], shapes[b])
            if shared > OVERLAP_TOLERANCE_M2:
                for one, other in ((a, b), (b, a)):
                    problems[one].append(Message("footprint.overlap", N_(
                        "Block {block} overlaps block {other} by {area} m²; blocks may touch but not overlap."),
                        {"block": resolved.get(one, given[one]), "other": resolved.get(other, given[other]),
                         "area": round(shared, 1)}))
        for code, geom in (kept or {}).items():
            if code in named:
                continue
            shared = overlap_m2(shapes[a], geom)
            if shared > OVERLAP_TOLERANCE_M2:
                problems[a].append(Message("footprint.overlap", N_(
                    "Block {block} overlaps block {other} by {area} m²; blocks may touch but not overlap."),
                    {"block": resolved.get(a, given[a]), "other": code, "area": round(shared, 1)}))

    passed = [Footprint(c.label, resolved[c.label], shapes[c.label], area_m2(shapes[c.label]))
              for c in candidates if not problems.get(c.label) and c.label in shapes]
    return passed, {label: msgs for label, msgs in problems.items() if msgs}
