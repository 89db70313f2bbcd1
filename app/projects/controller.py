"""Web pages: the dashboard, project pages, creating a project and moving it to another stage."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from litestar import Request, Response, Router, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry
from sqlalchemy.orm import Session

from app import labels
from app.auth.guards import planners, signed_in, writers
from app.auth.identity import CurrentUser
from app.construction import overview as construction_overview
from app.cooperatives import service as cooperatives
from app.cooperatives.models import Cooperative
from app.i18n import format_number, gettext_for, render_message
from app.maps import Overlay, feature_map
from app.members.service import may_see as may_see_members
from app.projects import service as projects
from app.projects.models import Project, ProjectStage
from app.sites.service import site_capacity
from app.web.deps import refusable, today
from app.web.errors import refusal_text
from app.web.forms import FormReader, page_number, shown, worded
from app.web.locale import request_locale
from app.web.templating import render
from kernel import limits
from kernel.errors import UserError

Form = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]


def sites_map(request: Request, geojson: dict[str, Any], height_px: int = 420):
    """The map of project sites, with tooltips in the visitor's language."""
    locale = request_locale(request)
    _ = gettext_for(locale)
    markers = []
    for f in geojson["features"]:
        p = f["properties"]
        p["stage_label"] = _(labels.STAGES[p["stage"]])
        p["area_label"] = f"{format_number(p['area_m2'], locale)} m²"
        # A site of a few thousand m2 is a speck at city zoom: a marker keeps it findable.
        markers.append({"type": "Feature", "properties": p,
                        "geometry": mapping(shape(f["geometry"]).representative_point())})
    return feature_map(
        {"type": "FeatureCollection", "features": geojson["features"] + markers},
        height_px=height_px,
        tooltip_fields=[("name", _("Project")), ("cooperative", _("Cooperative")),
                        ("stage_label", _("Stage")), ("area_label", _("Land area"))],
        color_property="stage",
        colors=labels.STAGE_COLORS,
        link_property="url",
    )


def parcels_map(request: Request, geojson: dict[str, Any], buildable: BaseGeometry | None = None):
    """Parcels coloured by land status, with a legend, a scale bar and the buildable footprint."""
    locale = request_locale(request)
    _ = gettext_for(locale)
    for f in geojson["features"]:
        p = f["properties"]
        p["status_label"] = _(labels.LAND_STATUSES[p["land_status"]])
        p["area_label"] = f"{format_number(p['area_m2'], locale)} m²"
    used = {f["properties"]["land_status"] for f in geojson["features"]}
    legend = [(labels.LAND_STATUS_COLORS[s], _(label)) for s, label in labels.LAND_STATUSES.items() if s in used]
    overlays = []
    if buildable is not None and not buildable.is_empty:
        overlays.append(Overlay(_("Buildable footprint"), {"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": {}, "geometry": mapping(buildable)}]}))
        legend.append((Overlay.color, _("Buildable footprint (inside the setbacks)")))
    return feature_map(
        geojson,
        tooltip_fields=[("code", _("Parcel code")), ("status_label", _("Land status")),
                        ("area_label", _("Area")), ("notes", _("Notes"))],
        color_property="land_status", colors=labels.LAND_STATUS_COLORS,
        overlays=overlays, legend=legend, scale_bar=True,
    )


@get("/", guards=[signed_in], sync_to_thread=True)
def dashboard(request: Request, db: Session) -> Response:
    user: CurrentUser = request.user
    items, _total = projects.list_for(db, user)
    by_stage = {stage: [p for p in items if p.stage == stage] for stage in labels.STAGES}
    construction_rows, sort, descending = (
        construction_overview.rows(db, items, today(request), request.query_params.get("sort"))
        if user.sees_all_cooperatives else (None, None, False))
    return render(
        request,
        "dashboard.html",
        construction_rows=construction_rows, sort=sort, descending=descending,
        by_stage=by_stage,
        project_count=len(items),
        cooperatives=cooperatives.list_for(db, user),
        map=sites_map(request, projects.sites_geojson(db, user)),
        stage_labels=labels.STAGES,
        stage_colors=labels.STAGE_COLORS,
    )


PARCELS_PER_PAGE = 100


