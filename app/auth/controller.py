from __future__ import annotations

from typing import Annotated

from litestar import Request, Response, Router, get, post
from litestar.datastructures import Cookie
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect
from sqlalchemy.orm import Session

from app.auth import service as auth
from app.auth.guards import signed_in
from app.config import Settings
from app.i18n import LOCALES
from app.web.locale import LOCALE_COOKIE, safe_next
from app.web.middleware import SESSION_COOKIE
from app.web.templating import render

Form = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]


def _settings(request: Request) -> Settings:
    return request.app.state.settings


def _secure(request: Request) -> bool:
    return request.url.scheme == "https" or _settings(request).force_secure_cookies


@get("/login", sync_to_thread=False)
def login_page(request: Request, next: str | None = None) -> Response:  # noqa: A002
    if request.scope.get("user"):
        return Redirect(safe_next(next))
    return render(request, "auth/login.html", next=safe_next(next), error=None, username="")


@post("/login", sync_to_thread=True)
def login(request: Request, db: Session, data: Form) -> Response:
    username = (data.get("username") or "").strip()
    target = safe_next(data.get("next"))
    user = auth.authenticate(db, username, data.get("password") or "")
    if user is None:
        # One message for unknown user, wrong password and disabled account: no hint which.
        return render(request, "auth/login.html", status_code=401, next=target, username=username,
                      error="wrong-credentials")
    token = auth.start_session(db, user, _settings(request).session_hours)
    response = Redirect(target)
    response.set_cookie(Cookie(key=SESSION_COOKIE, value=token, httponly=True, samesite="lax",
                               secure=_secure(request), path="/",
                               max_age=_settings(request).session_hours * 3600))
    return response


@post("/logout", guards=[signed_in], sync_to_thread=True)
def logout(request: Request, db: Session) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        auth.end_session(db, token)
    response = Redirect("/login")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@get("/lang/{code:str}", sync_to_thread=False)
def switch_language(request: Request, code: str, next: str | None = None) -> Response:  # noqa: A002
    response = Redirect(safe_next(next))
    if code in LOCALES:
        response.set_cookie(Cookie(key=LOCALE_COOKIE, value=code, httponly=True, samesite="lax",
                                   secure=_secure(request), path="/", max_age=365 * 24 * 3600))
    return response


handlers = [login_page, login, logout, switch_language]

# The pages of this context, registered once; none belongs in the API schema.
router = Router(path="/", route_handlers=handlers, include_in_schema=False)
