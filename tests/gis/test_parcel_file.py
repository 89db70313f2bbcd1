"""gis.parcel_file against real files written in tmp_path and the tricky files in fixtures/tricky."""

from __future__ import annotations

import json
import tempfile
import zipfile
from pathlib import Path

import numpy as np
import pytest
import shapely
from pyogrio import raw
from pyproj import Geod
from shapely.geometry import MultiPolygon, Point, Polygon, box

from gis.parcel_file import ParcelFileError, ReadLimits, read_parcel_file
from tests.parcel_files import (
    BOWTIE,
    PARCEL,
    geojson,
    gj_feature,
    project,
    shift,
    write_layer,
    zip_files,
    zip_shapefile,
)

TRICKY = Path(__file__).resolve().parents[2] / "fixtures" / "tricky"
GEOD = Geod(ellps="WGS84")

def refused(path: Path, **kw) -> ParcelFileError:
    with pytest.raises(ParcelFileError) as info:
        read_parcel_file(path, **kw)
    return info.value


def assert_same_shape(got: MultiPolygon, want: Polygon, tol: float = 1e-7) -> None:
    assert isinstance(got, MultiPolygon) and not shapely.has_z(got)
    assert shapely.hausdorff_distance(got, MultiPolygon([want])) < tol
    a_got, a_want = abs(GEOD.geometry_area_perimeter(got)[0]), abs(GEOD.geometry_area_perimeter(want)[0])
    assert abs(a_got - a_want) / a_want < 0.001


# --- each format -----------------------------------------------------------------------------


def test_geojson_is_read_with_plain_attributes(tmp_path):
    path = geojson(tmp_path, [
        gj_feature(PARCEL, nib="09.01.02.03.00123", luas=120.5, lantai=2, tanggal="2024-05-17", kosong=None),
        gj_feature(shift(PARCEL, 0.002), nib="09.01.02.03.00124", luas=99.0, lantai=None, tanggal=None, kosong=None),
    ])
    pf = read_parcel_file(path, filename="Bidang Akuarium.geojson")
    assert (pf.format, pf.layers, pf.layer, pf.crs, pf.warnings) == (
        "GeoJSON", ["Bidang Akuarium"], "Bidang Akuarium", "EPSG:4326", [])
    assert pf.columns == ["nib", "luas", "lantai", "tanggal", "kosong"]
    first, second = pf.features
    assert (first.index, first.label, first.problems, first.notes) == (1, "1", [], [])
    assert_same_shape(first.geometry, PARCEL)
    assert first.attributes == {"nib": "09.01.02.03.00123", "luas": 120.5, "lantai": 2, "tanggal": "2024-05-17",
                                "kosong": None}
    assert second.attributes["lantai"] is None
    json.dumps([f.attributes for f in pf.features])  # JSON-able, no numpy scalars
    assert all(type(v) in (str, int, float, type(None)) for f in pf.features for v in f.attributes.values())


def test_geojson_without_crs_member_but_utm_numbers_asks_for_the_crs(tmp_path):
    path = geojson(tmp_path, [gj_feature(project(PARCEL, 32748))])
    assert refused(path).message.code == "crs_missing"
    pf = read_parcel_file(path, assume_crs="EPSG:32748")
    assert pf.crs_name == "none (taken as WGS 84 / UTM zone 48S)"
    assert_same_shape(pf.features[0].geometry, PARCEL)


def test_geojson_crs_member_in_utm_48s_is_reprojected(tmp_path):
    utm = project(PARCEL, 32748)
    path = geojson(tmp_path, [gj_feature(utm, nib="A")],
                   crs={"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::32748"}})
    pf = read_parcel_file(path, filename="utm.geojson")
    assert (pf.crs, pf.crs_name) == ("EPSG:32748", "WGS 84 / UTM zone 48S")
    assert_same_shape(pf.features[0].geometry, PARCEL)


@pytest.mark.parametrize(("epsg", "name"), [
    (32748, "WGS 84 / UTM zone 48S"),
    (23834, "DGN95 / Indonesia TM-3 zone 48.2"),  # the TM-3 zone of Jakarta (105-108° E)
])
def test_geopackage_in_projected_crs_is_reprojected_to_wgs84(tmp_path, epsg, name):
    path = write_layer(tmp_path / "bidang.gpkg", [project(PARCEL, epsg)], crs=f"EPSG:{epsg}", layer="bidang")
    pf = read_parcel_file(path, filename="bidang.gpkg")
    assert (pf.format, pf.crs, pf.crs_name, pf.layers, pf.layer) == ("GPKG", f"EPSG:{epsg}", name, ["bidang"],
                                                                    "bidang")
    assert_same_shape(pf.features[0].geometry, PARCEL)
    assert pf.features[0].attributes == {"nib": "09.01.00000"}


