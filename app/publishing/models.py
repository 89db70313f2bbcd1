from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, CheckConstraint, Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, Timestamped, UTCDateTime
from kernel import limits


class Publication(Timestamped, Base):
    """A project's public page: whether it is out, and what it shows. Everything is off until a planner turns it on;
    figures about households are aggregates, withheld below the minimum count (publication.figures)."""

    __tablename__ = "publication"
    __table_args__ = (
        CheckConstraint("reference_price_per_m2 IS NULL OR reference_price_per_m2 > 0", name="reference_price"),
        CheckConstraint("typical_rent IS NULL OR typical_rent > 0", name="typical_rent"),
        CheckConstraint(f"length(story_md) <= {limits.STORY}", name="story_md_length"),
    )

    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"), primary_key=True)
    published: Mapped[bool] = mapped_column(Boolean, default=False)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    show_site: Mapped[bool] = mapped_column(Boolean, default=True)
    show_progress: Mapped[bool] = mapped_column(Boolean, default=True)
    show_photos: Mapped[bool] = mapped_column(Boolean, default=True)
    show_figures: Mapped[bool] = mapped_column(Boolean, default=True)
    show_story: Mapped[bool] = mapped_column(Boolean, default=True)
    show_timeline: Mapped[bool] = mapped_column(Boolean, default=True)
    title: Mapped[str | None] = mapped_column(String(200))
    story_md: Mapped[str | None] = mapped_column(Text)
    reference_price_per_m2: Mapped[int | None] = mapped_column(BigInteger)  # a market price the planner enters
    typical_rent: Mapped[int | None] = mapped_column(BigInteger)  # monthly rent of a comparable room nearby
    # [{"stage": "perencanaan", "date": "2024-03-01"}, ...]: the stages a visitor sees, as the planner dates them.
    timeline: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # A date the page was last changed, for ETags and "updated on" lines.
    changed_on: Mapped[date | None] = mapped_column(Date)
