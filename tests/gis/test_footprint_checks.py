"""Footprint checks: valid polygons of the scenario's blocks, on the site, not on top of each other."""

from __future__ import annotations

import json

import pytest
from shapely.geometry import Polygon, box, mapping

from gis.footprint_checks import (
    Candidate,
    block_column,
    check_footprints,
    drawn_shape,
    outside_tolerance_m2,
)
from gis.measure import area_m2, from_metric

UTM_48S = 32748
X0, Y0 = 699_100.0, 9_323_400.0  # Muara Baru, Jakarta, in metres


def metric(geom):
    """A shape given in metres from (X0, Y0), as EPSG:4326."""
    from shapely import affinity

    return from_metric(affinity.translate(geom, X0, Y0), UTM_48S)


SITE = metric(box(0, 0, 80, 60))  # 4,800 m²
A = metric(box(10, 10, 40, 30))  # 600 m²
B = metric(box(45, 10, 70, 30))  # 500 m²


def check(*candidates, blocks=("A", "B"), site=SITE, kept=None):
    return check_footprints(list(candidates), list(blocks), site, kept or {})


def messages(problems, label):
    return [m.render() for m in problems.get(label, [])]


def test_two_blocks_inside_the_site_pass_with_their_areas_in_square_metres():
    passed, problems = check(Candidate("1", "A", A), Candidate("2", "b", B))
    assert problems == {}
    assert [(f.label, f.block) for f in passed] == [("1", "A"), ("2", "B")]  # the scenario's spelling
    assert passed[0].area_m2 == pytest.approx(600, abs=0.5) and passed[1].area_m2 == pytest.approx(500, abs=0.5)
    assert passed[0].geometry.geom_type == "MultiPolygon"


def test_a_bow_tie_outline_is_refused_with_where_it_crosses_itself():
    bow_tie = metric(Polygon([(10, 10), (40, 30), (40, 10), (10, 30)]))
    _, problems = check(Candidate("A", "A", bow_tie))
    [text] = messages(problems, "A")
    assert text.startswith("The outline of block A is not a valid polygon (Self-intersection) near 106.")


def test_an_unknown_block_and_a_missing_code_are_named():
    _, problems = check(Candidate("1", "C", A), Candidate("2", "", B))
    assert messages(problems, "1") == ["Block C is not a block of the scenario being built; its blocks are A, B."]
    assert messages(problems, "2") == [
        "No block code: give the feature a property named block, blok, code or building."]


def test_a_footprint_outside_the_site_is_refused_with_how_much_sticks_out():
    half_out = metric(box(60, 10, 100, 30))  # 20 x 20 of its 40 x 20 off the site
    away = metric(box(500, 500, 520, 520))
    _, problems = check(Candidate("1", "A", half_out), Candidate("2", "B", away))
    assert messages(problems, "1") == [
        "400.0 m² of block A lies outside the project's parcels. Draw it inside the site."]
    assert messages(problems, "2") == ["Block B is not on the site: the outline lies outside the project's parcels."]


def test_a_hand_drawn_edge_a_little_over_the_boundary_is_accepted():
    # 30 m along the boundary, 0.3 m over: 9 m² of a 609 m² block, within 2%.
    over = metric(box(10, 10, 40, 60.3))
    assert outside_tolerance_m2(area_m2(over)) > 9
    passed, problems = check(Candidate("A", "A", over))
    assert problems == {} and len(passed) == 1


def test_overlapping_blocks_are_refused_both_ways_but_touching_ones_pass():
    overlapping = metric(box(35, 10, 60, 30))  # 5 m x 20 m into A
    _, problems = check(Candidate("1", "A", A), Candidate("2", "B", overlapping))
    assert messages(problems, "1") == ["Block A overlaps block B by 100.0 m²; blocks may touch but not overlap."]
    assert messages(problems, "2") == ["Block B overlaps block A by 100.0 m²; blocks may touch but not overlap."]
    touching = metric(box(40, 10, 60, 30))
    passed, problems = check(Candidate("1", "A", A), Candidate("2", "B", touching))
    assert problems == {} and len(passed) == 2


def test_a_stored_block_counts_for_overlaps_unless_it_is_the_one_being_replaced():
    _, problems = check(Candidate("B", "B", metric(box(30, 10, 60, 30))), kept={"A": A})
    assert messages(problems, "B") == ["Block B overlaps block A by 200.0 m²; blocks may touch but not overlap."]
    passed, problems = check(Candidate("A", "A", metric(box(12, 12, 42, 32))), kept={"A": A})
    assert problems == {} and len(passed) == 1


def test_tiny_and_huge_outlines_are_refused_and_no_site_is_said_once():
    tiny = metric(box(10, 10, 12, 12))
    _, problems = check(Candidate("A", "A", tiny))
    assert messages(problems, "A") == ["Block A measures only 4.0 m²; a block's footprint is at least 10 m². "
                                       "Was the outline finished too early?"]
    huge = metric(box(0, 0, 200, 200))
    _, problems = check(Candidate("A", "A", huge), site=metric(box(0, 0, 300, 300)))
    assert messages(problems, "A") == ["Block A measures 40000 m²; one block's footprint is at most 20000 m²."]
    _, problems = check(Candidate("A", "A", A), site=None)
    assert messages(problems, "A") == ["The site has no parcels yet: import them before placing the blocks on it."]


def test_a_file_giving_one_block_twice_is_refused_on_both_features():
    _, problems = check(Candidate("1", "A", A), Candidate("3", "a", metric(box(50, 35, 70, 55))))
    assert messages(problems, "1") == ["Block A is given twice: also by feature 3. Give each block one outline."]
    assert messages(problems, "3") == ["Block A is given twice: also by feature 1. Give each block one outline."]


def test_the_drawn_outline_is_read_from_geojson_and_junk_is_refused():
    geom, problems = drawn_shape(json.dumps(mapping(A)), "A")
    assert problems == [] and geom.equals(A)
    feature = json.dumps({"type": "Feature", "properties": {}, "geometry": mapping(A)})
    assert drawn_shape(feature, "A")[0].equals(A)
    for junk in ("", "not json", '{"type": "Point", "coordinates": [106.8, -6.1]}',
                 '{"type": "Polygon", "coordinates": [[[106.8, -6.1], [106.9, -6.1]]]}',
                 '{"type": "Polygon", "coordinates": "x"}', "[1, 2]"):
        geom, problems = drawn_shape(junk, "A")
        assert geom is None and len(problems) == 1, junk
    assert drawn_shape("", "A")[1][0].render() == "Draw the outline of block A on the map first."
    paris = '{"type": "Polygon", "coordinates": [[[2.3, 48.8], [2.4, 48.8], [2.4, 48.9], [2.3, 48.8]]]}'
    assert drawn_shape(paris, "A")[1][0].render() == "The outline of block A is not in Indonesia. Draw it on the site."
    swapped = json.dumps({"type": "Polygon", "coordinates": [[[y, x] for x, y in A.exterior.coords]]})
    assert drawn_shape(swapped, "A")[0] is None


def test_the_block_column_is_found_by_its_usual_names():
    assert block_column(["id", "Blok", "luas"]) == "Blok"
    assert block_column(["name", "BUILDING"]) == "BUILDING"
    assert block_column(["kode blok"]) == "kode blok"
    assert block_column(["id", "luas"]) is None
