"""Costs against the budget (RAB), show-cause meetings, the handover (PHO, FHO) and the schedule as .xlsx."""

from __future__ import annotations

from litestar import Request, Response, get, post
from litestar.response import Redirect
from sqlalchemy.orm import Session

from app.auth.guards import signed_in, writers
from app.construction import costs as cost_book
from app.construction import handover as handovers
from app.construction import schedule_file
from app.construction import service as construction
from app.construction import showcause as show_cause
from app.construction.handover_document import handover_pdf
from app.construction.pages.common import (
    Form,
    Multipart,
    act_on_page,
    as_of_date,
    form_of,
)
from app.construction.pages.progress import render_schedule_page
from app.projects import service as projects
from app.projects.models import Project
from app.web.deps import refusable, today
from app.web.downloads import PDF, XLSX, attachment
from app.web.errors import refusal_lines
from app.web.forms import FormReader, page_number, read_rupiah, worded
from app.web.imports import Checked, ImportFlow
from app.web.locale import request_locale
from app.web.templating import render
from costing.rab import DIVISIONS
from kernel import limits
from kernel.errors import UserError
from progress.handover import MAINTENANCE_REFUSED, RETENTION_REFUSED
from progress.showcause import OUTCOMES


def _costs_page(request: Request, db: Session, slug: str, *, status_code: int = 200,
                errors: list[str] | None = None, values: dict[str, str] | None = None,
                form: str | None = None) -> Response:
    project = projects.get_for(db, request.user, slug, with_parcels=False)
    contract = construction.get(db, project)
    if contract is None:
        return Redirect(f"/projects/{project.slug}/construction")
    as_of = as_of_date(request)
    blocks = cost_book.blocks_of(db, project)
    block = request.query_params.get("block") or None
    if block not in blocks:
        block = None
    listing = cost_book.page_of(db, project, page_number(request.query_params.get("page")))
    return render(request, "construction/costs.html", status_code=status_code, project=project, contract=contract,
                  report=cost_book.report(db, project, contract, as_of, block), as_of=as_of, block=block,
                  blocks=blocks, listing=listing, lines=cost_book.rab_lines(contract), divisions=DIVISIONS,
                  today=today(request), errors=errors or [], values=values or {}, form=form,
                  may_edit=request.user.may_edit_cooperative(project.cooperative_id))


@get("/projects/{slug:str}/construction/costs", guards=[signed_in], sync_to_thread=True)
def costs_page(request: Request, db: Session, slug: str) -> Response:
    return _costs_page(request, db, slug)


def _signed_rupiah(form: FormReader, name: str) -> int | None:
    """Whole rupiah with its sign (the book's rules say what a negative amount means); None when left empty."""
    raw = form.raw(name).strip()
    if not raw:
        return None
    amount = read_rupiah(raw.removeprefix("-"), name)
    return -amount if raw.startswith("-") else amount


def cost_in(form: FormReader) -> cost_book.CostIn:
    """The cost form, typed and bounded; what each value must be (a date no later than today, an amount above 0,
    a division or line of the RAB...) the book's rules check with the others, every problem at once."""
    return cost_book.CostIn(
        entry_date=form.optional_date("entry_date"), amount=_signed_rupiah(form, "amount"),
        division=form.text("division"), line=form.text("line"), block=form.text("block"),
        payee=form.text("payee"), reference=form.text("reference"), note=form.text("note", limit=limits.NOTE))


def correction_in(form: FormReader) -> cost_book.CorrectionIn:
    return cost_book.CorrectionIn(corrects=form.text("corrects"), amount=_signed_rupiah(form, "amount"),
                                  entry_date=form.optional_date("entry_date"),
                                  note=form.text("note", limit=limits.NOTE))


@post("/projects/{slug:str}/construction/costs", guards=[writers], sync_to_thread=True)
def record_cost(request: Request, db: Session, slug: str, data: Form) -> Response:
    project = projects.editable_for(db, request.user, slug, with_parcels=False)
    try:
        with refusable(db):
            entry = cost_book.record(db, request.user, project, cost_in(form_of(request, data)), today(request))
    except UserError as exc:
        return _costs_page(request, db, slug, status_code=exc.status, errors=refusal_lines(request, exc),
                           values=data, form="record")
    return Redirect(f"/projects/{project.slug}/construction/costs?recorded={entry.reference}")


