"""Importing parcel files into a project's site through the web (upload, preview, confirm) and the CLI.

Every format and every bad input, on SQLite and again on PostGIS in CI. A refused file must
leave the database exactly as it was.
"""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import pyogrio
import pytest
import shapely
from shapely.geometry import Polygon, box
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.projects.models import Parcel, Project, Site
from gis.measure import area_m2
from tests.conftest import csrf_token, sign_in
from tests.parcel_files import BOWTIE, geojson, gj_feature, project, shift, write_layer, zip_shapefile

pytestmark = pytest.mark.db

# Two neighbouring parcels in an empty block west of Kunir, clear of every demo parcel.
A = box(106.7900, -6.1400, 106.7903, -6.1397)
B = box(106.7903, -6.1400, 106.7906, -6.1397)
KML = """<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document><Folder><name>Bidang</name>
<Placemark><name>KML-1</name><Polygon><outerBoundaryIs><LinearRing><coordinates>
{a}
</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark>
<Placemark><name>KML-2</name><Polygon><outerBoundaryIs><LinearRing><coordinates>
{b}
</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark>
</Folder></Document></kml>"""


def _kml_ring(poly: Polygon) -> str:
    return " ".join(f"{x},{y},0" for x, y in poly.exterior.coords)


def make_file(kind: str, tmp_path: Path) -> Path:
    """The two parcels A and B as a planner would receive them, in each format we take."""
    fields = {"NIB": ["09.01.00001", "09.01.00002"], "STATUS": ["Hak Milik", "HGB"],
              "PEMILIK": ["Koperasi", "Koperasi"]}
    if kind == "geojson":
        return geojson(tmp_path, [gj_feature(A, NIB="09.01.00001", STATUS="SHM"),
                                  gj_feature(B, NIB="09.01.00002", STATUS="HGB")])
    if kind == "gpkg_utm48s":
        return write_layer(tmp_path / "bidang.gpkg", [project(A, 32748), project(B, 32748)], fields,
                           crs="EPSG:32748", layer="bidang")
    if kind == "shp_tm3":
        write_layer(tmp_path / "bidang.shp", [project(A, 23834), project(B, 23834)], fields,
                    crs="EPSG:23834", driver="ESRI Shapefile")
        return zip_shapefile(tmp_path, "bidang", tmp_path / "bidang.zip")
    if kind == "kml":
        path = tmp_path / "bidang.kml"
        path.write_text(KML.format(a=_kml_ring(A), b=_kml_ring(B)))
        return path
    if kind == "csv":
        path = tmp_path / "bidang.csv"
        path.write_text(f'NIB;STATUS;WKT\n09.01.00001;SHM;"{A.wkt}"\n09.01.00002;HGB;"{B.wkt}"\n')
        return path
    raise AssertionError(kind)


def bad_file(kind: str, tmp_path: Path) -> tuple[Path, str]:
    """A file the import must refuse, and a word the message must contain (in Indonesian)."""
    if kind == "not_geo":
        path = tmp_path / "foto.png"
        path.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    elif kind == "empty":
        path = tmp_path / "kosong.geojson"
        path.write_bytes(b"")
    elif kind == "zip_without_shp":
        path = tmp_path / "tanpa-shp.zip"
        with zipfile.ZipFile(path, "w") as zf:
            zf.writestr("bidang.dbf", b"\x03")
            zf.writestr("catatan.txt", "lihat lampiran")
    elif kind == "zip_traversal":
        path = tmp_path / "jahat.zip"
        with zipfile.ZipFile(path, "w") as zf:
            zf.writestr("../../etc/bidang.shp", b"\x00" * 100)
    elif kind == "zip_bomb":
        path = tmp_path / "bom.zip"
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr("bidang.shp", b"\x00" * (30 * 1024 * 1024))
    elif kind == "geojson_syntax":
        path = tmp_path / "rusak.geojson"
        path.write_text('{"type": "FeatureCollection",\n "features": [\n  {"type": "Feature",, }\n]}')
    elif kind == "kml_xxe":
        path = tmp_path / "xxe.kml"
        path.write_text('<?xml version="1.0"?>\n<!DOCTYPE kml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
                        '<kml xmlns="http://www.opengis.net/kml/2.2"><Document><name>&xxe;</name></Document></kml>')
    elif kind == "points":
        path = geojson(tmp_path, [gj_feature(shapely.Point(106.79, -6.14), NIB="P1")])
    elif kind == "bowtie":
        path = geojson(tmp_path, [gj_feature(shift(BOWTIE, -0.01, -0.04), NIB="BT-1")])
    elif kind == "unknown_crs":
        path = geojson(tmp_path, [gj_feature(A, NIB="X1")],
                       crs={"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::999999"}})
    else:
        raise AssertionError(kind)
    return path, {"not_geo": "", "empty": "kosong", "zip_without_shp": ".shp", "zip_traversal": "..",
                  "zip_bomb": "", "geojson_syntax": "3", "kml_xxe": "", "points": "Point",
                  "bowtie": "Self-intersection", "unknown_crs": "999999"}[kind]


