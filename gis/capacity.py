"""What a site may hold under Jakarta zoning: footprint, floor area, floors and units.

Jakarta's RDTR (Pergub DKI 31/2022) gives each parcel KDB (ground coverage, % of the land), KLB
(floor area ratio), KDH (green open area, % of the land), GSB setbacks from the boundary and a
floor or height limit. This module turns a site outline (EPSG:4326) and those numbers into the
planning figures a cooperative argues with, and says in plain messages which rule binds.

Pure: no database, no web. Geometry is measured in the UTM zone of the site's centroid (see
`gis.measure`); the buildable footprint goes back to EPSG:4326 for the map.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from numbers import Real
from typing import Any

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry
from shapely.geometry.polygon import orient

from gis.measure import from_metric, to_metric, utm_epsg
from kernel.errors import UserError
from kernel.messages import N_, Message

RUSUN_MIN_UNIT_M2 = 21  # Permen PU 05/2007: 9 m² per person, 21 m² at least
EFFICIENCY_USUAL = (0.5, 0.95)
SLIVER_M2 = 0.01  # footprint pieces smaller than this are numerical noise from the buffers, not ground


@dataclass(frozen=True)
class Zoning:
    kdb_pct: Decimal | float = 60  # placeholder mid-range coverage until the parcel's RDTR value is entered
    klb: float = 3.0  # 60% cover on 5 floors, the walk-up scale of Akuarium and Kunir (the example parcel: 6.65)
    kdh_pct: float = 20  # as the example Jakarta parcel (KDB 55, KLB 6.65, KDH 20)
    gsb_front_m: float = 4.0  # placeholder front setback; the parcel's GSB depends on its street
    gsb_side_m: float = 0.0  # kampung plots often stand wall to wall; enter the parcel's GSB
    gsb_rear_m: float = 0.0
    max_floors: int | None = 8  # placeholder mid-rise cap; walk-up rusun stay lower (Kunir 4 floors, Akuarium 5)
    max_height_m: float | None = None  # no height limit unless the zoning gives one in metres
    floor_height_m: float = 3.2  # a usual floor-to-floor height for flats (3.0-3.5 m); turns max_height_m into floors
    front_azimuth_deg: float | None = None  # compass direction the street side faces, 0 north, 90 east; None unknown
    efficiency: float = 0.75  # assumed: stairs, corridors and walls take about a quarter of a walk-up block


@dataclass(frozen=True)
class UnitType:
    name: str
    net_area_m2: float
    share: float  # weight of this type in the number of units; the weights are normalised


@dataclass(frozen=True)
class Capacity:
    site_area_m2: float
    buildable_footprint: Polygon | MultiPolygon | None  # EPSG:4326: the site less its setbacks, for the map
    buildable_area_m2: float
    kdb_area_m2: float  # KDB x site
    kdh_limit_m2: float  # (100 - KDH)% x site: the most that may be covered while keeping KDH green
    max_footprint_m2: float  # the least of the three above
    footprint_rule: str  # "kdb" | "setbacks" | "kdh"
    max_gfa_m2: float  # min(KLB x site, floors_allowed x max_footprint)
    gfa_rule: str  # "klb" | "floors" | "height" ("floors", or "height" if only a height is set, for no footprint)
    floors_allowed: int | None  # the floor limit, or the height limit in whole floors; None if neither is set
    floors_needed: int  # floors to build KLB x site on the footprint; 0 if there is no footprint
    net_area_m2: float  # max_gfa x efficiency
    units: dict[str, int]
    unit_total: int
    explanations: list[Message] = field(default_factory=list)
    warnings: list[Message] = field(default_factory=list)


class InvalidZoning(UserError, ValueError):
    """`capacity` was given zoning that `validate_zoning` rejects; `messages` says why, field by field."""

    def __init__(self, messages: list[Message]) -> None:
        super().__init__(messages, field=messages[0].fields.get("field") if messages else None)


DEFAULT_MIX = (UnitType("36 m²", 36, 1),)


def capacity(site: Polygon | MultiPolygon, zoning: Zoning, unit_mix: Sequence[UnitType] = DEFAULT_MIX) -> Capacity:
    """The footprint, floor area, floors and units `zoning` allows on `site` (EPSG:4326).

    Raises `InvalidZoning` for zoning that `validate_zoning` rejects, and ValueError for an empty
    site or a unit mix without a positive area and share.
    """
    problems = validate_zoning(zoning)
    if problems:
        raise InvalidZoning(problems)
    _check_mix(unit_mix)
    site = _polygonal(site)  # first, so that an invalid outline (a bow tie) still has a sound centroid
    if site.is_empty:
        raise ValueError("the site has no area")
    z = zoning
    kdb, klb, kdh = float(z.kdb_pct), float(z.klb), float(z.kdh_pct)
    explanations: list[Message] = []
    warnings: list[Message] = []

    c = site.centroid
    epsg = utm_epsg(c.x, c.y)
    site_m = _polygonal(to_metric(site))
    site_area = site_m.area

    # Setbacks.
    front, side, rear = float(z.gsb_front_m), float(z.gsb_side_m), float(z.gsb_rear_m)
    if z.front_azimuth_deg is None and len({front, side, rear}) > 1:
        widest = max(front, side, rear)
        warnings.append(
            Message(
                "capacity.front_unknown",
                N_("No front direction set: the largest setback, {setback} m, is applied on every side."),
                {"setback": _num(widest, 1)},
            )
        )
    footprint_m = buildable_metric(site_m, z)
    buildable = footprint_m.area
    if max(front, side, rear) == 0:
        explanations.append(
            Message(
                "capacity.setbacks_none",
                N_("No setbacks: all of the {site} m² site is buildable."),
                {"site": _num(site_area)},
            )
        )
    elif z.front_azimuth_deg is None:
        explanations.append(
            Message(
                "capacity.setbacks_all_round",
                N_("Setbacks: {setback} m on every side leave {buildable} m² of the {site} m² site."),
                {"setback": _num(max(front, side, rear), 1), "buildable": _num(buildable), "site": _num(site_area)},
            )
        )
    else:
        explanations.append(
            Message(
                "capacity.setbacks",
                N_(
                    "Setbacks: front {front} m, side {side} m, rear {rear} m leave {buildable} m² "
                    "of the {site} m² site."
                ),
                {
                    "front": _num(front, 1),
                    "side": _num(side, 1),
                    "rear": _num(rear, 1),
                    "buildable": _num(buildable),
                    "site": _num(site_area),
                },
            )
        )
    if buildable <= 0:
        warnings.append(
            Message("capacity.footprint_empty", N_("The setbacks leave no buildable ground on this site."), {})
        )

    # Footprint: KDB, setbacks, KDH. On a tie the first named binds (KDB is what the permit states).
    kdb_area = kdb / 100 * site_area
    kdh_limit = max(0.0, (100 - kdh) / 100 * site_area)
    footprint_rule, max_footprint = min(
        (("kdb", kdb_area), ("setbacks", buildable), ("kdh", kdh_limit)), key=lambda rule: rule[1]
    )
    if kdb + kdh > 100:
        warnings.append(
            Message(
                "capacity.kdb_kdh_over_100",
                N_("KDB ({kdb_pct}%) plus KDH ({kdh_pct}%) is over 100%, so the green space limits the footprint."),
                {"kdb_pct": _num(kdb, 1), "kdh_pct": _num(kdh, 1)},
            )
        )
    footprint_fields = {
        "kdb_pct": _num(kdb, 1),
        "kdb_area": _num(kdb_area),
        "kdh_pct": _num(kdh, 1),
        "kdh_limit": _num(kdh_limit),
        "buildable": _num(buildable),
    }
    if footprint_rule == "kdb":
        msgid = N_(
            "Footprint: KDB {kdb_pct}% binds ({kdb_area} m²) before the setbacks ({buildable} m² buildable) "
            "and KDH {kdh_pct}% ({kdh_limit} m²)."
        )
    elif footprint_rule == "setbacks":
        msgid = N_(
            "Footprint: the setbacks bind ({buildable} m² buildable) before KDB {kdb_pct}% ({kdb_area} m²) "
            "and KDH {kdh_pct}% ({kdh_limit} m²)."
        )
    else:
        msgid = N_(
            "Footprint: KDH {kdh_pct}% binds ({kdh_limit} m² may be covered) before KDB {kdb_pct}% ({kdb_area} m²) "
            "and the setbacks ({buildable} m² buildable)."
        )
    explanations.append(Message(f"capacity.footprint.{footprint_rule}", msgid, footprint_fields))

    # Floor area: KLB against the floor or height limit.
    limits: list[tuple[int, str]] = []
    if z.max_floors is not None:
        limits.append((int(z.max_floors), "floors"))
    if z.max_height_m is not None:
        limits.append((math.floor(float(z.max_height_m) / float(z.floor_height_m) + 1e-9), "height"))
    # The lower limit binds; when both give the same floors, "floors" (sorting first) is named.
    floors_allowed, limit_rule = min(limits) if limits else (None, "floors")
    klb_gfa = klb * site_area
    gfa_fields: dict[str, Any] = {
        "klb": _num(klb, 2),
        "klb_gfa": _num(klb_gfa),
        "footprint": _num(max_footprint),
    }
    if max_footprint <= 0:
        max_gfa, gfa_rule, floors_needed = 0.0, limit_rule, 0
        explanations.append(
            Message("capacity.gfa.no_footprint", N_("Floor area: none, as no footprint is left to build on."), {})
        )
    else:
        floors_needed = max(1, math.ceil(klb_gfa / max_footprint - 1e-9))
        gfa_fields["floors_needed"] = floors_needed
        if floors_allowed is None:
            max_gfa, gfa_rule = klb_gfa, "klb"
            msg = Message(
                "capacity.gfa.klb_only",
                N_(
                    "Floor area: KLB {klb} allows {klb_gfa} m²; no floor or height limit is set. "
                    "Floors needed: {floors_needed}."
                ),
                gfa_fields,
            )
        elif klb_gfa <= floors_allowed * max_footprint:
            max_gfa, gfa_rule = klb_gfa, "klb"
            gfa_fields |= {"floors_allowed": floors_allowed, "floors_gfa": _num(floors_allowed * max_footprint)}
            msg = Message(
                "capacity.gfa.klb",
                N_(
                    "Floor area: KLB {klb} binds ({klb_gfa} m²) before the floors allowed ({floors_allowed}, "
                    "{floors_gfa} m²). Floors needed: {floors_needed}."
                ),
                gfa_fields,
            )
        else:
            max_gfa, gfa_rule = floors_allowed * max_footprint, limit_rule
            gfa_fields |= {"floors_allowed": floors_allowed, "max_gfa": _num(max_gfa)}
            if gfa_rule == "floors":
                msg = Message(
                    "capacity.gfa.floors",
                    N_(
                        "Floor area: the floor limit ({floors_allowed}) binds ({max_gfa} m²) before KLB {klb} "
                        "({klb_gfa} m²). Floors needed for KLB: {floors_needed}."
                    ),
                    gfa_fields,
                )
            else:
                gfa_fields |= {"max_height": _num(float(z.max_height_m), 1), "floor_height": _num(z.floor_height_m, 2)}
                msg = Message(
                    "capacity.gfa.height",
                    N_(
                        "Floor area: the height limit of {max_height} m (floors allowed: {floors_allowed} at "
                        "{floor_height} m) binds ({max_gfa} m²) before KLB {klb} ({klb_gfa} m²). "
                        "Floors needed for KLB: {floors_needed}."
                    ),
                    gfa_fields,
                )
        explanations.append(msg)

    # Units.
    efficiency = float(z.efficiency)
    if not EFFICIENCY_USUAL[0] <= efficiency <= EFFICIENCY_USUAL[1]:
        warnings.append(
            Message(
                "capacity.efficiency_unusual",
                N_("A net-to-gross efficiency of {efficiency} is outside the usual 0.5 to 0.95."),
                {"efficiency": _num(efficiency, 2)},
            )
        )
    for unit in unit_mix:
        if unit.share > 0 and unit.net_area_m2 < RUSUN_MIN_UNIT_M2:
            warnings.append(
                Message(
                    "capacity.unit_below_minimum",
                    N_("Unit type {name} has {area} m², below the 21 m² minimum for a rusun unit."),
                    {"name": unit.name, "area": _num(unit.net_area_m2, 1)},
                )
            )
    net_area = max_gfa * efficiency
    units = fit_units(net_area, unit_mix)
    unit_total = sum(units.values())
    explanations.append(
        Message(
            "capacity.units",
            N_("Units: {unit_total} in {net_area} m² net, from {max_gfa} m² gross (efficiency {efficiency_pct}%)."),
            {
                "unit_total": unit_total,
                "net_area": _num(net_area),
                "max_gfa": _num(max_gfa),
                "efficiency_pct": _num(efficiency * 100, 1),
            },
        )
    )

    return Capacity(
        site_area_m2=site_area,
        buildable_footprint=_to_map(footprint_m, epsg),
        buildable_area_m2=buildable,
        kdb_area_m2=kdb_area,
        kdh_limit_m2=kdh_limit,
        max_footprint_m2=max_footprint,
        footprint_rule=footprint_rule,
        max_gfa_m2=max_gfa,
        gfa_rule=gfa_rule,
        floors_allowed=floors_allowed,
        floors_needed=floors_needed,
        net_area_m2=net_area,
        units=units,
        unit_total=unit_total,
        explanations=explanations,
        warnings=warnings,
    )


# --- a design against the site ------------------------------------------------------------------


def design_breaches(
    cap: Capacity,
    zoning: Zoning,
    *,
    floors: Sequence[tuple[str, int]],
    footprint_m2: float | Decimal,
    gross_floor_area_m2: float | Decimal,
) -> list[Message]:
    """Where a design breaks the site's zoning: each building over the floor (or height) limit, a footprint
    over KDB, over what KDH leaves or over the ground the setbacks leave, floor area over KLB.

    `floors` is (building code, floors) per building; `footprint_m2` the ground the buildings cover together
    (their ground-floor plates), `gross_floor_area_m2` all their floors. Empty when the design fits. The
    figures are whole m² in the messages, so a design a fraction over a limit is named as over it.
    """
    breaches: list[Message] = []
    limit_rule = "floors"
    if zoning.max_height_m is not None and (
        zoning.max_floors is None or cap.floors_allowed is not None and cap.floors_allowed < int(zoning.max_floors)
    ):
        limit_rule = "height"
    for code, count in floors:
        if cap.floors_allowed is not None and count > cap.floors_allowed:
            if limit_rule == "height":
                breaches.append(Message(
                    "zoning_check.height",
                    N_("Building {building} has {floors} floors; the height limit of {max_height} m allows "
                       "{allowed}."),
                    {"building": code, "floors": count, "allowed": cap.floors_allowed,
                     "max_height": _num(float(zoning.max_height_m), 1)},
                ))
            else:
                breaches.append(Message(
                    "zoning_check.floors",
                    N_("Building {building} has {floors} floors; the zoning allows {allowed}."),
                    {"building": code, "floors": count, "allowed": cap.floors_allowed},
                ))
    footprint, gfa = float(footprint_m2), float(gross_floor_area_m2)
    tolerance = 0.5  # half a m²: the limits are measured, the design is typed; no breach is shown as "0 m² over"
    if footprint > cap.kdb_area_m2 + tolerance:
        breaches.append(Message(
            "zoning_check.kdb",
            N_("The buildings cover {footprint} m² of ground, more than the {limit} m² of KDB {kdb_pct}%."),
            {"footprint": _num(footprint), "kdb_pct": _num(float(zoning.kdb_pct), 1), "limit": _num(cap.kdb_area_m2)},
        ))
    if footprint > cap.kdh_limit_m2 + tolerance:
        breaches.append(Message(
            "zoning_check.kdh",
            N_("The buildings cover {footprint} m² of ground, more than the {limit} m² that may be covered under "
               "KDH {kdh_pct}%."),
            {"footprint": _num(footprint), "kdh_pct": _num(float(zoning.kdh_pct), 1), "limit": _num(cap.kdh_limit_m2)},
        ))
    if footprint > cap.buildable_area_m2 + tolerance:
        breaches.append(Message(
            "zoning_check.setbacks",
            N_("The buildings cover {footprint} m² of ground; within the setbacks (GSB) only {limit} m² is "
               "buildable."),
            {"footprint": _num(footprint), "limit": _num(cap.buildable_area_m2)},
        ))
    klb_gfa = float(zoning.klb) * cap.site_area_m2
    if gfa > klb_gfa + tolerance:
        breaches.append(Message(
            "zoning_check.klb",
            N_("The floor area is {gfa} m²; KLB {klb} allows {limit} m²."),
            {"gfa": _num(gfa), "klb": _num(float(zoning.klb), 2), "limit": _num(klb_gfa)},
        ))
    return breaches


# --- setbacks -----------------------------------------------------------------------------------


def buildable_metric(site_m: BaseGeometry, zoning: Zoning) -> BaseGeometry:
    """The site (in metres) less its setbacks: every point at least its edge's GSB from every edge.

    Each exterior edge is front, side or rear by the compass direction of its outward normal
    against `front_azimuth_deg` (within 45° of it: front; within 45° of the opposite: rear; else
    side); hole edges take the side setback. Without a front direction every edge takes the
    largest setback. The edges are buffered with round caps, so a re-entrant corner is cleared
    by the full distance; the union is cut out of the site.
    """
    site_m = _polygonal(site_m)
    front, side, rear = float(zoning.gsb_front_m), float(zoning.gsb_side_m), float(zoning.gsb_rear_m)
    if max(front, side, rear) <= 0 or site_m.is_empty:
        return site_m
    starts, ends, distances = [], [], []
    for polygon in shapely.get_parts(site_m):
        polygon = orient(polygon, sign=1.0)  # exterior counter-clockwise: the site is left of every edge
        rings = [(np.asarray(polygon.exterior.coords)[:, :2], True)]
        rings += [(np.asarray(ring.coords)[:, :2], False) for ring in polygon.interiors]
        for coords, exterior in rings:
            a, b = coords[:-1], coords[1:]
            d = b - a
            keep = np.hypot(d[:, 0], d[:, 1]) > 1e-9
            a, b, d = a[keep], b[keep], d[keep]
            if zoning.front_azimuth_deg is None:
                dist = np.full(len(a), max(front, side, rear))
            elif not exterior:
                dist = np.full(len(a), side)
            else:
                # Outward normal of a counter-clockwise ring is the edge turned right: (dy, -dx).
                normal_az = np.degrees(np.arctan2(d[:, 1], -d[:, 0])) % 360  # atan2(east, north)
                off = np.abs((normal_az - float(zoning.front_azimuth_deg) + 180) % 360 - 180)
                dist = np.where(off <= 45, front, np.where(off >= 135, rear, side))
            starts.append(a)
            ends.append(b)
            distances.append(dist)
    a, b, dist = np.concatenate(starts), np.concatenate(ends), np.concatenate(distances)
    set_back = dist > 0
    if not set_back.any():
        return site_m
    edges = shapely.linestrings(np.stack([a[set_back], b[set_back]], axis=1))
    cleared = shapely.union_all(shapely.buffer(edges, dist[set_back]))  # round caps and joins
    rest = _polygonal(site_m.difference(cleared))
    parts = [p for p in shapely.get_parts(rest) if p.area >= SLIVER_M2]
    return shapely.union_all(parts) if parts else Polygon()


def _polygonal(geom: BaseGeometry) -> BaseGeometry:
    """Only the areal parts of `geom`, made valid and merged (adjacent parts of a site become one)."""
    if not geom.is_valid:
        geom = shapely.make_valid(geom)
    parts = [p for p in shapely.get_parts(geom) if isinstance(p, Polygon | MultiPolygon) and not p.is_empty]
    if not parts:
        return Polygon()
    if len(parts) == 1 and isinstance(parts[0], Polygon):
        return parts[0]
    return shapely.union_all(parts)


def _to_map(geom_m: BaseGeometry, epsg: int) -> Polygon | MultiPolygon | None:
    if geom_m.is_empty:
        return None
    geom = from_metric(geom_m, epsg)
    return geom if isinstance(geom, Polygon | MultiPolygon) else MultiPolygon(list(shapely.get_parts(geom)))


# --- units --------------------------------------------------------------------------------------


def split_by_shares(n: int, shares: Sequence[float | Decimal]) -> list[int]:
    """`n` split in proportion to `shares` by largest remainder; ties go to the earlier share."""
    weights = [Fraction(str(s)) for s in shares]
    total = sum(weights)
    quotas = [n * w / total for w in weights]
    counts = [math.floor(q) for q in quotas]
    left = n - sum(counts)
    order = sorted(range(len(weights)), key=lambda i: (counts[i] - quotas[i], i))
    for i in order[:left]:
        counts[i] += 1
    return counts


def fit_units(net_area_m2: float, unit_mix: Sequence[UnitType]) -> dict[str, int]:
    """The most units that fit in `net_area_m2` with the mix's shares: the largest N whose
    largest-remainder split by the shares has a total area within the net area."""
    _check_mix(unit_mix)
    areas = [float(u.net_area_m2) for u in unit_mix]
    weights = [float(u.share) for u in unit_mix]
    if net_area_m2 <= 0:
        return {u.name: 0 for u in unit_mix}
    mean = sum(w * a for w, a in zip(weights, areas, strict=True)) / sum(weights)
    # Each count is within 1 of its quota, so the split of N needs more than N x mean - sum(areas).
    n = math.floor((net_area_m2 + sum(areas)) / mean) + 1
    while n > 0:
        counts = split_by_shares(n, [u.share for u in unit_mix])
        if sum(c * a for c, a in zip(counts, areas, strict=True)) <= net_area_m2 + 1e-6:
            break
        n -= 1
    else:
        counts = [0] * len(unit_mix)
    return {u.name: c for u, c in zip(unit_mix, counts, strict=True)}


def _check_mix(unit_mix: Sequence[UnitType]) -> None:
    if not unit_mix:
        raise ValueError("the unit mix is empty")
    if len({u.name for u in unit_mix}) != len(unit_mix):
        raise ValueError("unit type names repeat")
    for u in unit_mix:
        if not _finite(u.net_area_m2) or u.net_area_m2 <= 0 or not _finite(u.share) or u.share < 0:
            raise ValueError(f"unit type {u.name!r} needs a positive area and a share of 0 or more")
    if sum(float(u.share) for u in unit_mix) <= 0:
        raise ValueError("no unit type has a share")


# --- validation ---------------------------------------------------------------------------------


def validate_zoning(z: Zoning) -> list[Message]:
    """Field-level problems, in field order; each message's fields carry `field`, the attribute name."""
    problems: list[Message] = []

    def check(name: str, ok: bool, code: str, msgid: str) -> None:
        if not ok:
            problems.append(Message(code, msgid, {"field": name}))

    def within(value: Any, low: float, high: float, *, open_low: bool = False) -> bool:
        if not _finite(value):
            return False
        return (low < value if open_low else low <= value) and value <= high

    check(
        "kdb_pct",
        within(z.kdb_pct, 0, 100, open_low=True),
        "zoning.kdb_pct",
        N_("KDB must be a percentage above 0, up to 100."),
    )
    check("klb", within(z.klb, 0, 20, open_low=True), "zoning.klb", N_("KLB must be above 0, up to 20."))
    check("kdh_pct", within(z.kdh_pct, 0, 100), "zoning.kdh_pct", N_("KDH must be a percentage from 0 to 100."))
    for name in ("gsb_front_m", "gsb_side_m", "gsb_rear_m"):
        check(name, within(getattr(z, name), 0, 50), "zoning.setback", N_("A setback must be from 0 to 50 m."))
    floors = z.max_floors
    check(
        "max_floors",
        floors is None or (within(floors, 1, 60) and float(floors).is_integer()),
        "zoning.max_floors",
        N_("The floor limit must be a whole number from 1 to 60."),
    )
    check(
        "max_height_m",
        z.max_height_m is None or within(z.max_height_m, 0, math.inf, open_low=True),
        "zoning.max_height_m",
        N_("The height limit must be above 0 m."),
    )
    check(
        "floor_height_m",
        within(z.floor_height_m, 2, 8),
        "zoning.floor_height_m",
        N_("The floor height must be from 2 to 8 m."),
    )
    check(
        "front_azimuth_deg",
        z.front_azimuth_deg is None or within(z.front_azimuth_deg, 0, 360),
        "zoning.front_azimuth_deg",
        N_("The front direction must be from 0 to 360 degrees."),
    )
    check("efficiency", within(z.efficiency, 0.3, 1), "zoning.efficiency", N_("Efficiency must be from 0.3 to 1."))
    return problems


def _finite(value: Any) -> bool:
    return isinstance(value, Real | Decimal) and not isinstance(value, bool) and math.isfinite(value)


def _num(x: float | Decimal, digits: int = 0) -> int | float:
    """`x` rounded for a message: a whole number as an int, so it reads 55 rather than 55.0."""
    r = round(float(x), digits)
    return int(r) if r.is_integer() else r
