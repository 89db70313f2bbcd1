"""Scenarios: what a design costs, to the rupiah, and what each unit and its member carry."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.designs.models import Scenario
from app.errors import NotFound
from app.prices import service as prices
from app.projects.models import Project
from costing.allocation import by_unit_type, unit_costs
from costing.design import BuildingSpec, Unit, UnitTypeSpec, footprint_m2, gross_floor_area, units_of
from costing.estimate import CostInputs, ProjectCost, SoftCost, parametric_construction, project_cost
from costing.money import round_rupiah
from costing.rab import DIVISIONS, RabLine, RabRecap, price_lines, recap
from finance.instalment import LoanSummary, loan_summary
from gis.capacity import Capacity, Zoning, design_breaches
from kernel.messages import N_, Message

DEFAULT_FINANCING = {"grant_per_unit": 0, "down_payment_pct": "5", "annual_rate_pct": "5", "months": 240,
                     "method": "annuity"}


@dataclass(frozen=True)
class TypeFinancing:
    code: str
    name: str
    count: int
    net_area_m2: Decimal
    price: int  # the mean cost of a unit of this type
    min_cost: int
    max_cost: int
    loan: LoanSummary


@dataclass
class ScenarioCost:
    scenario: Scenario
    units: list[Unit]
    unit_costs: list[int]
    gross_floor_area_m2: Decimal
    net_area_m2: Decimal
    construction: int
    rab_lines: list[RabLine]
    recap: RabRecap | None
    project: ProjectCost
    by_type: list[TypeFinancing]
    document_id: str
    warnings: list[Message] = field(default_factory=list)
    rab_empty: bool = False  # a detailed RAB without lines: construction is Rp0 until one is uploaded
    rab_missing: tuple[str, ...] = ()  # divisions (DIVISIONS keys) a detailed RAB has no lines for
    # Where the design breaks the site's zoning, and why it could not be checked (no site, zoning unusable);
    # filled by `check_zoning`, as the site's capacity is measured once for all the scenarios shown.
    breaches: list[Message] = field(default_factory=list)
    zoning_note: Message | None = None
    zoning_checked: bool = False

    @property
    def total(self) -> int:
        return self.project.total

    @property
    def unit_count(self) -> int:
        return len(self.units)

    @property
    def cost_per_unit(self) -> int:
        return round_rupiah(Decimal(self.total) / len(self.units)) if self.units else 0

    @property
    def cost_per_m2(self) -> int:
        return round_rupiah(Decimal(self.total) / self.gross_floor_area_m2) if self.gross_floor_area_m2 else 0


def scenarios_of(session: Session, project: Project) -> list[Scenario]:
    return list(session.scalars(
        select(Scenario).where(Scenario.project_id == project.id)
        .options(selectinload(Scenario.unit_types), selectinload(Scenario.buildings), selectinload(Scenario.rab_lines))
        .order_by(Scenario.is_current.desc(), Scenario.name)))


def get(session: Session, project: Project, scenario_id: int) -> Scenario:
    scenario = session.scalar(
        select(Scenario).where(Scenario.project_id == project.id, Scenario.id == scenario_id)
        .options(selectinload(Scenario.unit_types), selectinload(Scenario.buildings), selectinload(Scenario.rab_lines)))
    if scenario is None:
        raise NotFound("No scenario found at this address.")
    return scenario


def by_name(session: Session, project: Project, name: str | None) -> Scenario:
    """The named scenario, or the project's current one when no name is given."""
    stmt = select(Scenario).where(Scenario.project_id == project.id)
    stmt = stmt.where(Scenario.name == name) if name else stmt.where(Scenario.is_current.is_(True))
    scenario = session.scalar(stmt)
    if scenario is None:
        raise NotFound("No scenario {name} in project {project}.", name=name or "-", project=project.slug)
    return scenario


def _unit_types(scenario: Scenario) -> dict[str, UnitTypeSpec]:
    return {t.code: UnitTypeSpec(t.code, t.name, Decimal(t.net_area_m2), t.bedrooms) for t in scenario.unit_types}


def _buildings(scenario: Scenario) -> list[BuildingSpec]:
    return [BuildingSpec(b.code, b.name, b.floors, dict(b.units_per_floor), Decimal(b.common_area_m2_per_floor),
                         b.ground_floor_units) for b in scenario.buildings]


def units(scenario: Scenario) -> list[Unit]:
    """The scenario's units (code, block, floor, type, net area), without costing them."""
    return units_of(_buildings(scenario), _unit_types(scenario))


def soft_costs_of(scenario: Scenario) -> tuple[SoftCost, ...]:
    from costing.estimate import DEFAULT_SOFT_COSTS

    if not scenario.soft_costs:
        return tuple(DEFAULT_SOFT_COSTS)
    return tuple(SoftCost(s["code"], s["label"], s["basis"],
                          Decimal(str(s["value"])) if s["basis"] == "pct_construction" else int(s["value"]))
                 for s in scenario.soft_costs)


def financing_of(scenario: Scenario) -> dict[str, Any]:
    return {**DEFAULT_FINANCING, **(scenario.financing or {})}


