"""Taking parcels away (one, or a site's all), replacing them with a new file, and what the preview warns about.

Issue 13: a wrong import could not be undone, implausible files passed silently, codes sorted as text, the
mapped notes were never shown and the preview's counts disagreed. On SQLite and on PostGIS.
"""

from __future__ import annotations

import json
import re

import pytest
import shapely
from shapely.geometry import box
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.designs.models import Scenario
from app.projects.models import Parcel, Project, Site
from tests.conftest import csrf_token, sign_in_english
from tests.parcel_files import geojson, gj_feature

pytestmark = pytest.mark.db

# Clear of every demo parcel, west of Kunir (as in test_parcels.py), and about 1 km from KUN-01.
A = box(106.7900, -6.1400, 106.7903, -6.1397)
B = box(106.7903, -6.1400, 106.7906, -6.1397)


def _codes(db, slug: str) -> list[str]:
    return list(db.scalars(select(Parcel.code).join(Site).join(Project).where(Project.slug == slug)))


def _upload(client, path, slug: str = "kunir", **data):
    r = client.post(f"/projects/{slug}/parcels/import", files={"file": (path.name, path.read_bytes())},
                    data={"_csrf_token": csrf_token(client), **data}, follow_redirects=False)
    assert r.status_code in (302, 303), r.text[:500]
    return r.headers["location"]


def _confirm(client, url: str, **data):
    return client.post(url.split("?")[0], data={"action": "import", "_csrf_token": csrf_token(client), **data},
                       follow_redirects=False)


# --- delete ---------------------------------------------------------------------------------------------------

def test_one_parcel_is_deleted_after_a_confirmation_that_warns_of_the_scenarios(client, db):
    sign_in_english(client, db, "pengurus-akuarium")
    page = client.get("/projects/akuarium")
    assert "/parcels/delete?code=AKU-02" in page.text  # each row of the parcel table offers its delete
    confirm = client.get("/projects/akuarium/parcels/delete?code=AKU-02")
    assert confirm.status_code == 200
    assert "AKU-02" in confirm.text and 'name="code" value="AKU-02"' in confirm.text
    assert "1 scenario is costed on this site" in confirm.text  # the akuarium scenario "Blok A-E"
    assert _codes(db, "akuarium") == ["AKU-01", "AKU-02", "AKU-03"]  # the confirmation deletes nothing

    done = client.post("/projects/akuarium/parcels/delete",
                       data={"code": "AKU-02", "_csrf_token": csrf_token(client)}, follow_redirects=False)
    assert done.status_code in (302, 303) and done.headers["location"].endswith("?deleted=1")
    assert sorted(_codes(db, "akuarium")) == ["AKU-01", "AKU-03"]
    entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "parcels.delete"))
    assert entry.changes["codes"] == ["AKU-02"] and entry.changes["deleted"] == 1 and entry.actor == "pengurus-akuarium"
    # Scenarios belong to the project, not to its parcels: they stay.
    assert db.scalar(select(func.count()).select_from(Scenario).join(Project).where(Project.slug == "akuarium")) == 1
    assert "AKU-02" not in client.get(done.headers["location"]).text


def test_all_of_a_sites_parcels_are_deleted_and_the_site_stays(client, db):
    sign_in_english(client, db, "perencana")
    confirm = client.get("/projects/akuarium/parcels/delete")
    assert confirm.status_code == 200 and "3" in confirm.text and "parcels/import?replace=1" in confirm.text
    done = client.post("/projects/akuarium/parcels/delete", data={"_csrf_token": csrf_token(client)},
                       follow_redirects=False)
    assert done.headers["location"].endswith("?deleted=3")
    assert _codes(db, "akuarium") == []
    page = client.get("/projects/akuarium")
    assert page.status_code == 200 and "No parcels on this site yet." in page.text
    entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "parcels.delete"))
    assert entry.changes["deleted"] == 3 and entry.changes["total_area_m2"] > 0


def test_delete_is_refused_without_csrf_to_readers_and_to_other_cooperatives(client, db):
    sign_in_english(client, db, "perencana")
    assert client.post("/projects/akuarium/parcels/delete", data={}).status_code == 403
    client.cookies.clear()
    sign_in_english(client, db, "pengurus-kunir")
    assert client.get("/projects/akuarium/parcels/delete").status_code == 404
    assert client.post("/projects/akuarium/parcels/delete",
                       data={"_csrf_token": csrf_token(client)}).status_code == 404
    client.cookies.clear()
    sign_in_english(client, db, "pembaca")
    assert client.post("/projects/akuarium/parcels/delete",
                       data={"_csrf_token": csrf_token(client)}).status_code == 403
    assert len(_codes(db, "akuarium")) == 3


