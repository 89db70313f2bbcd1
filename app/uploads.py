"""Uploaded files waiting for the uploader's confirmation (parcel files, price lists, RABs).

An upload is kept as a file under the data folder, named by a random token, together with who
uploaded it and for what (its scope: a project's parcels, a scenario's RAB, the price libraries).
Preview and confirm read it again; confirming or a day passing removes it. Nothing about a
pending upload is in the database, so an abandoned preview leaves no trace there.
"""

from __future__ import annotations

import json
import re
import secrets
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from app.errors import NotFound

MAX_AGE_S = 24 * 3600
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
# Kept only for display and format detection: path parts and odd characters are dropped.
SAFE_NAME_RE = re.compile(r"[^A-Za-z0-9._ -]+")


@dataclass(frozen=True)
class Upload:
    token: str
    path: Path
    filename: str
    user_id: int
    scope: str


def _root(data_dir: Path) -> Path:
    root = data_dir / "uploads"
    root.mkdir(parents=True, exist_ok=True)
    return root


def safe_filename(name: str | None) -> str:
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = SAFE_NAME_RE.sub("_", base).strip(" .")
    return base[:120] or "upload"


def save(data_dir: Path, *, content: bytes, filename: str | None, user_id: int, scope: str) -> Upload:
    prune(data_dir)
    token = secrets.token_urlsafe(24)
    folder = _root(data_dir) / token
    folder.mkdir(mode=0o700)
    name = safe_filename(filename)
    path = folder / "file"
    path.write_bytes(content)
    (folder / "meta.json").write_text(json.dumps({"filename": name, "user_id": user_id, "scope": scope}))
    return Upload(token, path, name, user_id, scope)


def load(data_dir: Path, token: str, *, user_id: int, scope: str) -> Upload:
    """The upload, only for the user who made it and the project it was made for."""
    if not TOKEN_RE.match(token or ""):
        raise NotFound("This upload has expired or does not exist. Upload the file again.")
    folder = _root(data_dir) / token
    try:
        meta = json.loads((folder / "meta.json").read_text())
    except (OSError, ValueError):
        raise NotFound("This upload has expired or does not exist. Upload the file again.") from None
    if meta.get("user_id") != user_id or meta.get("scope") != scope:
        raise NotFound("This upload has expired or does not exist. Upload the file again.")
    return Upload(token, folder / "file", meta["filename"], user_id, scope)


def discard(data_dir: Path, token: str) -> None:
    if TOKEN_RE.match(token or ""):
        shutil.rmtree(_root(data_dir) / token, ignore_errors=True)


def prune(data_dir: Path, max_age_s: int = MAX_AGE_S) -> None:
    cutoff = time.time() - max_age_s
    for folder in _root(data_dir).iterdir():
        try:
            if folder.stat().st_mtime < cutoff:
                shutil.rmtree(folder, ignore_errors=True)
        except OSError:
            continue
