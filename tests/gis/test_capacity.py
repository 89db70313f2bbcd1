import math
import re
from decimal import Decimal

import pytest
from pyproj import Transformer
from shapely import affinity
from shapely.geometry import MultiPolygon, Polygon, box

from gis.capacity import (
    Capacity,
    InvalidZoning,
    UnitType,
    Zoning,
    capacity,
    fit_units,
    split_by_shares,
    validate_zoning,
)
from gis.measure import area_m2, from_metric, to_metric, utm_epsg

UTM_48S = 32748
X0, Y0 = Transformer.from_crs(4326, UTM_48S, always_xy=True).transform(106.81, -6.13)
# What tests/app/web/test_translations.py counts as a %-placeholder: none may hide in a msgid.
PERCENT_FIELD = re.compile(r"%(?:\([^)]*\))?[#0\- +]*(?:\d+|\*)?(?:\.(?:\d+|\*))?[diouxXeEfFgGcrsa%]")


def site(width: float = 40, depth: float = 25, *, rotate: float = 0, holes=()) -> Polygon:
    """A width (east-west) x depth (north-south) metre rectangle by Jakarta's old port, exact in UTM 48S,
    turned `rotate` degrees clockwise (as a compass turns), returned in EPSG:4326."""
    shape = Polygon(box(X0, Y0, X0 + width, Y0 + depth).exterior.coords, holes=[h.exterior.coords for h in holes])
    shape = affinity.rotate(shape, -rotate, origin=(X0, Y0))
    return from_metric(shape, UTM_48S)


# North front 4 m, sides 2 m, rear 3 m on 40 x 25 m: (40 - 2 - 2) x (25 - 4 - 3) = 36 x 18.
SETBACKS = {"gsb_front_m": 4, "gsb_side_m": 2, "gsb_rear_m": 3, "front_azimuth_deg": 0}
BUILDABLE = 36 * 18


def codes(messages) -> list[str]:
    return [m.code for m in messages]


def assert_messages_render(result: Capacity) -> None:
    for message in result.explanations + result.warnings:
        text = message.render()
        assert "{" not in text and "}" not in text, text
        assert not PERCENT_FIELD.search(message.msgid), message.msgid


def test_from_metric_undoes_to_metric():
    shape = site()
    assert utm_epsg(106.81, -6.13) == UTM_48S
    back = from_metric(to_metric(shape), UTM_48S)
    assert back.equals_exact(shape, tolerance=1e-9)
    assert area_m2(shape) == pytest.approx(1000, rel=1e-6)


def test_setbacks_per_edge_give_the_exact_inset():
    result = capacity(site(), Zoning(kdb_pct=80, kdh_pct=20, **SETBACKS))
    assert result.site_area_m2 == pytest.approx(1000, rel=1e-6)
    assert result.buildable_area_m2 == pytest.approx(BUILDABLE, rel=0.005)
    assert area_m2(result.buildable_footprint) == pytest.approx(BUILDABLE, rel=0.005)
    assert result.buildable_footprint.within(site())
    # The inset sits 4 m from the north edge and 3 m from the south one.
    minx, miny, maxx, maxy = to_metric(result.buildable_footprint).bounds
    assert (minx - X0, miny - Y0, X0 + 40 - maxx, Y0 + 25 - maxy) == pytest.approx((2, 3, 2, 4), abs=0.01)
    assert result.footprint_rule == "setbacks"
    assert result.max_footprint_m2 == pytest.approx(BUILDABLE, rel=0.005)
    assert "capacity.setbacks" in codes(result.explanations)
    assert "capacity.front_unknown" not in codes(result.warnings)
    assert_messages_render(result)


