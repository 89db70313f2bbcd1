"""The handover rules without a database: PHO and FHO preconditions, retention and the members' first due dates."""

from __future__ import annotations

import pickle
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from progress import handover
from progress.handover import Contract, FhoIn, HandoverConflict, HandoverError, LoanPlan, PhoIn

TODAY = date(2026, 11, 20)
CONTRACT = Contract(date(2025, 11, 3), 1_000_000_000, Decimal(5), 180)
DONE = Contract(date(2025, 11, 3), 1_000_000_000, Decimal(5), 180, pho_on=date(2026, 11, 3))
FORM = PhoIn(date(2026, 11, 3), "BA-PHO/KNR/2026")


def _refused(call, *args) -> HandoverError:
    with pytest.raises(HandoverError) as refused:
        call(*args)
    return refused.value


def test_retention_is_whole_rupiah_half_up():
    assert handover.retention(1_234_570, Decimal(5)) == 61_729  # 61,728.5 up
    assert handover.retention(1_234_569, Decimal(5)) == 61_728
    assert handover.retention(0, Decimal(5)) == 0
    assert handover.retention(1_000_000_000, Decimal("2.5")) == 25_000_000
    assert handover.retention(999, 100) == 999


def test_the_maintenance_period_and_when_the_fho_may_come():
    assert handover.maintenance_end(None, 180) is None
    assert handover.maintenance_end(date(2026, 11, 3), 180) == date(2027, 5, 2)
    assert handover.maintenance_end(date(2026, 11, 3), 0) == date(2026, 11, 3)
    assert not handover.fho_allowed(CONTRACT, TODAY)
    assert not handover.fho_allowed(DONE, date(2027, 5, 1))
    assert handover.fho_allowed(DONE, date(2027, 5, 2))
    assert not handover.fho_allowed(Contract(**{**DONE.__dict__, "fho_on": date(2027, 5, 2)}), date(2027, 6, 1))


def test_a_pho_form_takes_the_contracts_terms_or_those_confirmed():
    form = handover.pho(CONTRACT, FORM, TODAY)
    assert (form.pho_on, form.reference, form.maintenance_days, form.retention_pct) == (
        date(2026, 11, 3), "BA-PHO/KNR/2026", 180, Decimal(5))
    form = handover.pho(CONTRACT, replace(FORM, maintenance_days=90, retention_pct=Decimal("2.5")), TODAY)
    assert (form.maintenance_days, form.retention_pct) == (90, Decimal("2.5"))
    assert handover.pho(CONTRACT, replace(FORM, maintenance_days=0, retention_pct=Decimal(0)),
                        TODAY).maintenance_days == 0


# The form's text (a date that is none, a number that is none) is the shell's form reader's to refuse; these are
# the values a typed form can still carry.
@pytest.mark.parametrize("fields, code, field", [
    ({"pho_on": date(2026, 11, 21)}, "handover.date_future", "pho_on"),
    ({"pho_on": date(2025, 11, 2)}, "handover.before_start", "pho_on"),
    ({"reference": " "}, "handover.reference_invalid", "pho_reference"),
    ({"reference": "R" * 101}, "handover.reference_invalid", "pho_reference"),
    ({"maintenance_days": -3}, "handover.maintenance_invalid", "maintenance_days"),
    ({"maintenance_days": 3651}, "handover.maintenance_invalid", "maintenance_days"),
    ({"retention_pct": Decimal(101)}, "handover.retention_invalid", "retention_pct"),
    ({"retention_pct": Decimal(-1)}, "handover.retention_invalid", "retention_pct"),
    ({"retention_pct": Decimal("2.555")}, "handover.retention_invalid", "retention_pct"),
    ({"retention_pct": Decimal("NaN")}, "handover.retention_invalid", "retention_pct"),
    ({"retention_pct": Decimal("Infinity")}, "handover.retention_invalid", "retention_pct"),
])
def test_a_bad_pho_form_is_refused_at_its_field(fields, code, field):
    refused = _refused(handover.pho, CONTRACT, replace(FORM, **fields), TODAY)
    assert (refused.message.code, refused.field, refused.status) == (code, field, 400)


