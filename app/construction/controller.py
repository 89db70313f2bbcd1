"""Pages of a project's construction: start, schedule of work packages, progress reports, S-curve and status."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from urllib.parse import urlencode

from babel.dates import format_date
from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import uploads
from app.auth.guards import signed_in, writers
from app.construction import costs as cost_book
from app.construction import footprints as block_footprints
from app.construction import handover as handovers
from app.construction import photos as site_photos
from app.construction import progress_map, schedule_file
from app.construction import service as construction
from app.construction import showcause as show_cause
from app.db.base import utcnow
from app.designs.models import Scenario
from app.documents.handover import handover_pdf
from app.errors import DomainError, Invalid
from app.i18n import JAKARTA, babel_locale, gettext_for, render_message
from app.projects import service as projects
from app.tabular import TableFileError
from app.web.deps import in_thread
from app.web.downloads import PDF, XLSX, attachment
from app.web.locale import request_locale
from app.web.templating import render
from app.web.upload_form import UploadRefused, go_to_preview, receive
from costing.rab import DIVISIONS
from gis.geojson import feature, feature_collection
from gis.parcel_file import ParcelFileError, ReadLimits
from progress.chart import ChartLabels, scurve_svg

Form = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]
Multipart = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)]


def today() -> date:
    """The site's calendar day: Jakarta's."""
    return utcnow().astimezone(JAKARTA).date()


def chart_labels(locale: str) -> ChartLabels:
    _ = gettext_for(locale)
    months = tuple(format_date(date(2000, m, 1), "MMM", locale=babel_locale(locale)) for m in range(1, 13))
    return ChartLabels(title=_("S-curve"), planned=_("Planned"), actual=_("Actual"), band=_("Behind (terlambat)"),
                       critical=_("Kontrak kritis below this line"), as_of=_("Today"), y_axis=_("Progress"),
                       months=months)


def scurve_chart(curve, start: date, as_of: date, locale: str, **size) -> str:
    return scurve_svg(curve.planned, curve.actual, start=start, as_of=as_of, labels=chart_labels(locale), **size)


def _errors(request: Request, exc: DomainError) -> list[str]:
    locale = request_locale(request)
    problems = getattr(exc, "problems", None)
    if problems:
        return [render_message(p.message, locale) for p in problems]
    return [gettext_for(locale)(exc.msgid).format(**exc.fields)]


def _as_of(request: Request) -> date:
    raw = request.query_params.get("as_of", "")
    try:
        return date.fromisoformat(raw) if raw else today()
    except ValueError:
        raise Invalid("Write the date as YYYY-MM-DD, e.g. 2026-11-01.", field="as_of") from None


def _page(request: Request, db: Session, slug: str, *, status_code: int = 200, errors: list[str] | None = None,
          values: dict[str, str] | None = None) -> Response:
    project = projects.get_for(db, request.user, slug, with_parcels=False)
    as_of = _as_of(request)
    contract = construction.get(db, project)
    progress = construction.progress_of(db, project, as_of) if contract else None
    packages = construction.packages_of(db, project) if contract else []
    reports = construction.reports_of(db, project) if contract else []
    latest: dict[int, object] = {}
    for report in reports:
        if report.report_date <= as_of:
            for entry in report.entries:
                latest[entry.package_id] = entry.percent
    locale = request_locale(request)
    chart = scurve_chart(progress.project, contract.started_on, as_of, locale) if progress else None
    scenarios = db.scalars(select(Scenario).where(Scenario.project_id == project.id).order_by(Scenario.name)).all()
    return render(request, "construction/detail.html", status_code=status_code, project=project, contract=contract,
                  progress=progress, packages=packages, reports=reports, latest=latest, chart=chart, as_of=as_of,
                  today=today(), errors=errors or [], values=values or {}, scenarios=scenarios,
                  **_contract_sections(request, db, project, contract),
                  divisions=DIVISIONS, may_edit=request.user.may_edit_cooperative(project.cooperative_id),
                  latest_photos=site_photos.photos_of(db, project, limit=6))


@get("/projects/{slug:str}/construction", include_in_schema=False, guards=[signed_in])
async def construction_page(request: Request, db: Session, slug: str) -> Response:
    return await in_thread(_page, request, db, slug)


def _act_on_page(request: Request, db: Session, slug: str, data: dict[str, str], act, then) -> Response:
    """A form of the construction page: `act(project)` makes the change; on a refusal nothing is kept and the page
    comes back with the message and what was typed; else the browser goes to `then(project, result)`."""
    project = projects.editable_for(db, request.user, slug, with_parcels=False)
    try:
        result = act(project)
    except DomainError as exc:
        db.rollback()
        return _page(request, db, slug, status_code=exc.status_code, errors=_errors(request, exc), values=data)
    return Redirect(then(project, result))


@post("/projects/{slug:str}/construction", include_in_schema=False, guards=[writers], sync_to_thread=True)
def start_construction(request: Request, db: Session, slug: str, data: Form) -> Response:
    return _act_on_page(request, db, slug, data, lambda project: construction.start(db, request.user, project, data),
                        lambda project, _: f"/projects/{project.slug}/construction?started=1")


def _schedule_page(request: Request, db: Session, slug: str, *, status_code: int = 200,
                   errors: list[str] | None = None) -> Response:
    project = projects.editable_for(db, request.user, slug, with_parcels=False)
    contract = construction.get(db, project)
    if contract is None:
        return Redirect(f"/projects/{project.slug}/construction")
    return render(request, "construction/schedule.html", status_code=status_code, project=project,
                  contract=contract, packages=construction.packages_of(db, project), divisions=DIVISIONS,
                  errors=errors or [])


@get("/projects/{slug:str}/construction/schedule", include_in_schema=False, guards=[writers])
async def schedule_page(request: Request, db: Session, slug: str) -> Response:
    return await in_thread(_schedule_page, request, db, slug)


@post("/projects/{slug:str}/construction/schedule", include_in_schema=False, guards=[writers], sync_to_thread=True)
def save_schedule(request: Request, db: Session, slug: str, data: Form) -> Response:
    project = projects.editable_for(db, request.user, slug, with_parcels=False)
    codes = [key.removeprefix("cost_") for key in data if key.startswith("cost_")]
    rows = [{"code": code, "cost": data.get(f"cost_{code}", ""), "start": data.get(f"start_{code}", ""),
             "finish": data.get(f"finish_{code}", "")} for code in codes]
    try:
        changed = construction.save_schedule(db, request.user, project, rows)
    except DomainError as exc:
        db.rollback()
        return _schedule_page(request, db, slug, status_code=exc.status_code, errors=_errors(request, exc))
    return Redirect(f"/projects/{project.slug}/construction/schedule?saved={changed}")


def _report_form(request: Request, db: Session, slug: str, *, status_code: int = 200,
                 errors: list[str] | None = None, values: dict[str, str] | None = None) -> Response:
    project = projects.editable_for(db, request.user, slug, with_parcels=False)
    contract = construction.get(db, project)
    if contract is None:
        return Redirect(f"/projects/{project.slug}/construction")
    packages = construction.packages_of(db, project)
    latest: dict[int, object] = {}
    for report in construction.reports_of(db, project):
        for entry in report.entries:
            latest[entry.package_id] = entry.percent
    return render(request, "construction/report_form.html", status_code=status_code, project=project,
                  contract=contract, packages=packages, latest=latest, divisions=DIVISIONS, today=today(),
                  errors=errors or [], values=values or {}, blocks=site_photos.blocks_of(db, project),
                  photo_slots=PHOTO_SLOTS, photo_limits=_photo_limits(request))


@get("/projects/{slug:str}/construction/reports", include_in_schema=False, guards=[writers])
async def report_form(request: Request, db: Session, slug: str) -> Response:
    return await in_thread(_report_form, request, db, slug)


@post("/projects/{slug:str}/construction/reports", include_in_schema=False, guards=[writers], sync_to_thread=True)
def add_report(request: Request, db: Session, slug: str, data: Multipart) -> Response:
    project = projects.editable_for(db, request.user, slug, with_parcels=False)
    fields = _text_fields(data)
    try:
        report = site_photos.add_report_with_photos(db, request.user, _photo_store(request), project, fields,
                                                    _photo_uploads(request, data), today())
    except DomainError as exc:
        db.rollback()
        return _report_form(request, db, slug, status_code=exc.status_code, errors=_photo_errors(request, exc),
                            values=fields)
    return go_to_preview(request, f"/projects/{project.slug}/construction?reported={report.report_date.isoformat()}")


routes = [construction_page, start_construction, schedule_page, save_schedule, report_form, add_report]


# --- Site photos: upload with a report or on their own page, thumbnails, public copies, originals -----------------

PHOTO_SLOTS = 3  # file inputs a form shows: three phone photos fit in one request's size limit
_PHOTO_KEY = "photo_"
_PHOTO_CACHE = "private, max-age=86400"  # a photo's files never change; private: only for who may see the project


def _photo_store(request: Request) -> site_photos.PhotoStore:
    return site_photos.PhotoStore.from_settings(request.app.state.settings)


def _photo_limits(request: Request) -> dict[str, int]:
    settings = request.app.state.settings
    return {"mb": settings.photo_max_bytes // (1024 * 1024), "mp": settings.photo_max_pixels // 1_000_000,
            "total": settings.max_upload_mb}


def _text_fields(data: dict[str, Any]) -> dict[str, str]:
    """A multipart form's text fields, as the url-encoded form gave them."""
    fields: dict[str, str] = {}
    for key, value in data.items():
        value = next((v for v in value if isinstance(v, str)), None) if isinstance(value, list) else value
        if isinstance(value, str):
            fields[key] = value
    return fields


