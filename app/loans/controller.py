"""Pages of instalment plans (schedule, payments, reversals) and of a cooperative's arrears."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.datastructures import State
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import labels, uploads
from app.auth.guards import planners, writers
from app.cooperatives.models import Cooperative
from app.cooperatives.policy import policy_of
from app.db.base import utcnow
from app.errors import DomainError, Invalid
from app.i18n import JAKARTA, gettext_for, render_message
from app.loans import importing
from app.loans import service as loans
from app.meetings import service as meetings
from app.members import service as members
from app.projects import service as projects
from app.tabular import TableFileError
from app.web.deps import in_thread
from app.web.downloads import PDF, attachment
from app.web.locale import request_locale
from app.web.templating import render
from app.web.upload_form import UploadRefused, go_to_preview, receive
from finance.arrears import COLLECTIBILITY_PRESETS

Form = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]
Multipart = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)]


def today() -> date:
    """The cooperative's calendar day: Jakarta's."""
    return utcnow().astimezone(JAKARTA).date()


def _text(request: Request, exc: DomainError) -> str:
    return gettext_for(request_locale(request))(exc.msgid).format(**exc.fields)


@post("/projects/{slug:str}/meetings/{meeting_id:int}/plans", include_in_schema=False, guards=[writers],
      sync_to_thread=True)
def create_plans(request: Request, db: Session, slug: str, meeting_id: int, data: Form) -> Response:
    project = projects.get_for(db, request.user, slug, with_parcels=False)
    members.cooperative_for(db, request.user, project.cooperative.slug)  # members' loans: their board and Japra
    meeting = meetings.get(db, project, meeting_id)
    try:
        created = loans.create_plans_for_meeting(db, request.user, meeting, data)
    except DomainError as exc:
        db.rollback()
        from app.meetings.controller import _page

        return _page(request, db, slug, meeting_id, status_code=exc.status_code, error=_text(request, exc))
    return Redirect(f"/projects/{project.slug}/meetings/{meeting.id}?plans={created}#plans")


def _plan_page(request: Request, db: Session, slug: str, plan_id: int, *, status_code: int = 200,
               error: str | None = None) -> Response:
    coop = members.cooperative_for(db, request.user, slug)
    plan = loans.get(db, coop.id, plan_id)
    raw = request.query_params.get("as_of", "")
    try:
        as_of = date.fromisoformat(raw) if raw else today()
    except ValueError:
        as_of = today()
    state = loans.state(plan, as_of, policy_of(db, coop))
    return render(request, "loans/plan.html", status_code=status_code, cooperative=coop, plan=plan, state=state,
                  as_of=as_of, today=today(), error=error, loan_methods=labels.LOAN_METHODS,
                  versions=loans.versions(db, plan), companion=loans.companion(db, plan))


@get("/cooperatives/{slug:str}/plans/{plan_id:int}", include_in_schema=False, guards=[writers])
async def plan_page(request: Request, db: Session, slug: str, plan_id: int) -> Response:
    return await in_thread(_plan_page, request, db, slug, plan_id)


def _entry(request: Request, db: Session, slug: str, plan_id: int, data: dict[str, str], reverse: bool) -> Response:
    coop = members.cooperative_for(db, request.user, slug)
    plan = loans.get(db, coop.id, plan_id)
    try:
        (loans.reverse_payment if reverse else loans.record_payment)(db, request.user, plan, data, today())
    except DomainError as exc:
        db.rollback()
        return _plan_page(request, db, slug, plan_id, status_code=exc.status_code, error=_text(request, exc))
    return Redirect(f"/cooperatives/{coop.slug}/plans/{plan.id}?saved=1#payments")


@post("/cooperatives/{slug:str}/plans/{plan_id:int}/payments", include_in_schema=False, guards=[writers],
      sync_to_thread=True)
def record_payment(request: Request, db: Session, slug: str, plan_id: int, data: Form) -> Response:
    return _entry(request, db, slug, plan_id, data, reverse=False)


@post("/cooperatives/{slug:str}/plans/{plan_id:int}/reversals", include_in_schema=False, guards=[writers],
      sync_to_thread=True)
def reverse_payment(request: Request, db: Session, slug: str, plan_id: int, data: Form) -> Response:
    return _entry(request, db, slug, plan_id, data, reverse=True)


@post("/cooperatives/{slug:str}/plans/{plan_id:int}/restructure", include_in_schema=False, guards=[writers],
      sync_to_thread=True)
def restructure_plan(request: Request, db: Session, slug: str, plan_id: int, data: Form) -> Response:
    coop = members.cooperative_for(db, request.user, slug)
    plan = loans.get(db, coop.id, plan_id)
    try:
        new = loans.restructure(db, request.user, plan, data, today())
    except DomainError as exc:
        db.rollback()
        return _plan_page(request, db, slug, plan_id, status_code=exc.status_code, error=_text(request, exc))
    return Redirect(f"/cooperatives/{coop.slug}/plans/{new.id}?restructured=1")


@get("/cooperatives/{slug:str}/plans/{plan_id:int}/statement.pdf", include_in_schema=False, guards=[writers],
     sync_to_thread=True)
def statement(request: Request, db: Session, slug: str, plan_id: int) -> Response:
    from app.documents.statement import statement_date, statement_filename, statement_pdf

    coop = members.cooperative_for(db, request.user, slug)
    plan = loans.get(db, coop.id, plan_id)
    as_of = statement_date(request.query_params.get("as_of"), today())
    pdf = statement_pdf(db, plan, as_of, policy=policy_of(db, coop), printed_on=today())
    return attachment(pdf, statement_filename(plan, as_of), PDF, private=True)


@get("/cooperatives/{slug:str}/arrears", include_in_schema=False, guards=[writers], sync_to_thread=True)
def arrears_page(request: Request, db: Session, slug: str) -> Response:
    coop = members.cooperative_for(db, request.user, slug)
    preset = request.query_params.get("preset") or policy_of(db, coop).preset
    if preset not in COLLECTIBILITY_PRESETS:
        raise Invalid("Unknown collectibility preset {preset}.", field="preset", preset=preset)
    raw = request.query_params.get("as_of", "")
    try:
        as_of = date.fromisoformat(raw) if raw else today()
    except ValueError:
        raise Invalid("Write the date as YYYY-MM-DD, e.g. 2026-11-01.", field="as_of") from None
    states, summary = loans.cooperative_arrears(db, coop, as_of, preset)
    return render(request, "loans/arrears.html", cooperative=coop, states=states, summary=summary, as_of=as_of,
                  preset=preset, presets=COLLECTIBILITY_PRESETS)


@get("/arrears", include_in_schema=False, guards=[planners], sync_to_thread=True)
def japra_arrears_page(request: Request, db: Session) -> Response:
    """Japra's view over its member cooperatives: classes and ratios per cooperative, no member in sight."""
    preset = request.query_params.get("preset") or "koperasi"
    if preset not in COLLECTIBILITY_PRESETS:
        raise Invalid("Unknown collectibility preset {preset}.", field="preset", preset=preset)
    raw = request.query_params.get("as_of", "")
    try:
        as_of = date.fromisoformat(raw) if raw else today()
    except ValueError:
        raise Invalid("Write the date as YYYY-MM-DD, e.g. 2026-11-01.", field="as_of") from None
    summaries, total = loans.japra_arrears(db, as_of, preset)
    slugs = dict(db.execute(select(Cooperative.name, Cooperative.slug)).all())
    return render(request, "loans/japra_arrears.html", summaries=summaries, total=total, as_of=as_of, preset=preset,
                  presets=COLLECTIBILITY_PRESETS, slugs=slugs)


