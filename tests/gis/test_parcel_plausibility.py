"""Plausibility warnings for a parcel file (issue 13), natural order of codes, and slivers under 1 m²."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import shapely
from shapely.geometry import MultiPolygon, box, shape

from gis.measure import area_m2
from gis.parcel_checks import OVERLAP_TOLERANCE_M2, check_parcels, natural_key
from gis.parcel_file import ParcelFeature
from gis.parcel_plausibility import FAR_M, SITE_AREA_WARN_M2, far_features, plausibility

RW_FILE = Path(__file__).resolve().parents[3] / "shared" / "data" / "jakarta" / "penjaringan_rw.geojson"
SITE = box(106.8120, -6.1360, 106.8125, -6.1355)  # about 55 m x 55 m in Penjaringan


@pytest.mark.skipif(not RW_FILE.exists(), reason="the shared Jakarta data is not beside this checkout")
def test_the_rw_layer_of_penjaringan_is_flagged_as_no_kampung_site():
    # The file of the issue: 69 RW polygons, 3,445 ha, imported as one project's site.
    features = json.loads(RW_FILE.read_text())["features"]
    geoms = [shape(f["geometry"]) for f in features]
    total = sum(area_m2(g) for g in geoms)
    (warning,) = plausibility(total, [str(i) for i in range(len(geoms))], geoms, None, "kelurahan")
    assert warning.code == "site_too_large" and warning.fields["ha"] == 3445.3
    assert warning.render().startswith("The parcels cover 3445.3 ha in total")


def test_a_kampung_site_gives_no_warning():
    assert plausibility(area_m2(SITE), ["1"], [SITE], SITE.buffer(0.001), "parcels") == []
    assert SITE_AREA_WARN_M2 == 100_000


def test_parcels_far_from_the_reference_are_named_farthest_first_in_metres():
    near = shapely.affinity.translate(SITE, 0.01, 0)  # ~1.1 km east: same kelurahan, no warning
    far = shapely.affinity.translate(SITE, 0.03, 0)  # ~3.3 km
    farther = shapely.affinity.translate(SITE, 0.0, -0.05)  # ~5.5 km south
    found = far_features(["near", "far", "farther"], [near, far, farther], SITE)
    assert [label for label, _ in found] == ["farther", "far"]
    assert 5_400 < found[0][1] < 5_600 and 3_200 < found[1][1] < 3_350 and FAR_M == 2_000
    (warning,) = plausibility(area_m2(SITE) * 3, ["near", "far", "farther"], [near, far, farther], SITE, "parcels")
    assert warning.fields["n"] == 2 and warning.fields["features"] == "farther, far"
    assert warning.fields["max_km"] == 5.5
    assert "existing parcels" in warning.render()
    (kel,) = plausibility(0, ["far"], [far], SITE, "kelurahan")
    assert "kelurahan" in kel.render()


def test_codes_sort_naturally():
    codes = ["100", "2492", "89", "P-10", "P-2", "90", "09.01.00002", "09.01.00001", "AKU-01"]
    assert sorted(codes, key=natural_key) == ["09.01.00001", "09.01.00002", "89", "90", "100", "2492", "AKU-01",
                                              "P-2", "P-10"]


def _feature(index: int, geometry) -> ParcelFeature:
    return ParcelFeature(index=index, label=str(index), geometry=MultiPolygon([geometry]), attributes={},
                         problems=[], notes=[])


def test_a_sliver_under_one_square_metre_is_no_overlap_and_one_above_is():
    a = box(106.8120, -6.1360, 106.8121, -6.1359)  # ~11 m x 11 m
    # A neighbour drawn 6 cm into it along an 11 m edge: about 0.7 m², a survey's slip, not an overlap.
    slip = box(106.8121 - 0.00000055, -6.1360, 106.8122, -6.1359)
    assert 0.5 < area_m2(a.intersection(slip)) < OVERLAP_TOLERANCE_M2 == 1.0
    drafts, problems = check_parcels([_feature(1, a), _feature(2, slip)], {"code": None}, [])
    assert problems == {} and len(drafts) == 2
    # 20 cm in: about 2.4 m², an overlap.
    into = box(106.8121 - 0.0000018, -6.1360, 106.8122, -6.1359)
    assert area_m2(a.intersection(into)) > 2
    _drafts, problems = check_parcels([_feature(1, a), _feature(2, into)], {"code": None}, [])
    assert problems[1][0].code == "overlap_feature"
