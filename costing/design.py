"""A design in numbers: unit types, buildings (blocks) of floors, the units they hold, their area.

A building has the same floor plate on every floor: on each floor with units, the units of
`units_per_floor` plus `common_area_m2_per_floor`. The common area is everything on a floor that
is not a unit's net (usable) area: corridors, stairs, shafts, and the walls and columns too (a
unit's net area is measured inside its walls). When `ground_floor_units` is False the ground
floor holds no units: its whole plate (the units' footprint plus the common area) is common
space, commerce or a community room, and the units are on floors 2 and up. Floors are numbered
as in Indonesia: the ground floor is lantai 1.

Unit codes are building-floor-number, numbered per floor in the order of `units_per_floor`:
"A-2-03" is the third unit on floor 2 of building A.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from costing.errors import CostingError
from costing.money import exact, non_negative, to_decimal
from kernel.messages import N_, Message

RUSUN_MIN_UNIT_M2 = Decimal(21)  # Permen PU 05/2007: 9 m² per person, 21 m² at least
MAX_FLOORS = 60


def _code(value: Any, field: str) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        raise CostingError(Message("costing.code_missing", N_("A code must not be empty."), {}), field=field)
    return text


def _whole(value: Any) -> int | None:
    """`value` as an int if it is a whole number (int, whole Decimal or numeric text), else None."""
    try:
        number = to_decimal(value)
    except CostingError:
        return None
    return int(number) if number == number.to_integral_value() else None


@dataclass(frozen=True)
class UnitTypeSpec:
    code: str
    name: str
    net_area_m2: Decimal  # usable area inside the unit's walls
    bedrooms: int

    def __post_init__(self) -> None:
        object.__setattr__(self, "code", _code(self.code, "code"))
        area = non_negative(self.net_area_m2, field="net_area_m2")
        if area == 0:
            raise CostingError(
                Message(
                    "design.unit_area_zero",
                    N_("Unit type {unit_type}: the net area must be more than 0 m²."),
                    {"unit_type": self.code},
                ),
                field="net_area_m2",
            )
        object.__setattr__(self, "net_area_m2", area)
        bedrooms = _whole(self.bedrooms)
        if bedrooms is None or not 0 <= bedrooms <= 10:
            raise CostingError(
                Message(
                    "design.bedrooms",
                    N_("Unit type {unit_type}: bedrooms must be a whole number from 0 to 10."),
                    {"unit_type": self.code},
                ),
                field="bedrooms",
            )
        object.__setattr__(self, "bedrooms", bedrooms)


@dataclass(frozen=True)
class BuildingSpec:
    code: str
    name: str
    floors: int
    units_per_floor: Mapping[str, int]  # unit type code -> how many on each floor with units
    common_area_m2_per_floor: Decimal  # corridors, stairs, walls: all but the units' net area
    ground_floor_units: bool = True  # False: the ground floor is common space or commerce

    def __post_init__(self) -> None:
        code = _code(self.code, "code")
        object.__setattr__(self, "code", code)
        floors = _whole(self.floors)
        if floors is None or not 1 <= floors <= MAX_FLOORS:
            raise CostingError(
                Message(
                    "design.floors",
                    N_("Building {building}: the number of floors must be a whole number from 1 to {max}."),
                    {"building": code, "max": MAX_FLOORS},
                ),
                field="floors",
            )
        object.__setattr__(self, "floors", floors)
        counts: dict[str, int] = {}
        for unit_type, count in dict(self.units_per_floor).items():
            number = _whole(count)
            if number is None or number < 0:
                raise CostingError(
                    Message(
                        "design.unit_count",
                        N_(
                            "Building {building}: the number of {unit_type} units on a floor must be a whole "
                            "number, 0 or more."
                        ),
                        {"building": code, "unit_type": str(unit_type)},
                    ),
                    field="units_per_floor",
                )
            counts[_code(unit_type, "units_per_floor")] = number
        object.__setattr__(self, "units_per_floor", counts)
        try:
            common = non_negative(self.common_area_m2_per_floor, field="common_area_m2_per_floor")
        except CostingError:
            raise CostingError(
                Message(
                    "design.common_area",
                    N_("Building {building}: the common area per floor must be a number of m², 0 or more."),
                    {"building": code},
                ),
                field="common_area_m2_per_floor",
            ) from None
        object.__setattr__(self, "common_area_m2_per_floor", common)
        if not isinstance(self.ground_floor_units, bool):
            object.__setattr__(self, "ground_floor_units", bool(self.ground_floor_units))

    @property
    def unit_floors(self) -> range:
        """The floors that hold units (1-based; floor 1 is the ground floor)."""
        return range(1 if self.ground_floor_units else 2, self.floors + 1)


@dataclass(frozen=True)
class Unit:
    code: str  # "A-2-03"
    building: str
    floor: int
    unit_type: str
    net_area_m2: Decimal


def _types(unit_types: Iterable[UnitTypeSpec] | Mapping[str, UnitTypeSpec]) -> dict[str, UnitTypeSpec]:
    specs = unit_types.values() if isinstance(unit_types, Mapping) else unit_types
    result: dict[str, UnitTypeSpec] = {}
    for spec in specs:
        if spec.code in result:
            raise CostingError(
                Message(
                    "design.unit_type_duplicate",
                    N_("Unit type {unit_type} is defined twice."),
                    {"unit_type": spec.code},
                ),
                field="code",
            )
        result[spec.code] = spec
    return result


def _checked(buildings: Sequence[BuildingSpec], types: Mapping[str, UnitTypeSpec]) -> None:
    seen: set[str] = set()
    for building in buildings:
        if building.code in seen:
            raise CostingError(
                Message(
                    "design.building_duplicate",
                    N_("Building {building} appears twice in the design."),
                    {"building": building.code},
                ),
                field="code",
            )
        seen.add(building.code)
        for unit_type in building.units_per_floor:
            if unit_type not in types:
                raise CostingError(
                    Message(
                        "design.unit_type_unknown",
                        N_("Building {building} has units of type {unit_type}, which is not defined."),
                        {"building": building.code, "unit_type": unit_type},
                    ),
                    field="units_per_floor",
                )


def units_of(
    buildings: Sequence[BuildingSpec], unit_types: Iterable[UnitTypeSpec] | Mapping[str, UnitTypeSpec]
) -> list[Unit]:
    """Every unit of the design, building by building, floor by floor, in `units_per_floor` order."""
    types = _types(unit_types)
    _checked(buildings, types)
    units: list[Unit] = []
    for building in buildings:
        per_floor = sum(building.units_per_floor.values())
        width = max(2, len(str(per_floor)))
        for floor in building.unit_floors:
            number = 0
            for unit_type, count in building.units_per_floor.items():
                for _ in range(count):
                    number += 1
                    units.append(
                        Unit(
                            code=f"{building.code}-{floor}-{number:0{width}d}",
                            building=building.code,
                            floor=floor,
                            unit_type=unit_type,
                            net_area_m2=types[unit_type].net_area_m2,
                        )
                    )
    return units


def floor_plate_m2(building: BuildingSpec, unit_types: Iterable[UnitTypeSpec] | Mapping[str, UnitTypeSpec]) -> Decimal:
    """The area of one floor: the net area of one floor's units plus the common area per floor."""
    types = _types(unit_types)
    _checked([building], types)
    with exact():
        net = sum((types[t].net_area_m2 * n for t, n in building.units_per_floor.items()), Decimal(0))
        return net + building.common_area_m2_per_floor


