"""Changing scenarios from the forms (read into the typed commands below by the controller), every change in the
audit trail."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from babel.numbers import format_decimal
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.audit import service as audit
from app.designs.models import Building, DesignUnitType, Scenario
from app.designs.service import DEFAULT_FINANCING, ScenarioCost, financing_of
from app.errors import Conflict, Invalid
from app.i18n import babel_locale
from app.prices.models import PriceLibrary
from app.projects.models import Project
from costing.estimate import PARAMETRIC_RATES

MAX_UNIT_TYPES = 6
MAX_BUILDINGS = 8
MAX_FLOOR_FACTORS = 12
CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,15}$")
NAME_LIMIT = 120  # the name column's width


@dataclass(frozen=True)
class NewScenario:
    name: str
    copy_from: int | None = None  # the id of a scenario of the project to copy; None: a fresh parametric one


@dataclass(frozen=True)
class ScenarioSettings:
    """The settings form, typed: how the construction is costed, the shared costs, taxes and the members' loans."""

    name: str
    description: str
    cost_method: str  # "parametric" or "rab"
    building_type: str  # a key of costing.estimate.PARAMETRIC_RATES
    rate_per_m2: int | None  # whole rupiah; read only with `rate_override`
    price_library_id: int | None
    infrastructure: int
    land: int
    contingency_pct: Decimal
    tax_preset: str
    tax_rate_pct: Decimal | None  # None: the preset's
    allocation: str  # how shared costs are split (costing.allocation.METHODS)
    floor_factors: Mapping[int, Decimal]  # floor -> factor, for the floors given
    grant_per_unit: int
    down_payment_pct: Decimal
    annual_rate_pct: Decimal
    months: int
    loan_method: str
    rate_override: bool = False  # True: `rate_per_m2` is the planner's own; False: the building type's rate


@dataclass(frozen=True)
class UnitTypeIn:
    code: str
    name: str
    net_area_m2: Decimal
    bedrooms: int


@dataclass(frozen=True)
class BuildingIn:
    code: str
    name: str
    floors: int
    units_per_floor: Mapping[str, int]  # unit type code -> units on each floor
    common_area_m2_per_floor: Decimal
    ground_floor_units: bool = False
    lift: bool = False


@dataclass(frozen=True)
class ScenarioDesign:
    """The design form: the unit types and the buildings, at least one of each."""

    unit_types: tuple[UnitTypeIn, ...]
    buildings: tuple[BuildingIn, ...]


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _figure(value: Any, locale: str) -> str:
    """A value for an input: no grouping, so what comes back parses the same way."""
    if value is None or value == "":
        return ""
    return format_decimal(Decimal(str(value)), format="0.####", locale=babel_locale(locale))


def form_values(scenario: Scenario, locale: str) -> dict[str, str]:
    fin = financing_of(scenario)
    values = {
        "name": scenario.name, "description": _text(scenario.description), "cost_method": scenario.cost_method,
        "building_type": scenario.building_type, "rate_per_m2": _figure(scenario.rate_per_m2, locale),
        "rate_override": "1" if scenario.rate_is_override else "",
        "price_library_id": _text(scenario.price_library_id),
        "infrastructure": _figure(scenario.infrastructure, locale),
        "land": _figure(scenario.land, locale), "contingency_pct": _figure(scenario.contingency_pct, locale),
        "tax_preset": scenario.tax_preset, "tax_rate_pct": _figure(scenario.tax_rate_pct, locale),
        "allocation": scenario.allocation, "grant_per_unit": _figure(fin["grant_per_unit"], locale),
        "down_payment_pct": _figure(fin["down_payment_pct"], locale),
        "annual_rate_pct": _figure(fin["annual_rate_pct"], locale), "months": _text(fin["months"]),
        "loan_method": fin["method"],
    }
    for floor, factor in (scenario.floor_factors or {}).items():
        values[f"floor_factor_{floor}"] = _figure(factor, locale)
    for i, t in enumerate(scenario.unit_types):
        values |= {f"ut_code_{i}": t.code, f"ut_name_{i}": t.name, f"ut_area_{i}": _figure(t.net_area_m2, locale),
                   f"ut_bedrooms_{i}": str(t.bedrooms)}
    for i, b in enumerate(scenario.buildings):
        values |= {f"b_code_{i}": b.code, f"b_name_{i}": b.name, f"b_floors_{i}": str(b.floors),
                   f"b_units_{i}": ", ".join(f"{k}:{v}" for k, v in b.units_per_floor.items()),
                   f"b_common_{i}": _figure(b.common_area_m2_per_floor, locale),
                   f"b_ground_{i}": "1" if b.ground_floor_units else "", f"b_lift_{i}": "1" if b.lift else ""}
    return values