@post("/projects/{slug:str}/construction/costs/corrections", guards=[writers],
      sync_to_thread=True)
def correct_cost(request: Request, db: Session, slug: str, data: Form) -> Response:
    project = projects.editable_for(db, request.user, slug, with_parcels=False)
    try:
        with refusable(db):
            entry = cost_book.correct(db, request.user, project, correction_in(form_of(request, data)),
                                      today(request))
    except UserError as exc:
        return _costs_page(request, db, slug, status_code=exc.status, errors=refusal_lines(request, exc),
                           values={f"k_{k}": v for k, v in data.items()}, form="correct")
    return Redirect(f"/projects/{project.slug}/construction/costs?recorded={entry.reference}")


COST_IMPORT: ImportFlow[Project] = ImportFlow(
    scope=lambda project: f"costs:{project.id}",
    check=lambda step: Checked(*cost_book.check_file(step.db, step.owner, step.upload.path, step.upload.filename,
                                                     today(step.request))),
    store=lambda step, checked: cost_book.store_entries(step.db, step.user, step.owner, checked.data),
    form_page=lambda request, db, project, refused: _costs_page(request, db, project.slug, status_code=refused.status,
                                                                errors=refused.alerts(request), form="import"),
    done_url=lambda project, count: f"/projects/{project.slug}/construction/costs?imported={count}",
)


@post("/projects/{slug:str}/construction/costs/import", guards=[writers],
      sync_to_thread=True)
def import_costs(request: Request, db: Session, slug: str, data: Multipart) -> Response:
    return COST_IMPORT.upload(request, db, projects.editable_for(db, request.user, slug, with_parcels=False), data)


@get("/projects/{slug:str}/construction/costs/template.csv", guards=[signed_in],
     sync_to_thread=True)
def costs_template(request: Request, db: Session, slug: str) -> Response:
    projects.get_for(db, request.user, slug, with_parcels=False)
    return attachment(cost_book.TEMPLATE_CSV.encode(), "templat-biaya.csv", "text/csv; charset=utf-8")


def meeting_in(form: FormReader) -> show_cause.MeetingIn:
    return show_cause.MeetingIn(
        held_on=form.date("scm_held_on"),
        target_pct=worded(lambda: form.percent("scm_target_pct"), show_cause.PERCENT_REFUSED, "scm_target_pct",
                          value=form.raw("scm_target_pct").strip()[:20]),
        target_date=form.date("scm_target_date"), minutes=form.text("scm_minutes"))


def outcome_of(form: FormReader) -> str:
    return worded(lambda: form.choice("outcome", OUTCOMES), show_cause.OUTCOME_REFUSED, "outcome")


def pho_in(form: FormReader) -> handovers.PhoIn:
    """The PHO form; the maintenance days and the retention left empty keep the contract's."""
    pho_on, reference = form.date("pho_on"), form.text("pho_reference")
    days = retention = None
    if form.filled("maintenance_days"):
        days = worded(lambda: form.int("maintenance_days", high=handovers.MAINTENANCE_MAX_DAYS),
                      MAINTENANCE_REFUSED, "maintenance_days", high=handovers.MAINTENANCE_MAX_DAYS)
    if form.filled("retention_pct"):
        retention = worded(lambda: form.percent("retention_pct"), RETENTION_REFUSED, "retention_pct",
                           value=form.raw("retention_pct").strip()[:20])
    return handovers.PhoIn(pho_on, reference, days, retention, form.optional_date("first_due"))


def fho_in(form: FormReader) -> handovers.FhoIn:
    return handovers.FhoIn(fho_on=form.date("fho_on"), reference=form.text("fho_reference"))


@post("/projects/{slug:str}/construction/showcause", guards=[writers],
      sync_to_thread=True)
def record_showcause(request: Request, db: Session, slug: str, data: Form) -> Response:
    return act_on_page(request, db, slug, data,
                        lambda project: show_cause.record(db, request.user, project, meeting_in(form_of(request, data)),
                                                          today(request)),
                        lambda project, meeting: f"/projects/{project.slug}/construction?scm={meeting.level}#showcause")


