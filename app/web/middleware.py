from __future__ import annotations

import anyio
from litestar.connection import ASGIConnection
from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.middleware.csrf import CSRFMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send
from sqlalchemy.orm import Session, sessionmaker

from app.auth import service as auth
from app.auth.identity import CurrentUser

SESSION_COOKIE = "japra_session"


def bearer_token(connection: ASGIConnection) -> str | None:
    header = connection.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def _resolve(db: sessionmaker[Session], session_token: str | None, api_token: str | None) -> CurrentUser | None:
    with db() as session:
        if api_token:
            user = auth.user_for_token(session, api_token)
            session.commit()  # last_used_at
            return user
        if session_token:
            return auth.user_for_session(session, session_token)
    return None


class IdentityMiddleware(ASGIMiddleware):
    """Puts the signed-in user (or None) in scope["user"]; guards decide what that user may reach."""

    scopes = (ScopeType.HTTP,)
    # Static files need no identity: skip the database lookup for them.
    should_bypass_for_scope = staticmethod(lambda scope: scope["path"].startswith("/static/"))

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        connection: ASGIConnection = ASGIConnection(scope)
        api_token = bearer_token(connection)
        session_token = connection.cookies.get(SESSION_COOKIE)
        user = None
        if api_token or session_token:
            db = scope["litestar_app"].state.db
            user = await anyio.to_thread.run_sync(_resolve, db, session_token, api_token)
        scope["user"] = user
        scope["auth"] = "token" if api_token and user else ("session" if user else None)
        await next_app(scope, receive, send)


class BearerAwareCSRFMiddleware(CSRFMiddleware):
    """CSRF for cookie sessions; a bearer token is never sent by a browser on its own, so it is exempt."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == ScopeType.HTTP and bearer_token(ASGIConnection(scope)):
            await self.app(scope, receive, send)
            return
        await super().__call__(scope, receive, send)

