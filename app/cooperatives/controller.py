"""The cooperative's policy page: late charges, payment order, collectibility, allocation rules, affordability."""

from __future__ import annotations

from typing import Annotated

from litestar import Request, Response, Router, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect
from sqlalchemy.orm import Session

from allocation.model import PRIORITY_CRITERIA
from app.auth.guards import writers
from app.cooperatives import policy as policies
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


handlers = [policy_page, save_policy]

# The pages of this context, registered once with their guard; none belongs in the API schema.
router = Router(path="/", route_handlers=handlers, include_in_schema=False, guards=[writers])
