"""The progress report (laporan kemajuan): the month's or week's figures, S-curve, packages by block, site reports,
map of the blocks, photos and three signatures, printed offline and always in Bahasa Indonesia."""

from __future__ import annotations

import io
import re
from datetime import date
from decimal import Decimal

import pytest
from PIL import Image
from pypdf import PdfReader
from shapely import affinity
from shapely.geometry import box
from sqlalchemy import delete, select

from app import demo_construction
from app.construction import photos as site_photos
from app.construction import progress_report as doc
from app.construction import service as construction
from app.construction.models import BuildingFootprint, SitePhoto
from app.documents.pdf import LocalOnlyFetcher, render_pdf
from app.errors import Conflict, Invalid
from app.projects.models import Project
from tests.conftest import sign_in

pytestmark = pytest.mark.db

TODAY = date(2026, 11, 24)
PRINTED = date(2026, 11, 25)
OCTOBER = doc.report_period("2026-10")


def _pages(pdf: bytes) -> list[str]:
    assert pdf.startswith(b"%PDF-")
    return [" ".join((page.extract_text() or "").split()) for page in PdfReader(io.BytesIO(pdf)).pages]


def _jpeg(seed: int, size: tuple[int, int] = (400, 300)) -> bytes:
    image = Image.new("RGB", size, (seed * 37 % 256, seed * 91 % 256, 120))
    image.putpixel((seed % size[0], 0), (255, 255, 255))  # every photo its own hash
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


@pytest.fixture()
def marlina(db) -> Project:
    """Marlina's demo construction: weekly reports since November 2025, block B slipping."""
    demo_construction.load(db, TODAY)
    return db.scalar(select(Project).where(Project.slug == "marlina"))


@pytest.fixture()
def store(tmp_path) -> site_photos.PhotoStore:
    return site_photos.PhotoStore(tmp_path / "photos", 5_000_000, 20_000_000)


def add_photos(db, store, project, report_date: str, count: int, first: int = 0) -> list[SitePhoto]:
    uploads = [site_photos.PhotoUpload(f"foto-{i}.jpg", _jpeg(i), f"Pengecoran kolom, foto {i}", "AB"[i % 2])
               for i in range(first, first + count)]
    rows = site_photos.add_photos(db, "test", store, project, uploads, date.fromisoformat(report_date))
    db.commit()  # the photo service keeps its files once the transaction commits
    return rows


def add_footprints(db, project) -> None:
    """Two blocks on the site, unless the demo has drawn them already."""
    if db.scalar(select(BuildingFootprint).where(BuildingFootprint.project_id == project.id)):
        return
    centre = project.site.parcels[0].geom.centroid
    for code, dx in (("A", -0.00012), ("B", 0.00012)):
        shape = box(centre.x + dx - 0.00008, centre.y - 0.00015, centre.x + dx + 0.00008, centre.y + 0.00015)
        db.add(BuildingFootprint(project_id=project.id, building_code=code, geom=affinity.rotate(shape, 12)))
    db.flush()


def test_a_period_is_a_month_or_an_iso_week():
    assert doc.ReportPeriod("month", "2026-10", date(2026, 10, 1), date(2026, 10, 31)) == OCTOBER
    assert doc.report_period("2028-02").end == date(2028, 2, 29)
    assert doc.report_period("2026-12").end == date(2026, 12, 31)
    week = doc.report_period(week="2026-W44")
    assert (week.kind, week.key, week.start, week.end) == ("week", "2026-W44", date(2026, 10, 26), date(2026, 11, 1))
    assert doc.report_period(week="2020-w53").start == date(2020, 12, 28)
    for month, week_text, field in (("2026-13", None, "period"), ("10-2026", None, "period"),
                                    ("1999-12", None, "period"), (None, "2026-W60", "week"),
                                    (None, "2026-44", "week"), (None, "2027-W53", "week"), (None, None, "period"),
                                    ("2026-10", "2026-W44", "period")):
        with pytest.raises(Invalid) as refused:
            doc.report_period(month, week_text)
        assert refused.value.field == field, (month, week_text)
    assert doc.report_filename(Project(slug="marlina"), OCTOBER) == "laporan-kemajuan-marlina-2026-10.pdf"


