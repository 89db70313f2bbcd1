"""Costing: price libraries (resources, AHSP analyses) and design scenarios with buildings, unit types and RAB.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "price_library",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("region", sa.String(length=100), nullable=False),
        sa.Column("effective_date", sa.Date(), nullable=False),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("illustrative", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_price_library")),
        sa.UniqueConstraint("code", name="uq_price_library_code"),
    )
    op.create_table(
        "ahsp_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("library_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("unit", sa.String(length=16), nullable=False),
        sa.Column("division", sa.String(length=20), nullable=False),
        sa.Column("overhead_pct", sa.Numeric(precision=5, scale=2), nullable=False),
        sa.ForeignKeyConstraint(
            ["library_id"], ["price_library.id"], name=op.f("fk_ahsp_item_library_id_price_library"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ahsp_item")),
        sa.UniqueConstraint("library_id", "code", name="uq_ahsp_item_library_id"),
    )
    with op.batch_alter_table("ahsp_item", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ahsp_item_library_id"), ["library_id"], unique=False)

    op.create_table(
        "price_resource",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("library_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("unit", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("price", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("kind IN ('labour', 'material', 'equipment')", name=op.f("ck_price_resource_kind")),
        sa.CheckConstraint("price >= 0", name=op.f("ck_price_resource_price")),
        sa.ForeignKeyConstraint(
            ["library_id"],
            ["price_library.id"],
            name=op.f("fk_price_resource_library_id_price_library"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_price_resource")),
        sa.UniqueConstraint("library_id", "code", name="uq_price_resource_library_id"),
    )
    with op.batch_alter_table("price_resource", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_price_resource_library_id"), ["library_id"], unique=False)

    op.create_table(
        "ahsp_coefficient",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("resource_code", sa.String(length=32), nullable=False),
        sa.Column("coefficient", sa.Numeric(precision=14, scale=6), nullable=False),
        sa.CheckConstraint("coefficient >= 0", name=op.f("ck_ahsp_coefficient_coefficient")),
        sa.ForeignKeyConstraint(
            ["item_id"], ["ahsp_item.id"], name=op.f("fk_ahsp_coefficient_item_id_ahsp_item"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ahsp_coefficient")),
    )
    with op.batch_alter_table("ahsp_coefficient", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ahsp_coefficient_item_id"), ["item_id"], unique=False)

    op.create_table(
        "scenario",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("is_current", sa.Boolean(), nullable=False),
        sa.Column("cost_method", sa.String(length=12), nullable=False),
        sa.Column("building_type", sa.String(length=40), nullable=False),
        sa.Column("rate_per_m2", sa.BigInteger(), nullable=True),
        sa.Column("price_library_id", sa.Integer(), nullable=True),
        sa.Column("infrastructure", sa.BigInteger(), nullable=False),
        sa.Column("land", sa.BigInteger(), nullable=False),
        sa.Column("contingency_pct", sa.Numeric(precision=5, scale=2), nullable=False),
        sa.Column("tax_preset", sa.String(length=24), nullable=False),
        sa.Column("tax_rate_pct", sa.Numeric(precision=5, scale=2), nullable=True),
        sa.Column("soft_costs", sa.JSON(), nullable=False),
        sa.Column("allocation", sa.String(length=12), nullable=False),
        sa.Column("floor_factors", sa.JSON(), nullable=False),
        sa.Column("financing", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("allocation IN ('area', 'equal', 'weights')", name=op.f("ck_scenario_allocation")),
        sa.CheckConstraint("cost_method IN ('parametric', 'rab')", name=op.f("ck_scenario_cost_method")),
        sa.CheckConstraint("infrastructure >= 0 AND land >= 0", name=op.f("ck_scenario_amounts")),
        sa.ForeignKeyConstraint(
            ["price_library_id"],
            ["price_library.id"],
            name=op.f("fk_scenario_price_library_id_price_library"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["project.id"], name=op.f("fk_scenario_project_id_project"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scenario")),
        sa.UniqueConstraint("project_id", "name", name="uq_scenario_project_id"),
    )
    with op.batch_alter_table("scenario", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_scenario_project_id"), ["project_id"], unique=False)
    # At most one current scenario per project, whoever edits at the same time.
    op.create_index(
        "uq_scenario_current",
        "scenario",
        ["project_id"],
        unique=True,
        sqlite_where=sa.text("is_current"),
        postgresql_where=sa.text("is_current"),
    )

    op.create_table(
        "building",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scenario_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=8), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("floors", sa.Integer(), nullable=False),
        sa.Column("units_per_floor", sa.JSON(), nullable=False),
        sa.Column("common_area_m2_per_floor", sa.Numeric(precision=8, scale=2), nullable=False),
        sa.Column("ground_floor_units", sa.Boolean(), nullable=False),
        sa.CheckConstraint("floors >= 1 AND common_area_m2_per_floor >= 0", name=op.f("ck_building_sizes")),
        sa.ForeignKeyConstraint(
            ["scenario_id"], ["scenario.id"], name=op.f("fk_building_scenario_id_scenario"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_building")),
        sa.UniqueConstraint("scenario_id", "code", name="uq_building_scenario_id"),
    )
    with op.batch_alter_table("building", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_building_scenario_id"), ["scenario_id"], unique=False)

    op.create_table(
        "design_unit_type",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scenario_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("net_area_m2", sa.Numeric(precision=8, scale=2), nullable=False),
        sa.Column("bedrooms", sa.Integer(), nullable=False),
        sa.CheckConstraint("net_area_m2 > 0 AND bedrooms >= 0", name=op.f("ck_design_unit_type_sizes")),
        sa.ForeignKeyConstraint(
            ["scenario_id"], ["scenario.id"], name=op.f("fk_design_unit_type_scenario_id_scenario"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_design_unit_type")),
        sa.UniqueConstraint("scenario_id", "code", name="uq_design_unit_type_scenario_id"),
    )
    with op.batch_alter_table("design_unit_type", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_design_unit_type_scenario_id"), ["scenario_id"], unique=False)

    op.create_table(
        "rab_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scenario_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("division", sa.String(length=20), nullable=False),
        sa.Column("item_code", sa.String(length=32), nullable=False),
        sa.Column("volume", sa.Numeric(precision=16, scale=4), nullable=False),
        sa.Column("building", sa.String(length=8), nullable=True),
        sa.Column("note", sa.String(length=200), nullable=True),
        sa.CheckConstraint("volume >= 0", name=op.f("ck_rab_entry_volume")),
        sa.ForeignKeyConstraint(
            ["scenario_id"], ["scenario.id"], name=op.f("fk_rab_entry_scenario_id_scenario"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rab_entry")),
    )
    with op.batch_alter_table("rab_entry", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rab_entry_scenario_id"), ["scenario_id"], unique=False)


def downgrade() -> None:
    op.drop_index("uq_scenario_current", table_name="scenario")
    with op.batch_alter_table("rab_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rab_entry_scenario_id"))

    op.drop_table("rab_entry")
    with op.batch_alter_table("design_unit_type", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_design_unit_type_scenario_id"))

    op.drop_table("design_unit_type")
    with op.batch_alter_table("building", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_building_scenario_id"))

    op.drop_table("building")
    with op.batch_alter_table("scenario", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_scenario_project_id"))

    op.drop_table("scenario")
    with op.batch_alter_table("ahsp_coefficient", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ahsp_coefficient_item_id"))

    op.drop_table("ahsp_coefficient")
    with op.batch_alter_table("price_resource", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_price_resource_library_id"))

    op.drop_table("price_resource")
    with op.batch_alter_table("ahsp_item", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ahsp_item_library_id"))

    op.drop_table("ahsp_item")
    op.drop_table("price_library")
