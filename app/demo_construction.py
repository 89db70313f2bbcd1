"""A year of invented construction for the Marlina demo: the contract started in November 2025, weekly site reports
since, block A keeping to the plan and block B slipping until the project turns critical (kontrak kritis) near the
70% line, with the show-cause meeting that follows. Reports go through the same service the site supervisor uses,
so every rule (dates, percents only going up, reasons) holds.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.construction import service as construction
from app.construction.models import ShowCauseMeeting
from app.projects.models import Project

PROJECT = "marlina"
STARTED = date(2025, 11, 3)
FINISH = date(2027, 4, 30)
ACTOR = "demo"
# Block B's crew is smaller than planned: its pace falls behind the plan, and further as the months go.
PACE = {"A": (Decimal("1.00"), Decimal("0.97")), "B": (Decimal("0.95"), Decimal("0.55"))}
WEATHER = ("cerah", "cerah", "berawan", "hujan ringan", "hujan deras", "cerah")


def _planned_share(start: date, finish: date, day: date) -> Decimal:
    """How much of a package the plan has done by the end of `day`: its days so far over all its days."""
    if day < start:
        return Decimal(0)
    return min(Decimal((day - start).days + 1) / Decimal((finish - start).days + 1), Decimal(1))


def load(session: Session, today: date) -> int:
    """The construction and its reports, unless construction has started. Returns the reports written."""
    project = session.scalar(select(Project).where(Project.slug == PROJECT))
    if project is None or construction.get(session, project) is not None:
        return 0
    construction.start(session, ACTOR, project, construction.StartIn(
        STARTED, FINISH, contractor="CV Karya Warga Marlina (contoh)",
        supervisor="Konsultan pengawas Japra (contoh)"))
    packages = construction.packages_of(session, project)
    span = (FINISH - STARTED).days
    written = 0
    day = STARTED + timedelta(days=5)  # Saturdays: the supervisor reports at the end of each week
    done: dict[str, Decimal] = {}
    while day <= today:
        elapsed = Decimal((day - STARTED).days) / span
        percents: dict[str, Decimal] = {}
        for p in packages:
            early, late = PACE[p.building_code] if p.building_code in PACE else PACE["A"]
            pace = early + (late - early) * elapsed
            pct = (_planned_share(p.start, p.finish, day) * pace * 100).quantize(Decimal("0.1"), ROUND_HALF_UP)
            pct = max(min(pct, Decimal(100)), done.get(p.code, Decimal(0)))
            if pct != done.get(p.code, Decimal(0)):
                percents[p.code] = pct
                done[p.code] = pct
        if percents:
            problems = ""
            if written % 9 == 4:
                problems = ("Material besi terlambat datang dua hari." if written % 2
                            else "Hujan deras, pengecoran ditunda.")
            construction.add_report(session, ACTOR, project, construction.ReportIn(
                day, "Pengawas lapangan", percents, workers=18 + written % 7 * 3,
                weather=WEATHER[written % len(WEATHER)], problems=problems), today)
            written += 1
        day += timedelta(days=7)
    state = construction.progress_of(session, project, today)
    since = state.project.assessment.critical_since if state else None
    if since is not None and since + timedelta(days=7) <= today:
        session.add(ShowCauseMeeting(project_id=project.id, level=1, held_on=since + timedelta(days=7),
                                     target_pct=min(state.project.assessment.planned_pct, Decimal(100)),
                                     target_date=min(since + timedelta(days=37), FINISH),
                                     minutes="BA-SCM-I/MRL/contoh"))
        session.flush()
    return written


def _illustration(block: str, pct: Decimal, day: date, lat: float, lon: float) -> bytes:
    """A drawing of a block at `pct` percent, standing in for a site photo: the demo has no real ones, and says so
    on the picture. It carries the EXIF a phone would write (time, position), so the map and the checks treat it
    as a photo."""
    from fractions import Fraction
    from io import BytesIO

    from PIL import Image, ImageDraw, ImageFont

    from app.config import ROOT

    width, height, floors = 1200, 800, 5
    image = Image.new("RGB", (width, height), (196, 222, 240))
    draw = ImageDraw.Draw(image)
    draw.rectangle([0, 600, width, height], fill=(150, 130, 100))
    left, right, top, bottom = 330, 870, 150, 600
    storey = (bottom - top) / floors
    frame = min(float(pct) / 60, 1.0)  # the frame first (about 60% of the work), then walls and finishes
    walls = max(0.0, (float(pct) - 40) / 60)
    for f in range(floors):
        y1 = bottom - (f + 1) * storey
        if f + 1 <= frame * floors + 0.5:
            draw.rectangle([left, y1, right, y1 + storey], outline=(90, 90, 90), width=6)
            for x in range(left, right + 1, 90):
                draw.line([x, y1, x, y1 + storey], fill=(110, 110, 110), width=8)
            if f + 1 <= walls * floors + 0.5:
                draw.rectangle([left + 6, y1 + 6, right - 6, y1 + storey - 6], fill=(233, 220, 190))
                for x in range(left + 40, right - 60, 90):
                    draw.rectangle([x, y1 + 25, x + 45, y1 + 60], fill=(70, 110, 140))
    font = ImageFont.truetype(str(ROOT / "app" / "static" / "fonts" / "IBMPlexSans-Bold.woff"), 34)
    small = ImageFont.truetype(str(ROOT / "app" / "static" / "fonts" / "IBMPlexSans-Regular.woff"), 26)
    draw.rectangle([0, 0, width, 70], fill=(14, 90, 99))
    draw.text((24, 14), f"Blok {block} · {pct}% · {day.isoformat()}", font=font, fill=(255, 255, 255))
    draw.text((24, height - 48), "Ilustrasi data demo, bukan foto lapangan", font=small, fill=(255, 255, 255))

    def dms(value: float) -> tuple[Fraction, Fraction, Fraction]:
        value = abs(value)
        degrees, minutes = int(value), int(value * 60) % 60
        return Fraction(degrees), Fraction(minutes), Fraction(round((value * 3600) % 60 * 100), 100)

    exif = Image.Exif()
    exif[0x010F] = "Japra demo"
    exif[0x8825] = {1: "S" if lat < 0 else "N", 2: dms(lat), 3: "E" if lon > 0 else "W", 4: dms(lon)}
    exif[0x8769] = {0x9003: f"{day:%Y:%m:%d} 10:00:00", 0x9011: "+07:00"}
    out = BytesIO()
    image.save(out, "JPEG", quality=85, exif=exif)
    return out.getvalue()


def illustrate(session: Session, store, today: date, public: int = 6) -> int:
    """A picture per block at each month's last report, attached to it; the last `public` ones marked public."""
    from app.construction import photos
    from app.construction.models import BuildingFootprint, ProgressReport, SitePhoto

    project = session.scalar(select(Project).where(Project.slug == PROJECT))
    if project is None or construction.get(session, project) is None or session.scalar(
            select(SitePhoto.id).where(SitePhoto.project_id == project.id).limit(1)):
        return 0
    centres = {f.building_code: f.geom.representative_point() for f in session.scalars(
        select(BuildingFootprint).where(BuildingFootprint.project_id == project.id))}
    if not centres:
        return 0
    reports = session.scalars(select(ProgressReport).where(ProgressReport.project_id == project.id)
                              .order_by(ProgressReport.report_date)).all()
    monthly = {r.report_date.strftime("%Y-%m"): r for r in reports}.values()
    added = []
    for report in monthly:
        state = construction.progress_of(session, project, report.report_date)
        uploads = [photos.PhotoUpload(f"blok-{code}-{report.report_date}.jpg",
                                      _illustration(code, state.buildings[code].assessment.actual_pct,
                                                    report.report_date, centre.y, centre.x),
                                      f"Blok {code}, laporan {report.report_date:%d-%m-%Y}", code)
                   for code, centre in sorted(centres.items()) if code in state.buildings]
        added += photos.add_photos(session, ACTOR, store, project, uploads, report.report_date)
    for row in added[-public:]:
        row.public = True
    session.flush()
    return len(added)
