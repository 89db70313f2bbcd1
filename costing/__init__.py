"""Pure costing library (AHSP unit prices, RAB, cost splits in whole rupiah). Nothing from `app`.

Filled in by the costing issue; kept as a package now so the layout and its boundary are fixed.
"""