def _parcel_count(db, slug: str = "kunir") -> int:
    return db.scalar(select(func.count()).select_from(Parcel).join(Site).join(Project).where(Project.slug == slug))


def _upload(client, path: Path, slug: str = "kunir"):
    return client.post(f"/projects/{slug}/parcels/import", files={"file": (path.name, path.read_bytes())},
                       data={"_csrf_token": csrf_token(client)}, follow_redirects=False)


def _preview_url(response) -> str:
    assert response.status_code in (302, 303), response.text[:500]
    return response.headers["location"]


FORMATS = ["geojson", "gpkg_utm48s", "shp_tm3", "kml", "csv"]


@pytest.mark.parametrize("kind", FORMATS)
def test_each_format_uploads_previews_and_imports(client, db, tmp_path, kind):
    sign_in(client, db, "perencana")
    before = _parcel_count(db)
    url = _preview_url(_upload(client, make_file(kind, tmp_path)))
    preview = client.get(url)
    assert preview.status_code == 200
    assert 'data-map="feature-map"' in preview.text  # the parcels are drawn before anything is saved
    assert "Impor 2 bidang" in preview.text
    assert _parcel_count(db) == before  # a preview writes nothing

    done = client.post(url, data={"action": "import", "_csrf_token": csrf_token(client),
                                  **_hidden_fields(preview.text)}, follow_redirects=False)
    assert done.status_code in (302, 303) and "imported=2" in done.headers["location"]
    assert _parcel_count(db) == before + 2
    stored = db.scalars(select(Parcel).join(Site).join(Project).where(Project.slug == "kunir")
                        .where(Parcel.min_lon < 106.791)).all()
    # Wherever it came from (UTM 48S, TM-3, WGS 84), the parcel lands where it was drawn.
    union = shapely.union_all([p.geom for p in stored])
    assert shapely.hausdorff_distance(union, A.union(B)) < 1e-6
    assert sum(p.area_m2 for p in stored) == pytest.approx(area_m2(A) + area_m2(B), rel=1e-3)
    entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "parcels.import"))
    assert entry.changes["imported"] == 2 and entry.actor == "perencana"


def _hidden_fields(html: str) -> dict[str, str]:
    confirm = html[html.index('name="action" value="import"') - 2000:]
    return dict(re.findall(r'<input type="hidden" name="(layer|repair|crs|map_\w+)" value="([^"]*)"', confirm))


def test_the_planner_maps_columns_and_the_status_is_read_from_words(client, db, tmp_path):
    sign_in(client, db, "perencana")
    url = _preview_url(_upload(client, make_file("gpkg_utm48s", tmp_path)))
    preview = client.get(url + "?map_code=NIB&map_land_status=STATUS&map_holder=PEMILIK")
    assert "EPSG:32748" in preview.text and "UTM zone 48S" in preview.text  # the CRS that was found
    client.post(url, data={"action": "import", "_csrf_token": csrf_token(client), "map_code": "NIB",
                           "map_land_status": "STATUS", "map_holder": "PEMILIK"})
    parcel = db.scalar(select(Parcel).where(Parcel.code == "09.01.00001"))
    assert (parcel.land_status, parcel.holder) == ("SHM", "Koperasi")  # "Hak Milik" is SHM


def test_a_file_without_crs_in_utm_is_refused_until_the_planner_names_its_system(client, db, tmp_path):
    sign_in(client, db, "perencana")
    path = tmp_path / "survei.csv"
    path.write_text(f'NIB,WKT\nS-1,"{project(A, 32748).wkt}"\n')
    before = _parcel_count(db)
    refused = client.get(_preview_url(_upload(client, path)))
    assert refused.status_code == 400 and 'name="crs"' in refused.text  # the form offers the choice
    upload = client.post("/projects/kunir/parcels/import", files={"file": (path.name, path.read_bytes())},
                         data={"crs": "EPSG:32748", "_csrf_token": csrf_token(client)}, follow_redirects=False)
    url = _preview_url(upload)
    preview = client.get(url)
    assert preview.status_code == 200 and "UTM" in preview.text
    client.post(url.split("?")[0], data={"action": "import", "_csrf_token": csrf_token(client),
                                         **_hidden_fields(preview.text)})
    parcel = db.scalar(select(Parcel).where(Parcel.code == "S-1"))
    assert shapely.hausdorff_distance(parcel.geom, A) < 1e-6 and _parcel_count(db) == before + 1


