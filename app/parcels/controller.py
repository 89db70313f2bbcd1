"""Pages to bring parcels in (upload, preview, confirm) and take them out (GeoJSON, GeoPackage)."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from litestar import Request, Response, Router, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect
from shapely.geometry import mapping as to_geojson
from sqlalchemy.orm import Session

from app import labels
from app.auth.guards import signed_in, writers
from app.i18n import gettext_for, render_message
from app.maps import Overlay, feature_map
from app.parcels.export import FORMATS, export
from app.parcels.importer import ImportPlan, commit_import, plan_import
from app.parcels.service import delete_parcels, parcel_by_code, scenarios_on
from app.projects import service as projects
from app.projects.models import Project
from app.web.downloads import attachment
from app.web.forms import FormReader
from app.web.imports import Checked, ImportFlow, Step
from app.web.locale import request_locale
from app.web.templating import render
from gis.parcel_checks import MAX_CODE_LENGTH, TARGETS
from gis.parcel_file import ReadLimits
from kernel.errors import UserError

Form = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]
Multipart = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)]
# A map of more parcels than this in a preview slows the browser more than it helps the check.
PREVIEW_MAP_LIMIT = 5_000
PROBLEMS_SHOWN = 500
REJECTED_COLOR = "#e31a1c"
EXISTING_COLOR = "#555555"  # the site's parcels already stored: grey, dashed, under what the file brings
# What a file without a coordinate system may be taken to be: the systems Jakarta's surveys use.
ASSUMABLE_CRS = {
    "EPSG:32748": labels.N_("WGS 84 / UTM zone 48S (EPSG:32748)"),
    "EPSG:23834": labels.N_("DGN95 / Indonesia TM-3 zone 48.2 (EPSG:23834)"),
    "EPSG:23833": labels.N_("DGN95 / Indonesia TM-3 zone 48.1 (EPSG:23833)"),
    "EPSG:4326": labels.N_("WGS 84, longitude and latitude (EPSG:4326)"),
}


def _editable(request: Request, db: Session, slug: str) -> Project:
    return projects.editable_for(db, request.user, slug)


def _options(params) -> dict[str, Any]:
    """Layer, repair and attribute mapping, as the preview's form sends them (query or body)."""
    mapping = {t: params.get(f"map_{t}") for t in TARGETS if params.get(f"map_{t}") is not None}
    crs = params.get("crs") or None
    return {"layer": params.get("layer") or None, "repair": params.get("repair") == "1", "mapping": mapping,
            "crs": crs if crs in ASSUMABLE_CRS else None, "replace": params.get("replace") == "1"}


def _upload_page(request: Request, project: Project, *, status_code: int = 200, error: str | None = None) -> Response:
    return render(request, "parcels/upload.html", status_code=status_code, project=project, error=error,
                  max_upload_mb=request.app.state.settings.max_upload_mb, crs_choices=ASSUMABLE_CRS,
                  crs=request.query_params.get("crs", ""), replace=request.query_params.get("replace") == "1",
                  existing=len(project.site.parcels) if project.site else 0)


@get("/projects/{slug:str}/parcels/import", guards=[writers], sync_to_thread=True)
def upload_form(request: Request, db: Session, slug: str) -> Response:
    return _upload_page(request, _editable(request, db, slug))


@post("/projects/{slug:str}/parcels/import", guards=[writers], sync_to_thread=True)
def upload(request: Request, db: Session, slug: str, data: Multipart) -> Response:
    crs = data.get("crs") if data.get("crs") in ASSUMABLE_CRS else None
    query = {**({"crs": crs} if crs else {}), **({"replace": "1"} if data.get("replace") == "1" else {})}
    return PARCEL_IMPORT.upload(request, db, _editable(request, db, slug), data, query=query or None)