def test_geopackage_with_several_layers_picks_the_first_polygon_layer(tmp_path):
    path = tmp_path / "survey.gpkg"
    write_layer(path, [Point(106.81, -6.13)], layer="patok", geometry_type="Point")
    write_layer(path, [PARCEL, shift(PARCEL, 0.002)], layer="bidang", append=False)
    pf = read_parcel_file(path, filename="survey.gpkg")
    assert pf.layers == ["patok", "bidang"] and pf.layer == "bidang" and len(pf.features) == 2

    points = read_parcel_file(path, filename="survey.gpkg", layer="patok")
    assert [p.code for p in points.features[0].problems] == ["not_polygon"]
    assert points.features[0].problems[0].fields["type"] == "Point"
    assert points.features[0].geometry is None

    err = refused(path, filename="survey.gpkg", layer="batas")
    assert err.message.code == "layer_not_found"
    assert err.message.fields["layers"] == "patok, bidang"
    assert "batas" in err.message.render()


def test_zipped_shapefile_in_a_folder_with_macos_junk(tmp_path):
    write_layer(tmp_path / "Persil.shp", [project(PARCEL, 32748)], {"NIB": ["001"], "LUAS": [120.25]},
                crs="EPSG:32748", driver="ESRI Shapefile")
    target = zip_shapefile(tmp_path, "Persil", tmp_path / "upload.bin", folder="kiriman/")
    with zipfile.ZipFile(target, "a") as zf:
        zf.writestr("__MACOSX/kiriman/._Persil.shp", b"\x00\x05\x16\x07junk")
    pf = read_parcel_file(target, filename="persil.zip")
    assert (pf.format, pf.layers, pf.layer, pf.crs) == ("ESRI Shapefile", ["Persil"], "Persil", "EPSG:32748")
    assert pf.columns == ["NIB", "LUAS"]
    assert pf.features[0].attributes == {"NIB": "001", "LUAS": 120.25}
    assert_same_shape(pf.features[0].geometry, PARCEL)


def test_zip_with_two_shapefiles_offers_both_layers(tmp_path):
    write_layer(tmp_path / "jalan.shp", [shapely.LineString([(106.81, -6.13), (106.82, -6.13)])],
                driver="ESRI Shapefile", geometry_type="LineString")
    write_layer(tmp_path / "bidang.shp", [PARCEL], driver="ESRI Shapefile")
    members = {p.name: p for p in sorted(tmp_path.glob("*.*")) if p.stem in ("jalan", "bidang")}
    target = zip_files(tmp_path / "two.zip", dict(sorted(members.items(), key=lambda kv: not kv[0].startswith("j"))))
    pf = read_parcel_file(target)
    assert pf.layers == ["jalan", "bidang"] and pf.layer == "bidang"
    assert read_parcel_file(target, layer="jalan").features[0].problems[0].code == "not_polygon"


def test_shapefile_without_prj_in_lonlat_is_taken_as_wgs84_with_a_warning(tmp_path):
    write_layer(tmp_path / "a.shp", [PARCEL], crs=None, driver="ESRI Shapefile")
    pf = read_parcel_file(zip_shapefile(tmp_path, "a", tmp_path / "a.zip"))
    assert (pf.crs, pf.crs_name) == ("none", "none (taken as WGS 84)")
    assert [w.code for w in pf.warnings] == ["no_crs"]
    assert_same_shape(pf.features[0].geometry, PARCEL)


def test_shapefile_without_prj_in_utm_is_refused_unless_a_crs_is_chosen(tmp_path):
    write_layer(tmp_path / "a.shp", [project(PARCEL, 32748)], crs=None, driver="ESRI Shapefile")
    target = zip_shapefile(tmp_path, "a", tmp_path / "a.zip")
    err = refused(target)
    assert err.message.code == "crs_missing"
    assert 699_000 < float(err.message.fields["x"]) < 701_000 and 9_321_000 < float(err.message.fields["y"]) < 9_323_000
    assert ".prj" in err.message.render()
    assert read_parcel_file(target, assume_crs="EPSG:32748").crs == "none"

    pf = read_parcel_file(target, assume_crs="EPSG:32748")
    assert [w.code for w in pf.warnings] == ["crs_assumed"]
    assert_same_shape(pf.features[0].geometry, PARCEL)


