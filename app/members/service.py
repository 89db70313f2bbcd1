"""Members: who may see them, listing, one by one and in bulk. Audit entries name the fields, not the values."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from app.audit import service as audit
from app.auth.identity import CurrentUser
from app.auth.models import Role
from app.cooperatives.models import Cooperative
from app.errors import Invalid, NotFound
from app.members.models import Member

FIELDS = ("number", "name", "nik", "household_size", "monthly_income", "elderly", "disability",
          "needs_ground_floor", "original_resident", "joined_on", "savings_pokok", "savings_wajib",
          "savings_sukarela", "notes")
# The one field whose value the audit trail keeps: the member number is how the trail says who changed. Every other
# field (name, NIK, income, savings, household, age, disability, needs) is personal data under UU PDP 27/2022, and
# the trail records only that it changed, not what it was or became.
VALUE_AUDITED = frozenset({"number"})


def may_see(user: CurrentUser, cooperative_id: int) -> bool:
    """Japra's planners and administrators, and the cooperative's own officers; not the read-only role."""
    if user.role in (Role.ADMIN, Role.PLANNER):
        return True
    return user.role == Role.COOP_OFFICER and user.cooperative_id == cooperative_id


def cooperative_for(session: Session, user: CurrentUser, slug: str) -> Cooperative:
    coop = session.scalar(select(Cooperative).where(Cooperative.slug == slug))
    if coop is None or not user.may_see_cooperative(coop.id):
        raise NotFound("No cooperative found at this address.")
    if not may_see(user, coop.id):
        from litestar.exceptions import PermissionDeniedException

        raise PermissionDeniedException()
    return coop


def page(session: Session, coop: Cooperative, *, query: str = "", offset: int = 0,
         limit: int = 50) -> tuple[list[Member], int]:
    stmt = select(Member).where(Member.cooperative_id == coop.id)
    query = query.strip()
    if query:
        like = f"%{query.lower()}%"
        stmt = stmt.where(or_(func.lower(Member.name).like(like), func.lower(Member.number).like(like)))
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(stmt.order_by(Member.number).offset(offset).limit(limit))
    return list(rows), total


def find(session: Session, coop: Cooperative, number: str) -> Member | None:
    return session.scalar(select(Member).where(Member.cooperative_id == coop.id, Member.number == number))


def get(session: Session, coop: Cooperative, number: str) -> Member:
    member = session.scalar(select(Member).where(Member.cooperative_id == coop.id, Member.number == number))
    if member is None:
        raise NotFound("No member found at this address.")
    return member


def _changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    changed = audit.diff(before, after)
    return {k: ({"old": str(v["old"]), "new": str(v["new"])} if k in VALUE_AUDITED else "changed")
            for k, v in changed.items()}


@dataclass(frozen=True)
class MemberIn:
    """A member as the form sets them, checked as a spreadsheet row is (`allocation.members.check_member`). No NIK
    (None) on a known member keeps the one stored: the form never sends it back."""

    number: str
    name: str
    nik: str | None = None
    household_size: int = 1
    monthly_income: int = 0
    elderly: bool = False
    disability: bool = False
    needs_ground_floor: bool = False
    original_resident: bool = False
    joined_on: date | None = None
    savings_pokok: int = 0
    savings_wajib: int = 0
    savings_sukarela: int = 0
    notes: str | None = None


def save(session: Session, actor: CurrentUser | str, coop: Cooperative, command: MemberIn,
         member: Member | None = None) -> Member:
    """A new member (`member` None) or a change to one; refused when another member has the number."""
    other = find(session, coop, command.number)
    if other is not None and other is not member:
        raise Invalid("Member number {number} is used already.", field="number", number=command.number)
    values = {key: getattr(command, key) for key in FIELDS}
    if member is not None and command.nik is None:
        del values["nik"]
    created = member is None
    if created:
        member = Member(cooperative_id=coop.id)
        session.add(member)
        before: dict[str, Any] = {}
    else:
        before = {k: getattr(member, k) for k in FIELDS}
    for key in FIELDS:
        if key in values:
            setattr(member, key, values[key])
    session.flush()
    audit.record(session, actor=actor, action="member.create" if created else "member.update",
                 entity_type="member", entity_id=member.id, cooperative_id=coop.id,
                 changes=_changes(before, {k: getattr(member, k) for k in FIELDS}))
    return member


def import_rows(session: Session, actor: CurrentUser | str, coop: Cooperative, rows: list[dict[str, Any]]) -> dict:
    """New numbers become members, known numbers are updated; all in the caller's one transaction."""
    existing = {m.number: m for m in session.scalars(select(Member).where(Member.cooperative_id == coop.id))}
    created = updated = 0
    for row in rows:
        member = existing.get(row["number"])
        if member is None:
            member = Member(cooperative_id=coop.id, **row)
            session.add(member)
            created += 1
        else:
            for key, value in row.items():
                setattr(member, key, value)
            updated += 1
    session.flush()
    audit.record(session, actor=actor, action="member.import", entity_type="cooperative", entity_id=coop.id,
                 cooperative_id=coop.id, changes={"created": created, "updated": updated})
    return {"created": created, "updated": updated}


def counts(session: Session, coop: Cooperative, rows: list[dict[str, Any]]) -> tuple[int, int]:
    known = set(session.scalars(select(Member.number).where(Member.cooperative_id == coop.id)))
    new = sum(1 for r in rows if r["number"] not in known)
    return new, len(rows) - new
