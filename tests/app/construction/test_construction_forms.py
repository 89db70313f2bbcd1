"""The construction forms at their boundary: a hostile value in any field (a far date, NaN, 1e309, a number past 64
bits, 100 000 characters, a NUL byte) is refused with a 4xx page, the refusal names the field, and nothing is stored.

Each form is read into its typed command by the reader in its controller (`app.web.forms.FormReader`); the refusal's
field is asserted on that reader, the page and the database through the app.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from html import unescape
from io import BytesIO

import pytest
from PIL import Image
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.construction import service as construction
from app.construction.models import (
    BuildingFootprint,
    Construction,
    CostEntry,
    ProgressReport,
    ShowCauseMeeting,
    SitePhoto,
    WorkPackage,
)
from app.construction.pages.costs import correction_in, cost_in, fho_in, meeting_in, outcome_of, pho_in
from app.construction.pages.footprints import drawn_in
from app.construction.pages.photos import photo_text
from app.construction.pages.progress import report_in, schedule_changes, start_in
from app.projects.models import Project
from app.web.forms import FormReader
from kernel.errors import UserError
from tests.conftest import csrf_token, fix_today, sign_in

pytestmark = pytest.mark.db
TODAY = date(2026, 6, 30)
SITE = "/projects/marlina/construction"

DATES = ("9999-12-31", "2026-01-01\x00")
NUMBERS = ("NaN", "1e309", "99999999999999999999999", "1\x00")
TEXTS = ("x" * 100_000, "a\x00b")


def _hostile(fields: dict[str, tuple[str, ...]]) -> list[tuple[str, str]]:
    return [(field, value) for field, values in fields.items() for value in values]


def _stored(db) -> tuple:
    """Everything these forms could write, counted."""
    db.expire_all()
    count = lambda model: db.scalar(select(func.count()).select_from(model))  # noqa: E731
    return (count(AuditEntry), count(Construction), count(CostEntry), count(ProgressReport), count(ShowCauseMeeting),
            count(SitePhoto), count(BuildingFootprint),
            tuple(db.execute(select(WorkPackage.cost, WorkPackage.start, WorkPackage.finish)
                             .order_by(WorkPackage.id)).all()),
            tuple(db.execute(select(Construction.pho_on, Construction.fho_on)).all()))


def _alerts(html: str) -> list[str]:
    return [unescape(re.sub(r"<[^>]+>", "", m)).strip()
            for m in re.findall(r'<p class="alert error" role="alert">(.*?)</p>', html, re.S)]


def _refused_field(reader: Callable[[FormReader], object], data: dict[str, str]) -> str | None:
    try:
        reader(FormReader(data, "en"))
    except UserError as exc:
        return exc.field
    return None


def _assert_refused(client, db, path: str, base: dict[str, str], cases: list[tuple[str, str]],
                    reader: Callable[[FormReader], object] | None, *, multipart: bool = False, files=None,
                    named_on_page: dict[str, str] | None = None) -> None:
    """Each case posted on its own: a 4xx page with the refusal, nothing stored; the reader's refusal names the
    field (or, for a value the reader lets through to the rules that check the form whole, the page names what
    it is about: `named_on_page[field]`)."""
    before = _stored(db)
    for field, value in cases:
        data = {**base, field: value}
        if multipart:
            r = client.post(path, data={**data, "_csrf_token": csrf_token(client)}, files=files or [],
                            follow_redirects=False)
        else:
            r = client.post(path, data={**data, "_csrf_token": csrf_token(client)}, follow_redirects=False)
        label = (field, value[:30])
        assert 400 <= r.status_code < 500, (label, r.status_code, r.text[:300])
        assert 'role="alert"' in r.text, label
        assert _stored(db) == before, label
        refused = _refused_field(reader, data) if reader else None
        if named_on_page and field in named_on_page and refused is None:
            assert any(named_on_page[field] in alert for alert in _alerts(r.text)), (label, _alerts(r.text))
        elif reader is not None:
            assert refused == field, (label, refused)


@pytest.fixture()
def officer(client, db, web_app):
    fix_today(web_app, TODAY)
    sign_in(client, db, "pengurus-marlina")
    client.cookies.set("japra_lang", "en")
    return client


@pytest.fixture()
def built(officer, db) -> Project:
    project = db.scalar(select(Project).where(Project.slug == "marlina"))
    construction.start(db, "test", project, construction.StartIn(date(2025, 11, 3), date(2027, 4, 30)))
    db.commit()
    return project


def test_the_start_form_refuses_hostile_values(officer, db):
    base = {"started_on": "2025-11-03", "planned_finish": "2027-04-30"}
    cases = _hostile({"started_on": DATES, "planned_finish": DATES, "contract_value": NUMBERS,
                      "contractor": TEXTS, "supervisor": TEXTS, "scenario": TEXTS})
    _assert_refused(officer, db, SITE, base, cases, start_in)
    assert construction.get(db, db.scalar(select(Project).where(Project.slug == "marlina"))) is None


def test_the_schedule_form_refuses_hostile_values(officer, db, built):
    code = construction.packages_of(db, built)[0].code
    base = {f"cost_{code}": "1000000", f"start_{code}": "2025-11-03", f"finish_{code}": "2026-01-31"}
    cases = _hostile({f"cost_{code}": NUMBERS, f"start_{code}": DATES, f"finish_{code}": DATES})
    _assert_refused(officer, db, SITE + "/schedule", base, cases, schedule_changes)


def test_the_report_form_refuses_hostile_values(officer, db, built):
    packages = construction.packages_of(db, built)
    code = packages[0].code
    base = {"report_date": "2025-11-08", "reporter": "Pengawas", f"pct_{code}": "5"}
    cases = _hostile({"report_date": DATES, f"pct_{code}": NUMBERS, "workers": NUMBERS, "reporter": TEXTS,
                      f"reason_{code}": TEXTS, "weather": TEXTS, "problems": TEXTS, "notes": TEXTS})
    # 1e309 and 99999999999999999999999 are numbers: the progress rules refuse them with the other packages'
    # problems, naming the package.
    _assert_refused(officer, db, SITE + "/reports", base, cases, lambda form: report_in(form, packages),
                    multipart=True, named_on_page={f"pct_{code}": code})


def _photo() -> bytes:
    out = BytesIO()
    Image.new("RGB", (32, 24), (120, 90, 60)).save(out, "JPEG")
    return out.getvalue()


def test_the_photo_form_refuses_hostile_values(officer, db, built):
    files = [("photo_1", ("a.jpg", _photo(), "image/jpeg"))]
    cases = _hostile({"report_date": DATES, "photo_caption_1": TEXTS, "photo_building_1": TEXTS})
    _assert_refused(officer, db, SITE + "/photos", {}, cases,
                    lambda form: (form.optional_date("report_date"), photo_text(form.data, 1)), multipart=True,
                    files=files)


def test_the_cost_forms_refuse_hostile_values(officer, db, built):
    base = {"entry_date": "2026-02-01", "amount": "125000000", "division": "struktur", "block": "A",
            "payee": "PT Beton Jaya", "reference": "INV-1", "note": "termin 1"}
    cases = _hostile({"entry_date": DATES, "amount": NUMBERS, "division": TEXTS, "line": TEXTS, "block": TEXTS,
                      "payee": TEXTS, "reference": TEXTS, "note": TEXTS})
    _assert_refused(officer, db, SITE + "/costs", base, cases, cost_in)
    correction = {"corrects": "INV-1", "amount": "1000", "entry_date": "2026-02-05", "note": "salah hitung"}
    cases = _hostile({"entry_date": DATES, "amount": NUMBERS, "corrects": TEXTS, "note": TEXTS})
    _assert_refused(officer, db, SITE + "/costs/corrections", correction, cases, correction_in)


def test_the_show_cause_forms_refuse_hostile_values(officer, db, built):
    base = {"scm_held_on": "2026-06-29", "scm_target_pct": "45", "scm_target_date": "2026-08-01",
            "scm_minutes": "BA-SCM-I"}
    cases = _hostile({"scm_held_on": DATES, "scm_target_date": DATES, "scm_target_pct": NUMBERS,
                      "scm_minutes": TEXTS})
    _assert_refused(officer, db, SITE + "/showcause", base, cases, meeting_in)
    _assert_refused(officer, db, SITE + "/showcause/1/outcome", {}, _hostile({"outcome": TEXTS + NUMBERS}),
                    outcome_of)


def test_the_handover_forms_refuse_hostile_values(officer, db, built):
    base = {"pho_on": "2026-06-30", "pho_reference": "BA-PHO/1", "maintenance_days": "180", "retention_pct": "5",
            "first_due": "2026-12-25"}
    cases = _hostile({"pho_on": DATES, "first_due": DATES, "maintenance_days": NUMBERS, "retention_pct": NUMBERS,
                      "pho_reference": TEXTS})
    _assert_refused(officer, db, SITE + "/handover/pho", base, cases, pho_in)
    cases = _hostile({"fho_on": DATES, "fho_reference": TEXTS})
    _assert_refused(officer, db, SITE + "/handover/fho", {"fho_on": "2026-06-30", "fho_reference": "BA-FHO/1"},
                    cases, fho_in)


def test_the_footprint_forms_refuse_hostile_values(client, db, web_app):
    fix_today(web_app, TODAY)
    sign_in(client, db, "perencana")
    client.cookies.set("japra_lang", "en")
    editor = SITE + "/footprints"
    outline = '{"type": "Polygon", "coordinates": [[[106.8, -6.1], [106.8001, -6.1], [106.8001, -6.1001]]]}'
    # 100 000 characters are within what the map may send for an outline: the footprint checks find it
    # unreadable, naming the block.
    _assert_refused(client, db, editor, {"block": "A", "outline": outline},
                    _hostile({"block": TEXTS, "outline": TEXTS}), drawn_in,
                    named_on_page={"outline": "The outline of block A could not be read."})
    _assert_refused(client, db, editor + "/delete", {}, _hostile({"block": TEXTS}),
                    lambda form: form.text("block", limit=40))


def test_a_cost_form_and_a_report_list_every_problem_at_once(officer, db, built):
    """The reader types the values; the book's and the progress rules check the form whole, so the page shows
    each of its problems, not only the first."""
    before = _stored(db)
    r = officer.post(SITE + "/costs", data={"entry_date": "2026-07-01", "amount": "0", "division": "atap",
                                            "block": "Z", "reference": "", "_csrf_token": csrf_token(officer)})
    lines = _alerts(r.text)
    assert r.status_code == 400 and len(lines) == 5, lines
    assert any("in the future" in line for line in lines) and any("no block Z" in line for line in lines)
    codes = [p.code for p in construction.packages_of(db, built)[:2]]
    r = officer.post(SITE + "/reports", data={"report_date": "2025-11-08", "reporter": "Pengawas",
                                              f"pct_{codes[0]}": "150", f"pct_{codes[1]}": "-5",
                                              "_csrf_token": csrf_token(officer)})
    lines = _alerts(r.text)
    assert r.status_code == 400 and all(any(code in line for line in lines) for code in codes), lines
    assert _stored(db) == before
