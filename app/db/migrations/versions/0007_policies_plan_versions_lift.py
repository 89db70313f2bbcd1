"""Cooperative policies (late charges, collectibility, allocation rules, affordability), plan versions and
down-payment plans, and the lift of a building.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 18:31:09.003064
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import app.db.base

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cooperative_policy",
        sa.Column("cooperative_id", sa.Integer(), nullable=False),
        sa.Column("late_charge_kind", sa.String(length=8), nullable=True),
        sa.Column("late_charge_rate_pct", sa.Numeric(precision=6, scale=3), nullable=True),
        sa.Column("late_charge_fixed", sa.BigInteger(), nullable=True),
        sa.Column("late_grace_days", sa.Integer(), nullable=False),
        sa.Column("late_monthly", sa.Boolean(), nullable=False),
        sa.Column("payment_order", sa.String(length=64), nullable=False),
        sa.Column("collectibility_preset", sa.String(length=16), nullable=False),
        sa.Column("collectibility_thresholds", sa.JSON(), nullable=True),
        sa.Column("priority_rules", sa.JSON(), nullable=True),
        sa.Column("bedroom_bands", sa.JSON(), nullable=True),
        sa.Column("max_extra_bedrooms", sa.Integer(), nullable=True),
        sa.Column("affordability_ratio_pct", sa.Numeric(precision=5, scale=2), nullable=False),
        sa.Column("created_at", app.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", app.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "late_charge_kind IS NULL OR late_charge_kind IN ('rate', 'fixed')",
            name=op.f("ck_cooperative_policy_late_kind"),
        ),
        sa.CheckConstraint(
            "affordability_ratio_pct > 0 AND affordability_ratio_pct <= 100",
            name=op.f("ck_cooperative_policy_affordability"),
        ),
        sa.CheckConstraint("late_grace_days >= 0", name=op.f("ck_cooperative_policy_grace")),
        sa.ForeignKeyConstraint(
            ["cooperative_id"],
            ["cooperative.id"],
            name=op.f("fk_cooperative_policy_cooperative_id_cooperative"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("cooperative_id", name=op.f("pk_cooperative_policy")),
    )
    with op.batch_alter_table("building", schema=None) as batch_op:
        batch_op.add_column(sa.Column("lift", sa.Boolean(), nullable=False, server_default=sa.false()))

    with op.batch_alter_table("instalment_plan", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kind", sa.String(length=16), nullable=False, server_default="loan"))
        batch_op.add_column(sa.Column("supersedes_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("ended_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("change_reason", sa.Text(), nullable=True))
        batch_op.create_check_constraint(batch_op.f("ck_instalment_plan_kind"), "kind IN ('loan', 'down_payment')")
        batch_op.create_index(
            "uq_instalment_plan_in_force",
            ["allocation_id", "kind"],
            unique=True,
            sqlite_where=sa.text("in_force"),
            postgresql_where=sa.text("in_force"),
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_instalment_plan_supersedes_id_instalment_plan"),
            "instalment_plan",
            ["supersedes_id"],
            ["id"],
            ondelete="RESTRICT",
        )


def downgrade() -> None:
    with op.batch_alter_table("instalment_plan", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_instalment_plan_supersedes_id_instalment_plan"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("ck_instalment_plan_kind"), type_="check")
        batch_op.drop_index(
            "uq_instalment_plan_in_force", sqlite_where=sa.text("in_force"), postgresql_where=sa.text("in_force")
        )
        batch_op.drop_column("change_reason")
        batch_op.drop_column("ended_on")
        batch_op.drop_column("supersedes_id")
        batch_op.drop_column("kind")

    with op.batch_alter_table("building", schema=None) as batch_op:
        batch_op.drop_column("lift")

    op.drop_table("cooperative_policy")
