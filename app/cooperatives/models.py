from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import JSON, BigInteger, Boolean, CheckConstraint, ForeignKey, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql.expression import true as sa_true

from app.db.base import Base, Timestamped
from kernel import limits

if TYPE_CHECKING:
    from app.projects.models import Project


class Cooperative(Timestamped, Base):
    """A primary housing cooperative, member of Japra. Members, meetings and finance hang here later."""

    __tablename__ = "cooperative"
    __table_args__ = (CheckConstraint(f"length(description) <= {limits.DESCRIPTION}", name="description_length"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    legal_name: Mapped[str | None] = mapped_column(String(200))
    kelurahan: Mapped[str | None] = mapped_column(String(100))
    kecamatan: Mapped[str | None] = mapped_column(String(100))
    city: Mapped[str | None] = mapped_column(String(100))
    description: Mapped[str | None] = mapped_column(Text)
    # What its documents need: the badan hukum, where it is, the officers who sign (ketua, sekretaris, bendahara).
    badan_hukum_number: Mapped[str | None] = mapped_column(String(limits.BADAN_HUKUM_NUMBER))
    address: Mapped[str | None] = mapped_column(String(limits.ADDRESS))
    chair: Mapped[str | None] = mapped_column(String(limits.NAME))
    secretary: Mapped[str | None] = mapped_column(String(limits.NAME))
    treasurer: Mapped[str | None] = mapped_column(String(limits.NAME))
    phone: Mapped[str | None] = mapped_column(String(limits.PHONE))
    contact_email: Mapped[str | None] = mapped_column(String(limits.EMAIL))
    # A deactivated cooperative keeps its data and its pages; it leaves the pickers and takes no new project.
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=sa_true())

    projects: Mapped[list[Project]] = relationship(back_populates="cooperative", order_by="Project.name")


class CooperativePolicy(Timestamped, Base):
    """What a cooperative's members decided for their money and their meetings. No row means the defaults:
    no late charges, the koperasi collectibility preset, the allocation engine's rules, a 30% affordability
    ratio. Every change is audited."""

    __tablename__ = "cooperative_policy"
    __table_args__ = (
        CheckConstraint("late_charge_kind IS NULL OR late_charge_kind IN ('rate', 'fixed')", name="late_kind"),
        CheckConstraint("late_grace_days >= 0", name="grace"),
        CheckConstraint("affordability_ratio_pct > 0 AND affordability_ratio_pct <= 100", name="affordability"),
    )

    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperative.id", ondelete="CASCADE"), primary_key=True)
    late_charge_kind: Mapped[str | None] = mapped_column(String(8))  # None: late charges are off
    late_charge_rate_pct: Mapped[Decimal | None] = mapped_column(Numeric(6, 3))  # % of what is unpaid
    late_charge_fixed: Mapped[int | None] = mapped_column(BigInteger)  # whole rupiah
    late_grace_days: Mapped[int] = mapped_column(Integer, default=0)
    late_monthly: Mapped[bool] = mapped_column(Boolean, default=True)
    payment_order: Mapped[str] = mapped_column(String(64), default="late_charge,interest,principal")
    collectibility_preset: Mapped[str] = mapped_column(String(16), default="koperasi")
    collectibility_thresholds: Mapped[list[int] | None] = mapped_column(JSON)
    priority_rules: Mapped[list[str] | None] = mapped_column(JSON)
    bedroom_bands: Mapped[list[list[int | None]] | None] = mapped_column(JSON)
    max_extra_bedrooms: Mapped[int | None] = mapped_column(Integer)
    affordability_ratio_pct: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal(30))
