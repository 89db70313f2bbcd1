"""Project cost lines, contingency and the PPN presets, against figures worked out by hand."""

from __future__ import annotations

from decimal import Decimal

import pytest

from costing import CostingError
from costing.estimate import (
    DEFAULT_SOFT_COSTS,
    PARAMETRIC_RATES,
    TAX_PRESETS,
    CostInputs,
    SoftCost,
    parametric_construction,
    project_cost,
    rate_for,
)

D = Decimal
BILLION = 1_000_000_000


def bare(tax: str, **kw) -> CostInputs:
    """Rp1.000.000.000 of construction and nothing else, so the tax is easy to check."""
    return CostInputs(BILLION, 0, 0, **{"soft_costs": (), "contingency_pct": D(0), "tax": tax, **kw})


def test_presets():
    assert set(TAX_PRESETS) == {"jasa_konstruksi", "kms", "none", "dtp"}
    assert TAX_PRESETS["jasa_konstruksi"].rate == 12 and TAX_PRESETS["jasa_konstruksi"].base == "construction_11_12"
    assert TAX_PRESETS["kms"].rate == D("2.2") and TAX_PRESETS["kms"].base == "cost_excluding_land"
    assert TAX_PRESETS["dtp"].borne_by_government


def test_ppn_on_construction_services_is_11_percent_in_effect():
    cost = project_cost(bare("jasa_konstruksi"))
    # 12% x 11/12 x Rp1.000.000.000 = Rp110.000.000
    assert cost.tax == 110_000_000
    assert cost.total == 1_110_000_000
    tax = cost.line("tax")
    assert tax.amount == 110_000_000
    assert tax.basis.code == "cost.basis.tax_11_12"
    assert tax.basis.fields == {"rate": D(12), "base": BILLION}
    assert tax.basis.render() == "12% (on 11/12 of the construction price Rp1000000000)"
    assert tax.label.render() == "PPN on construction services"


def test_ppn_kms_is_2_2_percent_of_cost_excluding_land():
    inputs = CostInputs(BILLION, 0, 500_000_000, soft_costs=(), contingency_pct=D(0), tax="kms")
    cost = project_cost(inputs)
    assert cost.tax == 22_000_000  # land is outside the base
    assert cost.total == 1_522_000_000
    assert cost.line("tax").basis.fields == {"rate": D("2.2"), "base": BILLION}


def test_no_ppn():
    cost = project_cost(bare("none"))
    assert cost.tax == 0 and cost.total == BILLION
    assert cost.line("tax").amount == 0 and cost.line("tax").basis.code == "cost.basis.tax_none"


def test_dtp_is_shown_but_not_paid():
    cost = project_cost(bare("dtp"))
    assert cost.line("tax").amount == 110_000_000
    assert cost.line("tax_dtp").amount == -110_000_000
    assert cost.tax == 0 and cost.tax_borne_by_government == 110_000_000
    assert cost.total == BILLION
    assert "estimate.dtp_conditions" in [w.code for w in cost.warnings]


def test_the_rate_in_force_can_be_changed():
    cost = project_cost(bare("jasa_konstruksi", tax_rate=D(11)))
    # 11% x 11/12 x Rp1.000.000.000 = Rp100.833.333,33 -> Rp100.833.333
    assert cost.tax == 100_833_333
    assert [w.code for w in cost.warnings] == ["estimate.tax_rate_changed"]


def test_full_estimate_by_hand():
    inputs = CostInputs(10 * BILLION, 500_000_000, 0, DEFAULT_SOFT_COSTS)
    cost = project_cost(inputs)
    amounts = {line.code: line.amount for line in cost.lines}
    assert amounts == {
        "construction": 10_000_000_000,
        "infrastructure": 500_000_000,
        "land": 0,
        "soft.perencanaan": 315_000_000,  # 3% of the construction price Rp10.500.000.000
        "soft.pengawasan": 210_000_000,  # 2%
        "soft.perizinan": 75_000_000,
        "soft.sertifikat": 50_000_000,
        "soft.japra": 210_000_000,  # 2%
        "contingency": 568_000_000,  # 5% of Rp11.360.000.000
        "tax": 1_155_000_000,  # 12% x 11/12 x Rp10.500.000.000
    }
    assert cost.total == sum(amounts.values()) == 13_083_000_000
    assert cost.line("contingency").basis.fields == {"pct": D(5), "base": 11_360_000_000}
    assert cost.line("soft.perencanaan").basis.render() == "3% (of the construction price Rp10500000000)"
    assert cost.line("soft.perizinan").basis.code == "cost.basis.fixed"
    assert cost.warnings == ()
    for line in cost.lines:
        assert "{" not in line.label.render() and "{" not in line.basis.render()


