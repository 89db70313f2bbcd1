from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db.base import Base, Timestamped
from kernel import limits

if TYPE_CHECKING:
    from app.prices.models import PriceLibrary
    from app.projects.models import Project


class Scenario(Timestamped, Base):
    """A design of a project with its cost: parametric (Rp per m² of floor area) or a detailed RAB."""

    __tablename__ = "scenario"
    __table_args__ = (
        UniqueConstraint("project_id", "name", name="uq_scenario_project_id"),
        CheckConstraint("cost_method IN ('parametric', 'rab')", name="cost_method"),
        CheckConstraint("allocation IN ('area', 'equal', 'weights')", name="allocation"),
        CheckConstraint("infrastructure >= 0 AND land >= 0", name="amounts"),
        CheckConstraint(f"length(description) <= {limits.DESCRIPTION}", name="description_length"),
        # At most one current scenario per project, whoever edits at the same time.
        Index("uq_scenario_current", "project_id", unique=True, sqlite_where=text("is_current"),
              postgresql_where=text("is_current")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str | None] = mapped_column(Text)
    is_current: Mapped[bool] = mapped_column(Boolean, default=False)
    cost_method: Mapped[str] = mapped_column(String(12), default="parametric")
    building_type: Mapped[str] = mapped_column(String(40), default="rusun_4_lantai")
    rate_per_m2: Mapped[int | None] = mapped_column(BigInteger)
    # False: the rate is the building type's (costing.estimate.PARAMETRIC_RATES) and follows a change of type;
    # True: the planner's own figure, named an override on the page and on paper.
    rate_is_override: Mapped[bool] = mapped_column(Boolean, default=False)
    price_library_id: Mapped[int | None] = mapped_column(ForeignKey("price_library.id", ondelete="RESTRICT"))
    infrastructure: Mapped[int] = mapped_column(BigInteger, default=0)
    land: Mapped[int] = mapped_column(BigInteger, default=0)
    contingency_pct: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal(5))
    tax_preset: Mapped[str] = mapped_column(String(24), default="jasa_konstruksi")
    tax_rate_pct: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    # [{code, label, basis: pct_construction|fixed, value}]: a short list edited as a whole.
    soft_costs: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    allocation: Mapped[str] = mapped_column(String(12), default="area")
    # {floor number: factor}, used when allocation is "weights".
    floor_factors: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # {grant_per_unit, down_payment_pct, annual_rate_pct, months, method}
    financing: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    project: Mapped[Project] = relationship()
    price_library: Mapped[PriceLibrary | None] = relationship()
    unit_types: Mapped[list[DesignUnitType]] = relationship(
        back_populates="scenario", cascade="all, delete-orphan", order_by="DesignUnitType.code")
    buildings: Mapped[list[Building]] = relationship(
        back_populates="scenario", cascade="all, delete-orphan", order_by="Building.code")
    rab_lines: Mapped[list[RabEntry]] = relationship(
        back_populates="scenario", cascade="all, delete-orphan", order_by="RabEntry.position")


class DesignUnitType(Base):
    __tablename__ = "design_unit_type"
    __table_args__ = (
        UniqueConstraint("scenario_id", "code", name="uq_design_unit_type_scenario_id"),
        CheckConstraint("net_area_m2 > 0 AND bedrooms >= 0", name="sizes"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    scenario_id: Mapped[int] = mapped_column(ForeignKey("scenario.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(80))
    net_area_m2: Mapped[Decimal] = mapped_column(Numeric(8, 2))
    bedrooms: Mapped[int] = mapped_column(Integer, default=1)

    scenario: Mapped[Scenario] = relationship(back_populates="unit_types")


class Building(Base):
    """A block (blok) of a scenario: floors, units on each floor, and the common area per floor."""

    __tablename__ = "building"
    __table_args__ = (
        UniqueConstraint("scenario_id", "code", name="uq_building_scenario_id"),
        CheckConstraint("floors >= 1 AND common_area_m2_per_floor >= 0", name="sizes"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    scenario_id: Mapped[int] = mapped_column(ForeignKey("scenario.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(8))
    name: Mapped[str] = mapped_column(String(80))
    floors: Mapped[int] = mapped_column(Integer)
    # {unit type code: units on each residential floor}
    units_per_floor: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    common_area_m2_per_floor: Mapped[Decimal] = mapped_column(Numeric(8, 2), default=Decimal(0))
    ground_floor_units: Mapped[bool] = mapped_column(Boolean, default=True)
    # A lift serves every floor: members who need the ground floor may then live higher up.
    lift: Mapped[bool] = mapped_column(Boolean, default=False)

    scenario: Mapped[Scenario] = relationship(back_populates="buildings")


class RabEntry(Base):
    """One line of a detailed RAB: an AHSP work item of the scenario's price library times a volume."""

    __tablename__ = "rab_entry"
    __table_args__ = (CheckConstraint("volume >= 0", name="volume"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scenario_id: Mapped[int] = mapped_column(ForeignKey("scenario.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    division: Mapped[str] = mapped_column(String(20))
    item_code: Mapped[str] = mapped_column(String(32))
    volume: Mapped[Decimal] = mapped_column(Numeric(16, 4))
    building: Mapped[str | None] = mapped_column(String(8))
    note: Mapped[str | None] = mapped_column(String(200))

    scenario: Mapped[Scenario] = relationship(back_populates="rab_lines")
