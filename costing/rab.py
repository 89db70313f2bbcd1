"""RAB: Rencana Anggaran Biaya, the bill of quantities priced with AHSP unit prices.

Each line is a work item, its volume and its unit price F; the line's amount is volume x F
rounded to the rupiah (ROUND_HALF_UP), so the printed lines add up to the printed total. The recap
lists each division, then "Jumlah" (the sum), "Jumlah dibulatkan" (rounded down to the thousand
rupiah) and "Terbilang" (the rounded amount in words).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from costing.ahsp import AhspItem, Resource, UnitPrice, normalise_unit, unit_price
from costing.errors import CostingError
from costing.money import non_negative, round_down_thousand, round_rupiah, to_decimal
from costing.terbilang import terbilang_rupiah
from kernel.messages import N_, Message

# The divisions of a RAB, in the order of the recap. Sheets in practice split them finer
# (Dinding & plesteran; Kusen, pintu, jendela; Atap; Plafon; Lantai; Sanitasi; Listrik); those
# are arsitektur, finishing and mep here. SMKK (construction safety) is a division of its own:
# it is never hidden in the overhead of a unit price.
DIVISIONS: dict[str, str] = {
    "persiapan": N_("Preparation"),
    "tanah": N_("Earthworks"),
    "pondasi": N_("Foundations"),
    "struktur": N_("Structure"),
    "arsitektur": N_("Architecture"),
    "mep": N_("Mechanical, electrical and plumbing"),
    "finishing": N_("Finishes"),
    "pekerjaan_luar": N_("External works"),
    "smkk": N_("Construction safety (SMKK)"),
}


def _division_unknown(value: Any, row: int | None) -> CostingError:
    if row is None:
        message = Message(
            "rab.division_unknown", N_("“{value}” is not a division of the RAB."), {"value": str(value)[:40]}
        )
    else:
        message = Message(
            "rab.line_division_unknown",
            N_("Line {row}, division: “{value}” is not a division of the RAB."),
            {"row": row, "column": "division", "value": str(value)[:40]},
        )
    return CostingError(message, field="division", row=row)


@dataclass(frozen=True)
class RabLine:
    division: str  # a key of DIVISIONS
    item_code: str
    description: str
    unit: str
    volume: Decimal
    unit_price: Decimal  # F of the AHSP, exact
    building: str | None = None  # the block it belongs to, when the RAB is split by building

    def __post_init__(self) -> None:
        if self.division not in DIVISIONS:
            raise _division_unknown(self.division, None)
        object.__setattr__(self, "unit", normalise_unit(self.unit))
        object.__setattr__(self, "volume", non_negative(self.volume, field="volume"))
        object.__setattr__(self, "unit_price", non_negative(self.unit_price, field="unit_price"))

    @property
    def amount(self) -> int:
        """Volume x unit price, to the rupiah."""
        return round_rupiah(Fraction(self.volume) * Fraction(self.unit_price))


@dataclass(frozen=True)
class RabRecap:
    by_division: dict[str, int]  # the divisions that have lines, in DIVISIONS order
    jumlah: int
    dibulatkan: int  # jumlah rounded down to the thousand rupiah
    terbilang: str  # dibulatkan in words, "... rupiah"


def recap(lines: Iterable[RabLine]) -> RabRecap:
    """The recap page: a subtotal per division, Jumlah, Jumlah dibulatkan and Terbilang."""
    sums = dict.fromkeys(DIVISIONS, 0)
    present: set[str] = set()
    for line in lines:
        sums[line.division] += line.amount
        present.add(line.division)
    by_division = {code: amount for code, amount in sums.items() if code in present}
    jumlah = sum(by_division.values())
    dibulatkan = round_down_thousand(jumlah)
    return RabRecap(
        by_division=by_division, jumlah=jumlah, dibulatkan=dibulatkan, terbilang=terbilang_rupiah(dibulatkan)
    )


def price_lines(
    lines: Iterable[tuple[str, str, Decimal | int | str, str | None]],
    items: Mapping[str, AhspItem],
    resources: Mapping[str, Resource],
) -> list[RabLine]:
    """RAB lines from (division, item code, volume, building) rows, priced with the AHSP `items`.

    The building may be left out (a row of three) or None. Errors name the 1-based line number
    and the column (`.row`, `.field`, and in the message).
    """
    prices: dict[str, UnitPrice] = {}
    result: list[RabLine] = []
    for row, values in enumerate(lines, start=1):
        values = tuple(values)
        if len(values) not in (3, 4):
            raise CostingError(
                Message(
                    "rab.line_shape",
                    N_("Line {row} needs a division, an item code, a volume and, if any, a building."),
                    {"row": row},
                ),
                row=row,
            )
        division, item_code, volume, building = (*values, None) if len(values) == 3 else values
        if division not in DIVISIONS:
            raise _division_unknown(division, row)
        item = items.get(item_code.strip() if isinstance(item_code, str) else item_code)
        if item is None:
            raise CostingError(
                Message(
                    "rab.line_item_unknown",
                    N_("Line {row}, item code: work item “{value}” has no AHSP analysis."),
                    {"row": row, "column": "item_code", "value": str(item_code)[:40]},
                ),
                field="item_code",
                row=row,
            )
        quantity = _volume(volume, row)
        if item.code not in prices:
            prices[item.code] = _price(item, resources, row)
        building = (building.strip() or None) if isinstance(building, str) else building
        result.append(
            RabLine(division, item.code, item.name, item.unit, quantity, prices[item.code].price, building)
        )
    return result


def _volume(value: Any, row: int) -> Decimal:
    try:
        volume = to_decimal(value, field="volume", row=row)
    except CostingError:
        raise CostingError(
            Message(
                "rab.line_volume_invalid",
                N_("Line {row}, volume: “{value}” is not a number."),
                {"row": row, "column": "volume", "value": str(value)[:40]},
            ),
            field="volume",
            row=row,
        ) from None
    if volume < 0:
        raise CostingError(
            Message(
                "rab.line_volume_negative",
                N_("Line {row}, volume: {value} is negative; a volume must be zero or more."),
                {"row": row, "column": "volume", "value": volume},
            ),
            field="volume",
            row=row,
        )
    return volume


def _price(item: AhspItem, resources: Mapping[str, Resource], row: int) -> UnitPrice:
    try:
        return unit_price(item, resources)
    except CostingError as error:
        fields = {"row": row, "column": "item_code", **error.message.fields}
        if error.message.code == "ahsp.resource_unknown":
            message = Message(
                "rab.line_resource_unknown",
                N_("Line {row}, item code: work item {item} uses resource {resource}, which is not in the price list."),
                fields,
            )
        elif error.message.code == "ahsp.overhead_out_of_range":
            message = Message(
                "rab.line_overhead_out_of_range",
                N_(
                    "Line {row}, item code: overhead and profit of work item {item} must be from 0 to {max}% "
                    "(it is {pct}%)."
                ),
                fields,
            )
        else:  # pragma: no cover - unit_price raises only the two above
            raise
        raise CostingError(message, field="item_code", row=row) from error
