"""The progress report of a construction (laporan kemajuan, A4, always in Bahasa Indonesia), for a month or a week.

What the contractor, the supervisor (konsultan pengawas) and the cooperative sign each period: the figures at the
end of the period (planned, actual, deviation and the kontrak kritis status, of the project and of each block), the
S-curve, a table of the work packages grouped by block (weight, planned and actual percent, progress in the period,
weighted contribution), the site reports and photos of the period, a map of the blocks by progress and the three
signature lines.

The figures are those of the construction page (`app.construction.service.progress_of`), as of the period's last
day or today when the period is still running; they rest on the latest site report on or before that day, as the
status does (progress.reports). The photos are their public copies, without EXIF or position, scaled down for print
and embedded in the HTML, so WeasyPrint fetches nothing outside the app and nothing from the network.
"""

from __future__ import annotations

import base64
import logging
import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from io import BytesIO
from typing import Any

from markupsafe import Markup
from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.construction import photos as site_photos
from app.construction import service as construction
from app.construction.models import (
    BuildingFootprint,
    Construction,
    ProgressReport,
    ShowCauseMeeting,
    SitePhoto,
    WorkPackage,
)
from app.construction.photos import PhotoStore
from app.designs.proposal import css_string, page_counter_css
from app.documents.blockmap import blocks_svg
from app.documents.pdf import render_pdf
from app.errors import Conflict, Invalid, NotFound
from app.i18n import JAKARTA, babel_locale, format_date_long
from app.projects.models import Project
from costing.rab import DIVISIONS
from progress.numbers import cents, cents_of
from progress.reports import ProjectProgress, Report, SCurve

log = logging.getLogger("japra.documents")

TEMPLATE = "pdf/progress_report.html"
# Signed by the contractor, the supervisor and the cooperative: Indonesian whatever the screen's language.
LOCALE = "id"
YEARS = (2000, 2199)
PHOTOS_PER_PAGE = 12  # 3 across, 4 down
MAX_PHOTOS = 48  # four pages; a month of weekly reports rarely has more worth printing
# Pixels on the longer side: about 240 dpi at the grid's 55 mm, and a quarter of the photo service's 2,048-pixel
# public copy, so a JPEG decodes straight to it (DCT scaling) and needs no resampling.
PHOTO_SIDE = 512
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_WEEK = re.compile(r"^(\d{4})-W(\d{2})$", re.IGNORECASE)
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True, slots=True)
class ReportPeriod:
    kind: str  # "month" or "week" (ISO, Monday to Sunday)
    key: str  # 2026-10 or 2026-W42
    start: date
    end: date


