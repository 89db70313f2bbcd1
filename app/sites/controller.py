"""The zoning form of a project's site."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from babel.numbers import format_decimal
from litestar import Request, Response, Router, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect
from sqlalchemy.orm import Session

from app.auth.guards import writers
from app.errors import Invalid
from app.i18n import babel_locale
from app.projects import service as projects
from app.projects.models import Project
from app.sites import service as sites
from app.web.deps import refusable
from app.web.errors import describe
from app.web.forms import FormReader, Problems
from app.web.locale import request_locale
from app.web.templating import render
from gis.capacity import UnitType, Zoning
from kernel.errors import UserError

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
          problems: dict[str, str] | None = None) -> Response:
    return render(request, "sites/zoning.html", status_code=status_code, project=project, values=values,
                  problems=problems or {}, unit_rows=range(sites.MAX_UNIT_TYPES))


def _floors(form: FormReader) -> int:
    number = form.decimal("max_floors")
    if number != number.to_integral_value():
        raise Invalid("The number of floors is a whole number.", field="max_floors")
    return int(number)


def zoning_in(form: FormReader) -> sites.ZoningIn:
    """The zoning form, numbers as the visitor's language writes them. Every field is read, and what `gis` refuses
    in the values that could be read is added, so each problem stands next to its field at once."""
    problems = Problems()
    values: dict[str, Any] = {}
    for name in sites.ZONING_FIELDS:
        if not form.filled(name):
            if name not in sites.OPTIONAL:
                problems.add(Invalid("This value is needed.", field=name))
            values[name] = None
        elif name == "max_floors":
            values[name] = problems.read(lambda: _floors(form))
        else:
            number = problems.read(lambda name=name: form.decimal(name))
            values[name] = None if number is None else float(number)
    mix, rows = [], []
    for i in range(sites.MAX_UNIT_TYPES):
        fields = (f"unit_name_{i}", f"unit_area_{i}", f"unit_share_{i}")
        if not any(form.filled(f) for f in fields):
            continue
        name = problems.read(lambda f=fields[0]: form.text(f, limit=sites.UNIT_NAME_LIMIT))
        area = problems.read(lambda f=fields[1]: form.decimal(f))
        share = problems.read(lambda f=fields[2]: form.decimal(f, default=Decimal(1), low=Decimal(0),
                                                               high=sites.MAX_UNIT_SHARE))
        rows.append(i)
        if name is not None and area is not None and share is not None:
            mix.append((i, UnitType(name, float(area), float(share))))
    zoning = Zoning(**values)
    for problem in sites.zoning_problems(zoning) + sites.check_unit_mix([u for _, u in mix], [i for i, _ in mix]):
        if problem.field != "unit_name_0" or problem.msgid != "Give at least one unit type." or not rows:
            problems.add(problem)  # a field refused already keeps its first problem
    problems.check()
    return sites.ZoningIn(zoning, tuple(u for _, u in mix))


@get("/projects/{slug:str}/zoning", sync_to_thread=True)
def zoning_form(request: Request, db: Session, slug: str) -> Response:
    project = _editable(request, db, slug)
    return _page(request, project, _form_values(project, request_locale(request)))


@post("/projects/{slug:str}/zoning", sync_to_thread=True)
def save_zoning(request: Request, db: Session, slug: str, data: Form) -> Response:
    project = _editable(request, db, slug)
    locale = request_locale(request)
    try:
        with refusable(db):
            sites.update_zoning(db, request.user, project, zoning_in(FormReader(data, locale)))
    except UserError as exc:
        problems: dict[str, str] = {}
        for p in describe(exc, locale):
            problems.setdefault(p.field or "", p.message)
        return _page(request, project, dict(data), status_code=exc.status, problems=problems)
    return Redirect(f"/projects/{project.slug}?saved=1#capacity")


handlers = [zoning_form, save_zoning]

# The pages of this context, registered once with their guard; none belongs in the API schema.
router = Router(path="/", route_handlers=handlers, include_in_schema=False, guards=[writers])
