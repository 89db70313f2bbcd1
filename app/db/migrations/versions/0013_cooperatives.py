"""A cooperative's details for its documents (badan hukum, address, officers, contact) and whether it is active.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-08 03:25:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


# The widths as this revision sets them (kernel.limits at the time), written out so a later change is its own migration.
COLUMNS = (
    ("badan_hukum_number", 100),
    ("address", 500),
    ("chair", 200),
    ("secretary", 200),
    ("treasurer", 200),
    ("phone", 32),
    ("contact_email", 254),
)


def upgrade() -> None:
    # batch: SQLite's ALTER TABLE cannot drop a column on older versions; the same path both ways on both databases.
    with op.batch_alter_table("cooperative") as batch:
        for name, width in COLUMNS:
            batch.add_column(sa.Column(name, sa.String(width), nullable=True))
        # Every cooperative stored so far is active: the founders keep working as before.
        batch.add_column(sa.Column("is_active", sa.Boolean(), nullable=False, server_default=sa.true()))


def downgrade() -> None:
    with op.batch_alter_table("cooperative") as batch:
        batch.drop_column("is_active")
        for name, _width in reversed(COLUMNS):
            batch.drop_column(name)
