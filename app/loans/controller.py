"""Pages of instalment plans (schedule, payments, reversals) and of a cooperative's arrears."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from litestar import Request, Response, Router, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import labels
from app.auth.guards import planners, writers
from app.cooperatives.models import Cooperative
from app.cooperatives.policy import policy_of
from app.errors import Invalid
from app.i18n import render_message
from app.loans import importing
from app.loans import service as loans
from app.meetings import service as meetings
from app.members import service as members
from app.projects import service as projects
from app.web.deps import refusable, today
from app.web.downloads import PDF, attachment
from app.web.errors import describe
from app.web.forms import FormReader
from app.web.imports import Checked, ImportFlow, Shown, Step
from app.web.locale import request_locale
from app.web.templating import render
from finance.arrears import COLLECTIBILITY_PRESETS
from finance.instalment import MAX_ANNUAL_RATE, MAX_MONTHS, METHODS
from finance.ledger import plan_start
from kernel import limits
from kernel.errors import UserError

Form = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]
Multipart = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)]


def _text(request: Request, exc: UserError) -> str:
    return " ".join(p.message for p in describe(exc, request_locale(request)))


def _form(request: Request, data: dict[str, str]) -> FormReader:
    return FormReader(data, request_locale(request))


def loan_terms(form: FormReader) -> loans.LoanTerms:
    return loans.LoanTerms(
        method=form.choice("method", METHODS, default="annuity"),
        annual_rate_pct=form.percent("annual_rate_pct", default=Decimal(0), high=MAX_ANNUAL_RATE * 100),
        months=form.int("months", low=1, high=MAX_MONTHS),
        grace_months=form.int("grace_months", default=0, high=MAX_MONTHS),
        first_due=form.date("first_due"),
        grants=form.rupiah("grants", default=0),
        down_payment_months=form.int("down_payment_months", default=0, high=MAX_MONTHS),
        down_payment_first_due=form.optional_date("down_payment_first_due"),
    )


def payment_in(form: FormReader) -> loans.PaymentIn:
    return loans.PaymentIn(paid_on=form.date("paid_on"), amount=form.rupiah("amount", low=1, high=limits.PAYMENT_MAX),
                           reference=form.text("reference", required=True, limit=limits.REFERENCE))


def amount_confirmed(form: FormReader, amount: int) -> bool:
    """The officer ticked "yes, record Rp…" for this very amount: a confirmation never carries over to an amount
    changed after it was asked for."""
    try:
        return form.optional_rupiah("confirm_amount") == amount
    except UserError:
        return False


def reversal_in(form: FormReader) -> loans.ReversalIn:
    return loans.ReversalIn(reversal_of=form.text("reversal_of", required=True, limit=limits.REFERENCE),
                            reason=form.text("reason", required=True, limit=limits.REASON))


def restructuring_in(form: FormReader) -> loans.RestructuringIn:
    return loans.RestructuringIn(
        reason=form.text("reason", required=True, limit=limits.REASON),
        months=form.int("months", low=1, high=MAX_MONTHS),
        grace_months=form.int("grace_months", default=0, high=MAX_MONTHS),
        first_due=form.date("first_due"),
        method=form.choice("method", METHODS) if form.filled("method") else None,
        annual_rate_pct=(form.percent("annual_rate_pct", high=MAX_ANNUAL_RATE * 100)
                         if form.filled("annual_rate_pct") else None),
    )


def as_of_date(request: Request) -> date:
    """`?as_of=` on a page: a date in range, or today when none is given."""
    return FormReader(request.query_params).date("as_of", default=today(request))


@post("/projects/{slug:str}/meetings/{meeting_id:int}/plans", guards=[writers],
      sync_to_thread=True)
def create_plans(request: Request, db: Session, slug: str, meeting_id: int, data: Form) -> Response:
    project = projects.get_for(db, request.user, slug, with_parcels=False)
    members.cooperative_for(db, request.user, project.cooperative.slug)  # members' loans: their board and Japra
    meeting = meetings.get(db, project, meeting_id)
    try:
        form = _form(request, data)
        with refusable(db):
            created = loans.create_plans_for_meeting(db, request.user, meeting, loan_terms(form),
                                                     form.percent("down_payment_pct", default=Decimal(0)))
    except UserError as exc:
        from app.meetings.controller import _page

        return _page(request, db, slug, meeting_id, status_code=exc.status_code, error=_text(request, exc))
    return Redirect(f"/projects/{project.slug}/meetings/{meeting.id}?plans={created}#plans")


def _plan_page(request: Request, db: Session, slug: str, plan_id: int, *, status_code: int = 200,
               error: str | None = None, typed: dict[str, str] | None = None,
               confirm: loans.AmountToConfirm | None = None) -> Response:
    """The plan's page; after a refused payment, `typed` holds what the officer typed (shown again, not lost) and
    `confirm` the amount to confirm."""
    coop = members.cooperative_for(db, request.user, slug)
    plan = loans.get(db, coop.id, plan_id)
    try:
        as_of = as_of_date(request)
    except UserError:
        as_of = today(request)  # the page itself is what the officer came for; a mistyped date shows today's state
    state = loans.state(plan, as_of, policy_of(db, coop))
    typed = {k: v for k, v in (typed or {}).items() if isinstance(v, str)}
    return render(request, "loans/plan.html", status_code=status_code, cooperative=coop, plan=plan, state=state,
                  as_of=as_of, today=today(request), error=error, loan_methods=labels.LOAN_METHODS,
                  versions=loans.versions(db, plan), companion=loans.companion(db, plan), typed=typed,
                  confirm=confirm, payments_from=plan_start(state.ledger.schedule))


@get("/cooperatives/{slug:str}/plans/{plan_id:int}", guards=[writers], sync_to_thread=True)
def plan_page(request: Request, db: Session, slug: str, plan_id: int) -> Response:
    return _plan_page(request, db, slug, plan_id)


def _entry(request: Request, db: Session, slug: str, plan_id: int, data: dict[str, str], reverse: bool) -> Response:
    coop = members.cooperative_for(db, request.user, slug)
    plan = loans.get(db, coop.id, plan_id)
    form = _form(request, data)
    try:
        with refusable(db):
            if reverse:
                loans.reverse_payment(db, request.user, plan, reversal_in(form), today(request))
            else:
                payment = payment_in(form)
                loans.record_payment(db, request.user, plan, payment, today(request),
                                     confirmed=amount_confirmed(form, payment.amount))
    except loans.AmountToConfirm as exc:
        return _plan_page(request, db, slug, plan_id, status_code=exc.status_code, error=_text(request, exc),
                          typed=data, confirm=exc)
    except UserError as exc:
        return _plan_page(request, db, slug, plan_id, status_code=exc.status_code, error=_text(request, exc),
                          typed=None if reverse else data)
    return Redirect(f"/cooperatives/{coop.slug}/plans/{plan.id}?saved=1#payments")


@post("/cooperatives/{slug:str}/plans/{plan_id:int}/payments", guards=[writers],
      sync_to_thread=True)
def record_payment(request: Request, db: Session, slug: str, plan_id: int, data: Form) -> Response:
    return _entry(request, db, slug, plan_id, data, reverse=False)


@post("/cooperatives/{slug:str}/plans/{plan_id:int}/reversals", guards=[writers],
      sync_to_thread=True)
def reverse_payment(request: Request, db: Session, slug: str, plan_id: int, data: Form) -> Response:
    return _entry(request, db, slug, plan_id, data, reverse=True)


@post("/cooperatives/{slug:str}/plans/{plan_id:int}/restructure", guards=[writers],
      sync_to_thread=True)
def restructure_plan(request: Request, db: Session, slug: str, plan_id: int, data: Form) -> Response:
    coop = members.cooperative_for(db, request.user, slug)
    plan = loans.get(db, coop.id, plan_id)
    try:
        with refusable(db):
            new = loans.restructure(db, request.user, plan, restructuring_in(_form(request, data)), today(request))
    except UserError as exc:
        return _plan_page(request, db, slug, plan_id, status_code=exc.status_code, error=_text(request, exc))
    return Redirect(f"/cooperatives/{coop.slug}/plans/{new.id}?restructured=1")


@get("/cooperatives/{slug:str}/plans/{plan_id:int}/statement.pdf", guards=[writers],
     sync_to_thread=True)
def statement(request: Request, db: Session, slug: str, plan_id: int) -> Response:
    from app.loans.statement import statement_date, statement_filename, statement_pdf

    coop = members.cooperative_for(db, request.user, slug)
    plan = loans.get(db, coop.id, plan_id)
    as_of = statement_date(request.query_params.get("as_of"), today(request))  # a mistyped date prints today's card
    pdf = statement_pdf(db, plan, as_of, policy=policy_of(db, coop), printed_on=today(request))
    return attachment(pdf, statement_filename(plan, as_of), PDF, private=True)


@get("/cooperatives/{slug:str}/arrears", guards=[writers], sync_to_thread=True)
def arrears_page(request: Request, db: Session, slug: str) -> Response:
    coop = members.cooperative_for(db, request.user, slug)
    preset = request.query_params.get("preset") or policy_of(db, coop).preset
    if preset not in COLLECTIBILITY_PRESETS:
        raise Invalid("Unknown collectibility preset {preset}.", field="preset", preset=preset)
    as_of = as_of_date(request)
    states, summary = loans.cooperative_arrears(db, coop, as_of, preset)
    return render(request, "loans/arrears.html", cooperative=coop, states=states, summary=summary, as_of=as_of,
                  preset=preset, presets=COLLECTIBILITY_PRESETS)


@get("/arrears", guards=[planners], sync_to_thread=True)
def japra_arrears_page(request: Request, db: Session) -> Response:
    """Japra's view over its member cooperatives: classes and ratios per cooperative, no member in sight."""
    preset = request.query_params.get("preset") or "koperasi"
    if preset not in COLLECTIBILITY_PRESETS:
        raise Invalid("Unknown collectibility preset {preset}.", field="preset", preset=preset)
    as_of = as_of_date(request)
    summaries, total = loans.japra_arrears(db, as_of, preset)
    slugs = dict(db.execute(select(Cooperative.name, Cooperative.slug)).all())
    return render(request, "loans/japra_arrears.html", summaries=summaries, total=total, as_of=as_of, preset=preset,
                  presets=COLLECTIBILITY_PRESETS, slugs=slugs)


