"""A cooperative's details for its documents (legal name, badan hukum, address, officers, contact) and whether it is active (filled in by the cooperatives work).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-08 03:25:00
"""

from __future__ import annotations

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
