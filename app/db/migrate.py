"""Alembic, driven from code so `japra db upgrade` works from any directory."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import LargeBinary

from app.db.engine import get_engine
from app.db.types import Geometry, PostGISGeometry, register_postgis_reflection

register_postgis_reflection()

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def compare_type(context, inspected_column, metadata_column, inspected_type, metadata_type):
    """Our Geometry is BLOB on SQLite and PostGIS on PostgreSQL: either counts as the same column."""
    if isinstance(metadata_column.type, Geometry):
        return not isinstance(inspected_type, (PostGISGeometry, LargeBinary))
    return None  # Alembic's own comparison for every other type


# Tables that extensions own (PostGIS's spatial reference list); never ours to create or drop.
FOREIGN_TABLES = {"spatial_ref_sys"}
# GiST indexes exist on PostgreSQL only, made by the migrations (tested in tests/app/db/test_db.py).
POSTGIS_INDEXES = {"ix_parcel_geom", "ix_building_footprint_geom"}


def include_name(name, type_, parent_names) -> bool:
    return not ((type_ == "table" and name in FOREIGN_TABLES) or (type_ == "index" and name in POSTGIS_INDEXES))


def alembic_config(url: str | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["database_url"] = url
    return cfg


def upgrade(url: str | None = None, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str | None = None, revision: str = "-1") -> None:
    command.downgrade(alembic_config(url), revision)


def current_revision(url: str | None = None) -> str | None:
    with get_engine(url).connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()
