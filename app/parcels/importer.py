"""Importing a planner's parcel file into a project's site: a plan to preview, then one commit.

The plan is computed from the file every time (upload, preview, each change of mapping, and the
confirm), so what is written is exactly what the last preview showed, and nothing is kept between
steps but the uploaded file. All-or-nothing: a plan with any rejected feature writes nothing.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry
from shapely.ops import unary_union
from sqlalchemy import insert
from sqlalchemy.orm import Session

from app.audit import service as audit
from app.auth.identity import CurrentUser
from app.config import ROOT
from app.db.base import utcnow
from app.errors import Invalid
from app.projects.models import Parcel, Project
from gis.measure import areas_and_perimeters_m
from gis.parcel_checks import TARGETS, ParcelDraft, check_parcels, guess_mapping
from gis.parcel_file import ParcelFile, ReadLimits, read_parcel_file
from gis.parcel_plausibility import plausibility
from kernel.messages import Message

# Rows per INSERT: large enough to amortise round trips, small enough to keep memory flat.
BATCH = 2_000
# Jakarta's kelurahan boundaries (the public maps' context layer): where a site's parcels are expected to lie.
KELURAHAN_FILE = ROOT / "fixtures" / "context" / "kelurahan-jakarta.geojson"


@dataclass(frozen=True)
class Rejection:
    feature: str
    message: Message


@dataclass
class ImportPlan:
    filename: str
    file: ParcelFile
    mapping: dict[str, str | None]
    repair: bool
    drafts: list[ParcelDraft]
    rejected: list[Rejection]
    notes: list[tuple[str, Message]] = field(default_factory=list)
    # The site's parcels are deleted and the file's take their place, in the import's one transaction.
    replace: bool = False
    replaced: int = 0  # how many parcels the site has now, that a replace deletes
    # Plausibility (gis.parcel_plausibility): shown in the preview, never a refusal.
    warnings: list[Message] = field(default_factory=list)
    _measured: tuple[np.ndarray, np.ndarray] | None = field(default=None, init=False, repr=False)

    @property
    def total_area_m2(self) -> float:  # square metres, not money
        return float(sum(self._measures()[0])) if self.drafts else 0.0

    @property
    def importable(self) -> bool:
        return bool(self.drafts) and not self.rejected

    def _measures(self) -> tuple[np.ndarray, np.ndarray]:
        if self._measured is None:
            self._measured = areas_and_perimeters_m([d.geometry for d in self.drafts])
        return self._measured


def normalise_mapping(columns: list[str], requested: Mapping[str, str | None] | None) -> dict[str, str | None]:
    """The file's guessed mapping, overridden by what the planner chose; unknown columns refused."""
    mapping = guess_mapping(columns)
    for target, column in (requested or {}).items():
        if target not in TARGETS:
            raise Invalid("Unknown parcel attribute {target}; choose one of {targets}.", field="mapping",
                          target=target, targets=", ".join(TARGETS))
        column = (column or "").strip() or None
        if column is not None and column not in columns:
            raise Invalid("The file has no column {column}; its columns are {columns}.", field="mapping",
                          column=column, columns=", ".join(columns) or "-")
        mapping[target] = column
    return mapping


def plan_import(
    session: Session,
    project: Project,
    path: str | os.PathLike,
    *,
    filename: str | None = None,
    layer: str | None = None,
    repair: bool = False,
    mapping: Mapping[str, str | None] | None = None,
    limits: ReadLimits | None = None,
    assume_crs: str | None = None,
    replace: bool = False,
) -> ImportPlan:
    """Read and check the file against the site (with `replace`, against nothing: the site's parcels go);
    raises ParcelFileError when the file is refused."""
    parcel_file = read_parcel_file(path, filename=filename, layer=layer or None, repair=repair,
                                   limits=limits or ReadLimits(), assume_crs=assume_crs or None)
    chosen = normalise_mapping(parcel_file.columns, mapping)
    current = [(p.code, p.geom) for p in (project.site.parcels if project.site else [])]
    existing = [] if replace else current
    drafts, problems = check_parcels(parcel_file.features, chosen, existing)
    labels = {f.index: f.label for f in parcel_file.features}
    rejected = [Rejection(labels.get(index, str(index)), message)
                for index in sorted(problems) for message in problems[index]]
    notes = [(f.label, note) for f in parcel_file.features for note in f.notes]
    plan = ImportPlan(filename=filename or os.path.basename(str(path)), file=parcel_file, mapping=chosen,
                      repair=repair, drafts=drafts, rejected=rejected, notes=notes, replace=replace,
                      replaced=len(current) if replace else 0)
    if drafts:
        reference, kind = _reference(project, existing)
        plan.warnings = plausibility(plan.total_area_m2, [d.label for d in drafts], [d.geometry for d in drafts],
                                     reference, kind)
    return plan


