"""JSON API under /api: the same services and visibility rules as the pages, for scripts and maps."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec
from litestar import Request, Response, Router, get, patch, post
from litestar.exceptions import ValidationException
from litestar.openapi.spec import OpenAPIType
from litestar.params import Parameter
from litestar.status_codes import HTTP_201_CREATED
from sqlalchemy.orm import Session

from app.auth.guards import planners, signed_in, writers
from app.auth.identity import CurrentUser
from app.cooperatives import service as cooperatives
from app.cooperatives.models import Cooperative
from app.projects import service as projects
from app.projects.models import Project, ProjectStage
from app.web.errors import problem_responses
from app.web.openapi import BEARER_REQUIRED, ParcelCollection, SiteCollection
from gis.geojson import parse_bbox
from kernel import limits

GEOJSON = "application/geo+json"
Slug = Annotated[str, msgspec.Meta(pattern=r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")]
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=limits.NAME)]
# A project's description is sent with every list: bounded, as the page's form and its column are (the schema
# shows the maxLength).
Description = Annotated[str, msgspec.Meta(max_length=limits.DESCRIPTION)]
# The largest body a valid request sends (a description of 5,000 characters, each written as a 6-byte \uXXXX escape,
# is 30 KB) with room to spare: a 20 MB one is refused (413) before it is read, not after it was decoded.
BODY_MAX = 256 * 1024


class UserOut(msgspec.Struct):
    username: str
    display_name: str | None
    role: str
    cooperative_id: int | None


class CooperativeOut(msgspec.Struct):
    slug: str
    name: str
    legal_name: str | None
    kelurahan: str | None
    kecamatan: str | None
    city: str | None
    project_count: int
    is_active: bool = True  # false: deactivated, its data kept; it takes no new project


class ProjectOut(msgspec.Struct):
    slug: str
    name: str
    stage: str
    cooperative: str
    description: str | None
    parcel_count: int
    land_area_m2: float
    created_at: datetime
    updated_at: datetime


class ProjectPage(msgspec.Struct):
    items: list[ProjectOut]
    total: int
    limit: int
    offset: int


class ProjectCreate(msgspec.Struct, forbid_unknown_fields=True):
    cooperative: Slug
    name: Name
    slug: Slug
    stage: ProjectStage = ProjectStage.INISIASI
    description: Description | None = None


class ProjectUpdate(msgspec.Struct, forbid_unknown_fields=True):
    name: Name | None = None
    stage: ProjectStage | None = None
    description: Description | None = None


# Documented, not enforced: parse_bbox refuses with the messages the API has always given. A query string has no
# null (an absent bbox is None), so the schema offers none, where Litestar would write `oneOf: [string, null]`.
BBox = Annotated[str | None, Parameter(
    description="minLon,minLat,maxLon,maxLat in degrees (EPSG:4326): longitudes within -180..180, latitudes within "
                "-90..90, each minimum at most its maximum. Only what intersects the box is answered.",
    schema_extra={"one_of": None, "type": OpenAPIType.STRING,
                  "pattern": r"^-?[0-9]+(\.[0-9]+)?(,-?[0-9]+(\.[0-9]+)?){3}$"},
)]


def _coop_out(coop: Cooperative, count: int) -> CooperativeOut:
    return CooperativeOut(coop.slug, coop.name, coop.legal_name, coop.kelurahan, coop.kecamatan, coop.city, count,
                          coop.is_active)


def _project_out(p: Project) -> ProjectOut:
    summary = projects.site_summary(p)
    return ProjectOut(p.slug, p.name, p.stage, p.cooperative.slug, p.description, summary.parcel_count,
                      round(summary.area_m2, 1), p.created_at, p.updated_at)


def _bbox(value: str | None) -> tuple[float, float, float, float] | None:
    if value is None:
        return None
    try:
        return parse_bbox(value)
    except ValueError as exc:
        raise ValidationException(detail=str(exc), extra=[{"key": "bbox", "message": str(exc)}]) from None


@get("/me", sync_to_thread=False, summary="The signed-in user", responses=problem_responses(401))
def me(request: Request) -> UserOut:
    u: CurrentUser = request.user
    return UserOut(u.username, u.display_name, u.role.value, u.cooperative_id)


@get("/cooperatives", sync_to_thread=True, summary="Cooperatives the caller may see", responses=problem_responses(401))
def list_cooperatives(request: Request, db: Session) -> list[CooperativeOut]:
    return [_coop_out(c, n) for c, n in cooperatives.list_for(db, request.user)]


@get("/cooperatives/{slug:str}", sync_to_thread=True, responses=problem_responses(400, 401, 404))
def get_cooperative(request: Request, db: Session, slug: str) -> CooperativeOut:
    coop = cooperatives.get_for(db, request.user, slug)
    return _coop_out(coop, len(coop.projects))


MAX_OFFSET = 2**31 - 1


@get("/projects", sync_to_thread=True, summary="Projects the caller may see, paginated",
     responses=problem_responses(400, 401, 404))  # 404: a cooperative the caller may not see
def list_projects(
    request: Request,
    db: Session,
    stage: ProjectStage | None = None,
    cooperative: str | None = None,
    limit: Annotated[int, Parameter(ge=1, le=500, description="Page size")] = 100,
    # Bounded: an offset past a 64-bit integer would overflow the database's parameter (a 500 before the bound).
    offset: Annotated[int, Parameter(ge=0, le=MAX_OFFSET)] = 0,
) -> ProjectPage:
    coop_id = cooperatives.get_for(db, request.user, cooperative).id if cooperative else None
    items, total = projects.list_for(db, request.user, stage=stage.value if stage else None,
                                     cooperative_id=coop_id, offset=offset, limit=limit)
    return ProjectPage([_project_out(p) for p in items], total, limit, offset)


@post("/projects", guards=[planners], sync_to_thread=True, status_code=HTTP_201_CREATED,
      responses=problem_responses(400, 401, 403, 409, 413))
def create_project(request: Request, db: Session, data: ProjectCreate) -> ProjectOut:
    project = projects.create(db, request.user, projects.NewProject(
        cooperative=data.cooperative, name=data.name, slug=data.slug, stage=data.stage.value,
        description=data.description))
    return _project_out(project)


@get("/projects/{slug:str}", sync_to_thread=True, responses=problem_responses(400, 401, 404))
def get_project(request: Request, db: Session, slug: str) -> ProjectOut:
    return _project_out(projects.get_for(db, request.user, slug))


@patch("/projects/{slug:str}", guards=[writers], sync_to_thread=True,
       responses=problem_responses(400, 401, 403, 404, 409, 413))  # 404 too: another cooperative's project
def update_project(request: Request, db: Session, slug: str, data: ProjectUpdate) -> ProjectOut:
    project = projects.get_for(db, request.user, slug)
    projects.update(db, request.user, project, projects.ProjectChanges(
        name=data.name, stage=data.stage.value if data.stage is not None else None, description=data.description))
    return _project_out(project)


@get("/projects/{slug:str}/parcels", sync_to_thread=True, summary="The project's parcels as GeoJSON",
     media_type=GEOJSON, responses=problem_responses(400, 401, 404))
def project_parcels(request: Request, db: Session, slug: str, bbox: BBox = None) -> Response[ParcelCollection]:
    box = _bbox(bbox)
    project = projects.get_for(db, request.user, slug, with_parcels=box is None)
    parcels = projects.parcels_in_bbox(db, project, box) if box else None
    return Response(projects.parcels_geojson(project, parcels), media_type=GEOJSON)


@get("/sites", sync_to_thread=True, summary="Outlines of every visible project site as GeoJSON", media_type=GEOJSON,
     responses=problem_responses(400, 401))
def sites(request: Request, db: Session, bbox: BBox = None) -> Response[SiteCollection]:
    return Response(projects.sites_geojson(db, request.user, _bbox(bbox)), media_type=GEOJSON)


router = Router(
    path="/api",
    guards=[signed_in],
    route_handlers=[me, list_cooperatives, get_cooperative, list_projects, create_project, get_project,
                    update_project, project_parcels, sites],
    tags=["japra"],
    security=BEARER_REQUIRED,
    request_max_body_size=BODY_MAX,
)
