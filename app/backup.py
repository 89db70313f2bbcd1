"""Consistent copies of the database while the app serves.

SQLite: the online backup API (a page-by-page copy that sees one consistent snapshot).
PostgreSQL: pg_dump's custom format (one transaction snapshot) and pg_restore.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy.engine import make_url

from app.config import get_settings
from app.errors import DomainError

SQLITE_MAGIC = b"SQLite format 3\x00"
PGDUMP_MAGIC = b"PGDMP"


class BackupError(DomainError):
    """A backup or a restore that cannot be done (a refusal like any other: `japra` answers it with exit code 2)."""


def _sqlite_path(url: str) -> Path:
    path = make_url(url).database
    if not path or path == ":memory:":
        raise BackupError("Only a file database can be backed up.")
    return Path(path)


def _libpq_uri(url: str) -> str:
    # pg_dump speaks libpq, not SQLAlchemy: drop the "+psycopg" driver from the scheme.
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise BackupError("{tool} is not installed; install the PostgreSQL client tools.", tool=name)
    return found


def backup_to(file: str | Path, url: str | None = None) -> Path:
    url = url or get_settings().database_url
    target = Path(file)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".partial")
    tmp.unlink(missing_ok=True)
    if url.startswith("sqlite"):
        source = sqlite3.connect(_sqlite_path(url))
        dest = sqlite3.connect(tmp)
        try:
            source.backup(dest)
        finally:
            dest.close()
            source.close()
    elif url.startswith("postgresql"):
        run = subprocess.run(
            [_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", f"--file={tmp}",
             _libpq_uri(url)],
            capture_output=True, text=True, check=False,
        )
        if run.returncode != 0:
            tmp.unlink(missing_ok=True)
            raise BackupError("pg_dump failed: {error}", error=run.stderr.strip())
    else:
        raise BackupError("Backups are supported for SQLite and PostgreSQL only.")
    # Rename last, so a half-written file never carries the name the user asked for.
    tmp.replace(target)
    return target


def restore_from(file: str | Path, url: str | None = None) -> None:
    url = url or get_settings().database_url
    source = Path(file)
    head = source.read_bytes()[:16]
    if url.startswith("sqlite"):
        if head != SQLITE_MAGIC:
            raise BackupError("{file} is not a SQLite backup.", file=str(source))
        src = sqlite3.connect(source)
        try:
            tables = {r[0] for r in src.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            if "alembic_version" not in tables:
                raise BackupError("{file} is not a Japra database backup.", file=str(source))
            dest = sqlite3.connect(_sqlite_path(url))
            try:
                src.backup(dest)
            finally:
                dest.close()
        finally:
            src.close()
    elif url.startswith("postgresql"):
        if not head.startswith(PGDUMP_MAGIC):
            raise BackupError("{file} is not a pg_dump backup.", file=str(source))
        run = subprocess.run(
            [_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--no-privileges",
             "--single-transaction", f"--dbname={_libpq_uri(url)}", str(source)],
            capture_output=True, text=True, check=False,
        )
        if run.returncode != 0:
            raise BackupError("pg_restore failed: {error}", error=run.stderr.strip())
    else:
        raise BackupError("Backups are supported for SQLite and PostgreSQL only.")
