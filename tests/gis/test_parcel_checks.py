"""gis.parcel_checks: column mapping, land status words, codes, overlaps."""

from __future__ import annotations

import json

import pytest
import shapely
from shapely.geometry import MultiPolygon, box

from gis.measure import area_m2
from gis.parcel_checks import (
    LAND_STATUSES,
    OVERLAP_TOLERANCE_M2,
    TARGETS,
    ParcelDraft,
    check_parcels,
    guess_mapping,
    land_status_of,
)
from gis.parcel_file import ParcelFeature, read_parcel_file
from kernel.messages import Message

D = 0.0001  # about 11 m


def square(col: int, row: int = 0, size: float = D) -> MultiPolygon:
    x, y = 106.8120 + col * D, -6.1360 + row * D
    return MultiPolygon([box(x, y, x + size, y + size)])


def feature(index: int, geometry=None, problems=None, **attributes) -> ParcelFeature:
    return ParcelFeature(index=index, label=str(index), geometry=geometry if geometry is not None else square(index),
                         attributes=attributes, problems=list(problems or []), notes=[])


MAPPING = {"code": "nib", "land_status": "status", "holder": "pemilik", "notes": "ket"}


def codes(problems: dict[int, list[Message]], index: int) -> list[str]:
    return [m.code for m in problems.get(index, [])]


# --- mapping and land status -----------------------------------------------------------------


def test_guess_mapping_from_indonesian_names():
    columns = ["OBJECTID", "NIB", "Status Hak", "Nama Pemegang", "Keterangan", "Luas"]
    assert guess_mapping(columns) == {"code": "NIB", "land_status": "Status Hak", "holder": "Nama Pemegang",
                                      "notes": "Keterangan"}


def test_guess_mapping_from_kml_and_truncated_shapefile_names():
    assert guess_mapping(["Name", "description"]) == {"code": "Name", "land_status": None, "holder": None,
                                                      "notes": "description"}
    # dBase cuts field names at 10 characters.
    assert guess_mapping(["KODE_BIDAN", "JENIS_HAK", "NAMA_PEMEG", "CATATAN"]) == {
        "code": "KODE_BIDAN", "land_status": "JENIS_HAK", "holder": "NAMA_PEMEG", "notes": "CATATAN"}
    assert guess_mapping(["luas", "keliling"]) == dict.fromkeys(TARGETS)


def test_a_column_serves_one_target_only():
    mapping = guess_mapping(["code", "status", "owner", "notes"])
    assert mapping == {"code": "code", "land_status": "status", "holder": "owner", "notes": "notes"}
    assert len({v for v in mapping.values() if v}) == 4


@pytest.mark.parametrize(("value", "status"), [
    ("SHM", "SHM"), ("Hak Milik", "SHM"), ("hak  milik", "SHM"), ("S.H.M.", "SHM"),
    ("HGB", "HGB"), ("Hak Guna Bangunan", "HGB"),
    ("HPL", "HPL"), ("Hak Pengelolaan", "HPL"),
    ("Hak Pakai", "hak_pakai"), ("HP", "hak_pakai"), ("hak_pakai", "hak_pakai"),
    ("tanah negara", "tanah_negara"), ("TN", "tanah_negara"),
    ("girik", "girik_adat"), ("Adat", "girik_adat"), ("Letter C", "girik_adat"), ("tanah adat", "girik_adat"),
    ("", "unknown"), (None, "unknown"), ("unknown", "unknown"), ("Tidak diketahui", "unknown"), ("-", "unknown"),
    (float("nan"), "unknown"),
    ("sewa", None), ("HGU", None), (12, None),
])
def test_land_status_of(value, status):
    assert land_status_of(value) == status


def test_every_land_status_names_itself():
    assert all(land_status_of(s) == s for s in LAND_STATUSES)


# --- checks ----------------------------------------------------------------------------------


