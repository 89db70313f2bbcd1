from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from shapely.geometry import box as shapely_box
from shapely.ops import unary_union
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from app.audit import service as audit
from app.auth.identity import CurrentUser
from app.cooperatives.models import Cooperative
from app.errors import Conflict, Invalid, NotFound
from app.projects.models import Parcel, Project, ProjectStage, Site
from gis.geojson import feature, feature_collection
from gis.measure import area_m2
from gis.parcel_checks import natural_key
from kernel import limits

SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")


def visible(user: CurrentUser):
    stmt = select(Project)
    if not user.sees_all_cooperatives:
        stmt = stmt.where(Project.cooperative_id == user.cooperative_id)
    return stmt


def list_for(
    session: Session,
    user: CurrentUser,
    *,
    stage: str | None = None,
    cooperative_id: int | None = None,
    offset: int = 0,
    limit: int | None = None,
) -> tuple[list[Project], int]:
    stmt = visible(user)
    if stage:
        stmt = stmt.where(Project.stage == stage)
    if cooperative_id is not None:
        stmt = stmt.where(Project.cooperative_id == cooperative_id)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    stmt = stmt.options(selectinload(Project.cooperative), selectinload(Project.site)).order_by(Project.name)
    if limit is not None:
        stmt = stmt.offset(offset).limit(limit)
    return list(session.scalars(stmt)), total


def get_for(session: Session, user: CurrentUser, slug: str, *, with_parcels: bool = True) -> Project:
    site = selectinload(Project.site)
    project = session.scalar(
        visible(user)
        .where(Project.slug == slug)
        .options(selectinload(Project.cooperative), site.selectinload(Site.parcels) if with_parcels else site)
    )
    if project is None:
        raise NotFound("No project found at this address.")
    return project


def editable_for(session: Session, user: CurrentUser, slug: str, *, with_parcels: bool = True) -> Project:
    """The project, if this user may change it; to anyone else it does not exist (404, not 403)."""
    project = get_for(session, user, slug, with_parcels=with_parcels)
    if not user.may_edit_cooperative(project.cooperative_id):
        raise NotFound("No project found at this address.")
    return project


NAME_LIMIT = limits.NAME  # its column


def _bounded(after: dict[str, Any]) -> None:
    """The name and the description within their bounds, whoever sends them (the form, the API, the command line):
    refused, never cut."""
    if len(after.get("name") or "") > NAME_LIMIT:
        raise Invalid("The name is longer than {n} characters.", field="name", n=NAME_LIMIT)
    if len(after.get("description") or "") > limits.DESCRIPTION:
        raise Invalid("At most {limit} characters.", field="description", limit=limits.DESCRIPTION)


@dataclass(frozen=True)
class NewProject:
    """A project as a planner (the form, the API, the command line) creates it."""

    cooperative: str  # the cooperative's slug
    name: str
    slug: str
    stage: str = ProjectStage.INISIASI.value
    description: str | None = None


@dataclass(frozen=True)
class ProjectChanges:
    """What changes of a project; None leaves it as it is."""

    name: str | None = None
    stage: str | None = None
    description: str | None = None


def create(session: Session, actor: CurrentUser | str, command: NewProject) -> Project:
    cooperative_slug, stage, description = command.cooperative, command.stage, command.description
    name = (command.name or "").strip()
    slug = (command.slug or "").strip().lower()
    if not name:
        raise Invalid("The project needs a name.", field="name")
    _bounded({"name": name, "description": description})
    if not SLUG_RE.match(slug):
        raise Invalid("The slug may hold lowercase letters, digits and dashes (1-64), e.g. kampung-baru.",
                      field="slug")
    if stage not in {s.value for s in ProjectStage}:
        raise Invalid("Unknown stage {stage}.", field="stage", stage=stage)
    coop = session.scalar(select(Cooperative).where(Cooperative.slug == cooperative_slug))
    if coop is None or (isinstance(actor, CurrentUser) and not actor.may_see_cooperative(coop.id)):
        raise Invalid("No cooperative with the slug {slug}.", field="cooperative", slug=cooperative_slug)
    if not coop.is_active:
        # Deactivated: its data stay, but no new work starts under it (the web, the API and the command line alike).
        raise Invalid("The cooperative {slug} is deactivated and takes no new project.", field="cooperative",
                      slug=cooperative_slug)
    if session.scalar(select(Project.id).where(Project.slug == slug)):
        raise Conflict("The slug {slug} is already used by another project.", field="slug", slug=slug)
    project = Project(cooperative=coop, name=name, slug=slug, stage=stage, description=description)
    project.site = Site(name=name)
    session.add(project)
    session.flush()
    audit.record(session, actor=actor, action="project.create", entity_type="project", entity_id=project.id,
                 cooperative_id=coop.id, changes={"slug": slug, "name": name, "stage": stage})
    return project