def _photo_uploads(request: Request, data: dict[str, Any]) -> list[site_photos.PhotoUpload]:
    """The photos of `photo_<n>` inputs with their `photo_caption_<n>` and `photo_building_<n>`, in form order.
    An input left empty is skipped; its caption alone is refused, so a photo the user meant is not lost unseen."""
    fields = _text_fields(data)
    slots = sorted(int(key.removeprefix(_PHOTO_KEY)) for key in data
                   if key.startswith(_PHOTO_KEY) and key.removeprefix(_PHOTO_KEY).isdigit())
    captioned = sorted(int(key.removeprefix("photo_caption_")) for key, value in fields.items()
                       if key.startswith("photo_caption_") and key.removeprefix("photo_caption_").isdigit()
                       and value.strip())
    photos = []
    for n in sorted(set(slots) | set(captioned)):
        files = data.get(f"{_PHOTO_KEY}{n}")
        files = [f for f in (files if isinstance(files, list) else [files])
                 if isinstance(f, UploadFile) and f.filename]
        if not files:
            if n in captioned:
                raise Invalid("Photo {n} has a caption but no file: choose the photo, or clear its caption.",
                              field=f"{_PHOTO_KEY}{n}", n=n)
            continue
        for file in files:
            # Read whole: the request's size limit bounds it, and the library names the real size when refusing.
            photos.append(site_photos.PhotoUpload(
                filename=uploads.safe_filename(file.filename), content=file.file.read(),
                caption=fields.get(f"photo_caption_{n}", ""), building_code=fields.get(f"photo_building_{n}", "")))
    return photos


