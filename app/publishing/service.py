"""Publishing a project: the planner's choices (what shows), and the public view built from an allow-list.

Everything a public page, its JSON, an export or a poster carries is assembled here, field by field, from
aggregates and from what a planner marked public. Nothing is passed through from a model object, so a column
added later (a member's name, an internal note) cannot reach the public by accident.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from shapely.geometry import box, mapping, shape
from shapely.ops import unary_union
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from app.audit import service as audit
from app.config import ROOT
from app.construction.models import BuildingFootprint, SitePhoto
from app.db.base import utcnow
from app.designs import service as designs
from app.errors import Invalid, NotFound
from app.i18n import JAKARTA
from app.meetings.models import UnitAllocation
from app.projects.models import Project, ProjectStage, Site
from app.publishing.models import Publication
from publication.errors import PublicationError
from publication.figures import MIN_HOUSEHOLDS, FigureInputs, PublicFigures, Stage, public_figures
from publication.story import render_story

CONTEXT_FILE = ROOT / "fixtures" / "context" / "kelurahan-jakarta.geojson"
CONTEXT_MARGIN_DEG = 0.01  # about 1 km around what is shown: the kelurahan a reader recognises, not the whole city
TOGGLES = ("show_site", "show_progress", "show_photos", "show_figures", "show_story", "show_timeline")
STAGES = tuple(stage.value for stage in ProjectStage)
COORDINATE_PLACES = 6  # about 10 cm: enough for a block on a map, no more than the planner drew


def settings_of(session: Session, project: Project) -> Publication:
    """The project's publication settings; a new, unpublished one (not stored) when there are none."""
    return session.get(Publication, project.id) or Publication(project_id=project.id, published=False,
                                                                timeline=[], **dict.fromkeys(TOGGLES, True))


TITLE_LIMIT = 200  # its column


@dataclass(frozen=True)
class PublicationIn:
    """The planner's choices for the public page. Publishing and withdrawing are the same form: `published`."""

    published: bool = False
    title: str = ""
    story_md: str = ""
    reference_price_per_m2: int | None = None  # whole rupiah, above 0
    typical_rent: int | None = None
    timeline: tuple[tuple[str, date], ...] = ()  # (stage, date), a stage at most once
    shown: frozenset[str] = frozenset()  # the TOGGLES switched on


def save(session: Session, actor: Any, project: Project, command: PublicationIn) -> Publication:
    """The planner's choices. Publishing and withdrawing are the same form: `published` on or off."""
    pub = settings_of(session, project)
    story = command.story_md.replace("\r\n", "\n").strip()
    try:
        render_story(story)  # a story the sanitiser refuses (too long) is refused here, before saving
    except PublicationError as exc:
        raise Invalid(exc.message.msgid, field="story_md", **exc.message.fields) from None
    title = command.title.strip()
    if len(title) > TITLE_LIMIT:
        raise Invalid("At most {limit} characters.", field="title", limit=TITLE_LIMIT)
    for field in ("reference_price_per_m2", "typical_rent"):
        amount = getattr(command, field)
        if amount is not None and amount <= 0:
            raise Invalid("{value} is not a whole number.", field=field, value=amount)
    stages = [stage for stage, _ in command.timeline]
    for stage in stages:
        if stage not in STAGES or stages.count(stage) > 1:
            raise Invalid("Unknown stage {stage}.", field=f"stage_{stage}", stage=stage)
    before = {"published": pub.published, **{t: getattr(pub, t) for t in TOGGLES}}
    pub.title = title or None
    pub.story_md = story or None
    pub.reference_price_per_m2 = command.reference_price_per_m2
    pub.typical_rent = command.typical_rent
    pub.timeline = sorted(({"stage": stage, "date": day.isoformat()} for stage, day in command.timeline),
                          key=lambda r: r["date"])
    for toggle in TOGGLES:
        setattr(pub, toggle, toggle in command.shown)
    if command.published and not pub.published:
        pub.published_at = utcnow()
    pub.published = command.published
    pub.changed_on = utcnow().astimezone(JAKARTA).date()
    session.add(pub)
    session.flush()
    after = {"published": pub.published, **{t: getattr(pub, t) for t in TOGGLES}}
    audit.record(session, actor=actor, action="publication.save", entity_type="project", entity_id=project.id,
                 cooperative_id=project.cooperative_id,
                 changes={k: v for k, v in after.items() if before.get(k) != v} | {"story_chars": len(story)})
    return pub


