"""Site photos of a project: checked by decoding (`progress.photos`), kept as files named by their content hash,
shown on the construction pages and placed on the map.

Under the configured photo folder (`JAPRA_PHOTO_DIR`), one folder per project:

- `<sha256>.orig.jpg|png`: the upload as it came. Private: it may carry the phone's GPS position, its owner's name.
- `<sha256>.public.jpg`: upright, sRGB, no metadata at all, at most `PUBLIC_SIDE` pixels: the only copy that may
  ever leave the app (the public map of issue 7 shows these).
- `<sha256>.thumb.jpg`: the same, small.

A submission is checked whole before any file is written, and one bad photo refuses all of them. Files are
written first, each to a temporary name and then renamed (a reader never sees half a file), then the rows are
added in the caller's transaction. Writing is idempotent by hash, so a retry is harmless; and the files that a
transaction wrote are removed when it rolls back, so no photo outlives a refused or failed upload.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from shapely.geometry.base import BaseGeometry
from shapely.ops import unary_union
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session, selectinload

from app import uploads
from app.audit import service as audit
from app.construction import service as construction
from app.construction.models import BuildingFootprint, ProgressReport, SitePhoto, WorkPackage
from app.errors import Invalid, NotFound
from app.i18n import JAKARTA, gettext_for, render_message
from app.projects.models import Project
from kernel.messages import N_, Message
from progress.errors import ProgressError
from progress.photos import prepare_photo

log = logging.getLogger("japra.photos")

MAX_PHOTOS = 10  # in one submission: the request's size limit is the real bound
CAPTION_CHARS = 300  # the column's width
PUBLIC_SIDE = 2048  # a screen's width: enough to see the works, a tenth of a 48-MP original's bytes
KINDS = {"thumb": "thumb.jpg", "public": "public.jpg"}
MEDIA_TYPES = {"JPEG": ("image/jpeg", "jpg"), "PNG": ("image/png", "png")}
REFUSAL = N_("Photo {file}: {problem}")
_WRITTEN = "japra.photo_files_written"


@dataclass(frozen=True)
class PhotoStore:
    """Where the photos live and how large one may be (from the settings)."""

    folder: Path
    max_bytes: int
    max_pixels: int

    @classmethod
    def from_settings(cls, settings: Any) -> PhotoStore:
        return cls(Path(settings.photo_folder), settings.photo_max_bytes, settings.photo_max_pixels)

    def project_folder(self, project_id: int) -> Path:
        return self.folder / str(int(project_id))

    def path(self, photo: SitePhoto, kind: str) -> Path:
        if kind == "orig":
            name = f"{photo.sha256}.orig.{MEDIA_TYPES[photo.format][1]}"
        else:
            name = f"{photo.sha256}.{KINDS[kind]}"
        return self.project_folder(photo.project_id) / name


@dataclass(frozen=True)
class PhotoUpload:
    """One photo as a form sent it: the file's name is only for messages, never for storage."""

    filename: str
    content: bytes
    caption: str = ""
    building_code: str = ""


@dataclass(frozen=True)
class _Checked:
    upload: PhotoUpload
    sha256: str
    format: str
    width: int
    height: int
    taken_at: Any
    lat: float | None
    lon: float | None
    public: bytes
    thumb: bytes


class PhotosRefused(Invalid):
    """Every photo of a submission that was refused, each with the file's name and what is wrong with it."""

    def __init__(self, refusals: Sequence[tuple[str, Message]]) -> None:
        name, message = refusals[0]
        super().__init__(REFUSAL, field="photo", file=name, problem=message.render())
        self.refusals = tuple(refusals)


def explain(error: Exception, locale: str) -> list[str] | None:
    """The lines a form shows for refused photos, in the visitor's language; None for any other error."""
    if not isinstance(error, PhotosRefused):
        return None
    _ = gettext_for(locale)
    return [_(REFUSAL).format(file=name, problem=render_message(message, locale)) for name, message in error.refusals]


