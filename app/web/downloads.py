"""Files a page hands over: one way to name them, and documents with members' data never cached."""

from __future__ import annotations

from litestar import Response

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF = "application/pdf"


def attachment(content: bytes, filename: str, media_type: str, *, private: bool = False) -> Response:
    headers = {"Content-Disposition": f'attachment; filename="{filename}"'}
    if private:  # a proposal or minutes may carry personal data: no shared cache keeps a copy
        headers["Cache-Control"] = "no-store"
    return Response(content, media_type=media_type, headers=headers)
