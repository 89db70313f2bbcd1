"""The site's zoning form and the capacity the project page shows from it."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.audit.models import AuditEntry
from app.projects.models import Project
from tests.conftest import csrf_token, sign_in

pytestmark = pytest.mark.db

VALID = {"kdb_pct": "55", "klb": "6,65", "kdh_pct": "20", "gsb_front_m": "4", "gsb_side_m": "1,5",
         "gsb_rear_m": "2", "front_azimuth_deg": "180", "max_floors": "5", "max_height_m": "",
         "floor_height_m": "3,2", "efficiency": "0,75", "unit_name_0": "Tipe 36", "unit_area_0": "36",
         "unit_share_0": "3", "unit_name_1": "Tipe 45", "unit_area_1": "45", "unit_share_1": "1"}


def _site(db, slug="kunir"):
    return db.scalar(select(Project).where(Project.slug == slug)).site


def test_project_page_shows_capacity_and_which_rule_binds(client, db):
    sign_in(client, db, "perencana")
    page = client.get("/projects/kunir").text
    assert "Zonasi dan kapasitas" in page
    assert "Unit yang muat" in page
    assert "Area boleh bangun" in page  # the buildable footprint is a map layer with its legend entry


def test_planner_saves_zoning_written_the_indonesian_way(client, db):
    sign_in(client, db, "perencana")
    r = client.post("/projects/kunir/zoning", data={**VALID, "_csrf_token": csrf_token(client)},
                    follow_redirects=False)
    assert r.status_code == 302 and r.headers["location"].startswith("/projects/kunir")
    site = _site(db)
    db.refresh(site)
    assert (site.kdb_pct, site.klb, site.gsb_side_m, site.max_floors, site.max_height_m) == (55, 6.65, 1.5, 5, None)
    assert [u["name"] for u in site.unit_mix] == ["Tipe 36", "Tipe 45"]
    entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "site.zoning"))
    assert entry.changes["klb"] == {"old": 3.5, "new": 6.65}
    # The form shows the saved values back in the visitor's notation.
    assert 'value="6,65"' in client.get("/projects/kunir/zoning").text


@pytest.mark.parametrize(("field", "value"), [("kdb_pct", "150"), ("klb", "banyak"), ("max_floors", "2,5"),
                                              ("unit_area_0", "5"), ("efficiency", "")])
def test_bad_zoning_is_refused_with_the_field_marked_and_nothing_saved(client, db, field, value):
    sign_in(client, db, "perencana")
    before = _site(db).klb
    r = client.post("/projects/kunir/zoning", data={**VALID, field: value, "_csrf_token": csrf_token(client)})
    assert r.status_code == 400
    assert f'name="{field}" value="{value}"' in r.text and 'aria-invalid="true"' in r.text
    db.expire_all()
    assert _site(db).klb == before


def test_zoning_is_for_writers_of_the_cooperative_only(client, db):
    sign_in(client, db, "pembaca")
    assert client.get("/projects/kunir/zoning").status_code == 403
    client.cookies.clear()
    sign_in(client, db, "pengurus-akuarium")
    assert client.get("/projects/kunir/zoning").status_code == 404
    r = client.post("/projects/kunir/zoning", data={**VALID, "_csrf_token": csrf_token(client)})
    assert r.status_code == 404
    client.cookies.clear()
    sign_in(client, db, "pengurus-kunir")
    assert client.get("/projects/kunir/zoning").status_code == 200


def test_zoning_form_without_csrf_token_is_refused(client, db):
    sign_in(client, db, "perencana")
    assert client.post("/projects/kunir/zoning", data=VALID).status_code == 403


def test_every_zoning_error_is_shown_at_once_beside_its_field_and_named(client, db):
    # Issue 13: errors came one at a time, at the top, without naming the field ("dua bukan angka.").
    sign_in(client, db, "perencana")
    bad = {"kdb_pct": "dua", "klb": "tiga", "floor_height_m": "", "max_floors": "2,5", "unit_area_1": "lima"}
    r = client.post("/projects/kunir/zoning", data={**VALID, **bad, "_csrf_token": csrf_token(client)})
    assert r.status_code == 400
    for name in bad:
        assert f'aria-describedby="err-{name}"' in r.text, name
        assert f'id="err-{name}"' in r.text, name
    page = r.text
    summary = page[page.index('id="form-error"'):page.index("</div>", page.index('id="form-error"'))]
    assert summary.count("<li>") == len(bad)
    for label in ("KDB", "KLB", "Luas bersih (m²) 2"):
        assert label in summary, label
    assert db.scalar(select(AuditEntry).where(AuditEntry.action == "site.zoning")) is None
