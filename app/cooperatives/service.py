from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.auth.identity import CurrentUser
from app.cooperatives.models import Cooperative
from app.errors import NotFound
from app.projects.models import Project


def visible(user: CurrentUser):
    """A filter on Cooperative for what this user may see; an officer sees only its own."""
    stmt = select(Cooperative)
    if not user.sees_all_cooperatives:
        stmt = stmt.where(Cooperative.id == user.cooperative_id)
    return stmt


def list_for(session: Session, user: CurrentUser) -> list[tuple[Cooperative, int]]:
    counts = (
        select(Project.cooperative_id, func.count(Project.id).label("n"))
        .group_by(Project.cooperative_id)
        .subquery()
    )
    stmt = (
        visible(user)
        .add_columns(func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.cooperative_id == Cooperative.id)
        .order_by(Cooperative.name)
    )
    return [(c, n) for c, n in session.execute(stmt)]


def get_for(session: Session, user: CurrentUser, slug: str) -> Cooperative:
    coop = session.scalar(visible(user).where(Cooperative.slug == slug))
    if coop is None:
        raise NotFound("No cooperative found at this address.")
    return coop
