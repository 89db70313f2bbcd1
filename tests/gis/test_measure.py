import pytest
from pyproj import Geod
from shapely.geometry import Polygon, box

from gis.geojson import feature, parse_bbox
from gis.measure import area_m2, perimeter_m, utm_epsg

GEOD = Geod(ellps="WGS84")


def test_utm_zone_of_jakarta_is_48_south():
    assert utm_epsg(106.81, -6.13) == 32748
    assert utm_epsg(95.3, 5.5) == 32646  # Banda Aceh: zone 46, north of the equator


def test_area_agrees_with_geodesic_within_a_tenth_of_a_percent():
    # About 120 m x 86 m by Pasar Ikan, the size of Kampung Akuarium.
    site = box(106.8080, -6.1250, 106.8091, -6.1242)
    geodesic = abs(GEOD.geometry_area_perimeter(site)[0])
    assert abs(area_m2(site) - geodesic) / geodesic < 0.001
    assert 9_000 < area_m2(site) < 11_500


def test_perimeter_in_metres():
    square = Polygon([(106.8, -6.1), (106.8009, -6.1), (106.8009, -6.1009), (106.8, -6.1009)])
    geodesic = GEOD.geometry_area_perimeter(square)[1]
    assert abs(perimeter_m(square) - geodesic) / geodesic < 0.001


def test_feature_rounds_coordinates_to_seven_decimals():
    f = feature(box(106.123456789, -6.987654321, 106.2, -6.9), {"code": "A"}, feature_id=3)
    ring = f["geometry"]["coordinates"][0]
    assert all(len(str(x).split(".")[1]) <= 7 for pt in ring for x in pt)
    assert f["id"] == 3 and f["properties"] == {"code": "A"}


def test_bbox_parsing_says_what_is_wrong():
    assert parse_bbox("106.7,-6.2,106.9,-6.0") == (106.7, -6.2, 106.9, -6.0)
    for bad, words in (("1,2,3", "four numbers"), ("a,b,c,d", "numbers"), ("107,-6,106,-5", "minLon<=maxLon")):
        try:
            parse_bbox(bad)
        except ValueError as exc:
            assert words in str(exc)
        else:
            raise AssertionError(f"{bad} accepted")


def test_many_at_once_match_one_at_a_time_across_utm_zones():
    from gis.measure import areas_and_perimeters_m

    jakarta = box(106.8080, -6.1250, 106.8091, -6.1242)
    aceh = box(95.30, 5.50, 95.301, 5.501)  # zone 46 north
    areas, perimeters = areas_and_perimeters_m([jakarta, aceh, Polygon()])
    assert areas[0] == pytest.approx(area_m2(jakarta)) and areas[1] == pytest.approx(area_m2(aceh))
    assert perimeters[0] == pytest.approx(perimeter_m(jakarta)) and perimeters[1] == pytest.approx(perimeter_m(aceh))
    assert areas[2] == 0 and perimeters[2] == 0
