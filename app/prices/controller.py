"""Pages of the price libraries: every version, and one version's prices and unit-price analyses."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.datastructures import State
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect
from sqlalchemy.orm import Session

from app import labels, uploads
from app.auth.guards import planners, signed_in
from app.errors import DomainError, Invalid
from app.i18n import gettext_for, render_message
from app.prices import service as prices
from app.web.deps import in_thread
from app.web.downloads import XLSX, attachment
from app.web.locale import request_locale
from app.web.templating import render
from app.web.upload_form import UploadRefused, go_to_preview, receive
from costing.errors import CostingError
from costing.rab import DIVISIONS
from costing.workbook import WorkbookError, read_price_library, template_price_library, write_price_library

Form = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]
Multipart = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)]
SCOPE = "prices"
INFO_FIELDS = ("code", "name", "region", "effective_date", "source")


@get("/prices", include_in_schema=False, guards=[signed_in], sync_to_thread=True)
def library_list(request: Request, db: Session) -> Response:
    return render(request, "prices/list.html", libraries=prices.list_libraries(db),
                  may_import=request.user.may_create_projects)


@get("/prices/{library_id:int}", include_in_schema=False, guards=[signed_in], sync_to_thread=True)
def library_page(request: Request, db: Session, library_id: int) -> Response:
    library = prices.get(db, library_id)
    locale = request_locale(request)
    unit_prices = prices.unit_prices(library)
    warnings = {code: [render_message(w, locale) for w in up.warnings] for code, up in unit_prices.items()}
    order = {code: i for i, code in enumerate(DIVISIONS)}
    items = sorted(library.items, key=lambda i: (order.get(i.division, len(order)), i.code))
    return render(request, "prices/detail.html", library=library, items=items, unit_prices=unit_prices,
                  warnings=warnings,
                  resources={r.code: r for r in library.resources}, divisions=DIVISIONS,
                  kinds=labels.RESOURCE_KINDS)


@get("/prices/template.xlsx", include_in_schema=False, guards=[signed_in], sync_to_thread=False)
def library_template() -> Response:
    return attachment(template_price_library(), "templat-harga-ahsp.xlsx", XLSX)


@get("/prices/{library_id:int}/harga.xlsx", include_in_schema=False, guards=[signed_in], sync_to_thread=True)
def library_xlsx(db: Session, library_id: int) -> Response:
    library = prices.get(db, library_id)
    return attachment(write_price_library(prices.as_data(library)), f"harga-{library.code}.xlsx", XLSX)


def _import_page(request: Request, *, status_code: int = 200, error: str | None = None) -> Response:
    return render(request, "prices/import.html", status_code=status_code, error=error,
                  max_upload_mb=request.app.state.settings.max_upload_mb)


def _import_form(request: Request) -> Response:
    return _import_page(request)


@get("/prices/import", include_in_schema=False, guards=[planners])
async def import_form(request: Request) -> Response:
    return await in_thread(_import_form, request)


@post("/prices/import", include_in_schema=False, guards=[planners], sync_to_thread=True)
def import_upload(request: Request, data: Multipart) -> Response:
    try:
        saved = receive(request, data, scope=SCOPE)
    except UploadRefused as exc:
        return _import_page(request, status_code=exc.status_code, error=exc.text)
    return go_to_preview(request, f"/prices/import/{saved.token}")


def _read(request: Request, state: State, token: str):
    upload = uploads.load(state.settings.data_dir, token, user_id=request.user.id, scope=SCOPE)
    data, problems = read_price_library(upload.path, upload.filename)
    return upload, data, problems


def _info(data: dict[str, Any], form: dict[str, str] | None) -> dict[str, Any]:
    """The version's name, region and date: typed in the preview, else the file's Info sheet."""
    info = {k: (form.get(k) if form is not None else data.get(k)) for k in INFO_FIELDS}
    info["illustrative"] = (form.get("illustrative") == "1") if form is not None else bool(data.get("illustrative"))
    return info


def _preview(request: Request, db: Session, state: State, token: str, *, form: dict[str, str] | None = None,
             status_code: int = 200, error: str | None = None) -> Response:
    locale = request_locale(request)
    try:
        upload, data, problems = _read(request, state, token)
    except WorkbookError as exc:
        uploads.discard(state.settings.data_dir, token)
        return _import_page(request, status_code=400, error=render_message(exc.message, locale))
    return render(request, "prices/preview.html", status_code=status_code, upload=upload, data=data,
                  info=_info(data, form), error=error,
                  problems=[(p.sheet, p.row, p.column, render_message(p.message, locale)) for p in problems],
                  kinds=labels.RESOURCE_KINDS, divisions=DIVISIONS)


@get("/prices/import/{token:str}", include_in_schema=False, guards=[planners])
async def import_preview(request: Request, db: Session, state: State, token: str) -> Response:
    return await in_thread(_preview, request, db, state, token)


@post("/prices/import/{token:str}", include_in_schema=False, guards=[planners], sync_to_thread=True)
def import_confirm(request: Request, db: Session, state: State, token: str, data: Form) -> Response:
    if data.get("action") == "cancel":
        uploads.discard(state.settings.data_dir, token)
        return Redirect("/prices")
    locale = request_locale(request)
    upload, parsed, problems = _read(request, state, token)
    try:
        if problems:
            raise Invalid("The file has {n} problem(s); nothing was imported. Fix the file and upload it again.",
                          n=len(problems))
        info = _info(parsed, data)
        for key in ("code", "name", "region", "effective_date"):
            if not (info.get(key) or "").strip():
                raise Invalid("This value is needed.", field=key)
        try:
            info["effective_date"] = date.fromisoformat(info["effective_date"].strip())
        except ValueError:
            raise Invalid("Write the date as YYYY-MM-DD, e.g. 2026-11-01.", field="effective_date") from None
        library = prices.create_library(db, request.user, {**parsed, **info})
    except (DomainError, CostingError) as exc:
        db.rollback()
        message = (gettext_for(locale)(exc.msgid).format(**exc.fields) if isinstance(exc, DomainError)
                   else render_message(exc.message, locale))
        return _preview(request, db, state, token, form=data, status_code=400, error=message)
    uploads.discard(state.settings.data_dir, token)
    return Redirect(f"/prices/{library.id}")


routes = [library_list, library_page, library_template, library_xlsx, import_form, import_upload, import_preview,
          import_confirm]
