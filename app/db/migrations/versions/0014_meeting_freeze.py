"""What an allocation meeting froze when its hash was published (filled in by the meetings work).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-08 03:25:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Meetings published before this revision keep no snapshot: their draw reads the members as they are, as it
    # always did (the app says so on their page).
    with op.batch_alter_table("allocation_meeting") as batch:
        batch.add_column(sa.Column("frozen", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("frozen_hash", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("allocation_meeting") as batch:
        batch.drop_column("frozen_hash")
        batch.drop_column("frozen")
