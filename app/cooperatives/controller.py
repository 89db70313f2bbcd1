"""The cooperative's policy page: late charges, payment order, collectibility, allocation rules, affordability."""

from __future__ import annotations

from typing import Annotated

from litestar import Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect
from sqlalchemy.orm import Session

from allocation.model import PRIORITY_CRITERIA
from app.auth.guards import writers
from app.cooperatives import policy as policies
from app.cooperatives.models import Cooperative
from app.i18n import gettext_for
from app.members.service import cooperative_for
from app.web.deps import in_thread
from app.web.locale import request_locale
from app.web.templating import render
from finance.arrears import COLLECTIBILITY_PRESETS
from finance.ledger import COMPONENTS

Form = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]


def _form(request: Request, coop: Cooperative, values: dict[str, str], *, status_code: int = 200,
          problems: dict[str, str] | None = None) -> Response:
    return render(request, "cooperatives/policy.html", status_code=status_code, cooperative=coop, values=values,
                  problems=problems or {}, presets=COLLECTIBILITY_PRESETS, components=COMPONENTS,
                  component_labels=policies.COMPONENT_LABELS, criteria=PRIORITY_CRITERIA,
                  priority_labels=policies.PRIORITY_LABELS, band_rows=policies.BAND_ROWS)


def _page(request: Request, db: Session, slug: str) -> Response:
    coop = cooperative_for(db, request.user, slug)
    locale = request_locale(request)
    return _form(request, coop, policies.form_values(policies.policy_of(db, coop), locale))


@get("/cooperatives/{slug:str}/policy", include_in_schema=False, guards=[writers])
async def policy_page(request: Request, db: Session, slug: str) -> Response:
    return await in_thread(_page, request, db, slug)


@post("/cooperatives/{slug:str}/policy", include_in_schema=False, guards=[writers], sync_to_thread=True)
def save_policy(request: Request, db: Session, slug: str, data: Form) -> Response:
    coop = cooperative_for(db, request.user, slug)
    locale = request_locale(request)
    try:
        policies.save(db, request.user, coop, data, locale)
    except policies.PolicyInvalid as exc:
        db.rollback()
        _ = gettext_for(locale)
        problems = {p.field: _(p.msgid).format(**p.fields) for p in exc.problems}
        return _form(request, coop, {k: str(v) for k, v in data.items()}, status_code=400, problems=problems)
    return Redirect(f"/cooperatives/{coop.slug}/policy?saved=1")


routes = [policy_page, save_policy]