def _snapshot(scenario: Scenario) -> dict[str, Any]:
    return {
        "name": scenario.name, "description": scenario.description, "cost_method": scenario.cost_method,
        "building_type": scenario.building_type, "rate_per_m2": scenario.rate_per_m2,
        "rate_is_override": scenario.rate_is_override, "price_library_id": scenario.price_library_id,
        "infrastructure": scenario.infrastructure,
        "land": scenario.land, "contingency_pct": str(scenario.contingency_pct), "tax_preset": scenario.tax_preset,
        "tax_rate_pct": None if scenario.tax_rate_pct is None else str(scenario.tax_rate_pct),
        "allocation": scenario.allocation, "floor_factors": dict(scenario.floor_factors or {}),
        "financing": dict(scenario.financing or {}),
        "unit_types": [[t.code, t.name, str(t.net_area_m2), t.bedrooms] for t in scenario.unit_types],
        "buildings": [[b.code, b.name, b.floors, dict(b.units_per_floor), str(b.common_area_m2_per_floor),
                       b.ground_floor_units, b.lift] for b in scenario.buildings],
    }


def _record(session: Session, actor: Any, scenario: Scenario, action: str, before: dict[str, Any]) -> None:
    changed = audit.diff(before, _snapshot(scenario))
    if changed:
        audit.record(session, actor=actor, action=action, entity_type="scenario", entity_id=scenario.id,
                     cooperative_id=scenario.project.cooperative_id, changes=changed)


def _name(raw: str) -> str:
    name = raw.strip()
    if not name:
        raise Invalid("The scenario needs a name.", field="name")
    if len(name) > NAME_LIMIT:
        raise Invalid("The name is longer than {n} characters.", field="name", n=NAME_LIMIT)
    return name


def create(session: Session, actor: Any, project: Project, new: NewScenario) -> Scenario:
    """A new scenario: a copy of another one of the project, or an empty parametric one."""
    name = _name(new.name)
    if session.scalar(select(Scenario.id).where(Scenario.project_id == project.id, Scenario.name == name)):
        raise Conflict("The project has a scenario called {name} already.", field="name", name=name)
    source = None
    if new.copy_from is not None:
        source = session.scalar(select(Scenario).where(Scenario.project_id == project.id,
                                                       Scenario.id == new.copy_from))
        if source is None:
            raise Invalid("Choose a scenario of this project to copy.", field="copy_from")
    if source is not None:
        scenario = Scenario(
            project=project, name=name, description=source.description, cost_method=source.cost_method,
            building_type=source.building_type, rate_per_m2=source.rate_per_m2,
            rate_is_override=source.rate_is_override,
            price_library_id=source.price_library_id, infrastructure=source.infrastructure, land=source.land,
            contingency_pct=source.contingency_pct, tax_preset=source.tax_preset, tax_rate_pct=source.tax_rate_pct,
            soft_costs=list(source.soft_costs or []), allocation=source.allocation,
            floor_factors=dict(source.floor_factors or {}), financing=dict(source.financing or {}),
        )
        scenario.unit_types = [DesignUnitType(code=t.code, name=t.name, net_area_m2=t.net_area_m2,
                                              bedrooms=t.bedrooms) for t in source.unit_types]
        scenario.buildings = [Building(code=b.code, name=b.name, floors=b.floors,
                                       units_per_floor=dict(b.units_per_floor),
                                       common_area_m2_per_floor=b.common_area_m2_per_floor,
                                       ground_floor_units=b.ground_floor_units, lift=b.lift)
                              for b in source.buildings]
        from app.designs.models import RabEntry

        scenario.rab_lines = [RabEntry(position=e.position, division=e.division, item_code=e.item_code,
                                       volume=e.volume, building=e.building, note=e.note) for e in source.rab_lines]
    else:
        # A starting point a planner recognises: one walk-up block of the project's unit mix (the site's, as
        # the zoning form sets it), costed per m² at the building type's rate.
        floors = _starting_floors(project)
        building_type = "rusun_4_lantai" if floors <= 4 else "rusun_5_8_lantai"
        scenario = Scenario(project=project, name=name, cost_method="parametric", building_type=building_type,
                            rate_per_m2=PARAMETRIC_RATES[building_type], rate_is_override=False, infrastructure=0,
                            land=0, contingency_pct=Decimal(5), tax_preset="jasa_konstruksi", soft_costs=[],
                            allocation="area", floor_factors={}, financing=dict(DEFAULT_FINANCING))
        types, per_floor = starting_mix(project.site.unit_mix if project.site else None)
        scenario.unit_types = types
        scenario.buildings = [Building(code="A", name="Blok A", floors=floors, units_per_floor=per_floor,
                                       common_area_m2_per_floor=Decimal(90), ground_floor_units=True)]
    has_current = session.scalar(select(Scenario.id).where(Scenario.project_id == project.id,
                                                           Scenario.is_current.is_(True)))
    scenario.is_current = has_current is None
    session.add(scenario)
    session.flush()
    audit.record(session, actor=actor, action="scenario.create", entity_type="scenario", entity_id=scenario.id,
                 cooperative_id=project.cooperative_id,
                 changes={"name": name, "copy_from": source.name if source else None})
    return scenario


