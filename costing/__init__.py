"""Pure costing library: AHSP unit prices, RAB, project cost and tax, cost per unit. Nothing from `app`.

Money is whole Rupiah as `int`, reached through `Decimal` and `Fraction`, never `float`; every split
adds up to its total to the rupiah. Texts for users are `kernel.messages.Message`s; bad input raises
`CostingError` (a ValueError) carrying one.

- `costing.money`: exact numbers, rounding, largest-remainder splits;
- `costing.terbilang`: amounts in Indonesian words;
- `costing.ahsp`: resources and the unit price of a work item;
- `costing.rab`: RAB lines and the recap (Jumlah, dibulatkan, terbilang);
- `costing.design`: unit types, buildings, units and gross floor area;
- `costing.estimate`: the project's cost lines, soft costs, contingency and PPN presets;
- `costing.allocation`: the cost of each unit.
"""

from costing.errors import CostingError

__all__ = ["CostingError"]