EDITABLE = ("name", "stage", "description")


def update(session: Session, actor: CurrentUser, project: Project, changes: ProjectChanges) -> Project:
    if not actor.may_edit_cooperative(project.cooperative_id):
        raise NotFound("No project found at this address.")
    before = {k: getattr(project, k) for k in EDITABLE}
    after = {k: getattr(changes, k) for k in EDITABLE if getattr(changes, k) is not None}
    if "name" in after:
        after["name"] = after["name"].strip()
        if not after["name"]:
            raise Invalid("The project needs a name.", field="name")
    _bounded(after)
    if "stage" in after and after["stage"] not in {s.value for s in ProjectStage}:
        raise Invalid("Unknown stage {stage}.", field="stage", stage=after["stage"])
    for key, value in after.items():
        setattr(project, key, value)
    changed = audit.diff(before, after)
    if changed:
        audit.record(session, actor=actor, action="project.update", entity_type="project",
                     entity_id=project.id, cooperative_id=project.cooperative_id, changes=changed)
    return project


@dataclass(frozen=True)
class SiteSummary:
    parcel_count: int
    area_m2: float


def site_summary(project: Project) -> SiteSummary:
    parcels = project.site.parcels if project.site else []
    return SiteSummary(len(parcels), sum(p.area_m2 for p in parcels))


def parcels_in_bbox(session: Session, project: Project, bbox: tuple[float, float, float, float]) -> list[Parcel]:
    """The site's parcels that intersect the box: indexed prefilter in the database, exact test after."""
    if project.site is None:
        return []
    min_lon, min_lat, max_lon, max_lat = bbox
    stmt = select(Parcel).where(Parcel.site_id == project.site.id).order_by(Parcel.code)
    if session.get_bind().dialect.name == "postgresql":
        # The GiST index answers && and ST_Intersects exactly; nothing is left for Python.
        envelope = func.ST_MakeEnvelope(min_lon, min_lat, max_lon, max_lat, 4326)
        return list(session.scalars(stmt.where(func.ST_Intersects(Parcel.geom, envelope))))
    stmt = stmt.where(Parcel.max_lon >= min_lon, Parcel.min_lon <= max_lon,
                      Parcel.max_lat >= min_lat, Parcel.min_lat <= max_lat)
    area = shapely_box(*bbox)
    return [p for p in session.scalars(stmt) if p.geom.intersects(area)]


def parcels_geojson(project: Project, parcels: list[Parcel] | None = None) -> dict[str, Any]:
    if parcels is None:
        parcels = project.site.parcels if project.site else []
    # Codes in the order people number them (89, 90, 100), not as text sorts them (100, 2492, 89).
    parcels = sorted(parcels, key=lambda p: natural_key(p.code))
    return feature_collection(
        feature(
            p.geom,
            {
                "code": p.code,
                "land_status": p.land_status,
                "holder": p.holder,
                "notes": p.notes,
                "area_m2": round(p.area_m2, 1),
                "perimeter_m": round(p.perimeter_m, 1),
                "project": project.slug,
            },
            feature_id=p.id,
        )
        for p in parcels
    )


def sites_geojson(
    session: Session,
    user: CurrentUser,
    bbox: tuple[float, float, float, float] | None = None,
    cooperative_id: int | None = None,
) -> dict[str, Any]:
    """One feature per visible project with parcels: the site outline (union of its parcels)."""
    stmt = (
        visible(user)
        .join(Site, Site.project_id == Project.id)
        .join(Parcel, Parcel.site_id == Site.id)
        .options(selectinload(Project.cooperative), selectinload(Project.site).selectinload(Site.parcels))
        .distinct()
        .order_by(Project.name)
    )
    if cooperative_id is not None:
        stmt = stmt.where(Project.cooperative_id == cooperative_id)
    if bbox:
        min_lon, min_lat, max_lon, max_lat = bbox
        stmt = stmt.where(
            Parcel.max_lon >= min_lon, Parcel.min_lon <= max_lon,
            Parcel.max_lat >= min_lat, Parcel.min_lat <= max_lat,
        )
    features = []
    for project in session.scalars(stmt):
        outline = unary_union([p.geom for p in project.site.parcels])
        features.append(
            feature(
                outline,
                {
                    "project": project.slug,
                    "name": project.name,
                    "cooperative": project.cooperative.name,
                    "stage": project.stage,
                    "area_m2": round(area_m2(outline), 1),
                    "url": f"/projects/{project.slug}",
                },
                feature_id=project.slug,
            )
        )
    return feature_collection(features)
