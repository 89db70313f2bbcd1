"""Members of cooperatives, allocation meetings with their participants, and the units allocated.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "member",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cooperative_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("nik", sa.String(length=16), nullable=True),
        sa.Column("household_size", sa.Integer(), nullable=False),
        sa.Column("monthly_income", sa.BigInteger(), nullable=False),
        sa.Column("elderly", sa.Boolean(), nullable=False),
        sa.Column("disability", sa.Boolean(), nullable=False),
        sa.Column("needs_ground_floor", sa.Boolean(), nullable=False),
        sa.Column("original_resident", sa.Boolean(), nullable=False),
        sa.Column("joined_on", sa.Date(), nullable=True),
        sa.Column("savings_pokok", sa.BigInteger(), nullable=False),
        sa.Column("savings_wajib", sa.BigInteger(), nullable=False),
        sa.Column("savings_sukarela", sa.BigInteger(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("household_size >= 1 AND household_size <= 30", name=op.f("ck_member_household_size")),
        sa.CheckConstraint(
            "monthly_income >= 0 AND savings_pokok >= 0 AND savings_wajib >= 0 AND savings_sukarela >= 0",
            name=op.f("ck_member_amounts"),
        ),
        sa.ForeignKeyConstraint(
            ["cooperative_id"],
            ["cooperative.id"],
            name=op.f("fk_member_cooperative_id_cooperative"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_member")),
        sa.UniqueConstraint("cooperative_id", "number", name="uq_member_cooperative_id"),
    )
    with op.batch_alter_table("member", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_member_cooperative_id"), ["cooperative_id"], unique=False)

    op.create_table(
        "allocation_meeting",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("scenario_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("method", sa.String(length=12), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("seed_hash", sa.String(length=64), nullable=True),
        sa.Column("seed", sa.String(length=200), nullable=True),
        sa.Column("members_present", sa.Integer(), nullable=True),
        sa.Column("members_total", sa.Integer(), nullable=True),
        sa.Column("chair", sa.String(length=200), nullable=True),
        sa.Column("secretary", sa.String(length=200), nullable=True),
        sa.Column("witness_1", sa.String(length=200), nullable=True),
        sa.Column("witness_2", sa.String(length=200), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("method IN ('priority', 'lottery', 'optimal')", name=op.f("ck_allocation_meeting_method")),
        sa.CheckConstraint(
            "status IN ('draft', 'published', 'held', 'confirmed')", name=op.f("ck_allocation_meeting_status")
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["project.id"], name=op.f("fk_allocation_meeting_project_id_project"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["scenario_id"],
            ["scenario.id"],
            name=op.f("fk_allocation_meeting_scenario_id_scenario"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_allocation_meeting")),
    )
    with op.batch_alter_table("allocation_meeting", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_allocation_meeting_project_id"), ["project_id"], unique=False)

    op.create_table(
        "meeting_participant",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("preferences", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["allocation_meeting.id"],
            name=op.f("fk_meeting_participant_meeting_id_allocation_meeting"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["member.id"], name=op.f("fk_meeting_participant_member_id_member"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_participant")),
        sa.UniqueConstraint("meeting_id", "member_id", name="uq_meeting_participant_meeting_id"),
    )
    with op.batch_alter_table("meeting_participant", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_meeting_participant_meeting_id"), ["meeting_id"], unique=False)

    op.create_table(
        "unit_allocation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=True),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("unit_code", sa.String(length=32), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=True),
        sa.Column("draw_position", sa.Integer(), nullable=True),
        sa.Column("in_force", sa.Boolean(), nullable=False),
        sa.Column("ended_reason", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["allocation_meeting.id"],
            name=op.f("fk_unit_allocation_meeting_id_allocation_meeting"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["member.id"], name=op.f("fk_unit_allocation_member_id_member"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["project.id"], name=op.f("fk_unit_allocation_project_id_project"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unit_allocation")),
    )
    with op.batch_alter_table("unit_allocation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_unit_allocation_member_id"), ["member_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_unit_allocation_project_id"), ["project_id"], unique=False)
        batch_op.create_index(
            "uq_unit_allocation_member",
            ["project_id", "member_id"],
            unique=True,
            sqlite_where=sa.text("in_force"),
            postgresql_where=sa.text("in_force"),
        )
        batch_op.create_index(
            "uq_unit_allocation_unit",
            ["project_id", "unit_code"],
            unique=True,
            sqlite_where=sa.text("in_force"),
            postgresql_where=sa.text("in_force"),
        )


def downgrade() -> None:
    with op.batch_alter_table("unit_allocation", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_unit_allocation_unit", sqlite_where=sa.text("in_force"), postgresql_where=sa.text("in_force")
        )
        batch_op.drop_index(
            "uq_unit_allocation_member", sqlite_where=sa.text("in_force"), postgresql_where=sa.text("in_force")
        )
        batch_op.drop_index(batch_op.f("ix_unit_allocation_project_id"))
        batch_op.drop_index(batch_op.f("ix_unit_allocation_member_id"))

    op.drop_table("unit_allocation")
    with op.batch_alter_table("meeting_participant", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_meeting_participant_meeting_id"))

    op.drop_table("meeting_participant")
    with op.batch_alter_table("allocation_meeting", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_allocation_meeting_project_id"))

    op.drop_table("allocation_meeting")
    with op.batch_alter_table("member", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_member_cooperative_id"))

    op.drop_table("member")
