"""A year of invented history for the Akuarium demo: an allocation meeting held and confirmed, every household's
instalment plan, and monthly payments with the usual mix of punctual members, late ones and one who paid ahead,
so statements, the arrears report and Japra's roll-up have something true-looking to show on first start.

It goes through the same services a cooperative's officers use (meeting, draw, confirm, plans, payments), so the
history obeys every rule the app enforces. The tests' demo database leaves it out: they build their own.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.cooperatives.models import CooperativePolicy
from app.loans import service as loans
from app.meetings import service as meetings
from app.meetings.models import AllocationMeeting
from app.projects.models import Project

PROJECT = "akuarium"
SEED = "akuarium-demo-2025-09-20"  # a demo seed, printed here on purpose: anyone can re-check the draw
FIRST_DUE = date(2025, 11, 25)
ACTOR = "demo"


def load(session: Session, today: date) -> int:
    """The history, unless the project has a meeting already. Returns the payments recorded."""
    project = session.scalar(select(Project).where(Project.slug == PROJECT))
    if project is None or session.scalar(select(AllocationMeeting.id)
                                         .where(AllocationMeeting.project_id == project.id)):
        return 0
    if session.get(CooperativePolicy, project.cooperative_id) is None:
        # Every Akuarium unit is a T36 with two bedrooms: the members decided a household of any size may take one.
        session.add(CooperativePolicy(cooperative_id=project.cooperative_id, bedroom_bands=[[None, 2]]))
        session.flush()
    meeting = meetings.create(session, ACTOR, project, meetings.MeetingIn(
        title="Rapat pembagian unit Kampung Susun Akuarium", held_on=date(2025, 9, 20),
        place="Balai warga Kampung Akuarium", method="lottery"))
    rng = random.Random(SEED)
    units = meetings.units_of(session, meeting)
    lines = ["nomor_anggota;pilihan_1;pilihan_2;pilihan_3"]
    for p in meeting.participants:
        picks = rng.sample(units, 2)
        lines.append(f"{p.member.number};{picks[0].code};{picks[1].code};Blok {rng.choice('ABCDE')}")
    meetings.import_preferences(session, ACTOR, meeting, "\n".join(lines).encode())
    meetings.publish(session, ACTOR, meeting, SEED)  # freezes the members and their preferences
    meetings.run(session, ACTOR, meeting, SEED)
    meetings.confirm(session, ACTOR, meeting, meetings.ConfirmationIn(
        members_present=len(meeting.participants) - 2, members_total=len(meeting.participants),
        chair="Ketua Koperasi Akuarium", secretary="Sekretaris Koperasi", witness_1="Saksi dari Japra",
        witness_2="Saksi dari warga", notes="Data demo: rapat dan nama anggota rekaan."))
    loans.create_plans_for_meeting(session, ACTOR, meeting, loans.LoanTerms(
        method="annuity", annual_rate_pct=Decimal(5), months=240, first_due=FIRST_DUE), down_payment_pct=Decimal(5))
    recorded = 0
    for i, plan in enumerate(sorted(loans.plans_of_meeting(session, meeting).values(), key=lambda p: p.id)):
        rows = loans.schedule_of(plan)
        due = [row for row in rows if row.due <= today]
        habit = i % 10
        if habit in (6, 7, 8):
            due = due[: -{6: 4, 7: 2, 8: 1}[habit]]  # stopped paying four, two or one month(s) ago
        for n, row in enumerate(due, start=1):
            late = rng.choice((0, 0, 0, 2, 5, 12)) if habit < 6 else 0
            paid_on = min(row.due + timedelta(days=late), today)
            amount = row.payment * (2 if habit == 9 and n == len(due) else 1)  # one pays a month ahead
            loans.record_payment(session, ACTOR, plan,
                                 loans.PaymentIn(paid_on, amount, f"AKU-KW-{plan.id:03d}-{n:03d}"), today)
            recorded += 1
    return recorded