@pytest.mark.parametrize("code", ["NOPE", "x" * 500, "\x00"])
def test_an_unknown_or_hostile_code_is_a_clear_refusal_not_a_500(client, db, code):
    sign_in_english(client, db, "perencana")
    assert client.get("/projects/akuarium/parcels/delete", params={"code": code}).status_code in (400, 404)
    r = client.post("/projects/akuarium/parcels/delete", data={"code": code, "_csrf_token": csrf_token(client)})
    assert r.status_code in (400, 404)
    assert len(_codes(db, "akuarium")) == 3


def test_cli_deletes_one_parcel_or_all_of_them(cli, db):
    one = cli("parcels", "delete", "--project", "akuarium", "--code", "AKU-01", "--yes")
    assert one.exit_code == 0, one.stderr
    assert json.loads(one.stdout) == {"deleted": 1, "codes": ["AKU-01"], "scenarios": 1}
    unknown = cli("parcels", "delete", "--project", "akuarium", "--code", "AKU-01", "--yes")
    assert unknown.exit_code == 2 and "AKU-01" in unknown.stderr
    rest = cli("parcels", "delete", "--project", "akuarium", "--yes")
    assert json.loads(rest.stdout)["deleted"] == 2
    assert _codes(db, "akuarium") == []
    assert [e.changes["deleted"] for e in db.scalars(select(AuditEntry).where(AuditEntry.action == "parcels.delete")
                                                       .order_by(AuditEntry.id))] == [1, 2]


def test_cli_delete_asks_first_and_a_no_keeps_the_parcels(cli, db):
    declined = cli("parcels", "delete", "--project", "kunir", input="n\n")
    assert declined.exit_code == 1
    assert "1 parcel(s) of kunir will be deleted." in declined.stderr
    assert "2 scenario(s) are costed on this site" in declined.stderr
    assert _codes(db, "kunir") == ["KUN-01"]
    accepted = cli("parcels", "delete", "--project", "kunir", input="y\n")
    assert accepted.exit_code == 0 and json.loads(accepted.stdout)["deleted"] == 1
    assert _codes(db, "kunir") == []


# --- replace --------------------------------------------------------------------------------------------------

def test_replace_swaps_the_parcels_in_one_step_and_keeps_the_scenarios(client, db, tmp_path):
    sign_in_english(client, db, "perencana")
    kun = db.scalar(select(Parcel).where(Parcel.code == "KUN-01"))
    # Drawn over the old parcel: without replace it is an overlap, with replace it is the new survey.
    path = geojson(tmp_path, [gj_feature(shapely.affinity.translate(kun.geom, 0.00005, 0), NIB="KUN-NEW")])
    plain = _upload(client, path)
    assert "KUN-01" in client.get(plain).text  # refused for the overlap with the parcel on the site

    url = _upload(client, path, replace="1")
    assert "replace=1" in url
    preview = client.get(url)
    assert preview.status_code == 200 and "KUN-01" not in preview.text.split('id="problems"')[-1]
    assert "The site's 1 parcel will be deleted" in preview.text
    assert "2 scenarios are costed on this site" in preview.text
    assert '<input type="hidden" name="replace" value="1">' in preview.text

    done = _confirm(client, url, replace="1")
    assert done.status_code in (302, 303), done.text[:500]
    assert _codes(db, "kunir") == ["KUN-NEW"]
    actions = list(db.scalars(select(AuditEntry.action).where(AuditEntry.action.like("parcels.%"))
                              .order_by(AuditEntry.id)))
    assert actions == ["parcels.replace", "parcels.import"]
    entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "parcels.import"))
    assert entry.changes["replaced"] == 1
    assert db.scalar(select(func.count()).select_from(Scenario).join(Project).where(Project.slug == "kunir")) == 2
    assert client.get("/projects/kunir").status_code == 200  # capacity read from the new parcel


def test_a_refused_replace_keeps_the_old_parcels(client, db, tmp_path):
    sign_in_english(client, db, "perencana")
    bowtie = shapely.Polygon([(106.79, -6.14), (106.7903, -6.1397), (106.7903, -6.14), (106.79, -6.1397)])
    path = geojson(tmp_path, [gj_feature(A, NIB="X-1"), gj_feature(bowtie, NIB="X-2")])
    url = _upload(client, path, replace="1")
    r = _confirm(client, url, replace="1")
    assert r.status_code == 400
    assert _codes(db, "kunir") == ["KUN-01"]
    assert db.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action.like("parcels.%"))) == 0


def test_cli_import_replace(cli, db, tmp_path):
    path = geojson(tmp_path, [gj_feature(A, NIB="R-1"), gj_feature(B, NIB="R-2")])
    done = cli("parcels", "import", str(path), "--project", "akuarium", "--replace")
    assert done.exit_code == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["imported"] == 2 and out["replace"] is True and out["replaced"] == 3
    assert sorted(_codes(db, "akuarium")) == ["R-1", "R-2"]


# --- what the preview shows -------------------------------------------------------------------------------

