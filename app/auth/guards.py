"""Route guards: the server decides who reaches what, whatever the page shows or hides."""

from __future__ import annotations

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers import BaseRouteHandler

from app.auth.identity import CurrentUser
from app.auth.models import Role


def current_user(connection: ASGIConnection) -> CurrentUser | None:
    return connection.scope.get("user")


def signed_in(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    if current_user(connection) is None:
        raise NotAuthorizedException()


def _role_guard(*roles: Role):
    def guard(connection: ASGIConnection, handler: BaseRouteHandler) -> None:
        signed_in(connection, handler)
        if current_user(connection).role not in roles:
            raise PermissionDeniedException()

    guard.__name__ = "requires_" + "_or_".join(r.value for r in roles)
    return guard


admin_only = _role_guard(Role.ADMIN)
planners = _role_guard(Role.ADMIN, Role.PLANNER)
# Writers: officers too, limited to their own cooperative by the service that does the write.
writers = _role_guard(Role.ADMIN, Role.PLANNER, Role.COOP_OFFICER)
