"""What the construction pages share: the page itself (the others' forms come back to it), its S-curve, the
refusals shown on it."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from litestar import Request, Response
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.construction import costs as cost_book
from app.construction import handover as handovers
from app.construction import photos as site_photos
from app.construction import service as construction
from app.construction import showcause as show_cause
from app.construction.charts import scurve_chart
from app.designs.models import Scenario
from app.projects import service as projects
from app.web.deps import refusable, today
from app.web.errors import refusal_lines
from app.web.forms import FormReader
from app.web.locale import request_locale
from app.web.templating import render
from costing.rab import DIVISIONS
from kernel.errors import UserError

Form = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]
Multipart = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)]


def form_of(request: Request, data: dict[str, str]) -> FormReader:
    return FormReader(data, request_locale(request))


def as_of_date(request: Request) -> date:
    """`?as_of=` on a page: a date in range, or today when none is given."""
    return FormReader(request.query_params).date("as_of", default=today(request))


def render_construction_page(request: Request, db: Session, slug: str, *, status_code: int = 200,
                             errors: list[str] | None = None, values: dict[str, str] | None = None) -> Response:
    project = projects.get_for(db, request.user, slug, with_parcels=False)
    as_of = as_of_date(request)
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
                  today=today(request), errors=errors or [], values=values or {}, scenarios=scenarios,
                  **contract_sections(request, db, project, contract),
                  divisions=DIVISIONS, may_edit=request.user.may_edit_cooperative(project.cooperative_id),
                  latest_photos=site_photos.photos_of(db, project, limit=6))


def act_on_page(request: Request, db: Session, slug: str, data: dict[str, str], act, then) -> Response:
    """A form of the construction page: `act(project)` reads the form and makes the change; on a refusal (of a
    field or of the change) nothing is kept and the page comes back with the message and what was typed; else the
    browser goes to `then(project, result)`."""
    project = projects.editable_for(db, request.user, slug, with_parcels=False)
    try:
        with refusable(db):
            result = act(project)
    except UserError as exc:
        return render_construction_page(request, db, slug, status_code=exc.status,
                                        errors=refusal_lines(request, exc), values=data)
    return Redirect(then(project, result))


def contract_sections(request: Request, db: Session, project, contract) -> dict[str, Any]:
    """What the construction page shows of the costs, the show-cause meetings and the handover."""
    if contract is None:
        return {"cost_total": None, "showcause": None, "handover": None}
    day = today(request)
    may_edit = request.user.may_edit_cooperative(project.cooperative_id)
    return {"cost_total": cost_book.report(db, project, contract, day).total,
            "showcause": show_cause.view(db, project, day),
            "handover": handovers.view(db, project, contract, day, with_plans=may_edit)}