def _payment_import_page(request: Request, coop: Cooperative, *, status_code: int = 200, error: str | None = None):
    return render(request, "loans/import.html", status_code=status_code, cooperative=coop, error=error)


def _check_payments(step: Step[Cooperative]) -> Checked:
    found = importing.check_payments(step.db, step.owner, step.upload.path, step.upload.filename,
                                     today(step.request))
    return Checked(found, found.problems)


def _payment_preview_context(step: Step[Cooperative], checked: Checked) -> dict[str, Any]:
    found = checked.data
    warnings = [Shown(render_message(w.message, step.locale), w.row, w.column) for w in found.warnings]
    return {"cooperative": step.owner, "rows": found.rows[:500], "total": len(found.rows), "units": found.units,
            "amount": sum(r.amount or 0 for r in found.rows), "warnings": warnings}


PAYMENT_IMPORT: ImportFlow[Cooperative] = ImportFlow(
    scope=lambda coop: f"payments:{coop.id}",
    check=_check_payments,
    # Refused only when the data changed since the check (another officer, the same reference): none of it stays.
    store=lambda step, checked: loans.import_payments(step.db, step.user, step.owner, checked.data.rows,
                                                      today(step.request)),
    form_page=lambda request, db, coop, refused: _payment_import_page(request, coop, status_code=refused.status,
                                                                      error=refused.text),
    preview_template="loans/import_preview.html",
    preview_context=_payment_preview_context,
    preview_url=lambda coop, token: f"/cooperatives/{coop.slug}/payments/import/{token}",
    cancel_url=lambda coop: f"/cooperatives/{coop.slug}/arrears",
    done_url=lambda coop, count: f"/cooperatives/{coop.slug}/arrears?imported={count}",
)


