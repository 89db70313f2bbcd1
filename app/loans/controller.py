"""Pages of instalment plans (schedule, payments, reversals) and of a cooperative's arrears."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from litestar import Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect
from sqlalchemy.orm import Session

from app import labels
from app.auth.guards import writers
from app.cooperatives.policy import policy_of
from app.db.base import utcnow
from app.errors import DomainError, Invalid
from app.i18n import JAKARTA, gettext_for
from app.loans import service as loans
from app.meetings import service as meetings
from app.members import service as members
from app.projects import service as projects
from app.web.deps import in_thread
from app.web.downloads import PDF, attachment
from app.web.locale import request_locale
from app.web.templating import render
from finance.arrears import COLLECTIBILITY_PRESETS

Form = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]


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


STATEMENT_YEARS = (2000, 2199)  # a date outside a housing loan's life is a typing mistake


@get("/cooperatives/{slug:str}/plans/{plan_id:int}/statement.pdf", include_in_schema=False, guards=[writers],
     sync_to_thread=True)
def statement(request: Request, db: Session, slug: str, plan_id: int) -> Response:
    from app.documents.statement import statement_filename, statement_pdf

    coop = members.cooperative_for(db, request.user, slug)
    plan = loans.get(db, coop.id, plan_id)
    raw = request.query_params.get("as_of", "").strip()
    try:
        as_of = date.fromisoformat(raw) if raw else today()
    except ValueError:
        raise Invalid("Write the date as YYYY-MM-DD, e.g. 2026-11-01.", field="as_of") from None
    low, high = STATEMENT_YEARS
    if not low <= as_of.year <= high:
        raise Invalid("{value} is outside {low} to {high}.", field="as_of", value=raw, low=low, high=high)
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


routes = [create_plans, plan_page, record_payment, reverse_payment, restructure_plan, statement, arrears_page]
