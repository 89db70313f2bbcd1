"""Core: cooperatives, projects, sites and land parcels.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from app.db.types import Geometry

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def _timestamps() -> list[sa.Column]:
    return [sa.Column("created_at", TS, nullable=False), sa.Column("updated_at", TS, nullable=False)]


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS postgis")

    op.create_table(
        "cooperative",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("slug", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("legal_name", sa.String(200)),
        sa.Column("kelurahan", sa.String(100)),
        sa.Column("kecamatan", sa.String(100)),
        sa.Column("city", sa.String(100)),
        sa.Column("description", sa.Text()),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name="pk_cooperative"),
        sa.UniqueConstraint("slug", name="uq_cooperative_slug"),
    )
    op.create_table(
        "project",
        sa.Column("id", sa.Integer()),
        sa.Column("cooperative_id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("stage", sa.String(20), nullable=False),
        sa.Column("description", sa.Text()),
        *_timestamps(),
        sa.CheckConstraint(
            "stage IN ('inisiasi', 'perencanaan', 'perizinan', 'konstruksi', 'serah_terima', 'dihuni')",
            name="ck_project_stage",
        ),
        sa.ForeignKeyConstraint(
            ["cooperative_id"], ["cooperative.id"],
            name="fk_project_cooperative_id_cooperative", ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_project"),
        sa.UniqueConstraint("slug", name="uq_project_slug"),
    )
    op.create_index("ix_project_cooperative_id", "project", ["cooperative_id"])
    op.create_table(
        "site",
        sa.Column("id", sa.Integer()),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("address", sa.String(300)),
        sa.Column("kelurahan", sa.String(100)),
        sa.Column("kecamatan", sa.String(100)),
        sa.Column("city", sa.String(100)),
        *_timestamps(),
        sa.ForeignKeyConstraint(["project_id"], ["project.id"], name="fk_site_project_id_project", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_site"),
        sa.UniqueConstraint("project_id", name="uq_site_project_id"),
    )
    op.create_table(
        "parcel",
        sa.Column("id", sa.Integer()),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("land_status", sa.String(20), nullable=False),
        sa.Column("holder", sa.String(200)),
        sa.Column("notes", sa.Text()),
        sa.Column("geom", Geometry("MULTIPOLYGON"), nullable=False),
        sa.Column("min_lon", sa.Float(), nullable=False),
        sa.Column("min_lat", sa.Float(), nullable=False),
        sa.Column("max_lon", sa.Float(), nullable=False),
        sa.Column("max_lat", sa.Float(), nullable=False),
        *_timestamps(),
        sa.CheckConstraint(
            "land_status IN ('SHM', 'HGB', 'HPL', 'hak_pakai', 'tanah_negara', 'girik_adat', 'unknown')",
            name="ck_parcel_land_status",
        ),
        sa.ForeignKeyConstraint(["site_id"], ["site.id"], name="fk_parcel_site_id_site", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_parcel"),
        sa.UniqueConstraint("site_id", "code", name="uq_parcel_site_code"),
    )
    op.create_index("ix_parcel_site_id", "parcel", ["site_id"])
    op.create_index("ix_parcel_bbox", "parcel", ["min_lon", "min_lat", "max_lon", "max_lat"])
    if op.get_bind().dialect.name == "postgresql":
        op.create_index("ix_parcel_geom", "parcel", ["geom"], postgresql_using="gist")


def downgrade() -> None:
    op.drop_table("parcel")
    op.drop_table("site")
    op.drop_table("project")
    op.drop_table("cooperative")
