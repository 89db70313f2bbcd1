"""Payment ledgers: oldest instalment first, component order, credit, late charges, reversals, refusals.

The loan in most tests: Rp12.000.000 at 12% over 12 months, declining, first due 31 January 2026.
Instalment k repays 1.000.000 principal and 10.000 x (13 - k) interest: 1.120.000, 1.110.000,
1.100.000, ... due 31 Jan, 28 Feb, 31 Mar, 30 Apr, 31 May, 30 Jun 2026 ...
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from finance.instalment import FinanceError, schedule
from finance.ledger import (
    COMPONENTS,
    Allocation,
    LateCharge,
    LatePolicy,
    Payment,
    apply_payments,
    far_above,
    payment_expected,
    plan_start,
)

ROWS = schedule(12_000_000, Decimal("0.12"), 12, "declining", first_due=date(2026, 1, 31))


def ledger(*payments, as_of=date(2026, 12, 31), **kwargs):
    return apply_payments(ROWS, list(payments), as_of=as_of, **kwargs)


def paid(state, number):
    row = state.instalments[number - 1]
    return row.late_charge_paid, row.interest_paid, row.principal_paid


# --- application -----------------------------------------------------------------------------------

def test_a_full_payment_settles_its_instalment():
    state = ledger(Payment(date(2026, 1, 31), 1_120_000, "P1"), as_of=date(2026, 2, 1))
    first = state.instalments[0]
    assert paid(state, 1) == (0, 120_000, 1_000_000)
    assert first.settled_on == date(2026, 1, 31) and first.is_paid and first.unpaid == 0
    assert first.allocations == (
        Allocation("P1", date(2026, 1, 31), date(2026, 1, 31), "interest", 120_000),
        Allocation("P1", date(2026, 1, 31), date(2026, 1, 31), "principal", 1_000_000),
    )
    assert state.credit == 0 and state.paid == 1_120_000
    assert state.outstanding_principal == 11_000_000


def test_a_payment_goes_to_the_oldest_due_instalment_first():
    state = ledger(Payment(date(2026, 3, 31), 2_000_000, "P1"), as_of=date(2026, 3, 31))
    # Due by then: 1 (1.120.000), 2 (1.110.000), 3 (1.100.000). 2.000.000 settles 1, then 2's interest.
    assert paid(state, 1) == (0, 120_000, 1_000_000)
    assert paid(state, 2) == (0, 110_000, 770_000)
    assert paid(state, 3) == (0, 0, 0)
    assert state.instalments[1].unpaid == 230_000 and state.instalments[1].settled_on is None


def test_interest_before_principal_by_default_and_the_order_is_configurable():
    state = ledger(Payment(date(2026, 1, 31), 500_000, "P1"), as_of=date(2026, 2, 1))
    assert paid(state, 1) == (0, 120_000, 380_000)
    state = ledger(Payment(date(2026, 1, 31), 500_000, "P1"), as_of=date(2026, 2, 1),
                   order=("principal", "interest", "late_charge"))
    assert paid(state, 1) == (0, 0, 500_000)
    assert COMPONENTS == ("late_charge", "interest", "principal")


def test_money_paid_ahead_is_credit_applied_as_instalments_fall_due():
    pay = Payment(date(2026, 1, 31), 3_000_000, "P1")
    assert ledger(pay, as_of=date(2026, 2, 27)).credit == 1_880_000
    state = ledger(pay, as_of=date(2026, 2, 28))
    assert state.credit == 770_000
    assert state.instalments[1].allocations[0] == Allocation("P1", date(2026, 1, 31), date(2026, 2, 28), "interest",
                                                             110_000)
    assert state.instalments[1].settled_on == date(2026, 2, 28)
    state = ledger(pay, as_of=date(2026, 3, 31))
    assert state.credit == 0
    assert paid(state, 3) == (0, 100_000, 670_000)


def test_a_payment_in_the_month_before_the_first_due_date_is_credit():
    assert plan_start(ROWS) == date(2025, 1, 31)  # twelve months before the first due date
    state = ledger(Payment(date(2025, 12, 31), 100_000, "DP"), as_of=date(2026, 1, 15))
    assert state.credit == 100_000 and paid(state, 1) == (0, 0, 0)
    state = ledger(Payment(date(2025, 12, 31), 100_000, "DP"), as_of=date(2026, 1, 31))
    assert state.credit == 0 and paid(state, 1) == (0, 100_000, 0)


def test_an_advance_months_before_the_first_due_date_is_kept_and_applied_as_instalments_fall_due():
    # A new plan: the member pays three instalments' worth in March of the year before; nothing is refused.
    advance = Payment(date(2025, 3, 10), 3_330_000, "ADV")
    state = ledger(advance, as_of=date(2026, 1, 30))
    assert state.credit == 3_330_000 and all(row.principal_paid + row.interest_paid == 0 for row in state.instalments)
    state = ledger(advance, as_of=date(2026, 3, 31))
    assert [row.settled_on for row in state.instalments[:3]] == [date(2026, 1, 31), date(2026, 2, 28),
                                                                 date(2026, 3, 31)]
    assert state.paid == 3_330_000 == sum(row.principal_paid + row.interest_paid for row in state.instalments) \
        + state.credit
    assert state.instalments[0].allocations[0].applied_on == date(2026, 1, 31)


def test_what_a_payment_is_expected_to_be():
    nothing = ledger(as_of=date(2026, 3, 31))
    first = ROWS[0].principal + ROWS[0].interest
    assert payment_expected(nothing, date(2025, 6, 1)) == first  # nothing due yet: the first instalment
    overdue = sum(row.principal + row.interest for row in ROWS[:3])
    assert payment_expected(nothing, date(2026, 3, 31)) == overdue  # three instalments unpaid
    ahead = ledger(Payment(date(2026, 1, 31), 10_000_000, "BIG"), as_of=date(2026, 3, 31))
    assert payment_expected(ahead, date(2026, 3, 31)) == ROWS[3].principal + ROWS[3].interest  # paid up: the next
    assert far_above(3 * first + 1, first) and not far_above(3 * first, first)
    assert far_above(1, 0)  # nothing left to pay: any payment is worth a second look


def test_an_overpayment_after_the_last_instalment_stays_credit():
    rows = schedule(1_000, Decimal(0), 2, "none", first_due=date(2026, 1, 31))
    state = apply_payments(rows, [Payment(date(2026, 2, 28), 1_300, "P1")], as_of=date(2026, 3, 31))
    assert state.credit == 300 and state.outstanding_principal == 0
    assert [row.settled_on for row in state.instalments] == [date(2026, 2, 28)] * 2


def test_entries_are_taken_by_date_whatever_their_order_in_the_list():
    entries = [Payment(date(2026, 2, 28), 1_110_000, "B"), Payment(date(2026, 1, 31), 1_120_000, "A")]
    assert ledger(*entries).instalments == ledger(*reversed(entries)).instalments
    assert [p.reference for p in ledger(*entries).applied] == ["A", "B"]


# --- reversals -------------------------------------------------------------------------------------

def test_a_reversal_cancels_the_payment_from_the_start():
    entries = [Payment(date(2026, 1, 31), 1_120_000, "P1"), Payment(date(2026, 2, 28), 1_110_000, "P2"),
               Payment(date(2026, 3, 3), 1_110_000, "R1", reversal_of="P2", reason="transfer bounced")]
    state = ledger(*entries, as_of=date(2026, 3, 3))
    assert state.reversed == {"P2": "R1"}
    assert [p.reference for p in state.applied] == ["P1"]
    assert state.instalments == ledger(entries[0], as_of=date(2026, 3, 3)).instalments
    assert state.instalments[1].unpaid == 1_110_000
    # Before the reversal was entered, the payment counted.
    assert state.at(date(2026, 3, 2)).instalments[1].is_paid


def test_a_reversed_payment_can_be_entered_again_under_a_new_reference():
    entries = [Payment(date(2026, 1, 31), 1_120_000, "P1"),
               Payment(date(2026, 2, 1), 1_120_000, "R1", reversal_of="P1", reason="typed on the wrong member"),
               Payment(date(2026, 2, 1), 1_120_000, "P1b")]
    state = ledger(*entries, as_of=date(2026, 2, 1))
    assert paid(state, 1) == (0, 120_000, 1_000_000)
    assert state.instalments[0].settled_on == date(2026, 2, 1)


@pytest.mark.parametrize(("entries", "field", "text"), [
    ([Payment(date(2026, 2, 1), 5, "R", reversal_of="nope", reason="x")], "reversal_of", "no payment 'nope'"),
    ([Payment(date(2026, 1, 31), 5, "P"), Payment(date(2026, 2, 1), 5, "R1", reversal_of="P", reason="x"),
      Payment(date(2026, 2, 2), 5, "R2", reversal_of="P", reason="x")], "reversal_of", "already reversed by 'R1'"),
    ([Payment(date(2026, 1, 31), 5, "P"), Payment(date(2026, 2, 1), 5, "R1", reversal_of="P", reason="x"),
      Payment(date(2026, 2, 2), 5, "R2", reversal_of="R1", reason="x")], "reversal_of", "itself a reversal"),
    ([Payment(date(2026, 1, 31), 5, "P"), Payment(date(2026, 2, 1), 5, "R", reversal_of="P")], "reason",
     "needs a reason"),
    ([Payment(date(2026, 1, 31), 5, "P"), Payment(date(2026, 2, 1), 5, "R", reversal_of="P", reason="  ")], "reason",
     "needs a reason"),
    ([Payment(date(2026, 1, 31), 5, "P"), Payment(date(2026, 2, 1), 4, "R", reversal_of="P", reason="x")], "amount",
     "for the amount of payment 'P', 5, not 4"),
    ([Payment(date(2026, 1, 31), 5, "P"), Payment(date(2026, 1, 30), 5, "R", reversal_of="P", reason="x")], "date",
     "before payment 'P'"),
])
def test_bad_reversals(entries, field, text):
    with pytest.raises(FinanceError) as caught:
        ledger(*entries)
    assert caught.value.field == field
    assert text in str(caught.value)


# --- refused entries -------------------------------------------------------------------------------

@pytest.mark.parametrize(("entry", "field", "text"), [
    (Payment(date(2026, 2, 1), 0, "P"), "amount", "above 0, not 0"),
    (Payment(date(2026, 2, 1), -5, "P"), "amount", "above 0, not -5"),
    (Payment(date(2026, 2, 1), 1.5, "P"), "amount", "whole rupiah"),
    (Payment(date(2026, 2, 1), Decimal(5), "P"), "amount", "whole rupiah"),
    (Payment(date(2026, 2, 1), True, "P"), "amount", "whole rupiah"),
    (Payment(date(2027, 1, 1), 5, "P"), "date", "after 2026-12-31: a payment cannot be in the future"),
    (Payment(date(2025, 1, 30), 5, "P"), "date", "before the plan starts on 2025-01-31 (12 months before"),
    (Payment("2026-02-01", 5, "P"), "date", "must be a date"),
    (Payment(date(2026, 2, 1), 5, ""), "reference", "needs a reference"),
    (Payment(date(2026, 2, 1), 5, None), "reference", "needs a reference"),
])
def test_bad_payments(entry, field, text):
    with pytest.raises(FinanceError) as caught:
        ledger(entry)
    assert caught.value.field == field
    assert text in str(caught.value)


def test_a_duplicate_reference_is_refused():
    with pytest.raises(FinanceError, match="the reference 'P' is used twice") as caught:
        ledger(Payment(date(2026, 1, 31), 5, "P"), Payment(date(2026, 2, 1), 6, "P"))
    assert caught.value.field == "reference"


def test_bad_ledger_arguments():
    with pytest.raises(FinanceError) as caught:
        apply_payments(schedule(1_000, Decimal(0), 2), [], as_of=date(2026, 1, 1))
    assert caught.value.field == "instalments" and "due dates" in str(caught.value)
    with pytest.raises(FinanceError) as caught:
        ledger(order=("interest", "principal"))
    assert caught.value.field == "order"
    with pytest.raises(FinanceError) as caught:
        ledger(as_of="2026-01-01")
    assert caught.value.field == "as_of"
    with pytest.raises(FinanceError) as caught:
        ledger(late_policy="2%")
    assert caught.value.field == "late_policy"


@pytest.mark.parametrize("args", [("daily", 5), ("fixed", 0), ("fixed", Decimal("5")), ("rate", Decimal(0)),
                                  ("rate", Decimal("1.5")), ("rate", 0.02), ("rate", Decimal("NaN")),
                                  ("fixed", 5, -1)])
def test_bad_late_policies(args):
    with pytest.raises(FinanceError) as caught:
        LatePolicy(*args)
    assert caught.value.field == "late_policy"


# --- late charges ----------------------------------------------------------------------------------

FIXED = LatePolicy("fixed", 25_000, grace_days=7)


def test_late_charges_are_off_by_default():
    state = ledger(as_of=date(2026, 6, 1))
    assert state.late_charges == () and state.late_charges_total == 0


def test_a_fixed_charge_after_the_grace_days_and_again_each_month():
    state = ledger(Payment(date(2026, 1, 31), 1_120_000, "P1"), as_of=date(2026, 6, 1), late_policy=FIXED)
    # 2 due 28 Feb: charged 8 Mar, 8 Apr, 8 May; 3 due 31 Mar: 8 Apr, 8 May; 4 due 30 Apr: 8 May;
    # 5 due 31 May: not before 8 Jun.
    assert [(c.instalment, c.charged_on) for c in state.late_charges] == [
        (2, date(2026, 3, 8)), (2, date(2026, 4, 8)), (3, date(2026, 4, 8)),
        (2, date(2026, 5, 8)), (3, date(2026, 5, 8)), (4, date(2026, 5, 8))]
    assert state.late_charges_total == 150_000 == state.late_charges_unpaid
    assert [row.late_charge for row in state.instalments[:5]] == [0, 75_000, 50_000, 25_000, 0]


def test_paying_on_the_last_grace_day_avoids_the_charge():
    on_time = ledger(Payment(date(2026, 1, 31), 1_120_000, "P1"), Payment(date(2026, 3, 7), 1_110_000, "P2"),
                     as_of=date(2026, 3, 20), late_policy=FIXED)
    assert on_time.late_charges == ()
    late = ledger(Payment(date(2026, 1, 31), 1_120_000, "P1"), Payment(date(2026, 3, 8), 1_110_000, "P2"),
                  as_of=date(2026, 3, 20), late_policy=FIXED)
    assert late.late_charges == (LateCharge(2, date(2026, 3, 8), 25_000, 1_110_000),)
    # The charge comes first: 25.000 of the payment pays it, 1.085.000 the interest and principal.
    assert paid(late, 2) == (25_000, 110_000, 975_000)
    assert late.instalments[1].unpaid == 25_000


def test_a_rate_charge_on_what_is_still_owed_once():
    policy = LatePolicy("rate", Decimal("0.02"), grace_days=0, monthly=False)
    state = ledger(Payment(date(2026, 1, 31), 1_120_000, "P1"), Payment(date(2026, 2, 28), 1_000_000, "P2"),
                   as_of=date(2026, 5, 1), late_policy=policy)
    # 2 owes 110.000 after 28 Feb: 2% = 2.200 on 1 Mar. 3 (1.100.000) is charged 22.000 on 1 Apr, 4 (1.090.000)
    # 21.800 on 1 May. Once each.
    assert [(c.instalment, c.charged_on, c.amount, c.unpaid) for c in state.late_charges] == [
        (2, date(2026, 3, 1), 2_200, 110_000), (3, date(2026, 4, 1), 22_000, 1_100_000),
        (4, date(2026, 5, 1), 21_800, 1_090_000)]


def test_rate_charges_round_half_up():
    policy = LatePolicy("rate", Decimal("0.005"), monthly=False)
    assert policy.charge(100) == 1  # 0,5 -> 1
    assert policy.charge(99) == 0  # 0,495 -> 0
    assert LatePolicy("fixed", 10_000).charge(1) == 10_000


def test_reversing_a_payment_brings_back_the_charges_it_had_avoided():
    entries = [Payment(date(2026, 1, 31), 1_120_000, "P1"), Payment(date(2026, 2, 28), 1_110_000, "P2"),
               Payment(date(2026, 3, 20), 1_110_000, "R2", reversal_of="P2", reason="bounced")]
    state = ledger(*entries, as_of=date(2026, 3, 20), late_policy=FIXED)
    assert state.late_charges == (LateCharge(2, date(2026, 3, 8), 25_000, 1_110_000),)


# --- properties ------------------------------------------------------------------------------------

@st.composite
def ledgers(draw):
    method = draw(st.sampled_from(("annuity", "declining", "flat", "murabahah", "none")))
    months = draw(st.integers(1, 36))
    grace = draw(st.integers(0, months - 1))
    rows = schedule(draw(st.integers(0, 50_000_000)), Decimal("0.12"), months, method, grace_months=grace,
                    first_due=date(2026, 1, 31))
    start, end = plan_start(rows), date(2029, 6, 30)
    entries = []
    for k in range(draw(st.integers(0, 30))):
        entries.append(Payment(draw(st.dates(start, end)), draw(st.integers(1, 3_000_000)), f"P{k}"))
    for k, target in enumerate(draw(st.lists(st.sampled_from(entries), unique=True)) if entries else []):
        entries.append(Payment(draw(st.dates(target.date, end)), target.amount, f"R{k}", target.reference, "x"))
    policy = draw(st.none() | st.builds(LatePolicy, st.just("fixed"), st.integers(1, 50_000), st.integers(0, 10),
                                        st.booleans()))
    order = draw(st.permutations(COMPONENTS))
    return rows, entries, policy, tuple(order), draw(st.dates(end, date(2030, 12, 31)))


@settings(max_examples=150, deadline=None)
@given(ledgers())
def test_every_rupiah_is_accounted_for_and_older_instalments_are_paid_first(case):
    rows, entries, policy, order, as_of = case
    state = apply_payments(rows, entries, order=order, late_policy=policy, as_of=as_of)
    allocated = sum(a.amount for row in state.instalments for a in row.allocations)
    assert allocated + state.credit == state.paid == sum(p.amount for p in state.applied)
    assert state.late_charges_total == sum(row.late_charge for row in state.instalments)
    for row in state.instalments:
        assert 0 <= row.principal_paid <= row.principal and 0 <= row.interest_paid <= row.interest
        assert 0 <= row.late_charge_paid <= row.late_charge
        for component in COMPONENTS:
            assert getattr(row, f"{component}_paid") == sum(a.amount for a in row.allocations
                                                            if a.component == component)
        assert all(a.applied_on >= a.paid_on and a.applied_on >= row.due for a in row.allocations)
    due = [row for row in state.instalments if row.due <= as_of]
    settled = [row.is_paid and row.late_charge_unpaid == 0 for row in due]
    # Settled instalments come first; at most one is part paid; the later ones got nothing.
    first_open = settled.index(False) if False in settled else len(settled)
    assert all(settled[:first_open])
    assert all(not row.allocations for row in due[first_open + 1:])
    if state.credit:
        assert all(settled)
    # Reversed payments are as if they had never been entered.
    kept = [p for p in entries if p.reversal_of is None and p.reference not in state.reversed]
    again = apply_payments(rows, kept, order=order, late_policy=policy, as_of=as_of)
    assert again.instalments == state.instalments and again.credit == state.credit