def test_good_features_become_drafts():
    features = [
        feature(1, nib="09.01.02.03.00123", status="Hak Milik", pemilik=" Siti ", ket="rumah tinggal"),
        feature(2, nib=12.0, status=None, pemilik=None, ket=""),
    ]
    drafts, problems = check_parcels(features, MAPPING, [])
    assert problems == {}
    assert drafts == [
        ParcelDraft(index=1, label="1", code="09.01.02.03.00123", land_status="SHM", holder="Siti",
                    notes="rumah tinggal", geometry=features[0].geometry),
        ParcelDraft(index=2, label="2", code="12", land_status="unknown", holder=None, notes=None,
                    geometry=features[1].geometry),
    ]


def test_missing_codes_are_made_up_without_clashing():
    features = [feature(1, nib=None), feature(2, nib="P-0003"), feature(3, nib="  ")]
    drafts, problems = check_parcels(features, MAPPING, [("P-0001", square(50))])
    assert problems == {}
    assert [(d.code, d.auto_code) for d in drafts] == [("P-0001-2", True), ("P-0003", False), ("P-0003-2", True)]
    drafts, _ = check_parcels([feature(1)], {"code": None}, [])
    assert drafts[0].code == "P-0001" and drafts[0].land_status == "unknown"


def test_duplicate_codes_in_the_file_and_in_the_project():
    features = [feature(1, nib="A-1"), feature(2, nib="a-1"), feature(3, nib="B"), feature(4, nib="C")]
    drafts, problems = check_parcels(features, MAPPING, [("b", square(60))])
    assert [d.index for d in drafts] == [4]
    assert codes(problems, 1) == codes(problems, 2) == ["code_duplicate"]
    assert problems[1][0].render() == ("Feature 1: the parcel code A-1 is also used by feature 2. "
                                       "Give each parcel its own code.")
    assert codes(problems, 3) == ["code_exists"]
    assert "parcel code b already exists" in problems[3][0].render()


def test_long_code_unknown_status_and_long_holder():
    features = [feature(1, nib="X" * 65), feature(2, status="sewa"), feature(3, pemilik="n" * 201)]
    drafts, problems = check_parcels(features, MAPPING, [])
    assert drafts == []
    assert codes(problems, 1) == ["code_too_long"]
    assert codes(problems, 2) == ["land_status_unknown"]
    assert "land status sewa is not known" in problems[2][0].render()
    assert codes(problems, 3) == ["holder_too_long"]


def test_notes_past_their_bound_are_refused_with_their_length():
    drafts, problems = check_parcels([feature(1, ket="n" * 5001), feature(2, ket="n" * 5000)], MAPPING, [])
    assert [d.index for d in drafts] == [2]
    assert codes(problems, 1) == ["notes_too_long"]
    assert problems[1][0].render() == "Feature 1: the notes are 5001 characters long; the limit is 5000."


def test_overlap_with_an_existing_parcel():
    old = square(0, size=2 * D)
    inside = square(1)  # a quarter of the old parcel: ~123 m²
    neighbour = square(2)  # touches along the old parcel's edge only
    drafts, problems = check_parcels([feature(1, inside), feature(2, neighbour)], {"code": None},
                                     [("AKU-01", old)])
    assert [d.index for d in drafts] == [2]
    (overlap,) = problems[1]
    assert overlap.code == "overlap_existing" and overlap.fields["code"] == "AKU-01"
    assert overlap.fields["area"] == pytest.approx(round(area_m2(inside), 1), abs=0.1)
    assert overlap.render().startswith("Feature 1 overlaps parcel AKU-01 by 1")


