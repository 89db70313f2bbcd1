"""Where the blocks of the scenario being built stand on the site: drawn on the map, or imported from a file.

The checks are `gis.footprint_checks`; this keeps the rows and the audit trail. A file replaces the footprints of
the blocks it names and leaves the others; it is imported whole or not at all.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit import service as audit
from app.construction import service as construction
from app.construction.models import BuildingFootprint
from app.designs import service as designs
from app.designs.models import Scenario
from app.errors import Conflict, Invalid, NotFound
from app.projects.models import Project
from costing.design import floor_plate_m2
from gis.footprint_checks import (
    Candidate,
    Footprint,
    block_column,
    check_footprints,
    drawn_shape,
    reader_problem,
)
from gis.parcel_file import ReadLimits, read_parcel_file
from kernel.messages import N_, Message


class FootprintsRefused(Invalid):
    """Every problem found, as (feature label or None for a drawn outline, message); nothing was stored."""

    def __init__(self, problems: list[tuple[str | None, Message]]) -> None:
        first = problems[0][1]
        super().__init__(first.msgid, **first.fields)
        self.problems = problems


@dataclass(frozen=True)
class Block:
    code: str
    name: str
    floors: int
    floor_plate_m2: Decimal  # what the design says one floor takes, to compare with the outline drawn


def built_scenario(session: Session, project: Project) -> Scenario | None:
    """The scenario under construction, or before the contract the project's chosen one."""
    contract = construction.get(session, project)
    if contract is not None:
        return contract.scenario
    return session.scalar(select(Scenario).where(Scenario.project_id == project.id, Scenario.is_current.is_(True)))


def blocks_of(scenario: Scenario | None) -> list[Block]:
    if scenario is None:
        return []
    types = designs._unit_types(scenario)
    return [Block(spec.code, spec.name, spec.floors, floor_plate_m2(spec, types))
            for spec in designs._buildings(scenario)]


def footprints_of(session: Session, project: Project) -> list[BuildingFootprint]:
    return list(session.scalars(select(BuildingFootprint).where(BuildingFootprint.project_id == project.id)
                                .order_by(BuildingFootprint.building_code)))


def site_outline(project: Project) -> BaseGeometry | None:
    """The site as one shape: the union of its parcels; None without parcels."""
    parcels = [p.geom for p in (project.site.parcels if project.site else []) if p.geom is not None]
    if not parcels:
        return None
    return shapely.union_all([g if g.is_valid else shapely.make_valid(g) for g in parcels])


def _scenario_codes(session: Session, project: Project) -> list[str]:
    scenario = built_scenario(session, project)
    if scenario is None:
        raise Conflict("Choose the design scenario to be built first: its blocks are what goes on the site.")
    return [b.code for b in scenario.buildings]


def _store(session: Session, actor: Any, project: Project, footprint: Footprint,
           existing: dict[str, BuildingFootprint], source: dict[str, Any]) -> BuildingFootprint:
    row = existing.get(footprint.block)
    replaced = row is not None
    if row is None:
        row = BuildingFootprint(project_id=project.id, building_code=footprint.block, geom=footprint.geometry)
        session.add(row)
    else:
        row.geom = footprint.geometry
    session.flush()
    audit.record(session, actor=actor, action="footprint.save", entity_type="project", entity_id=project.id,
                 cooperative_id=project.cooperative_id,
                 changes={"block": footprint.block, "area_m2": round(row.area_m2, 1), "replaced": replaced,
                          **source})
    return row


@dataclass(frozen=True)
class DrawnIn:
    """An outline drawn on the map: the block's code and the shape as the map sends it (GeoJSON text, read by
    `gis.footprint_checks.drawn_shape`)."""

    block: str
    outline: str


def save(session: Session, actor: Any, project: Project, drawn: DrawnIn) -> BuildingFootprint:
    """The outline drawn for a block, replacing the block's earlier one."""
    codes = _scenario_codes(session, project)
    block = drawn.block.strip()
    if not block:
        raise Invalid("Choose the block whose outline you drew.", field="block")
    geom, problems = drawn_shape(drawn.outline, block)
    existing = {f.building_code: f for f in footprints_of(session, project)}
    passed, refused = check_footprints([Candidate(block, block, geom, problems)], codes, site_outline(project),
                                       {code: f.geom for code, f in existing.items()})
    if refused:
        raise FootprintsRefused([(None, m) for messages in refused.values() for m in messages])
    return _store(session, actor, project, passed[0], existing, {"source": "drawn"})


