"""The one way a page receives a file: checked, size-limited, kept for its preview, then on to it."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response
from litestar.datastructures import UploadFile
from litestar.response import Redirect

from app import uploads
from app.i18n import gettext_for
from app.web.locale import request_locale


class UploadRefused(Exception):
    """No file, or one over the limit: `text` is in the visitor's language, for the form's alert."""

    def __init__(self, text: str, status_code: int) -> None:
        super().__init__(text)
        self.text, self.status_code = text, status_code


def receive(request: Request, data: dict[str, Any], *, scope: str) -> uploads.Upload:
    settings = request.app.state.settings
    _ = gettext_for(request_locale(request))
    file = data.get("file")
    if not isinstance(file, UploadFile) or not file.filename:
        raise UploadRefused(_("Choose a file to upload."), 400)
    content = file.file.read(settings.max_upload_bytes + 1)
    if len(content) > settings.max_upload_bytes:
        raise UploadRefused(_("The file is larger than {mb} MB. Split it, or ask an administrator to raise "
                              "JAPRA_MAX_UPLOAD_MB.").format(mb=settings.max_upload_mb), 413)
    return uploads.save(settings.data_dir, content=content, filename=file.filename, user_id=request.user.id,
                        scope=scope)


def go_to_preview(request: Request, target: str) -> Response:
    """The page's upload script (progress bar) asks for JSON with where to go; a plain form is redirected."""
    if request.headers.get("x-japra-upload") == "1":
        return Response({"next": target}, status_code=200)
    return Redirect(target)
