"""Site photos: upload with a report or on their own page, thumbnails, public copies, originals."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from sqlalchemy.orm import Session

from app import uploads
from app.auth.guards import signed_in, writers
from app.construction import photos as site_photos
from app.construction.pages.common import (
    Multipart,
    form_of,
)
from app.errors import Invalid
from app.projects import service as projects
from app.web.deps import refusable
from app.web.errors import refusal_lines
from app.web.forms import read_text
from app.web.locale import request_locale
from app.web.templating import render
from app.web.upload_form import go_to_preview
from kernel.errors import UserError

PHOTO_SLOTS = 3  # file inputs a form shows: three phone photos fit in one request's size limit
_PHOTO_KEY = "photo_"
_PHOTO_CACHE = "private, max-age=86400"  # a photo's files never change; private: only for who may see the project


def photo_store(request: Request) -> site_photos.PhotoStore:
    return site_photos.PhotoStore.from_settings(request.app.state.settings)


def photo_limits(request: Request) -> dict[str, int]:
    settings = request.app.state.settings
    return {"mb": settings.photo_max_bytes // (1024 * 1024), "mp": settings.photo_max_pixels // 1_000_000,
            "total": settings.max_upload_mb}


def text_fields(data: dict[str, Any]) -> dict[str, str]:
    """A multipart form's text fields, as the url-encoded form gave them."""
    fields: dict[str, str] = {}
    for key, value in data.items():
        value = next((v for v in value if isinstance(v, str)), None) if isinstance(value, list) else value
        if isinstance(value, str):
            fields[key] = value
    return fields


def photo_text(fields: dict[str, str], n: int) -> tuple[str, str]:
    """Photo n's caption and block, bounded here; a caption longer than the column or a block the project does not
    have is refused by the photo checks, with the photo's name."""
    return (read_text(fields.get(f"photo_caption_{n}"), f"photo_caption_{n}"),
            read_text(fields.get(f"photo_building_{n}"), f"photo_building_{n}", limit=40))


def photo_uploads(request: Request, data: dict[str, Any]) -> list[site_photos.PhotoUpload]:
    """The photos of `photo_<n>` inputs with their `photo_caption_<n>` and `photo_building_<n>`, in form order.
    An input left empty is skipped; its caption alone is refused, so a photo the user meant is not lost unseen."""
    fields = text_fields(data)
    def slot(key: str, prefix: str) -> int | None:  # photo_<n>: n a small number, in ASCII digits
        n = key.removeprefix(prefix) if key.startswith(prefix) else ""
        return int(n) if n.isascii() and n.isdigit() and len(n) <= 3 else None

    slots = sorted(n for n in (slot(key, _PHOTO_KEY) for key in data) if n is not None)
    captioned = sorted(n for n, value in ((slot(key, "photo_caption_"), value) for key, value in fields.items())
                       if n is not None and value.strip())
    photos = []
    for n in sorted(set(slots) | set(captioned)):
        files = data.get(f"{_PHOTO_KEY}{n}")
        files = [f for f in (files if isinstance(files, list) else [files])
                 if isinstance(f, UploadFile) and f.filename]
        if not files:
            if n in captioned:
                raise Invalid("Photo {n} has a caption but no file: choose the photo, or clear its caption.",
                              field=f"{_PHOTO_KEY}{n}", n=n)
            continue
        caption, building = photo_text(fields, n)
        for file in files:
            # Read whole: the request's size limit bounds it, and the library names the real size when refusing.
            photos.append(site_photos.PhotoUpload(
                filename=uploads.safe_filename(file.filename), content=file.file.read(),
                caption=caption, building_code=building))
    return photos


def photo_errors(request: Request, exc: UserError) -> list[str]:
    return site_photos.explain(exc, request_locale(request)) or refusal_lines(request, exc)


def _photos_page(request: Request, db: Session, slug: str, *, status_code: int = 200,
                 errors: list[str] | None = None, values: dict[str, str] | None = None) -> Response:
    project = projects.get_for(db, request.user, slug, with_parcels=False)
    may_edit = request.user.may_edit_cooperative(project.cooperative_id)
    return render(request, "construction/photos.html", status_code=status_code, project=project,
                  photos=site_photos.photos_of(db, project), may_edit=may_edit,
                  report_dates=site_photos.report_dates(db, project) if may_edit else [],
                  blocks=site_photos.blocks_of(db, project), photo_slots=PHOTO_SLOTS,
                  photo_limits=photo_limits(request), errors=errors or [], values=values or {})


@get("/projects/{slug:str}/construction/photos", guards=[signed_in], sync_to_thread=True)
def photos_page(request: Request, db: Session, slug: str) -> Response:
    return _photos_page(request, db, slug)


@post("/projects/{slug:str}/construction/photos", guards=[writers], sync_to_thread=True)
def upload_photos(request: Request, db: Session, slug: str, data: Multipart) -> Response:
    project = projects.editable_for(db, request.user, slug, with_parcels=False)
    fields = text_fields(data)
    try:
        with refusable(db):
            report_date = form_of(request, fields).optional_date("report_date")
            added = site_photos.add_photos(db, request.user, photo_store(request), project,
                                           photo_uploads(request, data), report_date)
    except UserError as exc:
        return _photos_page(request, db, slug, status_code=exc.status, errors=photo_errors(request, exc),
                            values=fields)
    return go_to_preview(request, f"/projects/{project.slug}/construction/photos?added={len(added)}")


def _photo_file(request: Request, db: Session, slug: str, photo_id: int, kind: str) -> Response:
    if kind == "orig":
        project = projects.editable_for(db, request.user, slug, with_parcels=False)
    else:
        project = projects.get_for(db, request.user, slug, with_parcels=False)
    photo = site_photos.photo_of(db, project, photo_id)
    tag = f'"{photo.sha256[:32]}-{kind}"'
    headers = {"Cache-Control": _PHOTO_CACHE, "ETag": tag, "X-Content-Type-Options": "nosniff"}
    if request.headers.get("if-none-match") == tag:
        return Response(b"", status_code=304, headers=headers)
    if kind == "orig":
        headers["Content-Disposition"] = f'attachment; filename="{site_photos.download_name(project, photo)}"'
    return Response(site_photos.read(photo_store(request), photo, kind),
                    media_type=site_photos.media_type(photo, kind), headers=headers)


@get("/projects/{slug:str}/construction/photos/{photo_id:int}/thumb.jpg",
     guards=[signed_in], sync_to_thread=True)
def photo_thumb(request: Request, db: Session, slug: str, photo_id: int) -> Response:
    return _photo_file(request, db, slug, photo_id, "thumb")


@get("/projects/{slug:str}/construction/photos/{photo_id:int}/public.jpg",
     guards=[signed_in], sync_to_thread=True)
def photo_public(request: Request, db: Session, slug: str, photo_id: int) -> Response:
    return _photo_file(request, db, slug, photo_id, "public")


@get("/projects/{slug:str}/construction/photos/{photo_id:int}/orig",
     guards=[writers], sync_to_thread=True)
def photo_original(request: Request, db: Session, slug: str, photo_id: int) -> Response:
    """The upload as it came, EXIF and all: for the people who may edit the project only."""
    return _photo_file(request, db, slug, photo_id, "orig")


handlers = [photos_page, upload_photos, photo_thumb, photo_public, photo_original]