def test_front_direction_is_read_from_the_outward_normal():
    # Facing east, the 25 m east edge is the front and the west edge the rear: (40 - 4 - 3) x (25 - 2 - 2).
    east = capacity(site(), Zoning(kdb_pct=100, kdh_pct=0, **(SETBACKS | {"front_azimuth_deg": 90})))
    assert east.buildable_area_m2 == pytest.approx(33 * 21, rel=0.005)
    # The whole site turned 30° clockwise, its front facing 30°: the same inset as facing north.
    turned = capacity(site(rotate=30), Zoning(kdb_pct=100, kdh_pct=0, **(SETBACKS | {"front_azimuth_deg": 30})))
    assert turned.buildable_area_m2 == pytest.approx(BUILDABLE, rel=0.005)
    # 44° off still counts as the front; 46° off makes the north edge a side.
    assert capacity(site(), Zoning(**(SETBACKS | {"front_azimuth_deg": 44}))).buildable_area_m2 == pytest.approx(
        BUILDABLE, rel=0.005
    )
    assert capacity(site(), Zoning(**(SETBACKS | {"front_azimuth_deg": 316}))).buildable_area_m2 == pytest.approx(
        BUILDABLE, rel=0.005
    )
    side_north = capacity(site(), Zoning(**(SETBACKS | {"front_azimuth_deg": 46})))
    assert side_north.buildable_area_m2 == pytest.approx((40 - 4 - 3) * (25 - 2 - 2), rel=0.005)


@pytest.mark.parametrize(
    ("kdb", "kdh", "rule", "footprint"),
    [
        (55, 20, "kdb", 550),  # KDB 550 < setbacks 648 < KDH 800
        (80, 20, "setbacks", BUILDABLE),  # setbacks 648 < KDB 800 = KDH 800
        (60, 45, "kdh", 550),  # KDH 550 < KDB 600 < setbacks 648
    ],
)
def test_which_rule_binds_the_footprint(kdb, kdh, rule, footprint):
    result = capacity(site(), Zoning(kdb_pct=kdb, kdh_pct=kdh, **SETBACKS))
    assert result.footprint_rule == rule
    assert result.max_footprint_m2 == pytest.approx(footprint, rel=0.005)
    assert result.kdb_area_m2 == pytest.approx(kdb * 10, rel=1e-6)
    assert result.kdh_limit_m2 == pytest.approx((100 - kdh) * 10, rel=1e-6)
    assert f"capacity.footprint.{rule}" in codes(result.explanations)
    assert ("capacity.kdb_kdh_over_100" in codes(result.warnings)) == (kdb + kdh > 100)
    assert_messages_render(result)


def test_klb_against_floors_and_height():
    base = {"kdb_pct": 55, "kdh_pct": 20, "klb": 3.0, **SETBACKS}  # footprint 550 m², KLB area 3,000 m²
    klb = capacity(site(), Zoning(**base, max_floors=8))
    assert (klb.gfa_rule, klb.max_gfa_m2, klb.floors_allowed) == ("klb", pytest.approx(3000, rel=1e-6), 8)
    assert klb.floors_needed == 6  # 3,000 / 550 = 5.45
    assert klb.net_area_m2 == pytest.approx(3000 * 0.75, rel=1e-6)

    floors = capacity(site(), Zoning(**base, max_floors=4))
    assert (floors.gfa_rule, floors.floors_allowed, floors.floors_needed) == ("floors", 4, 6)
    assert floors.max_gfa_m2 == pytest.approx(4 * 550, rel=1e-6)
    assert "capacity.gfa.floors" in codes(floors.explanations)

    # 9.6 m at 3.2 m a floor is 3 floors, not 2.999...
    height = capacity(site(), Zoning(**base, max_floors=8, max_height_m=9.6))
    assert (height.gfa_rule, height.floors_allowed) == ("height", 3)
    assert height.max_gfa_m2 == pytest.approx(3 * 550, rel=1e-6)

    unlimited = capacity(site(), Zoning(**base, max_floors=None))
    assert (unlimited.gfa_rule, unlimited.floors_allowed, unlimited.floors_needed) == ("klb", None, 6)
    assert "capacity.gfa.klb_only" in codes(unlimited.explanations)

    exact = capacity(site(), Zoning(kdb_pct=50, kdh_pct=20, klb=2.0, max_floors=8))  # 2,000 / 500: 4, not 5
    assert exact.floors_needed == 4
    for result in (klb, floors, height, unlimited, exact):
        assert_messages_render(result)


