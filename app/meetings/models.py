from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db.base import Base, Timestamped, UTCDateTime
from kernel import limits

if TYPE_CHECKING:
    from app.designs.models import Scenario
    from app.members.models import Member
    from app.projects.models import Project

METHODS = ("priority", "lottery", "optimal")
STATUSES = ("draft", "published", "held", "confirmed")


class AllocationMeeting(Timestamped, Base):
    """A meeting that allocates the units of a project's scenario to members.

    The seed's SHA-256 is published first (status `published`); the seed itself is stored only
    when it is revealed at the meeting and matches. Once `confirmed`, allocations change only by
    a recorded amendment.
    """

    __tablename__ = "allocation_meeting"
    __table_args__ = (
        CheckConstraint(f"method IN {METHODS}", name="method"),
        CheckConstraint(f"status IN {STATUSES}", name="status"),
        CheckConstraint(f"length(notes) <= {limits.NOTE}", name="notes_length"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="RESTRICT"), index=True)
    scenario_id: Mapped[int] = mapped_column(ForeignKey("scenario.id", ondelete="RESTRICT"))
    title: Mapped[str] = mapped_column(String(200))
    held_on: Mapped[date] = mapped_column(Date)
    place: Mapped[str] = mapped_column(String(200))
    method: Mapped[str] = mapped_column(String(12))
    status: Mapped[str] = mapped_column(String(12), default="draft")
    seed_hash: Mapped[str | None] = mapped_column(String(64))
    seed: Mapped[str | None] = mapped_column(String(200))
    members_present: Mapped[int | None] = mapped_column(Integer)
    members_total: Mapped[int | None] = mapped_column(Integer)
    chair: Mapped[str | None] = mapped_column(String(200))
    secretary: Mapped[str | None] = mapped_column(String(200))
    witness_1: Mapped[str | None] = mapped_column(String(200))
    witness_2: Mapped[str | None] = mapped_column(String(200))
    notes: Mapped[str | None] = mapped_column(Text)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Frozen when the hash is published (`allocation.snapshot`): the participants, their preferences and the
    # attributes the rules read. The draw reads only this, so nothing changed afterwards can bend it.
    frozen: Mapped[dict | None] = mapped_column(JSON)
    frozen_hash: Mapped[str | None] = mapped_column(String(64))

    project: Mapped[Project] = relationship()
    scenario: Mapped[Scenario] = relationship()
    participants: Mapped[list[MeetingParticipant]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan", order_by="MeetingParticipant.id")


class MeetingParticipant(Base):
    """An eligible member of a meeting and the ranked preferences they gave, as the allocation engine reads them."""

    __tablename__ = "meeting_participant"
    __table_args__ = (UniqueConstraint("meeting_id", "member_id", name="uq_meeting_participant_meeting_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("allocation_meeting.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="RESTRICT"))
    # [{"unit": "A-2-03"} | {"unit_type": "T36"} | {"building": "B"} | {"floor": 2}], best first
    preferences: Mapped[list] = mapped_column(JSON, default=list)

    meeting: Mapped[AllocationMeeting] = relationship(back_populates="participants")
    member: Mapped[Member] = relationship()


class UnitAllocation(Timestamped, Base):
    """A unit given to a member. The database itself refuses a unit given twice, or a member given two
    units, in the same project, however many people allocate at once (partial unique indexes over the
    rows in force). An amendment ends a row (`in_force` false, with the reason) and adds a new one."""

    __tablename__ = "unit_allocation"
    __table_args__ = (
        Index("uq_unit_allocation_unit", "project_id", "unit_code", unique=True,
              sqlite_where=text("in_force"), postgresql_where=text("in_force")),
        Index("uq_unit_allocation_member", "project_id", "member_id", unique=True,
              sqlite_where=text("in_force"), postgresql_where=text("in_force")),
        CheckConstraint(f"length(ended_reason) <= {limits.REASON}", name="ended_reason_length"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="RESTRICT"), index=True)
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("allocation_meeting.id", ondelete="RESTRICT"))
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="RESTRICT"), index=True)
    unit_code: Mapped[str] = mapped_column(String(32))
    rank: Mapped[int | None] = mapped_column(Integer)
    draw_position: Mapped[int | None] = mapped_column(Integer)
    in_force: Mapped[bool] = mapped_column(Boolean, default=True)
    ended_reason: Mapped[str | None] = mapped_column(Text)

    member: Mapped[Member] = relationship()
