"""The zoning form of a project's site."""

from __future__ import annotations

from typing import Annotated, Any

from babel.numbers import format_decimal
from litestar import Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect
from sqlalchemy.orm import Session

from app.auth.guards import writers
from app.errors import DomainError
from app.i18n import babel_locale, gettext_for
from app.projects import service as projects
from app.projects.models import Project
from app.sites import service as sites
from app.web.deps import in_thread
from app.web.locale import request_locale
from app.web.templating import render

Form = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]


def _editable(request: Request, db: Session, slug: str) -> Project:
    return projects.editable_for(db, request.user, slug)


def _form_values(project: Project, locale: str) -> dict[str, str]:
    """The site's values written as the visitor's locale writes numbers (6,65 in Indonesian)."""
    site = project.site

    def text(value: Any) -> str:
        if value is None:
            return ""
        # No grouping in an input: what the planner types back must parse the same way.
        return format_decimal(value, format="0.##", locale=babel_locale(locale))

    values = {name: text(getattr(site, name)) for name in sites.ZONING_FIELDS}
    for i, unit in enumerate(sites.unit_mix_of(site)):
        values |= {f"unit_name_{i}": unit.name, f"unit_area_{i}": text(unit.net_area_m2),
                   f"unit_share_{i}": text(unit.share)}
    return values


def _page(request: Request, project: Project, values: dict[str, str], *, status_code: int = 200,
          error: str | None = None, error_field: str | None = None) -> Response:
    return render(request, "sites/zoning.html", status_code=status_code, project=project, values=values,
                  error=error, error_field=error_field, unit_rows=range(sites.MAX_UNIT_TYPES))


def _zoning_form(request: Request, db: Session, slug: str) -> Response:
    project = _editable(request, db, slug)
    return _page(request, project, _form_values(project, request_locale(request)))


@get("/projects/{slug:str}/zoning", include_in_schema=False, guards=[writers])
async def zoning_form(request: Request, db: Session, slug: str) -> Response:
    return await in_thread(_zoning_form, request, db, slug)


@post("/projects/{slug:str}/zoning", include_in_schema=False, guards=[writers], sync_to_thread=True)
def save_zoning(request: Request, db: Session, slug: str, data: Form) -> Response:
    project = _editable(request, db, slug)
    locale = request_locale(request)
    try:
        values, mix = sites.parse_zoning_form(data, locale)
        sites.update_zoning(db, request.user, project, values, mix)
    except DomainError as exc:
        message = gettext_for(locale)(exc.msgid).format(**exc.fields)
        return _page(request, project, dict(data), status_code=exc.status_code, error=message,
                     error_field=exc.field)
    return Redirect(f"/projects/{project.slug}?saved=1#capacity")


routes = [zoning_form, save_zoning]
