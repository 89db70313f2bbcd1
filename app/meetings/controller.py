"""Meeting pages: prepare a meeting, hold it on a projector, confirm it and print its berita acara."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from litestar import Request, Response, Router, get, post
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect
from sqlalchemy.orm import Session

from allocation import amendments
from app import labels
from app.auth.guards import writers
from app.errors import Invalid, NotFound
from app.i18n import render_message
from app.loans import service as loans
from app.meetings import affordability
from app.meetings import service as meetings
from app.meetings.models import METHODS
from app.members.service import may_see
from app.projects import service as projects
from app.projects.models import Project
from app.web.deps import refusable, today
from app.web.downloads import PDF, attachment
from app.web.errors import refusal_lines
from app.web.forms import MAX_COUNT, FormReader, worded
from app.web.locale import request_locale
from app.web.templating import render
from costing.errors import CostingError
from finance.instalment import METHODS as LOAN_METHODS
from kernel import limits
from kernel.errors import UserError

Form = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]
Multipart = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)]


def _project(request: Request, db: Session, slug: str) -> Project:
    """Meetings name members: the cooperative's own officers and Japra's planners only."""
    project = projects.get_for(db, request.user, slug, with_parcels=False)
    if not may_see(request.user, project.cooperative_id):
        raise NotFound("No project found at this address.")
    return project


def _text(request: Request, exc: UserError) -> str:
    """A refusal in one paragraph; of an engine's list of every problem, the first ten."""
    return " ".join(refusal_lines(request, exc)[:10])


def _form(request: Request, data: dict[str, str] | None) -> FormReader:
    return FormReader(data, request_locale(request))


# Member numbers and unit codes (their columns).
CODE_LIMIT = 32


def meeting_in(form: FormReader) -> meetings.MeetingIn:
    return meetings.MeetingIn(title=form.text("title", limit=meetings.TEXT_LIMIT),
                              place=form.text("place", limit=meetings.TEXT_LIMIT),
                              held_on=form.date("held_on"),
                              method=worded(lambda: form.choice("method", METHODS), "Choose how units are allocated.",
                                            "method"))


def seed_of(form: FormReader) -> str:
    return form.text("seed", limit=meetings.TEXT_LIMIT)


def confirmation_in(form: FormReader) -> meetings.ConfirmationIn:
    def count(name: str) -> int | None:
        return form.int(name) if form.filled(name) else None  # none given: the service says what is missing

    names = {name: form.text(name, limit=meetings.TEXT_LIMIT) for name in ("chair", "secretary", "witness_1",
                                                                            "witness_2")}
    return meetings.ConfirmationIn(**names, members_present=count("members_present"),
                                   members_total=count("members_total"),
                                   notes=form.text("notes", limit=limits.NOTE), certain=form.flag("certain"))


def amendment_in(form: FormReader) -> amendments.Request:
    """The amendment form, each field bounded, for the rules' own reading (`read_request`)."""
    return amendments.read_request({
        "kind": worded(lambda: form.choice("kind", amendments.KINDS), "Choose the kind of amendment.", "kind")
        if form.filled("kind") else None,
        "member": form.text("member", limit=CODE_LIMIT), "unit": form.text("unit", limit=CODE_LIMIT),
        "other_member": form.text("other_member", limit=CODE_LIMIT),
        "reason": form.text("reason", limit=amendments.REASON_MAX),
        "reference": form.text("reference", limit=amendments.REFERENCE_MAX)})


def affordability_terms(form: FormReader) -> affordability.Terms:
    """The terms the board assumes (the guide's defaults for what is not given). Their ranges are `finance`'s, with
    its own messages (`check_terms`): the reader only asks for numbers, so a tenor of 0 or -1 reaches that check."""
    return affordability.Terms(
        method=worded(lambda: form.choice("aff_method", LOAN_METHODS), "Choose how the loan is repaid.", "aff_method"),
        annual_rate_pct=form.decimal("aff_rate", default=Decimal(affordability.DEFAULT_TERMS["aff_rate"])),
        months=form.int("aff_months", default=int(affordability.DEFAULT_TERMS["aff_months"]), low=-MAX_COUNT),
        down_payment_pct=form.decimal("aff_down", default=Decimal(affordability.DEFAULT_TERMS["aff_down"])))


