"""The planner's publishing form, and the public pages that need no account.

Public responses are the same for every visitor (language from `?lang=`, never a cookie or a session), so they
carry an ETag and a public Cache-Control, and the rendered bytes are kept for a short while: a page shared widely
is built once a minute, not once a visit.
"""

from __future__ import annotations

import hashlib
import time
from threading import Lock
from typing import Annotated, Any

from litestar import Request, Response, Router, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect
from sqlalchemy.orm import Session

from app.auth.guards import planners
from app.clock import jakarta_today
from app.errors import NotFound
from app.projects import service as projects
from app.publishing import exports
from app.publishing import service as publishing
from app.web.deps import refusable
from app.web.errors import refusal_text
from app.web.forms import FormReader
from app.web.locale import request_locale
from app.web.templating import environment, render
from kernel.errors import UserError
from publication.errors import PublicationError
from publication.story import MAX_STORY_CHARS

Form = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]
PUBLIC_MAX_AGE = 300  # seconds a browser or proxy may reuse a public page: progress changes weekly, not by the minute
SERVER_CACHE_SECONDS = 60


def public_locale(request: Request) -> str:
    """Only `?lang=en` switches: a public page must not vary by cookie, or no cache could share it."""
    return "en" if request.query_params.get("lang") == "en" else "id"


# --- the planner's side ----------------------------------------------------------------------------------


def _settings_page(request: Request, db: Session, slug: str, *, status_code: int = 200, error: str | None = None,
                   error_field: str | None = None, values: dict[str, str] | None = None) -> Response:
    project = projects.editable_for(db, request.user, slug, with_parcels=False)
    pub = publishing.settings_of(db, project)
    from app.construction import photos

    return render(request, "publishing/settings.html", status_code=status_code, project=project, pub=pub,
                  photos=photos.photos_of(db, project), stages=publishing.STAGES, error=error,
                  error_field=error_field, values=values or {},
                  timeline={row["stage"]: row["date"] for row in pub.timeline or []})


def publication_in(form: FormReader) -> publishing.PublicationIn:
    """The publishing form: amounts in whole rupiah above 0, each stage's date in range, the story bounded (its own
    limit, with its own message, is the sanitiser's: a form may send each line break as two characters)."""
    return publishing.PublicationIn(
        published=form.flag("published"),
        title=form.text("title", limit=publishing.TITLE_LIMIT),
        story_md=form.text("story_md", limit=2 * MAX_STORY_CHARS),
        reference_price_per_m2=form.optional_rupiah("reference_price_per_m2", low=1),
        typical_rent=form.optional_rupiah("typical_rent", low=1),
        timeline=tuple((stage, day) for stage in publishing.STAGES
                       if (day := form.optional_date(f"stage_{stage}")) is not None),
        shown=frozenset(toggle for toggle in publishing.TOGGLES if form.flag(toggle)),
    )


@get("/projects/{slug:str}/publication", guards=[planners], sync_to_thread=True)
def settings_page(request: Request, db: Session, slug: str) -> Response:
    return _settings_page(request, db, slug)


@post("/projects/{slug:str}/publication", guards=[planners], sync_to_thread=True)
def save_settings(request: Request, db: Session, slug: str, data: Form) -> Response:
    project = projects.editable_for(db, request.user, slug, with_parcels=False)
    try:
        with refusable(db):
            publishing.save(db, request.user, project, publication_in(FormReader(data, request_locale(request))))
    except UserError as exc:
        return _settings_page(request, db, slug, status_code=exc.status, error=refusal_text(request, exc),
                              error_field=exc.field, values=data)
    db.commit()  # before the cache is emptied: a visitor in between must not rebuild the page as it was
    _cache.clear()
    return Redirect(f"/projects/{project.slug}/publication?saved=1")


@post("/projects/{slug:str}/publication/photos/{photo_id:int}", guards=[planners],
      sync_to_thread=True)
