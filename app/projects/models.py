from __future__ import annotations

import enum
from typing import TYPE_CHECKING

from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry
from sqlalchemy import JSON, CheckConstraint, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from app.db.base import Base, Timestamped
from app.db.types import Geometry
from gis.measure import area_m2, perimeter_m
from kernel import limits

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
    __table_args__ = (
        CheckConstraint(_in_list("stage", ProjectStage), name="stage"),
        CheckConstraint(f"length(description) <= {limits.DESCRIPTION}", name="description_length"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cooperative_id: Mapped[int] = mapped_column(ForeignKey("cooperative.id", ondelete="RESTRICT"), index=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    stage: Mapped[str] = mapped_column(String(20), default=ProjectStage.INISIASI.value)
    description: Mapped[str | None] = mapped_column(Text)

    cooperative: Mapped[Cooperative] = relationship(back_populates="projects")
    site: Mapped[Site | None] = relationship(back_populates="project", uselist=False, cascade="all, delete-orphan")


DEFAULT_UNIT_MIX = [{"name": "Tipe 36", "net_area_m2": 36.0, "share": 1.0}]


class Site(Timestamped, Base):
    """The land a project builds on: its outline is the union of its parcels; zoning is set per site.

    Zoning defaults are a typical Jakarta residential sub-zone; the RDTR values of the actual
    parcel replace them (Pergub DKI 31/2022 sets them per parcel).
    """

    __tablename__ = "site"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(String(300))
    kelurahan: Mapped[str | None] = mapped_column(String(100))
    kecamatan: Mapped[str | None] = mapped_column(String(100))
    city: Mapped[str | None] = mapped_column(String(100))

    kdb_pct: Mapped[float] = mapped_column(Float, default=60.0, server_default="60")
    klb: Mapped[float] = mapped_column(Float, default=3.0, server_default="3")
    kdh_pct: Mapped[float] = mapped_column(Float, default=20.0, server_default="20")
    gsb_front_m: Mapped[float] = mapped_column(Float, default=4.0, server_default="4")
    gsb_side_m: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")
    gsb_rear_m: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")
    max_floors: Mapped[int | None] = mapped_column(Integer, default=8, server_default="8")
    max_height_m: Mapped[float | None] = mapped_column(Float)
    floor_height_m: Mapped[float] = mapped_column(Float, default=3.2, server_default="3.2")
    front_azimuth_deg: Mapped[float | None] = mapped_column(Float)
    efficiency: Mapped[float] = mapped_column(Float, default=0.75, server_default="0.75")
    unit_mix: Mapped[list] = mapped_column(JSON, default=lambda: [dict(u) for u in DEFAULT_UNIT_MIX])

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
        CheckConstraint(f"length(notes) <= {limits.NOTE}", name="notes_length"),
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
    # Measured once when the shape is set (UTM zone of the centroid, see gis.measure), so lists
    # and maps of thousands of parcels do not reproject every one on every request.
    area_m2: Mapped[float] = mapped_column(Float)
    perimeter_m: Mapped[float] = mapped_column(Float)

    site: Mapped[Site] = relationship(back_populates="parcels")

    @validates("geom")
    def _keep_bbox(self, _key: str, geom: BaseGeometry) -> MultiPolygon:
        if isinstance(geom, Polygon):
            geom = MultiPolygon([geom])
        if not isinstance(geom, MultiPolygon) or geom.is_empty:
            raise ValueError("a parcel is a non-empty polygon or multipolygon")
        self.min_lon, self.min_lat, self.max_lon, self.max_lat = geom.bounds
        self.area_m2, self.perimeter_m = area_m2(geom), perimeter_m(geom)
        return geom