def _photo_errors(request: Request, exc: DomainError) -> list[str]:
    return site_photos.explain(exc, request_locale(request)) or _errors(request, exc)


def _photos_page(request: Request, db: Session, slug: str, *, status_code: int = 200,
                 errors: list[str] | None = None, values: dict[str, str] | None = None) -> Response:
    project = projects.get_for(db, request.user, slug, with_parcels=False)
    may_edit = request.user.may_edit_cooperative(project.cooperative_id)
    return render(request, "construction/photos.html", status_code=status_code, project=project,
                  photos=site_photos.photos_of(db, project), may_edit=may_edit,
                  report_dates=site_photos.report_dates(db, project) if may_edit else [],
                  blocks=site_photos.blocks_of(db, project), photo_slots=PHOTO_SLOTS,
                  photo_limits=_photo_limits(request), errors=errors or [], values=values or {})


@get("/projects/{slug:str}/construction/photos", include_in_schema=False, guards=[signed_in])
async def photos_page(request: Request, db: Session, slug: str) -> Response:
    return await in_thread(_photos_page, request, db, slug)


@post("/projects/{slug:str}/construction/photos", include_in_schema=False, guards=[writers], sync_to_thread=True)
def upload_photos(request: Request, db: Session, slug: str, data: Multipart) -> Response:
    project = projects.editable_for(db, request.user, slug, with_parcels=False)
    fields = _text_fields(data)
    try:
        added = site_photos.add_photos(db, request.user, _photo_store(request), project,
                                       _photo_uploads(request, data), fields.get("report_date"))
    except DomainError as exc:
        db.rollback()
        return _photos_page(request, db, slug, status_code=exc.status_code, errors=_photo_errors(request, exc),
                            values=fields)
    return go_to_preview(request, f"/projects/{project.slug}/construction/photos?added={len(added)}")


