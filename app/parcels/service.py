"""Taking a site's parcels away: one parcel, or all of them (also the first half of an import that replaces them).

Scenarios (`app.designs`) belong to the project, not to its parcels: no row points at a parcel, so deleting or
replacing parcels breaks no scenario. What a scenario shows of the site (its capacity, the proposal's site map) is
read from the parcels when it is shown, so after a replace it shows the new land; the pages warn before the change.
"""

from __future__ import annotations

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from app.audit import service as audit
from app.auth.identity import CurrentUser
from app.errors import Invalid, NotFound
from app.projects.models import Parcel, Project
from gis.parcel_checks import natural_key


def _check_actor(actor: CurrentUser | str, project: Project) -> None:
    if isinstance(actor, CurrentUser) and not actor.may_edit_cooperative(project.cooperative_id):
        raise Invalid("You may not change this project's parcels.")


def scenarios_on(session: Session, project: Project) -> int:
    """How many scenarios (designs with their costs) the project has: each reads its site from the parcels."""
    from app.designs.models import Scenario

    return session.scalar(select(func.count()).select_from(Scenario).where(Scenario.project_id == project.id)) or 0


def parcel_by_code(project: Project, code: str) -> Parcel:
    for parcel in project.site.parcels if project.site else []:
        if parcel.code == code:
            return parcel
    raise NotFound("This site has no parcel {code}.", field="code", code=code)


def delete_parcels(session: Session, actor: CurrentUser | str, project: Project, *, code: str | None = None,
                   reason: str = "parcels.delete") -> int:
    """Delete one parcel (by its code) or all of the site's, in the caller's transaction, audited; how many went."""
    _check_actor(actor, project)
    site = project.site
    if site is None:
        return 0
    if code is not None:
        parcel = parcel_by_code(project, code)
        gone = [parcel]
    else:
        gone = sorted(site.parcels, key=lambda p: natural_key(p.code))
    if not gone:
        return 0
    session.flush()
    session.execute(delete(Parcel).where(Parcel.id.in_([p.id for p in gone])))
    # One entry for the change: the codes and the land that went, so the audit trail can say what was there.
    audit.record(session, actor=actor, action=reason, entity_type="site", entity_id=site.id,
                 cooperative_id=project.cooperative_id,
                 changes={"deleted": len(gone), "codes": [p.code for p in gone][:1000],
                          "total_area_m2": round(sum(p.area_m2 for p in gone), 1)})
    session.flush()
    session.expire(site, ["parcels"])
    return len(gone)
