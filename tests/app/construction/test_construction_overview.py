"""Japra's construction overview on the dashboard: every project under construction, sortable on the server."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.construction import overview
from app.construction import service as construction
from app.projects.models import Project
from tests.conftest import fix_today, sign_in

pytestmark = pytest.mark.db
TODAY = date(2026, 7, 5)


def _start(db, slug: str, **percents: str) -> Project:
    project = db.scalar(select(Project).where(Project.slug == slug))
    construction.start(db, "test", project, construction.StartIn(date(2025, 11, 3), date(2027, 4, 30)))
    if percents:
        construction.add_report(db, "test", project, construction.ReportIn(
            date(2026, 6, 30), "Pengawas", {k: Decimal(v) for k, v in percents.items()}), TODAY)
    db.commit()
    return project


@pytest.fixture()
def admin(client, db, web_app):
    fix_today(web_app, TODAY)
    sign_in(client, db, "admin")
    client.cookies.set("japra_lang", "en")
    return client


def _order(html: str) -> list[str]:
    section = html[html.index('id="construction"'):]
    return re.findall(r'<td><a href="/projects/([a-z-]+)/construction">', section)


def _all_done(db, project: Project) -> None:
    percents = {p.code: Decimal(100) for p in construction.packages_of(db, project)}
    construction.add_report(db, "test", project, construction.ReportIn(date(2026, 6, 30), "Pengawas", percents), TODAY)
    db.commit()


def test_the_overview_lists_every_project_under_construction(admin, db):
    assert "No project is under construction." in admin.get("/").text
    _start(db, "marlina", **{"A-persiapan": "50"})  # far behind: critical
    _all_done(db, _start(db, "kunir"))  # ahead of the plan
    akuarium = _start(db, "akuarium")  # no report yet: 0% against the plan
    page = admin.get("/")
    assert page.status_code == 200
    assert _order(page.text) == ["akuarium", "kunir", "marlina"]  # by project name
    assert "Critical (kontrak kritis)" in page.text and "On schedule" in page.text
    assert "30 June 2026" in page.text and "No report yet" in page.text

    rows, _column, _down = overview.rows(db, db.scalars(select(Project)).all(), TODAY, "deviation")
    deviations = [r.deviation_pct for r in rows]
    assert deviations == sorted(deviations) and rows[-1].project.slug == "kunir"
    by_deviation = admin.get("/?sort=deviation")
    assert _order(by_deviation.text) == [r.project.slug for r in rows]  # the most behind first
    assert 'aria-sort="ascending"' in by_deviation.text and 'href="?sort=-deviation#construction"' in by_deviation.text
    assert _order(admin.get("/?sort=-deviation").text) == [r.project.slug for r in reversed(rows)]
    assert _order(admin.get("/?sort=status").text)[-1] == "kunir"
    # Without a report there is no last report date: that row stays at the bottom either way.
    assert _order(admin.get("/?sort=report").text) == ["kunir", "marlina", "akuarium"]
    assert _order(admin.get("/?sort=-report").text) == ["kunir", "marlina", "akuarium"]
    assert _order(admin.get("/?sort=nonsense").text) == ["akuarium", "kunir", "marlina"]

    # After the final handover a project leaves the overview; in its maintenance period it stays, marked so.
    contract = construction.get(db, akuarium)
    contract.pho_on = date(2026, 6, 1)
    db.commit()
    assert "Handed over: maintenance period" in admin.get("/").text
    contract.fho_on = date(2026, 7, 1)
    db.commit()
    assert _order(admin.get("/").text) == ["kunir", "marlina"]


def test_only_japra_staff_see_the_overview(client, db, web_app):
    fix_today(web_app, TODAY)
    _start(db, "marlina")
    sign_in(client, db, "pengurus-marlina")
    assert 'id="construction"' not in client.get("/").text
    client.cookies.clear()
    sign_in(client, db, "pembaca")
    assert 'id="construction"' in client.get("/").text


def test_sorting_keeps_rows_without_figures_last():
    assert overview.parse_sort("-actual") == ("actual", True)
    assert overview.parse_sort("status") == ("status", False)
    assert overview.parse_sort("") == ("project", False)
    assert overview.parse_sort("-drop table") == ("project", False)