def _photo_file(request: Request, db: Session, slug: str, photo_id: int, kind: str) -> Response:
    if kind == "orig":
        project = projects.editable_for(db, request.user, slug, with_parcels=False)
    else:
        project = projects.get_for(db, request.user, slug, with_parcels=False)
    photo = site_photos.photo_of(db, project, photo_id)
    tag = f'"{photo.sha256[:32]}-{kind}"'
    headers = {"Cache-Control": _PHOTO_CACHE, "ETag": tag, "X-Content-Type-Options": "nosniff"}
    if request.headers.get("if-none-match") == tag:
        return Response(b"", status_code=304, headers=headers)
    if kind == "orig":
        headers["Content-Disposition"] = f'attachment; filename="{site_photos.download_name(project, photo)}"'
    return Response(site_photos.read(_photo_store(request), photo, kind),
                    media_type=site_photos.media_type(photo, kind), headers=headers)


@get("/projects/{slug:str}/construction/photos/{photo_id:int}/thumb.jpg", include_in_schema=False,
     guards=[signed_in], sync_to_thread=True)
def photo_thumb(request: Request, db: Session, slug: str, photo_id: int) -> Response:
    return _photo_file(request, db, slug, photo_id, "thumb")


@get("/projects/{slug:str}/construction/photos/{photo_id:int}/public.jpg", include_in_schema=False,
     guards=[signed_in], sync_to_thread=True)
def photo_public(request: Request, db: Session, slug: str, photo_id: int) -> Response:
    return _photo_file(request, db, slug, photo_id, "public")


@get("/projects/{slug:str}/construction/photos/{photo_id:int}/orig", include_in_schema=False,
     guards=[writers], sync_to_thread=True)
def photo_original(request: Request, db: Session, slug: str, photo_id: int) -> Response:
    """The upload as it came, EXIF and all: for the people who may edit the project only."""
    return _photo_file(request, db, slug, photo_id, "orig")


routes += [photos_page, upload_photos, photo_thumb, photo_public, photo_original]


# --- the progress report (laporan kemajuan) as PDF ----------------------------------------------------------------


@get("/projects/{slug:str}/construction/report.pdf", include_in_schema=False, guards=[signed_in],
     sync_to_thread=True)
def progress_report_pdf(request: Request, db: Session, slug: str) -> Response:
    """?period=YYYY-MM (a month) or ?week=YYYY-Www (an ISO week)."""
    from app.documents.progress_report import progress_report_pdf as printed
    from app.documents.progress_report import report_filename, report_period
    from app.web.downloads import PDF, attachment

    project = projects.get_for(db, request.user, slug, with_parcels=False)
    period = report_period(request.query_params.get("period"), request.query_params.get("week"))
    pdf = printed(db, project, period, today=today(), printed_on=today(), store=_photo_store(request))
    return attachment(pdf, report_filename(project, period), PDF, private=True)


routes += [progress_report_pdf]


# --- Costs against the budget, show-cause meetings, handover, the schedule as .xlsx --------------------------------

def _contract_sections(request: Request, db: Session, project, contract) -> dict[str, Any]:
    """What the construction page shows of the costs, the show-cause meetings and the handover."""
    if contract is None:
        return {"cost_total": None, "showcause": None, "handover": None}
    day = today()
    may_edit = request.user.may_edit_cooperative(project.cooperative_id)
    return {"cost_total": cost_book.report(db, project, contract, day).total,
            "showcause": show_cause.view(db, project, day),
            "handover": handovers.view(db, project, contract, day, with_plans=may_edit)}


def _row_errors(request: Request, exc: DomainError) -> list[str]:
    """A cost form's or file's problems, each on its line; a file's with its row and column."""
    locale = request_locale(request)
    problems = getattr(exc, "problems", None)
    if not problems:
        return _errors(request, exc)
    _ = gettext_for(locale)
    lines = []
    for p in problems:
        text = render_message(p.message, locale)
        if getattr(p, "row", None) is not None:
            text = _("Row {row}, column {column}: {problem}").format(row=p.row, column=p.column or "—", problem=text)
        lines.append(text)
    return lines