def set_photo_public(session: Session, actor: Any, project: Project, photo_id: int, public: bool) -> SitePhoto:
    photo = session.scalar(select(SitePhoto).where(SitePhoto.id == photo_id, SitePhoto.project_id == project.id))
    if photo is None:
        raise NotFound("No photo found at this address.")
    if photo.public != public:
        photo.public = public
        session.flush()
        audit.record(session, actor=actor, action="photo.public" if public else "photo.private",
                     entity_type="site_photo", entity_id=photo.id, cooperative_id=project.cooperative_id,
                     changes={"public": public})
    return photo


# --- the public side ---------------------------------------------------------------------------------


def published(session: Session, slug: str) -> tuple[Project, Publication]:
    """A published project, or the same 404 for an unknown and for an unpublished one."""
    row = session.execute(select(Project, Publication).join(Publication, Publication.project_id == Project.id)
                          .where(Project.slug == slug, Publication.published.is_(True))
                          .options(selectinload(Project.site).selectinload(Site.parcels),
                                   selectinload(Project.cooperative))).first()
    if row is None:
        raise NotFound("No public page at this address.")
    return row[0], row[1]


def published_projects(session: Session) -> list[tuple[Project, Publication]]:
    rows = session.execute(select(Project, Publication).join(Publication, Publication.project_id == Project.id)
                           .where(Publication.published.is_(True)).order_by(Project.name)
                           .options(selectinload(Project.site).selectinload(Site.parcels),
                                    selectinload(Project.cooperative))).all()
    return [(p, pub) for p, pub in rows]


def public_photos(session: Session, project: Project) -> list[SitePhoto]:
    return list(session.scalars(select(SitePhoto).where(SitePhoto.project_id == project.id,
                                                        SitePhoto.public.is_(True))
                                .order_by(SitePhoto.taken_at.desc().nulls_last(), SitePhoto.id.desc())))


def public_photo(session: Session, slug: str, photo_id: int) -> SitePhoto:
    """A photo of a published project that a planner marked public; anything else is the same 404."""
    project, pub = published(session, slug)
    photo = session.scalar(select(SitePhoto).where(SitePhoto.id == photo_id, SitePhoto.project_id == project.id,
                                                   SitePhoto.public.is_(True)))
    if photo is None or not pub.show_photos:
        raise NotFound("No public page at this address.")
    return photo


def _households(session: Session, project: Project, units: int) -> int:
    """Households to be housed: those allocated a unit once a meeting has been held, before that one per unit."""
    allocated = session.scalar(select(func.count()).select_from(UnitAllocation)
                               .where(UnitAllocation.project_id == project.id, UnitAllocation.in_force)) or 0
    return allocated or units


def figures(session: Session, project: Project, pub: Publication, percent_complete=None) -> PublicFigures | None:
    """Aggregates only (publication.figures withholds what would point to a household); None without a design."""
    from app.construction.models import Construction

    contract = session.get(Construction, project.id)
    try:  # the scenario being built once construction has started; before that, the current one
        scenario = contract.scenario if contract else designs.by_name(session, project, None)
        cost = designs.compute(session, scenario)
    except (NotFound, ValueError):  # no design yet, or one that cannot be costed: the page shows no figures
        return None
    typical = max(cost.by_type, key=lambda t: t.count, default=None)  # the most common unit type's terms
    if typical is not None and typical.count < MIN_HOUSEHOLDS:
        typical = None  # the price of a type with so few units is (nearly) one household's, and so its income
    land = sum((p.area_m2 for p in project.site.parcels), 0.0) if project.site else 0.0
    stages = [Stage(row["stage"], date.fromisoformat(row["date"])) for row in pub.timeline or []]
    return public_figures(FigureInputs(
        households=_households(session, project, cost.unit_count), units=cost.unit_count, land_area_m2=land,
        total_cost=cost.total, gross_floor_area_m2=cost.gross_floor_area_m2, percent_complete=percent_complete,
        reference_price_per_m2=pub.reference_price_per_m2, typical_instalment=typical.loan.monthly if typical else None,
        typical_rent=pub.typical_rent, stages=stages))


