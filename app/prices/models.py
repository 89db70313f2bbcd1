from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import BigInteger, Boolean, CheckConstraint, Date, ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db.base import Base, Timestamped
from kernel import limits


class PriceLibrary(Timestamped, Base):
    """One dated version of a region's prices. A scenario points at the version it was costed with, so a
    new price list never changes an old estimate; prices change by adding a version, not by editing one
    that a scenario uses."""

    __tablename__ = "price_library"
    __table_args__ = (
        UniqueConstraint("code", name="uq_price_library_code"),
        CheckConstraint(f"length(source) <= {limits.SOURCE}", name="source_length"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    region: Mapped[str] = mapped_column(String(100))
    effective_date: Mapped[date] = mapped_column(Date)
    source: Mapped[str | None] = mapped_column(Text)
    illustrative: Mapped[bool] = mapped_column(Boolean, default=False)

    resources: Mapped[list[PriceResource]] = relationship(
        back_populates="library", cascade="all, delete-orphan", order_by="PriceResource.code")
    items: Mapped[list[AhspItemRecord]] = relationship(
        back_populates="library", cascade="all, delete-orphan", order_by="AhspItemRecord.code")


class PriceResource(Base):
    """A labour, material or equipment price (HSD): whole Rupiah per unit."""

    __tablename__ = "price_resource"
    __table_args__ = (
        UniqueConstraint("library_id", "code", name="uq_price_resource_library_id"),
        CheckConstraint("kind IN ('labour', 'material', 'equipment')", name="kind"),
        CheckConstraint("price >= 0", name="price"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    library_id: Mapped[int] = mapped_column(ForeignKey("price_library.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(16))
    price: Mapped[int] = mapped_column(BigInteger)

    library: Mapped[PriceLibrary] = relationship(back_populates="resources")


class AhspItemRecord(Base):
    """A unit-price analysis (AHSP): a work item and the resources one unit of it takes."""

    __tablename__ = "ahsp_item"
    __table_args__ = (UniqueConstraint("library_id", "code", name="uq_ahsp_item_library_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    library_id: Mapped[int] = mapped_column(ForeignKey("price_library.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(300))
    unit: Mapped[str] = mapped_column(String(16))
    division: Mapped[str] = mapped_column(String(20))
    overhead_pct: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal(10))

    library: Mapped[PriceLibrary] = relationship(back_populates="items")
    coefficients: Mapped[list[AhspCoefficientRecord]] = relationship(
        back_populates="item", cascade="all, delete-orphan", order_by="AhspCoefficientRecord.id")


class AhspCoefficientRecord(Base):
    __tablename__ = "ahsp_coefficient"
    __table_args__ = (CheckConstraint("coefficient >= 0", name="coefficient"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("ahsp_item.id", ondelete="CASCADE"), index=True)
    resource_code: Mapped[str] = mapped_column(String(32))
    coefficient: Mapped[Decimal] = mapped_column(Numeric(14, 6))

    item: Mapped[AhspItemRecord] = relationship(back_populates="coefficients")