def test_shapefile_with_a_garbage_prj_is_refused_naming_it(tmp_path):
    write_layer(tmp_path / "a.shp", [PARCEL], driver="ESRI Shapefile")
    (tmp_path / "a.prj").write_text('PROJCS["Bikinan Sendiri",GEOGCS[ngawur]]')
    err = refused(zip_shapefile(tmp_path, "a", tmp_path / "a.zip"))
    assert err.message.code == "unknown_crs"
    assert "Bikinan Sendiri" in err.message.render()


@pytest.mark.parametrize("missing", [".shx", ".dbf"])
def test_shapefile_missing_a_part_is_refused(tmp_path, missing):
    write_layer(tmp_path / "a.shp", [PARCEL], driver="ESRI Shapefile")
    err = refused(zip_shapefile(tmp_path, "a", tmp_path / "a.zip", skip=(missing,)))
    assert err.message.code == "shapefile_incomplete"
    assert err.message.fields == {"layer": "a", "missing": missing}


def test_a_lone_shp_file_asks_for_a_zip(tmp_path):
    write_layer(tmp_path / "a.shp", [PARCEL], driver="ESRI Shapefile")
    assert refused(tmp_path / "a.shp", filename="a.shp").message.code == "shapefile_not_zipped"
    assert refused(tmp_path / "a.shp", filename="upload").message.code == "shapefile_not_zipped"  # by content


KML = """<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document><name>Survei</name>
<Folder><name>Patok</name>
  <Placemark><name>BM1</name><Point><coordinates>106.8120,-6.1360,0</coordinates></Point></Placemark>
</Folder>
<Folder><name>Bidang</name>
  <Placemark><name>NIB 001</name><description>rumah ibu Siti</description>
    <Polygon><outerBoundaryIs><LinearRing><coordinates>{ring}</coordinates></LinearRing></outerBoundaryIs></Polygon>
  </Placemark>
  <Placemark><name>NIB 002</name>
    <Polygon><outerBoundaryIs><LinearRing><coordinates>{ring3d}</coordinates></LinearRing></outerBoundaryIs></Polygon>
  </Placemark>
</Folder>
</Document></kml>
"""


def kml_text() -> str:
    ring = " ".join(f"{x},{y},0" for x, y in PARCEL.exterior.coords)
    ring3d = " ".join(f"{x + 0.002},{y},{12.5}" for x, y in PARCEL.exterior.coords)
    return KML.format(ring=ring, ring3d=ring3d)


def test_kml_from_google_earth_picks_the_polygon_folder_and_drops_heights(tmp_path):
    path = tmp_path / "survei.kml"
    path.write_text(kml_text())
    pf = read_parcel_file(path, filename="survei.kml")
    assert (pf.format, pf.layers, pf.layer, pf.crs) == ("KML", ["Patok", "Bidang"], "Bidang", "EPSG:4326")
    assert [c.lower() for c in pf.columns] == ["name", "description"]  # LIBKML's bookkeeping fields dropped
    first, second = pf.features
    assert first.attributes["Name"] == "NIB 001"
    assert first.notes == []  # Google Earth's ",0" heights are not worth a note
    assert_same_shape(first.geometry, PARCEL)
    assert [n.code for n in second.notes] == ["z_dropped"]
    assert "Feature 2" in second.notes[0].render()
    assert not shapely.has_z(second.geometry)


def test_kmz_is_read_through_its_doc_kml(tmp_path):
    target = zip_files(tmp_path / "survei.kmz", {"doc.kml": kml_text().encode(), "files/icon.png": b"\x89PNG"})
    pf = read_parcel_file(target, filename="survei.kmz")
    assert pf.format == "KML" and pf.layer == "Bidang" and len(pf.features) == 2