def report_period(month: str | None = None, week: str | None = None) -> ReportPeriod:
    """The period a report covers, from a month (YYYY-MM) or an ISO week (YYYY-Www); exactly one of them."""
    month, week = (month or "").strip(), (week or "").strip()
    if bool(month) == bool(week):
        raise Invalid("Give the period as a month, YYYY-MM (e.g. 2026-10), or as a week, YYYY-Www (e.g. 2026-W42).",
                      field="period")
    low, high = YEARS
    if month:
        found = _MONTH.match(month)
        if not found or not 1 <= int(found[2]) <= 12:
            raise Invalid("{value} is not a month: write it YYYY-MM, e.g. 2026-10.", field="period", value=month)
        year, number = int(found[1]), int(found[2])
        if not low <= year <= high:
            raise Invalid("{value} is outside {low} to {high}.", field="period", value=month, low=low, high=high)
        start = date(year, number, 1)
        end = date(year + number // 12, number % 12 + 1, 1) - timedelta(days=1)
        return ReportPeriod("month", f"{year:04d}-{number:02d}", start, end)
    found = _WEEK.match(week)
    try:
        if not found:
            raise ValueError(week)
        year, number = int(found[1]), int(found[2])
        if not low <= year <= high:
            raise Invalid("{value} is outside {low} to {high}.", field="week", value=week, low=low, high=high)
        start = date.fromisocalendar(year, number, 1)
    except ValueError:
        raise Invalid("{value} is not a week: write it YYYY-Www, e.g. 2026-W42.", field="week", value=week) from None
    return ReportPeriod("week", f"{year:04d}-W{number:02d}", start, start + timedelta(days=6))


def report_filename(project: Project, period: ReportPeriod) -> str:
    """laporan-kemajuan-marlina-2026-10.pdf"""
    slug = _UNSAFE.sub("-", project.slug).strip("-") or str(project.id)
    return f"laporan-kemajuan-{slug}-{period.key}.pdf"


# --- the figures --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PackageRow:
    code: str
    division: str
    name: str  # the package's own name; empty: the division's (translated in the template)
    weight: Decimal
    planned_pct: Decimal  # of the package itself, at the basis date
    actual_pct: Decimal  # the latest reported, at the basis date
    period_points: Decimal  # what the period added to actual_pct
    contribution: Decimal  # weight x actual / 100: points of the project, two decimals


@dataclass(frozen=True)
class BlockGroup:
    code: str
    weight: Decimal
    contribution: Decimal  # the block's packages' sum, exact then shown to two decimals
    curve: SCurve | None  # the block's own S-curve (its weights out of 100); None if it weighs nothing
    rows: list[PackageRow] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class PhotoCell:
    src: str | None  # a data: URI of the scaled public copy; None when its file is missing
    caption: str
    day: date
    block: str | None


def planned_share(package: WorkPackage, day: date) -> Decimal:
    """How much of a package the plan has done by the end of `day`, in percent of itself (progress.schedule's rule:
    its weight spread evenly over its calendar days, start and finish included)."""
    span = (package.finish - package.start).days + 1
    done = min(max((day - package.start).days + 1, 0), span)
    return cents_of(100 * done, span)


def _latest(reports: list[Report], until: date) -> dict[str, Decimal]:
    """Each package's latest reported percent on or before `until` (reports in date order), by package code."""
    latest: dict[str, Decimal] = {}
    for report in reports:
        if report.date > until:
            break
        latest.update(report.percents)
    return latest


def package_groups(packages: list[WorkPackage], reports: list[Report], progress: ProjectProgress,
                   basis: date, before: date) -> tuple[list[BlockGroup], Decimal]:
    """The packages by block, in schedule order, at the `basis` date; `before`: the day before the period."""
    now, then = _latest(reports, basis), _latest(reports, before)
    groups: dict[str, BlockGroup] = {}
    exact: dict[str, Decimal] = {}
    total = Decimal(0)
    for p in packages:
        weight = Decimal(p.weight_pct)
        actual = now.get(p.code, Decimal(0))
        share = weight * actual / 100  # exact: a weight of three decimals times a percent of two
        group = groups.setdefault(p.building_code, BlockGroup(p.building_code, Decimal(0), Decimal(0),
                                                              progress.buildings.get(p.building_code)))
        group.rows.append(PackageRow(p.code, p.division, p.name, weight, planned_share(p, basis), cents(actual),
                                     cents(actual - then.get(p.code, Decimal(0))), cents(share)))
        exact[p.building_code] = exact.get(p.building_code, Decimal(0)) + share
        total += share
    result = [BlockGroup(g.code, sum((r.weight for r in g.rows), Decimal(0)), cents(exact[g.code]), g.curve, g.rows)
              for g in groups.values()]
    return result, cents(total)


# --- photos -------------------------------------------------------------------------------------


def photo_store() -> PhotoStore:
    from app.config import get_settings

    return PhotoStore.from_settings(get_settings())


def public_copy_of(store: PhotoStore, photo: SitePhoto) -> bytes | None:
    """The bytes of a photo's public copy (no EXIF, no position), or None when its file is missing."""
    try:
        return site_photos.read(store, photo, "public")
    except NotFound:
        return None  # logged by the photo service; the report prints a blank frame instead


def print_copy(public: bytes) -> bytes:
    """The public copy as the grid prints it: a JPEG at most PHOTO_SIDE pixels on its longer side.

    The public copy was checked, made upright and stripped by the photo service, so it is only scaled here: decoded
    at a reduced scale (a JPEG's DCT scaling) and resampled only if that is not yet small enough."""
    with Image.open(BytesIO(public)) as image:
        if image.format == "JPEG" and max(image.size) <= PHOTO_SIDE:
            return public
        width, height = image.size
        scale = PHOTO_SIDE / max(width, height)
        # The size the photo will have, not a square: draft() keeps both sides at least this large.
        image.draft("RGB", (max(int(width * scale), 1), max(int(height * scale), 1)))
        small = image.convert("RGB")
    small.thumbnail((PHOTO_SIDE, PHOTO_SIDE), Image.Resampling.BICUBIC)
    out = BytesIO()
    small.save(out, "JPEG", quality=85)
    return out.getvalue()


def photo_cells(store: PhotoStore, photos: list[SitePhoto], report_days: dict[int, date]) -> list[PhotoCell]:
    cells = []
    for photo in photos:
        data = public_copy_of(store, photo)
        src = None
        if data is not None:
            try:
                src = "data:image/jpeg;base64," + base64.b64encode(print_copy(data)).decode("ascii")
            except (OSError, ValueError, Image.DecompressionBombError):
                log.error("site photo %s: its public copy cannot be read", photo.id)  # printed as a blank frame
        day = photo.taken_at.astimezone(JAKARTA).date() if photo.taken_at else report_days[photo.report_id]
        cells.append(PhotoCell(src, (photo.caption or "").strip(), day, photo.building_code))
    return cells


# --- the document -------------------------------------------------------------------------------


def _check(session: Session, project: Project, period: ReportPeriod, today: date) -> Construction:
    contract = construction.get(session, project)
    if contract is None or not construction.packages_of(session, project):
        raise Conflict("Construction of {project} has not started: there is no progress to report.",
                       project=project.name)
    if period.end < contract.started_on:
        raise Invalid("The period ends before construction started ({date}).", field="period",
                      date=contract.started_on.isoformat())
    if period.start > today:
        raise Invalid("The period {period} has not begun yet.", field="period", period=period.key)
    return contract


def progress_report_context(session: Session, project: Project, period: ReportPeriod, *, today: date,
                            locale: str = LOCALE, printed_on: date | None = None,
                            store: PhotoStore | None = None) -> dict[str, Any]:
    """Everything the template shows; raises Conflict before construction and Invalid for a period out of it."""
    from app.construction.charts import chart_labels
    from progress.chart import scurve_svg

    contract = _check(session, project, period, today)
    as_of = min(period.end, today)
    progress = construction.progress_of(session, project, as_of)
    before_day = period.start - timedelta(days=1)
    earlier = construction.progress_of(session, project, before_day) if before_day >= contract.started_on else None
    packages = construction.packages_of(session, project)
    assessment = progress.project.assessment
    basis = assessment.report_date or as_of
    groups, contribution = package_groups(packages, construction.reported(session, project, packages), progress,
                                          basis, before_day)
    in_period = list(session.scalars(select(ProgressReport).where(
        ProgressReport.project_id == project.id, ProgressReport.report_date >= period.start,
        ProgressReport.report_date <= as_of).order_by(ProgressReport.report_date)))
    report_days = {r.id: r.report_date for r in in_period}

    photos = list(session.scalars(select(SitePhoto).where(SitePhoto.report_id.in_(report_days))
                                  .order_by(SitePhoto.taken_at, SitePhoto.id))) if report_days else []
    photos.sort(key=lambda p: (report_days[p.report_id], p.taken_at or datetime.min.replace(tzinfo=JAKARTA), p.id))
    cells = photo_cells(store or photo_store(), photos[:MAX_PHOTOS], report_days)
    pages = [cells[i:i + PHOTOS_PER_PAGE] for i in range(0, len(cells), PHOTOS_PER_PAGE)]

    footprints = list(session.scalars(select(BuildingFootprint).where(BuildingFootprint.project_id == project.id)
                                      .order_by(BuildingFootprint.building_code)))
    parcels = [p.geom for p in project.site.parcels] if project.site else []
    blocks = {code: curve.assessment for code, curve in progress.buildings.items()}
    block_map = blocks_svg(footprints, parcels, {c: a.actual_pct for c, a in blocks.items()},
                           {c for c, a in blocks.items() if a.status == "kritis"}, locale=locale)

    labels = replace(chart_labels(locale), as_of=format_date_long(as_of, locale))
    chart = scurve_svg(progress.project.planned, progress.project.actual, start=contract.started_on, as_of=as_of,
                       labels=labels)
    meetings = list(session.scalars(select(ShowCauseMeeting).where(ShowCauseMeeting.project_id == project.id,
                                                                   ShowCauseMeeting.held_on <= as_of)
                                    .order_by(ShowCauseMeeting.held_on, ShowCauseMeeting.level)))
    cooperative = project.cooperative
    cooperative_name = cooperative.legal_name or cooperative.name
    site = project.site
    week_of_contract = (basis - contract.started_on).days // 7 + 1
    doc_period = {"kind": period.kind, "key": period.key, "start": period.start, "end": period.end,
                  "month_name": _month_name(period.start, locale)}
    return {
        "locale": locale,
        "project": project,
        "cooperative_name": cooperative_name,
        "contract": contract,
        "planned_finish": max(p.finish for p in packages),
        "period": doc_period,
        "as_of": as_of,
        "running": as_of < period.end,
        "basis": basis,
        "week_of_contract": week_of_contract,
        "assessment": assessment,
        "period_actual": assessment.actual_pct - (earlier.project.assessment.actual_pct if earlier else 0),
        "period_planned": assessment.planned_pct - (earlier.project.assessment.planned_pct if earlier else 0),
        "blocks": blocks,
        "groups": groups,
        "contribution": contribution,
        "divisions": DIVISIONS,
        "reports": in_period,
        "chart": Markup(chart),  # noqa: S704  (scurve_svg escapes every text it draws)
        "block_map": Markup(block_map) if block_map else None,  # noqa: S704  (blocks_svg escapes its text)
        "photo_pages": pages,
        "photos_total": len(photos),
        "photos_left_out": max(len(photos) - MAX_PHOTOS, 0),
        "meetings": meetings,
        "city": (site.city if site and site.city else None) or cooperative.city or "Jakarta",
        "printed_on": printed_on or datetime.now(JAKARTA).date(),
        "css_string": css_string,
        "page_counter": page_counter_css(locale),
        "running_title": css_string(f"{project.name} · {cooperative_name}"),
    }


def _month_name(day: date, locale: str) -> str:
    from babel.dates import format_date

    return format_date(day, "LLLL y", locale=babel_locale(locale))


def progress_report_html(session: Session, project: Project, period: ReportPeriod, *, today: date,
                         locale: str = LOCALE, printed_on: date | None = None, store: PhotoStore | None = None) -> str:
    from app.web.templating import environment

    context = progress_report_context(session, project, period, today=today, locale=locale, printed_on=printed_on,
                                      store=store)
    return environment().get_template(TEMPLATE).render(context)


def progress_report_pdf(session: Session, project: Project, period: ReportPeriod, *, today: date,
                        locale: str = LOCALE, printed_on: date | None = None, store: PhotoStore | None = None) -> bytes:
    """The laporan kemajuan of `project` for `period`, as PDF bytes; `store`: where the photos are (the settings')."""
    return render_pdf(progress_report_html(session, project, period, today=today, locale=locale,
                                           printed_on=printed_on, store=store))