def _costs_page(request: Request, db: Session, slug: str, *, status_code: int = 200,
                errors: list[str] | None = None, values: dict[str, str] | None = None,
                form: str | None = None) -> Response:
    project = projects.get_for(db, request.user, slug, with_parcels=False)
    contract = construction.get(db, project)
    if contract is None:
        return Redirect(f"/projects/{project.slug}/construction")
    as_of = _as_of(request)
    blocks = cost_book.blocks_of(db, project)
    block = request.query_params.get("block") or None
    if block not in blocks:
        block = None
    raw_page = request.query_params.get("page", "1")
    listing = cost_book.page_of(db, project, int(raw_page) if raw_page.isdigit() else 1)
    return render(request, "construction/costs.html", status_code=status_code, project=project, contract=contract,
                  report=cost_book.report(db, project, contract, as_of, block), as_of=as_of, block=block,
                  blocks=blocks, listing=listing, lines=cost_book.rab_lines(contract), divisions=DIVISIONS,
                  today=today(), errors=errors or [], values=values or {}, form=form,
                  may_edit=request.user.may_edit_cooperative(project.cooperative_id))


@get("/projects/{slug:str}/construction/costs", include_in_schema=False, guards=[signed_in])
async def costs_page(request: Request, db: Session, slug: str) -> Response:
    return await in_thread(_costs_page, request, db, slug)


@post("/projects/{slug:str}/construction/costs", include_in_schema=False, guards=[writers], sync_to_thread=True)
def record_cost(request: Request, db: Session, slug: str, data: Form) -> Response:
    project = projects.editable_for(db, request.user, slug, with_parcels=False)
    try:
        entry = cost_book.record(db, request.user, project, data, today())
    except DomainError as exc:
        db.rollback()
        return _costs_page(request, db, slug, status_code=exc.status_code, errors=_row_errors(request, exc),
                           values=data, form="record")
    return Redirect(f"/projects/{project.slug}/construction/costs?recorded={entry.reference}")


@post("/projects/{slug:str}/construction/costs/corrections", include_in_schema=False, guards=[writers],
      sync_to_thread=True)
def correct_cost(request: Request, db: Session, slug: str, data: Form) -> Response:
    project = projects.editable_for(db, request.user, slug, with_parcels=False)
    try:
        entry = cost_book.correct(db, request.user, project, data, today())
    except DomainError as exc:
        db.rollback()
        return _costs_page(request, db, slug, status_code=exc.status_code, errors=_row_errors(request, exc),
                           values={f"k_{k}": v for k, v in data.items()}, form="correct")
    return Redirect(f"/projects/{project.slug}/construction/costs?recorded={entry.reference}")


@post("/projects/{slug:str}/construction/costs/import", include_in_schema=False, guards=[writers],
      sync_to_thread=True)
def import_costs(request: Request, db: Session, slug: str, data: Multipart) -> Response:
    project = projects.editable_for(db, request.user, slug, with_parcels=False)
    try:
        saved = receive(request, data, scope=f"costs:{project.id}")
    except UploadRefused as exc:
        return _costs_page(request, db, slug, status_code=exc.status_code, errors=[exc.text], form="import")
    settings = request.app.state.settings
    nothing = gettext_for(request_locale(request))("Nothing was imported: fix the rows listed below.")
    try:
        count = cost_book.import_file(db, request.user, project, saved.path, saved.filename, today())
    except TableFileError as exc:
        db.rollback()
        return _costs_page(request, db, slug, status_code=400, form="import",
                           errors=[render_message(exc.message, request_locale(request))])
    except DomainError as exc:
        db.rollback()
        return _costs_page(request, db, slug, status_code=exc.status_code, form="import",
                           errors=[nothing, *_row_errors(request, exc)])
    finally:
        uploads.discard(settings.data_dir, saved.token)
    return Redirect(f"/projects/{project.slug}/construction/costs?imported={count}")


@get("/projects/{slug:str}/construction/costs/template.csv", include_in_schema=False, guards=[signed_in],
     sync_to_thread=True)
def costs_template(request: Request, db: Session, slug: str) -> Response:
    projects.get_for(db, request.user, slug, with_parcels=False)
    return attachment(cost_book.TEMPLATE_CSV.encode(), "templat-biaya.csv", "text/csv; charset=utf-8")


