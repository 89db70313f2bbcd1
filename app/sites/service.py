from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from shapely.ops import unary_union

from app.audit import service as audit
from app.auth.identity import CurrentUser
from app.errors import Invalid, InvalidFields, NotFound
from app.projects.models import DEFAULT_UNIT_MIX, Project, Site
from gis.capacity import Capacity, UnitType, Zoning, capacity, validate_zoning

ZONING_FIELDS = ("kdb_pct", "klb", "kdh_pct", "gsb_front_m", "gsb_side_m", "gsb_rear_m", "max_floors",
                 "max_height_m", "floor_height_m", "front_azimuth_deg", "efficiency")
# Fields a planner may leave empty: no height limit, no floor limit, front direction unknown.
OPTIONAL = {"max_floors", "max_height_m", "front_azimuth_deg"}
MAX_UNIT_TYPES = 6
MIN_UNIT_AREA, MAX_UNIT_AREA = 18, 200  # m² of a unit type's net area
UNIT_NAME_LIMIT = 60
MAX_UNIT_SHARE = 10**6  # shares are relative weights: 2 and 1, or 60 and 40


def zoning_of(site: Site) -> Zoning:
    return Zoning(**{name: getattr(site, name) for name in ZONING_FIELDS})


def unit_mix_of(site: Site) -> list[UnitType]:
    mix = site.unit_mix or DEFAULT_UNIT_MIX
    return [UnitType(u["name"], float(u["net_area_m2"]), float(u["share"])) for u in mix]


def site_capacity(project: Project) -> Capacity | None:
    site = project.site
    if site is None or not site.parcels:
        return None
    outline = unary_union([p.geom for p in site.parcels])
    return capacity(outline, zoning_of(site), unit_mix_of(site))


@dataclass(frozen=True)
class ZoningIn:
    """A site's zoning (RDTR) and unit mix as the planner sets them; `update_zoning` checks them with `gis`."""

    zoning: Zoning
    unit_mix: tuple[UnitType, ...]


def zoning_problems(zoning: Zoning) -> list[Invalid]:
    """What `gis` refuses in these values, one problem per field, each naming it."""
    return [Invalid(m.msgid, field=m.fields.get("field"), **{k: v for k, v in m.fields.items() if k != "field"})
            for m in validate_zoning(zoning)]


def check_unit_mix(unit_mix: Sequence[UnitType], rows: Sequence[int] | None = None) -> list[Invalid]:
    """A unit mix's problems, each naming the field of its row (unit_area_0, unit_share_0...); `rows` are the form's
    row numbers of the types, when the form left rows empty between them."""
    problems = []
    for i, unit in zip(rows if rows is not None else range(len(unit_mix)), unit_mix, strict=True):
        if not unit.name:
            problems.append(Invalid("Each unit type needs a name.", field=f"unit_name_{i}"))
        if not MIN_UNIT_AREA <= unit.net_area_m2 <= MAX_UNIT_AREA:
            problems.append(Invalid("A unit's net area is between {low} and {high} m².", field=f"unit_area_{i}",
                                    low=MIN_UNIT_AREA, high=MAX_UNIT_AREA))
        if not 0 < unit.share <= MAX_UNIT_SHARE:
            problems.append(Invalid("A unit type's share is more than zero.", field=f"unit_share_{i}"))
    if not unit_mix:
        problems.append(Invalid("Give at least one unit type.", field="unit_name_0"))
    return problems


def update_zoning(session, actor: CurrentUser, project: Project, command: ZoningIn) -> Site:
    if not actor.may_edit_cooperative(project.cooperative_id):
        raise NotFound("No project found at this address.")
    problems = zoning_problems(command.zoning) + check_unit_mix(command.unit_mix)
    if problems:
        raise InvalidFields(problems)
    site = project.site
    before = {name: getattr(site, name) for name in ZONING_FIELDS} | {"unit_mix": site.unit_mix}
    after = {name: getattr(command.zoning, name) for name in ZONING_FIELDS} | {"unit_mix": [
        {"name": u.name, "net_area_m2": u.net_area_m2, "share": u.share} for u in command.unit_mix]}
    for name, value in after.items():
        setattr(site, name, value)
    changed = audit.diff(before, after)
    if changed:
        audit.record(session, actor=actor, action="site.zoning", entity_type="site", entity_id=site.id,
                     cooperative_id=project.cooperative_id, changes=changed)
    return site
