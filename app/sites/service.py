from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from babel.numbers import NumberFormatError, parse_decimal
from shapely.ops import unary_union

from app.audit import service as audit
from app.auth.identity import CurrentUser
from app.errors import Invalid, NotFound
from app.i18n import babel_locale
from app.projects.models import DEFAULT_UNIT_MIX, Project, Site
from gis.capacity import Capacity, UnitType, Zoning, capacity, validate_zoning

ZONING_FIELDS = ("kdb_pct", "klb", "kdh_pct", "gsb_front_m", "gsb_side_m", "gsb_rear_m", "max_floors",
                 "max_height_m", "floor_height_m", "front_azimuth_deg", "efficiency")
# Fields a planner may leave empty: no height limit, no floor limit, front direction unknown.
OPTIONAL = {"max_floors", "max_height_m", "front_azimuth_deg"}
MAX_UNIT_TYPES = 6


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


def _number(raw: str, locale: str, field: str) -> Decimal:
    text = (raw or "").strip().replace(" ", "")
    try:
        return parse_decimal(text, locale=babel_locale(locale), strict=False)
    except (NumberFormatError, InvalidOperation, ValueError):
        raise Invalid("{value} is not a number.", field=field, value=raw) from None


def parse_zoning_form(form: dict[str, str], locale: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Zoning values and the unit mix from a form, numbers written the way the locale writes them."""
    values: dict[str, Any] = {}
    for name in ZONING_FIELDS:
        raw = (form.get(name) or "").strip()
        if not raw:
            if name in OPTIONAL:
                values[name] = None
                continue
            raise Invalid("This value is needed.", field=name)
        number = _number(raw, locale, name)
        if name == "max_floors":
            if number != number.to_integral_value():
                raise Invalid("The number of floors is a whole number.", field=name)
            values[name] = int(number)
        else:
            values[name] = float(number)
    mix = []
    for i in range(MAX_UNIT_TYPES):
        name = (form.get(f"unit_name_{i}") or "").strip()
        area = (form.get(f"unit_area_{i}") or "").strip()
        share = (form.get(f"unit_share_{i}") or "").strip()
        if not (name or area or share):
            continue
        if not name:
            raise Invalid("Each unit type needs a name.", field=f"unit_name_{i}")
        area_v = float(_number(area, locale, f"unit_area_{i}"))
        share_v = float(_number(share or "1", locale, f"unit_share_{i}"))
        if not 18 <= area_v <= 200:
            raise Invalid("A unit's net area is between {low} and {high} m².", field=f"unit_area_{i}",
                          low=18, high=200)
        if share_v <= 0:
            raise Invalid("A unit type's share is more than zero.", field=f"unit_share_{i}")
        mix.append({"name": name[:60], "net_area_m2": area_v, "share": share_v})
    if not mix:
        raise Invalid("Give at least one unit type.", field="unit_name_0")
    return values, mix


def update_zoning(session, actor: CurrentUser, project: Project, values: dict[str, Any],
                  unit_mix: list[dict[str, Any]]) -> Site:
    if not actor.may_edit_cooperative(project.cooperative_id):
        raise NotFound("No project found at this address.")
    problems = validate_zoning(Zoning(**values))
    if problems:
        first = problems[0]
        fields = {k: v for k, v in first.fields.items() if k != "field"}
        raise Invalid(first.msgid, field=first.fields.get("field"), **fields)
    site = project.site
    before = {name: getattr(site, name) for name in ZONING_FIELDS} | {"unit_mix": site.unit_mix}
    after = dict(values) | {"unit_mix": unit_mix}
    for name, value in after.items():
        setattr(site, name, value)
    changed = audit.diff(before, after)
    if changed:
        audit.record(session, actor=actor, action="site.zoning", entity_type="site", entity_id=site.id,
                     cooperative_id=project.cooperative_id, changes=changed)
    return site