def test_mapping_to_a_column_the_file_lacks_is_explained(client, db, tmp_path):
    sign_in(client, db, "perencana")
    url = _preview_url(_upload(client, make_file("geojson", tmp_path)))
    r = client.get(url + "?map_code=TIDAK_ADA")
    assert r.status_code == 400 and "TIDAK_ADA" in r.text


BAD = ["not_geo", "empty", "zip_without_shp", "zip_traversal", "zip_bomb", "geojson_syntax", "kml_xxe",
       "points", "bowtie", "unknown_crs"]


@pytest.mark.parametrize("kind", BAD)
def test_bad_files_get_a_clear_message_and_change_nothing(client, db, tmp_path, kind):
    sign_in(client, db, "perencana")
    before = (_parcel_count(db), db.scalar(select(func.count()).select_from(AuditEntry)))
    path, word = bad_file(kind, tmp_path)
    response = _upload(client, path)
    if response.status_code in (302, 303):  # stored for the preview, which must refuse it
        url = response.headers["location"]
        response = client.get(url)
        if response.status_code == 200:  # per-feature problems: shown, and the import is disabled
            assert "disabled" in response.text.split('value="import"')[1][:80]
            response = client.post(url, data={"action": "import", "_csrf_token": csrf_token(client)})
    assert response.status_code in (400, 413)
    assert 'role="alert"' in response.text and word in response.text
    assert (_parcel_count(db), db.scalar(select(func.count()).select_from(AuditEntry))) == before


def test_a_bowtie_is_imported_when_the_planner_asks_for_repair(client, db, tmp_path):
    sign_in(client, db, "perencana")
    path, _word = bad_file("bowtie", tmp_path)
    url = _preview_url(_upload(client, path))
    preview = client.get(url + "?repair=1")
    assert preview.status_code == 200 and "m² →" in preview.text  # the area before and after is reported
    client.post(url, data={"action": "import", "repair": "1", "_csrf_token": csrf_token(client)})
    assert db.scalar(select(Parcel).where(Parcel.code == "BT-1")).geom.is_valid


def test_overlap_with_a_parcel_already_on_the_site_is_refused(client, db, tmp_path):
    sign_in(client, db, "perencana")
    kun = db.scalar(select(Parcel).where(Parcel.code == "KUN-01"))
    path = geojson(tmp_path, [gj_feature(shapely.affinity.translate(kun.geom, 0.00005, 0), NIB="NEW-1")])
    url = _preview_url(_upload(client, path))
    r = client.post(url, data={"action": "import", "_csrf_token": csrf_token(client)})
    assert r.status_code == 400 and "KUN-01" in r.text
    assert _parcel_count(db) == 1


def test_upload_over_the_limit_is_refused(client, db, web_app, tmp_path):
    from dataclasses import replace

    sign_in(client, db, "perencana")
    settings = web_app.state.settings
    web_app.state.settings = replace(settings, max_upload_mb=0)
    try:
        r = _upload(client, make_file("geojson", tmp_path))
    finally:
        web_app.state.settings = settings
    assert r.status_code == 413 and "MB" in r.text


def test_only_its_own_cooperative_and_its_uploader_reach_an_upload(client, db, tmp_path):
    sign_in(client, db, "pengurus-kunir")
    url = _preview_url(_upload(client, make_file("geojson", tmp_path)))
    assert client.get(url).status_code == 200
    client.cookies.clear()
    sign_in(client, db, "perencana")  # another user: the upload does not exist for them
    assert client.get(url).status_code == 404
    client.cookies.clear()
    sign_in(client, db, "pengurus-akuarium")
    assert _upload(client, make_file("geojson", tmp_path)).status_code == 404
    client.cookies.clear()
    sign_in(client, db, "pembaca")
    assert _upload(client, make_file("geojson", tmp_path)).status_code == 403


def test_upload_without_csrf_token_is_refused(client, db, tmp_path):
    sign_in(client, db, "perencana")
    path = make_file("geojson", tmp_path)
    r = client.post("/projects/kunir/parcels/import", files={"file": (path.name, path.read_bytes())})
    assert r.status_code == 403


