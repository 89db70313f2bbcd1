"""Demo data: Japra's three founding cooperatives, their projects and sites, and one user per role.

Idempotent: what exists (by slug or username) is left as it is, so running it twice changes nothing
and a planner's edits to demo data survive.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from shapely.geometry import shape
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit import service as audit
from app.auth import service as auth
from app.auth.models import User
from app.config import ROOT
from app.cooperatives.models import Cooperative
from app.projects.models import Parcel, Project, Site
from costing.estimate import PARAMETRIC_RATES

DEMO_DIR = ROOT / "fixtures" / "demo"
# Printed by `make run`; a demo installation is for trying the product, never for real members.
DEMO_PASSWORD = "japra-demo-2026"  # noqa: S105


@dataclass
class DemoResult:
    created: dict[str, int] = field(default_factory=dict)

    def add(self, kind: str) -> None:
        self.created[kind] = self.created.get(kind, 0) + 1


def is_empty(session: Session) -> bool:
    return session.scalar(select(Cooperative.id).limit(1)) is None


def load(session: Session, directory: Path = DEMO_DIR) -> DemoResult:
    data = json.loads((directory / "demo.json").read_text(encoding="utf-8"))
    parcels = json.loads((directory / "sites.geojson").read_text(encoding="utf-8"))["features"]
    result = DemoResult()

    coops: dict[str, Cooperative] = {}
    for c in data["cooperatives"]:
        coop = session.scalar(select(Cooperative).where(Cooperative.slug == c["slug"]))
        if coop is None:
            coop = Cooperative(**c)
            session.add(coop)
            session.flush()
            audit.record(session, actor="demo", action="cooperative.create", entity_type="cooperative",
                         entity_id=coop.id, cooperative_id=coop.id, changes={"slug": coop.slug})
            result.add("cooperatives")
        coops[c["slug"]] = coop

    for p in data["projects"]:
        project = session.scalar(select(Project).where(Project.slug == p["slug"]))
        if project is None:
            project = Project(
                slug=p["slug"], name=p["name"], stage=p["stage"], description=p["description"],
                cooperative=coops[p["cooperative"]], site=Site(**p["site"]),
            )
            session.add(project)
            session.flush()
            audit.record(session, actor="demo", action="project.create", entity_type="project",
                         entity_id=project.id, cooperative_id=project.cooperative_id,
                         changes={"slug": project.slug, "stage": project.stage})
            result.add("projects")
        if project.site is not None and not project.site.parcels:
            for f in (f for f in parcels if f["properties"]["project"] == p["slug"]):
                props = f["properties"]
                project.site.parcels.append(Parcel(
                    code=props["code"], land_status=props["land_status"], holder=props.get("holder"),
                    notes=props.get("notes"), geom=shape(f["geometry"]),
                ))
                result.add("parcels")

    _load_prices_and_scenarios(session, directory, result)
    from app.construction.footprints import load_demo as load_footprints

    footprints_file = directory / "footprints.geojson"
    if footprints_file.exists() and (saved := load_footprints(session, footprints_file)):
        result.created["footprints"] = saved
    _load_members(session, directory, coops, result)

    for u in data["users"]:
        if session.scalar(select(User.id).where(User.username == u["username"])) is None:
            auth.create_user(session, username=u["username"], password=DEMO_PASSWORD, role=u["role"],
                             cooperative_slug=u.get("cooperative"), display_name=u.get("display_name"),
                             actor="demo")
            result.add("users")
    session.flush()
    return result


def _load_members(session: Session, directory: Path, coops: dict[str, Cooperative], result: DemoResult) -> None:
    """Invented households (names made up, NIKs start 9999, which no region has) for trying meetings."""
    from app.members import service as members
    from app.members.importing import read_members
    from app.members.models import Member

    for path in sorted(directory.glob("members-*.csv")):
        coop = coops.get(path.stem.removeprefix("members-"))
        if coop is None or session.scalar(select(Member.id).where(Member.cooperative_id == coop.id).limit(1)):
            continue
        rows, problems = read_members(path)
        if problems:
            raise ValueError(f"{path.name}: {problems[0].message.render()}")
        created = members.import_rows(session, "demo", coop, rows)["created"]
        result.created["members"] = result.created.get("members", 0) + created


def _load_prices_and_scenarios(session: Session, directory: Path, result: DemoResult) -> None:
    from app.designs.models import Building, DesignUnitType, RabEntry, Scenario
    from app.prices import service as prices

    for path in sorted((directory.parent / "prices").glob("*.json")):
        library = json.loads(path.read_text(encoding="utf-8"))
        if prices.by_code(session, library["code"]) is None:
            prices.create_library(session, "demo", library)
            result.add("price libraries")
    scenarios_file = directory / "scenarios.json"
    if not scenarios_file.exists():
        return
    for s in json.loads(scenarios_file.read_text(encoding="utf-8"))["scenarios"]:
        project = session.scalar(select(Project).where(Project.slug == s["project"]))
        if project is None or session.scalar(select(Scenario.id).where(
                Scenario.project_id == project.id, Scenario.name == s["name"])) is not None:
            continue
        library = prices.by_code(session, s["price_library"]) if s.get("price_library") else None
        scenario = Scenario(
            project=project, name=s["name"], description=s.get("description"), is_current=bool(s.get("current")),
            cost_method=s["cost_method"], building_type=s.get("building_type", "rusun_4_lantai"),
            rate_per_m2=s.get("rate_per_m2"), price_library=library, infrastructure=int(s.get("infrastructure", 0)),
            # A rate other than its building type's is the planner's own, and is shown as such.
            rate_is_override=s.get("rate_per_m2") is not None
            and s["rate_per_m2"] != PARAMETRIC_RATES.get(s.get("building_type", "rusun_4_lantai")),
            land=int(s.get("land", 0)), contingency_pct=Decimal(str(s.get("contingency_pct", "5"))),
            tax_preset=s.get("tax_preset", "jasa_konstruksi"), allocation=s.get("allocation", "area"),
            floor_factors=s.get("floor_factors") or {}, financing=s.get("financing") or {}, soft_costs=[],
        )
        for t in s["unit_types"]:
            scenario.unit_types.append(DesignUnitType(code=t["code"], name=t["name"],
                                                      net_area_m2=Decimal(str(t["net_area_m2"])),
                                                      bedrooms=int(t.get("bedrooms", 1))))
        for b in s["buildings"]:
            scenario.buildings.append(Building(code=b["code"], name=b["name"], floors=int(b["floors"]),
                                               units_per_floor=dict(b["units_per_floor"]),
                                               common_area_m2_per_floor=Decimal(str(b["common_area_m2_per_floor"])),
                                               ground_floor_units=bool(b.get("ground_floor_units", True)),
                                               lift=bool(b.get("lift", False))))
        for position, line in enumerate(s.get("rab") or [], start=1):
            scenario.rab_lines.append(RabEntry(position=position, division=line["division"], item_code=line["item"],
                                               volume=Decimal(str(line["volume"])), building=line.get("building"),
                                               note=(line.get("note") or None) and line["note"][:200]))
        session.add(scenario)
        session.flush()
        audit.record(session, actor="demo", action="scenario.create", entity_type="scenario", entity_id=scenario.id,
                     cooperative_id=project.cooperative_id, changes={"name": scenario.name})
        result.add("scenarios")


def demo_logins(directory: Path = DEMO_DIR) -> list[tuple[str, str]]:
    data = json.loads((directory / "demo.json").read_text(encoding="utf-8"))
    return [(u["username"], u["role"]) for u in data["users"]]
