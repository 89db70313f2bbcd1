"""Pages of a project's construction: start, schedule of work packages, progress reports, S-curve and status."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from babel.dates import format_date
from litestar import Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.guards import signed_in, writers
from app.construction import service as construction
from app.db.base import utcnow
from app.designs.models import Scenario
from app.errors import DomainError, Invalid
from app.i18n import JAKARTA, babel_locale, gettext_for, render_message
from app.projects import service as projects
from app.web.deps import in_thread
from app.web.locale import request_locale
from app.web.templating import render
from costing.rab import DIVISIONS
from progress.chart import ChartLabels, scurve_svg

Form = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]


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
                  divisions=DIVISIONS, may_edit=request.user.may_edit_cooperative(project.cooperative_id))


@get("/projects/{slug:str}/construction", include_in_schema=False, guards=[signed_in])
async def construction_page(request: Request, db: Session, slug: str) -> Response:
    return await in_thread(_page, request, db, slug)


@post("/projects/{slug:str}/construction", include_in_schema=False, guards=[writers], sync_to_thread=True)
def start_construction(request: Request, db: Session, slug: str, data: Form) -> Response:
    project = projects.editable_for(db, request.user, slug, with_parcels=False)
    try:
        construction.start(db, request.user, project, data)
    except DomainError as exc:
        db.rollback()
        return _page(request, db, slug, status_code=exc.status_code, errors=_errors(request, exc), values=data)
    return Redirect(f"/projects/{project.slug}/construction?started=1")


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
                  errors=errors or [], values=values or {})


@get("/projects/{slug:str}/construction/reports", include_in_schema=False, guards=[writers])
async def report_form(request: Request, db: Session, slug: str) -> Response:
    return await in_thread(_report_form, request, db, slug)


@post("/projects/{slug:str}/construction/reports", include_in_schema=False, guards=[writers], sync_to_thread=True)
def add_report(request: Request, db: Session, slug: str, data: Form) -> Response:
    project = projects.editable_for(db, request.user, slug, with_parcels=False)
    try:
        report = construction.add_report(db, request.user, project, data, today())
    except DomainError as exc:
        db.rollback()
        return _report_form(request, db, slug, status_code=exc.status_code, errors=_errors(request, exc),
                            values=data)
    return Redirect(f"/projects/{project.slug}/construction?reported={report.report_date.isoformat()}")


routes = [construction_page, start_construction, schedule_page, save_schedule, report_form, add_report]