def compute(session: Session, scenario: Scenario) -> ScenarioCost:
    unit_types = _unit_types(scenario)
    buildings = _buildings(scenario)
    units = units_of(buildings, unit_types)
    gfa = gross_floor_area(buildings, unit_types)
    lines: list[RabLine] = []
    rab_recap = None
    warnings: list[Message] = []
    rab_missing: tuple[str, ...] = ()
    rab_empty = scenario.cost_method == "rab" and not scenario.rab_lines
    if scenario.cost_method == "rab":
        library = prices.get(session, scenario.price_library_id)
        lines = price_lines([(e.division, e.item_code, Decimal(e.volume), e.building) for e in scenario.rab_lines],
                            prices.items_of(library), prices.resources_of(library))
        rab_recap = recap(lines)
        construction = rab_recap.dibulatkan
        if rab_empty:
            warnings.append(Message("design.rab_empty", N_(
                "Costed by a detailed RAB, but the RAB has no lines yet: construction is Rp0 and every figure "
                "leaves the buildings out. Upload the RAB, or cost the scenario per m²."), {}))
        else:
            # A RAB without some divisions costs only part of the building: say which, so that no one
            # reads it as the whole (or sets it beside a per-m² estimate of the whole building).
            present = {line.division for line in lines}
            rab_missing = tuple(d for d in DIVISIONS if d not in present)
            if rab_missing:
                warnings.append(Message("design.rab_partial", N_(
                    "The RAB has no lines for {count} of its {total} divisions: the construction cost leaves "
                    "them out."), {"count": len(rab_missing), "total": len(DIVISIONS)}))
    else:
        construction = parametric_construction(gfa, scenario.rate_per_m2 or 0)
    inputs = CostInputs(
        construction=construction, infrastructure=scenario.infrastructure, land=scenario.land,
        soft_costs=soft_costs_of(scenario), contingency_pct=Decimal(scenario.contingency_pct),
        tax=scenario.tax_preset,
        tax_rate=Decimal(scenario.tax_rate_pct) if scenario.tax_rate_pct is not None else None,
    )
    cost = project_cost(inputs)
    floor_factors = {int(k): Decimal(str(v)) for k, v in (scenario.floor_factors or {}).items()}
    costs = unit_costs(units, total=cost.total, own_construction=construction, gross_floor_area_m2=gfa,
                       method=scenario.allocation, floor_factors=floor_factors or None) if units else []
    fin = financing_of(scenario)
    by_type = []
    for code, (count, low, high, mean) in by_unit_type(units, costs).items():
        spec = unit_types[code]
        grant = int(fin["grant_per_unit"])
        if grant > mean:
            # The loan is capped at zero below: the reader must see that part of the grant goes unused.
            warnings.append(Message("design.grant_above_cost", N_(
                "The grant per unit (Rp{grant}) is more than the cost of a {unit_type} unit (Rp{cost}): its loan "
                "is Rp0 and Rp{unused} of the grant is not used."),
                {"grant": grant, "unit_type": spec.name, "cost": mean, "unused": grant - mean}))
        down = round_rupiah(Decimal(mean) * Decimal(str(fin["down_payment_pct"])) / 100)
        loan = loan_summary(mean, min(grant, mean), min(down, max(0, mean - grant)),
                            Decimal(str(fin["annual_rate_pct"])) / 100, int(fin["months"]), fin["method"])
        by_type.append(TypeFinancing(code, spec.name, count, spec.net_area_m2, mean, low, high, loan))
    return ScenarioCost(
        scenario=scenario, units=units, unit_costs=costs, gross_floor_area_m2=gfa,
        net_area_m2=sum((u.net_area_m2 for u in units), Decimal(0)), construction=construction,
        rab_lines=lines, recap=rab_recap, project=cost, by_type=by_type,
        document_id=document_id(scenario),
        # The RAB's own warning says why construction is zero, and where to fix it.
        warnings=warnings + [w for w in cost.warnings if not (rab_empty and w.code == "estimate.no_construction")],
        rab_empty=rab_empty, rab_missing=rab_missing,
    )


@dataclass(frozen=True)
class SiteCheck:
    """What a project's site allows, measured once for all its scenarios; `note` says why it could not be."""

    capacity: Capacity | None
    zoning: Zoning | None
    note: Message | None = None


def site_check(project: Project) -> SiteCheck:
    from app.sites.service import site_capacity, zoning_of

    site = project.site
    if site is None or not site.parcels:
        return SiteCheck(None, None, Message("design.zoning_no_site", N_(
            "The project has no site with parcels yet, so this design is not checked against the zoning "
            "(KDB, KLB, KDH, setbacks, floors)."), {}))
    try:
        capacity = site_capacity(project)
    except ValueError:  # zoning gis refuses (InvalidZoning is a ValueError), or an outline without area
        capacity = None
    if capacity is None:
        return SiteCheck(None, None, Message("design.zoning_unusable", N_(
            "The site's zoning cannot be applied, so this design is not checked against it: correct the "
            "zoning of the site."), {}))
    return SiteCheck(capacity, zoning_of(site))