def test_unit_mix_fits_and_keeps_the_shares():
    mix = (UnitType("21 m²", 21, 1), UnitType("36 m²", 36, 3), UnitType("45 m²", 45, 1))
    result = capacity(site(), Zoning(kdb_pct=55, kdh_pct=20, klb=3.0, **SETBACKS), mix)
    areas = {u.name: u.net_area_m2 for u in mix}
    used = sum(n * areas[name] for name, n in result.units.items())
    assert used <= result.net_area_m2  # 2,250 m² net
    assert result.unit_total == sum(result.units.values()) == 64  # 64 x 34.8 m² average = 2,227 m²
    assert result.units == {"21 m²": 13, "36 m²": 38, "45 m²": 13}
    shares = {"21 m²": 0.2, "36 m²": 0.6, "45 m²": 0.2}
    assert all(abs(n - result.unit_total * shares[name]) < 1 for name, n in result.units.items())
    # One more unit, split the same way, would not fit.
    more = split_by_shares(result.unit_total + 1, [u.share for u in mix])
    assert sum(n * u.net_area_m2 for n, u in zip(more, mix, strict=True)) > result.net_area_m2
    assert_messages_render(result)


def test_unit_split_is_largest_remainder_and_searches_every_count():
    assert split_by_shares(10, [1, 1, 1]) == [4, 3, 3]  # a tie goes to the earlier type
    assert split_by_shares(5, [0.6, 0.4]) == [3, 2]
    assert split_by_shares(7, [Decimal("0.5"), 0, Decimal("0.5")]) == [4, 0, 3]
    assert fit_units(100, [UnitType("a", 36, 1)]) == {"a": 2}
    assert fit_units(0, [UnitType("a", 36, 1)]) == {"a": 0}
    # 108 m²: 1 x 36 + 1 x 72 = 108 fits with N = 2; N = 3 splits 2 + 1 = 144.
    assert fit_units(108, [UnitType("s", 36, 1), UnitType("l", 72, 1)]) == {"s": 1, "l": 1}
    with pytest.raises(ValueError):
        fit_units(100, [UnitType("a", 36, 0)])
    with pytest.raises(ValueError):
        fit_units(100, [UnitType("a", 0, 1)])


def test_unknown_front_applies_the_largest_setback_all_round():
    result = capacity(site(), Zoning(kdb_pct=100, kdh_pct=0, **(SETBACKS | {"front_azimuth_deg": None})))
    assert result.buildable_area_m2 == pytest.approx((40 - 8) * (25 - 8), rel=0.005)
    assert result.buildable_area_m2 < BUILDABLE
    assert "capacity.front_unknown" in codes(result.warnings)
    assert "capacity.setbacks_all_round" in codes(result.explanations)
    (warning,) = [m for m in result.warnings if m.code == "capacity.front_unknown"]
    assert warning.fields == {"setback": 4}
    assert warning.render() == "No front direction set: the largest setback, 4 m, is applied on every side."
    # With equal setbacks the direction does not matter: no warning.
    even = capacity(site(), Zoning(gsb_front_m=3, gsb_side_m=3, gsb_rear_m=3))
    assert "capacity.front_unknown" not in codes(even.warnings)


def test_zero_setbacks_leave_the_site():
    shape = site()
    result = capacity(shape, Zoning(gsb_front_m=0, gsb_side_m=0, gsb_rear_m=0, front_azimuth_deg=0))
    assert result.buildable_area_m2 == pytest.approx(1000, rel=1e-6)
    assert result.buildable_footprint.equals_exact(shape, tolerance=1e-9)
    assert "capacity.setbacks_none" in codes(result.explanations)


def test_reentrant_corner_and_hole():
    # An L of two 20 m squares: a uniform 3 m setback is the inward buffer, the inner corner included.
    ell = Polygon([(X0, Y0), (X0 + 40, Y0), (X0 + 40, Y0 + 20), (X0 + 20, Y0 + 20), (X0 + 20, Y0 + 40), (X0, Y0 + 40)])
    result = capacity(from_metric(ell, UTM_48S), Zoning(gsb_front_m=3, gsb_side_m=3, gsb_rear_m=3, front_azimuth_deg=0))
    assert result.buildable_area_m2 == pytest.approx(ell.buffer(-3).area, rel=0.005)
    # A 10 m courtyard in the 40 x 25 m site takes the 2 m side setback around it: 14 x 14 lost.
    yard = box(X0 + 15, Y0 + 8, X0 + 25, Y0 + 18)
    with_yard = capacity(site(holes=[yard]), Zoning(**SETBACKS))
    assert with_yard.buildable_area_m2 == pytest.approx(BUILDABLE - (14 * 14 - (4 - math.pi) * 4), rel=0.005)