def _payments_scope(coop: Cooperative) -> str:
    return f"payments:{coop.id}"


def _payment_import_page(request: Request, coop: Cooperative, *, status_code: int = 200, error: str | None = None):
    return render(request, "loans/import.html", status_code=status_code, cooperative=coop, error=error)


def _payment_import_form(request: Request, db: Session, slug: str) -> Response:
    return _payment_import_page(request, members.cooperative_for(db, request.user, slug))


@get("/cooperatives/{slug:str}/payments/import", include_in_schema=False, guards=[writers])
async def payment_import_form(request: Request, db: Session, slug: str) -> Response:
    return await in_thread(_payment_import_form, request, db, slug)


@post("/cooperatives/{slug:str}/payments/import", include_in_schema=False, guards=[writers], sync_to_thread=True)
def payment_import_upload(request: Request, db: Session, slug: str, data: Multipart) -> Response:
    coop = members.cooperative_for(db, request.user, slug)
    try:
        saved = receive(request, data, scope=_payments_scope(coop))
    except UploadRefused as exc:
        return _payment_import_page(request, coop, status_code=exc.status_code, error=exc.text)
    return go_to_preview(request, f"/cooperatives/{coop.slug}/payments/import/{saved.token}")


def _payment_preview(request: Request, db: Session, state: State, slug: str, token: str, *, status_code: int = 200,
                     error: str | None = None) -> Response:
    coop = members.cooperative_for(db, request.user, slug)
    locale = request_locale(request)
    upload = uploads.load(state.settings.data_dir, token, user_id=request.user.id, scope=_payments_scope(coop))
    try:
        found = importing.check_payments(db, coop, upload.path, upload.filename, today())
    except TableFileError as exc:
        uploads.discard(state.settings.data_dir, token)
        return _payment_import_page(request, coop, status_code=400, error=render_message(exc.message, locale))
    return render(request, "loans/import_preview.html", status_code=status_code, cooperative=coop, upload=upload,
                  rows=found.rows[:500], total=len(found.rows), units=found.units,
                  amount=sum(r.amount or 0 for r in found.rows), error=error,
                  problems=[(p.row, p.column, render_message(p.message, locale)) for p in found.problems])