@post("/projects/{slug:str}/construction/showcause/{meeting_id:int}/outcome",
      guards=[writers], sync_to_thread=True)
def record_showcause_outcome(request: Request, db: Session, slug: str, meeting_id: int, data: Form) -> Response:
    day = today(request)
    form = form_of(request, data)
    return act_on_page(request, db, slug, data,
                        lambda project: show_cause.record_outcome(db, request.user, project, meeting_id,
                                                                  outcome_of(form), day),
                        lambda project, meeting: f"/projects/{project.slug}/construction?scm_outcome={meeting.outcome}"
                                                 "#showcause")


@post("/projects/{slug:str}/construction/handover/pho", guards=[writers],
      sync_to_thread=True)
def record_pho(request: Request, db: Session, slug: str, data: Form) -> Response:
    return act_on_page(request, db, slug, data,
                        lambda project: handovers.record_pho(db, request.user, project, pho_in(form_of(request, data)),
                                                             today(request)),
                        lambda project, done: f"/projects/{project.slug}/construction?pho=1"
                                              f"&plans={done.plans_changed}&kept={len(done.kept_units)}#handover")


@post("/projects/{slug:str}/construction/handover/fho", guards=[writers],
      sync_to_thread=True)
def record_fho(request: Request, db: Session, slug: str, data: Form) -> Response:
    return act_on_page(request, db, slug, data,
                        lambda project: handovers.record_fho(db, request.user, project, fho_in(form_of(request, data)),
                                                             today(request)),
                        lambda project, _: f"/projects/{project.slug}/construction?fho=1#handover")


def _handover_document(request: Request, db: Session, slug: str, kind: str) -> Response:
    project = projects.get_for(db, request.user, slug, with_parcels=False)
    content = handover_pdf(db, project, kind, locale=request_locale(request))
    name = "berita-acara-serah-terima-pertama" if kind == "pho" else "berita-acara-serah-terima-akhir"
    return attachment(content, f"{name}-{project.slug}.pdf", PDF)


@get("/projects/{slug:str}/construction/handover/pho.pdf", guards=[signed_in],
     sync_to_thread=True)
def pho_pdf(request: Request, db: Session, slug: str) -> Response:
    return _handover_document(request, db, slug, "pho")


@get("/projects/{slug:str}/construction/handover/fho.pdf", guards=[signed_in],
     sync_to_thread=True)
def fho_pdf(request: Request, db: Session, slug: str) -> Response:
    return _handover_document(request, db, slug, "fho")


@get("/projects/{slug:str}/construction/schedule.xlsx", guards=[signed_in],
     sync_to_thread=True)
def schedule_xlsx(request: Request, db: Session, slug: str) -> Response:
    project = projects.get_for(db, request.user, slug, with_parcels=False)
    if construction.get(db, project) is None:
        return Redirect(f"/projects/{project.slug}/construction")
    return attachment(schedule_file.write(project, construction.packages_of(db, project)),
                      f"jadwal-{project.slug}.xlsx", XLSX)


SCHEDULE_IMPORT: ImportFlow[Project] = ImportFlow(
    scope=lambda project: f"schedule:{project.id}",
    check=lambda step: Checked(*schedule_file.read_rows(step.db, step.owner, step.upload.path, step.upload.filename)),
    # The weighing's own refusal (a finish before its start) names the package.
    store=lambda step, checked: schedule_file.store_rows(step.db, step.user, step.owner, checked.data),
    form_page=lambda request, db, project, refused: render_schedule_page(
        request, db, project.slug, status_code=refused.status, errors=refused.alerts(request)),
    done_url=lambda project, changed: f"/projects/{project.slug}/construction/schedule?saved={changed}",
)


@post("/projects/{slug:str}/construction/schedule/import", guards=[writers],
      sync_to_thread=True)
def import_schedule(request: Request, db: Session, slug: str, data: Multipart) -> Response:
    return SCHEDULE_IMPORT.upload(request, db, projects.editable_for(db, request.user, slug, with_parcels=False),
                                  data)


handlers = [costs_page, record_cost, correct_cost, import_costs, costs_template, record_showcause,
           record_showcause_outcome, record_pho, record_fho, pho_pdf, fho_pdf, schedule_xlsx, import_schedule]
