"""Members' instalment plans and the payment entries on them.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "instalment_plan",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cooperative_id", sa.Integer(), nullable=False),
        sa.Column("allocation_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("in_force", sa.Boolean(), nullable=False),
        sa.Column("price", sa.BigInteger(), nullable=False),
        sa.Column("grants", sa.BigInteger(), nullable=False),
        sa.Column("down_payment", sa.BigInteger(), nullable=False),
        sa.Column("principal", sa.BigInteger(), nullable=False),
        sa.Column("method", sa.String(length=12), nullable=False),
        sa.Column("annual_rate_pct", sa.Numeric(precision=6, scale=3), nullable=False),
        sa.Column("months", sa.Integer(), nullable=False),
        sa.Column("grace_months", sa.Integer(), nullable=False),
        sa.Column("first_due", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "method IN ('annuity', 'declining', 'flat', 'murabahah', 'none')", name=op.f("ck_instalment_plan_method")
        ),
        sa.CheckConstraint(
            "months >= 1 AND grace_months >= 0 AND grace_months < months", name=op.f("ck_instalment_plan_tenor")
        ),
        sa.CheckConstraint(
            "price >= 0 AND grants >= 0 AND down_payment >= 0 AND principal >= 0",
            name=op.f("ck_instalment_plan_amounts"),
        ),
        sa.ForeignKeyConstraint(
            ["allocation_id"],
            ["unit_allocation.id"],
            name=op.f("fk_instalment_plan_allocation_id_unit_allocation"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["cooperative_id"],
            ["cooperative.id"],
            name=op.f("fk_instalment_plan_cooperative_id_cooperative"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["member.id"], name=op.f("fk_instalment_plan_member_id_member"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_instalment_plan")),
    )
    with op.batch_alter_table("instalment_plan", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_instalment_plan_allocation_id"), ["allocation_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_instalment_plan_cooperative_id"), ["cooperative_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_instalment_plan_member_id"), ["member_id"], unique=False)

    op.create_table(
        "payment_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cooperative_id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("reference", sa.String(length=64), nullable=False),
        sa.Column("reversal_of", sa.String(length=64), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount > 0", name=op.f("ck_payment_entry_amount")),
        sa.ForeignKeyConstraint(
            ["cooperative_id"],
            ["cooperative.id"],
            name=op.f("fk_payment_entry_cooperative_id_cooperative"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["instalment_plan.id"],
            name=op.f("fk_payment_entry_plan_id_instalment_plan"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_entry")),
        sa.UniqueConstraint("cooperative_id", "reference", name="uq_payment_entry_cooperative_id"),
    )
    with op.batch_alter_table("payment_entry", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payment_entry_cooperative_id"), ["cooperative_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_payment_entry_plan_id"), ["plan_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("payment_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payment_entry_plan_id"))
        batch_op.drop_index(batch_op.f("ix_payment_entry_cooperative_id"))

    op.drop_table("payment_entry")
    with op.batch_alter_table("instalment_plan", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_instalment_plan_member_id"))
        batch_op.drop_index(batch_op.f("ix_instalment_plan_cooperative_id"))
        batch_op.drop_index(batch_op.f("ix_instalment_plan_allocation_id"))

    op.drop_table("instalment_plan")
