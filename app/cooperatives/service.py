from __future__ import annotations

import re
from dataclasses import dataclass, fields

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.audit import service as audit
from app.auth.identity import CurrentUser
from app.cooperatives.models import Cooperative
from app.errors import Conflict, Invalid, InvalidFields, NotFound
from app.projects.models import Project
from kernel import limits

# A slug is a path segment (/cooperatives/<slug>): lowercase letters, digits and inner dashes, as a project's.
SLUG_RE = re.compile(rf"[a-z0-9](?:[a-z0-9-]{{0,{limits.COOPERATIVE_SLUG - 2}}}[a-z0-9])?")
# Words of this context's own pages (/cooperatives/new), which a cooperative's address would hide.
RESERVED_SLUGS = frozenset({"new"})
EMAIL_RE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
PHONE_RE = re.compile(r"\+?[0-9][0-9 ()./-]*")


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


def active(stmt):
    """Only the cooperatives still at work: what a picker offers and what may get a new project."""
    return stmt.where(Cooperative.is_active.is_(True))


@dataclass(frozen=True)
class CooperativeDetails:
    """What a cooperative's documents print, as the form, the command line or a script gives it; None is "not known"."""

    name: str
    legal_name: str | None = None
    badan_hukum_number: str | None = None
    address: str | None = None
    kelurahan: str | None = None
    kecamatan: str | None = None
    city: str | None = None
    chair: str | None = None
    secretary: str | None = None
    treasurer: str | None = None
    phone: str | None = None
    contact_email: str | None = None
    description: str | None = None


DETAILS = tuple(f.name for f in fields(CooperativeDetails))
BOUNDS = {
    "name": limits.NAME, "legal_name": limits.NAME, "badan_hukum_number": limits.BADAN_HUKUM_NUMBER,
    "address": limits.ADDRESS, "kelurahan": limits.PLACE_NAME, "kecamatan": limits.PLACE_NAME,
    "city": limits.PLACE_NAME, "chair": limits.NAME, "secretary": limits.NAME, "treasurer": limits.NAME,
    "phone": limits.PHONE, "contact_email": limits.EMAIL, "description": limits.DESCRIPTION,
}


def _checked(details: CooperativeDetails) -> dict[str, str | None]:
    """The details trimmed, empty as None, each within its bound: every problem at once, refused, never cut."""
    values: dict[str, str | None] = {}
    problems: list[Invalid] = []
    for name in DETAILS:
        text = (getattr(details, name) or "").strip()
        if "\x00" in text:
            problems.append(Invalid("The text holds a character that cannot be stored.", field=name))
        elif len(text) > BOUNDS[name]:
            problems.append(Invalid("At most {limit} characters.", field=name, limit=BOUNDS[name]))
        values[name] = text or None
    if not values["name"] and not any(p.field == "name" for p in problems):
        problems.append(Invalid("The cooperative needs a name.", field="name"))
    if values["contact_email"] and len(values["contact_email"]) <= limits.EMAIL \
            and not EMAIL_RE.fullmatch(values["contact_email"]):
        problems.append(Invalid("This is not an e-mail address.", field="contact_email"))
    if values["phone"] and len(values["phone"]) <= limits.PHONE and not PHONE_RE.fullmatch(values["phone"]):
        problems.append(Invalid("A phone number holds digits, spaces, dashes and a leading +.", field="phone"))
    if problems:
        raise InvalidFields(problems)
    return values


def _manager(actor: CurrentUser | str) -> None:
    """Japra's admins and planners manage cooperatives; the command line is the operator's own."""
    if isinstance(actor, CurrentUser) and not actor.may_create_projects:
        raise NotFound("No cooperative found at this address.")


def check_slug(slug: str) -> str:
    slug = (slug or "").strip().lower()
    if not SLUG_RE.fullmatch(slug) or slug in RESERVED_SLUGS:
        raise Invalid("The slug may hold lowercase letters, digits and dashes (1-64), e.g. kampung-baru.",
                      field="slug")
    return slug


def create(session: Session, actor: CurrentUser | str, slug: str, details: CooperativeDetails) -> Cooperative:
    _manager(actor)
    problems: list[Invalid] = []
    try:
        slug = check_slug(slug)
    except Invalid as exc:
        problems.append(exc)
    try:
        values = _checked(details)
    except InvalidFields as exc:
        problems.extend(exc.problems)
    if problems:
        raise InvalidFields(problems)
    if session.scalar(select(Cooperative.id).where(Cooperative.slug == slug)):
        raise Conflict("The slug {slug} is already used by another cooperative.", field="slug", slug=slug)
    coop = Cooperative(slug=slug, is_active=True, **values)
    session.add(coop)
    session.flush()
    audit.record(session, actor=actor, action="cooperative.create", entity_type="cooperative", entity_id=coop.id,
                 cooperative_id=coop.id, changes={"slug": slug, **{k: v for k, v in values.items() if v}})
    return coop


def managed(session: Session, actor: CurrentUser | str, slug: str) -> Cooperative:
    """The cooperative to edit: to an officer or a viewer it does not exist (404), whichever cooperative it is."""
    _manager(actor)
    coop = session.scalar(select(Cooperative).where(Cooperative.slug == slug))
    if coop is None:
        raise NotFound("No cooperative found at this address.")
    return coop


def update(session: Session, actor: CurrentUser | str, coop: Cooperative, details: CooperativeDetails) -> Cooperative:
    """Replaces every detail (an empty one clears it); the slug stays, since links and files name it."""
    _manager(actor)
    values = _checked(details)
    changed = {k: {"before": getattr(coop, k), "after": v} for k, v in values.items() if getattr(coop, k) != v}
    for k, v in values.items():
        setattr(coop, k, v)
    if changed:
        session.flush()
        audit.record(session, actor=actor, action="cooperative.update", entity_type="cooperative",
                     entity_id=coop.id, cooperative_id=coop.id, changes=changed)
    return coop


def set_active(session: Session, actor: CurrentUser | str, coop: Cooperative, is_active: bool) -> Cooperative:
    """Deactivating keeps every member, project and payment; it only leaves the pickers and takes no new project."""
    _manager(actor)
    if coop.is_active != is_active:
        coop.is_active = is_active
        session.flush()
        audit.record(session, actor=actor, action="cooperative.activate" if is_active else "cooperative.deactivate",
                     entity_type="cooperative", entity_id=coop.id, cooperative_id=coop.id,
                     changes={"is_active": {"before": not is_active, "after": is_active}})
    return coop
