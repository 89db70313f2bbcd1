"""Pages to bring parcels in (upload, preview, confirm) and take them out (GeoJSON, GeoPackage)."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from litestar import Request, Response, get, post
from litestar.datastructures import State
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect
from shapely.geometry import mapping as to_geojson
from sqlalchemy.orm import Session

from app import labels, uploads
from app.auth.guards import signed_in, writers
from app.errors import DomainError
from app.i18n import gettext_for, render_message
from app.maps import feature_map
from app.parcels.export import FORMATS, export
from app.parcels.importer import ImportPlan, commit_import, plan_import
from app.projects import service as projects
from app.projects.models import Project
from app.web.deps import in_thread
from app.web.downloads import attachment
from app.web.locale import request_locale
from app.web.templating import render
from app.web.upload_form import UploadRefused, go_to_preview, receive
from gis.parcel_checks import TARGETS
from gis.parcel_file import ParcelFileError, ReadLimits

Form = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]
Multipart = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)]
# A map of more parcels than this in a preview slows the browser more than it helps the check.
PREVIEW_MAP_LIMIT = 5_000
PROBLEMS_SHOWN = 500
REJECTED_COLOR = "#e31a1c"
# What a file without a coordinate system may be taken to be: the systems Jakarta's surveys use.
ASSUMABLE_CRS = {
    "EPSG:32748": labels.N_("WGS 84 / UTM zone 48S (EPSG:32748)"),
    "EPSG:23834": labels.N_("DGN95 / Indonesia TM-3 zone 48.2 (EPSG:23834)"),
    "EPSG:23833": labels.N_("DGN95 / Indonesia TM-3 zone 48.1 (EPSG:23833)"),
    "EPSG:4326": labels.N_("WGS 84, longitude and latitude (EPSG:4326)"),
}


def _editable(request: Request, db: Session, slug: str) -> Project:
    return projects.editable_for(db, request.user, slug)


def _limits(state: State) -> ReadLimits:
    return ReadLimits(max_bytes=state.settings.max_upload_bytes)


def _options(params) -> dict[str, Any]:
    """Layer, repair and attribute mapping, as the preview's form sends them (query or body)."""
    mapping = {t: params.get(f"map_{t}") for t in TARGETS if params.get(f"map_{t}") is not None}
    crs = params.get("crs") or None
    return {"layer": params.get("layer") or None, "repair": params.get("repair") == "1", "mapping": mapping,
            "crs": crs if crs in ASSUMABLE_CRS else None}


def _upload_page(request: Request, project: Project, *, status_code: int = 200, error: str | None = None) -> Response:
    return render(request, "parcels/upload.html", status_code=status_code, project=project, error=error,
                  max_upload_mb=request.app.state.settings.max_upload_mb, crs_choices=ASSUMABLE_CRS,
                  crs=request.query_params.get("crs", ""))


def _upload_form(request: Request, db: Session, slug: str) -> Response:
    return _upload_page(request, _editable(request, db, slug))


@get("/projects/{slug:str}/parcels/import", include_in_schema=False, guards=[writers])
async def upload_form(request: Request, db: Session, slug: str) -> Response:
    return await in_thread(_upload_form, request, db, slug)


@post("/projects/{slug:str}/parcels/import", include_in_schema=False, guards=[writers], sync_to_thread=True)
def upload(request: Request, db: Session, slug: str, data: Multipart) -> Response:
    project = _editable(request, db, slug)
    try:
        saved = receive(request, data, scope=f"parcels:{project.slug}")
    except UploadRefused as exc:
        return _upload_page(request, project, status_code=exc.status_code, error=exc.text)
    crs = data.get("crs") if data.get("crs") in ASSUMABLE_CRS else None
    return go_to_preview(request, f"/projects/{project.slug}/parcels/import/{saved.token}"
                         + (f"?crs={crs}" if crs else ""))


def _preview_map(request: Request, plan: ImportPlan):
    locale = request_locale(request)
    _ = gettext_for(locale)
    features = []
    for d in plan.drafts[:PREVIEW_MAP_LIMIT]:
        features.append({"type": "Feature", "geometry": to_geojson(d.geometry), "properties": {
            "feature": d.label, "code": d.code, "status": d.land_status,
            "status_label": _(labels.LAND_STATUSES[d.land_status])}})
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
    return feature_map(
        {"type": "FeatureCollection", "features": features}, height_px=460,
        tooltip_fields=[("feature", _("Feature")), ("code", _("Parcel code")), ("status_label", _("Land status"))],
        color_property="status", colors=colors, legend=legend, scale_bar=True,
    ), len(features) < len(plan.drafts) + len(rejected)


