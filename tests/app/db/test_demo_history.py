"""The demo's invented history: a confirmed meeting, a plan per household, payments, arrears in several classes."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from app import demo_history
from app.cooperatives.models import Cooperative
from app.loans import service as loans
from app.loans.models import InstalmentPlan, PaymentEntry
from app.members.models import Member

pytestmark = pytest.mark.db


def test_the_demo_history_obeys_the_rules_and_shows_arrears(db):
    recorded = demo_history.load(db, date(2026, 11, 24))
    coop = db.scalar(select(Cooperative).where(Cooperative.slug == "akuarium"))
    members = db.scalar(select(func.count()).select_from(Member).where(Member.cooperative_id == coop.id))
    assert db.scalar(select(func.count()).select_from(InstalmentPlan)) == members > 0
    assert db.scalar(select(func.count()).select_from(PaymentEntry)) == recorded > members
    states, summary = loans.cooperative_arrears(db, coop, date(2026, 11, 24))
    assert summary.members == members and summary.health != "tidak sehat"
    assert {s.collectibility.name for s in states} >= {"Lancar", "Kurang Lancar"}
    assert any(s.arrears.credit for s in states)  # somebody paid ahead
    assert demo_history.load(db, date(2026, 11, 24)) == 0  # once only
