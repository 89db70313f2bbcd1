"""What an allocation meeting froze when its hash was published (filled in by the meetings work).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-08 03:25:00
"""

from __future__ import annotations

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
