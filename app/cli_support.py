"""What every `japra` command shares: the database unit of work, the error boundary, the parameter types.

Each context registers its commands in `app/<context>/cli.py`; `app/cli.py` is the root group that adds them.
A command gets its database session from the click context (`Japra.session()`), so tests run the command line
in-process on their own transaction; by default it is `app.db.engine.session_scope` on the configured database.

Every refusal a user can cause is a `kernel.errors.UserError`: a command raises it (or lets a service's or a
pure package's through) and `report` answers it once, translated, on stderr with exit code 2. An output file
that cannot be written says which path (`write_output`). Bad dates, amounts and rates are refused while the
options are read, by the parameter types below, in click's usual words.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from app.config import SettingsError
from app.i18n import gettext_for, render_message
from kernel.errors import UserError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from app.config import Settings

EXIT_REFUSED = 2  # bad input, as click's own usage errors: nothing was stored


def locale() -> str:
    """The language of messages, from JAPRA_LOCALE (Bahasa Indonesia by default), read at each run."""
    return os.environ.get("JAPRA_LOCALE", "id")


def _t(msgid: str, **fields: object) -> str:
    """A message of the command line in the user's language (`_t` is an extraction keyword)."""
    return gettext_for(locale())(msgid).format(**fields)


# --- the context every command shares ------------------------------------------------------------------------

@dataclass
class Japra:
    """The click context object (`ctx.obj`): where commands get their database and settings.

    `config`: the settings (None: `app.config.get_settings()`, from the environment); its database is the one
    `db`, `backup`, `restore` and `serve` work on. `unit_of_work` opens one session that commits when the
    command's block ends and rolls back on any error; None means `app.db.engine.session_scope` on that database.
    Tests give a factory of sessions joined to their own rolled-back transaction (`Japra.on(session_factory)`).
    """

    unit_of_work: Callable[[], AbstractContextManager[Session]] | None = None
    config: Settings | None = None
    clock: Any = None  # app.clock's SystemClock (None) or a FixedClock: what "today" is

    @classmethod
    def on(cls, sessions: sessionmaker[Session], config: Settings | None = None, clock: Any = None) -> Japra:
        from app.db.engine import unit_of_work as work  # late: commands that need no database do not load the models

        return cls(unit_of_work=lambda: work(sessions), config=config, clock=clock)

    def today(self) -> date:
        """The cooperative's calendar day: Jakarta's, as on the web."""
        if self.clock is None:
            from app.clock import jakarta_today

            return jakarta_today()
        return self.clock.today()

    def session(self) -> AbstractContextManager[Session]:
        if self.unit_of_work is not None:
            return self.unit_of_work()
        from app.db.engine import get_engine, session_scope

        return session_scope(None if self.config is None else get_engine(self.config.database_url))

    def settings(self) -> Settings:
        if self.config is None:
            from app.config import get_settings

            return get_settings()
        return self.config

    def database_url(self) -> str:
        return self.settings().database_url


pass_japra = click.make_pass_decorator(Japra, ensure=True)

_LEAF = "japra.command"  # ctx.meta key: the command running now, for the boundary to name its options


class Command(click.Command):
    """A `japra` command: lets the error boundary know which command (and so which options) is running."""

    def invoke(self, ctx: click.Context) -> Any:
        ctx.meta[_LEAF] = ctx.command
        return super().invoke(ctx)


class Group(click.Group):
    command_class = Command
    group_class = type  # subgroups are `Group`s too

    def invoke(self, ctx: click.Context) -> Any:
        ctx.meta.setdefault(_LEAF, ctx.command)
        return super().invoke(ctx)


def command(*args: Any, **kwargs: Any) -> Callable[[Callable[..., Any]], Command]:
    return click.command(*args, cls=Command, **kwargs)


def group(*args: Any, **kwargs: Any) -> Callable[[Callable[..., Any]], Group]:
    return click.group(*args, cls=Group, **kwargs)


# --- the error boundary --------------------------------------------------------------------------------------

def _option_named(running: click.Command | None, field: str | None) -> str | None:
    """`--annual-rate` for the field `annual_rate`, when the running command has that parameter."""
    if running is None or not field:
        return None
    for param in running.params:
        if param.name == field and isinstance(param, click.Option):
            return max(param.opts, key=len)
    return None


def describe(exc: UserError, running: click.Command | None = None) -> list[str]:
    """The refusal's messages in the user's language, each with the row, column or option it concerns."""
    lang = locale()
    option = _option_named(running, exc.field)
    lines = []
    for i, message in enumerate(exc.messages):
        text = render_message(message, lang)
        # Messages about a file's rows name the row themselves; others get it in front.
        if exc.row is not None and "row" not in message.fields:
            text = (_t("Row {row}, column {column}: {problem}", row=exc.row, column=exc.column, problem=text)
                    if exc.column else _t("Row {row}: {problem}", row=exc.row, problem=text))
        if option and i == 0:
            text = f"{option}: {text}"
        lines.append(text)
    # finance's errors add what exactly is wrong, in English, "for scripts and logs": the command line is both.
    detail = getattr(exc, "detail", None)
    if isinstance(detail, str) and detail and lines:
        lines[0] = f"{lines[0]} ({detail})"
    return lines