def test_export_geojson_and_geopackage_round_trip(client, db, tmp_path):
    sign_in(client, db, "pembaca")
    gj = client.get("/projects/akuarium/parcels.geojson")
    assert gj.status_code == 200 and gj.headers["content-type"].startswith("application/geo+json")
    data = gj.json()
    assert {f["properties"]["code"] for f in data["features"]} == {"AKU-01", "AKU-02", "AKU-03"}
    gpkg = client.get("/projects/akuarium/parcels.gpkg")
    assert "attachment" in gpkg.headers["content-disposition"]
    path = tmp_path / "akuarium.gpkg"
    path.write_bytes(gpkg.content)
    meta = pyogrio.read_info(path)
    assert meta["features"] == 3 and meta["crs"] == "EPSG:4326" and "land_status" in list(meta["fields"])


def test_api_bbox_filters_parcels_with_coordinates_rounded(client, db):
    sign_in(client, db, "pembaca")
    r = client.get("/api/projects/akuarium/parcels?bbox=106.8080,-6.1247,106.8086,-6.1240")
    codes = {f["properties"]["code"] for f in r.json()["features"]}
    assert codes and codes < {"AKU-01", "AKU-02", "AKU-03"}
    coords = json.dumps(r.json()["features"][0]["geometry"]["coordinates"])
    assert not re.search(r"\.\d{8,}", coords)
    assert client.get("/api/projects/akuarium/parcels?bbox=1,2,3").status_code == 400


# --- the command line (in this process, on the test's transaction: tests/conftest.py's `cli`) ------------------

def _cli_count(db) -> int:
    return db.scalar(select(func.count()).select_from(Parcel))


def test_cli_import_prints_the_json_contract_and_exports(cli, db, tmp_path):
    path = make_file("gpkg_utm48s", tmp_path)
    before = _cli_count(db)

    dry = cli("parcels", "import", str(path), "--project", "kunir", "--dry-run")
    assert dry.exit_code == 0, dry.stderr
    assert json.loads(dry.stdout)["imported"] == 0 and _cli_count(db) == before

    done = cli("parcels", "import", str(path), "--project", "kunir", "--map", "code=NIB")
    assert done.exit_code == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["imported"] == 2 and out["rejected"] == [] and out["crs"] == "EPSG:32748"
    assert out["total_area_m2"] == pytest.approx(area_m2(A) + area_m2(B), rel=1e-3)
    assert _cli_count(db) == before + 2

    target = tmp_path / "kunir.gpkg"
    exported = cli("parcels", "export", "--project", "kunir", "-o", str(target))
    assert exported.exit_code == 0 and "3 parcel(s) written" in exported.stderr
    assert pyogrio.read_info(target)["features"] == 3
    unwritable = cli("parcels", "export", "--project", "kunir", "-o", str(tmp_path / "no-such-folder" / "x.gpkg"))
    assert unwritable.exit_code == 2 and "x.gpkg cannot be written: No such file or directory" in unwritable.stderr


def test_cli_refuses_a_bad_file_with_exit_2_and_stores_nothing(cli, db, tmp_path):
    path, _word = bad_file("bowtie", tmp_path)
    before = _cli_count(db)
    refused = cli("parcels", "import", str(path), "--project", "kunir")
    assert refused.exit_code == 2
    out = json.loads(refused.stdout)
    assert out["imported"] == 0 and out["rejected"][0]["feature"]
    assert "Self-intersection" in out["rejected"][0]["reason"]
    assert _cli_count(db) == before

    repaired = cli("parcels", "import", str(path), "--project", "kunir", "--repair")
    assert repaired.exit_code == 0 and json.loads(repaired.stdout)["imported"] == 1
    assert any("m²" in w for w in json.loads(repaired.stdout)["warnings"])

    not_geo, _ = bad_file("not_geo", tmp_path)
    out = cli("parcels", "import", str(not_geo), "--project", "kunir")
    assert out.exit_code == 2 and json.loads(out.stdout)["rejected"][0]["reason"]
    unknown = cli("parcels", "import", str(path), "--project", "tidak-ada")
    assert unknown.exit_code == 2 and "tidak-ada" in unknown.stderr and unknown.stdout == ""
    bad_map = cli("parcels", "import", str(path), "--project", "kunir", "--map", "NIB")
    assert bad_map.exit_code == 2 and "Invalid value for '--map'" in bad_map.stderr