def check_zoning(cost: ScenarioCost, check: SiteCheck) -> ScenarioCost:
    """`cost` with the design's breaches of the site's zoning (or the note why it was not checked)."""
    if check.capacity is None or check.zoning is None:
        cost.breaches, cost.zoning_note, cost.zoning_checked = [], check.note, False
        return cost
    scenario = cost.scenario
    buildings = _buildings(scenario)
    cost.breaches = design_breaches(
        check.capacity, check.zoning, floors=[(b.code, b.floors) for b in buildings],
        footprint_m2=footprint_m2(buildings, _unit_types(scenario)), gross_floor_area_m2=cost.gross_floor_area_m2)
    cost.zoning_note, cost.zoning_checked = None, True
    return cost


def document_id(scenario: Scenario) -> str:
    """Names the exact inputs of an estimate: the same inputs give the same id, any change a new one."""
    inputs = {
        "project": scenario.project_id, "scenario": scenario.name, "method": scenario.cost_method,
        "rate": scenario.rate_per_m2, "library": scenario.price_library.code if scenario.price_library else None,
        "infrastructure": scenario.infrastructure, "land": scenario.land,
        "contingency": str(scenario.contingency_pct), "tax": scenario.tax_preset,
        "tax_rate": str(scenario.tax_rate_pct), "soft": scenario.soft_costs, "allocation": scenario.allocation,
        "floors": scenario.floor_factors, "financing": scenario.financing,
        "types": [(t.code, str(t.net_area_m2), t.bedrooms) for t in scenario.unit_types],
        "buildings": [(b.code, b.floors, b.units_per_floor, str(b.common_area_m2_per_floor), b.ground_floor_units)
                      for b in scenario.buildings],
        "rab": [(e.division, e.item_code, str(e.volume), e.building) for e in scenario.rab_lines],
    }
    if scenario.rate_is_override:  # only then, so that the ids of scenarios printed before stay as they were
        inputs["rate_override"] = True
    digest = hashlib.sha256(json.dumps(inputs, sort_keys=True, default=str).encode()).hexdigest()
    return f"JPR-{scenario.project.slug.upper()}-{digest[:10].upper()}"


def cost_json(cost: ScenarioCost, render) -> dict[str, Any]:
    """What `japra cost --json` prints; `units`, their fields and `total` are a public interface."""
    scenario = cost.scenario
    return {
        "project": scenario.project.slug,
        "scenario": scenario.name,
        "current": scenario.is_current,
        "cost_method": scenario.cost_method,
        "document_id": cost.document_id,
        "gross_floor_area_m2": str(cost.gross_floor_area_m2),
        "construction": cost.construction,
        "lines": [{"code": line.code, "label": render(line.label), "basis": render(line.basis), "amount": line.amount}
                  for line in cost.project.lines],
        "rab_recap": None if cost.recap is None else {
            "by_division": cost.recap.by_division, "jumlah": cost.recap.jumlah,
            "dibulatkan": cost.recap.dibulatkan, "terbilang": cost.recap.terbilang},
        "unit_types": [{"code": t.code, "name": t.name, "count": t.count, "net_area_m2": str(t.net_area_m2),
                        "cost": t.price, "monthly_instalment": t.loan.monthly,
                        "income_needed": t.loan.income_needed} for t in cost.by_type],
        "units": [{"code": u.code, "unit_type": u.unit_type, "net_area_m2": str(u.net_area_m2), "cost": c}
                  for u, c in zip(cost.units, cost.unit_costs, strict=True)],
        "total": cost.total,
    }


def price_rab(library, lines: list[dict[str, Any]]) -> list[RabLine]:
    """Lines read from a spreadsheet, priced with the library's unit prices."""
    return price_lines([(line["division"], line["item"], Decimal(line["volume"]), line.get("building"))
                        for line in lines], prices.items_of(library), prices.resources_of(library))


def replace_rab(session: Session, actor: Any, scenario: Scenario, lines: list[dict[str, Any]]) -> None:
    """The scenario's RAB becomes these lines, all at once; the audit trail keeps the old and new totals."""
    from app.audit import service as audit
    from app.designs.models import RabEntry

    library = prices.get(session, scenario.price_library_id)
    before = sum(line.amount for line in price_rab(library, [
        {"division": e.division, "item": e.item_code, "volume": str(e.volume), "building": e.building}
        for e in scenario.rab_lines])) if scenario.rab_lines else 0
    after_lines = price_rab(library, lines)
    old_count = len(scenario.rab_lines)
    scenario.rab_lines.clear()
    session.flush()
    for position, line in enumerate(lines, start=1):
        scenario.rab_lines.append(RabEntry(position=position, division=line["division"], item_code=line["item"],
                                           volume=Decimal(line["volume"]), building=line.get("building"),
                                           note=(line.get("note") or None) and line["note"][:200]))
    session.flush()
    audit.record(session, actor=actor, action="scenario.rab", entity_type="scenario", entity_id=scenario.id,
                 cooperative_id=scenario.project.cooperative_id,
                 changes={"lines": {"old": old_count, "new": len(lines)},
                          "jumlah": {"old": before, "new": sum(line.amount for line in after_lines)}})