def _rounded(geometry) -> dict[str, Any]:
    def walk(value):
        if isinstance(value, (list, tuple)):
            return [walk(v) for v in value]
        return round(value, COORDINATE_PLACES)

    plain = mapping(geometry)
    return {"type": plain["type"], "coordinates": walk(plain["coordinates"])}


def site_outline(project: Project) -> dict[str, Any] | None:
    """The site as one outline: the parcels' union, without their codes, holders or land status."""
    if project.site is None or not project.site.parcels:
        return None
    return _rounded(unary_union([p.geom for p in project.site.parcels]))


def footprint_rows(session: Session, project: Project) -> dict[str, BuildingFootprint]:
    rows = session.scalars(select(BuildingFootprint).where(BuildingFootprint.project_id == project.id)
                           .order_by(BuildingFootprint.building_code))
    return {row.building_code: row for row in rows}


def footprints(session: Session, project: Project) -> dict[str, Any]:
    return {code: _rounded(row.geom) for code, row in footprint_rows(session, project).items()}


@lru_cache(maxsize=1)
def _kelurahan() -> tuple[tuple[Any, dict[str, Any]], ...]:
    data = json.loads(CONTEXT_FILE.read_text(encoding="utf-8"))
    return tuple((shape(f["geometry"]), f) for f in data["features"])


