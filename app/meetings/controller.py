"""Meeting pages: prepare a meeting, hold it on a projector, confirm it and print its berita acara."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect
from sqlalchemy.orm import Session

from allocation.errors import AllocationError
from app import labels
from app.auth.guards import writers
from app.db.base import utcnow
from app.errors import DomainError, NotFound
from app.i18n import JAKARTA, gettext_for, render_message
from app.loans import service as loans
from app.meetings import service as meetings
from app.members.service import may_see
from app.projects import service as projects
from app.projects.models import Project
from app.web.deps import in_thread
from app.web.downloads import PDF, attachment
from app.web.locale import request_locale
from app.web.templating import render
from costing.errors import CostingError

Form = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]
Multipart = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)]


def _project(request: Request, db: Session, slug: str) -> Project:
    """Meetings name members: the cooperative's own officers and Japra's planners only."""
    project = projects.get_for(db, request.user, slug, with_parcels=False)
    if not may_see(request.user, project.cooperative_id):
        raise NotFound("No project found at this address.")
    return project


def _text(request: Request, exc: Exception) -> str:
    locale = request_locale(request)
    if isinstance(exc, DomainError):
        return gettext_for(locale)(exc.msgid).format(**exc.fields)
    if isinstance(exc, AllocationError):
        return " ".join(render_message(m, locale) for m in exc.messages[:10])
    return render_message(exc.message, locale)


def _list(request: Request, db: Session, slug: str, *, status_code: int = 200, error: str | None = None,
          values: dict[str, str] | None = None) -> Response:
    project = _project(request, db, slug)
    return render(request, "meetings/list.html", status_code=status_code, project=project,
                  meetings=meetings.meetings_of(db, project), error=error, values=values or {},
                  method_labels=labels.ALLOCATION_METHODS_MEETING,
                  status_labels=labels.MEETING_STATUSES)


@get("/projects/{slug:str}/meetings", include_in_schema=False, guards=[writers])
async def meeting_list(request: Request, db: Session, slug: str) -> Response:
    return await in_thread(_list, request, db, slug)


@post("/projects/{slug:str}/meetings", include_in_schema=False, guards=[writers], sync_to_thread=True)
def create_meeting(request: Request, db: Session, slug: str, data: Form) -> Response:
    project = _project(request, db, slug)
    try:
        meeting = meetings.create(db, request.user, project, data)
    except DomainError as exc:
        db.rollback()
        return _list(request, db, slug, status_code=400, error=_text(request, exc), values=data)
    return Redirect(f"/projects/{project.slug}/meetings/{meeting.id}")


def _page(request: Request, db: Session, slug: str, meeting_id: int, *, status_code: int = 200,
          error: str | None = None, seed: str | None = None, amendment: dict[str, str] | None = None) -> Response:
    project = _project(request, db, slug)
    meeting = meetings.get(db, project, meeting_id)
    with_prefs = sum(1 for p in meeting.participants if p.preferences)
    confirmed = meeting.status == "confirmed"
    return render(request, "meetings/detail.html", status_code=status_code, project=project, meeting=meeting,
                  error=error, seed=seed, with_preferences=with_prefs,
                  allocations=meetings.allocations_of(db, meeting) if meeting.status == "confirmed" else [],
                  plans=loans.plans_of_meeting(db, meeting), loan_methods=labels.LOAN_METHODS,
                  method_labels=labels.ALLOCATION_METHODS_MEETING,
                  status_labels=labels.MEETING_STATUSES,
                  amendments=meetings.amendments_of(db, meeting) if confirmed else [],
                  free_units=meetings.free_units(db, meeting) if confirmed else [],
                  amendment=amendment or {}, amendment_kinds=labels.AMENDMENT_KINDS,
                  amendment_done=labels.AMENDMENT_KINDS_DONE,
                  **_rules_and_affordability(request, db, meeting))


def _rules_and_affordability(request: Request, db: Session, meeting) -> dict[str, Any]:
    """The rules the meeting is held under and, before it is confirmed, what each unit type would cost the
    members taking part each month (their incomes: this page only, never meeting mode)."""
    from app.cooperatives.policy import PRIORITY_LABELS, policy_of
    from app.meetings import affordability

    rules = meetings.rules_of(db, meeting)
    try:
        units = meetings.units_of(db, meeting)
    except CostingError:
        units = []  # the scenario's own page says what is wrong with it
    context: dict[str, Any] = {"rules": rules, "units": units,
                               "rules_changed": rules != policy_of(db, meeting.project.cooperative_id).rules,
                               "priority_labels": PRIORITY_LABELS, "affordability": None}
    if meeting.status == "confirmed":
        return context
    context |= {"aff_values": dict(affordability.DEFAULT_TERMS), "aff_error": None, "aff_field": None,
                "aff_methods": labels.LOAN_METHODS}
    try:
        values, terms = affordability.read_terms(request.query_params, request_locale(request))
        context |= {"aff_values": values, "affordability": affordability.report(db, meeting, terms)}
    except DomainError as exc:
        context |= {"aff_values": {**context["aff_values"], **{k: request.query_params.get(k, "")
                                                                for k in affordability.DEFAULT_TERMS
                                                                if k in request.query_params}},
                    "aff_error": _text(request, exc), "aff_field": exc.field}
    except CostingError as exc:
        context["aff_error"] = _text(request, exc)
    return context


@get("/projects/{slug:str}/meetings/{meeting_id:int}", include_in_schema=False, guards=[writers])
async def meeting_page(request: Request, db: Session, slug: str, meeting_id: int) -> Response:
    return await in_thread(_page, request, db, slug, meeting_id)


@post("/projects/{slug:str}/meetings/{meeting_id:int}/publish", include_in_schema=False, guards=[writers],
      sync_to_thread=True)
def publish(request: Request, db: Session, slug: str, meeting_id: int, data: Form) -> Response:
    project = _project(request, db, slug)
    meeting = meetings.get(db, project, meeting_id)
    try:
        seed = meetings.publish(db, request.user, meeting, data.get("seed"))
    except DomainError as exc:
        return _page(request, db, slug, meeting_id, status_code=409, error=_text(request, exc))
    # The seed is on this one answer and nowhere else: the chair writes it down and seals it.
    return _page(request, db, slug, meeting_id, seed=seed)


@post("/projects/{slug:str}/meetings/{meeting_id:int}/preferences", include_in_schema=False, guards=[writers],
      sync_to_thread=True)
def preferences(request: Request, db: Session, slug: str, meeting_id: int, data: Multipart) -> Response:
    project = _project(request, db, slug)
    meeting = meetings.get(db, project, meeting_id)
    file = data.get("file")
    try:
        if not isinstance(file, UploadFile) or not file.filename:
            raise DomainError("Choose a file to upload.")
        meetings.import_preferences(db, request.user, meeting, file.file.read(5 * 1024 * 1024))
    except (DomainError, CostingError) as exc:
        db.rollback()
        return _page(request, db, slug, meeting_id, status_code=400, error=_text(request, exc))
    return Redirect(f"/projects/{project.slug}/meetings/{meeting.id}?saved=1")


def _mode(request: Request, db: Session, slug: str, meeting_id: int, *, result=None, status_code: int = 200,
          error: str | None = None) -> Response:
    project = _project(request, db, slug)
    meeting = meetings.get(db, project, meeting_id)
    if result is None and meeting.status in ("held", "confirmed"):
        result = meetings.outcome(db, meeting)
    locale = request_locale(request)
    names = {p.member.number: p.member.name for p in meeting.participants}
    return render(request, "meetings/mode.html", status_code=status_code, project=project, meeting=meeting,
                  result=result, error=error, names=names,
                  steps=[render_message(s, locale) for s in result.steps] if result else [],
                  method_labels=labels.ALLOCATION_METHODS_MEETING,
                  status_labels=labels.MEETING_STATUSES)


@get("/projects/{slug:str}/meetings/{meeting_id:int}/mode", include_in_schema=False, guards=[writers])
async def meeting_mode(request: Request, db: Session, slug: str, meeting_id: int) -> Response:
    return await in_thread(_mode, request, db, slug, meeting_id)


@post("/projects/{slug:str}/meetings/{meeting_id:int}/draw", include_in_schema=False, guards=[writers],
      sync_to_thread=True)
def draw(request: Request, db: Session, slug: str, meeting_id: int, data: Form) -> Response:
    project = _project(request, db, slug)
    meeting = meetings.get(db, project, meeting_id)
    try:
        result = meetings.run(db, request.user, meeting, data.get("seed") or "")
    except (DomainError, AllocationError, CostingError) as exc:
        db.rollback()
        return _mode(request, db, slug, meeting_id, status_code=400, error=_text(request, exc))
    return _mode(request, db, slug, meeting_id, result=result)


@post("/projects/{slug:str}/meetings/{meeting_id:int}/confirm", include_in_schema=False, guards=[writers],
      sync_to_thread=True)
def confirm(request: Request, db: Session, slug: str, meeting_id: int, data: Form) -> Response:
    project = _project(request, db, slug)
    meeting = meetings.get(db, project, meeting_id)
    try:
        meetings.confirm(db, request.user, meeting, data)
    except (DomainError, AllocationError) as exc:
        db.rollback()
        return _mode(request, db, slug, meeting_id, status_code=400, error=_text(request, exc))
    return Redirect(f"/projects/{project.slug}/meetings/{meeting.id}?confirmed=1")


@post("/projects/{slug:str}/meetings/{meeting_id:int}/amendments", include_in_schema=False, guards=[writers],
      sync_to_thread=True)
def amend(request: Request, db: Session, slug: str, meeting_id: int, data: Form) -> Response:
    project = _project(request, db, slug)
    meeting = meetings.get(db, project, meeting_id)
    try:
        meetings.amend(db, request.user, meeting, data, utcnow().astimezone(JAKARTA).date())
    except (DomainError, AllocationError) as exc:
        db.rollback()
        return _page(request, db, slug, meeting_id, status_code=getattr(exc, "status_code", 400),
                     error=_text(request, exc), amendment=data)
    return Redirect(f"/projects/{project.slug}/meetings/{meeting.id}?amended=1#amendments")


def _minutes(request: Request, db: Session, slug: str, meeting_id: int) -> Response:
    from app.documents.minutes import minutes_pdf

    project = _project(request, db, slug)
    meeting = meetings.get(db, project, meeting_id)
    if meeting.status != "confirmed":
        raise NotFound("No meeting found at this address.")
    pdf = minutes_pdf(db, meeting, locale=request_locale(request))
    return attachment(pdf, f"berita-acara-{project.slug}-{meeting.id}.pdf", PDF, private=True)


@get("/projects/{slug:str}/meetings/{meeting_id:int}/berita-acara.pdf", include_in_schema=False,
     guards=[writers])
async def minutes(request: Request, db: Session, slug: str, meeting_id: int) -> Response:
    return await in_thread(_minutes, request, db, slug, meeting_id)


routes = [meeting_list, create_meeting, meeting_page, publish, preferences, meeting_mode, draw, confirm, minutes,
          amend]