def test_preview_warns_of_a_site_of_tens_of_hectares(client, db, tmp_path):
    sign_in_english(client, db, "perencana")
    # 0.004° x 0.004°: about 440 m x 440 m, 19 ha. Far from nothing else: the warning is the area's alone.
    kun = db.scalar(select(Parcel).where(Parcel.code == "KUN-01"))
    c = kun.geom.centroid
    big = box(c.x - 0.002, c.y - 0.002, c.x + 0.002, c.y + 0.002).difference(kun.geom.buffer(0.00001))
    url = _upload(client, geojson(tmp_path, [gj_feature(big, NIB="BESAR")]))
    preview = client.get(url)
    assert preview.status_code == 200
    assert re.search(r"The parcels cover 1\d[.,]\d ha in total", preview.text)
    assert "Import 1 parcel" in preview.text  # a warning, not a refusal


def test_preview_warns_of_parcels_far_from_the_site_and_draws_the_existing_parcels(client, db, tmp_path):
    sign_in_english(client, db, "perencana")
    c = db.scalar(select(Parcel).where(Parcel.code == "KUN-01")).geom.centroid
    near = box(c.x + 0.004, c.y, c.x + 0.0043, c.y + 0.0003)  # about 450 m east of KUN-01
    far = shapely.affinity.translate(near, 0.05, 0)  # 5.5 km further east
    url = _upload(client, geojson(tmp_path, [gj_feature(near, NIB="DEKAT"), gj_feature(far, NIB="JAUH")]))
    preview = client.get(url).text
    warning = re.search(r'<p class="alert warn"[^>]*>([^<]*)</p>', preview).group(1)
    assert "1 feature(s) lie more than 2 km from the site&#39;s existing parcels" in warning
    assert "2" in warning.split(":")[-1]  # the far one is named (feature 2), the near one is not
    assert "Parcels already on the site" in preview  # KUN-01 drawn under the file's parcels, with its legend


def test_preview_of_an_empty_site_warns_of_parcels_outside_its_kelurahan(client, db, tmp_path):
    sign_in_english(client, db, "perencana")
    assert client.post("/projects/akuarium/parcels/delete", data={"_csrf_token": csrf_token(client)},
                       follow_redirects=False).status_code in (302, 303)
    # Akuarium is in Penjaringan; this parcel is in South Jakarta, about 15 km away.
    south = box(106.8000, -6.2600, 106.8003, -6.2597)
    preview = client.get(_upload(client, geojson(tmp_path, [gj_feature(south, NIB="SELATAN")]),
                                 slug="akuarium")).text
    assert "outside the project&#39;s kelurahan" in preview


def test_preview_counts_agree_and_mapped_notes_are_shown(client, db, tmp_path):
    sign_in_english(client, db, "perencana")
    # One feature with two problems (an unknown status and an over-long code): one refused, two problems.
    path = geojson(tmp_path, [gj_feature(A, NIB="X" * 70, STATUS="sewa", KETERANGAN="ok"),
                              gj_feature(B, NIB="B-1", KETERANGAN="Bekas gudang, sengketa RT 05")])
    preview = client.get(_upload(client, path)).text
    refused = re.search(r"<dt>Refused</dt><dd>(.*?)</dd>", preview, re.S).group(1)
    assert refused.startswith("1 ") and "(2 " in refused
    assert "1 feature is refused, with 2 problem(s)" in preview
    assert "Bekas gudang, sengketa RT 05" in preview  # the mapped notes are in the map's tooltips


def test_parcel_codes_are_listed_in_natural_order_with_their_notes(client, db, tmp_path):
    sign_in_english(client, db, "perencana")
    feats = [gj_feature(shapely.affinity.translate(A, 0.0003 * i, 0), NIB=code, KETERANGAN=f"catatan {code}")
             for i, code in enumerate(["100", "2492", "89", "90"])]
    done = _confirm(client, _upload(client, geojson(tmp_path, feats)))
    assert done.status_code in (302, 303), done.text[:500]
    page = client.get("/projects/kunir").text
    table = page[page.index("<tbody>", page.index('class="data stacked"')):]
    order = [table.index(f"<td>{code}") for code in ("89", "90", "100", "2492")]
    assert order == sorted(order)
    assert "catatan 89" in table
    exported = client.get("/projects/kunir/parcels.geojson").json()
    assert [f["properties"]["code"] for f in exported["features"]][:4] == ["89", "90", "100", "2492"]


def test_an_officer_sees_only_their_own_cooperatives_sites_on_the_dashboard(client, db):
    # Not a tenancy bug: the dashboard map is `projects.visible`; a planner or viewer sees every cooperative's
    # sites by role, so a huge wrong import showed "on another cooperative's map" only for them.
    sign_in_english(client, db, "pengurus-kunir")
    page = client.get("/").text
    assert "/projects/kunir" in page and "/projects/akuarium" not in page and "/projects/marlina" not in page
    assert client.get("/api/sites").json()["features"] == [] or {
        f["properties"]["project"] for f in client.get("/api/sites").json()["features"]} == {"kunir"}
