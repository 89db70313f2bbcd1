"""Public pages of projects (what each shows, its story and figures' references) and the public mark of a photo.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-23 19:02:03.518278
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import app.db.base

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "publication",
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("published", sa.Boolean(), nullable=False),
        sa.Column("published_at", app.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("show_site", sa.Boolean(), nullable=False),
        sa.Column("show_progress", sa.Boolean(), nullable=False),
        sa.Column("show_photos", sa.Boolean(), nullable=False),
        sa.Column("show_figures", sa.Boolean(), nullable=False),
        sa.Column("show_story", sa.Boolean(), nullable=False),
        sa.Column("show_timeline", sa.Boolean(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=True),
        sa.Column("story_md", sa.Text(), nullable=True),
        sa.Column("reference_price_per_m2", sa.BigInteger(), nullable=True),
        sa.Column("typical_rent", sa.BigInteger(), nullable=True),
        sa.Column("timeline", sa.JSON(), nullable=False),
        sa.Column("changed_on", sa.Date(), nullable=True),
        sa.Column("created_at", app.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", app.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "reference_price_per_m2 IS NULL OR reference_price_per_m2 > 0", name=op.f("ck_publication_reference_price")
        ),
        sa.CheckConstraint("typical_rent IS NULL OR typical_rent > 0", name=op.f("ck_publication_typical_rent")),
        sa.ForeignKeyConstraint(
            ["project_id"], ["project.id"], name=op.f("fk_publication_project_id_project"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("project_id", name=op.f("pk_publication")),
    )
    with op.batch_alter_table("site_photo", schema=None) as batch_op:
        batch_op.add_column(sa.Column("public", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("site_photo", schema=None) as batch_op:
        batch_op.drop_column("public")

    op.drop_table("publication")