def mark_photo(request: Request, db: Session, slug: str, photo_id: int, data: Form) -> Response:
    project = projects.editable_for(db, request.user, slug, with_parcels=False)
    publishing.set_photo_public(db, request.user, project, photo_id, FormReader(data).flag("public"))
    db.commit()
    _cache.clear()
    return Redirect(f"/projects/{project.slug}/publication#photos")


# --- the public side ---------------------------------------------------------------------------------------

_cache: dict[tuple, tuple[float, bytes, str, str]] = {}
_cache_lock = Lock()
_building: dict[tuple, Lock] = {}


def _cached(key: tuple, build) -> tuple[bytes, str, str]:
    """(body, media type, etag), built at most once a minute per key. When an entry expires under load, one request
    rebuilds it and the others wait for that build instead of each building the same page."""
    now = time.monotonic()
    with _cache_lock:
        hit = _cache.get(key)
        if hit and now - hit[0] < SERVER_CACHE_SECONDS:
            return hit[1], hit[2], hit[3]
        building = _building.setdefault(key, Lock())
    with building:
        with _cache_lock:
            hit = _cache.get(key)
            if hit and time.monotonic() - hit[0] < SERVER_CACHE_SECONDS:
                return hit[1], hit[2], hit[3]
        body, media_type = build()
        tag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'  # the same bytes, the same tag, in every worker
        with _cache_lock:
            if len(_cache) > 500:  # a crawler walking every ?lang= and id must not grow this without end
                _cache.clear()
                _building.clear()
            _cache[key] = (time.monotonic(), body, media_type, tag)
    return body, media_type, tag


# Builds for a Host header the app does not know are not cached and go one at a time: a forged Host can neither grow
# the cache nor keep more than one thread building posters, and a laptop reached by its LAN address still answers.
_unknown_host_builds = Lock()


