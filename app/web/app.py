"""The Litestar application."""

from __future__ import annotations

import logging

import anyio
from litestar import Litestar, Request, Response, get
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import State
from litestar.di import Provide
from litestar.exceptions import NotFoundException
from litestar.middleware import DefineMiddleware
from litestar.middleware.rate_limit import RateLimitConfig
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin, YamlRenderPlugin
from litestar.static_files import create_static_files_router
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from app import api, storage
from app.audit import controller as audit_pages
from app.auth import admin as account_admin_pages
from app.auth import controller as auth_pages
from app.clock import SystemClock
from app.config import ROOT, Settings, get_settings
from app.construction import pages as construction_pages
from app.cooperatives import controller as cooperative_pages
from app.db.engine import get_engine, session_factory
from app.designs import controller as design_pages
from app.loans import controller as loan_pages
from app.meetings import controller as meeting_pages
from app.members import controller as member_pages
from app.parcels import controller as parcel_pages
from app.prices import controller as price_pages
from app.projects import controller as project_pages
from app.publishing import controller as publishing_pages
from app.sites import controller as site_pages
from app.web.deps import configure_handler_threads, provide_db
from app.web.errors import HANDLERS
from app.web.middleware import BearerAwareCSRFMiddleware, RefuseMalformedHost, RequestSession
from app.web.openapi import SECURITY_SCHEMES, StrictStructs
from app.web.security_headers import security_headers

STATIC = ROOT / "app" / "static"


# The health check has threads of its own: it must answer while every handler thread waits for a lock.
_HEALTH_THREADS = anyio.CapacityLimiter(2)


def _database_answers(state: State) -> None:
    with state.db() as session:
        session.execute(text("SELECT 1"))


@get("/healthz", include_in_schema=False)
async def healthz(state: State) -> dict[str, str]:
    """For the container's health check: the app answers and its database does too."""
    await anyio.to_thread.run_sync(_database_answers, state, limiter=_HEALTH_THREADS)
    return {"status": "ok"}


@get("/favicon.ico", include_in_schema=False, sync_to_thread=False)
def favicon() -> Response:
    """Browsers ask for /favicon.ico on pages that name no icon (a PDF, an error page): the app's own icon, not
    a 404 in the log."""
    return Response((STATIC / "favicon.svg").read_bytes(), media_type="image/svg+xml",
                    headers={"Cache-Control": "public, max-age=86400"})


# No row's id is past a 32-bit integer (an `int` column on PostgreSQL); SQLite cannot even bind past 64 bits.
MAX_ID = 2**31 - 1


def _ids_in_range(request: Request) -> None:
    """An address whose numeric id no row can have is not found, before any query is made with the number."""
    for value in request.path_params.values():
        if isinstance(value, int) and not 0 <= value <= MAX_ID:
            raise NotFoundException()


def _is_login_post(request: Request) -> bool:
    return request.method == "POST" and request.scope["path"] == "/login"


async def _private_by_default(response: Response) -> Response:  # async: no I/O, so no worker thread for it
    """A page or JSON answer is for the signed-in user who asked, unless its handler says otherwise (the public
    pages say `public`): no shared cache may keep a member's page."""
    media = getattr(response, "media_type", None) or ""  # a static file's response has none: left as it is
    media = getattr(media, "value", media)  # MediaType.JSON and "application/json" alike
    # `+json` too: a project's GeoJSON names parcel holders, and a problem+json may name what was refused.
    json_like = media.startswith("application/json") or media.split(";")[0].endswith("+json")
    if (media.startswith("text/html") or json_like) and "cache-control" not in {k.lower() for k in response.headers}:
        response.headers["Cache-Control"] = "private, no-cache"
    return response


def _is_public(request: Request) -> bool:
    return request.scope["path"] == "/publik" or request.scope["path"].startswith("/publik/")


async def _tidy_storage(app: Litestar) -> None:
    await anyio.to_thread.run_sync(storage.tidy, app.state.settings, app.state.db)


def create_app(
    settings: Settings | None = None, engine: Engine | None = None, db: sessionmaker[Session] | None = None
) -> Litestar:
    settings = settings or get_settings()
    storage.keep_private()  # the database, photos and uploads this process writes are its account's alone
    configure_handler_threads()
    db = db or session_factory(engine or get_engine(settings.database_url))
    csrf = CSRFConfig(
        secret=settings.secret_key,
        cookie_name="japra_csrf",
        cookie_secure=settings.force_secure_cookies,
        cookie_httponly=True,  # forms carry the token in a hidden field; no script needs the cookie
        cookie_samesite="lax",
        # Public pages take no form and must carry no cookie, or no shared cache could keep them.
        exclude=["^/publik"],
    )
    login_limit = RateLimitConfig(
        rate_limit=("minute", settings.login_attempts_per_minute),
        check_throttle_handler=_is_login_post,
        set_rate_limit_headers=False,
    )
    public_limit = RateLimitConfig(
        rate_limit=("minute", settings.public_requests_per_minute),
        check_throttle_handler=_is_public,
        store="public_rate_limit",
    )
    logging.basicConfig(level=logging.DEBUG if settings.debug else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s %(message)s")
    return Litestar(
        before_request=_ids_in_range,
        on_startup=[_tidy_storage],
        after_request=_private_by_default,
        # Around the whole send, so that 404s, error pages and RefuseMalformedHost's raw 400 get them too.
        before_send=[security_headers(settings)],
        # One router per context; each sets its guards and schema visibility once.
        route_handlers=[
            healthz,
            favicon,
            auth_pages.router,
            account_admin_pages.router,
            project_pages.router,
            parcel_pages.router,
            site_pages.router,
            design_pages.router,
            price_pages.router,
            member_pages.router,
            meeting_pages.router,
            loan_pages.router,
            cooperative_pages.router,
            construction_pages.router,
            publishing_pages.router,
            audit_pages.router,
            api.router,
            create_static_files_router(path="/static", directories=[STATIC], include_in_schema=False,
                                       cache_control=None),
        ],
        dependencies={"db": Provide(provide_db)},
        # Order: rate limit first (cheap refusal), then CSRF on the raw request, then who is asking.
        middleware=[
            RefuseMalformedHost,
            login_limit.middleware,
            public_limit.middleware,
            DefineMiddleware(BearerAwareCSRFMiddleware, config=csrf),
            RequestSession(),
        ],
        exception_handlers=HANDLERS,
        openapi_config=OpenAPIConfig(
            title="Japra API",
            version="1",
            path="/api/schema",
            description="Every refusal is `application/problem+json` (RFC 9457) with its refused inputs in `errors`; "
                        "sites and parcels are GeoJSON (`application/geo+json`, EPSG:4326).",
            components=SECURITY_SCHEMES,
            # JSON and YAML only: the interactive viewers load their scripts from CDNs.
            render_plugins=[JsonRenderPlugin(), YamlRenderPlugin()],
        ),
        plugins=[StrictStructs()],
        state=State({"db": db, "settings": settings, "clock": SystemClock()}),
        # An upload may be as large as the configured limit plus the multipart envelope.
        request_max_body_size=settings.max_upload_bytes + 1024 * 1024,
        debug=settings.debug,
    )
