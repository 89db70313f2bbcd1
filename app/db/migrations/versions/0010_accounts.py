"""API tokens expire; failed sign-ins are counted per typed username, for the per-account delay.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-08 02:20:00
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


TS = sa.DateTime(timezone=True)

# Tokens made before this revision never ended. They get the default lifetime counted from the upgrade, not
# from their creation: counted from creation, every token older than 90 days would die at the upgrade and
# break the scripts using it without warning; this way the scripts keep working while `japra token list` shows
# each token's end, and the admins have the whole 90 days to replace them.
EXISTING_TOKENS_DAYS = 90


def upgrade() -> None:
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.add_column(sa.Column("expires_at", TS, nullable=True))
    api_token = sa.table("api_token", sa.column("expires_at", TS))
    op.execute(api_token.update().values(expires_at=datetime.now(UTC) + timedelta(days=EXISTING_TOKENS_DAYS)))
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.alter_column("expires_at", existing_type=TS, nullable=False)

    op.create_table(
        "sign_in_failure",
        sa.Column("account_key", sa.String(64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failed_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("account_key", name=op.f("pk_sign_in_failure")),
    )
    op.create_index(op.f("ix_sign_in_failure_last_failed_at"), "sign_in_failure", ["last_failed_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_sign_in_failure_last_failed_at"), table_name="sign_in_failure")
    op.drop_table("sign_in_failure")
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.drop_column("expires_at")
