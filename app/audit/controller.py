from __future__ import annotations

from litestar import Request, Response, Router, get
from sqlalchemy.orm import Session

from app.audit import service as audit
from app.auth.guards import admin_only
from app.web.templating import render

PAGE_SIZE = 50


@get("/audit", sync_to_thread=True)
def audit_page(request: Request, db: Session, page: int = 1) -> Response:
    page = max(page, 1)
    entries, total = audit.page(db, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE)
    pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    return render(request, "audit/list.html", entries=entries, page=page, pages=pages, total=total)


handlers = [audit_page]

# The pages of this context, registered once with their guard; none belongs in the API schema.
router = Router(path="/", route_handlers=handlers, include_in_schema=False, guards=[admin_only])