def test_csv_with_wkt_semicolons_and_a_bom(tmp_path):
    rows = ["nib;WKT;pemilik", f'001;"{PARCEL.wkt}";Siti', "", f"002;{shift(PARCEL, 0.002).wkt};Budi",
            "003;POLYGON ((1 2, 3;Ani"]
    path = tmp_path / "bidang.csv"
    path.write_bytes("\ufeff".encode() + "\r\n".join(rows).encode())
    pf = read_parcel_file(path, filename="bidang.csv")
    assert (pf.format, pf.layers, pf.crs, pf.columns) == ("CSV", ["bidang"], "none", ["nib", "pemilik"])
    assert [w.code for w in pf.warnings] == ["no_crs"]
    assert [f.index for f in pf.features] == [1, 2, 3]  # data rows; the blank line is skipped
    assert pf.features[0].attributes == {"nib": "001", "pemilik": "Siti"}  # text stays text: "001"
    assert_same_shape(pf.features[0].geometry, PARCEL)
    bad = pf.features[2]
    assert bad.geometry is None and [p.code for p in bad.problems] == ["bad_wkt"]
    assert bad.problems[0].render().startswith("Feature 3: the WKT could not be read")


def test_csv_tab_separated_in_tm3_with_a_chosen_crs(tmp_path):
    path = tmp_path / "tm3.txt"
    path.write_text(f"id\tgeom\n1\t{project(PARCEL, 23834).wkt}\n")
    pf = read_parcel_file(path, filename="tm3.csv", assume_crs="EPSG:23834")
    assert_same_shape(pf.features[0].geometry, PARCEL)


def test_csv_with_latitude_first_is_a_problem_per_feature(tmp_path):
    swapped = shapely.transform(PARCEL, lambda xy: xy[:, ::-1])
    path = tmp_path / "s.csv"
    path.write_text(f"kode,wkt\nA,\"{swapped.wkt}\"\nB,\"{PARCEL.wkt}\"\n")
    pf = read_parcel_file(path)
    assert [p.code for p in pf.features[0].problems] == ["swapped"]
    assert "Feature 1" in pf.features[0].problems[0].render()
    assert pf.features[1].problems == []