def gross_floor_area(
    buildings: Sequence[BuildingSpec], unit_types: Iterable[UnitTypeSpec] | Mapping[str, UnitTypeSpec]
) -> Decimal:
    """Gross floor area (m²): the units' net area plus all common area, walls included.

    Every floor of a building has the same plate (`floor_plate_m2`); a ground floor without
    units counts its whole plate as common space.
    """
    types = _types(unit_types)
    _checked(buildings, types)
    plates = [floor_plate_m2(b, types) for b in buildings]
    with exact():
        return sum((plate * b.floors for plate, b in zip(plates, buildings, strict=True)), Decimal(0))


def footprint_m2(
    buildings: Sequence[BuildingSpec], unit_types: Iterable[UnitTypeSpec] | Mapping[str, UnitTypeSpec]
) -> Decimal:
    """The ground the buildings cover together: each one's floor plate, as every floor has the same plate."""
    types = _types(unit_types)
    _checked(buildings, types)
    with exact():
        return sum((floor_plate_m2(b, types) for b in buildings), Decimal(0))


def design_warnings(
    buildings: Sequence[BuildingSpec], unit_types: Iterable[UnitTypeSpec] | Mapping[str, UnitTypeSpec]
) -> list[Message]:
    """Things a planner should look at twice; none of them stops the calculation."""
    types = _types(unit_types)
    _checked(buildings, types)
    warnings: list[Message] = []
    used = {t for b in buildings for t, n in b.units_per_floor.items() if n}
    for spec in types.values():
        if spec.code in used and spec.net_area_m2 < RUSUN_MIN_UNIT_M2:
            warnings.append(
                Message(
                    "design.unit_below_minimum",
                    N_("Unit type {unit_type} has {area} m², less than the 21 m² minimum for a rusun unit."),
                    {"unit_type": spec.code, "area": spec.net_area_m2},
                )
            )
    for building in buildings:
        if not any(building.units_per_floor.values()) or not building.unit_floors:
            warnings.append(
                Message(
                    "design.building_without_units",
                    N_("Building {building} has no units."),
                    {"building": building.code},
                )
            )
    return warnings