# --- checking -------------------------------------------------------------------------------------


def blocks_of(session: Session, project: Project) -> list[str]:
    """The blocks a photo may be of: those with work packages or a footprint."""
    packages = select(WorkPackage.building_code).where(WorkPackage.project_id == project.id)
    footprints = select(BuildingFootprint.building_code).where(BuildingFootprint.project_id == project.id)
    return sorted(set(session.scalars(packages)) | set(session.scalars(footprints)))


def _check_one(upload: PhotoUpload, store: PhotoStore, blocks: set[str]) -> _Checked | Message:
    caption = upload.caption.strip()
    if len(caption) > CAPTION_CHARS:
        return Message("photo.caption_too_long", N_("The caption is longer than {n} characters."),
                       {"n": CAPTION_CHARS})
    building = upload.building_code.strip()
    if building and building not in blocks:
        return Message("photo.no_such_block", N_("There is no block {building} in this project."),
                       {"building": building})
    try:
        # One decoding for the check, the public copy and the thumbnail: the work is bounded by the pixel limit.
        prepared = prepare_photo(upload.content, public_side=PUBLIC_SIDE, max_bytes=store.max_bytes,
                                 max_pixels=store.max_pixels)
    except ProgressError as error:
        return error.message
    info = prepared.info
    return _Checked(upload, hashlib.sha256(upload.content).hexdigest(), info.format, info.width, info.height,
                    info.taken_at, info.lat, info.lon, prepared.public, prepared.thumbnail)


def check(session: Session, store: PhotoStore, project: Project, photos: Sequence[PhotoUpload]) -> list[_Checked]:
    """Every photo checked, nothing written. Raises PhotosRefused naming each refused file."""
    if not photos:
        raise Invalid("Choose at least one photo to upload.", field="photo")
    if len(photos) > MAX_PHOTOS:
        raise Invalid("At most {n} photos at a time.", field="photo", n=MAX_PHOTOS)
    blocks = set(blocks_of(session, project))
    refusals: list[tuple[int, str, Message]] = []
    checked: list[_Checked] = []
    first_of: dict[str, tuple[int, str]] = {}  # sha256: the photo's place in the form and its file's name
    for i, upload in enumerate(photos):
        result = _check_one(upload, store, blocks)
        if isinstance(result, Message):
            refusals.append((i, upload.filename, result))
        elif result.sha256 in first_of:
            refusals.append((i, upload.filename, Message("photo.twice", N_("It is the same picture as {other}."),
                                                         {"other": first_of[result.sha256][1]})))
        else:
            first_of[result.sha256] = (i, upload.filename)
            checked.append(result)
    if first_of:
        stored = session.execute(select(SitePhoto.sha256, SitePhoto.created_at)
                                 .where(SitePhoto.project_id == project.id, SitePhoto.sha256.in_(first_of)))
        for sha, created in stored:
            refusals.append((*first_of[sha], Message(
                "photo.already_stored", N_("It is already in this project, uploaded on {date}."),
                {"date": created.astimezone(JAKARTA).date().isoformat()})))
    if refusals:
        raise PhotosRefused([(name, message) for _, name, message in sorted(refusals, key=lambda r: r[0])])
    return checked


# --- files ----------------------------------------------------------------------------------------


def _write_once(path: Path, content: bytes) -> bool:
    """The file written atomically unless it is there already (same name, same content). True if written."""
    if path.exists():
        return False
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".incoming-")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(content)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return True


@event.listens_for(Session, "after_commit")
def _keep_written(session: Session) -> None:
    session.info.pop(_WRITTEN, None)


@event.listens_for(Session, "after_transaction_end")
def _discard_written(session: Session, transaction: Any) -> None:
    # Still listed when the outermost transaction ends: it did not commit, so no row names these files.
    if transaction.parent is None:
        for path in session.info.pop(_WRITTEN, ()):
            path.unlink(missing_ok=True)