def _list(request: Request, db: Session, slug: str, *, status_code: int = 200, error: str | None = None,
          error_field: str | None = None, values: dict[str, str] | None = None) -> Response:
    project = _project(request, db, slug)
    return render(request, "meetings/list.html", status_code=status_code, project=project,
                  meetings=meetings.meetings_of(db, project), error=error, error_field=error_field,
                  values=values or {},
                  method_labels=labels.ALLOCATION_METHODS_MEETING,
                  status_labels=labels.MEETING_STATUSES)


@get("/projects/{slug:str}/meetings", sync_to_thread=True)
def meeting_list(request: Request, db: Session, slug: str) -> Response:
    return _list(request, db, slug)


@post("/projects/{slug:str}/meetings", sync_to_thread=True)
def create_meeting(request: Request, db: Session, slug: str, data: Form) -> Response:
    project = _project(request, db, slug)
    try:
        with refusable(db):
            meeting = meetings.create(db, request.user, project, meeting_in(_form(request, data)))
    except UserError as exc:
        return _list(request, db, slug, status_code=exc.status, error=_text(request, exc), error_field=exc.field,
                     values=data)
    return Redirect(f"/projects/{project.slug}/meetings/{meeting.id}")


def _page(request: Request, db: Session, slug: str, meeting_id: int, *, status_code: int = 200,
          error: str | None = None, error_field: str | None = None, seed: str | None = None,
          amendment: dict[str, str] | None = None, confirmation: dict[str, str] | None = None) -> Response:
    project = _project(request, db, slug)
    meeting = meetings.get(db, project, meeting_id)
    with_prefs = sum(1 for p in meeting.participants if p.preferences)
    confirmed = meeting.status == "confirmed"
    # Members housed by another meeting have no place in this one's amendments.
    housed = meetings.housed_elsewhere(db, meeting) if confirmed else set()
    return render(request, "meetings/detail.html", status_code=status_code, project=project, meeting=meeting,
                  error=error, error_field=error_field, seed=seed, with_preferences=with_prefs,
                  choices=meetings.choices_of(meeting), too_early=today(request) < meeting.held_on,
                  confirmation=confirmation or {}, housed=housed,
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
    query = request.query_params
    values = {k: (query.get(k) or default).strip() for k, default in affordability.DEFAULT_TERMS.items()}
    try:
        terms = affordability.check_terms(affordability_terms(_form(request, values)))
        context |= {"aff_values": values, "affordability": affordability.report(db, meeting, terms)}
    except UserError as exc:
        context |= {"aff_values": values, "aff_error": _text(request, exc), "aff_field": exc.field}
    return context


@get("/projects/{slug:str}/meetings/{meeting_id:int}", sync_to_thread=True)
def meeting_page(request: Request, db: Session, slug: str, meeting_id: int) -> Response:
    return _page(request, db, slug, meeting_id)


@post("/projects/{slug:str}/meetings/{meeting_id:int}/publish",
      sync_to_thread=True)
def publish(request: Request, db: Session, slug: str, meeting_id: int, data: Form) -> Response:
    project = _project(request, db, slug)
    meeting = meetings.get(db, project, meeting_id)
    try:
        with refusable(db):
            seed = meetings.publish(db, request.user, meeting, seed_of(_form(request, data)) or None)
    except UserError as exc:
        return _page(request, db, slug, meeting_id, status_code=exc.status, error=_text(request, exc),
                     error_field=exc.field)
    # The seed is on this one answer and nowhere else: the chair writes it down and seals it.
    return _page(request, db, slug, meeting_id, seed=seed)


@post("/projects/{slug:str}/meetings/{meeting_id:int}/preferences",
      sync_to_thread=True)
def preferences(request: Request, db: Session, slug: str, meeting_id: int, data: Multipart) -> Response:
    project = _project(request, db, slug)
    meeting = meetings.get(db, project, meeting_id)
    file = data.get("file")
    try:
        with refusable(db):
            if not isinstance(file, UploadFile) or not file.filename:
                raise Invalid("Choose a file to upload.", field="file")
            meetings.import_preferences(db, request.user, meeting, file.file.read(5 * 1024 * 1024))
    except UserError as exc:
        return _page(request, db, slug, meeting_id, status_code=exc.status, error=_text(request, exc),
                     error_field=exc.field)
    return Redirect(f"/projects/{project.slug}/meetings/{meeting.id}?saved=1")


def _mode(request: Request, db: Session, slug: str, meeting_id: int, *, result=None, status_code: int = 200,
          error: str | None = None, error_field: str | None = None) -> Response:
    project = _project(request, db, slug)
    meeting = meetings.get(db, project, meeting_id)
    if result is None and meeting.status in ("held", "confirmed"):
        result = meetings.outcome(db, meeting)
    locale = request_locale(request)
    names = {p.member.number: p.member.name for p in meeting.participants}
    return render(request, "meetings/mode.html", status_code=status_code, project=project, meeting=meeting,
                  result=result, error=error, error_field=error_field, names=names,
                  steps=[render_message(s, locale) for s in result.steps] if result else [],
                  method_labels=labels.ALLOCATION_METHODS_MEETING,
                  status_labels=labels.MEETING_STATUSES)


@get("/projects/{slug:str}/meetings/{meeting_id:int}/mode", sync_to_thread=True)
def meeting_mode(request: Request, db: Session, slug: str, meeting_id: int) -> Response:
    return _mode(request, db, slug, meeting_id)


@post("/projects/{slug:str}/meetings/{meeting_id:int}/draw",
      sync_to_thread=True)
def draw(request: Request, db: Session, slug: str, meeting_id: int, data: Form) -> Response:
    project = _project(request, db, slug)
    meeting = meetings.get(db, project, meeting_id)
    try:
        with refusable(db):
            meetings.run(db, request.user, meeting, seed_of(_form(request, data)))
    except UserError as exc:
        return _mode(request, db, slug, meeting_id, status_code=exc.status, error=_text(request, exc),
                     error_field=exc.field)
    # Redirect after post: the projector's address is the page, so a reload does not ask to send the seed again.
    return Redirect(f"/projects/{project.slug}/meetings/{meeting.id}/mode", status_code=303)


@post("/projects/{slug:str}/meetings/{meeting_id:int}/confirm",
      sync_to_thread=True)
def confirm(request: Request, db: Session, slug: str, meeting_id: int, data: Form) -> Response:
    project = _project(request, db, slug)
    meeting = meetings.get(db, project, meeting_id)
    try:
        with refusable(db):
            meetings.confirm(db, request.user, meeting, confirmation_in(_form(request, data)), today(request))
    except UserError as exc:
        return _page(request, db, slug, meeting_id, status_code=exc.status, error=_text(request, exc),
                     error_field=exc.field, confirmation=data)
    return Redirect(f"/projects/{project.slug}/meetings/{meeting.id}?confirmed=1")


@post("/projects/{slug:str}/meetings/{meeting_id:int}/amendments",
      sync_to_thread=True)
def amend(request: Request, db: Session, slug: str, meeting_id: int, data: Form) -> Response:
    project = _project(request, db, slug)
    meeting = meetings.get(db, project, meeting_id)
    try:
        with refusable(db):
            meetings.amend(db, request.user, meeting, amendment_in(_form(request, data)), today(request))
    except UserError as exc:
        return _page(request, db, slug, meeting_id, status_code=exc.status, error=_text(request, exc),
                     error_field=exc.field, amendment=data)
    return Redirect(f"/projects/{project.slug}/meetings/{meeting.id}?amended=1#amendments")


@get("/projects/{slug:str}/meetings/{meeting_id:int}/berita-acara.pdf", sync_to_thread=True)
def minutes(request: Request, db: Session, slug: str, meeting_id: int) -> Response:
    from app.meetings.minutes import minutes_pdf

    project = _project(request, db, slug)
    meeting = meetings.get(db, project, meeting_id)
    if meeting.status != "confirmed":
        raise NotFound("No meeting found at this address.")
    pdf = minutes_pdf(db, meeting, locale=request_locale(request))
    return attachment(pdf, f"berita-acara-{project.slug}-{meeting.id}.pdf", PDF, private=True)


handlers = [meeting_list, create_meeting, meeting_page, publish, preferences, meeting_mode, draw, confirm, minutes,
            amend]

# The pages of this context, registered once with their guard; none belongs in the API schema.
router = Router(path="/", route_handlers=handlers, include_in_schema=False, guards=[writers])
