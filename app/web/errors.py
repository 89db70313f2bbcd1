"""The one error boundary: every failure becomes a page for people, or problem+json (RFC 9457) under /api.

Refusals a user can cause are `kernel.errors.UserError`s, whoever raised them (a pure package, a service, the
form reader); `describe` translates them once. Database failures that concurrent use can cause (a lock that did
not come free, a row another officer stored first) become a 409 with nothing stored; a value the database
cannot hold becomes a 400. Anything else is a bug: logged with a reference, answered 500 without internals.
"""

from __future__ import annotations

import logging
import re
import secrets
from dataclasses import dataclass
from typing import TypedDict
from urllib.parse import quote

from litestar import Request, Response
from litestar.exceptions import (
    HTTPException,
    NotAuthorizedException,
    NotFoundException,
    PermissionDeniedException,
    TooManyRequestsException,
    ValidationException,
)
from litestar.openapi import ResponseSpec
from litestar.response import Redirect
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from app.i18n import gettext_for, render_message
from app.web.locale import request_locale
from app.web.templating import render, request_target
from kernel.errors import UserError
from kernel.messages import N_, Message

log = logging.getLogger("japra.web")
PROBLEM_JSON = "application/problem+json"


def wants_json(request: Request) -> bool:
    return request.scope["path"].startswith("/api") or "application/json" in request.headers.get("accept", "")


@dataclass(frozen=True)
class Problem:
    """One refused input, in the reader's language, with where it is."""

    message: str
    field: str | None = None
    row: int | None = None
    column: str | None = None

    def as_json(self) -> dict:
        return {k: v for k, v in vars(self).items() if v is not None}


def describe(exc: UserError, locale: str) -> list[Problem]:
    """The one translation of a refusal: each message in `locale`, with the field, row and column it names."""
    problems = getattr(exc, "problems", None)  # progress: one field per problem
    if problems and all(hasattr(p, "message") and hasattr(p, "field") for p in problems):
        return [Problem(render_message(p.message, locale), p.field) for p in problems]
    return [Problem(render_message(m, locale), exc.field if i == 0 else None, exc.row, exc.column)
            for i, m in enumerate(exc.messages)]


def refusal_lines(request: Request, exc: UserError) -> list[str]:
    """A refusal as lines for a form's alert, each problem on its own; a file's with its row and column."""
    _ = gettext_for(request_locale(request))
    lines = []
    for p in describe(exc, request_locale(request)):
        if p.row is not None:
            lines.append(_("Row {row}, column {column}: {problem}").format(row=p.row, column=p.column or "—",
                                                                          problem=p.message))
        else:
            lines.append(p.message)
    return lines


def refusal_text(request: Request, exc: UserError) -> str:
    """A refusal in one paragraph, for a form that shows one message."""
    return " ".join(refusal_lines(request, exc))