def test_rounding_of_percentages_stays_in_the_total():
    inputs = CostInputs(
        1_234_567, 1, 7, (SoftCost("x", "Fee", "pct_construction", D("3.33")),), contingency_pct=D("7.5")
    )
    cost = project_cost(inputs)
    assert cost.total == sum(line.amount for line in cost.lines)
    # 3.33% of 1.234.568 = 41.111,1144 -> 41.111; 7.5% of 1.275.679 = 95.675,925 -> 95.676
    assert cost.line("soft.x").amount == 41_111
    assert cost.line("contingency").amount == 95_676


def test_a_cooperatives_own_label_with_braces_renders():
    cost = project_cost(bare("none", soft_costs=(SoftCost("rt", "Sumbangan {RT}", "fixed", 1000),)))
    assert cost.line("soft.rt").label.render() == "Sumbangan {RT}"


def test_contingency_warning():
    cost = project_cost(CostInputs(BILLION, 0, 0, (), contingency_pct=D(12)))
    assert [w.code for w in cost.warnings] == ["estimate.contingency_high"]


@pytest.mark.parametrize(
    ("make", "code", "field"),
    [
        (lambda: bare("jasa_konstruksi", tax_rate=D(16)), "estimate.tax_rate_out_of_range", "tax_rate"),
        (lambda: bare("jasa_konstruksi", tax_rate=D(-1)), "estimate.tax_rate_out_of_range", "tax_rate"),
        (lambda: CostInputs(BILLION, 0, 0, (), contingency_pct=D(31)), "estimate.contingency_out_of_range",
         "contingency_pct"),
        (lambda: CostInputs(BILLION, 0, 0, (SoftCost("x", "X", "pct_construction", D(40)),)),
         "estimate.soft_pct_out_of_range", "soft_costs"),
        (lambda: CostInputs(BILLION, 0, 0, (SoftCost("x", "X", "fixed", 1), SoftCost("x", "Y", "fixed", 2))),
         "estimate.soft_duplicate", "soft_costs"),
    ],
)
def test_out_of_range_is_an_error(make, code, field):
    with pytest.raises(CostingError) as caught:
        project_cost(make())
    assert (caught.value.message.code, caught.value.field) == (code, field)
    caught.value.message.render()


@pytest.mark.parametrize(
    ("make", "code", "field"),
    [
        (lambda: CostInputs(1e9, 0, 0), "costing.inexact_number", "construction"),
        (lambda: CostInputs(BILLION, -1, 0), "costing.negative", "infrastructure"),
        (lambda: CostInputs(BILLION, 0, "10.5"), "costing.not_whole_rupiah", "land"),
        (lambda: CostInputs(BILLION, 0, 0, tax="ppn"), "estimate.tax_unknown", "tax"),
        (lambda: SoftCost("x", "X", "per_unit", 1), "estimate.soft_basis_unknown", "basis"),
        (lambda: SoftCost("x", "X", "fixed", 0.5), "costing.inexact_number", "value"),
    ],
)
def test_bad_inputs(make, code, field):
    with pytest.raises(CostingError) as caught:
        make()
    assert (caught.value.message.code, caught.value.field) == (code, field)


def test_parametric_construction():
    rate = PARAMETRIC_RATES["rusun_4_lantai"]
    assert parametric_construction(D("2000"), rate) == 2000 * rate
    assert parametric_construction(D("0.5"), 3) == 2  # 1.5 rounds half up
    assert rate_for("rusun_lift") == PARAMETRIC_RATES["rusun_lift"]
    # Building-only rates; with soft costs, contingency and tax a project lands near PUPR's whole-project
    # Rp8.3-9.6 million/m² (2015), and taller or lift-served blocks cost more per m².
    rates = [PARAMETRIC_RATES[k] for k in ("rusun_4_lantai", "rusun_5_8_lantai", "rusun_lift")]
    assert all(6_000_000 <= rate <= 14_000_000 for rate in rates) and rates == sorted(rates)
    with pytest.raises(CostingError):
        rate_for("gedung_pencakar_langit")
    with pytest.raises(CostingError):
        parametric_construction(2000.0, 10)
