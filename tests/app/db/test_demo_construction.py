"""The demo construction: a year of weekly reports, block B slipping, the project critical once past the 70% line."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from app import demo_construction
from app.construction import service as construction
from app.construction.models import ProgressReport
from app.projects.models import Project

pytestmark = pytest.mark.db
TODAY = date(2026, 11, 24)


def test_the_demo_project_turns_critical_just_past_the_70_percent_line(db):
    written = demo_construction.load(db, TODAY)
    project = db.scalar(select(Project).where(Project.slug == "marlina"))
    assert project.stage == "konstruksi"
    assert written == db.scalar(select(func.count()).select_from(ProgressReport)) > 50
    now = construction.progress_of(db, project, TODAY).project.assessment
    assert now.planned_pct > 70 and -11 < now.deviation_pct < -10 and now.status == "kritis"
    # A week earlier the plan was below 70%: ten points behind was only late, not critical.
    before = construction.progress_of(db, project, date(2026, 11, 15)).project.assessment
    assert before.planned_pct <= 70 and before.deviation_pct >= -10 and before.status == "terlambat"
    assert now.critical_since == date(2026, 11, 21)
    assert demo_construction.load(db, TODAY) == 0  # once only


def test_the_project_page_shows_the_s_curve_and_status(client, db):
    from tests.conftest import sign_in

    demo_construction.load(db, TODAY)
    db.commit()
    sign_in(client, db, "pembaca")
    page = client.get("/projects/marlina")
    assert page.status_code == 200 and "<svg" in page.text and "construction-summary" in page.text
