"""Key figures of a public page: aggregates only, and nothing computed from fewer than five households or units."""

from __future__ import annotations

from dataclasses import fields, replace
from datetime import date
from decimal import Decimal

import pytest

from publication.errors import PublicationError
from publication.figures import (
    HOUSEHOLDS_BELOW_MINIMUM,
    MIN_HOUSEHOLDS,
    UNITS_BELOW_MINIMUM,
    FigureInputs,
    PublicFigures,
    Stage,
    public_figures,
)

MARLINA = FigureInputs(
    households=120,
    units=120,
    land_area_m2=6012.4,  # as gis.measure gives it
    total_cost=43_200_000_001,
    gross_floor_area_m2=Decimal("7200.5"),
    percent_complete=Decimal("64.456"),
    reference_price_per_m2=14_000_000,
    typical_instalment=1_450_000,
    typical_rent=1_200_000,
    stages=(Stage("konstruksi", date(2026, 2, 2)), Stage("perencanaan", date(2024, 3, 1))),
)


def test_a_full_project_shows_every_figure_rounded_as_a_visitor_reads_it():
    figures = public_figures(MARLINA)
    assert figures.households == 120
    assert figures.units == 120
    assert figures.land_area_m2 == 6012
    assert figures.gross_floor_area_m2 == 7201  # 7200.5 half up
    assert figures.cost_per_unit == 360_000_000  # 43,200,000,001 / 120 = 360,000,000.008
    assert figures.cost_per_m2 == 5_999_583  # 43,200,000,001 / 7200.5 = 5,999,583.36
    assert figures.cost_to_reference == Decimal("0.43")  # 5,999,583 / 14,000,000 = 0.4285
    assert figures.typical_instalment == 1_450_000
    assert figures.instalment_to_rent == Decimal("1.21")  # 1.2083
    assert figures.percent_complete == Decimal("64.46")
    assert [s.name for s in figures.stages] == ["perencanaan", "konstruksi"]  # in date order
    assert figures.withheld == ()


def test_money_is_whole_rupiah_and_ratios_are_decimals():
    figures = public_figures(MARLINA)
    for name in ("cost_per_unit", "cost_per_m2", "typical_instalment", "typical_rent", "reference_price_per_m2"):
        assert type(getattr(figures, name)) is int
    assert type(figures.cost_to_reference) is Decimal and figures.cost_to_reference.as_tuple().exponent == -2


def test_halves_round_up():
    figures = public_figures(replace(MARLINA, total_cost=15, units=10, gross_floor_area_m2=4))
    assert figures.cost_per_unit == 2  # 1.5
    assert figures.cost_per_m2 == 4  # 3.75


def test_nothing_about_any_member_can_come_out():
    names = {f.name for f in fields(PublicFigures)}
    assert not names & {"total_cost", "names", "nik", "incomes", "payments", "arrears", "members"}


def test_four_households_withhold_the_count_and_the_instalment_but_not_the_building():
    figures = public_figures(replace(MARLINA, households=MIN_HOUSEHOLDS - 1))
    assert figures.households is None
    assert figures.typical_instalment is None
    assert figures.instalment_to_rent is None
    assert figures.typical_rent == 1_200_000  # the planner's market figure, about no one
    assert figures.cost_per_unit == 360_000_000  # averaged over 120 units
    assert {w.figure: w.reason for w in figures.withheld} == {
        "households": HOUSEHOLDS_BELOW_MINIMUM,
        "typical_instalment": HOUSEHOLDS_BELOW_MINIMUM,
        "instalment_to_rent": HOUSEHOLDS_BELOW_MINIMUM,
    }
    reason = figures.reason("typical_instalment")
    assert reason.message.render() == "Not shown: fewer than 5 households, so it would point to one of them."
    assert figures.reason("units") is None


def test_five_households_are_shown():
    figures = public_figures(replace(MARLINA, households=5, units=5))
    assert figures.households == 5 and figures.typical_instalment == 1_450_000
    assert figures.cost_per_unit == 8_640_000_000
    assert figures.withheld == ()


def test_a_three_unit_block_does_not_reveal_a_households_price():
    figures = public_figures(replace(MARLINA, units=3, gross_floor_area_m2=180, total_cost=1_350_000_000))
    assert figures.cost_per_unit is None  # Rp 450 million would be each family's debt
    assert figures.cost_per_m2 is None  # times a unit's floor area, the same
    assert figures.cost_to_reference is None
    assert figures.units == 3 and figures.gross_floor_area_m2 == 180  # the building itself is visible anyway
    assert figures.reference_price_per_m2 == 14_000_000
    assert {w.figure for w in figures.withheld} == {"cost_per_unit", "cost_per_m2", "cost_to_reference"}
    assert all(w.reason == UNITS_BELOW_MINIMUM for w in figures.withheld)
    assert "units" in figures.reason("cost_per_unit").message.render()


def test_unknown_figures_are_empty_without_being_called_withheld():
    figures = public_figures(FigureInputs(households=40, units=40, land_area_m2=900))
    assert figures.cost_per_unit is None and figures.cost_per_m2 is None and figures.percent_complete is None
    assert figures.typical_instalment is None and figures.cost_to_reference is None
    assert figures.withheld == ()


def test_no_households_yet_is_withheld_not_zero():
    figures = public_figures(FigureInputs(households=0, units=0, land_area_m2=900, total_cost=0))
    assert figures.households is None
    assert figures.cost_per_unit is None  # no division by zero
    assert figures.reason("households").reason == HOUSEHOLDS_BELOW_MINIMUM


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"households": -1}, "households", "publication.not_a_count"),
        ({"units": True}, "units", "publication.not_a_count"),
        ({"total_cost": 1.5}, "total_cost", "publication.not_whole_rupiah"),
        ({"reference_price_per_m2": 0}, "reference_price_per_m2", "publication.not_whole_rupiah"),
        ({"typical_rent": Decimal("1200000")}, "typical_rent", "publication.not_whole_rupiah"),
        ({"land_area_m2": float("nan")}, "land_area_m2", "publication.not_an_area"),
        ({"gross_floor_area_m2": -3}, "gross_floor_area_m2", "publication.not_an_area"),
        ({"percent_complete": Decimal("100.01")}, "percent_complete", "publication.not_a_percent"),
        ({"percent_complete": 50.0}, "percent_complete", "publication.not_a_percent"),
        ({"stages": (Stage("konstruksi", "2026-02-02"),)}, "stages", "publication.not_a_stage"),
    ],
)
def test_bad_inputs_are_refused_naming_the_field(change, field, code):
    with pytest.raises(PublicationError) as raised:
        public_figures(replace(MARLINA, **change))
    assert raised.value.field == field
    assert raised.value.code == code


def test_a_message_says_what_is_wrong():
    with pytest.raises(PublicationError, match=r"Rp-5 is not a whole number of rupiah above 0\."):
        public_figures(replace(MARLINA, typical_rent=-5))