def test_the_package_table_adds_up_to_the_projects_actual_progress(db, marlina, store):
    context = doc.progress_report_context(db, marlina, OCTOBER, today=TODAY, store=store)
    a = context["assessment"]
    assert context["as_of"] == date(2026, 10, 31) and context["basis"] == a.report_date == date(2026, 10, 31)
    assert a.status == "terlambat" and context["running"] is False and len(context["reports"]) == 5
    groups = context["groups"]
    assert [g.code for g in groups] == ["A", "B"] and sum(g.weight for g in groups) == 100
    assert context["contribution"] == a.actual_pct  # the weighted column's exact total is the project's figure
    assert sum(g.contribution for g in groups) == pytest.approx(a.actual_pct, abs=Decimal("0.01"))
    for g in groups:
        assert g.curve.assessment.actual_pct == construction.progress_of(db, marlina, date(2026, 10, 31)) \
            .buildings[g.code].assessment.actual_pct
        for row in g.rows:
            assert 0 <= row.planned_pct <= 100 and 0 <= row.actual_pct <= 100 and row.period_points >= 0
    structure = next(r for r in groups[1].rows if r.division == "struktur")
    assert structure.contribution == (structure.weight * structure.actual_pct / 100).quantize(Decimal("0.01"))
    # what October added: the project's actual at the end of September's last report, subtracted
    september = construction.progress_of(db, marlina, date(2026, 9, 30)).project.assessment
    assert context["period_actual"] == a.actual_pct - september.actual_pct > 0


def test_the_pdf_shows_the_figures_packages_status_photos_and_three_signatures(db, marlina, store):
    add_footprints(db, marlina)
    add_photos(db, store, marlina, "2026-10-10", 9)
    add_photos(db, store, marlina, "2026-10-24", 5, first=9)
    add_photos(db, store, marlina, "2026-11-07", 2, first=14)  # another month's: not in October's report
    html = doc.progress_report_html(db, marlina, OCTOBER, today=TODAY, printed_on=PRINTED, locale="en", store=store)
    assert html.count('<img src="data:image/jpeg;base64,') == 14
    pages = _pages(doc.progress_report_pdf(db, marlina, OCTOBER, today=TODAY, printed_on=PRINTED, locale="en",
                                           store=store))
    text = " ".join(pages)
    assert "CONSTRUCTION PROGRESS REPORT" in text and "Month of October 2026" in text
    assert "Figures as of 31 October 2026" in text and "Site reports in the period 5" in text
    assert "Photos in the period 14" in text and "Behind schedule" in text
    assert "Critical (kontrak kritis) · since 8 August 2026" in text  # block B
    assert "Block A" in text and "Block B" in text and "Structure" in text and "Weighted contribution" in text
    assert "Project 100.00%" in text  # the weights' total
    assert "Map of the blocks by progress" in text and "No building footprints" not in text
    assert "Pengecoran kolom, foto 13" in text and "foto 14" not in text and "10 October 2026 · Block" in text
    for signer in ("Prepared by The contractor", "Checked by The supervisor (konsultan pengawas)",
                   "Acknowledged by The chair of the cooperative", "CV Karya Warga Marlina (contoh)",
                   "Konsultan pengawas Japra (contoh)"):
        assert signer in text, signer
    photo_pages = [p for p in pages if "Pengecoran kolom, foto" in p]
    assert len(photo_pages) == 2 and len(re.findall(r"foto \d+", photo_pages[0])) == doc.PHOTOS_PER_PAGE
    assert "Page 1 of" in pages[0] and f"Page {len(pages)} of {len(pages)}" in pages[-1]


def test_a_missing_photo_file_prints_a_blank_frame_and_no_footprints_say_so(db, marlina, store):
    db.execute(delete(BuildingFootprint).where(BuildingFootprint.project_id == marlina.id))
    photo = add_photos(db, store, marlina, "2026-10-10", 2)[0]
    store.path(photo, "public").unlink()
    html = doc.progress_report_html(db, marlina, OCTOBER, today=TODAY, locale="en", store=store)
    assert html.count('<img src="data:image/jpeg;base64,') == 1 and "The photo file is missing." in html
    assert "No building footprints have been drawn for this project" in html


