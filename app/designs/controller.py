"""Pages of design scenarios: the list, one scenario's cost to the rupiah, editing it, comparing several."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.datastructures import State
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect
from sqlalchemy.orm import Session

from app import labels, uploads
from app.auth.guards import signed_in, writers
from app.designs import editing
from app.designs import service as designs
from app.errors import DomainError, Invalid, NotFound
from app.i18n import gettext_for, render_message
from app.prices import service as prices
from app.projects import service as projects
from app.projects.models import Project
from app.web.deps import in_thread
from app.web.downloads import PDF, XLSX, attachment
from app.web.locale import request_locale
from app.web.templating import render
from app.web.upload_form import UploadRefused, go_to_preview, receive
from costing.errors import CostingError
from costing.estimate import PARAMETRIC_RATES, TAX_PRESETS
from costing.rab import DIVISIONS
from costing.workbook import WorkbookError, read_rab, template_rab, write_comparison, write_rab
from finance.instalment import FinanceError

Form = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]
UNITS_PER_PAGE = 100


def _project(request: Request, db: Session, slug: str, *, edit: bool = False) -> Project:
    if edit:
        return projects.editable_for(db, request.user, slug, with_parcels=False)
    return projects.get_for(db, request.user, slug, with_parcels=False)


def _message(request: Request, exc: Exception) -> str:
    locale = request_locale(request)
    if isinstance(exc, DomainError):
        return gettext_for(locale)(exc.msgid).format(**exc.fields)
    return render_message(exc.message, locale) if getattr(exc, "message", None) else str(exc)


def _list(request: Request, db: Session, slug: str, *, status_code: int = 200, error: str | None = None,
          values: dict[str, str] | None = None) -> Response:
    project = _project(request, db, slug)
    rows = []
    for scenario in designs.scenarios_of(db, project):
        try:
            rows.append((scenario, designs.compute(db, scenario), None))
        except (CostingError, FinanceError) as exc:
            rows.append((scenario, None, _message(request, exc)))
    return render(request, "designs/list.html", status_code=status_code, project=project, rows=rows, error=error,
                  values=values or {}, may_edit=request.user.may_edit_cooperative(project.cooperative_id),
                  libraries=prices.list_libraries(db), building_types=PARAMETRIC_RATES)


@get("/projects/{slug:str}/scenarios", include_in_schema=False, guards=[signed_in])
async def scenario_list(request: Request, db: Session, slug: str) -> Response:
    return await in_thread(_list, request, db, slug)


@post("/projects/{slug:str}/scenarios", include_in_schema=False, guards=[writers], sync_to_thread=True)
def create_scenario(request: Request, db: Session, slug: str, data: Form) -> Response:
    project = _project(request, db, slug, edit=True)
    try:
        scenario = editing.create(db, request.user, project, data)
    except (DomainError, CostingError) as exc:
        db.rollback()
        return _list(request, db, slug, status_code=400, error=_message(request, exc), values=data)
    return Redirect(f"/projects/{project.slug}/scenarios/{scenario.id}")


def _page_number(request: Request, total: int) -> tuple[int, int]:
    pages = max(1, -(-total // UNITS_PER_PAGE))
    raw = request.query_params.get("page", "1")
    page = int(raw) if raw.isdigit() else 1
    return min(max(page, 1), pages), pages


def _detail(request: Request, db: Session, slug: str, scenario_id: int, *, status_code: int = 200,
            error: str | None = None, error_form: str | None = None, error_field: str | None = None,
            values: dict[str, str] | None = None) -> Response:
    project = _project(request, db, slug)
    scenario = designs.get(db, project, scenario_id)
    locale = request_locale(request)
    cost, cost_error = None, None
    try:
        cost = designs.compute(db, scenario)
    except (CostingError, FinanceError) as exc:
        cost_error = _message(request, exc)
    page, pages = _page_number(request, cost.unit_count if cost else 0)
    unit_rows = []
    if cost:
        start = (page - 1) * UNITS_PER_PAGE
        unit_rows = list(zip(cost.units[start:start + UNITS_PER_PAGE], cost.unit_costs[start:start + UNITS_PER_PAGE],
                             strict=True))
    library = scenario.price_library
    item_names = {i.code: (i.name, i.unit) for i in prices.get(db, library.id).items} if library else {}
    return render(
        request, "designs/detail.html", status_code=status_code, project=project, scenario=scenario, cost=cost,
        cost_error=cost_error, error=error, error_form=error_form,
        values=values or editing.form_values(scenario, locale),
        lines=[(line.code, render_message(line.label, locale), render_message(line.basis, locale), line.amount)
               for line in cost.project.lines] if cost else [],
        warnings=[render_message(w, locale) for w in cost.warnings] if cost else [],
        unit_rows=unit_rows, page=page, pages=pages, item_names=item_names,
        may_edit=request.user.may_edit_cooperative(project.cooperative_id),
        libraries=prices.list_libraries(db), tax_presets=TAX_PRESETS, building_types=PARAMETRIC_RATES,
        divisions=DIVISIONS, loan_methods=labels.LOAN_METHODS, allocation_labels=labels.ALLOCATION_METHODS,
        building_type_labels=labels.BUILDING_TYPES, error_field=error_field,
    )


@get("/projects/{slug:str}/scenarios/{scenario_id:int}", include_in_schema=False, guards=[signed_in])
async def scenario_page(request: Request, db: Session, slug: str, scenario_id: int) -> Response:
    return await in_thread(_detail, request, db, slug, scenario_id)


def _edit(form_name: str, change):
    """A POST that changes part of a scenario: redirect on success, the page with the message on refusal."""

    def handler(request: Request, db: Session, slug: str, scenario_id: int, data: Form) -> Response:
        project = _project(request, db, slug, edit=True)
        scenario = designs.get(db, project, scenario_id)
        try:
            change(db, request.user, scenario, data, request_locale(request))
            designs.compute(db, scenario)  # a change that makes the estimate impossible is refused whole
        except (DomainError, CostingError, FinanceError) as exc:
            message = _message(request, exc)
            db.rollback()
            return _detail(request, db, slug, scenario_id, status_code=400, error=message, error_form=form_name,
                           error_field=getattr(exc, "field", None), values=dict(data))
        return Redirect(f"/projects/{project.slug}/scenarios/{scenario.id}?saved={form_name}#{form_name}")

    return handler


@post("/projects/{slug:str}/scenarios/{scenario_id:int}/settings", include_in_schema=False, guards=[writers],
      sync_to_thread=True)
def save_settings(request: Request, db: Session, slug: str, scenario_id: int, data: Form) -> Response:
    return _edit("settings", editing.update_settings)(request, db, slug, scenario_id, data)


@post("/projects/{slug:str}/scenarios/{scenario_id:int}/design", include_in_schema=False, guards=[writers],
      sync_to_thread=True)
def save_design(request: Request, db: Session, slug: str, scenario_id: int, data: Form) -> Response:
    return _edit("design", editing.update_design)(request, db, slug, scenario_id, data)


@post("/projects/{slug:str}/scenarios/{scenario_id:int}/current", include_in_schema=False, guards=[writers],
      sync_to_thread=True)
def make_current(request: Request, db: Session, slug: str, scenario_id: int) -> Response:
    project = _project(request, db, slug, edit=True)
    editing.make_current(db, request.user, designs.get(db, project, scenario_id))
    return Redirect(f"/projects/{project.slug}/scenarios/{scenario_id}?saved=current")


def _compare(request: Request, db: Session, slug: str) -> Response:
    project = _project(request, db, slug)
    chosen = {int(v) for v in request.query_params.getall("s", []) if v.isdigit()}
    scenarios = [s for s in designs.scenarios_of(db, project) if not chosen or s.id in chosen]
    columns = []
    for scenario in scenarios:
        try:
            columns.append((scenario, designs.compute(db, scenario)))
        except (CostingError, FinanceError):
            continue
    return render(request, "designs/compare.html", project=project, columns=columns,
                  rows=editing.comparison_rows(columns), all_scenarios=designs.scenarios_of(db, project),
                  chosen=chosen)


@get("/projects/{slug:str}/scenarios/compare", include_in_schema=False, guards=[signed_in])
async def compare(request: Request, db: Session, slug: str) -> Response:
    return await in_thread(_compare, request, db, slug)


def _proposal(request: Request, db: Session, slug: str, scenario_id: int) -> Response:
    from app.documents.proposal import proposal_pdf

    project = projects.get_for(db, request.user, slug)  # with parcels: the proposal maps the site
    scenario = designs.get(db, project, scenario_id)
    appendix = request.query_params.get("appendix") in ("1", "true", "yes")
    try:
        pdf = proposal_pdf(db, project, scenario, locale=request_locale(request), appendix=appendix)
    except (CostingError, FinanceError) as exc:
        raise Invalid("This scenario cannot be costed yet: {reason}", reason=_message(request, exc)) from exc
    return attachment(pdf, f"proposal-{project.slug}-{scenario.id}.pdf", PDF, private=True)


@get("/projects/{slug:str}/scenarios/{scenario_id:int}/proposal.pdf", include_in_schema=False, guards=[signed_in])
async def proposal(request: Request, db: Session, slug: str, scenario_id: int) -> Response:
    """The printable cost proposal (PDF); `?appendix=1` adds the detailed RAB. Rendered off the event loop."""
    return await in_thread(_proposal, request, db, slug, scenario_id)


Multipart = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)]


def _rab_xlsx(request: Request, db: Session, slug: str, scenario_id: int) -> Response:
    project = _project(request, db, slug)
    scenario = designs.get(db, project, scenario_id)
    if scenario.cost_method != "rab":
        raise NotFound("No scenario found at this address.")
    cost = designs.compute(db, scenario)
    library = prices.get(db, scenario.price_library_id)
    names = {i.code: i.name for i in library.items}
    units = {i.code: i.unit for i in library.items}
    _ = gettext_for(request_locale(request))
    title = f"RAB {project.name} · {scenario.name}"
    workbook = write_rab(title, cost.rab_lines, names, units, division_labels={k: _(v) for k, v in DIVISIONS.items()})
    return attachment(workbook, f"rab-{project.slug}-{scenario.id}.xlsx", XLSX)


@get("/projects/{slug:str}/scenarios/{scenario_id:int}/rab.xlsx", include_in_schema=False, guards=[signed_in])
async def rab_xlsx(request: Request, db: Session, slug: str, scenario_id: int) -> Response:
    return await in_thread(_rab_xlsx, request, db, slug, scenario_id)


@get("/prices/rab-template.xlsx", include_in_schema=False, guards=[signed_in], sync_to_thread=False)
def rab_template() -> Response:
    return attachment(template_rab(), "templat-rab.xlsx", XLSX)


def _compare_xlsx(request: Request, db: Session, slug: str) -> Response:
    project = _project(request, db, slug)
    chosen = {int(v) for v in request.query_params.getall("s", []) if v.isdigit()}
    columns = []
    for scenario in designs.scenarios_of(db, project):
        if chosen and scenario.id not in chosen:
            continue
        try:
            columns.append((scenario, designs.compute(db, scenario)))
        except (CostingError, FinanceError):
            continue
    _ = gettext_for(request_locale(request))
    rows = []
    for label, kind, cells in editing.comparison_rows(columns):
        text = (_("Cost of a unit: %(name)s") % {"name": label} if kind == "type_price"
                else _("Monthly instalment: %(name)s") % {"name": label} if kind == "type_monthly" else _(label))
        rows.append((text, cells))
    workbook = write_comparison(f"{project.name}: {_('Scenarios side by side')}", [s.name for s, _c in columns], rows)
    return attachment(workbook, f"perbandingan-{project.slug}.xlsx", XLSX)


@get("/projects/{slug:str}/scenarios/compare.xlsx", include_in_schema=False, guards=[signed_in])
async def compare_xlsx(request: Request, db: Session, slug: str) -> Response:
    return await in_thread(_compare_xlsx, request, db, slug)


def _rab_scope(scenario_id: int) -> str:
    return f"rab:{scenario_id}"


@post("/projects/{slug:str}/scenarios/{scenario_id:int}/rab", include_in_schema=False, guards=[writers],
      sync_to_thread=True)
def rab_upload(request: Request, db: Session, slug: str, scenario_id: int, data: Multipart) -> Response:
    project = _project(request, db, slug, edit=True)
    scenario = designs.get(db, project, scenario_id)
    try:
        saved = receive(request, data, scope=_rab_scope(scenario.id))
    except UploadRefused as exc:
        return _detail(request, db, slug, scenario_id, status_code=exc.status_code, error=exc.text,
                       error_form="rab")
    return go_to_preview(request, f"/projects/{project.slug}/scenarios/{scenario.id}/rab/{saved.token}")


def _rab_preview(request: Request, db: Session, state: State, slug: str, scenario_id: int, token: str, *,
                 status_code: int = 200, error: str | None = None) -> Response:
    project = _project(request, db, slug, edit=True)
    scenario = designs.get(db, project, scenario_id)
    locale = request_locale(request)
    upload = uploads.load(state.settings.data_dir, token, user_id=request.user.id, scope=_rab_scope(scenario.id))
    if scenario.price_library_id is None:
        uploads.discard(state.settings.data_dir, token)
        return _detail(request, db, slug, scenario_id, status_code=400, error_form="rab",
                       error=gettext_for(locale)("A detailed RAB needs a price library."))
    library = prices.get(db, scenario.price_library_id)
    try:
        lines, problems = read_rab(upload.path, upload.filename, item_codes={i.code for i in library.items})
    except WorkbookError as exc:
        uploads.discard(state.settings.data_dir, token)
        return _detail(request, db, slug, scenario_id, status_code=400, error_form="rab",
                       error=render_message(exc.message, locale))
    priced, total = [], None
    if not problems:
        priced = designs.price_rab(library, lines)
        total = sum(line.amount for line in priced)
    current = designs.compute(db, scenario) if scenario.rab_lines and scenario.cost_method == "rab" else None
    return render(request, "designs/rab_preview.html", status_code=status_code, project=project, scenario=scenario,
                  upload=upload, lines=priced, count=len(lines), total=total, error=error,
                  current_total=current.recap.jumlah if current and current.recap else None,
                  problems=[(p.sheet, p.row, p.column, render_message(p.message, locale)) for p in problems],
                  names={i.code: (i.name, i.unit) for i in library.items}, divisions=DIVISIONS)


@get("/projects/{slug:str}/scenarios/{scenario_id:int}/rab/{token:str}", include_in_schema=False,
     guards=[writers])
async def rab_preview(request: Request, db: Session, state: State, slug: str, scenario_id: int,
                      token: str) -> Response:
    return await in_thread(_rab_preview, request, db, state, slug, scenario_id, token)


@post("/projects/{slug:str}/scenarios/{scenario_id:int}/rab/{token:str}", include_in_schema=False,
      guards=[writers], sync_to_thread=True)
def rab_confirm(request: Request, db: Session, state: State, slug: str, scenario_id: int, token: str,
                data: Form) -> Response:
    project = _project(request, db, slug, edit=True)
    scenario = designs.get(db, project, scenario_id)
    if data.get("action") == "cancel":
        uploads.discard(state.settings.data_dir, token)
        return Redirect(f"/projects/{project.slug}/scenarios/{scenario.id}")
    upload = uploads.load(state.settings.data_dir, token, user_id=request.user.id, scope=_rab_scope(scenario.id))
    library = prices.get(db, scenario.price_library_id)
    lines, problems = read_rab(upload.path, upload.filename, item_codes={i.code for i in library.items})
    if problems:
        return _rab_preview(request, db, state, slug, scenario_id, token, status_code=400)
    designs.replace_rab(db, request.user, scenario, lines)
    uploads.discard(state.settings.data_dir, token)
    return Redirect(f"/projects/{project.slug}/scenarios/{scenario.id}?saved=rab#rab")


routes = [scenario_list, create_scenario, scenario_page, save_settings, save_design, make_current, compare,
          proposal, rab_xlsx, rab_template, compare_xlsx, rab_upload, rab_preview, rab_confirm]