@post("/projects/{slug:str}/construction/showcause", include_in_schema=False, guards=[writers],
      sync_to_thread=True)
def record_showcause(request: Request, db: Session, slug: str, data: Form) -> Response:
    return _act_on_page(request, db, slug, data,
                        lambda project: show_cause.record(db, request.user, project, data, today()),
                        lambda project, meeting: f"/projects/{project.slug}/construction?scm={meeting.level}#showcause")


@post("/projects/{slug:str}/construction/showcause/{meeting_id:int}/outcome", include_in_schema=False,
      guards=[writers], sync_to_thread=True)
def record_showcause_outcome(request: Request, db: Session, slug: str, meeting_id: int, data: Form) -> Response:
    return _act_on_page(request, db, slug, data,
                        lambda project: show_cause.record_outcome(db, request.user, project, meeting_id, data, today()),
                        lambda project, meeting: f"/projects/{project.slug}/construction?scm_outcome={meeting.outcome}"
                                                 "#showcause")


@post("/projects/{slug:str}/construction/handover/pho", include_in_schema=False, guards=[writers],
      sync_to_thread=True)
def record_pho(request: Request, db: Session, slug: str, data: Form) -> Response:
    return _act_on_page(request, db, slug, data,
                        lambda project: handovers.record_pho(db, request.user, project, data, today()),
                        lambda project, done: f"/projects/{project.slug}/construction?pho=1"
                                              f"&plans={done.plans_changed}&kept={len(done.kept_units)}#handover")


@post("/projects/{slug:str}/construction/handover/fho", include_in_schema=False, guards=[writers],
      sync_to_thread=True)
def record_fho(request: Request, db: Session, slug: str, data: Form) -> Response:
    return _act_on_page(request, db, slug, data,
                        lambda project: handovers.record_fho(db, request.user, project, data, today()),
                        lambda project, _: f"/projects/{project.slug}/construction?fho=1#handover")


def _handover_document(request: Request, db: Session, slug: str, kind: str) -> Response:
    project = projects.get_for(db, request.user, slug, with_parcels=False)
    content = handover_pdf(db, project, kind, locale=request_locale(request))
    name = "berita-acara-serah-terima-pertama" if kind == "pho" else "berita-acara-serah-terima-akhir"
    return attachment(content, f"{name}-{project.slug}.pdf", PDF)


@get("/projects/{slug:str}/construction/handover/pho.pdf", include_in_schema=False, guards=[signed_in],
     sync_to_thread=True)
def pho_pdf(request: Request, db: Session, slug: str) -> Response:
    return _handover_document(request, db, slug, "pho")


@get("/projects/{slug:str}/construction/handover/fho.pdf", include_in_schema=False, guards=[signed_in],
     sync_to_thread=True)
def fho_pdf(request: Request, db: Session, slug: str) -> Response:
    return _handover_document(request, db, slug, "fho")


@get("/projects/{slug:str}/construction/schedule.xlsx", include_in_schema=False, guards=[signed_in],
     sync_to_thread=True)
def schedule_xlsx(request: Request, db: Session, slug: str) -> Response:
    project = projects.get_for(db, request.user, slug, with_parcels=False)
    if construction.get(db, project) is None:
        return Redirect(f"/projects/{project.slug}/construction")
    return attachment(schedule_file.write(project, construction.packages_of(db, project)),
                      f"jadwal-{project.slug}.xlsx", XLSX)


@post("/projects/{slug:str}/construction/schedule/import", include_in_schema=False, guards=[writers],
      sync_to_thread=True)
def import_schedule(request: Request, db: Session, slug: str, data: Multipart) -> Response:
    project = projects.editable_for(db, request.user, slug, with_parcels=False)
    try:
        saved = receive(request, data, scope=f"schedule:{project.id}")
    except UploadRefused as exc:
        return _schedule_page(request, db, slug, status_code=exc.status_code, errors=[exc.text])
    locale = request_locale(request)
    nothing = gettext_for(locale)("Nothing was imported: fix the rows listed below.")
    try:
        changed = schedule_file.import_file(db, request.user, project, saved.path, saved.filename)
    except TableFileError as exc:
        db.rollback()
        return _schedule_page(request, db, slug, status_code=400, errors=[render_message(exc.message, locale)])
    except DomainError as exc:
        db.rollback()
        return _schedule_page(request, db, slug, status_code=exc.status_code,
                              errors=[nothing, *_row_errors(request, exc)])
    finally:
        uploads.discard(request.app.state.settings.data_dir, saved.token)
    return Redirect(f"/projects/{project.slug}/construction/schedule?saved={changed}")