def test_a_long_month_prints_at_most_four_pages_of_photos(db, marlina, store, monkeypatch):
    monkeypatch.setattr(doc, "MAX_PHOTOS", 12)
    add_photos(db, store, marlina, "2026-10-10", 10)
    add_photos(db, store, marlina, "2026-10-17", 4, first=10)
    context = doc.progress_report_context(db, marlina, OCTOBER, today=TODAY, store=store)
    assert [len(page) for page in context["photo_pages"]] == [12] and context["photos_left_out"] == 2


def test_a_running_week_and_a_week_without_reports(db, marlina, store):
    running = doc.progress_report_html(db, marlina, doc.report_period(week="2026-W48"), today=TODAY, locale="en",
                                       store=store)
    assert "Week 2026-W48: 23 November 2026 to 29 November 2026" in running
    assert "The period is still running: the figures are those of 24 November 2026." in running
    assert "Critical (kontrak kritis)" in running and "Critical since 21 November 2026" in running
    context = doc.progress_report_context(db, marlina, doc.report_period(week="2026-W48"), today=date(2026, 11, 23),
                                          store=store)
    assert context["reports"] == [] and context["assessment"].report_date == date(2026, 11, 21)


def test_it_is_indonesian_and_needs_nothing_from_outside(db, marlina, store):
    add_footprints(db, marlina)
    add_photos(db, store, marlina, "2026-10-10", 2)
    fetcher = LocalOnlyFetcher()
    html = doc.progress_report_html(db, marlina, OCTOBER, today=TODAY, printed_on=PRINTED, store=store)
    assert '<html lang="id">' in html
    pdf = render_pdf(html, url_fetcher=fetcher)
    assert fetcher.refused == []  # fonts and styles are the app's own, the photos embedded
    text = " ".join(_pages(pdf))
    assert "Halaman 1 dari" in text and "Nama dan tanda tangan" in text and "31 Oktober 2026" in text


def test_before_construction_or_outside_it_nothing_is_printed(db, marlina, store):
    kunir = db.scalar(select(Project).where(Project.slug == "kunir"))
    with pytest.raises(Conflict):
        doc.progress_report_pdf(db, kunir, OCTOBER, today=TODAY, store=store)
    with pytest.raises(Invalid, match="before construction started"):
        doc.progress_report_pdf(db, marlina, doc.report_period("2025-10"), today=TODAY, store=store)
    with pytest.raises(Invalid, match="has not begun"):
        doc.progress_report_pdf(db, marlina, doc.report_period("2026-12"), today=TODAY, store=store)


def test_the_report_is_served_to_whoever_may_see_the_project(client, db, marlina):
    url = "/projects/marlina/construction/report.pdf?period=2026-10"
    anonymous = client.get(url, follow_redirects=False)
    assert anonymous.status_code in (302, 303, 401) and not anonymous.content.startswith(b"%PDF")
    sign_in(client, db, "pembaca")  # read-only: construction is not personal data
    page = client.get("/projects/marlina/construction")
    assert 'action="/projects/marlina/construction/report.pdf"' in page.text and 'name="period"' in page.text
    r = client.get(url)
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    assert r.headers["content-disposition"] == 'attachment; filename="laporan-kemajuan-marlina-2026-10.pdf"'
    assert "Halaman 1 dari" in " ".join(_pages(r.content))
    weekly = client.get("/projects/marlina/construction/report.pdf?week=2026-W44")
    assert weekly.status_code == 200 and "2026-W44" in weekly.headers["content-disposition"]
    for bad in ("period=2026-13", "period=", "period=2025-01", "period=2026-10&week=2026-W44"):
        refused = client.get(f"/projects/marlina/construction/report.pdf?{bad}")
        assert refused.status_code == 400 and not refused.content.startswith(b"%PDF"), bad
    assert client.get("/projects/kunir/construction/report.pdf?period=2026-10").status_code == 409
    sign_in(client, db, "pengurus-kunir")  # another cooperative's project: not even its existence
    assert client.get(url).status_code == 404