def context_layer(geometries: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Jakarta's kelurahan boundaries around what a map shows (public OpenStreetMap data), for orientation."""
    shapes = [shape(g) for g in geometries if g]
    if not shapes:
        return None
    minx = min(s.bounds[0] for s in shapes) - CONTEXT_MARGIN_DEG
    miny = min(s.bounds[1] for s in shapes) - CONTEXT_MARGIN_DEG
    maxx = max(s.bounds[2] for s in shapes) + CONTEXT_MARGIN_DEG
    maxy = max(s.bounds[3] for s in shapes) + CONTEXT_MARGIN_DEG
    area = box(minx, miny, maxx, maxy)
    features = [feature for geom, feature in _kelurahan() if geom.intersects(area)]
    return {"type": "FeatureCollection", "features": features} if features else None


BEFORE_RADIUS_M = 100.0  # the buildings that stood on or beside the site; farther ones would mislead a reader


def before_layer(project: Project) -> dict[str, Any] | None:
    """The 2012 building footprints (OpenStreetMap) on or next to the site: what was there before."""
    from app.construction.progress_map import before_layer as nearby

    if project.site is None or not project.site.parcels:
        return None
    found = nearby(unary_union([p.geom for p in project.site.parcels]), radius_m=BEFORE_RADIUS_M)
    features = [{"type": "Feature", "properties": {}, "geometry": _rounded(shape(f["geometry"]))}
                for f in found["features"]]
    return {"type": "FeatureCollection", "features": features} if features else None


@dataclass(frozen=True)
class PublicView:
    """Everything a public page of a project may show, already reduced to the allow-list."""

    slug: str
    name: str
    cooperative: str
    stage: str
    title: str
    story_html: str
    site: dict[str, Any] | None
    blocks: list[dict[str, Any]]  # {code, geometry, percent, history: [[date, percent], ...]}
    report_dates: list[str]
    photos: list[dict[str, Any]]  # {id, taken_on, caption, block, lat, lon}
    figures: PublicFigures | None
    timeline: list[dict[str, str]]
    percent_complete: Any
    updated: str
    context: dict[str, Any] | None = None
    before: dict[str, Any] | None = None

    def as_data(self) -> dict[str, Any]:
        """The JSON a public map reads; the standalone export carries the same."""
        figures = None
        if self.figures is not None:
            f = self.figures
            figures = {"households": f.households, "units": f.units, "land_area_m2": f.land_area_m2,
                       "gross_floor_area_m2": f.gross_floor_area_m2, "cost_per_unit": f.cost_per_unit,
                       "cost_per_m2": f.cost_per_m2, "reference_price_per_m2": f.reference_price_per_m2,
                       "cost_to_reference": None if f.cost_to_reference is None else str(f.cost_to_reference),
                       "typical_instalment": f.typical_instalment, "typical_rent": f.typical_rent,
                       "instalment_to_rent": None if f.instalment_to_rent is None else str(f.instalment_to_rent),
                       "percent_complete": None if f.percent_complete is None else str(f.percent_complete),
                       "withheld": [w.figure for w in f.withheld]}
        return {"slug": self.slug, "name": self.name, "cooperative": self.cooperative, "stage": self.stage,
                "title": self.title, "site": self.site, "blocks": self.blocks, "report_dates": self.report_dates,
                "photos": self.photos, "figures": figures, "timeline": self.timeline,
                "percent_complete": None if self.percent_complete is None else str(self.percent_complete),
                "updated": self.updated, "context": self.context, "before": self.before}


def view(session: Session, project: Project, pub: Publication, as_of: date) -> PublicView:
    from app.construction import service as construction

    percent = None
    blocks: list[dict[str, Any]] = []
    dates: list[str] = []
    shapes = footprints(session, project) if pub.show_site or pub.show_progress else {}
    progress = construction.progress_of(session, project, as_of) if pub.show_progress else None
    if progress is not None:
        percent = progress.project.assessment.actual_pct
        for report in construction.reports_of(session, project):
            if report.report_date <= as_of:
                dates.append(report.report_date.isoformat())
        for code, curve in progress.buildings.items():
            history = [[p.date.isoformat(), str(p.pct)] for p in curve.actual]
            blocks.append({"code": code, "geometry": shapes.get(code), "percent": str(curve.assessment.actual_pct),
                           "history": history})
    elif pub.show_site:
        blocks = [{"code": code, "geometry": shape, "percent": None, "history": []} for code, shape in shapes.items()]
    photos = []
    if pub.show_photos:
        # A photo's own GPS position is EXIF and stays private: on a public map it stands at its block.
        centres = {code: row.geom.representative_point() for code, row in footprint_rows(session, project).items()}
        for photo in public_photos(session, project):
            centre = centres.get(photo.building_code)
            taken = photo.taken_at.astimezone(JAKARTA).date().isoformat() if photo.taken_at else None
            photos.append({"id": photo.id, "taken_on": taken,
                           "caption": photo.caption or "", "block": photo.building_code,
                           "lat": None if centre is None else round(centre.y, COORDINATE_PLACES),
                           "lon": None if centre is None else round(centre.x, COORDINATE_PLACES)})
    site = site_outline(project) if pub.show_site else None
    return PublicView(
        slug=project.slug, name=project.name, cooperative=project.cooperative.name, stage=project.stage,
        title=pub.title or project.name, story_html=render_story(pub.story_md) if pub.show_story else "",
        site=site, blocks=blocks, report_dates=dates, photos=photos,
        figures=figures(session, project, pub, percent) if pub.show_figures else None,
        timeline=list(pub.timeline or []) if pub.show_timeline else [], percent_complete=percent,
        updated=(pub.changed_on or as_of).isoformat(),
        context=context_layer([site] + [b["geometry"] for b in blocks]),
        before=before_layer(project) if pub.show_site else None)

