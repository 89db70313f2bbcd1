"""A cooperative's pages: adding, editing and deactivating one (Japra's admins and planners), and its policy (late
charges, payment order, collectibility, allocation rules, affordability)."""

from __future__ import annotations

from typing import Annotated

from litestar import Request, Response, Router, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect
from sqlalchemy.orm import Session

from allocation.model import PRIORITY_CRITERIA
from app.auth.guards import planners, writers
from app.cooperatives import policy as policies
from app.cooperatives import service as cooperatives
from app.cooperatives.models import Cooperative
from app.members.service import cooperative_for
from app.web.deps import refusable
from app.web.errors import describe
from app.web.forms import FormReader
from app.web.locale import request_locale
from app.web.templating import render
from finance.arrears import COLLECTIBILITY_PRESETS
from finance.ledger import COMPONENTS
from kernel.errors import UserError

Form = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]


def _form(request: Request, coop: Cooperative, values: dict[str, str], *, status_code: int = 200,
          problems: dict[str, str] | None = None) -> Response:
    return render(request, "cooperatives/policy.html", status_code=status_code, cooperative=coop, values=values,
                  problems=problems or {}, presets=COLLECTIBILITY_PRESETS, components=COMPONENTS,
                  component_labels=policies.COMPONENT_LABELS, criteria=PRIORITY_CRITERIA,
                  priority_labels=policies.PRIORITY_LABELS, band_rows=policies.BAND_ROWS)


@get("/cooperatives/{slug:str}/policy", sync_to_thread=True)
def policy_page(request: Request, db: Session, slug: str) -> Response:
    coop = cooperative_for(db, request.user, slug)
    locale = request_locale(request)
    return _form(request, coop, policies.form_values(policies.policy_of(db, coop), locale))


@post("/cooperatives/{slug:str}/policy", sync_to_thread=True)
def save_policy(request: Request, db: Session, slug: str, data: Form) -> Response:
    coop = cooperative_for(db, request.user, slug)
    locale = request_locale(request)
    try:
        with refusable(db):
            policies.save(db, request.user, coop, policies.read_form(FormReader(data, locale)))
    except UserError as exc:
        problems: dict[str, str] = {}
        for p in describe(exc, locale):
            problems.setdefault(p.field or "", p.message)
        return _form(request, coop, {k: str(v) for k, v in data.items()}, status_code=exc.status,
                     problems=problems)
    return Redirect(f"/cooperatives/{coop.slug}/policy?saved=1")


# --- adding, editing and deactivating a cooperative -------------------------------------------------------------

def read_details(form: FormReader) -> cooperatives.CooperativeDetails:
    """The form's details, read as typed (bounded to the longest any field takes); each field's own bound, and every
    problem at once, are the service's."""
    return cooperatives.CooperativeDetails(
        **{name: form.text(name, limit=max(cooperatives.BOUNDS.values())) for name in cooperatives.DETAILS})


def _details_form(request: Request, *, coop: Cooperative | None, values: dict[str, str], status_code: int = 200,
                  problems: dict[str, str] | None = None) -> Response:
    return render(request, "cooperatives/form.html", status_code=status_code, cooperative=coop, values=values,
                  problems=problems or {}, bounds=cooperatives.BOUNDS)


def _problems(exc: UserError, locale: str) -> dict[str, str]:
    problems: dict[str, str] = {}
    for p in describe(exc, locale):
        problems.setdefault(p.field or "", p.message)
    return problems


def _typed(data: dict[str, str]) -> dict[str, str]:
    """What was typed, shown again in the form (only the form's own fields, as strings)."""
    return {k: v for k, v in data.items() if isinstance(v, str) and (k in cooperatives.DETAILS or k == "slug")}


@get("/cooperatives/new", guards=[planners], sync_to_thread=True)
def new_cooperative_page(request: Request) -> Response:
    return _details_form(request, coop=None, values={})


@post("/cooperatives/new", guards=[planners], sync_to_thread=True)
def create_cooperative(request: Request, db: Session, data: Form) -> Response:
    locale = request_locale(request)
    form = FormReader(data, locale)
    try:
        with refusable(db):
            coop = cooperatives.create(db, request.user, form.text("slug", limit=200), read_details(form))
    except UserError as exc:
        return _details_form(request, coop=None, values=_typed(data), status_code=exc.status,
                             problems=_problems(exc, locale))
    return Redirect(f"/cooperatives/{coop.slug}?saved=1")


@get("/cooperatives/{slug:str}/edit", guards=[planners], sync_to_thread=True)
def edit_cooperative_page(request: Request, db: Session, slug: str) -> Response:
    coop = cooperatives.managed(db, request.user, slug)
    values = {name: getattr(coop, name) or "" for name in cooperatives.DETAILS}
    return _details_form(request, coop=coop, values=values)


@post("/cooperatives/{slug:str}/edit", guards=[planners], sync_to_thread=True)
def save_cooperative(request: Request, db: Session, slug: str, data: Form) -> Response:
    coop = cooperatives.managed(db, request.user, slug)
    locale = request_locale(request)
    try:
        with refusable(db):
            cooperatives.update(db, request.user, coop, read_details(FormReader(data, locale)))
    except UserError as exc:
        return _details_form(request, coop=coop, values=_typed(data), status_code=exc.status,
                             problems=_problems(exc, locale))
    return Redirect(f"/cooperatives/{coop.slug}?saved=1")


@get("/cooperatives/{slug:str}/deactivate", guards=[planners], sync_to_thread=True)
def deactivate_page(request: Request, db: Session, slug: str) -> Response:
    """A confirmation first: deactivating is reversible, but it takes the cooperative out of every picker."""
    coop = cooperatives.managed(db, request.user, slug)
    return render(request, "cooperatives/deactivate.html", cooperative=coop)


@post("/cooperatives/{slug:str}/deactivate", guards=[planners], sync_to_thread=True)
def deactivate(request: Request, db: Session, slug: str) -> Response:
    coop = cooperatives.managed(db, request.user, slug)
    cooperatives.set_active(db, request.user, coop, False)
    return Redirect(f"/cooperatives/{coop.slug}?saved=1")


@post("/cooperatives/{slug:str}/activate", guards=[planners], sync_to_thread=True)
def activate(request: Request, db: Session, slug: str) -> Response:
    coop = cooperatives.managed(db, request.user, slug)
    cooperatives.set_active(db, request.user, coop, True)
    return Redirect(f"/cooperatives/{coop.slug}?saved=1")


handlers = [policy_page, save_policy, new_cooperative_page, create_cooperative, edit_cooperative_page,
            save_cooperative, deactivate_page, deactivate, activate]

# The pages of this context, registered once with their guard; none belongs in the API schema.
router = Router(path="/", route_handlers=handlers, include_in_schema=False, guards=[writers])
