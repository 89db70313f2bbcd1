"""The files the app keeps (the database, backups, site photos, uploads waiting for confirmation): private to the
account the app runs as, whatever the umask it was started with, and what a crash left behind is swept away at
start.

Members' data is in the database and its backups, and a photo's original may carry a phone's GPS position and its
owner's name (UU PDP 27/2022): no other account on the machine may read them. So the process creates files 0600
and folders 0700 (`keep_private`, from every entry point), and `secure_existing` closes what an older version or a
looser umask left readable.
"""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Iterable
from pathlib import Path

log = logging.getLogger("japra.storage")

PRIVATE_FILE = 0o600
PRIVATE_FOLDER = 0o700
# A file written by a request still running is never swept: an upload or a photo takes seconds, not an hour.
ORPHAN_AGE_S = 3600


def keep_private() -> None:
    """From here on the process creates files 0600 and folders 0700, including those SQLite, pg_dump and the
    libraries make on their own (the umask is the one setting all of them obey)."""
    os.umask(0o077)


def private_folder(path: Path) -> Path:
    """The folder, made if missing, readable by this account only."""
    path.mkdir(parents=True, exist_ok=True)
    path.chmod(PRIVATE_FOLDER)
    return path


def make_private(path: Path) -> None:
    """A file (or a folder) closed to other accounts, if it is there."""
    try:
        mode = path.stat().st_mode
        wanted = PRIVATE_FOLDER if stat.S_ISDIR(mode) else PRIVATE_FILE
        if stat.S_IMODE(mode) != wanted:
            path.chmod(wanted)
    except FileNotFoundError:
        pass


def sqlite_files(database_url: str) -> list[Path]:
    """A SQLite database's file and the journal files beside it; none for a server database."""
    if not database_url.startswith("sqlite:///") or ":memory:" in database_url:
        return []
    main = Path(database_url.removeprefix("sqlite:///"))
    return [main, main.with_name(main.name + "-wal"), main.with_name(main.name + "-shm")]


def secure_existing(folders: Iterable[Path], files: Iterable[Path]) -> None:
    """Closes the folders (and everything in them) and the files that are there already."""
    for folder in folders:
        if not folder.is_dir():
            continue
        make_private(folder)
        for root, dirs, names in os.walk(folder):
            for name in (*dirs, *names):
                make_private(Path(root) / name)
    for path in files:
        make_private(path)


def tidy(settings, db) -> None:
    """At start: close what is readable to others, and remove what a crash left (staged uploads older than a day,
    photo files no row names). A database not yet migrated, or busy, is left for the next start."""
    import time

    from sqlalchemy.exc import SQLAlchemyError

    from app import uploads
    from app.construction import photos

    secure_existing([settings.data_dir, settings.photo_folder], sqlite_files(settings.database_url))
    try:
        uploads.prune(settings.data_dir)
        with db() as session:
            removed = photos.sweep_orphans(session, photos.PhotoStore.from_settings(settings),
                                           older_than_s=ORPHAN_AGE_S, now=time.time())
    except (OSError, SQLAlchemyError) as exc:
        log.warning("leftover files not swept this time: %s", type(exc).__name__)
        return
    if removed:
        log.info("removed %d photo files that no photo names (left by an interrupted upload)", removed)