def _reference(project: Project, existing: list[tuple[str, BaseGeometry]]) -> tuple[BaseGeometry | None, str]:
    """Where the file's parcels are expected: near the site's parcels that stay, else in the site's kelurahan."""
    if existing:
        return unary_union([g for _code, g in existing]), "parcels"
    name = (project.site.kelurahan or "").strip().casefold() if project.site else ""
    return (kelurahan_boundaries().get(name), "kelurahan") if name else (None, "kelurahan")


@lru_cache(maxsize=1)
def kelurahan_boundaries() -> dict[str, BaseGeometry]:
    """Kelurahan name (case-folded) -> boundary; a name two cities share is left out rather than guessed."""
    try:
        with open(KELURAHAN_FILE, encoding="utf-8") as fh:
            features = json.load(fh)["features"]
    except (OSError, ValueError, KeyError):  # the map layer is optional; without it there is no such warning
        return {}
    found: dict[str, list[BaseGeometry]] = {}
    for f in features:
        name = str((f.get("properties") or {}).get("kelurahan") or "").strip().casefold()
        if name and f.get("geometry"):
            found.setdefault(name, []).append(shape(f["geometry"]))
    return {name: geoms[0] for name, geoms in found.items() if len(geoms) == 1}


def commit_import(session: Session, actor: CurrentUser | str, project: Project, plan: ImportPlan) -> int:
    """Write every parcel of the plan in the caller's transaction, or nothing; a replace first deletes the site's
    parcels in the same transaction (audited as `parcels.replace`), so a refused import leaves them in place."""
    if isinstance(actor, CurrentUser) and not actor.may_edit_cooperative(project.cooperative_id):
        raise Invalid("You may not change this project's parcels.")
    if plan.rejected:
        raise Invalid("The file has {n} problem(s); nothing was imported. Fix the file or choose repair, "
                      "then try again.", n=len(plan.rejected))
    if not plan.drafts:
        raise Invalid("The file has no parcels to import.")
    site = project.site
    replaced = 0
    if plan.replace:
        from app.parcels.service import delete_parcels

        # Same transaction as the insert below: a refused or failed import leaves the old parcels in place.
        replaced = delete_parcels(session, actor, project, reason="parcels.replace")
    geoms = np.array([d.geometry for d in plan.drafts], dtype=object)
    bounds = shapely.bounds(geoms).tolist()
    areas, perimeters = (m.tolist() for m in plan._measures())
    now = utcnow()
    session.flush()  # whatever the session holds goes first, as an ORM insert's autoflush would do
    writer = _ParcelWriter(session)
    for start in range(0, len(geoms), BATCH):
        end = min(start + BATCH, len(geoms))
        writer.insert(
            site_id=site.id, created_at=now, updated_at=now,
            per_row={
                "code": [d.code for d in plan.drafts[start:end]],
                "land_status": [d.land_status for d in plan.drafts[start:end]],
                "holder": [d.holder for d in plan.drafts[start:end]],
                "notes": [d.notes for d in plan.drafts[start:end]],
                "min_lon": [b[0] for b in bounds[start:end]], "min_lat": [b[1] for b in bounds[start:end]],
                "max_lon": [b[2] for b in bounds[start:end]], "max_lat": [b[3] for b in bounds[start:end]],
                "area_m2": areas[start:end], "perimeter_m": perimeters[start:end],
            },
            geoms=geoms[start:end],
        )
    # One entry per import, not per parcel: the file, what was read and what changed in total.
    audit.record(session, actor=actor, action="parcels.import", entity_type="site", entity_id=site.id,
                 cooperative_id=project.cooperative_id,
                 changes={"file": plan.filename, "format": plan.file.format, "layer": plan.file.layer,
                          "crs": plan.file.crs, "imported": len(geoms), "replaced": replaced,
                          "repaired": sum(f.repaired for f in plan.file.features),
                          "total_area_m2": round(plan.total_area_m2, 1)})
    session.flush()
    session.expire(site, ["parcels"])
    return len(geoms)


