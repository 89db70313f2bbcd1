"""Users, sign-in sessions, API tokens and the audit trail.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "app_user",
        sa.Column("id", sa.Integer()),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("display_name", sa.String(200)),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("cooperative_id", sa.Integer()),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("last_login_at", TS),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.CheckConstraint("role <> 'coop_officer' OR cooperative_id IS NOT NULL", name="ck_app_user_officer_has_coop"),
        sa.CheckConstraint("role IN ('admin', 'planner', 'coop_officer', 'viewer')", name="ck_app_user_role"),
        sa.ForeignKeyConstraint(
            ["cooperative_id"], ["cooperative.id"],
            name="fk_app_user_cooperative_id_cooperative", ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_app_user"),
        sa.UniqueConstraint("username", name="uq_app_user_username"),
    )
    op.create_table(
        "user_session",
        sa.Column("id", sa.Integer()),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("expires_at", TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["app_user.id"], name="fk_user_session_user_id_app_user", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_user_session"),
        sa.UniqueConstraint("token_hash", name="uq_user_session_token_hash"),
    )
    op.create_index("ix_user_session_user_id", "user_session", ["user_id"])
    op.create_table(
        "api_token",
        sa.Column("id", sa.Integer()),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(100)),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("last_used_at", TS),
        sa.Column("revoked_at", TS),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"], name="fk_api_token_user_id_app_user", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_api_token"),
        sa.UniqueConstraint("token_hash", name="uq_api_token_token_hash"),
    )
    op.create_index("ix_api_token_user_id", "api_token", ["user_id"])
    op.create_table(
        "audit_entry",
        sa.Column("id", sa.Integer()),
        sa.Column("at", TS, nullable=False),
        sa.Column("actor_id", sa.Integer()),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("entity_type", sa.String(64), nullable=False),
        sa.Column("entity_id", sa.String(64), nullable=False),
        sa.Column("cooperative_id", sa.Integer()),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["app_user.id"], name="fk_audit_entry_actor_id_app_user", ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["cooperative_id"], ["cooperative.id"],
            name="fk_audit_entry_cooperative_id_cooperative", ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_audit_entry"),
    )
    op.create_index("ix_audit_entry_at", "audit_entry", ["at"])


def downgrade() -> None:
    op.drop_table("audit_entry")
    op.drop_table("api_token")
    op.drop_table("user_session")
    op.drop_table("app_user")