@get("/cooperatives/{slug:str}/payments/import/{token:str}", include_in_schema=False, guards=[writers])
async def payment_import_preview(request: Request, db: Session, state: State, slug: str, token: str) -> Response:
    return await in_thread(_payment_preview, request, db, state, slug, token)


@post("/cooperatives/{slug:str}/payments/import/{token:str}", include_in_schema=False, guards=[writers],
      sync_to_thread=True)
def payment_import_confirm(request: Request, db: Session, state: State, slug: str, token: str,
                           data: Form) -> Response:
    coop = members.cooperative_for(db, request.user, slug)
    if data.get("action") == "cancel":
        uploads.discard(state.settings.data_dir, token)
        return Redirect(f"/cooperatives/{coop.slug}/arrears")
    upload = uploads.load(state.settings.data_dir, token, user_id=request.user.id, scope=_payments_scope(coop))
    nothing = gettext_for(request_locale(request))("Nothing was imported: fix the rows listed below.")
    try:
        found = importing.check_payments(db, coop, upload.path, upload.filename, today())
        if found.problems:
            return _payment_preview(request, db, state, slug, token, status_code=400, error=nothing)
        count = loans.import_payments(db, request.user, coop, found.rows, today())
    except TableFileError:
        return _payment_preview(request, db, state, slug, token, status_code=400)
    except DomainError as exc:
        # Only when the data changed since the check (another officer, the same reference): none of it stays.
        db.rollback()
        return _payment_preview(request, db, state, slug, token, status_code=exc.status_code,
                                error=f"{nothing} {_text(request, exc)}")
    uploads.discard(state.settings.data_dir, token)
    return Redirect(f"/cooperatives/{coop.slug}/arrears?imported={count}")


@get("/cooperatives/{slug:str}/payments/template.csv", include_in_schema=False, guards=[writers],
     sync_to_thread=True)
def payment_import_template(request: Request, db: Session, slug: str) -> Response:
    members.cooperative_for(db, request.user, slug)
    return attachment(importing.TEMPLATE_CSV.encode(), "templat-pembayaran.csv", "text/csv; charset=utf-8")


routes = [japra_arrears_page, create_plans, plan_page, record_payment, reverse_payment, restructure_plan, statement,
          arrears_page,
          payment_import_form, payment_import_upload, payment_import_preview, payment_import_confirm,
          payment_import_template]