def problem_response(status: int, detail: str, *, title: str | None = None, errors: list[dict] | None = None,
                     headers: dict[str, str] | None = None, **extra) -> Response:
    body = {"type": "about:blank", "title": title or detail, "status": status, "detail": detail, **extra}
    if errors:
        body["errors"] = errors
    return Response(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


# What problem_response sends, for the OpenAPI document: keys absent rather than null, hence total=False.
class _ProblemItemMessage(TypedDict):
    message: str


class ProblemItem(_ProblemItemMessage, total=False):
    """One refused input: the body field or parameter, or the file's row and column, it was found in."""

    field: str
    row: int
    column: str


class _ProblemBase(TypedDict):
    type: str
    title: str
    status: int
    detail: str


class ProblemDetails(_ProblemBase, total=False):
    """A refusal or failure as RFC 9457 problem details, with every refused input in `errors`; a 500 carries the
    `reference` of its log line."""

    errors: list[ProblemItem]
    reference: str


_PROBLEM_ANSWERS = {
    400: "Refused input: a parameter, or a field of the body (unknown fields too), each named in `errors`. Nothing "
         "was stored.",
    401: "Not signed in, or the bearer token is unknown or revoked (with `WWW-Authenticate: Bearer`).",
    403: "The caller's role may not do this, or a signed-in browser sent no `x-csrftoken` header.",
    404: "Nothing at this address, or nothing the caller may see: which of the two is not said.",
    409: "Conflicts with what is stored, or another save held the record too long. Nothing was stored.",
    413: "The body is larger than any valid one; it was refused unread.",
}


def problem_responses(*statuses: int) -> dict[int, ResponseSpec]:
    """The OpenAPI description of an API operation's refusals: the one problem+json shape for every status."""
    return {s: ResponseSpec(data_container=ProblemDetails, media_type=PROBLEM_JSON, description=_PROBLEM_ANSWERS[s],
                            generate_examples=False)
            for s in statuses}


def _page(request: Request, status: int, **context) -> Response:
    return render(request, "errors/error.html", status_code=status, status=status, **context)


def _answer(request: Request, status: int, problems: list[Problem]) -> Response:
    if status == 404:
        return not_found(request, None)
    text = " ".join(p.message for p in problems)
    if wants_json(request):
        return problem_response(status, text, errors=[p.as_json() for p in problems])
    return _page(request, status, message=text, problems=problems)


def user_error(request: Request, exc: UserError) -> Response:
    return _answer(request, exc.status, describe(exc, request_locale(request)))


def not_authorized(request: Request, exc: NotAuthorizedException) -> Response:
    if wants_json(request):
        return problem_response(401, "Authentication required: sign in or send 'Authorization: Bearer <token>'.",
                                headers={"WWW-Authenticate": "Bearer"})
    target = request_target(request)
    return Redirect(f"/login?next={quote(target)}")


def permission_denied(request: Request, exc: PermissionDeniedException) -> Response:
    if wants_json(request):
        return problem_response(403, "Your role does not allow this.")
    return _page(request, 403)


def not_found(request: Request, exc: Exception | None) -> Response:
    if wants_json(request):
        return problem_response(404, "Not found.")
    return _page(request, 404)


def too_many(request: Request, exc: TooManyRequestsException) -> Response:
    if wants_json(request):
        return problem_response(429, "Too many requests; wait a minute and try again.", headers=exc.headers)
    resp = _page(request, 429)
    if exc.headers:
        resp.headers.update(exc.headers)
    return resp


# The body decoder's refusals (msgspec's English) in the words of the app's own refusals, in the user's language;
# one it does not know here keeps its English rather than lose what it says.
_DECODER_WORDS = (
    (re.compile(r"Expected `str` of length <= (\d+)"), N_("At most {limit} characters."), "limit"),
    (re.compile(r"Expected `int` <= (\d+)"), N_("At most {limit}."), "limit"),
    (re.compile(r"Expected `int` >= (-?\d+)"), N_("At least {limit}."), "limit"),
    (re.compile(r"Object contains unknown field `([^`]*)`"), N_("{name} is not a field of this request."), "name"),
    (re.compile(r"Object missing required field `([^`]*)`"), N_("{name} is required."), "name"),
)


def _decoder_message(message: str, locale: str) -> str:
    for pattern, msgid, name in _DECODER_WORDS:
        found = pattern.search(message)
        if found:
            value = found.group(1)
            field = int(value) if name == "limit" else value  # numbers written as the form's refusals write them
            return render_message(Message("request.shape", msgid, {name: field}), locale)
    return message


def _validation_errors(extra, locale: str) -> list[dict]:
    """Litestar's own refusals of a request's shape ({key, message, source}) as this API's `errors`."""
    if not isinstance(extra, list):
        return []
    # Keys without a value are left out, as Problem.as_json leaves them: the documented shape has no nulls.
    return [{k: v for k, v in (("field", e.get("key")),
                               ("message", _decoder_message(str(e.get("message", "")), locale))) if v is not None}
            for e in extra if isinstance(e, dict)]


def http_error(request: Request, exc: HTTPException) -> Response:
    # The exception's headers go along: a 405's `Allow` (RFC 9110 requires it) and the like.
    if wants_json(request) or isinstance(exc, ValidationException):
        errors = _validation_errors(exc.extra, request_locale(request))
        return problem_response(exc.status_code, exc.detail, errors=errors,
                                headers=exc.headers)
    resp = _page(request, exc.status_code)
    if exc.headers:
        resp.headers.update(exc.headers)
    return resp


def _lock_not_free(exc: OperationalError) -> bool:
    """PostgreSQL's lock_timeout (55P03) or SQLite's busy timeout: another save held the record too long."""
    code = getattr(exc.orig, "sqlstate", None)
    return code == "55P03" or "database is locked" in str(exc.orig) or "database table is locked" in str(exc.orig)


def database_error(request: Request, exc: Exception) -> Response:
    _ = gettext_for(request_locale(request))
    if isinstance(exc, OperationalError) and _lock_not_free(exc):
        log.info("busy: %s %s", request.method, request.scope["path"])
        return _answer(request, 409, [Problem(_("Someone else is saving the same record right now. Nothing was "
                                                "stored: wait a moment and try again."))])
    if isinstance(exc, PoolTimeout):  # every connection busy for the whole wait: the server is overloaded
        log.warning("no database connection came free: %s %s", request.method, request.scope["path"])
        response = _answer(request, 503, [Problem(_("Someone else is saving the same record right now. Nothing "
                                                    "was stored: wait a moment and try again."))])
        response.headers["Retry-After"] = "5"
        return response
    if isinstance(exc, IntegrityError):
        log.info("integrity refused: %s %s", request.method, request.scope["path"])
        return _answer(request, 409, [Problem(_("This was stored already, or conflicts with what is stored. "
                                                "Nothing was stored: reload the page to see the current state."))])
    if isinstance(exc, DataError):
        log.info("value refused by the database: %s %s", request.method, request.scope["path"])
        return _answer(request, 400, [Problem(_("A value is too large or not of the right kind. Nothing was "
                                                "stored."))])
    return server_error(request, exc)


def server_error(request: Request, exc: Exception) -> Response:
    # A short reference ties the visitor's report to the log line without showing internals. The path only:
    # query strings may carry personal data (UU PDP), and so may the exception's text, kept to the traceback.
    ref = secrets.token_hex(4)
    log.exception("unhandled error ref=%s %s %s", ref, request.method, request.scope["path"])
    if wants_json(request):
        return problem_response(500, "Internal error.", reference=ref)
    return _page(request, 500, reference=ref)


HANDLERS = {
    NotAuthorizedException: not_authorized,
    PermissionDeniedException: permission_denied,
    NotFoundException: not_found,
    UserError: user_error,
    OperationalError: database_error,
    IntegrityError: database_error,
    DataError: database_error,
    PoolTimeout: database_error,
    TooManyRequestsException: too_many,
    HTTPException: http_error,
    Exception: server_error,
}
