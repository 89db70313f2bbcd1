"""Changing scenarios from forms: numbers as the planner writes them, every change in the audit trail."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from babel.numbers import format_decimal
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.audit import service as audit
from app.designs.models import Building, DesignUnitType, Scenario
from app.designs.service import DEFAULT_FINANCING, ScenarioCost, financing_of
from app.errors import Conflict, Invalid
from app.i18n import babel_locale, parse_number
from app.prices.models import PriceLibrary
from app.projects.models import Project
from costing.allocation import METHODS
from costing.estimate import PARAMETRIC_RATES, TAX_PRESETS
from finance.instalment import METHODS as LOAN_METHODS

MAX_UNIT_TYPES = 6
MAX_BUILDINGS = 8
MAX_FLOOR_FACTORS = 12
CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,15}$")


def _number(data: dict[str, str], name: str, locale: str, *, required: bool = True, low: Decimal | None = None,
            high: Decimal | None = None) -> Decimal | None:
    raw = (data.get(name) or "").strip()
    if not raw:
        if required:
            raise Invalid("This value is needed.", field=name)
        return None
    try:
        value = parse_number(raw, locale)
    except ValueError:
        raise Invalid("{value} is not a number.", field=name, value=raw) from None
    if (low is not None and value < low) or (high is not None and value > high):
        raise Invalid("{value} is outside {low} to {high}.", field=name, value=raw, low=low, high=high)
    return value


def _rupiah(data: dict[str, str], name: str, locale: str, *, required: bool = True) -> int | None:
    value = _number(data, name, locale, required=required, low=Decimal(0), high=Decimal(10) ** 15)
    if value is None:
        return None
    if value != value.to_integral_value():
        raise Invalid("Amounts are whole rupiah.", field=name)
    return int(value)


def _whole(data: dict[str, str], name: str, locale: str, low: int, high: int) -> int:
    value = _number(data, name, locale, low=Decimal(low), high=Decimal(high))
    if value != value.to_integral_value():
        raise Invalid("{value} is not a whole number.", field=name, value=data.get(name))
    return int(value)


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
        "price_library_id": scenario.price_library_id, "infrastructure": scenario.infrastructure,
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


def _name(data: dict[str, str]) -> str:
    name = (data.get("name") or "").strip()
    if not name:
        raise Invalid("The scenario needs a name.", field="name")
    if len(name) > 120:
        raise Invalid("The name is longer than {n} characters.", field="name", n=120)
    return name


def create(session: Session, actor: Any, project: Project, data: dict[str, str]) -> Scenario:
    """A new scenario: a copy of another one of the project, or an empty parametric one."""
    name = _name(data)
    if session.scalar(select(Scenario.id).where(Scenario.project_id == project.id, Scenario.name == name)):
        raise Conflict("The project has a scenario called {name} already.", field="name", name=name)
    source_id = (data.get("copy_from") or "").strip()
    source = None
    if source_id:
        source = session.scalar(select(Scenario).where(Scenario.project_id == project.id,
                                                       Scenario.id == int(source_id) if source_id.isdigit() else -1))
        if source is None:
            raise Invalid("Choose a scenario of this project to copy.", field="copy_from")
    if source is not None:
        scenario = Scenario(
            project=project, name=name, description=source.description, cost_method=source.cost_method,
            building_type=source.building_type, rate_per_m2=source.rate_per_m2,
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
        # A starting point a planner recognises: one 4-floor block of Tipe 36, costed per m².
        scenario = Scenario(project=project, name=name, cost_method="parametric", building_type="rusun_4_lantai",
                            rate_per_m2=PARAMETRIC_RATES["rusun_4_lantai"], infrastructure=0, land=0,
                            contingency_pct=Decimal(5), tax_preset="jasa_konstruksi", soft_costs=[],
                            allocation="area", floor_factors={}, financing=dict(DEFAULT_FINANCING))
        scenario.unit_types = [DesignUnitType(code="T36", name="Tipe 36", net_area_m2=Decimal(36), bedrooms=2)]
        scenario.buildings = [Building(code="A", name="Blok A", floors=4, units_per_floor={"T36": 8},
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


def update_settings(session: Session, actor: Any, scenario: Scenario, data: dict[str, str], locale: str) -> None:
    before = _snapshot(scenario)
    scenario.name = _name(data)
    clash = session.scalar(select(Scenario.id).where(Scenario.project_id == scenario.project_id,
                                                     Scenario.name == scenario.name, Scenario.id != scenario.id))
    if clash:
        raise Conflict("The project has a scenario called {name} already.", field="name", name=scenario.name)
    scenario.description = (data.get("description") or "").strip() or None
    method = data.get("cost_method")
    if method not in ("parametric", "rab"):
        raise Invalid("Choose how the construction is costed.", field="cost_method")
    scenario.cost_method = method
    if data.get("building_type") not in PARAMETRIC_RATES:
        raise Invalid("Choose a building type.", field="building_type")
    scenario.building_type = data["building_type"]
    scenario.rate_per_m2 = _rupiah(data, "rate_per_m2", locale, required=method == "parametric")
    library_id = (data.get("price_library_id") or "").strip()
    if method == "rab":
        library = session.get(PriceLibrary, int(library_id)) if library_id.isdigit() else None
        if library is None:
            raise Invalid("A detailed RAB needs a price library.", field="price_library_id")
        scenario.price_library_id = library.id
    elif library_id.isdigit() and session.get(PriceLibrary, int(library_id)) is not None:
        scenario.price_library_id = int(library_id)
    scenario.infrastructure = _rupiah(data, "infrastructure", locale)
    scenario.land = _rupiah(data, "land", locale)
    scenario.contingency_pct = _number(data, "contingency_pct", locale, low=Decimal(0), high=Decimal(30))
    if data.get("tax_preset") not in TAX_PRESETS:
        raise Invalid("Choose a tax preset.", field="tax_preset")
    scenario.tax_preset = data["tax_preset"]
    scenario.tax_rate_pct = _number(data, "tax_rate_pct", locale, required=False, low=Decimal(0), high=Decimal(15))
    if data.get("allocation") not in METHODS:
        raise Invalid("Choose how shared costs are split.", field="allocation")
    scenario.allocation = data["allocation"]
    factors = {}
    for floor in range(1, MAX_FLOOR_FACTORS + 1):
        value = _number(data, f"floor_factor_{floor}", locale, required=False, low=Decimal(0), high=Decimal(10))
        if value is not None:
            factors[str(floor)] = str(value)
    scenario.floor_factors = factors
    loan_method = data.get("loan_method") or "annuity"
    if loan_method not in LOAN_METHODS:
        raise Invalid("Choose how the loan is repaid.", field="loan_method")
    scenario.financing = {
        "grant_per_unit": _rupiah(data, "grant_per_unit", locale),
        "down_payment_pct": str(_number(data, "down_payment_pct", locale, low=Decimal(0), high=Decimal(100))),
        "annual_rate_pct": str(_number(data, "annual_rate_pct", locale, low=Decimal(0), high=Decimal(30))),
        "months": _whole(data, "months", locale, 1, 480),
        "method": loan_method,
    }
    _record(session, actor, scenario, "scenario.settings", before)


def _units_per_floor(raw: str, field: str, type_codes: set[str]) -> dict[str, int]:
    """'T36:8, T45:2' -> {'T36': 8, 'T45': 2}."""
    out: dict[str, int] = {}
    for part in filter(None, (p.strip() for p in (raw or "").split(","))):
        code, sep, count = part.partition(":")
        code, count = code.strip(), count.strip()
        if not sep or not count.isdigit():
            raise Invalid("Write the units on each floor as TYPE:COUNT, e.g. T36:8, T45:2.", field=field)
        if code not in type_codes:
            raise Invalid("There is no unit type {code}.", field=field, code=code)
        out[code] = out.get(code, 0) + int(count)
    if not out:
        raise Invalid("Write the units on each floor as TYPE:COUNT, e.g. T36:8, T45:2.", field=field)
    return out


def update_design(session: Session, actor: Any, scenario: Scenario, data: dict[str, str], locale: str) -> None:
    before = _snapshot(scenario)
    types: list[DesignUnitType] = []
    for i in range(MAX_UNIT_TYPES):
        code = (data.get(f"ut_code_{i}") or "").strip()
        name = (data.get(f"ut_name_{i}") or "").strip()
        if not (code or name or (data.get(f"ut_area_{i}") or "").strip()):
            continue
        if not CODE_RE.match(code):
            raise Invalid("A code has letters and digits, up to 16, e.g. T36.", field=f"ut_code_{i}")
        if code in {t.code for t in types}:
            raise Invalid("The code {code} is used twice.", field=f"ut_code_{i}", code=code)
        area = _number(data, f"ut_area_{i}", locale, low=Decimal(18), high=Decimal(200))
        types.append(DesignUnitType(code=code, name=name or code, net_area_m2=area,
                                    bedrooms=_whole(data, f"ut_bedrooms_{i}", locale, 0, 6)))
    if not types:
        raise Invalid("Give at least one unit type.", field="ut_code_0")
    buildings: list[Building] = []
    for i in range(MAX_BUILDINGS):
        code = (data.get(f"b_code_{i}") or "").strip()
        if not (code or (data.get(f"b_floors_{i}") or "").strip()):
            continue
        if not CODE_RE.match(code) or len(code) > 8:
            raise Invalid("A building code is short, e.g. A or B2.", field=f"b_code_{i}")
        if code in {b.code for b in buildings}:
            raise Invalid("The code {code} is used twice.", field=f"b_code_{i}", code=code)
        buildings.append(Building(
            code=code, name=(data.get(f"b_name_{i}") or "").strip() or f"Blok {code}",
            floors=_whole(data, f"b_floors_{i}", locale, 1, 60),
            units_per_floor=_units_per_floor(data.get(f"b_units_{i}", ""), f"b_units_{i}", {t.code for t in types}),
            common_area_m2_per_floor=_number(data, f"b_common_{i}", locale, low=Decimal(0), high=Decimal(10000)),
            ground_floor_units=data.get(f"b_ground_{i}") == "1",
            lift=data.get(f"b_lift_{i}") == "1",
        ))
    if not buildings:
        raise Invalid("Give at least one building.", field="b_code_0")
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