def _write(session: Session, store: PhotoStore, project: Project, photo: _Checked) -> None:
    folder = store.project_folder(project.id)
    extension = MEDIA_TYPES[photo.format][1]
    files = ((f"{photo.sha256}.orig.{extension}", photo.upload.content),
             (f"{photo.sha256}.public.jpg", photo.public), (f"{photo.sha256}.thumb.jpg", photo.thumb))
    for name, content in files:
        path = folder / name
        if _write_once(path, content):
            session.info.setdefault(_WRITTEN, []).append(path)


# --- storing --------------------------------------------------------------------------------------


def _report_on(session: Session, project: Project, day: date | None) -> ProgressReport | None:
    if day is None:
        return None
    report = session.scalar(select(ProgressReport).where(ProgressReport.project_id == project.id,
                                                         ProgressReport.report_date == day))
    if report is None:
        raise Invalid("There is no progress report of {date}.", field="report_date", date=day.isoformat())
    return report


def store_checked(session: Session, actor: Any, store: PhotoStore, project: Project, checked: Iterable[_Checked],
                  report: ProgressReport | None = None) -> list[SitePhoto]:
    rows = []
    for photo in checked:
        _write(session, store, project, photo)
        row = SitePhoto(project_id=project.id, report_id=report.id if report else None,
                        building_code=photo.upload.building_code.strip() or None, sha256=photo.sha256,
                        format=photo.format, width=photo.width, height=photo.height,
                        size_bytes=len(photo.upload.content), taken_at=photo.taken_at, lat=photo.lat,
                        lon=photo.lon, caption=photo.upload.caption.strip() or None)
        session.add(row)
        rows.append(row)
    session.flush()
    audit.record(session, actor=actor, action="progress.photos", entity_type="project", entity_id=project.id,
                 cooperative_id=project.cooperative_id,
                 changes={"photos": [r.sha256[:12] for r in rows],
                          "report_date": report.report_date.isoformat() if report else None})
    return rows


def add_photos(session: Session, actor: Any, store: PhotoStore, project: Project, photos: Sequence[PhotoUpload],
               report_date: date | None = None) -> list[SitePhoto]:
    """Photos of the site, attached to the report of `report_date` when one is given. All or nothing."""
    report = _report_on(session, project, report_date)
    return store_checked(session, actor, store, project, check(session, store, project, photos), report)


def add_report_with_photos(session: Session, actor: Any, store: PhotoStore, project: Project,
                           site: construction.ReportIn, photos: Sequence[PhotoUpload], today: date) -> ProgressReport:
    """A progress report and its photos: a bad photo refuses the report too (the caller rolls back)."""
    report = construction.add_report(session, actor, project, site, today)
    if photos:
        store_checked(session, actor, store, project, check(session, store, project, photos), report)
    return report


# --- reading --------------------------------------------------------------------------------------


def photos_of(session: Session, project: Project, limit: int | None = None) -> list[SitePhoto]:
    """Newest first: by when they were taken, else when they came."""
    stmt = (select(SitePhoto).where(SitePhoto.project_id == project.id)
            .options(selectinload(SitePhoto.report))
            .order_by(func.coalesce(SitePhoto.taken_at, SitePhoto.created_at).desc(), SitePhoto.id.desc()))
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(session.scalars(stmt))


def report_dates(session: Session, project: Project) -> list[date]:
    """The project's report dates, newest first: a photo may be attached to one of them."""
    return list(session.scalars(select(ProgressReport.report_date).where(ProgressReport.project_id == project.id)
                                .order_by(ProgressReport.report_date.desc())))


def photo_of(session: Session, project: Project, photo_id: int) -> SitePhoto:
    photo = session.scalar(select(SitePhoto).where(SitePhoto.project_id == project.id, SitePhoto.id == photo_id))
    if photo is None:
        raise NotFound("No photo found at this address.")
    return photo