def test_csv_problems(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text(f"kode,wkt\nA,\"{project(PARCEL, 32748).wkt}\"\n")
    assert refused(path).message.code == "crs_missing"
    path.write_text("kode,luas\nA,12\n")
    err = refused(path, filename="a.csv")
    assert err.message.code == "csv_no_wkt" and err.message.fields["columns"] == "kode, luas"
    path.write_bytes(b"kode,wkt\nA\xe9,POINT (1 2)\n")
    assert refused(path, filename="a.csv").message.code == "not_utf8"


# --- the tricky files ------------------------------------------------------------------------


def tricky_zip(tmp_path: Path, stem: str) -> Path:
    return zip_files(tmp_path / f"{stem}.zip", {p.name: p for p in sorted(TRICKY.glob(f"{stem}.*"))})


def test_invalid_real_polygon_is_refused_naming_reason_and_place(tmp_path):
    pf = read_parcel_file(tricky_zip(tmp_path, "polygon_2"))
    (feature,) = pf.features
    (problem,) = feature.problems
    assert problem.code == "invalid"
    assert problem.fields["reason"] == "Ring Self-intersection"
    assert problem.fields["location"] == "106.7665930, -6.2905830"
    assert problem.render().startswith("Feature 1: the shape is invalid (Ring Self-intersection) near 106.76")
    assert not feature.repaired


def test_invalid_real_polygon_is_repaired_on_request(tmp_path):
    pf = read_parcel_file(tricky_zip(tmp_path, "polygon_2"), repair=True)
    (feature,) = pf.features
    assert feature.problems == [] and feature.repaired
    assert feature.geometry.is_valid and isinstance(feature.geometry, MultiPolygon)
    (note,) = feature.notes
    assert note.code == "repaired" and note.fields["before"] == round(feature.area_before_repair_m2, 1)
    assert note.fields["after"] > 1_000_000  # a whole kelurahan-sized polygon
    assert "→" in note.render() and "Feature 1 repaired: Ring Self-intersection" in note.render()


def test_25d_polygon_comes_out_2d(tmp_path):
    pf = read_parcel_file(tricky_zip(tmp_path, "25dpolygon"))
    (feature,) = pf.features
    assert not shapely.has_z(feature.geometry) and feature.problems == []
    assert feature.notes == []  # its heights are all 0
    assert pf.columns == ["Name", "Descriptio"] and feature.attributes["Name"] == "Batas Banjir 2"


def test_legacy_google_mercator_matches_its_wgs84_twin(tmp_path):
    wgs = read_parcel_file(tricky_zip(tmp_path, "OSM_subset"))
    merc = read_parcel_file(tricky_zip(tmp_path, "OSM_subset_google_mercator"))
    assert (wgs.crs, merc.crs) == ("EPSG:4326", "EPSG:3857")
    assert "Google_Maps_Global_Mercator" in merc.crs_name
    assert len(wgs.features) == len(merc.features) == 79
    a = np.array([f.geometry for f in wgs.features])
    b = np.array([f.geometry for f in merc.features])
    assert shapely.hausdorff_distance(a, b).max() < 1e-7
    assert merc.features[0].attributes == wgs.features[0].attributes


@pytest.mark.parametrize(("stem", "holes"), [("complex_donut", 5), ("donut_with_problem", 7)])
def test_donuts_keep_their_holes(tmp_path, stem, holes):
    pf = read_parcel_file(tricky_zip(tmp_path, stem))
    assert all(f.problems == [] and f.geometry.is_valid for f in pf.features)
    assert sum(shapely.get_num_interior_rings(g) for f in pf.features for g in f.geometry.geoms) == holes


@pytest.mark.filterwarnings("ignore:Several features with id:RuntimeWarning")  # GDAL on the duplicate ids
def test_tricky_geojson_points_and_nulls():
    points = read_parcel_file(TRICKY / "featurecollection_pointz.json")
    assert [p.code for p in points.features[0].problems] == ["not_polygon"]
    assert points.features[0].problems[0].render() == "Feature 1 is a Point, not a polygon. Parcels must be polygons."

    bom = read_parcel_file(TRICKY / "point_with_utf8bom.json")  # a BOM is fine
    assert bom.format == "GeoJSON" and bom.features[0].problems[0].code == "not_polygon"

    nulls = read_parcel_file(TRICKY / "ids_0_1_null_1_null.json")
    assert [f.index for f in nulls.features] == [1, 2, 3, 4, 5]
    assert all([p.code for p in f.problems] == ["empty_geometry"] for f in nulls.features)
    assert [f.attributes.get("seq") for f in nulls.features] == [0, 1, 2, 3, 4]


# --- per-feature problems and notes ----------------------------------------------------------


def test_bowtie_is_refused_then_repaired_with_areas(tmp_path):
    path = geojson(tmp_path, [gj_feature(PARCEL), gj_feature(BOWTIE)])
    plain = read_parcel_file(path)
    assert plain.features[0].problems == []
    (problem,) = plain.features[1].problems
    assert problem.code == "invalid" and problem.fields["feature"] == "2"
    assert problem.fields["reason"] == "Self-intersection"
    assert problem.fields["location"] == "106.8005000, -6.1005000"

    fixed = read_parcel_file(path, repair=True).features[1]
    assert fixed.repaired and fixed.problems == [] and fixed.geometry.is_valid
    assert len(fixed.geometry.geoms) == 2
    (note,) = fixed.notes
    assert note.code == "repaired"
    assert note.fields["before"] == pytest.approx(0.0, abs=0.2)  # the two lobes cancel out
    assert note.fields["after"] == pytest.approx(6126, rel=0.01)  # two triangles of ~110 m x 55 m
    assert note.render().startswith("Feature 2 repaired: Self-intersection; area ")


def test_geometry_collection_of_polygons_is_a_multipolygon(tmp_path):
    collection = shapely.GeometryCollection([PARCEL, shift(PARCEL, 0.002)])
    mixed = shapely.GeometryCollection([PARCEL, Point(106.81, -6.13)])
    pf = read_parcel_file(geojson(tmp_path, [gj_feature(collection), gj_feature(mixed)]))
    assert pf.features[0].problems == [] and len(pf.features[0].geometry.geoms) == 2
    assert pf.features[1].problems[0].code == "not_polygon"
    assert "GeometryCollection (Point)" in pf.features[1].problems[0].render()


def test_a_parcel_outside_indonesia_gets_a_note(tmp_path):
    pf = read_parcel_file(geojson(tmp_path, [gj_feature(box(4.89, 52.37, 4.891, 52.371))]))
    (note,) = pf.features[0].notes
    assert note.code == "outside_indonesia" and pf.features[0].problems == []
    assert note.render() == "Feature 1 lies outside Indonesia (4.8905000, 52.3705000)."


def test_geopackage_datetimes_become_iso_text(tmp_path):
    path = tmp_path / "d.gpkg"
    raw.write(path, np.array([shapely.to_wkb(PARCEL)], dtype=object),
              [np.array(["2024-05-17T08:30:00"], dtype="datetime64[ms]"), np.array([3], dtype=np.int64),
               np.array([True])], fields=["diukur", "lantai", "ok"], driver="GPKG", crs="EPSG:4326",
              geometry_type="Polygon")
    attrs = read_parcel_file(path).features[0].attributes
    assert attrs["diukur"].startswith("2024-05-17T08:30:00")
    assert type(attrs["lantai"]) is int and attrs["lantai"] == 3
    assert attrs["ok"] in (True, 1)


# --- whole-file refusals ---------------------------------------------------------------------


@pytest.mark.filterwarnings("ignore:GPKG. bad application_id:RuntimeWarning")
def test_not_a_geo_file(tmp_path):
    png = tmp_path / "a.png"
    png.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64))
    assert refused(png, filename="peta.png").message.code == "not_geo_file"
    text = tmp_path / "b.txt"
    text.write_text("Ini bukan peta.\nHanya catatan.\n")
    assert refused(text, filename="catatan.txt").message.code == "csv_no_wkt"
    assert refused(text, filename="catatan").message.code == "not_geo_file"
    sqlite = tmp_path / "c.gpkg"
    sqlite.write_bytes(b"SQLite format 3\x00" + bytes(200))
    assert refused(sqlite, filename="c.gpkg").message.code == "not_geo_file"
    xml = tmp_path / "d.kml"
    xml.write_text("<html><body>peta</body></html>")
    assert refused(xml).message.code == "not_geo_file"
    topo = tmp_path / "e.json"
    topo.write_text('{"type": "Topology", "objects": {}}')
    assert refused(topo).message.code == "not_geojson"


