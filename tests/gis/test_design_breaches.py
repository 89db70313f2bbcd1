"""A design against its site's zoning: every breach named with the design's figure and the limit it passes."""

from __future__ import annotations

from decimal import Decimal

from pyproj import Transformer
from shapely.geometry import box

from gis.capacity import Zoning, capacity, design_breaches
from gis.measure import from_metric

UTM_48S = 32748
X0, Y0 = Transformer.from_crs(4326, UTM_48S, always_xy=True).transform(106.81, -6.13)
# 40 x 25 m = 1,000 m²: KDB 60% is 600 m², KDH 20% leaves 800 m², KLB 3 allows 3,000 m², 5 floors.
SITE = from_metric(box(X0, Y0, X0 + 40, Y0 + 25), UTM_48S)
ZONING = Zoning(kdb_pct=60, klb=3, kdh_pct=20, gsb_front_m=0, max_floors=5)


def breaches(zoning: Zoning = ZONING, *, floors=(("A", 4),), footprint=500, gfa=2000):
    return design_breaches(capacity(SITE, zoning), zoning, floors=list(floors), footprint_m2=Decimal(footprint),
                           gross_floor_area_m2=Decimal(gfa))


def test_a_design_within_every_limit_has_no_breach():
    assert breaches() == []
    assert breaches(floors=[("A", 5)], footprint=600, gfa=3000) == []  # at the limits is within them


def test_each_building_over_the_floor_limit_is_named():
    found = breaches(floors=[("A", 8), ("B", 5), ("C", 6)])
    assert [m.code for m in found] == ["zoning_check.floors", "zoning_check.floors"]
    assert found[0].render() == "Building A has 8 floors; the zoning allows 5."
    assert found[1].fields["building"] == "C"


def test_a_height_limit_lower_than_the_floor_limit_is_the_one_named():
    zoning = Zoning(kdb_pct=60, klb=3, kdh_pct=20, gsb_front_m=0, max_floors=8, max_height_m=13, floor_height_m=3.2)
    (found,) = breaches(zoning, floors=[("A", 5)])
    assert found.code == "zoning_check.height"
    assert found.render() == "Building A has 5 floors; the height limit of 13 m allows 4."


def test_footprint_over_kdb_kdh_and_the_setbacks_and_floor_area_over_klb():
    zoning = Zoning(kdb_pct=60, klb=3, kdh_pct=20, gsb_front_m=5, gsb_side_m=5, gsb_rear_m=5, front_azimuth_deg=0,
                    max_floors=5)
    found = breaches(zoning, footprint=820, gfa=3400)
    assert [m.code for m in found] == ["zoning_check.kdb", "zoning_check.kdh", "zoning_check.setbacks",
                                       "zoning_check.klb"]
    texts = [m.render() for m in found]
    assert texts[0] == "The buildings cover 820 m² of ground, more than the 600 m² of KDB 60%."
    assert texts[1] == "The buildings cover 820 m² of ground, more than the 800 m² that may be covered under KDH 20%."
    assert texts[2] == ("The buildings cover 820 m² of ground; within the setbacks (GSB) only 450 m² is "
                        "buildable.")  # (40 - 10) x (25 - 10)
    assert texts[3] == "The floor area is 3400 m²; KLB 3 allows 3000 m²."


def test_no_floor_limit_means_no_floor_breach():
    zoning = Zoning(kdb_pct=60, klb=20, kdh_pct=20, gsb_front_m=0, max_floors=None)
    assert breaches(zoning, floors=[("A", 40)], gfa=15000) == []
