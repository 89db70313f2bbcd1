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
from app.auth.passwords import MIN_LENGTH
from app.config import Settings
from app.i18n import LOCALES
from app.web.errors import refusal_text
from app.web.locale import LOCALE_COOKIE, safe_next
from app.web.middleware import SESSION_COOKIE
from app.web.templating import render
from kernel.errors import UserError

Form = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]


def _settings(request: Request) -> Settings:
    return request.app.state.settings


def _secure(request: Request) -> bool:
    return request.url.scheme == "https" or _settings(request).force_secure_cookies


@get("/login", sync_to_thread=False)
def login_page(request: Request, next: str | None = None) -> Response:  # noqa: A002
    if request.scope.get("user"):
        return Redirect(safe_next(next))
    return render(request, "auth/login.html", next=safe_next(next), error=None, username="", wait=None)


def _delayed(request: Request, delayed: auth.SignInDelayed, **context) -> Response:
    """The sign-in form again, saying how long to wait; the password was not checked."""
    response = render(request, "auth/login.html", status_code=429, wait=delayed.seconds, **context)
    response.headers["Retry-After"] = str(delayed.seconds)
    return response


@post("/login", sync_to_thread=True)
def login(request: Request, db: Session, data: Form) -> Response:
    username = (data.get("username") or "").strip()
    target = safe_next(data.get("next"))
    try:
        user = auth.authenticate(db, username, data.get("password") or "")
    except auth.SignInDelayed as delayed:
        return _delayed(request, delayed, next=target, username=username, error=None)
    if user is None:
        # The failure counts towards this name's delay: stored now, since the refusal below rolls the request back.
        db.commit()
        # One message for unknown user, wrong password and disabled account: no hint which.
        return render(request, "auth/login.html", status_code=401, next=target, username=username,
                      error="wrong-credentials", wait=None)
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


def password_form(request: Request, *, status_code: int = 200, **context) -> Response:
    """The change-password form; `context` overrides its blanks (error, error_field, wait, changed)."""
    return render(request, "auth/password.html", status_code=status_code,
                  **{"error": None, "error_field": None, "wait": None, "changed": False, "min_length": MIN_LENGTH,
                     **context})


@get("/account/password", guards=[signed_in], sync_to_thread=False)
def password_page(request: Request, changed: str | None = None) -> Response:
    return password_form(request, changed=bool(changed))


@post("/account/password", guards=[signed_in], sync_to_thread=True)
def change_password(request: Request, db: Session, data: Form) -> Response:
    """The signed-in user's own password: the current one first, then the new one twice."""
    try:
        auth.change_own_password(db, request.user, data.get("current_password") or "", data.get("password") or "",
                                 data.get("password_again") or "", keep_session=request.cookies.get(SESSION_COOKIE))
    except auth.SignInDelayed as delayed:
        response = password_form(request, status_code=429, wait=delayed.seconds)
        response.headers["Retry-After"] = str(delayed.seconds)
        return response
    except UserError as exc:
        # A wrong current password counts towards the sign-in delay: stored now, since the refusal rolls back.
        db.commit()
        return password_form(request, status_code=exc.status, error=refusal_text(request, exc), error_field=exc.field)
    return Redirect("/account/password?changed=1")


handlers = [login_page, login, logout, switch_language, password_page, change_password]

# The pages of this context, registered once; none belongs in the API schema.
router = Router(path="/", route_handlers=handlers, include_in_schema=False)