def report(ctx: click.Context, exc: BaseException) -> NoReturn:
    """The one answer to a refusal: its messages on stderr and exit code 2; never a traceback."""
    if isinstance(exc, UserError):
        lines = describe(exc, ctx.meta.get(_LEAF))
    elif isinstance(exc, SettingsError):
        lines = [str(exc)]
    else:  # OSError
        reason = exc.strerror or str(exc)
        lines = [f"{exc.filename}: {reason}" if exc.filename else reason]
    for line in lines:
        click.echo(line, err=True)
    ctx.exit(EXIT_REFUSED)


def is_broken_pipe(exc: OSError) -> bool:
    """`japra cost --json | head`: click itself ends quietly when the reader goes away."""
    return exc.errno == errno.EPIPE


class OutputRefused(UserError):
    """An output file that cannot be written: which path, and why (the system's words)."""

    def __init__(self, path: str | os.PathLike, exc: OSError) -> None:
        from kernel.messages import N_, Message

        super().__init__(Message("output.unwritable", N_("{file} cannot be written: {reason}."),
                                 {"file": str(path), "reason": exc.strerror or str(exc)}))


def write_output(path: str | os.PathLike, data: bytes) -> None:
    """Writes a finished document (a refused one never reaches here, so it leaves no file behind)."""
    try:
        Path(path).write_bytes(data)
    except OSError as exc:
        raise OutputRefused(path, exc) from None


def make_folder(path: str | os.PathLike) -> Path:
    folder = Path(path)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputRefused(path, exc) from None
    return folder


def writable_target(path: str | os.PathLike) -> None:
    """Refuses at once an output path whose folder is missing or read-only, before the work that fills it."""
    folder = Path(path).parent
    if not folder.is_dir():
        raise OutputRefused(path, FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), str(folder)))
    if not os.access(folder, os.W_OK):
        raise OutputRefused(path, PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(folder)))


# --- records named on the command line ------------------------------------------------------------------------

def project_by_slug(session: Session, slug: str):
    from sqlalchemy import select

    from app.errors import NotFound
    from app.projects.models import Project

    project = session.scalar(select(Project).where(Project.slug == slug))
    if project is None:
        raise NotFound("No project with the slug {slug}.", slug=slug)
    return project


def cooperative_by_slug(session: Session, slug: str):
    from sqlalchemy import select

    from app.cooperatives.models import Cooperative
    from app.errors import NotFound

    coop = session.scalar(select(Cooperative).where(Cooperative.slug == slug))
    if coop is None:
        raise NotFound("No cooperative with the slug {slug}.", slug=slug)
    return coop


def echo_json(data: Any) -> None:
    import json

    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


# --- parameter types -----------------------------------------------------------------------------------------

class DateType(click.ParamType):
    """A date written YYYY-MM-DD, in a sane range of years (a loan, a report or a statement of 1900..2200)."""

    name = "date"

    def __init__(self, low: int = 1900, high: int = 2200) -> None:
        self.low, self.high = low, high

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> date:
        if isinstance(value, date):
            day = value
        else:
            text = str(value).strip()
            try:
                if len(text) != 10:
                    raise ValueError(text)
                day = date.fromisoformat(text)
            except ValueError:
                self.fail(_t("Write the date as YYYY-MM-DD, e.g. 2026-11-01."), param, ctx)
        if not self.low <= day.year <= self.high:
            self.fail(_t("{value} is outside {low} to {high}.", value=day.isoformat(), low=self.low, high=self.high),
                      param, ctx)
        return day


class RupiahType(click.ParamType):
    """Whole rupiah, as forms take them: 100000000, 100.000.000 or Rp100.000.000; never 100000000.00."""

    name = "rupiah"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        from app.i18n import whole_rupiah

        try:
            return whole_rupiah(str(value))
        except ValueError:
            self.fail(_t("Write whole rupiah, e.g. 100000000 or 100.000.000; not {value}.", value=value), param, ctx)


class RateType(click.ParamType):
    """A yearly rate as a fraction (0.05) or in percent (5%), a decimal comma allowed; returned as a fraction,
    from 0 to `high` (50% a year by default: more is surely 5 typed for 5%)."""

    name = "rate"

    def __init__(self, high: Decimal = Decimal("0.5")) -> None:
        self.high = high

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Decimal:
        if isinstance(value, Decimal):
            return value
        raw = str(value).strip().replace(" ", "")
        percent = raw.endswith("%")
        number = raw[:-1] if percent else raw
        if "," in number and "." not in number:
            number = number.replace(",", ".")
        try:
            rate = Decimal(number)
        except InvalidOperation:
            rate = None
        if rate is None or not rate.is_finite():
            self.fail(_t("Write the rate as a fraction (0.05) or in percent (5%), not {value}.", value=value),
                      param, ctx)
        if percent:
            rate = rate / 100
        if not 0 <= rate <= self.high:
            self.fail(_t("The rate must be from 0 to {max} a year, not {value}; for five percent write 0.05 or 5%.",
                         max=self.high, value=value), param, ctx)
        return rate


DATE = DateType()
RUPIAH = RupiahType()
RATE = RateType()
