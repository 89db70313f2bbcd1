"""Example price list and AHSP sheets, with the figures worked out by hand in the comments.

Coefficients follow the SNI/AHSP analyses for kampung building work; prices are DKI-ish basic
prices (HSD) for 2025-2026, rounded, for tests only.
"""

from __future__ import annotations

from decimal import Decimal

from costing.ahsp import AhspItem, Coefficient, Resource

D = Decimal

RESOURCES = {
    r.code: r
    for r in (
        Resource("L.01", "Pekerja", "OH", "labour", 150_000),
        Resource("L.02", "Tukang batu", "OH", "labour", 175_000),
        Resource("L.03", "Kepala tukang", "OH", "labour", 195_000),
        Resource("L.04", "Mandor", "OH", "labour", 210_000),
        Resource("M.01", "Semen Portland", "kg", "material", 1_500),
        Resource("M.02", "Pasir beton", "m³", "material", 320_000),
        Resource("M.03", "Kerikil (maks. 30 mm)", "m3", "material", 380_000),
        Resource("M.04", "Air", "liter", "material", 50),
        Resource("E.01", "Stamper", "jam", "equipment", 40_000),
    )
}

# 1 m3 beton mutu K-225 (fc' 19,3 MPa), mixed by hand:
#   A labour   1.650 x 150.000 = 247.500
#              0.275 x 175.000 =  48.125
#              0.028 x 195.000 =   5.460
#              0.083 x 210.000 =  17.430      A = 318.515
#   B material 371   x   1.500 = 556.500
#              0.499 x 320.000 = 159.680
#              0.776 x 380.000 = 294.880
#              215   x      50 =  10.750      B = 1.021.810
#   C equipment                               C = 0
#   D = 1.340.325; E = 10% = 134.032,5; F = 1.474.357,5
BETON_K225 = AhspItem(
    "A.4.1.1.7",
    "Membuat 1 m3 beton mutu K-225",
    "m3",
    (
        Coefficient("L.01", D("1.650")),
        Coefficient("L.02", D("0.275")),
        Coefficient("L.03", D("0.028")),
        Coefficient("L.04", D("0.083")),
        Coefficient("M.01", D("371")),
        Coefficient("M.02", D("0.499")),
        Coefficient("M.03", D("0.776")),
        Coefficient("M.04", D("215")),
    ),
)

# 1 m3 galian tanah biasa sedalam 1 m: 0.750 x 150.000 + 0.025 x 210.000 = 117.750;
# E = 11.775; F = 129.525.
GALIAN = AhspItem(
    "A.2.2.1.1",
    "Galian 1 m3 tanah biasa sedalam 1 m",
    "m3",
    (Coefficient("L.01", D("0.750")), Coefficient("L.04", D("0.025"))),
)

# 1 m3 pemadatan tanah with a stamper, overhead 12%: A = 0.5 x 150.000 + 0.05 x 210.000 = 85.500;
# C = 0.5 x 40.000 = 20.000; D = 105.500; E = 12.660; F = 118.160.
PEMADATAN = AhspItem(
    "A.2.2.1.9",
    "Pemadatan 1 m3 tanah dengan stamper",
    "m3",
    (Coefficient("L.01", D("0.5")), Coefficient("L.04", D("0.05")), Coefficient("E.01", D("0.5"))),
    overhead_pct=D(12),
)

ITEMS = {item.code: item for item in (BETON_K225, GALIAN, PEMADATAN)}
