"""Block footprints on the site, and the progress map."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from litestar import Request, Response, get, post
from litestar.response import Redirect
from sqlalchemy.orm import Session

from app.auth.guards import signed_in, writers
from app.construction import footprints as block_footprints
from app.construction import progress_map
from app.construction import service as construction
from app.construction.pages.common import (
    Form,
    Multipart,
    as_of_date,
    form_of,
)
from app.i18n import gettext_for, render_message
from app.projects import service as projects
from app.projects.models import Project
from app.web.deps import refusable
from app.web.errors import refusal_lines
from app.web.forms import FormReader
from app.web.imports import Checked, ImportFlow, Refused, Step
from app.web.locale import request_locale
from app.web.templating import render
from gis.footprint_checks import MAX_DRAWN_CHARS
from gis.geojson import feature, feature_collection
from gis.parcel_file import ParcelFileError, ReadLimits
from kernel.errors import UserError

BLOCK_LIMIT = 40  # a block's code is up to 8 characters; a longer one is named in the refusal


def _footprint_problems(request: Request, exc: Exception) -> list[str]:
    """Each problem on its line, an imported file's numbered by feature."""
    locale = request_locale(request)
    _ = gettext_for(locale)
    if isinstance(exc, ParcelFileError):
        return [render_message(exc.message, locale)]
    if isinstance(exc, block_footprints.FootprintsRefused):
        # A message of the file reader names its feature already.
        return [_("Feature {feature}: {problem}").format(feature=label, problem=render_message(m, locale))
                if label and "feature" not in m.fields else render_message(m, locale) for label, m in exc.problems]
    return refusal_lines(request, exc)  # type: ignore[arg-type]


def drawn_in(form: FormReader) -> block_footprints.DrawnIn:
    """The block and its outline as the map sends it; whether the block is one of the scenario's and the outline a
    shape on the site, the footprint checks say, naming the block."""
    return block_footprints.DrawnIn(form.text("block", limit=BLOCK_LIMIT),
                                    form.text("outline", limit=MAX_DRAWN_CHARS))


def _geojson_of(rows, properties) -> dict[str, Any]:
    return feature_collection(feature(row.geom, properties(row)) for row in rows)


def _footprints_page(request: Request, db: Session, slug: str, *, status_code: int = 200,
                     errors: list[str] | None = None, problems: list[str] | None = None,
                     values: dict[str, str] | None = None) -> Response:
    project = projects.editable_for(db, request.user, slug)
    _ = gettext_for(request_locale(request))
    scenario = block_footprints.built_scenario(db, project)
    blocks = block_footprints.blocks_of(scenario)
    rows = block_footprints.footprints_of(db, project)
    parcels = project.site.parcels if project.site else []
    editor = {
        "parcels": _geojson_of(parcels, lambda p: {"code": p.code}),
        "footprints": _geojson_of(rows, lambda f: {"code": f.building_code}),
        "labels": {
            "choose_block": _("Choose the block first."),
            "started": _("Block {block}: click the corners of its outline on the map, one after the other."),
            "points": _("Corners placed: {n}. Finish with the button, a double click or Enter."),
            "need_three": _("An outline needs at least three corners."),
            "finished": _("The outline of block {block} is ready: save it, or draw it again."),
            "cancelled": _("Drawing cancelled."),
            "finish_first": _("Finish the outline before saving it."),
        },
    }
    return render(request, "construction/footprints.html", status_code=status_code, project=project,
                  scenario=scenario, blocks=blocks, block_codes={b.code for b in blocks}, rows=rows,
                  by_code={r.building_code: r for r in rows}, has_site=bool(parcels), editor=editor,
                  errors=errors or [], problems=problems or [], values=values or {})


@get("/projects/{slug:str}/construction/footprints", guards=[writers], sync_to_thread=True)
def footprints_page(request: Request, db: Session, slug: str) -> Response:
    return _footprints_page(request, db, slug)


@post("/projects/{slug:str}/construction/footprints", guards=[writers], sync_to_thread=True)
def save_footprint(request: Request, db: Session, slug: str, data: Form) -> Response:
    project = projects.editable_for(db, request.user, slug)
    try:
        with refusable(db):
            row = block_footprints.save(db, request.user, project, drawn_in(form_of(request, data)))
    except UserError as exc:
        return _footprints_page(request, db, slug, status_code=exc.status,
                                errors=_footprint_problems(request, exc), values=data)
    return Redirect(f"/projects/{project.slug}/construction/footprints?" + urlencode({"saved": row.building_code}))


@post("/projects/{slug:str}/construction/footprints/delete", guards=[writers],
      sync_to_thread=True)
