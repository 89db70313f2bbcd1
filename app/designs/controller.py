"""Pages of design scenarios: the list, one scenario's cost to the rupiah, editing it, comparing several."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from litestar import Request, Response, Router, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect
from sqlalchemy.orm import Session

from app import labels
from app.auth.guards import signed_in, writers
from app.designs import editing
from app.designs import service as designs
from app.errors import Invalid, NotFound
from app.i18n import gettext_for, render_message
from app.prices import service as prices
from app.projects import service as projects
from app.projects.models import Project
from app.web.deps import refusable
from app.web.downloads import PDF, XLSX, attachment
from app.web.errors import refusal_text
from app.web.forms import FormReader, page_number, worded
from app.web.imports import Checked, ImportFlow, Step
from app.web.locale import request_locale
from app.web.templating import render
from costing.allocation import METHODS as ALLOCATION_METHODS
from costing.errors import CostingError
from costing.estimate import PARAMETRIC_RATES, TAX_PRESETS
from costing.rab import DIVISIONS
from costing.workbook import read_rab, template_rab, write_comparison, write_rab
from finance.instalment import METHODS as LOAN_METHODS
from finance.instalment import FinanceError
from kernel import limits
from kernel.errors import UserError
from kernel.messages import N_

Form = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]
UNITS_PER_PAGE = 100
COST_METHODS = ("parametric", "rab")


def _project(request: Request, db: Session, slug: str, *, edit: bool = False) -> Project:
    if edit:
        return projects.editable_for(db, request.user, slug, with_parcels=False)
    return projects.get_for(db, request.user, slug, with_parcels=False)


def _form(request: Request, data: dict[str, str]) -> FormReader:
    return FormReader(data, request_locale(request))


def new_scenario(form: FormReader) -> editing.NewScenario:
    copy_from = None
    if form.filled("copy_from"):
        copy_from = worded(lambda: form.int("copy_from", low=1), "Choose a scenario of this project to copy.",
                           "copy_from")
    return editing.NewScenario(form.text("name"), copy_from)


def scenario_settings(form: FormReader) -> editing.ScenarioSettings:
    """The settings form: amounts in whole rupiah, percents and factors within what the estimate takes, each choice
    one of those offered."""
    method = worded(lambda: form.choice("cost_method", COST_METHODS), "Choose how the construction is costed.",
                    "cost_method")
    return editing.ScenarioSettings(
        name=form.text("name"), description=form.text("description", limit=limits.DESCRIPTION), cost_method=method,
        building_type=worded(lambda: form.choice("building_type", PARAMETRIC_RATES), "Choose a building type.",
                             "building_type"),
        # Read (and refused when bad) whether or not it is used: only an override keeps it.
        rate_per_m2=form.optional_rupiah("rate_per_m2"), rate_override=form.flag("rate_override"),
        price_library_id=form.int("price_library_id", low=1) if form.filled("price_library_id") else None,
        infrastructure=form.rupiah("infrastructure"), land=form.rupiah("land"),
        contingency_pct=form.percent("contingency_pct", high=Decimal(30)),
        tax_preset=worded(lambda: form.choice("tax_preset", TAX_PRESETS), "Choose a tax preset.", "tax_preset"),
        tax_rate_pct=form.percent("tax_rate_pct", high=Decimal(15)) if form.filled("tax_rate_pct") else None,
        allocation=worded(lambda: form.choice("allocation", ALLOCATION_METHODS), "Choose how shared costs are split.",
                          "allocation"),
        floor_factors={floor: form.decimal(f"floor_factor_{floor}", low=Decimal(0), high=Decimal(10))
                       for floor in range(1, editing.MAX_FLOOR_FACTORS + 1) if form.filled(f"floor_factor_{floor}")},
        grant_per_unit=form.rupiah("grant_per_unit"),
        down_payment_pct=form.percent("down_payment_pct"),
        annual_rate_pct=form.percent("annual_rate_pct", high=Decimal(30)),
        months=form.int("months", low=1, high=480),
        loan_method=worded(lambda: form.choice("loan_method", LOAN_METHODS, default="annuity"),
                           "Choose how the loan is repaid.", "loan_method"),
    )


UNITS_PER_FLOOR = N_("Write the units on each floor as TYPE:COUNT, e.g. T36:8, T45:2.")
NAME_LIMIT = 80  # a unit type's or a building's name column


def _units_per_floor(form: FormReader, field: str) -> dict[str, int]:
    """'T36:8, T45:2' -> {'T36': 8, 'T45': 2}; whether the types exist, the service checks."""
    out: dict[str, int] = {}
    for part in filter(None, (p.strip() for p in form.text(field).split(","))):
        code, sep, count = part.partition(":")
        code, count = code.strip(), count.strip()
        if not sep or not (count.isascii() and count.isdigit()) or len(count) > 4:
            raise Invalid(UNITS_PER_FLOOR, field=field)
        out[code] = out.get(code, 0) + int(count)
    if not out:
        raise Invalid(UNITS_PER_FLOOR, field=field)
    return out


def scenario_design(form: FormReader) -> editing.ScenarioDesign:
    """The unit types (rows `ut_*_<i>`) and the buildings (rows `b_*_<i>`); a row left empty is skipped."""
    types: list[editing.UnitTypeIn] = []
    for i in range(editing.MAX_UNIT_TYPES):
        code, name = form.text(f"ut_code_{i}"), form.text(f"ut_name_{i}", limit=NAME_LIMIT)
        if not (code or name or form.filled(f"ut_area_{i}")):
            continue
        if not editing.CODE_RE.match(code):
            raise Invalid("A code has letters and digits, up to 16, e.g. T36.", field=f"ut_code_{i}")
        if code in {t.code for t in types}:
            raise Invalid("The code {code} is used twice.", field=f"ut_code_{i}", code=code)
        types.append(editing.UnitTypeIn(code, name, form.decimal(f"ut_area_{i}", low=Decimal(18), high=Decimal(200)),
                                        form.int(f"ut_bedrooms_{i}", high=6)))
    buildings: list[editing.BuildingIn] = []
    for i in range(editing.MAX_BUILDINGS):
        code = form.text(f"b_code_{i}")
        if not (code or form.filled(f"b_floors_{i}")):
            continue
        if not editing.CODE_RE.match(code) or len(code) > 8:
            raise Invalid("A building code is short, e.g. A or B2.", field=f"b_code_{i}")
        if code in {b.code for b in buildings}:
            raise Invalid("The code {code} is used twice.", field=f"b_code_{i}", code=code)
        buildings.append(editing.BuildingIn(
            code=code, name=form.text(f"b_name_{i}", limit=NAME_LIMIT),
            floors=form.int(f"b_floors_{i}", low=1, high=60),
            units_per_floor=_units_per_floor(form, f"b_units_{i}"),
            common_area_m2_per_floor=form.decimal(f"b_common_{i}", low=Decimal(0), high=Decimal(10000)),
            ground_floor_units=form.flag(f"b_ground_{i}"), lift=form.flag(f"b_lift_{i}")))
    return editing.ScenarioDesign(tuple(types), tuple(buildings))


def _list(request: Request, db: Session, slug: str, *, status_code: int = 200, error: str | None = None,
          values: dict[str, str] | None = None) -> Response:
    project = _project(request, db, slug)
    rows = []
    for scenario in designs.scenarios_of(db, project):
        try:
            rows.append((scenario, designs.compute(db, scenario), None))
        except (CostingError, FinanceError) as exc:
            rows.append((scenario, None, refusal_text(request, exc)))
    return render(request, "designs/list.html", status_code=status_code, project=project, rows=rows, error=error,
                  values=values or {}, may_edit=request.user.may_edit_cooperative(project.cooperative_id),
                  libraries=prices.list_libraries(db), building_types=PARAMETRIC_RATES)


@get("/projects/{slug:str}/scenarios", guards=[signed_in], sync_to_thread=True)
def scenario_list(request: Request, db: Session, slug: str) -> Response:
    return _list(request, db, slug)


@post("/projects/{slug:str}/scenarios", guards=[writers], sync_to_thread=True)
def create_scenario(request: Request, db: Session, slug: str, data: Form) -> Response:
    project = _project(request, db, slug, edit=True)
    try:
        with refusable(db):
            scenario = editing.create(db, request.user, project, new_scenario(_form(request, data)))
    except UserError as exc:
        return _list(request, db, slug, status_code=400, error=refusal_text(request, exc), values=data)
    return Redirect(f"/projects/{project.slug}/scenarios/{scenario.id}")


def _page_number(request: Request, total: int) -> tuple[int, int]:
    pages = max(1, -(-total // UNITS_PER_PAGE))
    return min(page_number(request.query_params.get("page")), pages), pages


def _detail(request: Request, db: Session, slug: str, scenario_id: int, *, status_code: int = 200,
            error: str | None = None, error_form: str | None = None, error_field: str | None = None,
            values: dict[str, str] | None = None) -> Response:
    project = _project(request, db, slug)
    scenario = designs.get(db, project, scenario_id)
    locale = request_locale(request)
    cost, cost_error = None, None
    try:
        cost = designs.check_zoning(designs.compute(db, scenario), designs.site_check(project))
    except (CostingError, FinanceError) as exc:
        cost_error = refusal_text(request, exc)
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
        warnings=[(w.code, render_message(w, locale)) for w in cost.warnings] if cost else [],
        breaches=[render_message(b, locale) for b in cost.breaches] if cost else [],
        zoning_note=render_message(cost.zoning_note, locale) if cost and cost.zoning_note else None,
        type_rate=PARAMETRIC_RATES.get(scenario.building_type),
        unit_rows=unit_rows, page=page, pages=pages, item_names=item_names,
        may_edit=request.user.may_edit_cooperative(project.cooperative_id),
        libraries=prices.list_libraries(db), tax_presets=TAX_PRESETS, building_types=PARAMETRIC_RATES,
        divisions=DIVISIONS, loan_methods=labels.LOAN_METHODS, allocation_labels=labels.ALLOCATION_METHODS,
        building_type_labels=labels.BUILDING_TYPES, error_field=error_field,
    )


@get("/projects/{slug:str}/scenarios/{scenario_id:int}", guards=[signed_in], sync_to_thread=True)
def scenario_page(request: Request, db: Session, slug: str, scenario_id: int) -> Response:
    return _detail(request, db, slug, scenario_id)


def _edit(form_name: str, read, change):
    """A POST that changes part of a scenario: `read` the form into its command, `change` the scenario with it;
    redirect on success, the page with the message (and what was typed) on refusal."""

    def handler(request: Request, db: Session, slug: str, scenario_id: int, data: Form) -> Response:
        project = _project(request, db, slug, edit=True)
        scenario = designs.get(db, project, scenario_id)
        try:
            with refusable(db):
                change(db, request.user, scenario, read(_form(request, data)))
                designs.compute(db, scenario)  # a change that makes the estimate impossible is refused whole
        except UserError as exc:
            return _detail(request, db, slug, scenario_id, status_code=400, error=refusal_text(request, exc),
                           error_form=form_name, error_field=exc.field, values=dict(data))
        return Redirect(f"/projects/{project.slug}/scenarios/{scenario.id}?saved={form_name}#{form_name}")

    return handler


@post("/projects/{slug:str}/scenarios/{scenario_id:int}/settings", guards=[writers],
      sync_to_thread=True)
def save_settings(request: Request, db: Session, slug: str, scenario_id: int, data: Form) -> Response:
    return _edit("settings", scenario_settings, editing.update_settings)(request, db, slug, scenario_id, data)


@post("/projects/{slug:str}/scenarios/{scenario_id:int}/design", guards=[writers],
      sync_to_thread=True)
def save_design(request: Request, db: Session, slug: str, scenario_id: int, data: Form) -> Response:
    return _edit("design", scenario_design, editing.update_design)(request, db, slug, scenario_id, data)


@post("/projects/{slug:str}/scenarios/{scenario_id:int}/current", guards=[writers],
      sync_to_thread=True)
def make_current(request: Request, db: Session, slug: str, scenario_id: int) -> Response:
    project = _project(request, db, slug, edit=True)
    editing.make_current(db, request.user, designs.get(db, project, scenario_id))
    return Redirect(f"/projects/{project.slug}/scenarios/{scenario_id}?saved=current")


def _chosen(request: Request) -> set[int]:
    """The scenarios `?s=` picks for the comparison (ids); anything else is ignored."""
    return {int(v) for v in request.query_params.getall("s", []) if v.isascii() and v.isdigit() and len(v) <= 9}


@get("/projects/{slug:str}/scenarios/compare", guards=[signed_in], sync_to_thread=True)
def compare(request: Request, db: Session, slug: str) -> Response:
    project = _project(request, db, slug)
    chosen = _chosen(request)
    scenarios = [s for s in designs.scenarios_of(db, project) if not chosen or s.id in chosen]
    site = designs.site_check(project)  # measured once for every column
    columns = []
    for scenario in scenarios:
        try:
            columns.append((scenario, designs.check_zoning(designs.compute(db, scenario), site)))
        except (CostingError, FinanceError):
            continue
    locale = request_locale(request)
    return render(request, "designs/compare.html", project=project, columns=columns,
                  rows=editing.comparison_rows(columns), all_scenarios=designs.scenarios_of(db, project),
                  chosen=chosen, partial_rabs=editing.partial_rabs(columns), divisions=DIVISIONS,
                  per_m2=any(s.cost_method == "parametric" for s, _c in columns),
                  breaches={s.id: [render_message(b, locale) for b in c.breaches] for s, c in columns},
                  zoning_note=render_message(site.note, locale) if site.note else None)


@get("/projects/{slug:str}/scenarios/{scenario_id:int}/proposal.pdf", guards=[signed_in],
     sync_to_thread=True)
def proposal(request: Request, db: Session, slug: str, scenario_id: int) -> Response:
    from app.designs.proposal import proposal_pdf

    project = projects.get_for(db, request.user, slug)  # with parcels: the proposal maps the site
    scenario = designs.get(db, project, scenario_id)
    appendix = request.query_params.get("appendix") in ("1", "true", "yes")
    try:
        pdf = proposal_pdf(db, project, scenario, locale=request_locale(request), appendix=appendix)
    except (CostingError, FinanceError) as exc:
        raise Invalid("This scenario cannot be costed yet: {reason}", reason=refusal_text(request, exc)) from exc
    return attachment(pdf, f"proposal-{project.slug}-{scenario.id}.pdf", PDF, private=True)


Multipart = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)]


@get("/projects/{slug:str}/scenarios/{scenario_id:int}/rab.xlsx", guards=[signed_in], sync_to_thread=True)
def rab_xlsx(request: Request, db: Session, slug: str, scenario_id: int) -> Response:
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


@get("/prices/rab-template.xlsx", guards=[signed_in], sync_to_thread=False)
def rab_template() -> Response:
    return attachment(template_rab(), "templat-rab.xlsx", XLSX)


@get("/projects/{slug:str}/scenarios/compare.xlsx", guards=[signed_in], sync_to_thread=True)
def compare_xlsx(request: Request, db: Session, slug: str) -> Response:
    project = _project(request, db, slug)
    chosen = _chosen(request)
    site = designs.site_check(project)
    columns = []
    for scenario in designs.scenarios_of(db, project):
        if chosen and scenario.id not in chosen:
            continue
        try:
            columns.append((scenario, designs.check_zoning(designs.compute(db, scenario), site)))
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


# A RAB is imported into a scenario of a project: (project, scenario).
RabTarget = tuple[Project, Any]


def _rab_target(request: Request, db: Session, slug: str, scenario_id: int) -> RabTarget:
    project = _project(request, db, slug, edit=True)
    return project, designs.get(db, project, scenario_id)


def _check_rab(step: Step[RabTarget]) -> Checked:
    scenario = step.owner[1]
    if scenario.price_library_id is None:
        raise Invalid("A detailed RAB needs a price library.")
    library = prices.get(step.db, scenario.price_library_id)
    lines, problems = read_rab(step.upload.path, step.upload.filename, item_codes={i.code for i in library.items})
    return Checked((library, lines), problems)


def _rab_preview_context(step: Step[RabTarget], checked: Checked) -> dict[str, Any]:
    project, scenario = step.owner
    library, lines = checked.data
    priced, total = [], None
    if not checked.problems:
        priced = designs.price_rab(library, lines)
        total = sum(line.amount for line in priced)
    current = designs.compute(step.db, scenario) if scenario.rab_lines and scenario.cost_method == "rab" else None
    return {"project": project, "scenario": scenario, "lines": priced, "count": len(lines), "total": total,
            "current_total": current.recap.jumlah if current and current.recap else None,
            "names": {i.code: (i.name, i.unit) for i in library.items}, "divisions": DIVISIONS}


RAB_IMPORT: ImportFlow[RabTarget] = ImportFlow(
    scope=lambda target: f"rab:{target[1].id}",
    check=_check_rab,
    store=lambda step, checked: designs.replace_rab(step.db, step.user, step.owner[1], checked.data[1]),
    form_page=lambda request, db, target, refused: _detail(request, db, target[0].slug, target[1].id,
                                                           status_code=refused.status, error=refused.text,
                                                           error_form="rab"),
    preview_template="designs/rab_preview.html",
    preview_context=_rab_preview_context,
    preview_url=lambda target, token: f"/projects/{target[0].slug}/scenarios/{target[1].id}/rab/{token}",
    cancel_url=lambda target: f"/projects/{target[0].slug}/scenarios/{target[1].id}",
    done_url=lambda target, _: f"/projects/{target[0].slug}/scenarios/{target[1].id}?saved=rab#rab",
    where=("sheet", "row", "column"),
)


@post("/projects/{slug:str}/scenarios/{scenario_id:int}/rab", guards=[writers],
      sync_to_thread=True)
def rab_upload(request: Request, db: Session, slug: str, scenario_id: int, data: Multipart) -> Response:
    return RAB_IMPORT.upload(request, db, _rab_target(request, db, slug, scenario_id), data)


@get("/projects/{slug:str}/scenarios/{scenario_id:int}/rab/{token:str}",
     guards=[writers], sync_to_thread=True)
def rab_preview(request: Request, db: Session, slug: str, scenario_id: int, token: str) -> Response:
    return RAB_IMPORT.preview(request, db, _rab_target(request, db, slug, scenario_id), token)


@post("/projects/{slug:str}/scenarios/{scenario_id:int}/rab/{token:str}",
      guards=[writers], sync_to_thread=True)
def rab_confirm(request: Request, db: Session, slug: str, scenario_id: int, token: str, data: Form) -> Response:
    return RAB_IMPORT.confirm(request, db, _rab_target(request, db, slug, scenario_id), token, data)


handlers = [scenario_list, create_scenario, scenario_page, save_settings, save_design, make_current, compare,
            proposal, rab_xlsx, rab_template, compare_xlsx, rab_upload, rab_preview, rab_confirm]

# The pages of this context, registered once; none belongs in the API schema.
router = Router(path="/", route_handlers=handlers, include_in_schema=False)