def _public(request: Request, key: tuple, build) -> Response:
    if _names_a_host(key) and not _known_host(request):
        with _unknown_host_builds:
            body, media_type = build()
        tag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    else:
        body, media_type, tag = _cached(key, build)
    headers = {"ETag": tag, "Cache-Control": f"public, max-age={PUBLIC_MAX_AGE}", "Vary": "Accept-Encoding",
               "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}
    if request.headers.get("if-none-match") == tag:
        return Response(b"", status_code=304, headers=headers)
    return Response(body, media_type=media_type, headers=headers)


def public_html(template: str, locale: str, **context: Any) -> bytes:
    return environment().get_template(template).render(locale=locale, **context).encode()


def _project_page(db: Session, slug: str, locale: str, base: str) -> tuple[bytes, str]:
    project, pub = publishing.published(db, slug)
    view = publishing.view(db, project, pub, jakarta_today())
    return public_html("public/project.html", locale, view=view, data=view.as_data(), base=base), "text/html"


def base_url(request: Request) -> str:
    """This site's address, for links that leave it (Open Graph image, embed snippet, QR code, posters). The
    configured JAPRA_PUBLIC_URL when set; else the request's, and then every cache key carries it, so a forged Host
    header only ever reaches the response of whoever forged it."""
    configured = request.app.state.settings.public_url
    return (configured or str(request.base_url)).rstrip("/")


def _names_a_host(key: tuple) -> bool:
    return any(isinstance(part, str) and part.startswith(("http://", "https://")) for part in key)


def _known_host(request: Request) -> bool:
    """Whether links may be built from this request's Host and kept: the configured public address, or the address
    the server itself listens on (`JAPRA_HOST`, loopback names) with its port."""
    settings = request.app.state.settings
    if settings.public_url:
        return True  # every link is built from the configured address, whatever the Host says
    return request.headers.get("host", "").lower() in settings.own_hosts


@get("/publik/{slug:str}", sync_to_thread=True)
def public_project(request: Request, db: Session, slug: str) -> Response:
    locale, base = public_locale(request), base_url(request)
    return _public(request, ("project", slug, locale, base), lambda: _project_page(db, slug, locale, base))


def _overview_page(db: Session, locale: str) -> tuple[bytes, str]:
    rows = []
    for project, pub in publishing.published_projects(db):
        data = publishing.view(db, project, pub, jakarta_today()).as_data()
        data.pop("context")  # one context layer for the whole map, below
        rows.append(data)
    context = publishing.context_layer([row["site"] for row in rows])
    return public_html("public/overview.html", locale, projects=rows, context=context), "text/html"


@get("/publik", sync_to_thread=True)
def public_overview(request: Request, db: Session) -> Response:
    locale = public_locale(request)
    return _public(request, ("overview", locale), lambda: _overview_page(db, locale))


@get("/publik/{slug:str}/data.json", sync_to_thread=True)
def public_data(request: Request, db: Session, slug: str) -> Response:
    import json

    def build():
        project, pub = publishing.published(db, slug)
        data = publishing.view(db, project, pub, jakarta_today()).as_data()
        return json.dumps(data, ensure_ascii=False).encode(), "application/json"

    return _public(request, ("data", slug), build)


@get("/publik/{slug:str}/foto/{photo_id:int}", sync_to_thread=True)
def public_photo(request: Request, db: Session, slug: str, photo_id: int) -> Response:
    from app.construction import photos

    def build():
        photo = publishing.public_photo(db, slug, photo_id)
        store = photos.PhotoStore.from_settings(request.app.state.settings)
        return photos.read(store, photo, "public"), "image/jpeg"

    return _public(request, ("photo", slug, photo_id), build)


handlers = [settings_page, save_settings, mark_photo, public_project, public_overview, public_data, public_photo]


# --- sharing: embed, preview image, single-file map, posters ----------------------------------------------

def _view(db: Session, slug: str):
    project, pub = publishing.published(db, slug)
    return project, pub, publishing.view(db, project, pub, jakarta_today())


@get("/publik/{slug:str}/embed", sync_to_thread=True)
def public_embed(request: Request, db: Session, slug: str) -> Response:
    locale = public_locale(request)

    def build():
        _project, _pub, view = _view(db, slug)
        return public_html("public/embed.html", locale, view=view, data=view.as_data()), "text/html"

    return _public(request, ("embed", slug, locale, base_url(request)), build)


@get("/publik/{slug:str}/preview.png", sync_to_thread=True)
def public_preview(request: Request, db: Session, slug: str) -> Response:
    locale = public_locale(request)

    def build():
        project, _pub, view = _view(db, slug)
        try:
            return exports.preview_png(db, project, view, locale), "image/png"
        except PublicationError:  # nothing to draw: the site and its blocks are not shown
            raise NotFound("No public page at this address.") from None

    return _public(request, ("preview", slug, locale), build)


@get("/publik/{slug:str}/peta.html", sync_to_thread=True)
def public_standalone(request: Request, db: Session, slug: str) -> Response:
    locale, base = public_locale(request), base_url(request)

    def build():
        project, _pub, view = _view(db, slug)
        store = photos_store(request)
        return exports.standalone(db, project, view, locale, store, base).encode(), \
            "text/html"

    response = _public(request, ("standalone", slug, locale, base), build)
    response.headers["Content-Disposition"] = f'attachment; filename="peta-{slug}.html"'
    return response


@get("/publik/{slug:str}/poster/{size:str}", sync_to_thread=True)
def public_poster(request: Request, db: Session, slug: str, size: str) -> Response:
    locale, base = public_locale(request), base_url(request)
    if size not in exports.POSTER_SIZES:
        raise NotFound("No public page at this address.")

    def build():
        project, _pub, view = _view(db, slug)
        return exports.poster_pdf(db, project, view, locale, size, photos_store(request),
                                  base), "application/pdf"

    response = _public(request, ("poster", slug, locale, size, base), build)
    response.headers["Content-Disposition"] = f'inline; filename="poster-{slug}-{size}.pdf"'
    return response


def photos_store(request: Request):
    from app.construction import photos

    return photos.PhotoStore.from_settings(request.app.state.settings)


handlers += [public_embed, public_preview, public_standalone, public_poster]

# The pages of this context, registered once; none belongs in the API schema.
router = Router(path="/", route_handlers=handlers, include_in_schema=False)
