"""Block footprints (drawn or imported, checked, audited) and the progress map's data."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime
from html import unescape

import pytest
from shapely import affinity
from shapely.geometry import Polygon, box, mapping
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import demo_construction
from app.audit.models import AuditEntry
from app.config import ROOT
from app.construction import footprints as block_footprints
from app.construction import photos as site_photos
from app.construction import progress_map
from app.construction import service as construction
from app.construction.models import BuildingFootprint, SitePhoto
from app.projects.models import Project
from gis.measure import from_metric, to_metric
from tests.conftest import csrf_token, sign_in

pytestmark = pytest.mark.db
EDITOR = "/projects/marlina/construction/footprints"
MAP = "/projects/marlina/construction/map"
TODAY = date(2026, 11, 24)
UTM_48S = 32748


@pytest.fixture()
def project(db: Session) -> Project:
    return db.scalar(select(Project).where(Project.slug == "marlina"))


def english(client, db, username: str):
    sign_in(client, db, username)
    client.get("/lang/en")
    return client


def footprints(db: Session, project: Project) -> dict[str, BuildingFootprint]:
    return {f.building_code: f for f in block_footprints.footprints_of(db, project)}


def in_metres(project: Project, x0: float, y0: float, x1: float, y1: float):
    """A rectangle given in metres from the south-west corner of the site, as EPSG:4326."""
    site = to_metric(block_footprints.site_outline(project))
    left, bottom = site.bounds[:2]
    return from_metric(affinity.translate(box(x0, y0, x1, y1), left, bottom), UTM_48S)


def draw(client, block: str, outline) -> object:
    text = outline if isinstance(outline, str) else json.dumps(mapping(outline))
    return client.post(EDITOR, data={"_csrf_token": csrf_token(client), "block": block, "outline": text},
                       follow_redirects=False)


def alerts(html: str) -> list[str]:
    return [unescape(re.sub(r"<[^>]+>", "", m)).strip()
            for m in re.findall(r'<p class="alert error" role="alert">(.*?)</p>', html, re.S)]


def audit_count(db: Session, action: str) -> int:
    return db.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == action))


def test_the_demo_places_blocks_a_and_b_on_marlinas_site(db, project):
    rows = footprints(db, project)
    assert sorted(rows) == ["A", "B"]
    site = block_footprints.site_outline(project)
    for row in rows.values():
        assert row.geom.within(site.buffer(1e-7)) and 500 < row.area_m2 < 600
    assert not rows["A"].geom.intersects(rows["B"].geom)


def test_the_planner_redraws_a_block_and_the_change_is_audited(client, db, project):
    english(client, db, "perencana")
    page = client.get(EDITOR)
    assert page.status_code == 200
    assert 'data-redraw="A"' in page.text and "Footprint drawn" in page.text
    data = json.loads(unescape(re.search(r'id="footprint-data">(.*?)</script>', page.text, re.S).group(1)))
    assert len(data["parcels"]["features"]) == 3 and len(data["footprints"]["features"]) == 2

    before = audit_count(db, "footprint.save")
    outline = in_metres(project, 20, 20, 40, 50)  # 600 m²
    r = draw(client, "A", outline)
    assert r.status_code in (302, 303) and r.headers["location"] == f"{EDITOR}?saved=A"
    db.expire_all()
    row = footprints(db, project)["A"]
    assert row.geom.geoms[0].equals_exact(outline, 1e-7) and row.area_m2 == pytest.approx(600, abs=1)
    assert audit_count(db, "footprint.save") == before + 1
    entry = db.scalars(select(AuditEntry).where(AuditEntry.action == "footprint.save")
                       .order_by(AuditEntry.id.desc())).first()
    assert entry.changes == {"block": "A", "area_m2": pytest.approx(600, abs=1), "replaced": True, "source": "drawn"}
    assert "The footprint of block A is saved." in client.get(r.headers["location"]).text


@pytest.mark.parametrize("block, outline, expected", [
    ("A", "bow-tie", "The outline of block A is not a valid polygon (Self-intersection) near 106."),
    ("C", "inside", "Block C is not a block of the scenario being built; its blocks are A, B."),
    ("A", "outside", "m² of block A lies outside the project's parcels. Draw it inside the site."),
    ("A", "on-b", "Block A overlaps block B by"),
    ("A", "", "Draw the outline of block A on the map first."),
    ("A", '{"type": "Polygon", "coordinates": [[[106.8, -6.1]]]}', "The outline of block A could not be read."),
])
def test_a_bad_outline_is_refused_with_what_is_wrong_and_nothing_changes(client, db, project, block, outline,
                                                                           expected):
    english(client, db, "perencana")
    b = footprints(db, project)["B"].geom
    shapes = {
        "bow-tie": from_metric(affinity.translate(Polygon([(0, 0), (20, 20), (20, 0), (0, 20)]),
                                                  *to_metric(block_footprints.site_outline(project)).centroid.coords[0]),
                               UTM_48S),
        "inside": in_metres(project, 20, 20, 40, 50),
        "outside": in_metres(project, -30, 20, 10, 40),
        "on-b": b.buffer(0.00005),
    }
    before = {code: row.geom.wkb for code, row in footprints(db, project).items()}
    saves = audit_count(db, "footprint.save")
    r = draw(client, block, shapes.get(outline, outline))
    assert r.status_code == 400
    assert any(expected in message for message in alerts(r.text)), alerts(r.text)
    db.expire_all()
    assert {code: row.geom.wkb for code, row in footprints(db, project).items()} == before
    assert audit_count(db, "footprint.save") == saves
    assert 'name="outline" value="' in r.text  # the refused outline comes back to be seen on the map


def test_delete_and_who_may_draw(client, db, project):
    english(client, db, "pembaca")
    assert client.get(EDITOR).status_code == 403
    english(client, db, "pengurus-kunir")
    assert client.get(EDITOR).status_code == 404
    english(client, db, "pengurus-marlina")
    assert client.get(EDITOR).status_code == 200
    r = client.post(f"{EDITOR}/delete", data={"_csrf_token": csrf_token(client), "block": "B"},
                    follow_redirects=False)
    assert r.status_code in (302, 303) and r.headers["location"] == f"{EDITOR}?deleted=B"
    db.expire_all()
    assert sorted(footprints(db, project)) == ["A"]
    assert audit_count(db, "footprint.delete") == 1


def _file(project, features, crs=None) -> bytes:
    data = {"type": "FeatureCollection", "features": features}
    if crs:
        data["crs"] = {"type": "name", "properties": {"name": crs}}
    return json.dumps(data).encode()


def _utm_feature(project, props, x0, y0, x1, y1):
    geom = to_metric(in_metres(project, x0, y0, x1, y1))
    return {"type": "Feature", "properties": props, "geometry": mapping(geom)}


def upload(client, name: str, content: bytes):
    return client.post(f"{EDITOR}/import", data={"_csrf_token": csrf_token(client)},
                       files=[("file", (name, content, "application/geo+json"))], follow_redirects=False)


def problems_of(html: str) -> list[str]:
    block = re.search(r'<div class="alert error" role="alert">(.*?)</div>', html, re.S)
    return [unescape(re.sub(r"<[^>]+>", "", li)).strip() for li in re.findall(r"<li>(.*?)</li>", block.group(1), re.S)]


def test_a_file_in_utm_replaces_the_blocks_it_names(client, db, project):
    english(client, db, "perencana")
    content = _file(project, [_utm_feature(project, {"Blok": "A", "luas": 450}, 22, 15, 37, 45),
                              _utm_feature(project, {"Blok": "b"}, 55, 20, 80, 38)], crs="EPSG:32748")
    r = upload(client, "blok.geojson", content)
    assert r.status_code in (302, 303), problems_of(r.text) if r.status_code == 400 else r.text
    assert r.headers["location"] == f"{EDITOR}?imported=2"
    db.expire_all()
    rows = footprints(db, project)
    assert rows["A"].area_m2 == pytest.approx(450, abs=1) and rows["B"].area_m2 == pytest.approx(450, abs=1)
    changes = [e.changes for e in db.scalars(select(AuditEntry).where(AuditEntry.action == "footprint.save")
                                             .order_by(AuditEntry.id))][-2:]
    assert [(c["block"], c["source"], c["file"], c["feature"], c["crs"]) for c in changes] == [
        ("A", "file", "blok.geojson", "1", "EPSG:32748"), ("B", "file", "blok.geojson", "2", "EPSG:32748")]


def test_a_file_with_one_bad_feature_imports_nothing_and_numbers_every_problem(client, db, project):
    english(client, db, "perencana")
    before = {code: row.geom.wkb for code, row in footprints(db, project).items()}
    content = _file(project, [
        _utm_feature(project, {"block": "A"}, 22, 15, 37, 45),  # fine on its own
        _utm_feature(project, {"block": "C"}, 55, 20, 80, 38),  # not in the scenario
        _utm_feature(project, {"block": "B"}, 30, 20, 45, 50),  # on top of the new A
        {"type": "Feature", "properties": {"block": "B"}, "geometry": {"type": "Point", "coordinates": [0, 0]}},
    ], crs="EPSG:32748")
    r = upload(client, "blok.geojson", content)
    assert r.status_code == 400
    lines = problems_of(r.text)
    assert "Nothing was imported" in r.text
    assert any(line.startswith("blok.geojson: Feature 2: Block C is not a block of the scenario") for line in lines)
    assert any(line.startswith("blok.geojson: Feature 1: Block A overlaps block B by") for line in lines)
    assert any(line.startswith("blok.geojson: Feature 3: Block B overlaps block A by") for line in lines)
    assert any("Feature 4" in line and "Point" in line for line in lines)
    assert any("Feature 3: Block B is given twice: also by feature 4." in line for line in lines)
    db.expire_all()
    assert {code: row.geom.wkb for code, row in footprints(db, project).items()} == before


def test_a_file_without_a_block_column_is_refused(client, db, project):
    english(client, db, "perencana")
    r = upload(client, "x.geojson", _file(project, [_utm_feature(project, {"nama": "A"}, 22, 15, 37, 45)],
                                          crs="EPSG:32748"))
    assert r.status_code == 400
    assert problems_of(r.text) == ["x.geojson: The file has no column with the block code: name it block, blok, "
                                   "code or building. Its columns are nama."]


def test_the_demo_footprint_file_imports_as_it_is(db, project):
    # The fixture doubles as an example file: `block` per feature, in EPSG:4326.
    path = ROOT / "fixtures" / "demo" / "footprints.geojson"
    rows = block_footprints.import_file(db, "test", project, path, filename="footprints.geojson")
    assert sorted(r.building_code for r in rows) == ["A", "B"]


# --- the progress map -------------------------------------------------------------------------------------------

@pytest.fixture()
def built(db, project) -> Project:
    demo_construction.load(db, TODAY)
    return project


def test_map_data_has_each_blocks_percent_on_every_report_date(db, built):
    data = progress_map.map_data(db, built, TODAY)
    reports = construction.reports_of(db, built)
    timeline = data["timeline"]
    assert timeline["dates"] == [r.report_date.isoformat() for r in reports] and len(timeline["dates"]) > 50
    state = construction.progress_of(db, built, TODAY)
    for code in ("A", "B"):
        series = timeline["blocks"][code]
        assert {len(v) for v in series.values()} == {len(timeline["dates"])}
        assert series["actual"] == sorted(series["actual"])  # progress never went down in the demo
        a = state.buildings[code].assessment
        assert (series["planned"][-1], series["actual"][-1], series["status"][-1]) == (
            float(a.planned_pct), float(a.actual_pct), a.status)
        assert data["now"][code]["actual"] == float(a.actual_pct)
        assert series["class"] == [progress_map.class_of(v) for v in series["actual"]]
    # Block B slips: critical at the end, while block A is only behind.
    assert timeline["blocks"]["B"]["status"][-1] == "kritis" and timeline["blocks"]["A"]["status"][-1] != "kritis"
    assert timeline["blocks"]["A"]["class"][0] == 0 and timeline["blocks"]["A"]["class"][-1] == 3
    assert timeline["project"]["actual"][-1] == float(state.project.assessment.actual_pct)
    assert [f["properties"]["code"] for f in data["blocks"]["features"]] == ["A", "B"] and data["missing"] == []


def test_the_classes_are_five_of_twenty_points_and_as_of_cuts_the_timeline(db, built):
    data = progress_map.map_data(db, built, date(2026, 3, 31))
    assert [(c["low"], c["high"]) for c in data["classes"]] == [(0, 20), (20, 40), (40, 60), (60, 80), (80, 100)]
    assert len({c["fill"] for c in data["classes"]}) == 5
    assert [progress_map.class_of(v) for v in (0, 19.99, 20, 59.99, 60, 80, 100)] == [0, 0, 1, 2, 3, 4, 4]
    assert data["timeline"]["dates"][-1] <= "2026-03-31"
    assert data["now"]["A"]["report_date"] == data["timeline"]["dates"][-1]


def test_the_map_json_and_page_for_who_may_see_the_project(client, db, built):
    db.commit()
    english(client, db, "pembaca")
    r = client.get(MAP + ".json")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    data = r.json()
    assert set(data) >= {"blocks", "timeline", "now", "classes", "parcels", "before", "photos"}
    page = client.get(MAP)
    assert page.status_code == 200
    for label in ("0–20% complete", "80–100% complete", "Critical (kontrak kritis)",
                  "Buildings in 2012 (OpenStreetMap)"):
        assert label in page.text
    assert 'data-src="/projects/marlina/construction/map.json"' in page.text
    assert "/construction/footprints" not in page.text  # a viewer is not offered the editor
    english(client, db, "pengurus-kunir")
    assert client.get(MAP).status_code == 404 and client.get(MAP + ".json").status_code == 404


def test_the_before_layer_ships_with_the_app_and_is_nearest_first(db, built):
    assert progress_map.BEFORE_FILE.is_relative_to(ROOT) and "shared" not in progress_map.BEFORE_FILE.parts
    before = progress_map.map_data(db, built, TODAY)["before"]["features"]
    distances = [f["properties"]["distance_m"] for f in before]
    assert distances and distances == sorted(distances) and distances[-1] <= progress_map.BEFORE_RADIUS_M
    raw = json.loads(progress_map.BEFORE_FILE.read_text(encoding="utf-8"))
    assert "OpenStreetMap" in raw["attribution"] and len(raw["features"]) < 100


def test_photos_with_a_position_become_markers(db, built):
    db.add_all([SitePhoto(project_id=built.id, sha256=f"{n:064x}", format="JPEG", width=4000, height=3000,
                          size_bytes=3_000_000, lat=-6.1175 + n * 1e-5, lon=106.7997,
                          taken_at=datetime(2026, 5, 1, 2, 0, tzinfo=UTC), caption=f"Foto {n}",
                          building_code="A") for n in range(3)])
    db.flush()
    data = progress_map.map_data(db, built, TODAY)
    photos = data["photos"]["features"]
    assert len(photos) == 3
    props = photos[0]["properties"]
    assert props["taken_on"] == "2026-05-01" and props["building"] == "A" and props["caption"].startswith("Foto ")
    photo = db.get(SitePhoto, props["id"])
    for kind in ("thumb", "public"):  # the page fills in the id
        assert data["photo_urls"][kind].replace("{id}", str(photo.id)) == site_photos.photo_url(built, photo, kind)


def test_a_project_not_under_construction_has_an_empty_map_and_an_editor(client, db):
    english(client, db, "perencana")
    page = client.get("/projects/kunir/construction/map")
    assert page.status_code == 200
    assert "Construction has not started" in page.text and "No block is placed on the site yet." in page.text
    data = client.get("/projects/kunir/construction/map.json").json()
    assert data["blocks"]["features"] == [] and data["timeline"]["dates"] == [] and data["missing"] == ["A", "B"]
    assert data["before"]["features"]  # Kunir's nearest 2012 buildings are 1-2 km away
    editor = client.get("/projects/kunir/construction/footprints")
    assert editor.status_code == 200 and 'data-redraw="B"' in editor.text and "not placed" in editor.text
