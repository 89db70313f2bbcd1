"""The rows of a payments file checked without a database: on their own, then against members, plans and ledger."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from finance.instalment import schedule
from finance.ledger import LatePolicy, Payment
from finance.payment_rows import MAX_PROBLEMS, PaymentRow, PlanOnFile, Problems, check_rows, read_rows

TODAY = date(2026, 6, 30)
LOAN = schedule(120_000_000, Decimal("0.06"), 120, "annuity", first_due=date(2026, 1, 25))  # taken from 2025-01-25


def _read(*rows: dict, titles: dict | None = None) -> tuple[list[PaymentRow], Problems]:
    problems = Problems(titles or {})
    return read_rows(list(enumerate(rows, start=2)), problems), problems


def _codes(problems: Problems) -> list[tuple[int | None, str]]:
    return [(p.row, p.message.code) for p in problems.found]


def _row(**cells) -> dict:
    return {"number": "KNR-001", "paid_on": "2026-02-01", "amount": "1.250.000", "reference": "KW-1", **cells}


def test_rows_are_read_as_typed():
    rows, problems = _read(_row(), _row(number=1001.0, paid_on=datetime(2026, 2, 1), amount=750_000.0,
                                        reference=100234, kind="Uang Muka"), _row(reference="KW-3", kind=""))
    assert problems.found == []
    assert rows == [PaymentRow(2, "KNR-001", "loan", date(2026, 2, 1), 1_250_000, "KW-1"),
                    PaymentRow(3, "1001", "down_payment", date(2026, 2, 1), 750_000, "100234"),
                    PaymentRow(4, "KNR-001", "loan", date(2026, 2, 1), 1_250_000, "KW-3")]


@pytest.mark.parametrize("cells, code, column", [
    ({"number": ""}, "payments.number_missing", "number"),
    ({"kind": "tabungan"}, "payments.kind_invalid", "kind"),
    ({"paid_on": "kemarin"}, "payments.date_invalid", "paid_on"),
    ({"paid_on": ""}, "payments.date_invalid", "paid_on"),
    ({"amount": "banyak"}, "payments.not_a_number", "amount"),
    ({"amount": "0"}, "payments.amount_invalid", "amount"),
    ({"amount": "-5000"}, "payments.amount_invalid", "amount"),
    ({"amount": "1250,50"}, "payments.amount_invalid", "amount"),
    ({"amount": str(10**12 + 1)}, "payments.amount_too_large", "amount"),
    ({"reference": ""}, "payments.reference_invalid", "reference"),
    ({"reference": "R" * 65}, "payments.reference_invalid", "reference"),
])
def test_a_bad_cell_is_named_by_row_and_column(cells, code, column):
    rows, problems = _read(_row(**cells), titles={column: "Kolom"})
    assert _codes(problems) == [(2, code)] and problems.found[0].column == "Kolom"
    assert problems.found[0].message.fields["column"] == "Kolom"
    assert len(rows) == 1  # a row with a problem is still read, so it can be shown


def test_a_reference_twice_in_the_file():
    _, problems = _read(_row(), _row(), _row(reference="KW-2"))
    assert _codes(problems) == [(3, "payments.reference_twice")] and problems.found[0].message.fields["other"] == 2


def test_problems_stop_at_the_cap():
    _, problems = _read(*[_row(number="", reference="") for _ in range(MAX_PROBLEMS)])
    assert len(problems.found) == MAX_PROBLEMS


def _plan(key: int = 1, unit: str = "A-4-01", payments=()) -> PlanOnFile:
    return PlanOnFile(key, unit, LOAN, list(payments))


def _check(rows: list[PaymentRow], problems: Problems, *, plans=None, stored=(), members=("KNR-001", "KNR-002"),
           **kwargs) -> dict[int, str]:
    plans = {("KNR-001", "loan"): [_plan()]} if plans is None else plans
    return check_rows(rows, problems, members=set(members), plans=plans, stored=set(stored), today=TODAY, **kwargs)


def test_good_rows_get_their_unit():
    rows, problems = _read(_row(), _row(reference="KW-2", paid_on="2026-02-25"))
    assert _check(rows, problems) == {2: "A-4-01", 3: "A-4-01"} and problems.found == []


@pytest.mark.parametrize("cells, plans, code", [
    ({"number": "KNR-999"}, None, "payments.member_unknown"),
    ({"number": "KNR-002"}, None, "payments.no_plan"),
    ({"kind": "uang_muka"}, None, "payments.no_down_payment_plan"),
    ({}, {("KNR-001", "loan"): [_plan(1), _plan(2, "B-1-01")]}, "payments.plans_several"),
    ({"paid_on": "2026-07-01"}, None, "payments.date_future"),
    ({"paid_on": "2025-01-24"}, None, "payments.date_before_plan"),
    ({"reference": "KW-OLD"}, None, "payments.reference_stored"),
])
def test_a_row_the_members_plans_or_references_refuse(cells, plans, code):
    rows, problems = _read(_row(**cells))
    units = _check(rows, problems, plans=plans, stored={"KW-OLD"})
    assert _codes(problems) == [(2, code)]
    assert (2 in units) == (code in ("payments.date_future", "payments.date_before_plan",
                                     "payments.reference_stored"))


def test_a_payment_before_the_first_due_date_is_an_advance_taken_from_a_year_before():
    rows, problems = _read(_row(paid_on="2025-01-25"), _row(paid_on="2025-12-01", reference="KW-2"))
    _check(rows, problems)
    assert problems.found == []
    rows, problems = _read(_row(paid_on="2025-01-24"))
    _check(rows, problems)
    message = problems.found[0].message
    assert message.fields["start"] == "2025-01-25" and message.fields["first_due"] == "2026-01-25"
    assert "(date)" not in message.msgid.format(**message.fields)


def test_an_amount_far_above_what_is_due_is_a_warning_not_a_refusal():
    instalment = LOAN[0].principal + LOAN[0].interest
    warnings = Problems({"amount": "jumlah"})
    rows, problems = _read(_row(paid_on="2026-01-25", amount=str(instalment)),  # the first instalment: fine
                           _row(paid_on="2026-02-25", amount=str(instalment * 10), reference="KW-2"),
                           _row(paid_on="2026-03-25", amount=str(instalment), reference="KW-3"))
    assert _check(rows, problems, warnings=warnings) == {2: "A-4-01", 3: "A-4-01", 4: "A-4-01"}
    assert problems.found == []
    assert _codes(warnings) == [(3, "payments.amount_far_above")]
    found = warnings.found[0]
    assert found.column == "jumlah" and found.message.fields["amount"] == instalment * 10
    assert found.message.fields["expected"] == instalment and found.message.fields["factor"] == 3


def test_a_row_the_ledger_refuses_is_a_problem_here_already():
    # The plan's own entries hold KW-1 (the cooperative-wide lookup missed it): the ledger refuses the reference.
    plans = {("KNR-001", "loan"): [_plan(payments=[Payment(date(2026, 1, 20), 1_000_000, "KW-1")])]}
    rows, problems = _read(_row(), _row(reference="KW-2"))
    assert _check(rows, problems, plans=plans) == {2: "A-4-01", 3: "A-4-01"}
    assert _codes(problems) == [(2, "payments.ledger_refused_value")]
    assert problems.found[0].column == "reference" and "what" not in problems.found[0].message.fields


def test_each_row_goes_to_the_ledger_with_the_recorded_payments_and_the_rows_before_it():
    recorded = [Payment(date(2026, 1, 20), 1_000_000, "KW-0"),
                Payment(date(2026, 1, 21), 1_000_000, "KW-0-R", reversal_of="KW-0", reason="ditolak bank")]
    plans = {("KNR-001", "loan"): [_plan(payments=recorded)]}
    rows, problems = _read(*[_row(paid_on=f"2026-0{m}-01", reference=f"KW-{m}") for m in range(2, 7)])
    _check(rows, problems, plans=plans)
    assert problems.found == []


def test_a_row_with_its_own_problem_is_not_sent_to_the_ledger_but_still_checked():
    rows, problems = _read(_row(amount="banyak", paid_on="2026-07-01"))
    units = _check(rows, problems)
    assert _codes(problems) == [(2, "payments.not_a_number"), (2, "payments.date_future")] and units == {2: "A-4-01"}


def test_problems_come_in_row_order():
    rows, problems = _read(_row(number="KNR-999"), _row(reference=""), _row(reference="KW-3", number="KNR-002"))
    _check(rows, problems)
    assert [row for row, _ in _codes(problems)] == [2, 3, 4]


def test_the_cooperatives_late_policy_and_order_are_used():
    policy = LatePolicy("fixed", 10_000)
    rows, problems = _read(_row(paid_on="2026-06-30", amount="10.000"))
    _check(rows, problems, late_policy=policy, order=("late_charge", "interest", "principal"))
    assert problems.found == []
