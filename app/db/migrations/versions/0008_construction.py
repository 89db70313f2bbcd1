"""Construction: the contract and its handover, blocks' footprints, work packages, progress reports and their
entries, site photos, show-cause meetings and actual costs.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23 18:49:36.862809
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import app.db.base
from app.db.types import Geometry

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "building_footprint",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("building_code", sa.String(length=8), nullable=False),
        sa.Column("geom", Geometry("MULTIPOLYGON"), nullable=False),
        sa.Column("area_m2", sa.Float(), nullable=False),
        sa.Column("created_at", app.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", app.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"], ["project.id"], name=op.f("fk_building_footprint_project_id_project"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_building_footprint")),
        sa.UniqueConstraint("project_id", "building_code", name="uq_building_footprint_project_id"),
    )
    with op.batch_alter_table("building_footprint", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_building_footprint_project_id"), ["project_id"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        op.create_index("ix_building_footprint_geom", "building_footprint", ["geom"], postgresql_using="gist")

    op.create_table(
        "cost_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("entry_date", sa.Date(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("division", sa.String(length=20), nullable=False),
        sa.Column("line", sa.String(length=40), nullable=True),
        sa.Column("building_code", sa.String(length=8), nullable=True),
        sa.Column("payee", sa.String(length=200), nullable=True),
        sa.Column("reference", sa.String(length=64), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", app.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", app.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount <> 0", name=op.f("ck_cost_entry_amount")),
        sa.ForeignKeyConstraint(
            ["project_id"], ["project.id"], name=op.f("fk_cost_entry_project_id_project"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cost_entry")),
        sa.UniqueConstraint("project_id", "reference", name="uq_cost_entry_project_id"),
    )
    with op.batch_alter_table("cost_entry", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cost_entry_project_id"), ["project_id"], unique=False)

    op.create_table(
        "progress_report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("report_date", sa.Date(), nullable=False),
        sa.Column("reporter", sa.String(length=200), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("workers", sa.Integer(), nullable=True),
        sa.Column("weather", sa.String(length=100), nullable=True),
        sa.Column("problems", sa.Text(), nullable=True),
        sa.Column("created_at", app.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", app.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("workers IS NULL OR workers >= 0", name=op.f("ck_progress_report_workers")),
        sa.ForeignKeyConstraint(
            ["project_id"], ["project.id"], name=op.f("fk_progress_report_project_id_project"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_progress_report")),
        sa.UniqueConstraint("project_id", "report_date", name="uq_progress_report_project_id"),
    )
    with op.batch_alter_table("progress_report", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_progress_report_project_id"), ["project_id"], unique=False)

    op.create_table(
        "show_cause_meeting",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("target_pct", sa.Numeric(precision=5, scale=2), nullable=False),
        sa.Column("target_date", sa.Date(), nullable=False),
        sa.Column("outcome", sa.String(length=8), nullable=True),
        sa.Column("minutes", sa.String(length=200), nullable=True),
        sa.Column("created_at", app.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", app.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "outcome IS NULL OR outcome IN ('met', 'missed')", name=op.f("ck_show_cause_meeting_outcome")
        ),
        sa.CheckConstraint("level IN (1, 2, 3)", name=op.f("ck_show_cause_meeting_level")),
        sa.CheckConstraint("target_pct >= 0 AND target_pct <= 100", name=op.f("ck_show_cause_meeting_target")),
        sa.ForeignKeyConstraint(
            ["project_id"], ["project.id"], name=op.f("fk_show_cause_meeting_project_id_project"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_show_cause_meeting")),
        sa.UniqueConstraint("project_id", "level", "held_on", name="uq_show_cause_meeting_project_id"),
    )
    with op.batch_alter_table("show_cause_meeting", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_show_cause_meeting_project_id"), ["project_id"], unique=False)

    op.create_table(
        "work_package",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("building_code", sa.String(length=8), nullable=False),
        sa.Column("division", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("cost", sa.BigInteger(), nullable=False),
        sa.Column("weight_pct", sa.Numeric(precision=6, scale=3), nullable=False),
        sa.Column("start", sa.Date(), nullable=False),
        sa.Column("finish", sa.Date(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("created_at", app.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", app.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("cost >= 0 AND weight_pct >= 0 AND weight_pct <= 100", name=op.f("ck_work_package_amounts")),
        sa.CheckConstraint("finish >= start", name=op.f("ck_work_package_dates")),
        sa.ForeignKeyConstraint(
            ["project_id"], ["project.id"], name=op.f("fk_work_package_project_id_project"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_work_package")),
        sa.UniqueConstraint("project_id", "code", name="uq_work_package_project_id"),
    )
    with op.batch_alter_table("work_package", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_work_package_project_id"), ["project_id"], unique=False)

    op.create_table(
        "construction",
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("scenario_id", sa.Integer(), nullable=False),
        sa.Column("started_on", sa.Date(), nullable=False),
        sa.Column("contractor", sa.String(length=200), nullable=True),
        sa.Column("supervisor", sa.String(length=200), nullable=True),
        sa.Column("contract_value", sa.BigInteger(), nullable=False),
        sa.Column("retention_pct", sa.Numeric(precision=5, scale=2), nullable=False),
        sa.Column("maintenance_days", sa.Integer(), nullable=False),
        sa.Column("pho_on", sa.Date(), nullable=True),
        sa.Column("pho_reference", sa.String(length=100), nullable=True),
        sa.Column("fho_on", sa.Date(), nullable=True),
        sa.Column("fho_reference", sa.String(length=100), nullable=True),
        sa.Column("created_at", app.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", app.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("contract_value >= 0", name=op.f("ck_construction_contract_value")),
        sa.CheckConstraint(
            "fho_on IS NULL OR (pho_on IS NOT NULL AND fho_on >= pho_on)", name=op.f("ck_construction_handover_order")
        ),
        sa.CheckConstraint("maintenance_days >= 0", name=op.f("ck_construction_maintenance")),
        sa.CheckConstraint("retention_pct >= 0 AND retention_pct <= 100", name=op.f("ck_construction_retention")),
        sa.ForeignKeyConstraint(
            ["project_id"], ["project.id"], name=op.f("fk_construction_project_id_project"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["scenario_id"], ["scenario.id"], name=op.f("fk_construction_scenario_id_scenario"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("project_id", name=op.f("pk_construction")),
    )
    with op.batch_alter_table("construction", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_construction_scenario_id"), ["scenario_id"], unique=False)

    op.create_table(
        "progress_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("package_id", sa.Integer(), nullable=False),
        sa.Column("percent", sa.Numeric(precision=5, scale=2), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.CheckConstraint("percent >= 0 AND percent <= 100", name=op.f("ck_progress_entry_percent")),
        sa.ForeignKeyConstraint(
            ["package_id"],
            ["work_package.id"],
            name=op.f("fk_progress_entry_package_id_work_package"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["progress_report.id"],
            name=op.f("fk_progress_entry_report_id_progress_report"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_progress_entry")),
        sa.UniqueConstraint("report_id", "package_id", name="uq_progress_entry_report_id"),
    )
    with op.batch_alter_table("progress_entry", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_progress_entry_package_id"), ["package_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_progress_entry_report_id"), ["report_id"], unique=False)

    op.create_table(
        "site_photo",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=True),
        sa.Column("building_code", sa.String(length=8), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("format", sa.String(length=8), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("taken_at", app.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("caption", sa.String(length=300), nullable=True),
        sa.Column("created_at", app.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", app.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"], ["project.id"], name=op.f("fk_site_photo_project_id_project"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["progress_report.id"],
            name=op.f("fk_site_photo_report_id_progress_report"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_site_photo")),
        sa.UniqueConstraint("project_id", "sha256", name="uq_site_photo_project_id"),
    )
    with op.batch_alter_table("site_photo", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_site_photo_project_id"), ["project_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_site_photo_report_id"), ["report_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("site_photo", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_site_photo_report_id"))
        batch_op.drop_index(batch_op.f("ix_site_photo_project_id"))

    op.drop_table("site_photo")
    with op.batch_alter_table("progress_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_progress_entry_report_id"))
        batch_op.drop_index(batch_op.f("ix_progress_entry_package_id"))

    op.drop_table("progress_entry")
    with op.batch_alter_table("construction", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_construction_scenario_id"))

    op.drop_table("construction")
    with op.batch_alter_table("work_package", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_work_package_project_id"))

    op.drop_table("work_package")
    with op.batch_alter_table("show_cause_meeting", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_show_cause_meeting_project_id"))

    op.drop_table("show_cause_meeting")
    with op.batch_alter_table("progress_report", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_progress_report_project_id"))

    op.drop_table("progress_report")
    with op.batch_alter_table("cost_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cost_entry_project_id"))

    op.drop_table("cost_entry")
    with op.batch_alter_table("building_footprint", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_building_footprint_project_id"))

    op.drop_table("building_footprint")
