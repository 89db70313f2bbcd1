"""AHSP: Analisis Harga Satuan Pekerjaan, the unit price of a work item from its resources.

One sheet (Permen PUPR 8/2023 and its annexes): for one unit of work (1 m3 of concrete, 1 m2 of
wall), each resource has a coefficient (how many OH of labour, kg of cement, hours of a mixer)
and a basic price (HSD) from the regional list. Then

    A labour + B materials + C equipment = D
    E = overhead and profit = D x overhead % (default 10%, usually 10-15%: a warning above 15%)
    F = D + E, the unit price of the work item

Everything stays an exact Decimal here; a RAB line rounds volume x F to the rupiah. Unit prices
exclude PPN, and safety costs (SMKK) are a RAB line of their own, not part of the overhead.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from costing.errors import CostingError
from costing.money import exact, non_negative, rupiah, to_decimal
from kernel.messages import N_, Message

RESOURCE_KINDS = ("labour", "material", "equipment")

# Unit symbols as Indonesian cost sheets write them. OH = orang hari (person-day); m' = metre
# run (also written m1); bh = buah (piece); ls = lump sum; lbr = lembar (sheet); btg = batang
# (bar, length); psg = pasang (pair); zak = a bag of cement; bln = bulan (month).
UNITS = frozenset(
    {
        "OH", "jam", "hari", "bln",
        "m", "m'", "m2", "m3", "kg", "ton", "ltr",
        "bh", "unit", "set", "titik", "lbr", "btg", "psg", "zak", "kaleng", "dus", "roll",
        "ls",
    }
)
_UNIT_ALIASES = {
    "o.h": "OH", "org.hari": "OH", "orang hari": "OH", "orang-hari": "OH",
    "m1": "m'",
    "buah": "bh", "bh.": "bh", "pcs": "bh",
    "lembar": "lbr",
    "batang": "btg",
    "pasang": "psg",
    "sak": "zak",
    "liter": "ltr", "lt": "ltr", "l": "ltr",
    "bulan": "bln",
    "ttk": "titik",
    "lumpsum": "ls", "lump sum": "ls", "l.s": "ls",
    "jam kerja": "jam",
    "hr": "hari",
}
_UNIT_LOOKUP = {u.lower(): u for u in UNITS} | _UNIT_ALIASES

OVERHEAD_USUAL_MAX = Decimal(15)  # "10%-15% x D" is the usual label; a hard cap was not found [L]
OVERHEAD_MAX = Decimal(30)  # beyond this it is surely a typing error (or a hidden cost)


def normalise_unit(unit: str, *, field: str = "unit", row: int | None = None) -> str:
    """The canonical symbol for `unit`: "M²" -> "m2", "oh" -> "OH", "sak" -> "zak", "m1" -> "m'"."""
    text = unit if isinstance(unit, str) else ""
    text = " ".join(text.strip().split())
    for old, new in (("²", "2"), ("³", "3"), ("^", ""), ("’", "'"), ("‘", "'"), ("`", "'"), ("´", "'")):
        text = text.replace(old, new)
    symbol = _UNIT_LOOKUP.get(text.lower())
    if symbol is None:
        raise CostingError(
            Message(
                "costing.unit_unknown",
                N_("“{value}” is not a known unit (for example OH, m2, m3, kg, bh or ls)."),
                {"value": str(unit)[:40]},
            ),
            field=field,
            row=row,
        )
    return symbol


def _code(value: str, field: str) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        raise CostingError(Message("costing.code_missing", N_("A code must not be empty."), {}), field=field)
    return text


@dataclass(frozen=True)
class Resource:
    """A basic price (HSD): a labour grade, a material or a piece of equipment, per `unit`."""

    code: str
    name: str
    unit: str
    kind: str  # one of RESOURCE_KINDS
    price: int  # whole Rupiah per unit, excluding PPN

    def __post_init__(self) -> None:
        object.__setattr__(self, "code", _code(self.code, "code"))
        object.__setattr__(self, "unit", normalise_unit(self.unit))
        if self.kind not in RESOURCE_KINDS:
            raise CostingError(
                Message(
                    "ahsp.kind_unknown",
                    N_("“{value}” is not a kind of resource: labour, material or equipment."),
                    {"value": str(self.kind)[:40]},
                ),
                field="kind",
            )
        object.__setattr__(self, "price", rupiah(self.price, field="price"))


@dataclass(frozen=True)
class Coefficient:
    """How much of a resource one unit of the work item takes."""

    resource_code: str
    coefficient: Decimal

    def __post_init__(self) -> None:
        object.__setattr__(self, "resource_code", _code(self.resource_code, "resource_code"))
        object.__setattr__(self, "coefficient", non_negative(self.coefficient, field="coefficient"))


@dataclass(frozen=True)
class AhspItem:
    """A work item and its analysis: the coefficients of its resources per `unit`."""

    code: str
    name: str
    unit: str
    coefficients: tuple[Coefficient, ...]
    overhead_pct: Decimal = Decimal(10)

    def __post_init__(self) -> None:
        object.__setattr__(self, "code", _code(self.code, "code"))
        object.__setattr__(self, "unit", normalise_unit(self.unit))
        coefficients = tuple(c if isinstance(c, Coefficient) else Coefficient(*c) for c in self.coefficients)
        object.__setattr__(self, "coefficients", coefficients)
        object.__setattr__(self, "overhead_pct", to_decimal(self.overhead_pct, field="overhead_pct"))


@dataclass(frozen=True)
class AhspLine:
    """One row of the printed sheet: coefficient x price = amount (exact)."""

    resource_code: str
    name: str
    kind: str
    unit: str
    coefficient: Decimal
    price: int
    amount: Decimal


@dataclass(frozen=True)
class UnitPrice:
    item_code: str
    labour: Decimal  # A
    material: Decimal  # B
    equipment: Decimal  # C
    subtotal: Decimal  # D = A + B + C
    overhead: Decimal  # E = D x overhead_pct / 100
    price: Decimal  # F = D + E, per unit of the item, excluding PPN
    warnings: tuple[Message, ...] = ()
    lines: tuple[AhspLine, ...] = field(default=())  # the sheet's rows, in the item's order


def unit_price(item: AhspItem, resources: Mapping[str, Resource]) -> UnitPrice:
    """The exact unit price F of `item` with the basic prices in `resources` (code -> Resource).

    Raises CostingError for a resource that is not in `resources` (naming the item and the
    resource) and for overhead below 0 or above 30%; warns above 15%.
    """
    pct = item.overhead_pct
    if pct < 0 or pct > OVERHEAD_MAX:
        raise CostingError(
            Message(
                "ahsp.overhead_out_of_range",
                N_("Work item {item}: overhead and profit must be from 0 to {max}% (it is {pct}%)."),
                {"item": item.code, "pct": pct, "max": OVERHEAD_MAX},
            ),
            field="overhead_pct",
        )
    warnings: list[Message] = []
    if pct > OVERHEAD_USUAL_MAX:
        warnings.append(
            Message(
                "ahsp.overhead_high",
                N_(
                    "Work item {item}: overhead and profit at {pct}% (more than the usual {usual}%) "
                    "should have a reason written in the estimate."
                ),
                {"item": item.code, "pct": pct, "usual": OVERHEAD_USUAL_MAX},
            )
        )
    if not item.coefficients:
        warnings.append(
            Message(
                "ahsp.no_coefficients",
                N_("Work item {item} has no resources, so its unit price is zero."),
                {"item": item.code},
            )
        )
    totals = dict.fromkeys(RESOURCE_KINDS, Decimal(0))
    lines: list[AhspLine] = []
    seen: set[str] = set()
    with exact():
        for c in item.coefficients:
            resource = resources.get(c.resource_code)
            if resource is None:
                raise CostingError(
                    Message(
                        "ahsp.resource_unknown",
                        N_("Work item {item} uses resource {resource}, which is not in the price list."),
                        {"item": item.code, "resource": c.resource_code},
                    ),
                    field="resource_code",
                )
            if c.resource_code in seen:
                warnings.append(
                    Message(
                        "ahsp.resource_repeated",
                        N_("Work item {item} lists resource {resource} more than once; the amounts are added up."),
                        {"item": item.code, "resource": c.resource_code},
                    )
                )
            seen.add(c.resource_code)
            amount = c.coefficient * resource.price
            totals[resource.kind] += amount
            lines.append(
                AhspLine(
                    c.resource_code, resource.name, resource.kind, resource.unit, c.coefficient, resource.price, amount
                )
            )
        subtotal = totals["labour"] + totals["material"] + totals["equipment"]
        overhead = subtotal * pct / 100
        price = subtotal + overhead
    return UnitPrice(
        item_code=item.code,
        labour=totals["labour"],
        material=totals["material"],
        equipment=totals["equipment"],
        subtotal=subtotal,
        overhead=overhead,
        price=price,
        warnings=tuple(warnings),
        lines=tuple(lines),
    )


def library(entries: Iterable[Resource]) -> dict[str, Resource]:
    """A price list keyed by code; a code given twice is an error (which price would count?)."""
    result: dict[str, Resource] = {}
    for resource in entries:
        if resource.code in result:
            raise CostingError(
                Message(
                    "ahsp.resource_duplicate",
                    N_("Resource {resource} is in the price list twice."),
                    {"resource": resource.code},
                ),
                field="code",
            )
        result[resource.code] = resource
    return result