def read(store: PhotoStore, photo: SitePhoto, kind: str) -> bytes:
    try:
        return store.path(photo, kind).read_bytes()
    except FileNotFoundError:
        # The row and its files are written together; a missing file means the folder was moved or restored
        # without its photos. Logged with the id only: the path stays on the server.
        log.error("site photo %s: its %s file is missing from the photo folder", photo.id, kind)
        raise NotFound("No photo found at this address.") from None


def media_type(photo: SitePhoto, kind: str) -> str:
    return MEDIA_TYPES[photo.format][0] if kind == "orig" else "image/jpeg"


def download_name(project: Project, photo: SitePhoto) -> str:
    return uploads.safe_filename(f"{project.slug}-photo-{photo.id}.{MEDIA_TYPES[photo.format][1]}")


# --- the map --------------------------------------------------------------------------------------


def _point(geom: BaseGeometry | None) -> tuple[float, float] | None:
    if geom is None or geom.is_empty:
        return None
    # The representative point for an odd shape (an L-shaped block's centroid may fall outside it).
    centre = geom.centroid if geom.contains(geom.centroid) else geom.representative_point()
    return round(centre.x, 7), round(centre.y, 7)


def photo_url(project: Project, photo: SitePhoto, kind: str) -> str:
    return f"/projects/{project.slug}/construction/photos/{photo.id}/{KINDS[kind]}"


def photo_features(session: Session, project: Project) -> list[dict[str, Any]]:
    """Each photo as a GeoJSON Feature (EPSG:4326): where its EXIF says it was taken; else at its block's
    footprint; else at the site. `located` says which (None: nowhere to put it, geometry null)."""
    footprints = {f.building_code: f.geom for f in session.scalars(
        select(BuildingFootprint).where(BuildingFootprint.project_id == project.id))}
    site = project.site
    parcels = [p.geom for p in site.parcels] if site is not None else []
    site_point = _point(unary_union(parcels)) if parcels else None
    features = []
    for photo in photos_of(session, project):
        if photo.lat is not None and photo.lon is not None:
            point, located = (photo.lon, photo.lat), "gps"
        elif photo.building_code in footprints and _point(footprints[photo.building_code]):
            point, located = _point(footprints[photo.building_code]), "building"
        elif site_point is not None:
            point, located = site_point, "site"
        else:
            point, located = None, None
        taken = photo.taken_at.astimezone(JAKARTA) if photo.taken_at else None
        features.append({
            "type": "Feature",
            "id": photo.id,
            "geometry": {"type": "Point", "coordinates": list(point)} if point else None,
            "properties": {
                "id": photo.id,
                "thumb_url": photo_url(project, photo, "thumb"),
                "photo_url": photo_url(project, photo, "public"),
                "taken_at": taken.isoformat() if taken else None,
                "taken_on": taken.date().isoformat() if taken else None,
                "caption": photo.caption,
                "building": photo.building_code,
                "report_date": photo.report.report_date.isoformat() if photo.report else None,
                "located": located,
            },
        })
    return features


# --- after a crash --------------------------------------------------------------------------------


def sweep_orphans(session: Session, store: PhotoStore, *, older_than_s: int, now: float) -> int:
    """Removes what a crashed upload left: temporary files, and photo files no row names (an original would keep its
    EXIF, GPS position included, with nothing in the app to show or delete it). Files younger than `older_than_s`
    may belong to an upload still running and stay. Returns how many files went."""
    if not store.folder.is_dir():
        return 0
    named = {(project_id, sha) for project_id, sha in session.execute(select(SitePhoto.project_id, SitePhoto.sha256))}
    removed = 0
    for folder in store.folder.iterdir():
        if not (folder.is_dir() and folder.name.isdigit()):
            continue
        for path in folder.iterdir():
            sha = path.name.split(".", 1)[0]
            orphan = path.name.startswith(".incoming-") or (int(folder.name), sha) not in named
            try:
                if orphan and path.is_file() and now - path.stat().st_mtime > older_than_s:
                    path.unlink()
                    removed += 1
            except OSError:  # gone already, or not ours to remove: the next start tries again
                continue
    return removed