def test_a_pho_is_recorded_once():
    refused = _refused(handover.pho, DONE, FORM, TODAY)
    assert isinstance(refused, HandoverConflict) and refused.status == 409
    assert refused.message.fields == {"date": "2026-11-03"}


def test_the_pho_needs_the_works_complete_on_its_date():
    handover.check_complete(date(2026, 11, 3), Decimal("100.00"))
    for actual in (Decimal("99.99"), Decimal(0), None):
        refused = _refused(handover.check_complete, date(2026, 11, 3), actual)
        assert refused.message.code == "handover.incomplete" and refused.field == "pho_on"
    assert _refused(handover.check_complete, date(2026, 11, 3), None).message.fields["actual"] == "0"


def test_the_first_due_date_is_optional_and_not_before_the_pho():
    assert handover.first_due(None, date(2026, 11, 3)) is None
    assert handover.first_due(date(2026, 11, 3), date(2026, 11, 3)) == date(2026, 11, 3)
    early = _refused(handover.first_due, date(2026, 11, 2), date(2026, 11, 3))
    assert (early.field, early.message.code) == ("first_due", "handover.first_due_early")


def _plan(key: int, unit: str, *, paid: bool = False, first_due: date = date(2026, 1, 25), **terms) -> LoanPlan:
    defaults = {"principal": 120_000_000, "annual_rate": Decimal("0.06"), "months": 180, "method": "annuity"}
    return LoanPlan(key, unit, first_due, paid, **{**defaults, **terms})


def test_plans_without_payments_take_the_new_date_and_those_with_payments_keep_theirs():
    plans = [_plan(1, "A-4-01", paid=True), _plan(2, "A-4-02"), _plan(3, "A-3-04", first_due=date(2026, 12, 25))]
    moved = handover.first_dues(plans, date(2026, 12, 25))
    assert [p.key for p in moved.changing] == [2] and moved.kept == ("A-4-01",)  # plan 3 has that date already
    assert handover.first_dues(plans, None) == handover.FirstDues((), ())


def test_a_plan_whose_down_payment_runs_on_or_after_the_new_date_refuses_the_pho():
    plans = [_plan(1, "A-4-02", down_payment_due=date(2026, 12, 25))]
    refused = _refused(handover.first_dues, plans, date(2026, 12, 25))
    assert refused.message.code == "handover.down_payment_after" and refused.message.fields["unit"] == "A-4-02"
    assert handover.first_dues(plans, date(2026, 12, 26)).changing == tuple(plans)


def test_a_plan_the_schedule_cannot_start_on_the_new_date_refuses_the_pho():
    plans = [_plan(1, "A-4-02", method="bogus")]  # a plan the arithmetic no longer takes
    refused = _refused(handover.first_dues, plans, date(2026, 12, 25))
    assert refused.message.code == "handover.loan_cannot_start" and refused.field == "first_due"


def test_an_fho_comes_after_the_pho_once_and_after_the_maintenance_period():
    form = handover.fho(DONE, FhoIn(date(2027, 5, 2), "BA-FHO/1"), date(2027, 5, 2))
    assert (form.fho_on, form.reference) == (date(2027, 5, 2), "BA-FHO/1")
    assert isinstance(_refused(handover.fho, CONTRACT, FhoIn(date(2027, 5, 2), ""), TODAY), HandoverConflict)
    recorded = Contract(**{**DONE.__dict__, "fho_on": date(2027, 5, 2)})
    assert _refused(handover.fho, recorded, FhoIn(date(2027, 5, 2), ""), date(2027, 6, 1)).status == 409
    early = _refused(handover.fho, DONE, FhoIn(date(2027, 5, 1), "x"), date(2027, 6, 1))
    assert early.message.fields == {"date": "2027-05-02"} and early.status == 400
    assert _refused(handover.fho, DONE, FhoIn(date(2027, 6, 2), "x"),
                    date(2027, 6, 1)).message.code == "handover.date_future"
    assert _refused(handover.fho, DONE, FhoIn(date(2027, 6, 1), ""), date(2027, 6, 1)).field == "fho_reference"


def test_a_refusal_survives_pickling_with_its_class():
    refused = _refused(handover.pho, DONE, FORM, TODAY)
    again = pickle.loads(pickle.dumps(refused))  # noqa: S301  (our own bytes)
    assert type(again) is HandoverConflict and again.messages == refused.messages
