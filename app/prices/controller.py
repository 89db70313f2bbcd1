"""Pages of the price libraries: every version, and one version's prices and unit-price analyses."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Annotated, Any

from litestar import Request, Response, Router, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body
from sqlalchemy.orm import Session

from app import labels
from app.auth.guards import planners, signed_in
from app.errors import Invalid
from app.i18n import render_message
from app.prices import service as prices
from app.web.downloads import XLSX, attachment
from app.web.imports import Checked, ImportFlow, Step
from app.web.locale import request_locale
from app.web.templating import render
from costing.rab import DIVISIONS
from costing.workbook import INFO_MAX, read_price_library, template_price_library, write_price_library
from kernel.messages import N_

Form = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]
Multipart = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)]
SCOPE = "prices"
INFO_FIELDS = ("code", "name", "region", "effective_date", "source")


@get("/prices", guards=[signed_in], sync_to_thread=True)
def library_list(request: Request, db: Session) -> Response:
    return render(request, "prices/list.html", libraries=prices.list_libraries(db),
                  may_import=request.user.may_create_projects)


@get("/prices/{library_id:int}", guards=[signed_in], sync_to_thread=True)
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


@get("/prices/template.xlsx", guards=[signed_in], sync_to_thread=False)
def library_template() -> Response:
    return attachment(template_price_library(), "templat-harga-ahsp.xlsx", XLSX)


@get("/prices/{library_id:int}/harga.xlsx", guards=[signed_in], sync_to_thread=True)
def library_xlsx(db: Session, library_id: int) -> Response:
    library = prices.get(db, library_id)
    return attachment(write_price_library(prices.as_data(library)), f"harga-{library.code}.xlsx", XLSX)


def _import_page(request: Request, *, status_code: int = 200, error: str | None = None) -> Response:
    return render(request, "prices/import.html", status_code=status_code, error=error,
                  max_upload_mb=request.app.state.settings.max_upload_mb)


@get("/prices/import", guards=[planners], sync_to_thread=True)
def import_form(request: Request) -> Response:
    return _import_page(request)


def _info(data: dict[str, Any], form: Mapping[str, str] | None) -> dict[str, Any]:
    """The version's name, region and date: typed in the preview, else the file's Info sheet."""
    info = {k: (form.get(k) if form is not None else data.get(k)) for k in INFO_FIELDS}
    info["illustrative"] = (form.get("illustrative") == "1") if form is not None else bool(data.get("illustrative"))
    return info


def _store(step: Step[None], checked: Checked):
    info = _info(checked.data, step.form)
    for key in ("code", "name", "region", "effective_date"):
        if not (info.get(key) or "").strip():
            raise Invalid("This value is needed.", field=key)
    for key, limit in INFO_MAX.items():  # typed in the preview: bounded as the file's Info sheet is
        if len(str(info.get(key) or "")) > limit:
            raise Invalid("At most {limit} characters.", field=key, limit=limit)
    try:
        info["effective_date"] = date.fromisoformat(info["effective_date"].strip())
    except ValueError:
        raise Invalid("Write the date as YYYY-MM-DD, e.g. 2026-11-01.", field="effective_date") from None
    return prices.create_library(step.db, step.user, {**checked.data, **info})


PRICE_IMPORT: ImportFlow[None] = ImportFlow(
    scope=lambda _: SCOPE,
    check=lambda step: Checked(*read_price_library(step.upload.path, step.upload.filename)),
    store=_store,
    form_page=lambda request, db, _, refused: _import_page(request, status_code=refused.status, error=refused.text),
    preview_template="prices/preview.html",
    # The version's fields as typed when the confirm comes back refused, else as the file's Info sheet has them.
    preview_context=lambda step, checked: {
        "data": checked.data, "info": _info(checked.data, step.form if step.confirming else None),
        "kinds": labels.RESOURCE_KINDS, "divisions": DIVISIONS},
    preview_url=lambda _, token: f"/prices/import/{token}",
    cancel_url=lambda _: "/prices",
    done_url=lambda _, library: f"/prices/{library.id}",
    where=("sheet", "row", "column"),
    refused=N_("The file has {n} problem(s); nothing was imported. Fix the file and upload it again."),
)


@post("/prices/import", guards=[planners], sync_to_thread=True)
def import_upload(request: Request, db: Session, data: Multipart) -> Response:
    return PRICE_IMPORT.upload(request, db, None, data)


@get("/prices/import/{token:str}", guards=[planners], sync_to_thread=True)
def import_preview(request: Request, db: Session, token: str) -> Response:
    return PRICE_IMPORT.preview(request, db, None, token)


@post("/prices/import/{token:str}", guards=[planners], sync_to_thread=True)
def import_confirm(request: Request, db: Session, token: str, data: Form) -> Response:
    return PRICE_IMPORT.confirm(request, db, None, token, data)


handlers = [library_list, library_page, library_template, library_xlsx, import_form, import_upload, import_preview,
            import_confirm]

# The pages of this context, registered once; none belongs in the API schema.
router = Router(path="/", route_handlers=handlers, include_in_schema=False)