def delete(session: Session, actor: Any, project: Project, block: str) -> None:
    row = session.scalar(select(BuildingFootprint).where(BuildingFootprint.project_id == project.id,
                                                         BuildingFootprint.building_code == (block or "").strip()))
    if row is None:
        raise NotFound("Block {block} has no footprint.", block=block)
    area = row.area_m2
    session.delete(row)
    session.flush()
    audit.record(session, actor=actor, action="footprint.delete", entity_type="project", entity_id=project.id,
                 cooperative_id=project.cooperative_id, changes={"block": row.building_code,
                                                                 "area_m2": round(area, 1)})


@dataclass(frozen=True)
class FeatureProblem:
    feature: str  # the feature's label in the file (its number, from 1)
    message: Message


@dataclass(frozen=True)
class FootprintFile:
    """A footprint file checked: the footprints that passed, every feature's problems (nothing is stored while one
    is left), and what storing them needs."""

    passed: list[Footprint]
    problems: list[FeatureProblem]
    existing: dict[str, BuildingFootprint]
    name: str
    crs: str


def check_file(session: Session, project: Project, path: str | os.PathLike, *, filename: str | None = None,
               limits: ReadLimits | None = None) -> FootprintFile:
    """Footprints from a parcel-style file (GeoJSON, GeoPackage, zipped Shapefile, KML; any CRS), one feature a
    block named in a `block`/`blok`/`code`/`building` property, each checked. Raises
    `gis.parcel_file.ParcelFileError` for a file that cannot be read, Invalid for one without a block column and
    FootprintsRefused for one without footprints."""
    codes = _scenario_codes(session, project)
    parcel_file = read_parcel_file(path, filename=filename, limits=limits or ReadLimits())
    column = block_column(parcel_file.columns)
    if column is None:
        raise Invalid("The file has no column with the block code: name it block, blok, code or building. "
                      "Its columns are {columns}.", field="file", columns=", ".join(parcel_file.columns) or "-")
    candidates = [Candidate(f.label, f.attributes.get(column), f.geometry, [reader_problem(m) for m in f.problems])
                  for f in parcel_file.features]
    existing = {f.building_code: f for f in footprints_of(session, project)}
    passed, refused = check_footprints(candidates, codes, site_outline(project),
                                       {code: f.geom for code, f in existing.items()})
    problems = [FeatureProblem(c.label, m) for c in candidates for m in refused.get(c.label, [])]
    if not passed and not problems:
        raise FootprintsRefused([(None, Message("footprint.file_empty", N_("The file has no footprints.")))])
    return FootprintFile(passed, problems, existing, os.path.basename(filename or str(path)), parcel_file.crs)


def store_file(session: Session, actor: Any, project: Project, checked: FootprintFile) -> list[BuildingFootprint]:
    """The footprints of a file checked without problems, each replacing its block's earlier one."""
    return [_store(session, actor, project, footprint, checked.existing,
                   {"source": "file", "file": checked.name, "feature": footprint.label, "crs": checked.crs})
            for footprint in checked.passed]


def import_file(session: Session, actor: Any, project: Project, path: str | os.PathLike, *,
                filename: str | None = None, limits: ReadLimits | None = None) -> list[BuildingFootprint]:
    """A footprint file checked (`check_file`) and stored, or FootprintsRefused listing every feature's problems;
    then nothing is stored."""
    checked = check_file(session, project, path, filename=filename, limits=limits)
    if checked.problems:
        raise FootprintsRefused([(p.feature, p.message) for p in checked.problems])
    return store_file(session, actor, project, checked)


def load_demo(session: Session, path: str | os.PathLike) -> int:
    """The demo's footprints (features with `project` and `block`), through the same checks as a planner's; a
    project that has footprints already is left as it is. Returns how many were saved."""
    features = json.loads(Path(path).read_text(encoding="utf-8"))["features"]
    saved = 0
    for slug in dict.fromkeys(f["properties"]["project"] for f in features):
        project = session.scalar(select(Project).where(Project.slug == slug))
        if project is None or footprints_of(session, project) or built_scenario(session, project) is None:
            continue
        for f in (f for f in features if f["properties"]["project"] == slug):
            save(session, "demo", project, DrawnIn(f["properties"]["block"], json.dumps(f["geometry"])))
            saved += 1
    return saved