START_UNITS_PER_FLOOR = 8  # one walk-up floor of Tipe 36 with its corridor, as at Kunir
START_FLOORS = 4  # a walk-up block; fewer when the site's zoning allows fewer


def _starting_floors(project: Project) -> int:
    site = project.site
    limit = site.max_floors if site is not None else None
    return max(1, min(START_FLOORS, int(limit))) if limit else START_FLOORS


def _type_code(name: str, area: Any, taken: set[str]) -> str:
    """A unit type code from the mix's name ("Tipe 36" -> "T36"); another when that one is taken or unusable."""
    digits = "".join(ch for ch in str(name) if ch.isascii() and ch.isdigit())[:6]
    base = f"T{digits}" if digits else f"T{int(Decimal(str(area)))}"
    code, n = base, 1
    while code in taken or not CODE_RE.match(code):
        n += 1
        code = f"{base[:12]}-{n}"
    taken.add(code)
    return code


def starting_mix(mix: list[dict[str, Any]] | None) -> tuple[list[DesignUnitType], dict[str, int]]:
    """The unit types of a new scenario from the project's unit mix, and the units on a floor split by its shares
    (largest remainder, every type at least one where there is room): Tipe 36 alone without a mix."""
    from gis.capacity import split_by_shares

    rows = [u for u in (mix or []) if float(u.get("share") or 0) > 0 and float(u.get("net_area_m2") or 0) > 0]
    if not rows:
        rows = [{"name": "Tipe 36", "net_area_m2": 36, "share": 1}]
    rows = rows[:MAX_UNIT_TYPES]
    taken: set[str] = set()
    types = []
    for u in rows:
        area = Decimal(str(u["net_area_m2"])).quantize(Decimal("0.01"))
        # Bedrooms from the area, as a planner would start: under 30 m² one, under 45 m² two, else three.
        bedrooms = 1 if area < 30 else 2 if area < 45 else 3
        types.append(DesignUnitType(code=_type_code(u["name"], area, taken), name=str(u["name"])[:80],
                                    net_area_m2=area, bedrooms=bedrooms))
    per_floor = max(START_UNITS_PER_FLOOR, len(types))
    counts = split_by_shares(per_floor, [Decimal(str(u["share"])) for u in rows])
    # A type the shares round to none on a floor still gets one: the planner sees every type of the mix.
    for i, count in enumerate(counts):
        if count == 0:
            counts[i] = 1
            counts[counts.index(max(counts))] -= 1
    return types, {t.code: n for t, n in zip(types, counts, strict=True) if n}


def update_settings(session: Session, actor: Any, scenario: Scenario, settings: ScenarioSettings) -> None:
    before = _snapshot(scenario)
    scenario.name = _name(settings.name)
    clash = session.scalar(select(Scenario.id).where(Scenario.project_id == scenario.project_id,
                                                     Scenario.name == scenario.name, Scenario.id != scenario.id))
    if clash:
        raise Conflict("The project has a scenario called {name} already.", field="name", name=scenario.name)
    scenario.description = settings.description.strip() or None
    method = settings.cost_method
    scenario.cost_method = method
    scenario.building_type = settings.building_type
    type_rate = PARAMETRIC_RATES[settings.building_type]
    if settings.rate_override:
        if settings.rate_per_m2 is None:
            raise Invalid("This value is needed.", field="rate_per_m2")
        scenario.rate_per_m2 = settings.rate_per_m2
        # The type's own rate typed in is no override: it follows the type from now on.
        scenario.rate_is_override = settings.rate_per_m2 != type_rate
    else:
        # The type sets the rate: a rate left in the field from another type is not kept.
        scenario.rate_per_m2, scenario.rate_is_override = type_rate, False
    library_id = settings.price_library_id
    if method == "rab":
        library = session.get(PriceLibrary, library_id) if library_id is not None else None
        if library is None:
            raise Invalid("A detailed RAB needs a price library.", field="price_library_id")
        scenario.price_library_id = library.id
    elif library_id is not None and session.get(PriceLibrary, library_id) is not None:
        scenario.price_library_id = library_id
    scenario.infrastructure = settings.infrastructure
    scenario.land = settings.land
    scenario.contingency_pct = settings.contingency_pct
    scenario.tax_preset = settings.tax_preset
    scenario.tax_rate_pct = settings.tax_rate_pct
    scenario.allocation = settings.allocation
    scenario.floor_factors = {str(floor): str(factor) for floor, factor in sorted(settings.floor_factors.items())}
    scenario.financing = {
        "grant_per_unit": settings.grant_per_unit,
        "down_payment_pct": str(settings.down_payment_pct),
        "annual_rate_pct": str(settings.annual_rate_pct),
        "months": settings.months,
        "method": settings.loan_method,
    }
    _record(session, actor, scenario, "scenario.settings", before)


