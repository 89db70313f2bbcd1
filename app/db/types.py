"""A geometry column that is PostGIS on PostgreSQL and WKB on SQLite, shapely in Python on both.

GeoAlchemy2 would need SpatiaLite on SQLite, which a fresh laptop lacks; this keeps one model for
both databases. Always EPSG:4326.
"""

from __future__ import annotations

from typing import Any

import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy import LargeBinary
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, UserDefinedType

SRID = 4326


class PostGISGeometry(UserDefinedType):
    cache_ok = True

    def __init__(self, geometry_type: str = "GEOMETRY", srid: int = SRID) -> None:
        self.geometry_type = geometry_type.upper()
        self.srid = srid

    def get_col_spec(self, **_: Any) -> str:
        return f"geometry({self.geometry_type},{self.srid})"


class Geometry(TypeDecorator):
    impl = LargeBinary
    cache_ok = True

    def __init__(self, geometry_type: str = "GEOMETRY", srid: int = SRID) -> None:
        super().__init__()
        self.geometry_type = geometry_type.upper()
        self.srid = srid

    def load_dialect_impl(self, dialect: Dialect):
        if dialect.name == "postgresql":
            return dialect.type_descriptor(PostGISGeometry(self.geometry_type, self.srid))
        return dialect.type_descriptor(LargeBinary())

    def process_bind_param(self, value: BaseGeometry | None, dialect: Dialect):
        if value is None:
            return None
        if not isinstance(value, BaseGeometry):
            raise TypeError(f"expected a shapely geometry, got {type(value).__name__}")
        return self.encode(value, dialect)

    def encode(self, geoms, dialect: Dialect):
        """One shapely geometry, or a numpy array of them at once (bulk imports), as this column stores it."""
        if dialect.name == "postgresql":
            # Hex EWKB carries the SRID, which PostGIS checks against the column's.
            return shapely.to_wkb(shapely.set_srid(geoms, self.srid), hex=True, include_srid=True)
        return shapely.to_wkb(geoms)

    def process_result_value(self, value: Any, dialect: Dialect) -> BaseGeometry | None:
        if value is None:
            return None
        if isinstance(value, memoryview):
            value = bytes(value)
        geom = shapely.from_wkb(value)
        return shapely.set_srid(geom, 0) if shapely.get_srid(geom) else geom


def register_postgis_reflection() -> None:
    """Let PostgreSQL reflection (Alembic's comparisons) recognise PostGIS columns."""
    from sqlalchemy.dialects.postgresql.base import ischema_names

    ischema_names.setdefault("geometry", PostGISGeometry)