def _preview_map(request: Request, plan: ImportPlan, project: Project):
    locale = request_locale(request)
    _ = gettext_for(locale)
    features = []
    for d in plan.drafts[:PREVIEW_MAP_LIMIT]:
        features.append({"type": "Feature", "geometry": to_geojson(d.geometry), "properties": {
            "feature": d.label, "code": d.code, "status": d.land_status,
            "status_label": _(labels.LAND_STATUSES[d.land_status]), "holder": d.holder, "notes": d.notes}})
    rejected = {r.feature for r in plan.rejected}
    for f in plan.file.features:
        if f.label in rejected and f.geometry is not None and len(features) < PREVIEW_MAP_LIMIT:
            features.append({"type": "Feature", "geometry": to_geojson(f.geometry), "properties": {
                "feature": f.label, "status": "_rejected", "status_label": _("Refused")}})
    colors = dict(labels.LAND_STATUS_COLORS, _rejected=REJECTED_COLOR)
    used = {f["properties"]["status"] for f in features}
    legend = [(colors[s], _(labels.LAND_STATUSES[s])) for s in labels.LAND_STATUSES if s in used]
    if "_rejected" in used:
        legend.append((REJECTED_COLOR, _("Refused")))
    # The site's parcels already stored, so an import beside them (or far from them) shows as such.
    overlays = []
    existing = project.site.parcels if project.site else []
    if existing:
        name = _("Parcels deleted by the replace") if plan.replace else _("Parcels already on the site")
        overlays.append(Overlay(name, {"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": {}, "geometry": to_geojson(p.geom)}
            for p in existing[:PREVIEW_MAP_LIMIT]]}, color=EXISTING_COLOR))
        legend.append((EXISTING_COLOR, name))
    return feature_map(
        {"type": "FeatureCollection", "features": features}, height_px=460,
        tooltip_fields=[("feature", _("Feature")), ("code", _("Parcel code")), ("status_label", _("Land status")),
                        ("holder", _("Holder")), ("notes", _("Notes"))],
        color_property="status", colors=colors, legend=legend, scale_bar=True,
        overlays=overlays,
    ), len(features) < len(plan.drafts) + len(rejected)


TARGET_LABELS = {
    "code": labels.N_("Parcel code (e.g. NIB)"),
    "land_status": labels.N_("Land status"),
    "holder": labels.N_("Holder"),
    "notes": labels.N_("Notes"),
}


def _plan(step: Step[Project], options: dict[str, Any]) -> ImportPlan:
    return plan_import(step.db, step.owner, step.upload.path, filename=step.upload.filename, layer=options["layer"],
                       repair=options["repair"], mapping=options["mapping"], assume_crs=options["crs"],
                       replace=options["replace"],
                       limits=ReadLimits(max_bytes=step.request.app.state.settings.max_upload_bytes))


def _check(step: Step[Project]) -> Checked:
    """The plan for the file with the layer, repair and mapping chosen; a mapping that names no column of the
    file is refused above the plan for the file as guessed."""
    options = _options(step.form)
    try:
        plan = _plan(step, options)
    except UserError as exc:
        if exc.field != "mapping":
            raise
        return Checked(_plan(step, {**options, "mapping": {}}), (), refusal=exc)
    return Checked(plan, plan.rejected)


def _preview_context(step: Step[Project], checked: Checked) -> dict[str, Any]:
    plan: ImportPlan = checked.data
    locale = step.locale
    preview_map, truncated = _preview_map(step.request, plan, step.owner)
    return {
        # One count per noun, so the alert and the facts agree: features refused, and the problems they have.
        # (the flow passes `problem_count`, the number of problems)
        "refused_features": len({r.feature for r in plan.rejected}),
        "warnings": [render_message(m, locale) for m in plan.warnings],
        "replace": plan.replace, "replaced": plan.replaced,
        "existing": len(step.owner.site.parcels) if step.owner.site else 0,
        "scenarios": scenarios_on(step.db, step.owner) if plan.replace else 0,
        "with_notes": sum(d.notes is not None for d in plan.drafts),
        "project": step.owner, "plan": plan, "map": preview_map, "map_truncated": truncated,
        "map_limit": PREVIEW_MAP_LIMIT,
        "notes": [render_message(m, locale) for m in plan.file.warnings]
        + [render_message(m, locale) for _label, m in plan.notes[:PROBLEMS_SHOWN]],
        "notes_hidden": max(0, len(plan.notes) - PROBLEMS_SHOWN),
        "total_area": plan.total_area_m2, "targets": TARGETS, "target_labels": TARGET_LABELS,
        "repair": plan.repair, "layer": plan.file.layer, "crs": _options(step.form)["crs"],
        "land_labels": labels.LAND_STATUSES, "repaired": sum(f.repaired for f in plan.file.features),
    }


