"""Member pages of a cooperative: the list, one member, and a member list imported from a spreadsheet."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.datastructures import State
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect
from sqlalchemy.orm import Session

from app import uploads
from app.auth.guards import writers
from app.cooperatives.models import Cooperative
from app.errors import Invalid
from app.i18n import format_number, gettext_for, render_message
from app.members import service as members
from app.members.importing import MemberFileError, check_member, read_members
from app.web.deps import in_thread
from app.web.locale import request_locale
from app.web.templating import render
from app.web.upload_form import UploadRefused, go_to_preview, receive

Form = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]
Multipart = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)]
PER_PAGE = 50
SPREADSHEET_FIELDS = ("number", "name", "nik", "household_size", "monthly_income", "joined_on", "savings_pokok",
                      "savings_wajib", "savings_sukarela", "notes")
FLAGS = ("elderly", "disability", "needs_ground_floor", "original_resident")


def _scope(coop: Cooperative) -> str:
    return f"members:{coop.id}"


def _list(request: Request, db: Session, slug: str) -> Response:
    coop = members.cooperative_for(db, request.user, slug)
    query = request.query_params.get("q", "")
    raw = request.query_params.get("page", "1")
    page_no = int(raw) if raw.isdigit() and int(raw) > 0 else 1
    rows, total = members.page(db, coop, query=query, offset=(page_no - 1) * PER_PAGE, limit=PER_PAGE)
    pages = max(1, -(-total // PER_PAGE))
    return render(request, "members/list.html", cooperative=coop, members=rows, total=total, query=query,
                  page=min(page_no, pages), pages=pages)


@get("/cooperatives/{slug:str}/members", include_in_schema=False, guards=[writers])
async def member_list(request: Request, db: Session, slug: str) -> Response:
    return await in_thread(_list, request, db, slug)


class _FormProblem(Exception):
    def __init__(self, text: str, field: str | None) -> None:
        super().__init__(text)
        self.text, self.field = text, field


def _parse_form(data: dict[str, str], locale: str) -> dict[str, Any]:
    """The member form through the same checks as a spreadsheet row, so both refuse the same things."""
    raw = {k: data.get(k, "") for k in SPREADSHEET_FIELDS} | {k: "1" if data.get(k) == "1" else "" for k in FLAGS}
    values, problems = check_member(raw, row=1, titles={k: k for k in raw})
    if problems:
        first = problems[0]
        # The form marks the field itself: the message drops its "row 1, column x:" lead.
        raise _FormProblem(render_message(first.message, locale).split(": ", 1)[-1], first.column)
    return values


def _form(request: Request, coop: Cooperative, values: dict[str, Any], *, member=None, status_code: int = 200,
          error: str | None = None, error_field: str | None = None) -> Response:
    return render(request, "members/form.html", status_code=status_code, cooperative=coop, member=member,
                  values=values, error=error, error_field=error_field)


MONEY_FIELDS = ("monthly_income", "savings_pokok", "savings_wajib", "savings_sukarela")


def _values_of(member, locale: str) -> dict[str, Any]:
    values = {k: "" if getattr(member, k) is None else str(getattr(member, k)) for k in SPREADSHEET_FIELDS}
    # Amounts as the locale writes them (3.750.000); the form reads them back the same way.
    values |= {k: format_number(getattr(member, k), locale) for k in MONEY_FIELDS}
    values |= {k: "1" if getattr(member, k) else "" for k in FLAGS}
    values["nik"] = ""  # never sent back to the browser: the form shows it masked and keeps it unless retyped
    return values


def _new_form(request: Request, db: Session, slug: str) -> Response:
    return _form(request, members.cooperative_for(db, request.user, slug), {"household_size": "1"})


@get("/cooperatives/{slug:str}/members/new", include_in_schema=False, guards=[writers])
async def new_member(request: Request, db: Session, slug: str) -> Response:
    return await in_thread(_new_form, request, db, slug)


def _save(request: Request, db: Session, slug: str, data: dict[str, str], number: str | None) -> Response:
    coop = members.cooperative_for(db, request.user, slug)
    member = members.get(db, coop, number) if number else None
    locale = request_locale(request)
    _ = gettext_for(locale)
    try:
        values = _parse_form(data, locale)
        if member is not None and not values["nik"]:
            values["nik"] = member.nik
        other = members.find(db, coop, values["number"])
        if other is not None and other is not member:
            raise Invalid("Member number {number} is used already.", field="number", number=values["number"])
        saved = members.save(db, request.user, coop, values, member)
    except _FormProblem as exc:
        return _form(request, coop, dict(data), member=member, status_code=400, error=exc.text,
                     error_field=exc.field)
    except Invalid as exc:
        db.rollback()
        return _form(request, coop, dict(data), member=member, status_code=400,
                     error=_(exc.msgid).format(**exc.fields), error_field=exc.field)
    return Redirect(f"/cooperatives/{coop.slug}/members/{saved.number}?saved=1")


@post("/cooperatives/{slug:str}/members", include_in_schema=False, guards=[writers], sync_to_thread=True)
def create_member(request: Request, db: Session, slug: str, data: Form) -> Response:
    return _save(request, db, slug, data, None)


def _member_page(request: Request, db: Session, slug: str, number: str) -> Response:
    coop = members.cooperative_for(db, request.user, slug)
    member = members.get(db, coop, number)
    return _form(request, coop, _values_of(member, request_locale(request)), member=member)


@get("/cooperatives/{slug:str}/members/{number:str}", include_in_schema=False, guards=[writers])
async def member_page(request: Request, db: Session, slug: str, number: str) -> Response:
    return await in_thread(_member_page, request, db, slug, number)


@post("/cooperatives/{slug:str}/members/{number:str}", include_in_schema=False, guards=[writers],
      sync_to_thread=True)
def update_member(request: Request, db: Session, slug: str, number: str, data: Form) -> Response:
    return _save(request, db, slug, data, number)


def _import_page(request: Request, coop: Cooperative, *, status_code: int = 200, error: str | None = None):
    return render(request, "members/import.html", status_code=status_code, cooperative=coop, error=error)


def _import_form(request: Request, db: Session, slug: str) -> Response:
    return _import_page(request, members.cooperative_for(db, request.user, slug))


@get("/cooperatives/{slug:str}/members-import", include_in_schema=False, guards=[writers])
async def import_form(request: Request, db: Session, slug: str) -> Response:
    return await in_thread(_import_form, request, db, slug)


@post("/cooperatives/{slug:str}/members-import", include_in_schema=False, guards=[writers], sync_to_thread=True)
def import_upload(request: Request, db: Session, slug: str, data: Multipart) -> Response:
    coop = members.cooperative_for(db, request.user, slug)
    try:
        saved = receive(request, data, scope=_scope(coop))
    except UploadRefused as exc:
        return _import_page(request, coop, status_code=exc.status_code, error=exc.text)
    return go_to_preview(request, f"/cooperatives/{coop.slug}/members-import/{saved.token}")


def _preview(request: Request, db: Session, state: State, slug: str, token: str, *, status_code: int = 200,
             error: str | None = None) -> Response:
    coop = members.cooperative_for(db, request.user, slug)
    locale = request_locale(request)
    upload = uploads.load(state.settings.data_dir, token, user_id=request.user.id, scope=_scope(coop))
    try:
        rows, problems = read_members(upload.path, upload.filename)
    except MemberFileError as exc:
        uploads.discard(state.settings.data_dir, token)
        return _import_page(request, coop, status_code=400, error=render_message(exc.message, locale))
    new, known = members.counts(db, coop, rows)
    return render(request, "members/preview.html", status_code=status_code, cooperative=coop, upload=upload,
                  rows=rows[:200], total=len(rows), new=new, known=known, error=error,
                  problems=[(p.row, p.column, render_message(p.message, locale)) for p in problems])


@get("/cooperatives/{slug:str}/members-import/{token:str}", include_in_schema=False, guards=[writers])
async def import_preview(request: Request, db: Session, state: State, slug: str, token: str) -> Response:
    return await in_thread(_preview, request, db, state, slug, token)


@post("/cooperatives/{slug:str}/members-import/{token:str}", include_in_schema=False, guards=[writers],
      sync_to_thread=True)
def import_confirm(request: Request, db: Session, state: State, slug: str, token: str, data: Form) -> Response:
    coop = members.cooperative_for(db, request.user, slug)
    if data.get("action") == "cancel":
        uploads.discard(state.settings.data_dir, token)
        return Redirect(f"/cooperatives/{coop.slug}/members")
    upload = uploads.load(state.settings.data_dir, token, user_id=request.user.id, scope=_scope(coop))
    rows, problems = read_members(upload.path, upload.filename)
    if problems:
        return _preview(request, db, state, slug, token, status_code=400,
                        error=gettext_for(request_locale(request))("Nothing was imported: fix the rows listed below."))
    result = members.import_rows(db, request.user, coop, rows)
    uploads.discard(state.settings.data_dir, token)
    return Redirect(f"/cooperatives/{coop.slug}/members?imported={result['created'] + result['updated']}")


routes = [member_list, new_member, create_member, member_page, update_member, import_form, import_upload,
          import_preview, import_confirm]