def update_design(session: Session, actor: Any, scenario: Scenario, design: ScenarioDesign) -> None:
    before = _snapshot(scenario)
    if not design.unit_types:
        raise Invalid("Give at least one unit type.", field="ut_code_0")
    if not design.buildings:
        raise Invalid("Give at least one building.", field="b_code_0")
    codes = {t.code for t in design.unit_types}
    for i, b in enumerate(design.buildings):
        unknown = next((code for code in b.units_per_floor if code not in codes), None)
        if unknown is not None:
            raise Invalid("There is no unit type {code}.", field=f"b_units_{i}", code=unknown)
    types = [DesignUnitType(code=t.code, name=t.name or t.code, net_area_m2=t.net_area_m2, bedrooms=t.bedrooms)
             for t in design.unit_types]
    buildings = [Building(code=b.code, name=b.name or f"Blok {b.code}", floors=b.floors,
                          units_per_floor=dict(b.units_per_floor), common_area_m2_per_floor=b.common_area_m2_per_floor,
                          ground_floor_units=b.ground_floor_units, lift=b.lift)
                 for b in design.buildings]
    # Old rows go first: the new ones may reuse their codes (unique per scenario).
    scenario.unit_types.clear()
    scenario.buildings.clear()
    session.flush()
    scenario.unit_types.extend(types)
    scenario.buildings.extend(buildings)
    session.flush()
    _record(session, actor, scenario, "scenario.design", before)


def make_current(session: Session, actor: Any, scenario: Scenario) -> None:
    if scenario.is_current:
        return
    # Clear first, in the same transaction: the partial unique index allows one current per project.
    session.execute(update(Scenario).where(Scenario.project_id == scenario.project_id,
                                           Scenario.is_current.is_(True)).values(is_current=False))
    session.flush()
    scenario.is_current = True
    session.flush()
    audit.record(session, actor=actor, action="scenario.current", entity_type="scenario", entity_id=scenario.id,
                 cooperative_id=scenario.project.cooperative_id, changes={"name": scenario.name})


def partial_rabs(columns: list[tuple[Scenario, ScenarioCost]]) -> list[tuple[Scenario, bool, tuple[str, ...]]]:
    """The compared scenarios whose detailed RAB costs only part of the building: (scenario, empty, the divisions
    it has no lines for), so the comparison says so beside their figures."""
    return [(s, c.rab_empty, c.rab_missing) for s, c in columns if c.rab_empty or c.rab_missing]


# The comparison table: (msgid, kind, value of a ScenarioCost); kind says how a cell is written.
def comparison_rows(columns: list[tuple[Scenario, ScenarioCost]]) -> list[tuple[str, str, list[Any]]]:
    from app.labels import N_

    rows: list[tuple[str, str, list[Any]]] = [
        (N_("Units"), "count", [c.unit_count for _, c in columns]),
        (N_("Gross floor area (m²)"), "area", [c.gross_floor_area_m2 for _, c in columns]),
        (N_("Net unit area (m²)"), "area", [c.net_area_m2 for _, c in columns]),
        (N_("Construction"), "money", [c.construction for _, c in columns]),
        (N_("Total cost"), "money", [c.total for _, c in columns]),
        (N_("Cost per unit (average)"), "money", [c.cost_per_unit for _, c in columns]),
        (N_("Cost per m² of floor area"), "money", [c.cost_per_m2 for _, c in columns]),
        # "—" where the site could not be checked: no site, or zoning gis cannot apply.
        (N_("Breaches of the zoning"), "count", [len(c.breaches) if c.zoning_checked else None for _, c in columns]),
    ]
    type_codes: list[tuple[str, str]] = []
    for _, cost in columns:
        for t in cost.by_type:
            if (t.code, t.name) not in type_codes:
                type_codes.append((t.code, t.name))
    for code, name in type_codes:
        cells_price, cells_monthly = [], []
        for _, cost in columns:
            match = next((t for t in cost.by_type if t.code == code), None)
            cells_price.append(match.price if match else None)
            cells_monthly.append(match.loan.monthly if match else None)
        rows.append((name, "type_price", cells_price))
        rows.append((name, "type_monthly", cells_monthly))
    return rows