def test_setbacks_can_eat_the_site():
    result = capacity(site(6, 6), Zoning(**SETBACKS))
    assert result.buildable_footprint is None
    assert result.buildable_area_m2 == 0
    assert (result.max_footprint_m2, result.max_gfa_m2, result.net_area_m2) == (0, 0, 0)
    assert (result.footprint_rule, result.floors_needed, result.unit_total) == ("setbacks", 0, 0)
    assert result.units == {"36 m²": 0}
    assert "capacity.footprint_empty" in codes(result.warnings)
    assert "capacity.gfa.no_footprint" in codes(result.explanations)
    assert_messages_render(result)


def test_multipolygon_site():
    west, east = site(), from_metric(box(X0 + 100, Y0, X0 + 140, Y0 + 25), UTM_48S)
    result = capacity(MultiPolygon([west, east]), Zoning(kdb_pct=100, kdh_pct=0, **SETBACKS))
    assert result.buildable_area_m2 == pytest.approx(2 * BUILDABLE, rel=0.005)
    assert isinstance(result.buildable_footprint, MultiPolygon)


def test_warnings_for_odd_inputs():
    result = capacity(site(), Zoning(efficiency=0.4), (UnitType("studio", 18, 1),))
    assert {"capacity.efficiency_unusual", "capacity.unit_below_minimum"} <= set(codes(result.warnings))
    assert_messages_render(result)


def test_validate_zoning_names_the_fields():
    assert validate_zoning(Zoning()) == []
    assert validate_zoning(Zoning(kdb_pct=Decimal("55"), klb=6.65, kdh_pct=20, max_floors=None)) == []
    bad = Zoning(
        kdb_pct=0,
        klb=21,
        kdh_pct=-1,
        gsb_front_m=-1,
        gsb_side_m=51,
        gsb_rear_m=float("nan"),
        max_floors=0,
        max_height_m=0,
        floor_height_m=1,
        front_azimuth_deg=361,
        efficiency=1.2,
    )
    problems = validate_zoning(bad)
    assert [m.fields["field"] for m in problems] == [
        "kdb_pct",
        "klb",
        "kdh_pct",
        "gsb_front_m",
        "gsb_side_m",
        "gsb_rear_m",
        "max_floors",
        "max_height_m",
        "floor_height_m",
        "front_azimuth_deg",
        "efficiency",
    ]
    assert codes(problems)[:4] == ["zoning.kdb_pct", "zoning.klb", "zoning.kdh_pct", "zoning.setback"]
    assert all(m.render() == m.msgid for m in problems)
    assert [m.fields["field"] for m in validate_zoning(Zoning(max_floors=2.5, kdb_pct="60"))] == [
        "kdb_pct",
        "max_floors",
    ]
    with pytest.raises(InvalidZoning) as caught:
        capacity(site(), bad)
    assert list(caught.value.messages) == problems


def test_kunir_sanity():
    # Kampung Susun Kunir: 860 m², 4 floors, 33 units of 36 m². Half the site covered on 4 floors at
    # 70% net-to-gross gives the same 33; KLB 3.5 would need 7 floors, so the 4 floors bind.
    kunir = site(40, 21.5)
    zoning = Zoning(kdb_pct=50, klb=3.5, kdh_pct=20, gsb_front_m=4, max_floors=4, front_azimuth_deg=0, efficiency=0.7)
    result = capacity(kunir, zoning)
    assert result.site_area_m2 == pytest.approx(860, rel=1e-6)
    assert (result.footprint_rule, result.gfa_rule, result.floors_needed) == ("kdb", "floors", 7)
    assert result.max_gfa_m2 == pytest.approx(4 * 430, rel=1e-6)
    assert result.unit_total == result.units["36 m²"] == 33
    assert [m.code for m in result.explanations] == [
        "capacity.setbacks",
        "capacity.footprint.kdb",
        "capacity.gfa.floors",
        "capacity.units",
    ]
    assert result.explanations[-1].render() == "Units: 33 in 1204 m² net, from 1720 m² gross (efficiency 70%)."
    assert result.warnings == []


def test_a_bow_tie_outline_is_made_valid_first():
    bow = from_metric(Polygon([(X0, Y0), (X0 + 40, Y0 + 40), (X0 + 40, Y0), (X0, Y0 + 40)]), UTM_48S)
    assert capacity(bow, Zoning()).site_area_m2 == pytest.approx(800, rel=1e-6)  # two 400 m² triangles
