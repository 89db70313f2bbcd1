"""Migration 0011 on a database with data: reversals stored by reference get the id of their payment, and values the
new bounds refuse stop the upgrade with a list of what to correct, before anything is changed."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import inspect, select, text
from sqlalchemy.orm import Session

from app import demo, demo_history
from app.db.engine import make_engine
from app.db.migrate import current_revision, downgrade, upgrade
from app.errors import Conflict
from app.i18n import render_message
from app.loans import service as loans
from app.loans.models import InstalmentPlan

pytestmark = pytest.mark.db
TODAY = date(2026, 11, 24)


def _demo_with_reversals(url: str) -> dict[str, str]:
    """The demo with its year of payments, three of them reversed, and a payment whose reference is another's with
    "-R" (a receipt so numbered); returns {reversal's reference: its payment's reference}."""
    upgrade(url)
    engine = make_engine(url)
    reversed_ = {}
    with Session(engine) as session:
        demo.load(session)
        demo_history.load(session, TODAY)
        plans = session.scalars(select(InstalmentPlan).where(InstalmentPlan.in_force).order_by(InstalmentPlan.id))
        for plan in list(plans)[:3]:
            payment = plan.payments[0]
            reversal = loans.reverse_payment(session, "test", plan, loans.ReversalIn(payment.reference, "salah catat"),
                                             TODAY)
            reversed_[reversal.reference] = payment.reference
        plan = session.scalars(select(InstalmentPlan).where(InstalmentPlan.in_force)
                               .order_by(InstalmentPlan.id.desc())).first()
        namesake = f"{plan.payments[0].reference}-R"
        loans.record_payment(session, "test", plan, loans.PaymentIn(TODAY, 1000, namesake), TODAY)
        session.commit()
    engine.dispose()
    return reversed_


def _rows(url: str, sql: str, **params) -> list[tuple]:
    engine = make_engine(url)
    with engine.begin() as conn:
        result = conn.execute(text(sql), params)
        found = [tuple(r) for r in result] if result.returns_rows else []
    engine.dispose()
    return found


def _columns(url: str, table: str) -> set[str]:
    engine = make_engine(url)
    names = {c["name"] for c in inspect(engine).get_columns(table)}
    engine.dispose()
    return names


def test_upgrading_from_0010_links_the_stored_reversals_to_their_payments_by_id(scratch_database_url):
    url = scratch_database_url
    reversed_ = _demo_with_reversals(url)
    downgrade(url, "0010")
    assert "reverses_id" not in _columns(url, "payment_entry")  # as 0010 stored them
    upgrade(url, "0011")

    linked = _rows(url, "SELECT r.reference, p.reference FROM payment_entry r "
                        "JOIN payment_entry p ON p.id = r.reverses_id ORDER BY r.id")
    assert dict(linked) == reversed_ and len(linked) == 3
    # The payment named like a reversal is no reversal: it reverses nothing and is not linked to.
    assert _rows(url, "SELECT count(*) FROM payment_entry WHERE reversal_of IS NULL AND reverses_id IS NOT NULL") \
        == [(0,)]
    assert _rows(url, "SELECT count(*) FROM payment_entry WHERE reversal_of IS NOT NULL AND reverses_id IS NULL") \
        == [(0,)]


def test_values_the_new_bounds_refuse_stop_the_upgrade_with_a_list_and_nothing_changed(scratch_database_url):
    url = scratch_database_url
    _demo_with_reversals(url)
    downgrade(url, "0010")
    [(member_id,)] = _rows(url, "SELECT id FROM member WHERE number = 'KNR-001'")
    [(dots_id,)] = _rows(url, "SELECT id FROM member WHERE number = 'KNR-002'")
    [(project_id,)] = _rows(url, "SELECT id FROM project WHERE slug = 'kunir'")
    [(payment_id,)] = _rows(url, "SELECT min(id) FROM payment_entry WHERE reversal_of IS NULL")
    _rows(url, "UPDATE member SET number = 'KNR/7' WHERE id = :id", id=member_id)
    _rows(url, "UPDATE member SET number = '..' WHERE id = :id", id=dots_id)
    _rows(url, "UPDATE project SET description = :d WHERE id = :id", d="x" * 5001, id=project_id)
    _rows(url, "UPDATE payment_entry SET amount = 9223372036854775807 WHERE id = :id", id=payment_id)

    with pytest.raises(Conflict) as refused:
        upgrade(url)
    said = render_message(refused.value.message, "en")
    assert said.startswith("The database holds values the new bounds refuse; nothing was changed.")
    for listed in (f"member id={member_id}: number 'KNR/7'", f"member id={dots_id}: number '..'",
                   f"project id={project_id}: description has 5001 characters, at most 5000",
                   f"payment_entry id={payment_id}: amount 9223372036854775807 is above 1000000000000"):
        assert listed in said
    assert current_revision(url) == "0010"
    assert _rows(url, "SELECT number FROM member WHERE id = :id", id=member_id) == [("KNR/7",)]  # not renamed

    _rows(url, "UPDATE member SET number = 'KNR-001' WHERE id = :id", id=member_id)
    _rows(url, "UPDATE member SET number = 'KNR-002' WHERE id = :id", id=dots_id)
    _rows(url, "UPDATE project SET description = 'Kampung Kunir' WHERE id = :id", id=project_id)
    _rows(url, "UPDATE payment_entry SET amount = 1000 WHERE id = :id", id=payment_id)
    upgrade(url)
    assert current_revision(url) != "0010"