def _preview(request: Request, db: Session, state: State, slug: str, token: str, options: dict[str, Any],
             *, status_code: int = 200, error: str | None = None) -> Response:
    project = _editable(request, db, slug)
    upload_ = uploads.load(state.settings.data_dir, token, user_id=request.user.id,
                           scope=f"parcels:{project.slug}")
    locale = request_locale(request)
    _ = gettext_for(locale)
    try:
        plan = plan_import(db, project, upload_.path, filename=upload_.filename, layer=options["layer"],
                           repair=options["repair"], mapping=options["mapping"], limits=_limits(state),
                           assume_crs=options["crs"])
    except ParcelFileError as exc:
        uploads.discard(state.settings.data_dir, token)
        return _upload_page(request, project, status_code=400,
                            error=f"{upload_.filename}: {render_message(exc.message, locale)}")
    except DomainError as exc:  # a mapping that names no column of the file
        options = {**options, "mapping": {}}
        error = _(exc.msgid).format(**exc.fields)
        status_code = exc.status_code
        plan = plan_import(db, project, upload_.path, filename=upload_.filename, layer=options["layer"],
                           repair=options["repair"], limits=_limits(state), assume_crs=options["crs"])
    preview_map, truncated = _preview_map(request, plan)
    return render(
        request, "parcels/preview.html", status_code=status_code, project=project, upload=upload_, plan=plan,
        map=preview_map, map_truncated=truncated, map_limit=PREVIEW_MAP_LIMIT, error=error,
        problems=[(r.feature, render_message(r.message, locale)) for r in plan.rejected[:PROBLEMS_SHOWN]],
        problems_hidden=max(0, len(plan.rejected) - PROBLEMS_SHOWN),
        notes=[render_message(m, locale) for m in plan.file.warnings]
        + [render_message(m, locale) for _label, m in plan.notes[:PROBLEMS_SHOWN]],
        notes_hidden=max(0, len(plan.notes) - PROBLEMS_SHOWN),
        total_area=plan.total_area_m2, targets=TARGETS, target_labels=TARGET_LABELS,
        repair=options["repair"], layer=plan.file.layer, crs=options["crs"],
        land_labels=labels.LAND_STATUSES,
        repaired=sum(f.repaired for f in plan.file.features),
    )


TARGET_LABELS = {
    "code": labels.N_("Parcel code (e.g. NIB)"),
    "land_status": labels.N_("Land status"),
    "holder": labels.N_("Holder"),
    "notes": labels.N_("Notes"),
}


@get("/projects/{slug:str}/parcels/import/{token:str}", include_in_schema=False, guards=[writers])
async def preview(request: Request, db: Session, state: State, slug: str, token: str) -> Response:
    return await in_thread(_preview, request, db, state, slug, token, _options(request.query_params))


@post("/projects/{slug:str}/parcels/import/{token:str}", include_in_schema=False, guards=[writers],
      sync_to_thread=True)
def confirm(request: Request, db: Session, state: State, slug: str, token: str, data: Form) -> Response:
    project = _editable(request, db, slug)
    data_dir = state.settings.data_dir
    upload_ = uploads.load(data_dir, token, user_id=request.user.id, scope=f"parcels:{project.slug}")
    if data.get("action") == "cancel":
        uploads.discard(data_dir, token)
        return Redirect(f"/projects/{project.slug}")
    options = _options(data)
    try:
        plan = plan_import(db, project, upload_.path, filename=upload_.filename, layer=options["layer"],
                           repair=options["repair"], mapping=options["mapping"], limits=_limits(state),
                           assume_crs=options["crs"])
        imported = commit_import(db, request.user, project, plan)
    except (ParcelFileError, DomainError) as exc:
        locale = request_locale(request)
        message = (render_message(exc.message, locale) if isinstance(exc, ParcelFileError)
                   else gettext_for(locale)(exc.msgid).format(**exc.fields))
        return _preview(request, db, state, slug, token, options, status_code=400, error=message)
    uploads.discard(data_dir, token)
    return Redirect(f"/projects/{project.slug}?" + urlencode({"imported": imported}))


@get([f"/projects/{{slug:str}}/parcels{suffix}" for _media, suffix in FORMATS.values()], include_in_schema=False,
     guards=[signed_in])
async def download(request: Request, db: Session, slug: str) -> Response:
    return await in_thread(_download, request, db, slug)


def _download(request: Request, db: Session, slug: str) -> Response:
    fmt = request.url.path.rsplit(".", 1)[-1]
    project = projects.get_for(db, request.user, slug)
    media_type, suffix = FORMATS[fmt]
    return attachment(export(project, fmt), f"{project.slug}-parcels{suffix}", media_type)


routes = [upload_form, upload, preview, confirm, download]