@get("/cooperatives/{slug:str}/payments/import", guards=[writers], sync_to_thread=True)
def payment_import_form(request: Request, db: Session, slug: str) -> Response:
    return _payment_import_page(request, members.cooperative_for(db, request.user, slug))


@post("/cooperatives/{slug:str}/payments/import", guards=[writers], sync_to_thread=True)
def payment_import_upload(request: Request, db: Session, slug: str, data: Multipart) -> Response:
    return PAYMENT_IMPORT.upload(request, db, members.cooperative_for(db, request.user, slug), data)


@get("/cooperatives/{slug:str}/payments/import/{token:str}", guards=[writers], sync_to_thread=True)
def payment_import_preview(request: Request, db: Session, slug: str, token: str) -> Response:
    return PAYMENT_IMPORT.preview(request, db, members.cooperative_for(db, request.user, slug), token)


@post("/cooperatives/{slug:str}/payments/import/{token:str}", guards=[writers],
      sync_to_thread=True)
def payment_import_confirm(request: Request, db: Session, slug: str, token: str, data: Form) -> Response:
    return PAYMENT_IMPORT.confirm(request, db, members.cooperative_for(db, request.user, slug), token, data)


@get("/cooperatives/{slug:str}/payments/template.csv", guards=[writers],
     sync_to_thread=True)
def payment_import_template(request: Request, db: Session, slug: str) -> Response:
    members.cooperative_for(db, request.user, slug)
    return attachment(importing.TEMPLATE_CSV.encode(), "templat-pembayaran.csv", "text/csv; charset=utf-8")


handlers = [japra_arrears_page, create_plans, plan_page, record_payment, reverse_payment, restructure_plan, statement,
            arrears_page,
            payment_import_form, payment_import_upload, payment_import_preview, payment_import_confirm,
            payment_import_template]

# The pages of this context, registered once; none belongs in the API schema.
router = Router(path="/", route_handlers=handlers, include_in_schema=False)
