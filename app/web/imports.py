"""The one import flow: a file uploaded, checked, previewed, then stored whole or discarded.

Every page that takes a file (members, payments, price libraries, parcels, a scenario's RAB, construction costs,
the schedule, block footprints) goes the same way; a context declares its `ImportFlow` and keeps thin handlers:

1. Upload (`ImportFlow.upload`): the file is received size-limited (`app.web.upload_form.receive`) and kept
   under a random token for this user and this scope (`app.uploads`); the browser goes to the preview (JSON for
   the page's progress-bar script, a redirect for a plain form). No file, or one over the limit: the page with
   the upload form says so.
2. Preview (`ImportFlow.preview`): the upload is loaded by its token, only for the user who made it and the
   scope it was made for (anything else is "not found"), and the context's `check` reads and validates it into
   `Checked`: what `store` will take and the problems of its rows. A file refused as a whole (a
   `kernel.errors.UserError` raised by `check`: `TableFileError`, `WorkbookError`, `ParcelFileError`, ...) is
   discarded and the upload form shows why. Otherwise the preview page lists every problem (with its row,
   column, sheet or feature) and the confirm and cancel buttons (`templates/macros/imports.html`).
3. Confirm (`ImportFlow.confirm`): cancel discards the file. Else the file is checked again (the stored data
   may have changed since the preview); with problems, the preview comes back (400) saying that nothing was
   imported; without, `store` runs inside `refusable(db)`, so that a rule's refusal leaves nothing behind and
   the preview comes back with it; the file is discarded and the browser goes on.

A flow without a preview template (costs, the schedule, footprints) does all three at once: upload, check,
store, and the file is discarded whatever happened.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Literal, TypeVar
from urllib.parse import urlencode

from litestar import Request, Response
from litestar.response import Redirect
from sqlalchemy.orm import Session

from app import uploads
from app.i18n import gettext_for, render_message
from app.web.deps import refusable
from app.web.errors import refusal_lines, refusal_text
from app.web.locale import request_locale
from app.web.templating import render
from app.web.upload_form import UploadRefused, go_to_preview, receive
from kernel.errors import UserError
from kernel.messages import N_

Owner = TypeVar("Owner")  # what a file is imported into: a cooperative, a project, a scenario, or nothing at all

NOTHING_IMPORTED = N_("Nothing was imported: fix the rows listed below.")


@dataclass(frozen=True)
class Checked:
    """What `check` found in the file: the `data` that `store` takes, and every problem of its rows (each with a
    `message` and where it is: `row`, `column`, `sheet` or `feature`). Nothing is stored while one is left."""

    data: Any
    problems: Sequence[Any] = ()
    # A refusal of what was chosen with the file (a column mapping), shown above what could still be read.
    refusal: UserError | None = None


@dataclass(frozen=True)
class Step(Generic[Owner]):
    """One request of the flow: who asks, for what, the uploaded file, and what the form or query sent along."""

    request: Request
    db: Session
    owner: Owner
    upload: uploads.Upload
    form: Mapping[str, Any]
    confirming: bool = False

    @property
    def user(self) -> Any:
        return self.request.user

    @property
    def locale(self) -> str:
        return request_locale(self.request)


@dataclass(frozen=True)
class Refused:
    """Why nothing was imported, for the page with the upload form: the upload itself (no file, too large), the
    file as a whole, or (a flow without preview) its rows or the rules' refusal of them."""

    status: int
    lines: list[str]
    kind: Literal["upload", "file", "rows"]

    @property
    def text(self) -> str:
        return " ".join(self.lines)

    def alerts(self, request: Request) -> list[str]:
        """The lines for a page's alerts, the rows' problems after the line saying that nothing was imported."""
        return [nothing_imported(request), *self.lines] if self.kind == "rows" else self.lines


@dataclass(frozen=True)
class Shown:
    """A problem as the preview's table shows it, in the reader's language."""

    message: str
    row: int | None = None
    column: str | None = None
    sheet: str | None = None
    feature: str | None = None


def nothing_imported(request: Request) -> str:
    return gettext_for(request_locale(request))(NOTHING_IMPORTED)


def problem_lines(request: Request, problems: Sequence[Any]) -> list[str]:
    """Row problems as lines: "Row 4, column jumlah: ...", or "Feature 2: ..." unless the message names it."""
    locale = request_locale(request)
    _ = gettext_for(locale)
    lines = []
    for p in problems:
        text = render_message(p.message, locale)
        row, column, feature = (getattr(p, key, None) for key in ("row", "column", "feature"))
        if row is not None:
            text = _("Row {row}, column {column}: {problem}").format(row=row, column=column or "—", problem=text)
        elif feature and "feature" not in p.message.fields:
            text = _("Feature {feature}: {problem}").format(feature=feature, problem=text)
        lines.append(text)
    return lines


def _none(step: Step, checked: Checked) -> dict[str, Any]:
    return {}


