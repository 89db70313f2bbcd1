"""Member pages of a cooperative: the list, one member, and a member list imported from a spreadsheet."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, Response, Router, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect
from sqlalchemy.orm import Session

from app.auth.guards import writers
from app.cooperatives.models import Cooperative
from app.i18n import format_number
from app.members import service as members
from app.members.importing import check_member, read_members
from app.web.deps import refusable
from app.web.errors import refusal_text
from app.web.forms import TEXT_LIMIT, FormReader, page_number
from app.web.imports import Checked, ImportFlow, Step
from app.web.locale import request_locale
from app.web.templating import render
from kernel import limits
from kernel.errors import UserError

Form = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]
Multipart = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)]
PER_PAGE = 50
SPREADSHEET_FIELDS = ("number", "name", "nik", "household_size", "monthly_income", "joined_on", "savings_pokok",
                      "savings_wajib", "savings_sukarela", "notes")
FLAGS = ("elderly", "disability", "needs_ground_floor", "original_resident")


@get("/cooperatives/{slug:str}/members", sync_to_thread=True)
def member_list(request: Request, db: Session, slug: str) -> Response:
    coop = members.cooperative_for(db, request.user, slug)
    query = request.query_params.get("q", "")
    page_no = page_number(request.query_params.get("page"))
    rows, total = members.page(db, coop, query=query, offset=(page_no - 1) * PER_PAGE, limit=PER_PAGE)
    pages = max(1, -(-total // PER_PAGE))
    return render(request, "members/list.html", cooperative=coop, members=rows, total=total, query=query,
                  page=min(page_no, pages), pages=pages)


# What the form's fields may hold before the member's checks read them: the notes their bound (the same in a file and
# the database); a name a form's free text (its check says "up to 200"); a number, a NIK, a count, an amount or a date
# never longer than this (their checks say what is wrong with a shorter one, repeating it).
TEXT_FIELDS = {"name": TEXT_LIMIT, "notes": limits.NOTE}
SHORT_LIMIT = 40


class RowRefused(UserError):
    """The member form refused by the checks of a spreadsheet row, as row 1 with the field as its column."""


def member_in(form: FormReader) -> members.MemberIn:
    """The member form through the same checks as a spreadsheet row (`check_member`), so both refuse the same
    things; the reader bounds each field first and refuses a character no column can store."""
    raw = {k: form.text(k, limit=TEXT_FIELDS.get(k, SHORT_LIMIT)) for k in SPREADSHEET_FIELDS}
    raw |= {k: "1" if form.raw(k) == "1" else "" for k in FLAGS}
    values, problems = check_member(raw, row=1, titles={k: k for k in raw})
    if problems:
        raise RowRefused(problems[0].message, field=problems[0].column)
    return members.MemberIn(**values)


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


@get("/cooperatives/{slug:str}/members/new", sync_to_thread=True)
def new_member(request: Request, db: Session, slug: str) -> Response:
    return _form(request, members.cooperative_for(db, request.user, slug), {"household_size": "1"})


def _save(request: Request, db: Session, slug: str, data: dict[str, str], number: str | None) -> Response:
    coop = members.cooperative_for(db, request.user, slug)
    member = members.get(db, coop, number) if number else None
    try:
        with refusable(db):
            saved = members.save(db, request.user, coop, member_in(FormReader(data, request_locale(request))),
                                 member)
    except UserError as exc:
        error = refusal_text(request, exc)
        if isinstance(exc, RowRefused):
            error = error.split(": ", 1)[-1]  # the form marks the field itself: no "row 1, column x:" lead
        return _form(request, coop, dict(data), member=member, status_code=exc.status, error=error,
                     error_field=exc.field)
    return Redirect(f"/cooperatives/{coop.slug}/members/{saved.number}?saved=1")


@post("/cooperatives/{slug:str}/members", sync_to_thread=True)
def create_member(request: Request, db: Session, slug: str, data: Form) -> Response:
    return _save(request, db, slug, data, None)


@get("/cooperatives/{slug:str}/members/{number:str}", sync_to_thread=True)
def member_page(request: Request, db: Session, slug: str, number: str) -> Response:
    coop = members.cooperative_for(db, request.user, slug)
    member = members.get(db, coop, number)
    return _form(request, coop, _values_of(member, request_locale(request)), member=member)


@post("/cooperatives/{slug:str}/members/{number:str}",
      sync_to_thread=True)
def update_member(request: Request, db: Session, slug: str, number: str, data: Form) -> Response:
    return _save(request, db, slug, data, number)


def _import_page(request: Request, coop: Cooperative, *, status_code: int = 200, error: str | None = None):
    return render(request, "members/import.html", status_code=status_code, cooperative=coop, error=error)


def _check(step: Step[Cooperative]) -> Checked:
    rows, problems = read_members(step.upload.path, step.upload.filename)
    return Checked(rows, problems)


def _preview_context(step: Step[Cooperative], checked: Checked) -> dict[str, Any]:
    rows = checked.data
    new, known = members.counts(step.db, step.owner, rows)
    return {"cooperative": step.owner, "rows": rows[:200], "total": len(rows), "new": new, "known": known}


MEMBER_IMPORT: ImportFlow[Cooperative] = ImportFlow(
    scope=lambda coop: f"members:{coop.id}",
    check=_check,
    store=lambda step, checked: members.import_rows(step.db, step.user, step.owner, checked.data),
    form_page=lambda request, db, coop, refused: _import_page(request, coop, status_code=refused.status,
                                                              error=refused.text),
    preview_template="members/preview.html",
    preview_context=_preview_context,
    preview_url=lambda coop, token: f"/cooperatives/{coop.slug}/members-import/{token}",
    cancel_url=lambda coop: f"/cooperatives/{coop.slug}/members",
    done_url=lambda coop, result: f"/cooperatives/{coop.slug}/members?imported={result['created'] + result['updated']}",
)


@get("/cooperatives/{slug:str}/members-import", sync_to_thread=True)
def import_form(request: Request, db: Session, slug: str) -> Response:
    return _import_page(request, members.cooperative_for(db, request.user, slug))


@post("/cooperatives/{slug:str}/members-import", sync_to_thread=True)
def import_upload(request: Request, db: Session, slug: str, data: Multipart) -> Response:
    return MEMBER_IMPORT.upload(request, db, members.cooperative_for(db, request.user, slug), data)


@get("/cooperatives/{slug:str}/members-import/{token:str}", sync_to_thread=True)
def import_preview(request: Request, db: Session, slug: str, token: str) -> Response:
    return MEMBER_IMPORT.preview(request, db, members.cooperative_for(db, request.user, slug), token)


@post("/cooperatives/{slug:str}/members-import/{token:str}",
      sync_to_thread=True)
def import_confirm(request: Request, db: Session, slug: str, token: str, data: Form) -> Response:
    return MEMBER_IMPORT.confirm(request, db, members.cooperative_for(db, request.user, slug), token, data)


handlers = [member_list, new_member, create_member, member_page, update_member, import_form, import_upload,
            import_preview, import_confirm]

# The pages of this context, registered once with their guard; none belongs in the API schema.
router = Router(path="/", route_handlers=handlers, include_in_schema=False, guards=[writers])
