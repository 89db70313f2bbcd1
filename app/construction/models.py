"""Construction of a project: the contract and its handover, the blocks' footprints on the site, the work packages
with their weights and schedule, progress reports with photos, show-cause meetings, and the actual costs.

The S-curves, the status and the budget variance are computed by `progress` from these rows, never stored, so
they cannot drift from the reports they come from."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry
from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from app.db.base import Base, Timestamped, UTCDateTime
from app.db.types import Geometry
from kernel import limits

if TYPE_CHECKING:
    from app.designs.models import Scenario
    from app.projects.models import Project


class Construction(Timestamped, Base):
    """The building contract of a project: which scenario is built, by whom, from when (SPMK), and its handover:
    provisional (PHO) at 100%, then the maintenance period with its retention, then final (FHO)."""

    __tablename__ = "construction"
    __table_args__ = (
        CheckConstraint("retention_pct >= 0 AND retention_pct <= 100", name="retention"),
        CheckConstraint("maintenance_days >= 0", name="maintenance"),
        CheckConstraint("contract_value >= 0", name="contract_value"),
        CheckConstraint("fho_on IS NULL OR (pho_on IS NOT NULL AND fho_on >= pho_on)", name="handover_order"),
    )

    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"), primary_key=True)
    scenario_id: Mapped[int] = mapped_column(ForeignKey("scenario.id", ondelete="RESTRICT"), index=True)
    started_on: Mapped[date] = mapped_column(Date)  # SPMK: the weeks of the S-curve count from here
    contractor: Mapped[str | None] = mapped_column(String(200))
    supervisor: Mapped[str | None] = mapped_column(String(200))  # konsultan pengawas
    contract_value: Mapped[int] = mapped_column(BigInteger, default=0)
    retention_pct: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal(5))
    maintenance_days: Mapped[int] = mapped_column(Integer, default=180)
    pho_on: Mapped[date | None] = mapped_column(Date)
    pho_reference: Mapped[str | None] = mapped_column(String(100))
    fho_on: Mapped[date | None] = mapped_column(Date)
    fho_reference: Mapped[str | None] = mapped_column(String(100))

    project: Mapped[Project] = relationship()
    scenario: Mapped[Scenario] = relationship()


class BuildingFootprint(Timestamped, Base):
    """Where a block of the built scenario stands on the site, drawn or imported; EPSG:4326 as every geometry."""

    __tablename__ = "building_footprint"
    __table_args__ = (UniqueConstraint("project_id", "building_code", name="uq_building_footprint_project_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"), index=True)
    building_code: Mapped[str] = mapped_column(String(8))
    geom: Mapped[BaseGeometry] = mapped_column(Geometry("MULTIPOLYGON"))
    area_m2: Mapped[float] = mapped_column(Float)  # measured in a metric projection when the shape is set

    @validates("geom")
    def _multi(self, _key: str, geom: BaseGeometry) -> MultiPolygon:
        from gis.measure import area_m2

        shape = MultiPolygon([geom]) if isinstance(geom, Polygon) else geom
        self.area_m2 = area_m2(shape)
        return shape


class WorkPackage(Timestamped, Base):
    """A part of one block's work in one RAB division: its cost, its weight (bobot, percent of the project, the
    weights of a project adding up to exactly 100) and its planned start and finish."""

    __tablename__ = "work_package"
    __table_args__ = (
        UniqueConstraint("project_id", "code", name="uq_work_package_project_id"),
        CheckConstraint("finish >= start", name="dates"),
        CheckConstraint("cost >= 0 AND weight_pct >= 0 AND weight_pct <= 100", name="amounts"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(40))  # e.g. "A-struktur": block and division
    building_code: Mapped[str] = mapped_column(String(8))
    division: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))
    cost: Mapped[int] = mapped_column(BigInteger)
    weight_pct: Mapped[Decimal] = mapped_column(Numeric(6, 3))
    start: Mapped[date] = mapped_column(Date)
    finish: Mapped[date] = mapped_column(Date)
    position: Mapped[int] = mapped_column(Integer, default=0)


class ProgressReport(Timestamped, Base):
    """A site report (laporan kemajuan) on a date: percent complete per package, notes, the site log."""

    __tablename__ = "progress_report"
    __table_args__ = (
        UniqueConstraint("project_id", "report_date", name="uq_progress_report_project_id"),
        CheckConstraint("workers IS NULL OR workers >= 0", name="workers"),
        CheckConstraint(f"length(notes) <= {limits.NOTE}", name="notes_length"),
        CheckConstraint(f"length(problems) <= {limits.NOTE}", name="problems_length"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"), index=True)
    report_date: Mapped[date] = mapped_column(Date)
    reporter: Mapped[str] = mapped_column(String(200))
    notes: Mapped[str | None] = mapped_column(Text)
    workers: Mapped[int | None] = mapped_column(Integer)
    weather: Mapped[str | None] = mapped_column(String(100))
    problems: Mapped[str | None] = mapped_column(Text)

    entries: Mapped[list[ProgressEntry]] = relationship(back_populates="report", cascade="all, delete-orphan",
                                                        order_by="ProgressEntry.package_id")
    photos: Mapped[list[SitePhoto]] = relationship(back_populates="report", order_by="SitePhoto.id")


class ProgressEntry(Base):
    """One package's percent complete in a report; a lower percent than before carries its reason."""

    __tablename__ = "progress_entry"
    __table_args__ = (
        UniqueConstraint("report_id", "package_id", name="uq_progress_entry_report_id"),
        CheckConstraint("percent >= 0 AND percent <= 100", name="percent"),
        # A note of the site visit, as its form has taken up to 2,000 characters: a NOTE, not a one-line REASON.
        CheckConstraint(f"length(reason) <= {limits.NOTE}", name="reason_length"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("progress_report.id", ondelete="CASCADE"), index=True)
    package_id: Mapped[int] = mapped_column(ForeignKey("work_package.id", ondelete="RESTRICT"), index=True)
    percent: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    reason: Mapped[str | None] = mapped_column(Text)

    report: Mapped[ProgressReport] = relationship(back_populates="entries")
    package: Mapped[WorkPackage] = relationship()


class SitePhoto(Timestamped, Base):
    """A photo of the works. The original stays private (it may carry a phone's EXIF); the public copy and the
    thumbnail have no metadata. Files live under the configured photo folder, named by their content hash."""

    __tablename__ = "site_photo"
    __table_args__ = (UniqueConstraint("project_id", "sha256", name="uq_site_photo_project_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"), index=True)
    report_id: Mapped[int | None] = mapped_column(ForeignKey("progress_report.id", ondelete="SET NULL"), index=True)
    building_code: Mapped[str | None] = mapped_column(String(8))
    sha256: Mapped[str] = mapped_column(String(64))
    format: Mapped[str] = mapped_column(String(8))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    size_bytes: Mapped[int] = mapped_column(Integer)
    taken_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    caption: Mapped[str | None] = mapped_column(String(300))
    # Shown on the project's public page only when marked, one by one; only its EXIF-free copy ever leaves.
    public: Mapped[bool] = mapped_column(Boolean, default=False)

    report: Mapped[ProgressReport | None] = relationship(back_populates="photos")


class ShowCauseMeeting(Timestamped, Base):
    """A show-cause meeting (SCM I, II, III) held when the contract is critical: the target agreed and its outcome."""

    __tablename__ = "show_cause_meeting"
    __table_args__ = (
        UniqueConstraint("project_id", "level", "held_on", name="uq_show_cause_meeting_project_id"),
        CheckConstraint("level IN (1, 2, 3)", name="level"),
        CheckConstraint("outcome IS NULL OR outcome IN ('met', 'missed')", name="outcome"),
        CheckConstraint("target_pct >= 0 AND target_pct <= 100", name="target"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"), index=True)
    level: Mapped[int] = mapped_column(Integer)
    held_on: Mapped[date] = mapped_column(Date)
    target_pct: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    target_date: Mapped[date] = mapped_column(Date)
    outcome: Mapped[str | None] = mapped_column(String(8))
    minutes: Mapped[str | None] = mapped_column(String(200))  # the berita acara's reference


class CostEntry(Timestamped, Base):
    """An actual cost (invoice, payment to the contractor or a supplier) against a RAB division or line. Never
    edited: a mistake is corrected by a negative entry that names the one it corrects."""

    __tablename__ = "cost_entry"
    __table_args__ = (
        UniqueConstraint("project_id", "reference", name="uq_cost_entry_project_id"),
        CheckConstraint("amount <> 0", name="amount"),
        CheckConstraint(f"length(note) <= {limits.NOTE}", name="note_length"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"), index=True)
    entry_date: Mapped[date] = mapped_column(Date)
    amount: Mapped[int] = mapped_column(BigInteger)
    division: Mapped[str] = mapped_column(String(20))
    line: Mapped[str | None] = mapped_column(String(40))
    building_code: Mapped[str | None] = mapped_column(String(8))
    payee: Mapped[str | None] = mapped_column(String(200))  # a contractor or supplier: a business, not a member
    reference: Mapped[str] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text)