@dataclass(frozen=True)
class ImportFlow(Generic[Owner]):
    """One context's import: where its uploads are kept, how its file is checked and stored, its pages."""

    scope: Callable[[Owner], str]  # the uploads' scope: whose and for what ("members:3")
    check: Callable[[Step[Owner]], Checked]  # read and validate; raises a UserError for a file refused whole
    store: Callable[[Step[Owner], Checked], Any]  # store what was checked; its answer goes to `done_url`
    form_page: Callable[[Request, Session, Owner, Refused], Response]  # the page with the upload form, refusing
    done_url: Callable[[Owner, Any], str]
    preview_template: str | None = None  # None: stored at once, without a preview
    preview_url: Callable[[Owner, str], str] | None = None  # (owner, token): the preview, where confirm posts too
    cancel_url: Callable[[Owner], str] | None = None
    preview_context: Callable[[Step[Owner], Checked], dict[str, Any]] = _none
    where: tuple[str, ...] = ("row", "column")  # the problems table's columns: row, column, sheet, feature
    refused: str = NOTHING_IMPORTED  # msgid ({n}: how many problems) of a confirm refused for the rows' problems
    name_the_file: bool = False  # a refusal's lines start with the file's name (its reader's messages do not)
    problems_shown: int = 500

    def _data_dir(self, request: Request):
        return request.app.state.settings.data_dir

    # -- upload

    def upload(self, request: Request, db: Session, owner: Owner, data: Mapping[str, Any], *,
               query: Mapping[str, str] | None = None) -> Response:
        """Receive the file; then the preview (its address, `query` added), or for a flow without one the
        import itself."""
        try:
            saved = receive(request, data, scope=self.scope(owner))
        except UploadRefused as exc:
            return self.form_page(request, db, owner, Refused(exc.status_code, [exc.text], "upload"))
        if self.preview_template is None:
            return self._at_once(Step(request, db, owner, saved, data, confirming=True))
        assert self.preview_url is not None
        target = self.preview_url(owner, saved.token)
        return go_to_preview(request, target + (f"?{urlencode(query)}" if query else ""))

    def _at_once(self, step: Step[Owner]) -> Response:
        try:
            try:
                checked = self.check(step)
            except UserError as exc:
                return self._refused(step, exc.status, self._lines(step, refusal_lines(step.request, exc)), "file")
            if checked.problems:
                return self._refused(step, 400, self._lines(step, problem_lines(step.request, checked.problems)),
                                     "rows")
            try:
                with refusable(step.db):
                    result = self.store(step, checked)
            except UserError as exc:
                return self._refused(step, exc.status, self._lines(step, refusal_lines(step.request, exc)), "rows")
        finally:
            uploads.discard(self._data_dir(step.request), step.upload.token)
        return go_to_preview(step.request, self.done_url(step.owner, result))

    # -- preview and confirm

    def _step(self, request: Request, db: Session, owner: Owner, token: str, form: Mapping[str, Any], *,
              confirming: bool) -> Step[Owner]:
        upload = uploads.load(self._data_dir(request), token, user_id=request.user.id, scope=self.scope(owner))
        return Step(request, db, owner, upload, form, confirming)

    def preview(self, request: Request, db: Session, owner: Owner, token: str) -> Response:
        """The file checked and shown, nothing stored; choices (a layer, a mapping) come in the query."""
        step = self._step(request, db, owner, token, request.query_params, confirming=False)
        try:
            checked = self.check(step)
        except UserError as exc:
            return self._file_refused(step, exc)
        return self._show(step, checked)

    def confirm(self, request: Request, db: Session, owner: Owner, token: str, data: Mapping[str, Any]) -> Response:
        """Cancel discards the file; import checks it again and stores it whole, or shows why not."""
        step = self._step(request, db, owner, token, data, confirming=True)
        data_dir = self._data_dir(request)
        if data.get("action") == "cancel":
            uploads.discard(data_dir, token)
            assert self.cancel_url is not None
            return Redirect(self.cancel_url(owner))
        try:
            checked = self.check(step)
        except UserError as exc:
            return self._file_refused(step, exc)
        if checked.refusal is not None or checked.problems:
            return self._show(step, checked, status=400)
        try:
            with refusable(db):
                result = self.store(step, checked)
        except UserError as exc:
            return self._show(step, checked, status=exc.status, error=refusal_text(request, exc))
        uploads.discard(data_dir, token)
        return Redirect(self.done_url(owner, result))

    def _show(self, step: Step[Owner], checked: Checked, *, status: int = 200, error: str | None = None) -> Response:
        request, locale = step.request, step.locale
        if checked.refusal is not None:
            status, error = max(status, checked.refusal.status), refusal_text(request, checked.refusal)
        elif checked.problems and status >= 400 and error is None:
            error = gettext_for(locale)(self.refused).format(n=len(checked.problems))
        shown = [Shown(render_message(p.message, locale), getattr(p, "row", None), getattr(p, "column", None),
                       getattr(p, "sheet", None), getattr(p, "feature", None))
                 for p in checked.problems[:self.problems_shown]]
        assert self.preview_template is not None and self.preview_url is not None
        return render(request, self.preview_template, status_code=status, upload=step.upload, error=error,
                      problems=shown, problem_count=len(checked.problems),
                      problems_hidden=max(0, len(checked.problems) - len(shown)), where=self.where,
                      action=self.preview_url(step.owner, step.upload.token), **self.preview_context(step, checked))

    # -- refusals

    def _lines(self, step: Step[Owner], lines: list[str]) -> list[str]:
        return [f"{step.upload.filename}: {line}" for line in lines] if self.name_the_file else lines

    def _refused(self, step: Step[Owner], status: int, lines: list[str], kind: Literal["file", "rows"]) -> Response:
        return self.form_page(step.request, step.db, step.owner, Refused(status, lines, kind))

    def _file_refused(self, step: Step[Owner], exc: UserError) -> Response:
        """The file cannot be imported at all: it is discarded, and the upload form says why."""
        uploads.discard(self._data_dir(step.request), step.upload.token)
        return self._refused(step, exc.status, self._lines(step, refusal_lines(step.request, exc)), "file")
