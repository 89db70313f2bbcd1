"""The construction page: start, the schedule of work packages, weekly progress reports, the report PDF."""

from __future__ import annotations

from litestar import Request, Response, get, post
from litestar.response import Redirect
from sqlalchemy.orm import Session

from app.auth.guards import signed_in, writers
from app.construction import photos as site_photos
from app.construction import service as construction
from app.construction.models import WorkPackage
from app.construction.pages.common import (
    Form,
    Multipart,
    act_on_page,
    form_of,
    render_construction_page,
)
from app.construction.pages.photos import (
    PHOTO_SLOTS,
    photo_errors,
    photo_limits,
    photo_store,
    photo_uploads,
    text_fields,
)
from app.projects import service as projects
from app.web.deps import refusable, today
from app.web.downloads import PDF, attachment
from app.web.errors import refusal_lines
from app.web.forms import FormReader, worded
from app.web.templating import render
from app.web.upload_form import go_to_preview
from costing.rab import DIVISIONS
from kernel import limits
from kernel.errors import UserError
from kernel.messages import N_

SCENARIO_NAME_LIMIT = 120  # the scenario's name column


def start_in(form: FormReader) -> construction.StartIn:
    return construction.StartIn(
        started_on=form.date("started_on"), planned_finish=form.date("planned_finish"),
        scenario=form.text("scenario", limit=SCENARIO_NAME_LIMIT) or None,
        contract_value=form.optional_rupiah("contract_value"),
        contractor=form.text("contractor", limit=construction.CONTRACTOR_LIMIT),
        supervisor=form.text("supervisor", limit=construction.CONTRACTOR_LIMIT))


def schedule_changes(form: FormReader) -> list[construction.PackageChange]:
    """The schedule table: `cost_<code>`, `start_<code>` and `finish_<code>` of each package (empty: unchanged)."""
    codes = [key.removeprefix("cost_") for key in form.data if key.startswith("cost_")]
    return [construction.PackageChange(code, form.optional_rupiah(f"cost_{code}"),
                                       form.optional_date(f"start_{code}"), form.optional_date(f"finish_{code}"))
            for code in codes]


def report_in(form: FormReader, packages: list[WorkPackage]) -> construction.ReportIn:
    """A site report. Each package's percent is read as a number here and checked with the others by the progress
    rules (0 to 100, lower only with a reason), so the form shows every package's problem at once."""
    percents = {}
    for p in packages:
        name = f"pct_{p.code}"
        if form.filled(name):
            percents[p.code] = worded(lambda name=name: form.percent(name, low=None, high=None),
                                      N_("{package}: {value} is not a percentage from 0 to 100."), name,
                                      package=p.name or p.code, value=form.raw(name).strip()[:20])
    return construction.ReportIn(
        report_date=form.date("report_date"),
        reporter=form.text("reporter", limit=construction.REPORTER_LIMIT),
        percents=percents,
        reasons={p.code: form.text(f"reason_{p.code}", limit=limits.NOTE) for p in packages
                 if form.filled(f"reason_{p.code}")},
        workers=form.int("workers") if form.filled("workers") else None,
        weather=form.text("weather", limit=construction.WEATHER_LIMIT),
        problems=form.text("problems", limit=limits.NOTE), notes=form.text("notes", limit=limits.NOTE))


@get("/projects/{slug:str}/construction", guards=[signed_in], sync_to_thread=True)
def construction_page(request: Request, db: Session, slug: str) -> Response:
    return render_construction_page(request, db, slug)


@post("/projects/{slug:str}/construction", guards=[writers], sync_to_thread=True)
def start_construction(request: Request, db: Session, slug: str, data: Form) -> Response:
    return act_on_page(request, db, slug, data,
                       lambda project: construction.start(db, request.user, project, start_in(form_of(request, data))),
                       lambda project, _: f"/projects/{project.slug}/construction?started=1")


def render_schedule_page(request: Request, db: Session, slug: str, *, status_code: int = 200,
                   errors: list[str] | None = None) -> Response:
    project = projects.editable_for(db, request.user, slug, with_parcels=False)
    contract = construction.get(db, project)
    if contract is None:
        return Redirect(f"/projects/{project.slug}/construction")
    return render(request, "construction/schedule.html", status_code=status_code, project=project,
                  contract=contract, packages=construction.packages_of(db, project), divisions=DIVISIONS,
                  errors=errors or [])


@get("/projects/{slug:str}/construction/schedule", guards=[writers], sync_to_thread=True)
def schedule_page(request: Request, db: Session, slug: str) -> Response:
    return render_schedule_page(request, db, slug)


@post("/projects/{slug:str}/construction/schedule", guards=[writers], sync_to_thread=True)
def save_schedule(request: Request, db: Session, slug: str, data: Form) -> Response:
    project = projects.editable_for(db, request.user, slug, with_parcels=False)
    try:
        with refusable(db):
            changed = construction.save_schedule(db, request.user, project,
                                                 schedule_changes(form_of(request, data)))
    except UserError as exc:
        return render_schedule_page(request, db, slug, status_code=exc.status, errors=refusal_lines(request, exc))
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
                  contract=contract, packages=packages, latest=latest, divisions=DIVISIONS, today=today(request),
                  errors=errors or [], values=values or {}, blocks=site_photos.blocks_of(db, project),
                  photo_slots=PHOTO_SLOTS, photo_limits=photo_limits(request))


@get("/projects/{slug:str}/construction/reports", guards=[writers], sync_to_thread=True)
def report_form(request: Request, db: Session, slug: str) -> Response:
    return _report_form(request, db, slug)


@post("/projects/{slug:str}/construction/reports", guards=[writers], sync_to_thread=True)
def add_report(request: Request, db: Session, slug: str, data: Multipart) -> Response:
    project = projects.editable_for(db, request.user, slug, with_parcels=False)
    fields = text_fields(data)
    try:
        with refusable(db):
            site = report_in(form_of(request, fields), construction.packages_of(db, project))
            report = site_photos.add_report_with_photos(db, request.user, photo_store(request), project, site,
                                                        photo_uploads(request, data), today(request))
    except UserError as exc:
        return _report_form(request, db, slug, status_code=exc.status, errors=photo_errors(request, exc),
                            values=fields)
    return go_to_preview(request, f"/projects/{project.slug}/construction?reported={report.report_date.isoformat()}")


handlers = [construction_page, start_construction, schedule_page, save_schedule, report_form, add_report]


@get("/projects/{slug:str}/construction/report.pdf", guards=[signed_in],
     sync_to_thread=True)
def progress_report_pdf(request: Request, db: Session, slug: str) -> Response:
    """?period=YYYY-MM (a month) or ?week=YYYY-Www (an ISO week)."""
    from app.construction.progress_report import progress_report_pdf as printed
    from app.construction.progress_report import report_filename, report_period

    project = projects.get_for(db, request.user, slug, with_parcels=False)
    period = report_period(request.query_params.get("period"), request.query_params.get("week"))
    pdf = printed(db, project, period, today=today(request), printed_on=today(request), store=photo_store(request))
    return attachment(pdf, report_filename(project, period), PDF, private=True)


handlers += [progress_report_pdf]
