"""Show-cause meetings: SCM I only while the contract is critical, the next only after a missed target, and the
outcome judged from the reports on the target date, confirmed by the officer."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.clock import FixedClock
from app.construction import service as construction
from app.construction.models import ShowCauseMeeting
from app.projects.models import Project
from tests.conftest import csrf_token, sign_in

pytestmark = pytest.mark.db
PAGE = "/projects/marlina/construction"




@pytest.fixture()
def clock(web_app) -> FixedClock:
    fixed = FixedClock(date(2026, 7, 5))
    web_app.state.clock = fixed
    return fixed


@pytest.fixture()
def marlina(client, db, clock) -> Project:
    """Marlina started in November 2025; its officer signed in, English pages."""
    project = db.scalar(select(Project).where(Project.slug == "marlina"))
    construction.start(db, "test", project, construction.StartIn(date(2025, 11, 3), date(2027, 4, 30)))
    db.commit()
    sign_in(client, db, "pengurus-marlina")
    client.cookies.set("japra_lang", "en")
    return project


def _report(db, project, day: str, **percents: str) -> None:
    construction.add_report(db, "test", project, construction.ReportIn(
        date.fromisoformat(day), "Pengawas", {k.replace("_", "-"): Decimal(v) for k, v in percents.items()}),
                            date(2030, 1, 1))
    db.commit()


@pytest.fixture()
def critical(db, marlina) -> Project:
    """Far behind in June 2026: kontrak kritis."""
    _report(db, marlina, "2026-06-30", A_persiapan="50")
    assert construction.progress_of(db, marlina, date(2026, 6, 30)).project.assessment.status == "kritis"
    return marlina


def _meetings(db) -> list[ShowCauseMeeting]:
    return db.scalars(select(ShowCauseMeeting).order_by(ShowCauseMeeting.id)).all()


def _scm(client, **fields):
    data = {"scm_held_on": "2026-07-03", "scm_target_pct": "45", "scm_target_date": "2026-08-01",
            "scm_minutes": "BA-SCM-I/MRL/2026", **fields}
    return client.post(PAGE + "/showcause", data={**data, "_csrf_token": csrf_token(client)}, follow_redirects=False)


def _outcome(client, meeting_id: int, outcome: str):
    return client.post(f"{PAGE}/showcause/{meeting_id}/outcome",
                       data={"outcome": outcome, "_csrf_token": csrf_token(client)}, follow_redirects=False)


def test_the_sequence_from_scm_one_to_two(client, db, critical, clock):
    page = client.get(PAGE)
    assert "Record SCM I" in page.text
    assert _scm(client).status_code == 302
    first = _meetings(db)[0]
    assert (first.level, first.target_pct, first.target_date, first.outcome) == (1, 45, date(2026, 8, 1), None)
    assert "SCM I" in client.get(PAGE).text and "Test period running" in client.get(PAGE).text

    again = _scm(client, scm_held_on="2026-07-04")
    assert again.status_code == 409 and "SCM I has no outcome yet" in again.text
    early = _outcome(client, first.id, "missed")
    assert early.status_code == 400 and "judged from its target date" in early.text

    clock.day = date(2026, 8, 5)
    _report(db, critical, "2026-07-31", A_persiapan="80", B_persiapan="40")
    page = client.get(PAGE)
    assert "The target of SCM I was missed." in page.text and "Confirm: target missed" in page.text
    wrong = _outcome(client, first.id, "met")
    assert wrong.status_code == 409 and "The reports say otherwise" in wrong.text
    db.refresh(first)
    assert first.outcome is None
    assert _outcome(client, first.id, "missed").status_code == 302
    db.refresh(first)
    assert first.outcome == "missed"
    assert _outcome(client, first.id, "missed").status_code == 409  # recorded once

    # SCM II follows a missed target, held on or after SCM I's target date.
    before = _scm(client, scm_held_on="2026-07-30", scm_target_pct="30", scm_target_date="2026-09-01")
    assert before.status_code == 400 and "before the target date of SCM I" in before.text
    assert _scm(client, scm_held_on="2026-08-02", scm_target_pct="30", scm_target_date="2026-09-01",
                scm_minutes="").status_code == 302
    assert [(m.level, m.outcome) for m in _meetings(db)] == [(1, "missed"), (2, None)]
    actions = db.scalars(select(AuditEntry.action).where(AuditEntry.action.like("scm.%"))
                         .order_by(AuditEntry.id)).all()
    assert actions == ["scm.record", "scm.outcome", "scm.record"]


def test_a_met_target_ends_the_sequence(client, db, critical, clock):
    assert _scm(client, scm_target_pct="1").status_code == 302
    clock.day = date(2026, 8, 1)
    _report(db, critical, "2026-07-31", A_persiapan="80", B_persiapan="40")
    meeting = _meetings(db)[0]
    assert "The target of SCM I was met." in client.get(PAGE).text
    assert _outcome(client, meeting.id, "met").status_code == 302
    db.refresh(meeting)
    assert meeting.outcome == "met"


def test_scm_one_only_while_critical(client, db, marlina, clock):
    # November 2025: a week into the work, before any report, the plan is barely begun: not critical.
    clock.day = date(2025, 11, 12)
    r = _scm(client, scm_held_on="2025-11-10", scm_target_date="2025-12-10")
    assert r.status_code == 400 and "only while the contract is critical" in r.text
    assert "Record SCM" not in client.get(PAGE).text
    assert _meetings(db) == []


@pytest.mark.parametrize("fields, text", [
    ({"scm_held_on": "2026-07-06"}, "in the future"),
    ({"scm_held_on": "2025-10-01"}, "before construction started"),
    ({"scm_target_pct": "150"}, "not a percentage"),
    ({"scm_target_pct": "abc"}, "not a percentage"),
    ({"scm_target_date": "2026-07-03"}, "must be after the meeting"),
    ({"scm_target_date": "soon"}, "Write the date"),
])
def test_a_refused_meeting_stores_nothing(client, db, critical, fields, text):
    r = _scm(client, **fields)
    assert r.status_code == 400 and 'role="alert"' in r.text and text in r.text
    assert _meetings(db) == []
    assert db.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "scm.record")) == 0


def test_who_may_record_meetings(client, db, critical):
    client.cookies.clear()
    sign_in(client, db, "pembaca")
    assert _scm(client).status_code == 403
    assert "Record SCM I" not in client.get(PAGE).text
    client.cookies.clear()
    sign_in(client, db, "pengurus-akuarium")
    assert _scm(client).status_code == 404
    assert _meetings(db) == []
