"""The cost of a whole project: construction, infrastructure, land, soft costs, contingency, PPN.

Every line carries its basis as a Message ("12% (on 11/12 of the construction price Rp...)"),
so a meeting can see how each figure was reached; the lines add up to the total exactly. Money
fields of the messages are ints of Rupiah and rates are Decimals: the app writes them the
locale's way (Rp1.000.000.000; 2,2).

What the bases are:
- construction price = construction + infrastructure (what a contractor is paid);
- soft costs "pct_construction" are a percentage of the construction price;
- contingency = its percentage of construction + infrastructure + soft costs (not land, not tax);
- PPN on construction services (PMK 131/2024): the rate (12%) on 11/12 of the construction
  price, 11% in effect. Consultants' fees are taken as PPN-inclusive;
- PPN KMS, building by oneself (PMK 11/2025, buildings of 200 m² or more): 2.2% of the cost
  excluding land, here construction + infrastructure + soft costs;
- PPN DTP (PMK 90/2025): PPN on rusun units up to Rp5 billion, on the first Rp2 billion of a
  unit's price, is borne by the government: computed, shown, and taken off again, so it is not
  part of what the cooperative pays.
Contingency is a reserve, not spending, so it is outside the tax bases.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from costing.errors import CostingError
from costing.money import non_negative, round_rupiah, rupiah, to_decimal
from kernel.messages import N_, Message

# Parametric construction cost, Rupiah per m² of gross floor area, by building type. ILLUSTRATIVE,
# set to agree with the starter price library (fixtures/prices): its RAB of Kunir's walk-up comes
# to about Rp7.1 million per m² for the building alone. PUPR's 2015 rusun price (Rp8.3-9.6 million
# per m² [M]) is a whole-project price; with soft costs, contingency and tax the demo lands there.
# Replace with the RAB as soon as there is one.
PARAMETRIC_RATES: dict[str, int] = {
    "rusun_4_lantai": 7_500_000,  # walk-up, up to 4 floors
    "rusun_5_8_lantai": 8_500_000,  # 5 to 8 floors, heavier structure, still stairs
    "rusun_lift": 10_000_000,  # with lifts, deeper foundations and fire systems
}

TAX_BASES = ("construction_11_12", "cost_excluding_land", "none")
TAX_RATE_MAX = Decimal(15)  # UU HPP: the PPN rate may be set from 5% to 15%
CONTINGENCY_MAX = Decimal(30)
CONTINGENCY_USUAL_MAX = Decimal(10)
SOFT_PCT_MAX = Decimal(25)


@dataclass(frozen=True)
class TaxPreset:
    code: str
    label: str  # an English msgid
    rate: Decimal  # percent, the rate in force; a project may override it (CostInputs.tax_rate)
    base: str  # one of TAX_BASES
    borne_by_government: bool = False


TAX_PRESETS: dict[str, TaxPreset] = {
    "jasa_konstruksi": TaxPreset(
        "jasa_konstruksi", N_("PPN on construction services"), Decimal(12), "construction_11_12"
    ),
    "kms": TaxPreset("kms", N_("PPN on building by oneself (KMS)"), Decimal("2.2"), "cost_excluding_land"),
    "none": TaxPreset("none", N_("No PPN"), Decimal(0), "none"),
    "dtp": TaxPreset(
        "dtp", N_("PPN on construction, borne by the government (DTP)"), Decimal(12), "construction_11_12", True
    ),
}

SOFT_BASES = ("pct_construction", "fixed")


@dataclass(frozen=True)
class SoftCost:
    code: str
    label: str  # an English msgid for the defaults; a cooperative's own line is its own words
    basis: str  # "pct_construction" (value in percent of the construction price) or "fixed" (value in Rupiah)
    value: Decimal | int

    def __post_init__(self) -> None:
        code = self.code.strip() if isinstance(self.code, str) else ""
        if not code:
            raise CostingError(Message("costing.code_missing", N_("A code must not be empty."), {}), field="code")
        object.__setattr__(self, "code", code)
        if self.basis not in SOFT_BASES:
            raise CostingError(
                Message(
                    "estimate.soft_basis_unknown",
                    N_("Soft cost {code}: “{value}” is neither a percentage of construction nor a fixed amount."),
                    {"code": code, "value": str(self.basis)[:40]},
                ),
                field="basis",
            )
        if self.basis == "fixed":
            object.__setattr__(self, "value", rupiah(self.value, field="value"))
        else:
            object.__setattr__(self, "value", to_decimal(self.value, field="value"))


# ILLUSTRATIVE defaults, to be replaced by each project's quotes and the regional tariffs.
DEFAULT_SOFT_COSTS: tuple[SoftCost, ...] = (
    SoftCost("perencanaan", N_("Design (architect and engineers)"), "pct_construction", Decimal(3)),
    SoftCost("pengawasan", N_("Construction supervision"), "pct_construction", Decimal(2)),
    SoftCost("perizinan", N_("Permits (PBG, SLF)"), "fixed", 75_000_000),
    SoftCost("sertifikat", N_("Unit certificates (SHM or SKBG sarusun)"), "fixed", 50_000_000),
    SoftCost("japra", N_("Japra consultancy fee"), "pct_construction", Decimal(2)),
)


@dataclass(frozen=True)
class CostInputs:
    construction: int  # Rupiah: the buildings (RAB recap or parametric estimate)
    infrastructure: int  # Rupiah: roads, drainage, connections on the site
    land: int  # Rupiah: 0 when the land is provided (HPL, Hak Pakai)
    soft_costs: tuple[SoftCost, ...] = DEFAULT_SOFT_COSTS
    contingency_pct: Decimal = Decimal(5)
    tax: str = "jasa_konstruksi"  # a key of TAX_PRESETS
    tax_rate: Decimal | None = None  # percent; None takes the preset's rate

    def __post_init__(self) -> None:
        for name in ("construction", "infrastructure", "land"):
            object.__setattr__(self, name, rupiah(getattr(self, name), field=name))
        object.__setattr__(self, "soft_costs", tuple(self.soft_costs))
        object.__setattr__(self, "contingency_pct", to_decimal(self.contingency_pct, field="contingency_pct"))
        if self.tax not in TAX_PRESETS:
            raise CostingError(
                Message("estimate.tax_unknown", N_("“{value}” is not a tax preset."), {"value": str(self.tax)[:40]}),
                field="tax",
            )
        if self.tax_rate is not None:
            object.__setattr__(self, "tax_rate", to_decimal(self.tax_rate, field="tax_rate"))


@dataclass(frozen=True)
class CostLine:
    code: str  # construction, infrastructure, land, soft.<code>, contingency, tax, tax_dtp
    label: Message
    basis: Message
    amount: int


@dataclass(frozen=True)
class ProjectCost:
    lines: tuple[CostLine, ...]  # add up to `total`
    total: int  # what the project costs the cooperative
    tax: int  # PPN the cooperative pays (0 under DTP)
    warnings: tuple[Message, ...] = ()
    tax_borne_by_government: int = 0  # PPN computed but borne by the government (DTP)

    def line(self, code: str) -> CostLine:
        return next(line for line in self.lines if line.code == code)


def parametric_construction(gfa_m2: Decimal, rate_per_m2: int) -> int:
    """Construction cost from floor area: `gfa_m2` x `rate_per_m2`, to the rupiah."""
    area = non_negative(gfa_m2, field="gfa_m2")
    rate = rupiah(rate_per_m2, field="rate_per_m2")
    return round_rupiah(Fraction(area) * rate)


def _pct_of(base: int, pct: Decimal) -> Fraction:
    return base * Fraction(pct) / 100


def _out_of_range(
    message_code: str, msgid: str, field_name: str, value: Decimal, maximum: Decimal, **extra: Any
) -> None:
    if value < 0 or value > maximum:
        raise CostingError(Message(message_code, msgid, {"value": value, "max": maximum, **extra}), field=field_name)


def _label(text: str, code: str) -> Message:
    # A cooperative's own label is not a msgid: double its braces so str.format leaves them alone.
    return Message(f"cost.soft.{code}", text.replace("{", "{{").replace("}", "}}"), {})


def project_cost(inputs: CostInputs) -> ProjectCost:
    """The project's cost lines, each with its basis, the total and the PPN (see the module notes)."""
    preset = TAX_PRESETS[inputs.tax]
    rate = preset.rate if inputs.tax_rate is None else inputs.tax_rate
    _out_of_range(
        "estimate.tax_rate_out_of_range",
        N_("The PPN rate must be from 0 to {max}% (it is {value}%)."),
        "tax_rate",
        rate,
        TAX_RATE_MAX,
    )
    _out_of_range(
        "estimate.contingency_out_of_range",
        N_("Contingency must be from 0 to {max}% (it is {value}%)."),
        "contingency_pct",
        inputs.contingency_pct,
        CONTINGENCY_MAX,
    )
    seen: set[str] = set()
    for soft in inputs.soft_costs:
        if soft.code in seen:
            raise CostingError(
                Message("estimate.soft_duplicate", N_("Soft cost {code} is listed twice."), {"code": soft.code}),
                field="soft_costs",
            )
        seen.add(soft.code)
        if soft.basis == "pct_construction":
            _out_of_range(
                "estimate.soft_pct_out_of_range",
                N_("Soft cost {code}: the percentage must be from 0 to {max}% (it is {value}%)."),
                "soft_costs",
                soft.value,
                SOFT_PCT_MAX,
                code=soft.code,
            )

    warnings: list[Message] = []
    construction_price = inputs.construction + inputs.infrastructure
    lines = [
        CostLine(
            "construction",
            Message("cost.construction", N_("Construction"), {}),
            Message("cost.basis.construction", N_("Buildings, from the RAB or the parametric estimate"), {}),
            inputs.construction,
        ),
        CostLine(
            "infrastructure",
            Message("cost.infrastructure", N_("Site infrastructure"), {}),
            Message("cost.basis.infrastructure", N_("Roads, drainage, water and power connections on the site"), {}),
            inputs.infrastructure,
        ),
        CostLine(
            "land",
            Message("cost.land", N_("Land"), {}),
            Message("cost.basis.land", N_("Land acquisition, outside the contingency and the PPN"), {}),
            inputs.land,
        ),
    ]
    soft_total = 0
    for soft in inputs.soft_costs:
        if soft.basis == "fixed":
            amount = int(soft.value)
            basis = Message("cost.basis.fixed", N_("Fixed amount"), {})
        else:
            amount = round_rupiah(_pct_of(construction_price, Decimal(soft.value)))
            basis = Message(
                "cost.basis.pct_construction",
                N_("{pct}% (of the construction price Rp{base})"),
                {"pct": soft.value, "base": construction_price},
            )
        soft_total += amount
        lines.append(CostLine(f"soft.{soft.code}", _label(soft.label, soft.code), basis, amount))

    contingency_base = construction_price + soft_total
    contingency = round_rupiah(_pct_of(contingency_base, inputs.contingency_pct))
    lines.append(
        CostLine(
            "contingency",
            Message("cost.contingency", N_("Contingency"), {}),
            Message(
                "cost.basis.contingency",
                N_("{pct}% (of Rp{base}: construction, infrastructure and soft costs)"),
                {"pct": inputs.contingency_pct, "base": contingency_base},
            ),
            contingency,
        )
    )
    if inputs.contingency_pct > CONTINGENCY_USUAL_MAX:
        warnings.append(
            Message(
                "estimate.contingency_high",
                N_(
                    "Contingency at {pct}% (more than the usual 5 to 10%) should have a reason written in the "
                    "estimate."
                ),
                {"pct": inputs.contingency_pct},
            )
        )

    tax_label = Message(f"cost.tax.{preset.code}", preset.label, {})
    if preset.base == "construction_11_12":
        tax = round_rupiah(construction_price * Fraction(11, 12) * Fraction(rate) / 100)
        basis = Message(
            "cost.basis.tax_11_12",
            N_("{rate}% (on 11/12 of the construction price Rp{base})"),
            {"rate": rate, "base": construction_price},
        )
    elif preset.base == "cost_excluding_land":
        tax_base = construction_price + soft_total
        tax = round_rupiah(_pct_of(tax_base, rate))
        basis = Message(
            "cost.basis.tax_excluding_land",
            N_("{rate}% (of Rp{base}, the cost excluding land)"),
            {"rate": rate, "base": tax_base},
        )
    else:
        tax = 0
        basis = Message("cost.basis.tax_none", N_("No PPN in this estimate"), {})
    lines.append(CostLine("tax", tax_label, basis, tax))
    if inputs.tax_rate is not None and inputs.tax_rate != preset.rate and preset.base != "none":
        warnings.append(
            Message(
                "estimate.tax_rate_changed",
                N_("The PPN rate is set to {rate}% (the preset has {preset}%); check that it is the rate in force."),
                {"rate": rate, "preset": preset.rate},
            )
        )

    borne = 0
    if preset.borne_by_government:
        borne = tax
        lines.append(
            CostLine(
                "tax_dtp",
                Message("cost.tax_dtp", N_("PPN borne by the government (DTP)"), {}),
                Message("cost.basis.tax_dtp", N_("Not paid by the cooperative (PMK 90/2025)"), {}),
                -tax,
            )
        )
        warnings.append(
            Message(
                "estimate.dtp_conditions",
                N_(
                    "PPN DTP covers rusun units priced up to Rp{price_cap}, on the first Rp{covered} of each "
                    "unit's price, one unit per person: check that every unit qualifies."
                ),
                {"price_cap": 5_000_000_000, "covered": 2_000_000_000},
            )
        )
    if inputs.construction == 0:
        warnings.append(Message("estimate.no_construction", N_("The construction cost is zero."), {}))

    total = sum(line.amount for line in lines)
    return ProjectCost(
        lines=tuple(lines),
        total=total,
        tax=tax - borne,
        warnings=tuple(warnings),
        tax_borne_by_government=borne,
    )


def rate_for(building_type: str, rates: Mapping[str, int] = PARAMETRIC_RATES) -> int:
    """The parametric rate of a building type; CostingError for a type not in `rates`."""
    if building_type not in rates:
        raise CostingError(
            Message(
                "estimate.building_type_unknown",
                N_("“{value}” is not a building type with a parametric rate."),
                {"value": str(building_type)[:40]},
            ),
            field="building_type",
        )
    return rates[building_type]

