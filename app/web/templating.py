"""Jinja pages rendered inside the handler (in its thread, with its database session still open)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context, select_autoescape
from litestar import Request, Response
from litestar.utils.scope.state import ScopeState
from markupsafe import Markup

from app import i18n, labels
from app.config import ROOT
from app.projects.models import LandStatus, ProjectStage
from app.web.deps import roll_back_this_request
from app.web.locale import request_locale
from app.web.security_headers import nonce_inline

TEMPLATES = ROOT / "templates"


def _locale(ctx) -> str:
    return ctx.get("locale", i18n.DEFAULT_LOCALE)


@pass_context
def _gettext(ctx, message: str) -> str:
    return i18n.gettext_for(_locale(ctx))(message)


@pass_context
def _ngettext(ctx, singular: str, plural: str, n: int) -> str:
    return i18n.ngettext_for(_locale(ctx))(singular, plural, n)


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html", "xml"]),
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_callables(_gettext, _ngettext, newstyle=True)

    @pass_context
    def rupiah(ctx, amount):
        return i18n.format_rupiah(amount, _locale(ctx))

    @pass_context
    def number(ctx, value, digits=0):
        return i18n.format_number(value, _locale(ctx), digits)

    @pass_context
    def ratio(ctx, value):
        """A zoning figure as it is written in regulations: 55, 6,65, 0,75 (no padding zeros)."""
        return i18n.format_figure(value, _locale(ctx))

    @pass_context
    def rupiah_round(ctx, amount):
        """An exact Decimal (a unit price) shown to the rupiah, rounded half up."""
        from costing.money import round_rupiah

        return i18n.format_rupiah(round_rupiah(amount), _locale(ctx))

    def terbilang(amount):
        from costing.terbilang import terbilang_rupiah

        words = terbilang_rupiah(int(amount))
        return words[:1].upper() + words[1:]

    @pass_context
    def date_long(ctx, value):
        return i18n.format_date_long(value, _locale(ctx)) if value else ""

    @pass_context
    def datetime_local(ctx, value):
        return i18n.format_datetime_local(value, _locale(ctx)) if value else ""

    @pass_context
    def nonced(ctx, html):
        """A folium map's parts, their inline code allowed by this response's Content-Security-Policy."""
        request = ctx.get("request")
        if request is None:  # a map outside a request's page would draw nothing, silently: refuse it here
            raise RuntimeError("inline code needs a request's CSP nonce: render the page with render()")
        return Markup(nonce_inline(str(html), request.scope))  # noqa: S704 (the app's own markup, as |safe was)

    env.filters.update(rupiah=rupiah, rupiah_round=rupiah_round, terbilang=terbilang, number=number, ratio=ratio,
                       date_long=date_long, datetime_local=datetime_local, nonced=nonced)
    env.globals.update(STAGES=[s.value for s in ProjectStage], LAND_STATUSES=[s.value for s in LandStatus],
                       stage_labels=labels.STAGES)
    return env


def request_target(request: Request) -> str:
    """The path and query string asked for, as the browser sent them."""
    query = request.scope.get("query_string", b"").decode("latin-1")
    return request.scope["path"] + (f"?{query}" if query else "")


def context_for(request: Request, **context: Any) -> dict[str, Any]:
    token = ScopeState.from_scope(request.scope).csrf_token or ""
    locale = request_locale(request)
    return {
        "request": request,
        "user": request.scope.get("user"),
        "locale": locale,
        "locales": i18n.LOCALE_NAMES,
        "csrf_token": token,
        "csrf_input": Markup(f'<input type="hidden" name="_csrf_token" value="{token}">'),  # noqa: S704
        # From the scope, not request.url: an error page must render even for a Host no URL can be built from.
        "path": request.scope["path"],
        "current_path": request_target(request),
        **context,
    }


def render_html(request: Request, template: str, **context: Any) -> str:
    return environment().get_template(template).render(context_for(request, **context))


def render(request: Request, template: str, *, status_code: int = 200, **context: Any) -> Response:
    """A page. One with an error status refuses what was asked, so the request's transaction stores nothing."""
    if status_code >= 400:
        roll_back_this_request(request)
    return Response(
        render_html(request, template, **context),
        status_code=status_code,
        media_type="text/html; charset=utf-8",
        headers={"Content-Language": request_locale(request)},
    )
