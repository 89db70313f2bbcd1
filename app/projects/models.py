from __future__ import annotations

import enum
from typing import TYPE_CHECKING

from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry
from sqlalchemy import CheckConstraint, Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from app.db.base import Base, Timestamped
from app.db.types import Geometry

if TYPE_CHECKING:
    from app.cooperatives.models import Cooperative


class ProjectStage(enum.StrEnum):
    """Stages in the order a kampung housing project goes through them."""

    INISIASI = "inisiasi"
    PERENCANAAN = "perencanaan"
    PERIZINAN = "perizinan"
    KONSTRUKSI = "konstruksi"
    SERAH_TERIMA = "serah_terima"
    DIHUNI = "dihuni"


class LandStatus(enum.StrEnum):
    SHM = "SHM"
    HGB = "HGB"
    HPL = "HPL"
    HAK_PAKAI = "hak_pakai"
    TANAH_NEGARA = "tanah_negara"
    GIRIK_ADAT = "girik_adat"
    UNKNOWN = "unknown"


def _in_list(column: str, enum_cls: type[enum.StrEnum]) -> str:
    return f"{column} IN ({', '.join(repr(m.value) for m in enum_cls)})"


class Project(Timestamped, Base):
    __tablename__ = "project"
    __table_args__ = (CheckConstraint(_in_list("stage", ProjectStage), name="stage"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperative.id", ondelete="RESTRICT"), index=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    stage: Mapped[str] = mapped_column(String(20), default=ProjectStage.INISIASI.value)
    description: Mapped[str | None] = mapped_column(Text)

    cooperative: Mapped[Cooperative] = relationship(back_populates="projects")
    site: Mapped[Site | None] = relationship(back_populates="project", uselist=False, cascade="all, delete-orphan")


class Site(Timestamped, Base):
    """The land a project builds on; its outline is the union of its parcels. Zoning comes here later."""

    __tablename__ = "site"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(String(300))
    kelurahan: Mapped[str | None] = mapped_column(String(100))
    kecamatan: Mapped[str | None] = mapped_column(String(100))
    city: Mapped[str | None] = mapped_column(String(100))

    project: Mapped[Project] = relationship(back_populates="site")
    parcels: Mapped[list[Parcel]] = relationship(
        back_populates="site", cascade="all, delete-orphan", order_by="Parcel.code"
    )


class Parcel(Timestamped, Base):
    """A land parcel (bidang tanah), stored as a MultiPolygon in EPSG:4326 with its bounding box."""

    __tablename__ = "parcel"
    __table_args__ = (
        UniqueConstraint("site_id", "code", name="uq_parcel_site_code"),
        CheckConstraint(_in_list("land_status", LandStatus), name="land_status"),
        # Cheap bbox filtering on SQLite; PostgreSQL also gets a GiST index on geom (see migration).
        Index("ix_parcel_bbox", "min_lon", "min_lat", "max_lon", "max_lat"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(64))
    land_status: Mapped[str] = mapped_column(String(20), default=LandStatus.UNKNOWN.value)
    holder: Mapped[str | None] = mapped_column(String(200))
    notes: Mapped[str | None] = mapped_column(Text)
    geom: Mapped[BaseGeometry] = mapped_column(Geometry("MULTIPOLYGON"))
    min_lon: Mapped[float] = mapped_column(Float)
    min_lat: Mapped[float] = mapped_column(Float)
    max_lon: Mapped[float] = mapped_column(Float)
    max_lat: Mapped[float] = mapped_column(Float)

    site: Mapped[Site] = relationship(back_populates="parcels")

    @validates("geom")
    def _keep_bbox(self, _key: str, geom: BaseGeometry) -> MultiPolygon:
        if isinstance(geom, Polygon):
            geom = MultiPolygon([geom])
        if not isinstance(geom, MultiPolygon) or geom.is_empty:
            raise ValueError("a parcel is a non-empty polygon or multipolygon")
        self.min_lon, self.min_lat, self.max_lon, self.max_lat = geom.bounds
        return geom
