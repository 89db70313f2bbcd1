"""One answer per failure, as a page for people and as JSON under /api."""

from __future__ import annotations

import logging
import secrets
from urllib.parse import quote

from litestar import MediaType, Request, Response
from litestar.exceptions import (
    HTTPException,
    NotAuthorizedException,
    NotFoundException,
    PermissionDeniedException,
    TooManyRequestsException,
    ValidationException,
)
from litestar.response import Redirect
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from app.errors import DomainError, NotFound
from app.i18n import gettext_for
from app.web.locale import request_locale
from app.web.templating import render
from costing.errors import CostingError
from finance.instalment import FinanceError

log = logging.getLogger("japra.web")


def wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api") or "application/json" in request.headers.get("accept", "")


def _json(status: int, detail: str, **extra) -> Response:
    return Response({"status_code": status, "detail": detail, **extra}, status_code=status,
                    media_type=MediaType.JSON)


def _page(request: Request, status: int, **context) -> Response:
    return render(request, "errors/error.html", status_code=status, status=status, **context)


def not_authorized(request: Request, exc: NotAuthorizedException) -> Response:
    if wants_json(request):
        resp = _json(401, "Authentication required: sign in or send 'Authorization: Bearer <token>'.")
        resp.headers["WWW-Authenticate"] = "Bearer"
        return resp
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return Redirect(f"/login?next={quote(target)}")


def permission_denied(request: Request, exc: PermissionDeniedException) -> Response:
    if wants_json(request):
        return _json(403, "Your role does not allow this.")
    return _page(request, 403)


def not_found(request: Request, exc: Exception) -> Response:
    if wants_json(request):
        return _json(404, "Not found.")
    return _page(request, 404)


def domain_error(request: Request, exc: DomainError) -> Response:
    message = gettext_for(request_locale(request))(exc.msgid).format(**exc.fields)
    if isinstance(exc, NotFound) or exc.status_code == 404:
        return not_found(request, exc)
    if wants_json(request):
        extra = [{"key": exc.field, "message": message}] if exc.field else []
        return _json(exc.status_code, message, extra=extra)
    return _page(request, exc.status_code, message=message)


def library_error(request: Request, exc: Exception) -> Response:
    """Bad input refused by a pure library (costing, finance): its message, in the visitor's language."""
    from app.i18n import render_message

    message = getattr(exc, "message", None)
    field = getattr(exc, "field", None)
    if message is not None:
        text = render_message(message, request_locale(request))
    else:  # finance's errors are English for scripts; a page names the value in the visitor's language
        _ = gettext_for(request_locale(request))
        text = _("This value cannot be used: {field}.").format(field=field or "-")
    if wants_json(request):
        return _json(400, text, extra=[{"key": field, "message": text}] if field else [])
    return _page(request, 400, message=text)


def too_many(request: Request, exc: TooManyRequestsException) -> Response:
    if wants_json(request):
        return _json(429, "Too many requests; wait a minute and try again.")
    resp = _page(request, 429)
    if exc.headers:
        resp.headers.update(exc.headers)
    return resp


def http_error(request: Request, exc: HTTPException) -> Response:
    if wants_json(request) or isinstance(exc, ValidationException):
        return _json(exc.status_code, exc.detail, **({"extra": exc.extra} if exc.extra else {}))
    return _page(request, exc.status_code)


def server_error(request: Request, exc: Exception) -> Response:
    # A short reference ties the visitor's report to the log line without showing internals.
    ref = secrets.token_hex(4)
    log.exception("unhandled error ref=%s %s %s", ref, request.method, request.url.path)
    if wants_json(request):
        return _json(500, "Internal error.", reference=ref)
    return _page(request, HTTP_500_INTERNAL_SERVER_ERROR, reference=ref)



HANDLERS = {
    NotAuthorizedException: not_authorized,
    PermissionDeniedException: permission_denied,
    NotFoundException: not_found,
    DomainError: domain_error,
    CostingError: library_error,
    FinanceError: library_error,
    TooManyRequestsException: too_many,
    HTTPException: http_error,
    Exception: server_error,
}