@pytest.mark.parametrize("content", [b"", b"  \r\n\t \n", b"\xef\xbb\xbf\n"])
def test_empty_file(tmp_path, content):
    path = tmp_path / "a.geojson"
    path.write_bytes(content)
    assert refused(path).message.code == "file_empty"


def test_file_over_the_size_limit(tmp_path):
    path = geojson(tmp_path, [gj_feature(PARCEL, keterangan="x" * 2000)])
    err = refused(path, limits=ReadLimits(max_bytes=1000))
    assert err.message.code == "file_too_large"
    assert "MB" in err.message.render()


def test_too_many_features_and_an_empty_layer(tmp_path):
    path = geojson(tmp_path, [gj_feature(shift(PARCEL, 0.002 * k)) for k in range(4)])
    err = refused(path, limits=ReadLimits(max_features=3))
    assert err.message.code == "too_many_features" and err.message.fields["limit"] == 3
    empty = geojson(tmp_path, [], name="kosong.geojson")
    assert refused(empty).message.code == "no_features"
    gpkg = write_layer(tmp_path / "e.gpkg", [PARCEL], layer="bidang")
    write_layer(gpkg, [], {"nib": np.array([], dtype=object)}, layer="kosong", append=False)
    err = refused(gpkg, layer="kosong")
    assert err.message.code == "no_features" and "kosong" in err.message.render()


def test_kmz_with_a_huge_kml_is_held_to_the_size_limit(tmp_path):
    target = zip_files(tmp_path / "a.kmz", {"doc.kml": kml_text().encode() + b" " * 20_000})
    err = refused(target, limits=ReadLimits(max_bytes=10_000, max_zip_ratio=1_000_000))
    assert err.message.code == "file_too_large"


def test_geojson_syntax_error_gives_line_and_column(tmp_path):
    path = tmp_path / "a.geojson"
    path.write_text('{"type": "FeatureCollection",\n "features": [\n   {"type": "Feature",, }\n]}')
    err = refused(path)
    assert err.message.code == "geojson_syntax"
    assert (err.message.fields["line"], err.message.fields["column"]) == (3, 23)
    assert "line 3, column 23" in err.message.render()


def test_geojson_with_an_unknown_crs_is_refused(tmp_path):
    # GDAL itself would quietly read this as WGS 84.
    path = geojson(tmp_path, [gj_feature(PARCEL)],
                   crs={"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::999999"}})
    err = refused(path)
    assert err.message.code == "unknown_crs" and "EPSG::999999" in err.message.render()


