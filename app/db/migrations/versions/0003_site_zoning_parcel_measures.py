"""Zoning per site (KDB, KLB, KDH, GSB, floors, unit mix) and each parcel's measured area and perimeter.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

DEFAULT_UNIT_MIX = [{"name": "Tipe 36", "net_area_m2": 36.0, "share": 1.0}]

def _site_columns() -> list[sa.Column]:
    return [
        sa.Column("kdb_pct", sa.Float(), nullable=False, server_default="60"),
        sa.Column("klb", sa.Float(), nullable=False, server_default="3"),
        sa.Column("kdh_pct", sa.Float(), nullable=False, server_default="20"),
        sa.Column("gsb_front_m", sa.Float(), nullable=False, server_default="4"),
        sa.Column("gsb_side_m", sa.Float(), nullable=False, server_default="0"),
        sa.Column("gsb_rear_m", sa.Float(), nullable=False, server_default="0"),
        sa.Column("max_floors", sa.Integer(), nullable=True, server_default="8"),
        sa.Column("max_height_m", sa.Float(), nullable=True),
        sa.Column("floor_height_m", sa.Float(), nullable=False, server_default="3.2"),
        sa.Column("front_azimuth_deg", sa.Float(), nullable=True),
        sa.Column("efficiency", sa.Float(), nullable=False, server_default="0.75"),
        sa.Column("unit_mix", sa.JSON(), nullable=True),
    ]


def upgrade() -> None:
    with op.batch_alter_table("site") as batch:
        for column in _site_columns():
            batch.add_column(column)
    bind = op.get_bind()
    bind.execute(sa.text("UPDATE site SET unit_mix = :mix"), {"mix": json.dumps(DEFAULT_UNIT_MIX)})
    with op.batch_alter_table("site") as batch:
        batch.alter_column("unit_mix", existing_type=sa.JSON(), nullable=False)

    with op.batch_alter_table("parcel") as batch:
        batch.add_column(sa.Column("area_m2", sa.Float(), nullable=True))
        batch.add_column(sa.Column("perimeter_m", sa.Float(), nullable=True))
    _measure_existing_parcels(bind)
    with op.batch_alter_table("parcel") as batch:
        batch.alter_column("area_m2", existing_type=sa.Float(), nullable=False)
        batch.alter_column("perimeter_m", existing_type=sa.Float(), nullable=False)


def _measure_existing_parcels(bind) -> None:
    import shapely

    from gis.measure import area_m2, perimeter_m

    if bind.dialect.name == "postgresql":
        rows = bind.execute(sa.text("SELECT id, ST_AsBinary(geom) FROM parcel")).all()
    else:
        rows = bind.execute(sa.text("SELECT id, geom FROM parcel")).all()
    for parcel_id, wkb in rows:
        geom = shapely.from_wkb(bytes(wkb))
        bind.execute(sa.text("UPDATE parcel SET area_m2 = :a, perimeter_m = :p WHERE id = :id"),
                     {"a": area_m2(geom), "p": perimeter_m(geom), "id": parcel_id})


def downgrade() -> None:
    with op.batch_alter_table("parcel") as batch:
        batch.drop_column("perimeter_m")
        batch.drop_column("area_m2")
    with op.batch_alter_table("site") as batch:
        for column in reversed(_site_columns()):
            batch.drop_column(column.name)
