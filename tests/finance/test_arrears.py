"""Arrears as of a date, collectibility classes at their thresholds, portfolio summaries and bands.

The loan: Rp12.000.000 at 12% over 12 months, declining, first due 31 January 2026 (instalment k:
1.000.000 principal + 10.000 x (13 - k) interest).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from finance.arrears import (
    COLLECTIBILITY_PRESETS,
    Arrears,
    ClassTotal,
    arrears,
    classify,
    health_band,
    portfolio_summary,
    roll_up,
)
from finance.instalment import FinanceError, schedule
from finance.ledger import LatePolicy, Payment, apply_payments

ROWS = schedule(12_000_000, Decimal("0.12"), 12, "declining", first_due=date(2026, 1, 31))
NOTHING = Arrears(date(2026, 1, 1), 0, 0, 0, 0, 0, None, 0, 0, 0)
KOPERASI, BANK = COLLECTIBILITY_PRESETS["koperasi"], COLLECTIBILITY_PRESETS["bank"]


def by_name(preset, name):
    return next(cls for cls in preset.classes if cls.name == name)


# --- arrears ---------------------------------------------------------------------------------------

def test_arrears_of_a_member_who_stopped_paying():
    state = apply_payments(ROWS, [Payment(date(2026, 1, 31), 1_120_000, "P1")], as_of=date(2026, 6, 1),
                           late_policy=LatePolicy("fixed", 25_000, grace_days=7))
    found = arrears(state)
    # Overdue on 1 June: 2 to 5 (due 28 Feb, 31 Mar, 30 Apr, 31 May), interest 110 + 100 + 90 + 80 thousand.
    assert found == Arrears(
        as_of=date(2026, 6, 1), overdue_amount=4_380_000, overdue_principal=4_000_000, overdue_interest=380_000,
        days_past_due=93, months_in_arrears=4, oldest_overdue=date(2026, 2, 28), late_charges_unpaid=150_000,
        outstanding_principal=11_000_000, credit=0)
    assert classify(found, "koperasi").name == "Kurang Lancar"  # 4 months: more than 3
    assert classify(found, "bank").name == "Kurang Lancar"  # 93 days: 91-120


def test_an_instalment_due_today_is_not_overdue_yet():
    state = apply_payments(ROWS, [], as_of=date(2026, 1, 31))
    assert arrears(state).overdue_amount == 0 and arrears(state).days_past_due == 0
    found = arrears(state, date(2026, 2, 1))
    assert (found.overdue_amount, found.days_past_due, found.months_in_arrears) == (1_120_000, 1, 1)
    assert classify(found, "bank").name == "Dalam Perhatian Khusus"
    assert classify(found, "koperasi").name == "Lancar"


def test_a_part_paid_instalment_counts_as_a_month_and_days_run_from_its_due_date():
    state = apply_payments(ROWS, [Payment(date(2026, 3, 1), 1_500_000, "P1")], as_of=date(2026, 3, 15))
    found = arrears(state)
    # 1.500.000 settles 1 (1.120.000) and pays 2's interest 110.000 and 270.000 of its principal.
    assert (found.overdue_principal, found.overdue_interest) == (730_000, 0)
    assert (found.oldest_overdue, found.days_past_due, found.months_in_arrears) == (date(2026, 2, 28), 15, 1)


def test_arrears_at_an_earlier_date_ignore_later_entries():
    entries = [Payment(date(2026, 1, 31), 1_120_000, "P1"), Payment(date(2026, 2, 28), 1_110_000, "P2"),
               Payment(date(2026, 3, 10), 1_110_000, "R2", reversal_of="P2", reason="bounced")]
    state = apply_payments(ROWS, entries, as_of=date(2026, 3, 10))
    assert arrears(state).overdue_amount == 1_110_000
    assert arrears(state, date(2026, 3, 9)).overdue_amount == 0  # the reversal was not entered yet
    assert arrears(state, date(2026, 2, 15)).outstanding_principal == 11_000_000
    with pytest.raises(FinanceError) as caught:
        arrears("not a ledger")
    assert caught.value.field == "ledger_state"


def test_credit_is_not_arrears():
    state = apply_payments(ROWS, [Payment(date(2026, 1, 20), 5_000_000, "P1")], as_of=date(2026, 3, 15))
    found = arrears(state)
    assert found.overdue_amount == 0 and found.credit == 5_000_000 - 1_120_000 - 1_110_000


# --- collectibility --------------------------------------------------------------------------------

@pytest.mark.parametrize(("months", "name"), [
    (0, "Lancar"), (3, "Lancar"), (4, "Kurang Lancar"), (6, "Kurang Lancar"),
    (7, "Diragukan"), (12, "Diragukan"), (13, "Macet"), (100, "Macet"),
])
def test_koperasi_classes_at_their_thresholds(months, name):
    assert classify(replace(NOTHING, months_in_arrears=months), "koperasi").name == name
    assert classify(replace(NOTHING, months_in_arrears=months, days_past_due=999)).name == name  # the default


@pytest.mark.parametrize(("days", "code", "name"), [
    (0, 1, "Lancar"), (1, 2, "Dalam Perhatian Khusus"), (90, 2, "Dalam Perhatian Khusus"), (91, 3, "Kurang Lancar"),
    (120, 3, "Kurang Lancar"), (121, 4, "Diragukan"), (180, 4, "Diragukan"), (181, 5, "Macet"), (3000, 5, "Macet"),
])
def test_bank_classes_at_their_thresholds(days, code, name):
    found = classify(replace(NOTHING, days_past_due=days, months_in_arrears=0), "bank")
    assert (found.code, found.name) == (code, name)


def test_presets_say_what_is_assumed():
    assert [c.name for c in KOPERASI.classes] == ["Lancar", "Kurang Lancar", "Diragukan", "Macet"]
    assert KOPERASI.thresholds == (3, 6, 12) and KOPERASI.measure == "months_in_arrears"
    assert len(KOPERASI.assumptions) == 2 and all("assumed" in text for text in KOPERASI.assumptions)
    assert [c.code for c in BANK.classes] == [1, 2, 3, 4, 5] and BANK.thresholds == (0, 90, 120, 180)
    assert [c.problem for c in BANK.classes] == [False, False, True, True, True]  # DPK is not a problem loan
    assert [c.problem for c in KOPERASI.classes] == [False, True, True, True]


def test_thresholds_are_configurable_per_cooperative():
    nine = replace(NOTHING, months_in_arrears=10)
    assert classify(nine, "koperasi").name == "Diragukan"
    assert classify(nine, "koperasi", thresholds=(3, 6, 9)).name == "Macet"
    assert classify(replace(NOTHING, days_past_due=45), "bank", thresholds=(0, 30, 60, 90)).name == "Kurang Lancar"


@pytest.mark.parametrize("thresholds", [(3, 6), (3, 6, 12, 24), (6, 3, 12), (3, 3, 12), (-1, 6, 12), (3, 6.5, 12),
                                        "3,6,12"])
def test_bad_thresholds(thresholds):
    with pytest.raises(FinanceError) as caught:
        classify(NOTHING, "koperasi", thresholds=thresholds)
    assert caught.value.field == "thresholds"
    assert "default (3, 6, 12)" in str(caught.value)


def test_unknown_preset():
    with pytest.raises(FinanceError, match="preset must be one of koperasi, bank") as caught:
        classify(NOTHING, "ojk")
    assert caught.value.field == "preset"


# --- summaries -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("problem", "band"), [
    (0, "sehat"), (5, "sehat"), (Fraction(5_000_001, 1_000_000), "cukup sehat"), (10, "cukup sehat"),
    (Fraction(1_000_001, 100_000), "kurang sehat"), (15, "kurang sehat"), (Fraction(1_500_001, 100_000), "tidak sehat"),
    (100, "tidak sehat"),
])
def test_health_bands_at_their_bounds(problem, band):
    assert health_band(Fraction(problem) / 100) == band


def test_a_koperasi_summary():
    lancar, kurang, macet = (by_name(KOPERASI, n) for n in ("Lancar", "Kurang Lancar", "Macet"))
    rows = [(lancar, 60_000_000), (lancar, 35_000_000), (kurang, 3_000_000), (macet, 2_000_000), (lancar, 0)]
    summary = portfolio_summary(rows, "koperasi", name="Kunir")
    assert summary.classes == (
        ClassTotal(1, "Lancar", False, 3, 95_000_000), ClassTotal(2, "Kurang Lancar", True, 1, 3_000_000),
        ClassTotal(3, "Diragukan", True, 0, 0), ClassTotal(4, "Macet", True, 1, 2_000_000))
    assert (summary.members, summary.outstanding, summary.problem_outstanding) == (5, 100_000_000, 5_000_000)
    assert summary.problem_ratio == Fraction(1, 20) and summary.problem_ratio_pct == Decimal("5.00")
    assert summary.health == "sehat"  # exactly 5%: up to 5% is healthy
    one_more = portfolio_summary([*rows, (macet, 1)], "koperasi")
    assert one_more.health == "cukup sehat"  # 5.000.001 / 100.000.001 is over 5%


def test_a_bank_summary_leaves_dpk_out_of_the_problem_loans():
    lancar, dpk, kl = (by_name(BANK, n) for n in ("Lancar", "Dalam Perhatian Khusus", "Kurang Lancar"))
    summary = portfolio_summary([(lancar, 70_000_000), (dpk, 20_000_000), (kl, 10_000_000)], "bank")
    assert summary.problem_outstanding == 10_000_000 and summary.problem_ratio == Fraction(1, 10)
    assert summary.health == "cukup sehat"
    assert [t.members for t in summary.classes] == [1, 1, 1, 0, 0]


def test_an_empty_portfolio_is_healthy():
    summary = portfolio_summary([], "bank")
    assert (summary.members, summary.outstanding, summary.problem_ratio, summary.health) == (0, 0, 0, "sehat")


def test_bad_summary_rows():
    with pytest.raises(FinanceError) as caught:
        portfolio_summary([(by_name(BANK, "Dalam Perhatian Khusus"), 5)], "koperasi")
    assert caught.value.field == "rows"
    for row in [(by_name(KOPERASI, "Lancar"), -1), (by_name(KOPERASI, "Lancar"), 1.5), ("Lancar",)]:
        with pytest.raises(FinanceError):
            portfolio_summary([row], "koperasi")


def test_summaries_roll_up_to_japra():
    lancar, macet = by_name(KOPERASI, "Lancar"), by_name(KOPERASI, "Macet")
    akuarium = portfolio_summary([(lancar, 90_000_000), (macet, 10_000_000)], name="Akuarium")  # 10%
    marlina = portfolio_summary([(lancar, 100_000_000)], name="Marlina")  # 0%
    japra = roll_up([akuarium, marlina])
    assert japra.name == "Japra" and japra.members == 3 and japra.outstanding == 200_000_000
    assert japra.problem_ratio == Fraction(1, 20) and japra.health == "sehat"
    assert japra.classes[0] == ClassTotal(1, "Lancar", False, 2, 190_000_000)
    assert roll_up([japra]).classes == japra.classes
    with pytest.raises(FinanceError) as caught:
        roll_up([akuarium, portfolio_summary([], "bank")])
    assert caught.value.field == "preset"
    with pytest.raises(FinanceError):
        roll_up([])


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(["koperasi", "bank"]), st.lists(st.lists(st.tuples(st.integers(0, 4), st.integers(0, 10**9)),
                                                              max_size=20), min_size=1, max_size=5))
def test_rolled_up_summaries_equal_the_summary_of_all_rows(key, cooperatives):
    preset = COLLECTIBILITY_PRESETS[key]
    groups = [[(preset.classes[k % len(preset.classes)], amount) for k, amount in rows] for rows in cooperatives]
    japra = roll_up([portfolio_summary(rows, key) for rows in groups])
    assert japra == portfolio_summary([row for rows in groups for row in rows], key, name="Japra")
    assert japra.problem_outstanding == sum(t.outstanding for t in japra.classes if t.problem)
    assert japra.outstanding == sum(amount for rows in groups for _, amount in rows)