def test_overlap_inside_the_file_names_both_features_and_slivers_pass():
    a = square(0)
    b = MultiPolygon([shapely.affinity.translate(square(0).geoms[0], D / 2, 0)])  # half over a
    sliver = MultiPolygon([box(106.8120 + D - 2e-8, -6.1360, 106.8120 + 2 * D, -6.1360 + D)])  # ~2 mm x 11 m
    assert 0 < area_m2(a.intersection(sliver)) < OVERLAP_TOLERANCE_M2
    drafts, problems = check_parcels([feature(1, a), feature(2, b), feature(3, sliver)], {"code": None}, [])
    assert drafts == []
    assert [m.fields["other"] for m in problems[1]] == ["2"]  # the ~2 mm strip it shares with 3 is no overlap
    assert sorted(m.fields["other"] for m in problems[2]) == ["1", "3"]
    assert [m.fields["other"] for m in problems[3]] == ["2"]
    (one,) = problems[1]
    assert one.code == "overlap_feature"
    assert one.fields["area"] == pytest.approx(area_m2(a) / 2, rel=0.01)
    assert one.render() == f"Feature 1 overlaps feature 2 by {one.fields['area']} m²."


def test_tiny_sliver_against_a_neighbour_is_not_an_overlap():
    a = square(0)
    sliver_neighbour = MultiPolygon([box(106.8120 + D - 2e-8, -6.1360, 106.8120 + 2 * D, -6.1360 + D)])
    drafts, problems = check_parcels([feature(1, a), feature(2, sliver_neighbour)], {"code": None}, [])
    assert problems == {} and len(drafts) == 2


def test_reader_problems_are_included_and_skip_the_geometry_checks():
    bad = Message("invalid", "Feature {feature}: the shape is invalid.", {"feature": "1"})
    features = [feature(1, square(0), problems=[bad]), feature(2, square(0)),
                ParcelFeature(index=3, label="3", geometry=None, attributes={}, problems=[], notes=[])]
    drafts, problems = check_parcels(features, {"code": None}, [])
    assert problems[1] == [bad]  # the overlap with 2 is not reported: 1 is refused anyway
    assert [d.index for d in drafts] == [2]
    assert codes(problems, 3) == ["empty_geometry"]


def test_an_invalid_existing_parcel_does_not_break_the_check():
    bowtie = shapely.Polygon([(106.8120, -6.1360), (106.8122, -6.1358), (106.8122, -6.1360), (106.8120, -6.1358)])
    drafts, problems = check_parcels([feature(1, square(0, size=2 * D))], {"code": None}, [("OLD", bowtie)])
    assert codes(problems, 1) == ["overlap_existing"]


def test_end_to_end_from_a_geojson_file(tmp_path):
    fc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"NIB": "001", "Status_Hak": "HGB", "Pemilik": "Koperasi"},
         "geometry": shapely.geometry.mapping(square(0))},
        {"type": "Feature", "properties": {"NIB": "002", "Status_Hak": "hak sewa", "Pemilik": None},
         "geometry": shapely.geometry.mapping(square(1))},
        {"type": "Feature", "properties": {"NIB": "003", "Status_Hak": None, "Pemilik": None},
         "geometry": {"type": "Point", "coordinates": [106.81, -6.13]}},
    ]}
    path = tmp_path / "bidang.geojson"
    path.write_text(json.dumps(fc))
    pf = read_parcel_file(path)
    drafts, problems = check_parcels(pf.features, guess_mapping(pf.columns), [])
    assert [(d.code, d.land_status, d.holder) for d in drafts] == [("001", "HGB", "Koperasi")]
    assert codes(problems, 2) == ["land_status_unknown"] and codes(problems, 3) == ["not_polygon"]


def test_five_thousand_parcels_that_share_edges_do_not_overlap():
    # Neighbouring parcels share boundaries; only a real overlap (more than 0.5 m²) is refused.
    # Speed is measured by `make bench`, not asserted here.
    side = 100
    features = [feature(k + 1, square(k % side, k // side), nib=f"N{k}") for k in range(side * 50)]
    drafts, problems = check_parcels(features, MAPPING, [("OLD", square(0, -1))])
    assert problems == {} and len(drafts) == 5000