class _ParcelWriter:
    """INSERT INTO parcel, one executemany per batch, with the values converted as SQLAlchemy would.

    `session.execute(insert(Parcel), rows)` sends every value of every row through its column's
    type, and the geometry's one shape at a time: for a file of 50,000 parcels that was most of
    the time spent writing. Here a batch's shapes are encoded in one vectorised call of the
    column type's own `Geometry.encode`, the
    values every row shares are converted once, and the others still pass through their column
    type's converter, if it has one.
    """

    def __init__(self, session: Session) -> None:
        self.connection = session.connection()
        self.dialect = self.connection.dialect
        self.table = Parcel.__table__
        self.geometry = self.table.c.geom.type
        self._geometry_driver = self.geometry.load_dialect_impl(self.dialect).bind_processor(self.dialect)

    def _converter(self, column: str) -> Callable[[Any], Any] | None:
        return self.table.c[column].type.dialect_impl(self.dialect).bind_processor(self.dialect)

    def _encode(self, geoms: np.ndarray) -> list[Any]:
        encoded = self.geometry.encode(geoms, self.dialect)
        driver = self._geometry_driver
        return [driver(v) for v in encoded] if driver else encoded.tolist()

    def insert(self, *, per_row: dict[str, list[Any]], geoms: np.ndarray, **shared: Any) -> None:
        columns: dict[str, list[Any]] = {"geom": self._encode(geoms)}
        for name, values in per_row.items():
            convert = self._converter(name)
            columns[name] = [convert(v) for v in values] if convert else values
        for name, value in shared.items():
            convert = self._converter(name)
            columns[name] = [convert(value) if convert else value] * len(geoms)
        compiled = insert(self.table).compile(dialect=self.dialect, column_keys=list(columns))
        if compiled.positiontup is not None:  # qmark/format paramstyles (sqlite3) take tuples
            rows: list[Any] = list(zip(*(columns[name] for name in compiled.positiontup), strict=True))
        else:  # named paramstyles (psycopg's pyformat) take dicts
            names = list(columns)
            rows = [dict(zip(names, row, strict=True)) for row in zip(*columns.values(), strict=True)]
        self.connection.exec_driver_sql(str(compiled), rows)


def result(plan: ImportPlan | None, *, imported: int, gettext: Callable[[str], str], dry_run: bool = False,
           refused: Message | None = None) -> dict[str, Any]:
    """The JSON object `japra parcels import` prints (its field names are a public interface)."""
    if plan is None:
        return {"imported": 0, "rejected": [{"feature": None, "reason": refused.render(gettext)}] if refused else [],
                "crs": None, "total_area_m2": 0.0, "warnings": [], "dry_run": dry_run}
    return {
        "imported": imported,
        "rejected": [{"feature": r.feature, "reason": r.message.render(gettext)} for r in plan.rejected],
        "crs": plan.file.crs,
        "crs_name": plan.file.crs_name,
        "format": plan.file.format,
        "layer": plan.file.layer,
        "layers": plan.file.layers,
        "features": len(plan.file.features),
        "would_import": len(plan.drafts) if dry_run and not plan.rejected else None,
        "total_area_m2": round(plan.total_area_m2, 1),
        "mapping": plan.mapping,
        "warnings": [m.render(gettext) for m in plan.warnings] + [m.render(gettext) for m in plan.file.warnings]
        + [m.render(gettext) for _label, m in plan.notes],
        "replace": plan.replace,
        "replaced": plan.replaced,
        "dry_run": dry_run,
    }
