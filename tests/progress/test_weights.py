"""Bobot: shares of the cost adding up to exactly 100.00, the parametric template."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from costing.rab import DIVISIONS
from progress import ProgressError
from progress.weights import PARAMETRIC_TEMPLATE, check_template, renormalised, split_by_template, weights

D = Decimal


def test_shares_of_the_cost_in_percent_with_two_decimals():
    w = weights({"A-struktur": 600_000_000, "A-mep": 300_000_000, "A-smkk": 100_000_000})
    assert w == {"A-struktur": D("60.00"), "A-mep": D("30.00"), "A-smkk": D("10.00")}
    assert [str(v) for v in w.values()] == ["60.00", "30.00", "10.00"]


def test_thirds_are_rounded_by_largest_remainder_and_add_up_to_100():
    w = weights({"a": 1, "b": 1, "c": 1})
    assert list(w.values()) == [D("33.34"), D("33.33"), D("33.33")]  # a tie goes to the earlier key
    assert sum(w.values()) == D("100.00")
    w = weights({"a": 1, "b": 2, "c": 2, "d": 2})  # 14.2857.., 28.5714.. x3: 14.29 + 28.57 x3 = 100.00
    assert list(w.values()) == [D("14.29"), D("28.57"), D("28.57"), D("28.57")]


def test_a_package_that_costs_nothing_weighs_nothing_and_more_places_on_request():
    assert weights({"a": 0, "b": 5})["a"] == D("0.00")
    tiny = weights({"big": 999_999, "tiny": 1}, places=4)
    assert tiny == {"big": D("99.9999"), "tiny": D("0.0001")}


@pytest.mark.parametrize("costs", [{}, {"a": 0}, {"a": 0, "b": 0}])
def test_a_zero_total_is_refused(costs):
    with pytest.raises(ProgressError) as error:
        weights(costs)
    assert error.value.message.code == "weights.zero_total"
    assert "enter their costs" in str(error.value)


def test_bad_costs_are_named_all_at_once():
    with pytest.raises(ProgressError) as error:
        weights({"a": 1.5, "b": -3, "c": 10})
    assert [p.package for p in error.value.problems] == ["a", "b"]
    assert {p.field for p in error.value.problems} == {"cost"}


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(0, 10**13), min_size=1, max_size=60).filter(any), st.integers(0, 4))
def test_weights_always_add_up_to_exactly_100(costs, places):
    w = weights({f"p{i}": c for i, c in enumerate(costs)}, places)
    assert sum(w.values()) == 100
    total = sum(costs)
    for (_, share), cost in zip(w.items(), costs, strict=True):
        assert share.as_tuple().exponent == -places
        # within one unit of the last place of the exact share, and never negative
        assert abs(share - D(cost) * 100 / D(total)) < D(1).scaleb(-places)
        assert share >= 0


def test_renormalised_shows_a_buildings_weights_out_of_100():
    assert renormalised({"a": D("10.00"), "b": D("20.00")}) == {"a": D("33.33"), "b": D("66.67")}
    with pytest.raises(ProgressError):
        renormalised({"a": D("0.00")})


def test_the_parametric_template_is_rab_divisions_adding_up_to_100():
    assert set(PARAMETRIC_TEMPLATE) <= set(DIVISIONS)
    assert sum(PARAMETRIC_TEMPLATE.values()) == 100
    assert PARAMETRIC_TEMPLATE["struktur"] == max(PARAMETRIC_TEMPLATE.values())


def test_split_by_template_adds_up_to_the_rupiah():
    parts = split_by_template(7_500_000_001)
    assert sum(parts.values()) == 7_500_000_001
    assert list(parts) == [d for d in DIVISIONS if d in PARAMETRIC_TEMPLATE]
    assert parts["struktur"] == 2_400_000_001  # 32% is ..000.32: the largest remainder takes the odd rupiah
    assert parts["persiapan"] == 225_000_000


def test_an_edited_template_is_checked():
    assert check_template({"struktur": "60", "arsitektur": 40}) == {"struktur": D(60), "arsitektur": D(40)}
    with pytest.raises(ProgressError) as error:
        check_template({"struktur": 60, "arsitektur": 30})
    assert error.value.message.code == "weights.template_not_hundred"
    assert "90%" in str(error.value)
    with pytest.raises(ProgressError) as error:
        check_template({"roof": 50, "struktur": -1, "mep": "x"})
    assert error.value.codes == ("weights.template_division_unknown", "weights.template_share_negative",
                                 "progress.not_a_number")