PARCEL_IMPORT: ImportFlow[Project] = ImportFlow(
    scope=lambda project: f"parcels:{project.slug}",
    check=_check,
    store=lambda step, checked: commit_import(step.db, step.user, step.owner, checked.data),
    form_page=lambda request, db, project, refused: _upload_page(request, project, status_code=refused.status,
                                                                 error=refused.text),
    preview_template="parcels/preview.html",
    preview_context=_preview_context,
    preview_url=lambda project, token: f"/projects/{project.slug}/parcels/import/{token}",
    cancel_url=lambda project: f"/projects/{project.slug}",
    done_url=lambda project, imported: f"/projects/{project.slug}?" + urlencode({"imported": imported}),
    where=("feature",),
    refused=labels.N_("The file has {n} problem(s); nothing was imported. Fix the file or choose repair, "
                      "then try again."),
    name_the_file=True,  # the file reader's messages do not name it
    problems_shown=PROBLEMS_SHOWN,
)


@get("/projects/{slug:str}/parcels/import/{token:str}", guards=[writers], sync_to_thread=True)
def preview(request: Request, db: Session, slug: str, token: str) -> Response:
    return PARCEL_IMPORT.preview(request, db, _editable(request, db, slug), token)


@post("/projects/{slug:str}/parcels/import/{token:str}", guards=[writers],
      sync_to_thread=True)
def confirm(request: Request, db: Session, slug: str, token: str, data: Form) -> Response:
    return PARCEL_IMPORT.confirm(request, db, _editable(request, db, slug), token, data)


def _delete_page(request: Request, db: Session, project: Project, code: str | None) -> Response:
    """The confirmation: what goes (one parcel or all), its land, and the scenarios that read the site."""
    parcel = parcel_by_code(project, code) if code else None
    gone = [parcel] if parcel else (project.site.parcels if project.site else [])
    return render(request, "parcels/delete.html", project=project, parcel=parcel, count=len(gone),
                  area_m2=sum(p.area_m2 for p in gone), scenarios=scenarios_on(db, project))


def _code(params) -> str | None:
    return FormReader(params).text("code", limit=MAX_CODE_LENGTH) or None


@get("/projects/{slug:str}/parcels/delete", guards=[writers], sync_to_thread=True)
def delete_form(request: Request, db: Session, slug: str) -> Response:
    return _delete_page(request, db, _editable(request, db, slug), _code(request.query_params))


@post("/projects/{slug:str}/parcels/delete", guards=[writers], sync_to_thread=True)
def delete(request: Request, db: Session, slug: str, data: Form) -> Response:
    project = _editable(request, db, slug)
    deleted = delete_parcels(db, request.user, project, code=_code(data))
    return Redirect(f"/projects/{project.slug}?" + urlencode({"deleted": deleted}))


def _download(request: Request, db: Session, slug: str, fmt: str) -> Response:
    project = projects.get_for(db, request.user, slug)
    media_type, suffix = FORMATS[fmt]
    return attachment(export(project, fmt), f"{project.slug}-parcels{suffix}", media_type)


# One handler per format: a handler given several paths is registered once per path, and Litestar 2 then wraps
# a sync handler's thread twice.
def _download_handler(fmt: str):
    def download(request: Request, db: Session, slug: str) -> Response:
        return _download(request, db, slug, fmt)

    download.__name__ = f"download_{fmt}"
    return get(f"/projects/{{slug:str}}/parcels{FORMATS[fmt][1]}", guards=[signed_in], sync_to_thread=True,
               name=f"parcels-{fmt}")(download)


handlers = [upload_form, upload, preview, confirm, delete_form, delete, *(_download_handler(fmt) for fmt in FORMATS)]

# The pages of this context, registered once; none belongs in the API schema.
router = Router(path="/", route_handlers=handlers, include_in_schema=False)