def test_kml_with_an_external_entity_is_refused_before_gdal_sees_it(tmp_path):
    path = tmp_path / "xxe.kml"
    path.write_text('<?xml version="1.0"?>\n<!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
                    '<kml xmlns="http://www.opengis.net/kml/2.2"><Placemark><name>&xxe;</name>'
                    "<Point><coordinates>106.8,-6.1</coordinates></Point></Placemark></kml>")
    err = refused(path)
    assert err.message.code == "xml_dtd"
    assert "root:" not in err.message.render()


def test_kml_broken_xml_and_network_links(tmp_path):
    path = tmp_path / "a.kml"
    path.write_text('<?xml version="1.0"?>\n<kml>\n<Placemark><name>x</nam></Placemark></kml>')
    err = refused(path)
    assert err.message.code == "xml_syntax" and err.message.fields["line"] == 3
    path.write_text('<kml xmlns="http://www.opengis.net/kml/2.2"><NetworkLink><Link>'
                    "<href>http://169.254.169.254/latest</href></Link></NetworkLink></kml>")
    assert refused(path).message.code == "kml_network_link"


def test_zip_without_a_shapefile_names_its_members(tmp_path):
    target = zip_files(tmp_path / "a.zip", {"foto/rumah.jpg": b"\xff\xd8", "catatan.txt": b"halo"})
    err = refused(target, filename="a.zip")
    assert err.message.code == "zip_no_shapefile"
    assert err.message.fields["members"] == "foto/rumah.jpg, catatan.txt"


@pytest.mark.parametrize("name", ["../evil.shp", "ok/../../evil.shp", "/tmp/evil.shp", "C:/evil.shp",
                                  "..\\evil.shp"])
def test_zip_with_path_traversal_is_refused_before_extracting(tmp_path, name, monkeypatch):
    private = tmp_path / "private"
    private.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(private))
    write_layer(tmp_path / "a.shp", [PARCEL], driver="ESRI Shapefile")
    members = {p.name: p for p in tmp_path.glob("a.*")}
    target = zip_files(tmp_path / "x.zip", {**members, name: b"evil"})
    err = refused(target)
    assert err.message.code == "zip_unsafe_name" and err.message.fields["name"] == name
    assert not (tmp_path / "evil.shp").exists() and not Path("/tmp/evil.shp").exists()
    assert list(private.iterdir()) == []


def test_zip_bomb_is_refused(tmp_path):
    target = zip_files(tmp_path / "bomb.zip", {"a.shp": bytes(5 * 1024 * 1024), "a.shx": b"", "a.dbf": b""})
    err = refused(target, limits=ReadLimits(max_zip_ratio=100))
    assert err.message.code == "zip_bomb" and err.message.fields["name"] == "a.shp"
    err = refused(target, limits=ReadLimits(max_zip_ratio=10_000, max_unzipped_bytes=1024 * 1024))
    assert err.message.code == "zip_too_large"


def test_zip_whose_headers_lie_is_counted_while_extracting(tmp_path):
    # A member header claiming 10 bytes of a 2 MB payload: the real bytes are what counts.
    write_layer(tmp_path / "a.shp", [PARCEL], driver="ESRI Shapefile")
    target = zip_shapefile(tmp_path, "a", tmp_path / "a.zip")
    data = bytearray(target.read_bytes())
    at = data.find(b"PK\x01\x02")
    while data[at + 46:at + 46 + int.from_bytes(data[at + 28:at + 30], "little")] != b"a.shp":
        at = data.find(b"PK\x01\x02", at + 4)
    data[at + 24:at + 28] = (10).to_bytes(4, "little")  # the central directory's uncompressed size
    target.write_bytes(bytes(data))
    err = refused(target)
    assert err.message.code in ("zip_bomb", "zip_bad")


def test_damaged_zip(tmp_path):
    path = tmp_path / "a.zip"
    path.write_bytes(b"PK\x03\x04" + bytes(100))
    assert refused(path).message.code == "zip_bad"


def test_temporary_files_are_removed(tmp_path, monkeypatch):
    private = tmp_path / "private"
    private.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(private))
    write_layer(tmp_path / "a.shp", [PARCEL], driver="ESRI Shapefile")
    read_parcel_file(zip_shapefile(tmp_path, "a", tmp_path / "a.zip"))
    refused(zip_shapefile(tmp_path, "a", tmp_path / "b.zip", skip=(".dbf",)))
    assert list(private.iterdir()) == []
