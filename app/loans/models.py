from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db.base import Base, Timestamped
from kernel import limits

if TYPE_CHECKING:
    from app.meetings.models import UnitAllocation
    from app.members.models import Member


PLAN_KINDS = ("loan", "down_payment")


class InstalmentPlan(Timestamped, Base):
    """A member's loan for an allocated unit, or the down payment spread over the construction months
    (kind "down_payment", method "none"). The schedule is computed from these terms (finance.schedule),
    never stored, so it cannot drift from them. A restructuring ends a version (`in_force` false,
    `ended_on`) and adds the next, which `supersedes` it: history is kept whole."""

    __tablename__ = "instalment_plan"
    __table_args__ = (
        CheckConstraint("method IN ('annuity', 'declining', 'flat', 'murabahah', 'none')", name="method"),
        CheckConstraint("price >= 0 AND grants >= 0 AND down_payment >= 0 AND principal >= 0", name="amounts"),
        CheckConstraint("months >= 1 AND grace_months >= 0 AND grace_months < months", name="tenor"),
        CheckConstraint("kind IN ('loan', 'down_payment')", name="kind"),
        CheckConstraint(f"length(change_reason) <= {limits.REASON}", name="change_reason_length"),
        # One plan of each kind in force per allocated unit, also when two officers click at once.
        Index("uq_instalment_plan_in_force", "allocation_id", "kind", unique=True,
              sqlite_where=text("in_force"), postgresql_where=text("in_force")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperative.id", ondelete="RESTRICT"), index=True)
    allocation_id: Mapped[int] = mapped_column(ForeignKey("unit_allocation.id", ondelete="RESTRICT"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="RESTRICT"), index=True)
    kind: Mapped[str] = mapped_column(String(16), default="loan")
    version: Mapped[int] = mapped_column(Integer, default=1)
    in_force: Mapped[bool] = mapped_column(Boolean, default=True)
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("instalment_plan.id", ondelete="RESTRICT"))
    ended_on: Mapped[date | None] = mapped_column(Date)
    change_reason: Mapped[str | None] = mapped_column(Text)  # why this version was made (a restructuring)
    price: Mapped[int] = mapped_column(BigInteger)
    grants: Mapped[int] = mapped_column(BigInteger, default=0)
    down_payment: Mapped[int] = mapped_column(BigInteger, default=0)
    principal: Mapped[int] = mapped_column(BigInteger)
    method: Mapped[str] = mapped_column(String(12))
    annual_rate_pct: Mapped[Decimal] = mapped_column(Numeric(6, 3))
    months: Mapped[int] = mapped_column(Integer)
    grace_months: Mapped[int] = mapped_column(Integer, default=0)
    first_due: Mapped[date] = mapped_column(Date)

    allocation: Mapped[UnitAllocation] = relationship()
    member: Mapped[Member] = relationship()
    payments: Mapped[list[PaymentEntry]] = relationship(back_populates="plan", order_by="PaymentEntry.id")


class PaymentEntry(Timestamped, Base):
    """A payment, or the reversal of one. Never edited or deleted: a mistake is cancelled by a new entry.

    A reversal names its payment by id (`reverses_id`, unique: a payment is reversed once, also when two officers
    click at once) and, for the ledger and the statements, by reference (`reversal_of`); its own reference is
    derived from the payment's (`app.loans.service.reversal_reference`), never read back to find what it reverses."""

    __tablename__ = "payment_entry"
    __table_args__ = (
        UniqueConstraint("cooperative_id", "reference", name="uq_payment_entry_cooperative_id"),
        UniqueConstraint("reverses_id", name="uq_payment_entry_reverses_id"),
        CheckConstraint(f"amount > 0 AND amount <= {limits.PAYMENT_MAX}", name="amount"),
        CheckConstraint(f"length(reason) <= {limits.REASON}", name="reason_length"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperative.id", ondelete="RESTRICT"), index=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("instalment_plan.id", ondelete="RESTRICT"), index=True)
    paid_on: Mapped[date] = mapped_column(Date)
    amount: Mapped[int] = mapped_column(BigInteger)
    reference: Mapped[str] = mapped_column(String(limits.REFERENCE))
    reversal_of: Mapped[str | None] = mapped_column(String(limits.REFERENCE))
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("payment_entry.id", ondelete="RESTRICT"))
    reason: Mapped[str | None] = mapped_column(Text)

    plan: Mapped[InstalmentPlan] = relationship(back_populates="payments")