def delete_footprint(request: Request, db: Session, slug: str, data: Form) -> Response:
    project = projects.editable_for(db, request.user, slug)
    try:
        with refusable(db):
            block = form_of(request, data).text("block", limit=BLOCK_LIMIT)
            block_footprints.delete(db, request.user, project, block)
    except UserError as exc:
        return _footprints_page(request, db, slug, status_code=exc.status, errors=refusal_lines(request, exc))
    return Redirect(f"/projects/{project.slug}/construction/footprints?" + urlencode({"deleted": block}))


def _check_file(step: Step[Project]) -> Checked:
    checked = block_footprints.check_file(
        step.db, step.owner, step.upload.path, filename=step.upload.filename,
        limits=ReadLimits(max_bytes=step.request.app.state.settings.max_upload_bytes))
    return Checked(checked, checked.problems)


def _import_refused(request: Request, db: Session, project: Project, refused: Refused) -> Response:
    """An upload's refusal above the page; the file's under the import form, which says that nothing was imported."""
    if refused.kind == "upload":
        return _footprints_page(request, db, project.slug, status_code=refused.status, errors=refused.lines)
    return _footprints_page(request, db, project.slug, status_code=refused.status, problems=refused.lines)


FOOTPRINT_IMPORT: ImportFlow[Project] = ImportFlow(
    scope=lambda project: f"footprints:{project.id}",
    check=_check_file,
    store=lambda step, checked: block_footprints.store_file(step.db, step.user, step.owner, checked.data),
    form_page=_import_refused,
    done_url=lambda project, rows: f"/projects/{project.slug}/construction/footprints?imported={len(rows)}",
    name_the_file=True,
)


@post("/projects/{slug:str}/construction/footprints/import", guards=[writers],
      sync_to_thread=True)
def import_footprints(request: Request, db: Session, slug: str, data: Multipart) -> Response:
    return FOOTPRINT_IMPORT.upload(request, db, projects.editable_for(db, request.user, slug), data)


def _map_labels(locale: str) -> dict[str, Any]:
    _ = gettext_for(locale)
    return {
        "failed": _("The map could not be loaded. Reload the page to try again."),
        "block": _("Block {code}"), "block_header": _("Block"), "planned": _("Planned"), "actual": _("Actual"),
        "status": _("Status"), "report": _("Report"), "no_report": _("No report yet"),
        "no_progress": _("No progress reported"),
        "statuses": {"normal": _("On schedule"), "terlambat": _("Behind schedule"),
                     "kritis": _("Critical (kontrak kritis)")},
        "photo": _("Site photo"), "taken": _("Taken"), "unknown_date": _("Date taken unknown"),
        "caption": _("Caption"),
        "layer_blocks": _("Blocks by progress"), "layer_photos": _("Site photos"), "layer_parcels": _("Site parcels"),
        "layer_before": _("Buildings in 2012 (OpenStreetMap)"),
        "osm": "© OpenStreetMap contributors (ODbL)",
        "play": _("Play"), "pause": _("Pause"), "report_of": _("Report of {date}"),
        "project_line": _("project {actual} done, {planned} planned"),
    }


@get("/projects/{slug:str}/construction/map", guards=[signed_in], sync_to_thread=True)
def progress_map_page(request: Request, db: Session, slug: str) -> Response:
    project = projects.get_for(db, request.user, slug)
    locale = request_locale(request)
    _ = gettext_for(locale)
    as_of = as_of_date(request)
    contract = construction.get(db, project)
    scenario = block_footprints.built_scenario(db, project)
    blocks = block_footprints.blocks_of(scenario)
    rows = block_footprints.footprints_of(db, project)
    placed = {r.building_code for r in rows}
    return render(request, "construction/progress_map.html", project=project, contract=contract, blocks=blocks,
                  footprints=rows, missing=[b.code for b in blocks if b.code not in placed],
                  progress=construction.progress_of(db, project, as_of) if contract else None,
                  class_legend=[(c.fill, _("{low}–{high}% complete").format(low=c.low, high=c.high))
                                for c in progress_map.progress_classes()],
                  critical=progress_map.CRITICAL, no_data=progress_map.NO_DATA,
                  map_src=f"/projects/{project.slug}/construction/map.json"
                  + (f"?{urlencode({'as_of': as_of.isoformat()})}" if request.query_params.get("as_of") else ""),
                  labels=_map_labels(locale),
                  may_edit=request.user.may_edit_cooperative(project.cooperative_id))


@get("/projects/{slug:str}/construction/map.json", guards=[signed_in], sync_to_thread=True)
def progress_map_data(request: Request, db: Session, slug: str) -> Response:
    project = projects.get_for(db, request.user, slug)
    return Response(progress_map.map_data(db, project, as_of_date(request)), media_type="application/json",
                    headers={"Cache-Control": "private, no-cache"})


handlers = [footprints_page, save_footprint, delete_footprint, import_footprints, progress_map_page, progress_map_data]
