"""The files the app keeps are its own account's alone, whatever the umask, and a crash leaves nothing behind for
long: a photo's original (GPS, the phone's owner) that no row names is swept at the next start."""

from __future__ import annotations

import dataclasses
import os
import sqlite3
import stat
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from app import storage
from app.construction import photos as site_photos
from app.projects.models import Project
from tests.app.construction.test_construction_photos import camera_jpeg

HOUR = 3600


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture()
def loose_umask():
    """The umask many systems start services with: new files 0644, folders 0755."""
    before = os.umask(0o022)
    yield
    os.umask(before)


@pytest.mark.db
def test_a_new_database_and_its_backup_are_readable_by_the_app_only(loose_umask, tmp_path, scratch_cli):
    done = scratch_cli("db", "upgrade")
    assert done.exit_code == 0, done.output
    for path in storage.sqlite_files(scratch_cli.url)[:1]:  # a PostgreSQL database has no file of ours
        assert mode(path) == 0o600
    backup = tmp_path / "cadangan" / "japra.backup"
    done = scratch_cli("backup", str(backup))
    assert done.exit_code == 0, done.output
    assert mode(backup) == 0o600


def test_what_an_older_version_left_readable_is_closed_at_start(loose_umask, settings, session_factory, tmp_path):
    data = tmp_path / "data"
    photos = data / "photos" / "7"
    photos.mkdir(parents=True)
    database = data / "japra.sqlite3"
    sqlite3.connect(database).close()
    original = photos / ("a" * 64 + ".orig.jpg")
    original.write_bytes(b"jpeg")
    os.utime(original, (time.time() - 2 * HOUR, time.time() - 2 * HOUR))
    assert (mode(database), mode(original), mode(photos)) == (0o644, 0o644, 0o755)
    local = dataclasses.replace(settings, data_dir=data, photo_dir=None, database_url=f"sqlite:///{database}")
    storage.tidy(local, session_factory)
    assert (mode(database), mode(photos), mode(data), mode(data / "photos")) == (0o600, 0o700, 0o700, 0o700)
    assert not original.exists()  # and swept: two hours old, and no photo row names it


@pytest.mark.db
def test_a_crashed_uploads_files_are_swept_at_start_and_a_running_ones_kept(db, settings, session_factory, tmp_path):
    local = dataclasses.replace(settings, data_dir=tmp_path / "data", photo_dir=tmp_path / "photos")
    store = site_photos.PhotoStore.from_settings(local)
    project = db.scalar(select(Project).where(Project.slug == "marlina"))
    [kept] = site_photos.add_photos(db, "test", store, project, [
        site_photos.PhotoUpload("blok-a.jpg", camera_jpeg(seed=3), "Pengecoran", "A")])
    db.flush()
    folder = store.project_folder(project.id)
    ours = sorted(p.name for p in folder.iterdir())
    crashed = [folder / ".incoming-k2j3h", folder / ("b" * 64 + ".orig.jpg"), folder / ("b" * 64 + ".thumb.jpg")]
    running = folder / ("c" * 64 + ".orig.jpg")
    for path in (*crashed, running):
        path.write_bytes(b"half a photo")
    an_hour_ago = time.time() - HOUR - 60
    for path in (*crashed, *(folder / name for name in ours)):
        os.utime(path, (an_hour_ago, an_hour_ago))
    storage.tidy(local, session_factory)
    left = sorted(p.name for p in folder.iterdir())
    assert left == sorted([*ours, running.name])  # the stored photo's three files, and the upload still running
    assert all(mode(folder / name) == 0o600 for name in left)
    assert kept.sha256 in " ".join(ours)