def _page_number(request: Request, total: int) -> tuple[int, int]:
    pages = max(1, -(-total // PARCELS_PER_PAGE))
    return min(page_number(request.query_params.get("page")), pages), pages


def _imported(request: Request, name: str = "imported") -> int | None:
    """`?imported=` after an import (or `?deleted=` after a delete): how many parcels, or nothing to say."""
    query = FormReader(request.query_params)
    try:
        return query.int(name) if query.filled(name) else None
    except UserError:
        return None


@get("/projects/{slug:str}", guards=[signed_in], sync_to_thread=True)
def project_page(request: Request, db: Session, slug: str) -> Response:
    return _project_page(request, db, slug)


def _project_page(request: Request, db: Session, slug: str, *, status_code: int = 200,
                  stage_error: str | None = None) -> Response:
    user: CurrentUser = request.user
    project = projects.get_for(db, user, slug)
    geojson = projects.parcels_geojson(project)
    capacity = site_capacity(project)
    locale = request_locale(request)
    page, pages = _page_number(request, len(geojson["features"]))
    return render(
        request,
        "projects/detail.html",
        status_code=status_code,
        stage_error=stage_error,
        project=project,
        summary=projects.site_summary(project),
        parcels=geojson["features"],
        parcel_rows=geojson["features"][(page - 1) * PARCELS_PER_PAGE:page * PARCELS_PER_PAGE],
        page=page, pages=pages,
        map=parcels_map(request, geojson, capacity.buildable_footprint if capacity else None),
        capacity=capacity,
        capacity_explanations=[render_message(m, locale) for m in capacity.explanations] if capacity else [],
        capacity_warnings=[render_message(m, locale) for m in capacity.warnings] if capacity else [],
        may_edit=user.may_edit_cooperative(project.cooperative_id),
        stage_labels=labels.STAGES,
        land_labels=labels.LAND_STATUSES,
        land_colors=labels.LAND_STATUS_COLORS,
        saved=request.query_params.get("saved") == "1",
        imported=_imported(request),
        deleted=_imported(request, "deleted"),
        may_see_members=may_see_members(user, project.cooperative_id),
        **_construction_summary(db, project, locale, today(request)),
    )


def _construction_summary(db: Session, project: Project, locale: str, day: date) -> dict[str, Any]:
    """The S-curve and status, when the project is being built: the first thing asked about it every week."""
    from app.construction import service as construction
    from app.construction.charts import scurve_chart

    contract = construction.get(db, project)
    progress = construction.progress_of(db, project, day) if contract else None
    if progress is None:
        return {"progress": None, "scurve": None}
    chart = scurve_chart(progress.project, contract.started_on, day,
                                            locale)
    return {"progress": progress.project.assessment, "scurve": chart}


def _new_project_form(request: Request, db: Session, *, status_code: int = 200, **context: Any) -> Response:
    user: CurrentUser = request.user
    coops = list(db.scalars(cooperatives.active(cooperatives.visible(user)).order_by(Cooperative.name)))
    defaults = {"values": {"cooperative": request.query_params.get("cooperative", "")}, "error": None,
                "error_field": None}
    return render(request, "projects/new.html", status_code=status_code, cooperatives=coops,
                  stage_labels=labels.STAGES, **{**defaults, **context})


@get("/projects/new", guards=[planners], sync_to_thread=True)
def new_project_page(request: Request, db: Session) -> Response:
    return _new_project_form(request, db)


STAGES = tuple(stage.value for stage in ProjectStage)
SLUG_TEXT_LIMIT = 200  # a typed slug this long is refused by its own rule (1-64 characters), with its own message


def _stage(form: FormReader, default: str | None = None) -> str:
    return worded(lambda: form.choice("stage", STAGES, default=default), "Unknown stage {stage}.", "stage",
                  stage=shown(form.raw("stage")))


def new_project(form: FormReader) -> projects.NewProject:
    """The new project form; the name's and the slug's own rules (their columns) are the service's."""
    return projects.NewProject(
        cooperative=form.text("cooperative", limit=SLUG_TEXT_LIMIT), name=form.text("name", limit=limits.NAME),
        slug=form.text("slug", limit=SLUG_TEXT_LIMIT), stage=_stage(form, default=ProjectStage.INISIASI.value),
        description=form.text("description", limit=limits.DESCRIPTION) or None)


def stage_change(form: FormReader) -> projects.ProjectChanges:
    return projects.ProjectChanges(stage=_stage(form))


@post("/projects", guards=[planners], sync_to_thread=True)
def create_project(request: Request, db: Session, data: Form) -> Response:
    try:
        with refusable(db):
            project = projects.create(db, request.user, new_project(FormReader(data, request_locale(request))))
    except UserError as exc:
        return _new_project_form(request, db, status_code=exc.status, values=data,
                                 error=refusal_text(request, exc), error_field=exc.field)
    return Redirect(f"/projects/{project.slug}")


@post("/projects/{slug:str}/stage", guards=[writers], sync_to_thread=True)
def change_stage(request: Request, db: Session, slug: str, data: Form) -> Response:
    project = projects.get_for(db, request.user, slug)
    try:
        with refusable(db):
            projects.update(db, request.user, project, stage_change(FormReader(data, request_locale(request))))
    except UserError as exc:
        if exc.status == 404:
            raise
        return _project_page(request, db, slug, status_code=exc.status, stage_error=refusal_text(request, exc))
    return Redirect(f"/projects/{project.slug}?saved=1")


@get("/cooperatives", guards=[signed_in], sync_to_thread=True)
def cooperative_list(request: Request, db: Session) -> Response:
    return render(request, "cooperatives/list.html", cooperatives=cooperatives.list_for(db, request.user))


@get("/cooperatives/{slug:str}", guards=[signed_in], sync_to_thread=True)
def cooperative_page(request: Request, db: Session, slug: str) -> Response:
    user: CurrentUser = request.user
    coop = cooperatives.get_for(db, user, slug)
    items, _total = projects.list_for(db, user, cooperative_id=coop.id)
    geojson = projects.sites_geojson(db, user, cooperative_id=coop.id)
    return render(request, "cooperatives/detail.html", cooperative=coop, projects=items,
                  map=sites_map(request, geojson), stage_labels=labels.STAGES,
                  may_create=user.may_create_projects, may_see_members=may_see_members(user, coop.id))


handlers = [dashboard, new_project_page, create_project, project_page, change_stage, cooperative_list,
            cooperative_page]

# The pages of this context, registered once; none belongs in the API schema.
router = Router(path="/", route_handlers=handlers, include_in_schema=False)
