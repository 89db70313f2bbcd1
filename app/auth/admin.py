"""The admins' pages for accounts: who has one, cutting somebody off (disable, password reset, token revoke), and API
tokens made and shown once. Admin-only on the server (the router's guard), whatever the menu shows."""

from __future__ import annotations

from typing import Annotated

from litestar import Request, Response, Router, get, post
from litestar.enums import RequestEncodingType
from litestar.exceptions import NotFoundException
from litestar.params import Body
from litestar.response import Redirect
from sqlalchemy.orm import Session

from app import labels
from app.auth import service as auth
from app.auth.guards import admin_only
from app.auth.models import User
from app.auth.passwords import MIN_LENGTH
from app.db.base import utcnow
from app.web.deps import refusable
from app.web.errors import refusal_text
from app.web.forms import FormReader
from app.web.locale import request_locale
from app.web.templating import render
from kernel.errors import UserError

Form = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]
USERS = "/admin/users"


def _account(db: Session, user_id: int) -> User:
    account = db.get(User, user_id)
    if account is None:
        raise NotFoundException()
    return account


def _page(request: Request, db: Session, account: User, *, status_code: int = 200, **context) -> Response:
    """One user's page; `context` overrides its blanks (error, error_field, new_token, done)."""
    is_self = account.id == request.user.id
    return render(request, "auth/user.html", status_code=status_code,
                  **{"account": account, "tokens": auth.list_tokens(db, account.username), "state": auth.token_state,
                     "now": utcnow(), "is_self": is_self, "roles": labels.ROLES, "min_length": MIN_LENGTH,
                     "token_days": auth.TOKEN_DAYS, "token_days_range": auth.TOKEN_DAYS_RANGE,
                     "error": None, "error_field": None, "new_token": None,
                     "done": request.query_params.get("done"), **context})


def _refused(request: Request, db: Session, account: User, exc: UserError) -> Response:
    return _page(request, db, account, status_code=exc.status, error=refusal_text(request, exc), error_field=exc.field)


def _done(account: User, done: str, data: dict[str, str] | None = None) -> Response:
    """Back where the admin pressed the button: the list (its forms say so) or the user's page."""
    if data and data.get("back") == "list":
        return Redirect(f"{USERS}?done={done}&user={account.id}")
    return Redirect(f"{USERS}/{account.id}?done={done}")


@get(USERS, sync_to_thread=True)
def users_page(request: Request, db: Session) -> Response:
    users = auth.list_users(db)
    # The name comes from the database, not the address: a crafted link cannot put words on this page.
    about = next((u for u in users if str(u.id) == request.query_params.get("user")), None)
    return render(request, "auth/users.html", users=users, roles=labels.ROLES,
                  done=request.query_params.get("done") if about else None, about=about)


@get(USERS + "/{user_id:int}", sync_to_thread=True)
def user_page(request: Request, db: Session, user_id: int) -> Response:
    return _page(request, db, _account(db, user_id))


@post(USERS + "/{user_id:int}/disable", sync_to_thread=True)
def disable(request: Request, db: Session, user_id: int, data: Form) -> Response:
    account = _account(db, user_id)
    try:
        with refusable(db):
            changed = auth.disable_user(db, account, request.user)
    except UserError as exc:
        return _refused(request, db, account, exc)
    return _done(account, "disabled" if changed else "unchanged", data)


@post(USERS + "/{user_id:int}/enable", sync_to_thread=True)
def enable(request: Request, db: Session, user_id: int, data: Form) -> Response:
    account = _account(db, user_id)
    changed = auth.enable_user(db, account, request.user)
    return _done(account, "enabled" if changed else "unchanged", data)


@post(USERS + "/{user_id:int}/password", sync_to_thread=True)
def reset_password(request: Request, db: Session, user_id: int, data: Form) -> Response:
    account = _account(db, user_id)
    password = data.get("password") or ""
    try:
        with refusable(db):
            if password != (data.get("password_again") or ""):
                raise auth.UserError("The new password and its repetition differ.", field="password_again")
            auth.set_password(db, account, password, request.user)
    except UserError as exc:
        return _refused(request, db, account, exc)
    return _done(account, "password")


@post(USERS + "/{user_id:int}/tokens", sync_to_thread=True)
def create_token(request: Request, db: Session, user_id: int, data: Form) -> Response:
    account = _account(db, user_id)
    form = FormReader(data, request_locale(request))
    try:
        with refusable(db):
            value = auth.create_token(db, account.username, form.text("label", limit=auth.TOKEN_LABEL_LIMIT),
                                      days=form.int("days", default=auth.TOKEN_DAYS), actor=request.user)
    except UserError as exc:
        return _refused(request, db, account, exc)
    # Shown on this answer only: not in a redirect's address, and kept by no cache or history.
    response = _page(request, db, account, new_token=value)
    response.headers["Cache-Control"] = "no-store"
    return response


@post(USERS + "/{user_id:int}/tokens/{token_id:int}/revoke", sync_to_thread=True)
def revoke(request: Request, db: Session, user_id: int, token_id: int) -> Response:
    account = _account(db, user_id)
    try:
        token = auth.token_by_id(db, token_id)
    except UserError:
        raise NotFoundException() from None
    if token.user_id != account.id:
        raise NotFoundException()
    changed = auth.revoke_token(db, token, request.user)
    return _done(account, "revoked" if changed else "unchanged")


handlers = [users_page, user_page, disable, enable, reset_password, create_token, revoke]

# Admins only, every handler; none belongs in the API schema.
router = Router(path="/", route_handlers=handlers, include_in_schema=False, guards=[admin_only])
