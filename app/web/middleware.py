from __future__ import annotations

import logging

import anyio
from litestar.connection import ASGIConnection
from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.middleware.csrf import CSRFMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from app.auth import service as auth
from app.auth.identity import CurrentUser
from app.web.deps import SAFE_METHODS, SESSION_KEY, finish, open_session

SESSION_COOKIE = "japra_session"
log = logging.getLogger("japra.web")


def bearer_token(connection: ASGIConnection) -> str | None:
    header = connection.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def _touch(source: sessionmaker[Session], api_token: str) -> None:
    try:
        with open_session(source, write=True) as session, session.begin():
            auth.touch_token(session, api_token)
    except SQLAlchemyError:  # a busy moment: the stamp waits for the token's next use
        log.debug("token use not recorded this time", exc_info=True)


def _resolve(session: Session, source: sessionmaker[Session], session_token: str | None, api_token: str | None,
             writes: bool) -> CurrentUser | None:
    if api_token:
        # A request that writes records the token's use in its own transaction; one that reads keeps its
        # transaction read-only (on SQLite a read that turns into a write can fail) and stamps it apart.
        user = auth.user_for_token(session, api_token, touch=writes)
        if user is not None and not writes:
            _touch(source, api_token)
        return user
    if session_token:
        return auth.user_for_session(session, session_token)
    return None


async def identify(connection: ASGIConnection, session: Session,
                   source: sessionmaker[Session]) -> tuple[CurrentUser | None, str | None]:
    """Who is asking, read in the request's own session: (user or None, "token" | "session" | None)."""
    api_token = bearer_token(connection)
    session_token = connection.cookies.get(SESSION_COOKIE)
    if not (api_token or session_token):
        return None, None
    writes = connection.scope["method"] not in SAFE_METHODS
    user = await anyio.to_thread.run_sync(_resolve, session, source, session_token, api_token, writes)
    return user, ("token" if api_token and user else ("session" if user else None))


class RequestSession(ASGIMiddleware):
    """Opens the request's session, puts the signed-in user (or None) in scope["user"], closes it at the end."""

    scopes = (ScopeType.HTTP,)
    # Static files need neither a session nor an identity.
    should_bypass_for_scope = staticmethod(lambda scope: scope["path"].startswith("/static/"))

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        source: sessionmaker[Session] = scope["litestar_app"].state.db
        session = open_session(source, write=scope["method"] not in SAFE_METHODS)
        scope[SESSION_KEY] = session  # type: ignore[typeddict-unknown-key]
        try:
            connection: ASGIConnection = ASGIConnection(scope)
            scope["user"], scope["auth"] = await identify(connection, session, source)
            await next_app(scope, receive, send)
        finally:
            await finish(session.close)


def _host_is_sound(scope: Scope) -> bool:
    """A Host header that URLs can be built from: printable ASCII, a port (if any) a number from 0 to 65535."""
    host = next((v for k, v in scope.get("headers", ()) if k == b"host"), b"")
    if not host:
        return True
    if not host.isascii() or not host.decode().isprintable():
        return False
    name, _, port = host.decode().rpartition(":") if not host.endswith(b"]") else (host.decode(), "", "")
    return not name or not port or (port.isdigit() and int(port) <= 65535)


class RefuseMalformedHost:
    """The first middleware: a request whose Host cannot be a URL's is answered 400 before anything builds a link
    or a cache key from it (URL parsing would raise deep inside a handler or an error page)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == ScopeType.HTTP and not _host_is_sound(scope):
            await send({"type": "http.response.start", "status": 400,
                        "headers": [(b"content-type", b"text/plain; charset=utf-8")]})
            await send({"type": "http.response.body", "body": b"Bad Request: malformed Host header.\n"})
            return
        await self.app(scope, receive, send)


class BearerAwareCSRFMiddleware(CSRFMiddleware):
    """CSRF for cookie sessions; a bearer token is never sent by a browser on its own, so it is exempt. So is an API
    request with no session cookie: it carries no one's authority to forge, and its guard answers the 401 an API
    client needs (the sign-in form keeps its check: a forged sign-in needs no session)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        connection = ASGIConnection(scope) if scope["type"] == ScopeType.HTTP else None
        if connection is not None and (bearer_token(connection) or (
                scope["path"].startswith("/api/") and SESSION_COOKIE not in connection.cookies)):
            await self.app(scope, receive, send)
            return
        await super().__call__(scope, receive, send)
