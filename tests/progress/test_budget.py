"""Actual costs against the RAB per division: variance in rupiah and percent, the project total."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from progress import ProgressError
from progress.budget import CostEntry, budget_report

D = Decimal
RAB = {"persiapan": 100_000_000, "struktur": 3_000_000_000, "mep": 900_000_000}


def test_variance_per_division_and_for_the_project():
    entries = [
        CostEntry(date(2026, 2, 1), 110_000_000, "persiapan"),
        CostEntry(date(2026, 3, 1), 1_000_000_000, "struktur", building="A"),
        CostEntry(date(2026, 3, 2), 500_000_001, line="A.4.1.1.7", building="B"),
        CostEntry(date(2026, 3, 3), -1, "struktur", note="typo in the previous entry"),
    ]
    report = budget_report(RAB, entries, line_divisions={"A.4.1.1.7": "struktur"})
    assert [line.division for line in report.lines] == ["persiapan", "struktur", "mep"]  # the recap's order
    persiapan = report.line("persiapan")
    assert (persiapan.budget, persiapan.actual, persiapan.variance, persiapan.variance_pct) == (
        100_000_000, 110_000_000, 10_000_000, D("10.00"))
    assert persiapan.over_budget
    struktur = report.line("struktur")
    assert (struktur.actual, struktur.variance, struktur.variance_pct) == (1_500_000_000, -1_500_000_000, D("-50.00"))
    assert report.line("mep").variance_pct == D("-100.00")
    total = report.total
    assert (total.budget, total.actual, total.variance) == (4_000_000_000, 1_610_000_000, -2_390_000_000)
    assert total.variance_pct == D("-59.75")


def test_spending_without_a_budget_is_flagged_not_divided_by_zero():
    report = budget_report(RAB, [CostEntry(date(2026, 2, 1), 5_000_000, "smkk")])
    smkk = report.line("smkk")
    assert smkk.unbudgeted and smkk.variance_pct is None and smkk.variance == 5_000_000


def test_as_of_and_building_filter_the_entries():
    entries = [CostEntry(date(2026, 2, 1), 10, "struktur", building="A"),
               CostEntry(date(2026, 4, 1), 20, "struktur", building="B")]
    assert budget_report(RAB, entries, as_of=date(2026, 3, 1)).line("struktur").actual == 10
    assert budget_report({"struktur": 100}, entries, building="B").line("struktur").actual == 20


def test_bad_entries_are_named_all_at_once():
    entries = [
        CostEntry(date(2026, 2, 1), D("10.5"), "struktur"),
        CostEntry(date(2026, 2, 1), 10, "roof"),
        CostEntry(date(2026, 2, 1), 10, line="Z.9"),
        CostEntry(date(2026, 2, 1), 10, "mep", line="A.4.1.1.7"),
        CostEntry(date(2026, 2, 1), -10, "persiapan"),
    ]
    with pytest.raises(ProgressError) as error:
        budget_report({**RAB, "lantai": 1}, entries, line_divisions={"A.4.1.1.7": "struktur"})
    assert error.value.codes == (
        "budget.division_unknown",
        "progress.not_whole_rupiah",
        "budget.entry_division_unknown",
        "budget.line_unknown",
        "budget.line_division_mismatch",
        "budget.negative_actual",
    )
    assert "Cost 4: RAB line A.4.1.1.7 is in division struktur, not mep." in str(error.value)
