"""Recording a payment on a plan's page: an advance on a new plan, an amount far above what is due asked to be
confirmed, amounts as typed and as the pages show them, and the reversal list starting at the latest payment."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.loans import service as loans
from app.loans.models import PaymentEntry
from tests.app.loans.test_loans import _plan
from tests.app.loans.test_payment_import import _with_plans
from tests.conftest import csrf_token, fix_today

pytestmark = pytest.mark.db
TODAY = date(2027, 1, 10)
FIRST_DUE = "2027-03-25"  # a new plan: nothing is due yet; payments are taken from 2026-03-25


@pytest.fixture()
def new_plan(client, db, web_app):
    """KNR-001's plan, its first instalment due in March 2027, seen on 10 January 2027 on English pages."""
    _with_plans(client, db, first_due=FIRST_DUE)
    fix_today(web_app, TODAY)
    plan = _plan(db, "KNR-001")
    first = loans.schedule_of(plan)[0]
    return plan, f"/cooperatives/kunir/plans/{plan.id}", first.principal + first.interest


def _pay(client, page: str, **fields: str):
    return client.post(page + "/payments", data={"paid_on": TODAY.isoformat(), "reference": "KW-1", **fields,
                                                 "_csrf_token": csrf_token(client)}, follow_redirects=False)


def _count(db) -> int:
    return db.scalar(select(func.count()).select_from(PaymentEntry))


def test_a_payment_on_a_new_plan_is_an_advance_applied_when_the_first_instalment_falls_due(client, db, new_plan):
    plan, page, instalment = new_plan
    form = client.get(page).text
    assert 'name="paid_on" required value="2027-01-10"' in form  # today's date, which the form takes
    assert _pay(client, page, amount=str(instalment)).status_code == 302
    shown = client.get(page + "?as_of=2027-01-10").text
    assert "Paid ahead" in shown and f"Rp{instalment:,}" in shown
    db.expire_all()
    book = loans.state(plan, date(2027, 3, 25)).ledger
    assert book.instalments[0].settled_on == date(2027, 3, 25) and book.credit == 0

    early = _pay(client, page, paid_on="2026-03-24", amount=str(instalment), reference="KW-2")
    assert early.status_code == 400
    assert ("A payment on this plan can be dated from 2026-03-25 on (12 months before its first due date, "
            "2027-03-25); money paid ahead is kept and applied as the instalments fall due.") in early.text
    assert "(date)" not in early.text and "(paid_on)" not in early.text
    assert 'value="2026-03-24"' in early.text and 'value="KW-2"' in early.text  # what was typed is kept
    assert _count(db) == 1


def test_a_plan_that_takes_no_payment_yet_prefills_no_date(client, db, web_app):
    _with_plans(client, db, first_due="2028-06-25")  # payments taken from 2027-06-25, after today
    fix_today(web_app, TODAY)
    form = client.get(f"/cooperatives/kunir/plans/{_plan(db, 'KNR-001').id}").text
    assert "Payments on this plan are taken from" in form
    assert 'name="paid_on" required value=""' in form


def test_an_amount_far_above_what_is_due_is_recorded_only_once_confirmed(client, db, new_plan):
    plan, page, instalment = new_plan
    big = 20 * instalment  # an extra zero and then some: nothing is due yet, the first instalment is next
    asked = _pay(client, page, amount=str(big))
    assert asked.status_code == 400 and _count(db) == 0
    assert (f"Rp{big:,} is more than 3 times what is due on this plan that day (Rp{instalment:,}). Check the "
            "amount") in asked.text
    assert f'name="confirm_amount" value="{big}"' in asked.text and f"Yes, record Rp{big:,}" in asked.text
    assert f'name="amount" required inputmode="numeric" value="{big}"' in asked.text

    # A confirmation is for the amount it was asked for; a changed amount, or a mangled one, is asked again.
    for confirm, amount in ((str(big), str(big + 1)), ("banyak", str(big)), ("", str(big))):
        again = _pay(client, page, amount=amount, confirm_amount=confirm)
        assert again.status_code == 400 and "Yes, record" in again.text, confirm
    assert _count(db) == 0

    done = _pay(client, page, amount=f"Rp{big:,}", confirm_amount=str(big))  # as the English page writes it
    assert done.status_code == 302
    db.expire_all()
    assert [(e.reference, e.amount) for e in db.scalars(select(PaymentEntry))] == [("KW-1", big)]
    assert db.scalar(select(AuditEntry).where(AuditEntry.action == "payment.record")) is not None


def test_amounts_are_taken_as_typed_and_as_the_pages_show_them(client, db, new_plan):
    _, page, n = new_plan
    dots = f"{n:,}".replace(",", ".")
    client.cookies.set("japra_lang", "id")
    typed = [str(n), dots, f"Rp{dots}", f"Rp {dots},00"]
    for k, amount in enumerate(typed):
        r = _pay(client, page, amount=amount, reference=f"ID-{k}")
        assert r.status_code == 302, amount
    for amount in (f"{n}.00", f"{dots},50", f"{n:,}", "Rp", "1e6", "-5000", "0"):
        r = _pay(client, page, amount=amount, reference="ID-BAD")
        assert r.status_code == 400 and 'role="alert"' in r.text, amount
    client.cookies.set("japra_lang", "en")
    for k, amount in enumerate((f"Rp{n:,}", f"{n:,}.00")):
        assert _pay(client, page, amount=amount, reference=f"EN-{k}").status_code == 302, amount
    assert _pay(client, page, amount="7.5", reference="EN-BAD").status_code == 400
    db.expire_all()
    assert sorted(db.scalars(select(PaymentEntry.amount))) == [n] * 6


def test_the_reversal_list_starts_at_the_latest_payment(client, db, new_plan):
    _, page, instalment = new_plan
    assert _pay(client, page, paid_on="2027-01-05", amount=str(instalment), reference="KW-OLD").status_code == 302
    assert _pay(client, page, paid_on="2027-01-09", amount=str(instalment), reference="KW-NEW").status_code == 302
    # Recorded last but paid first (a receipt found in a drawer): it goes by its date.
    assert _pay(client, page, paid_on="2027-01-02", amount=str(instalment), reference="KW-LATE").status_code == 302
    options = client.get(page).text.split('name="reversal_of"', 1)[1].split("</select>", 1)[0]
    assert options.index('value="KW-NEW"') < options.index('value="KW-OLD"') < options.index('value="KW-LATE"')
