from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.audit.models import AuditEntry

SYSTEM_ACTOR = "system"


def record(
    session: Session,
    *,
    actor: Any | None,
    action: str,
    entity_type: str,
    entity_id: object,
    cooperative_id: int | None = None,
    changes: dict[str, Any] | None = None,
) -> AuditEntry:
    """Add an entry in the caller's transaction, so the change and its record commit or fail together."""
    entry = AuditEntry(
        actor_id=getattr(actor, "id", None),
        actor=getattr(actor, "username", None) or (actor if isinstance(actor, str) else SYSTEM_ACTOR),
        action=action,
        entity_type=entity_type,
        entity_id=str(entity_id),
        cooperative_id=cooperative_id,
        changes=changes or {},
    )
    session.add(entry)
    return entry


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    return {k: {"old": before.get(k), "new": v} for k, v in after.items() if before.get(k) != v}


def page(session: Session, *, offset: int, limit: int) -> tuple[list[AuditEntry], int]:
    total = session.scalar(select(func.count()).select_from(AuditEntry)) or 0
    rows = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).offset(offset).limit(limit))
    return list(rows), total