routes += [costs_page, record_cost, correct_cost, import_costs, costs_template, record_showcause,
           record_showcause_outcome, record_pho, record_fho, pho_pdf, fho_pdf, schedule_xlsx, import_schedule]


# --- Block footprints on the site, and the progress map -----------------------------------------------------------

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
    return _errors(request, exc)  # type: ignore[arg-type]


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


@get("/projects/{slug:str}/construction/footprints", include_in_schema=False, guards=[writers])
async def footprints_page(request: Request, db: Session, slug: str) -> Response:
    return await in_thread(_footprints_page, request, db, slug)


@post("/projects/{slug:str}/construction/footprints", include_in_schema=False, guards=[writers], sync_to_thread=True)
def save_footprint(request: Request, db: Session, slug: str, data: Form) -> Response:
    project = projects.editable_for(db, request.user, slug)
    try:
        row = block_footprints.save(db, request.user, project, data.get("block", ""), data.get("outline", ""))
    except DomainError as exc:
        db.rollback()
        return _footprints_page(request, db, slug, status_code=exc.status_code,
                                errors=_footprint_problems(request, exc), values=data)
    return Redirect(f"/projects/{project.slug}/construction/footprints?" + urlencode({"saved": row.building_code}))


@post("/projects/{slug:str}/construction/footprints/delete", include_in_schema=False, guards=[writers],
      sync_to_thread=True)
def delete_footprint(request: Request, db: Session, slug: str, data: Form) -> Response:
    project = projects.editable_for(db, request.user, slug)
    block = data.get("block", "")
    try:
        block_footprints.delete(db, request.user, project, block)
    except DomainError as exc:
        db.rollback()
        return _footprints_page(request, db, slug, status_code=exc.status_code, errors=_errors(request, exc))
    return Redirect(f"/projects/{project.slug}/construction/footprints?" + urlencode({"deleted": block}))


@post("/projects/{slug:str}/construction/footprints/import", include_in_schema=False, guards=[writers],
      sync_to_thread=True)
def import_footprints(request: Request, db: Session, slug: str, data: Multipart) -> Response:
    project = projects.editable_for(db, request.user, slug)
    try:
        saved = receive(request, data, scope=f"footprints:{project.id}")
    except UploadRefused as exc:
        return _footprints_page(request, db, slug, status_code=exc.status_code, errors=[exc.text])
    settings = request.app.state.settings
    try:
        rows = block_footprints.import_file(db, request.user, project, saved.path, filename=saved.filename,
                                            limits=ReadLimits(max_bytes=settings.max_upload_bytes))
    except (ParcelFileError, DomainError) as exc:
        db.rollback()
        problems = [f"{saved.filename}: {line}" for line in _footprint_problems(request, exc)]
        return _footprints_page(request, db, slug, status_code=getattr(exc, "status_code", 400),
                                problems=problems)
    finally:
        uploads.discard(settings.data_dir, saved.token)
    return Redirect(f"/projects/{project.slug}/construction/footprints?imported={len(rows)}")


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


def _progress_map_page(request: Request, db: Session, slug: str) -> Response:
    project = projects.get_for(db, request.user, slug)
    locale = request_locale(request)
    _ = gettext_for(locale)
    as_of = _as_of(request)
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


@get("/projects/{slug:str}/construction/map", include_in_schema=False, guards=[signed_in], sync_to_thread=True)
def progress_map_page(request: Request, db: Session, slug: str) -> Response:
    return _progress_map_page(request, db, slug)


@get("/projects/{slug:str}/construction/map.json", include_in_schema=False, guards=[signed_in], sync_to_thread=True)
def progress_map_data(request: Request, db: Session, slug: str) -> Response:
    project = projects.get_for(db, request.user, slug)
    return Response(progress_map.map_data(db, project, _as_of(request)), media_type="application/json",
                    headers={"Cache-Control": "private, no-cache"})


routes += [footprints_page, save_footprint, delete_footprint, import_footprints, progress_map_page, progress_map_data]
