"""A cooperative's policy as the pure libraries take it: late charges and payment order for `finance.ledger`,
the collectibility preset and thresholds for `finance.arrears`, the meeting rules for `allocation`, and the
affordability ratio. The stored row (CooperativePolicy) may be absent: then every default holds.

The policy form is checked by the libraries themselves (`LatePolicy`, `check_thresholds`, `Rules`,
`check_ratio`), one field at a time, so that each refusal names its field; every problem of a form is
reported at once and nothing is saved until all are right."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from babel.numbers import format_decimal
from sqlalchemy.orm import Session

from allocation.errors import AllocationError
from allocation.model import DEFAULT_BEDROOM_BANDS, PRIORITY_CRITERIA, Rules
from app.audit import service as audit
from app.cooperatives.models import Cooperative, CooperativePolicy
from app.errors import Invalid, InvalidFields
from app.i18n import babel_locale
from app.labels import N_
from app.web.forms import FormReader, Problems, shown
from finance.affordability import check_ratio
from finance.arrears import COLLECTIBILITY_PRESETS, check_thresholds
from finance.instalment import FinanceError
from finance.ledger import COMPONENTS, LatePolicy

DEFAULT_AFFORDABILITY_PCT = Decimal(30)  # the share of household income above which an instalment is flagged

PRIORITY_LABELS = {
    "original_resident": N_("Original residents of the site first"),
    "needs": N_("Members who need the ground floor or a lift first"),
    "seniority": N_("Longest membership first"),
    "savings": N_("Largest savings first"),
}
COMPONENT_LABELS = {
    "late_charge": N_("Late charge"),
    "interest": N_("Interest or margin"),
    "principal": N_("Principal"),
}
BAND_ROWS = 5  # "up to N persons -> B bedrooms" rows on the form, before "larger households"


@dataclass(frozen=True)
class Policy:
    late: LatePolicy | None = None
    order: tuple[str, ...] = COMPONENTS
    preset: str = "koperasi"
    thresholds: tuple[int, ...] | None = None
    rules: Rules = field(default_factory=Rules)
    affordability_pct: Decimal = DEFAULT_AFFORDABILITY_PCT


def from_row(row: CooperativePolicy | None) -> Policy:
    if row is None:
        return Policy()
    late = None
    if row.late_charge_kind == "rate" and row.late_charge_rate_pct:
        late = LatePolicy("rate", Decimal(row.late_charge_rate_pct) / 100, row.late_grace_days, row.late_monthly)
    elif row.late_charge_kind == "fixed" and row.late_charge_fixed:
        late = LatePolicy("fixed", int(row.late_charge_fixed), row.late_grace_days, row.late_monthly)
    rules = Rules(
        **({"priority": tuple(row.priority_rules)} if row.priority_rules is not None else {}),
        **({"bedroom_bands": tuple(tuple(b) for b in row.bedroom_bands)} if row.bedroom_bands else {}),
        max_extra_bedrooms=row.max_extra_bedrooms,
    )
    thresholds = (
        check_thresholds(row.collectibility_preset, row.collectibility_thresholds)
        if row.collectibility_thresholds
        else None
    )
    return Policy(
        late=late,
        order=tuple(row.payment_order.split(",")),
        preset=row.collectibility_preset,
        thresholds=thresholds,
        rules=rules,
        affordability_pct=Decimal(row.affordability_ratio_pct or DEFAULT_AFFORDABILITY_PCT),
    )


def policy_of(session: Session, coop: Cooperative | int) -> Policy:
    coop_id = coop if isinstance(coop, int) else coop.id
    return from_row(session.get(CooperativePolicy, coop_id))


def rules_data(rules: Rules) -> dict[str, Any]:
    """The meeting rules a cooperative can set, as JSON (what a meeting records when its hash is published)."""
    return {"priority": list(rules.priority), "bedroom_bands": [list(b) for b in rules.bedroom_bands],
            "max_extra_bedrooms": rules.max_extra_bedrooms}


def rules_from_data(data: dict[str, Any]) -> Rules:
    return Rules(priority=tuple(data["priority"]), bedroom_bands=tuple(tuple(b) for b in data["bedroom_bands"]),
                 max_extra_bedrooms=data.get("max_extra_bedrooms"))


# --- the form ---------------------------------------------------------------------------------------


class PolicyInvalid(InvalidFields):
    """Every problem of a policy form; the first is the exception's own msgid and field."""


@dataclass(frozen=True)
class PolicyIn:
    """A policy as its form sets it, checked field by field by the libraries (`read_form`): the stored row's values.
    None for thresholds, priority or bands means the default (the preset's own, the usual order, the usual bands)."""

    late_charge_kind: str | None = None  # None (off), "rate" or "fixed"
    late_charge_rate_pct: Decimal | None = None
    late_charge_fixed: int | None = None
    late_grace_days: int = 0
    late_monthly: bool = True
    payment_order: tuple[str, ...] = COMPONENTS
    collectibility_preset: str = "koperasi"
    collectibility_thresholds: tuple[int, ...] | None = None
    priority_rules: tuple[str, ...] | None = None
    bedroom_bands: tuple[tuple[int | None, int], ...] | None = None  # the last row's size is None: larger households
    max_extra_bedrooms: int | None = None
    affordability_ratio_pct: Decimal = DEFAULT_AFFORDABILITY_PCT


def _figure(value: Decimal | int | None, locale: str) -> str:
    """A value for an input: no grouping, so what comes back parses the same way."""
    if value is None:
        return ""
    return format_decimal(Decimal(value), format="0.###", locale=babel_locale(locale))


def form_values(policy: Policy, locale: str) -> dict[str, str]:
    """The policy as the form shows it: each preset's thresholds prefilled (the policy's own for its preset)."""
    late = policy.late
    values = {
        "late_kind": late.kind if late else "off",
        "late_rate_pct": _figure(Decimal(late.value) * 100, locale) if late and late.kind == "rate" else "",
        "late_fixed": str(late.value) if late and late.kind == "fixed" else "",
        "late_grace_days": str(late.grace_days) if late else "0",
        "late_monthly": "1" if late is None or late.monthly else "0",
        "preset": policy.preset,
        "max_extra_bedrooms": "" if policy.rules.max_extra_bedrooms is None else str(policy.rules.max_extra_bedrooms),
        "affordability_pct": _figure(policy.affordability_pct, locale),
    }
    values |= {f"order_{i}": c for i, c in enumerate(policy.order)}
    for key, preset in COLLECTIBILITY_PRESETS.items():
        bounds = policy.thresholds if key == policy.preset and policy.thresholds else preset.thresholds
        values |= {f"thr_{key}_{i}": str(b) for i, b in enumerate(bounds)}
    values |= {f"prio_{i}": c for i, c in enumerate(policy.rules.priority)}
    *bands, (_, larger) = policy.rules.bedroom_bands
    for i, (up_to, bedrooms) in enumerate(bands[:BAND_ROWS]):
        values |= {f"band_up_{i}": str(up_to), f"band_bed_{i}": str(bedrooms)}
    values["band_bed_last"] = str(larger)
    return values


class _Form:
    """Reads a posted form with the one form reader (`FormReader`: numbers as the language writes them, no NaN, no
    infinity, nothing longer than a number), keeping every problem (the first of each field) instead of stopping at
    the first."""

    def __init__(self, form: FormReader) -> None:
        self.form, self.problems = form, Problems()

    def raw(self, name: str) -> str:
        return self.form.raw(name).strip()

    def shown(self, name: str) -> str:
        """What was typed, to repeat in a message."""
        return shown(self.raw(name))

    def fail(self, problem: Invalid) -> None:
        """Keeps the first problem of each field: the one to fix first."""
        self.problems.add(problem)

    def number(self, name: str, *, required: bool = True) -> Decimal | None:
        if not self.form.filled(name):
            if required:
                self.fail(Invalid("This value is needed.", field=name))
            return None
        try:
            return self.form.decimal(name)
        except Invalid:
            self.fail(Invalid("{value} is not a number.", field=name, value=self.shown(name)))
            return None

    def whole(self, name: str, *, required: bool = True, high: int = 10**6) -> int | None:
        """A whole number; below 0 is left to the libraries' checks, `high` keeps it in its column."""
        value = self.number(name, required=required)
        if value is None:
            return None
        if value != value.to_integral_value():
            self.fail(Invalid("{value} is not a whole number.", field=name, value=self.shown(name)))
            return None
        if value > high:
            self.fail(Invalid("{value} is outside {low} to {high}.", field=name, value=self.shown(name), low=0,
                              high=high))
            return None
        return int(value)


def _late(form: _Form) -> dict[str, Any]:
    kind = form.raw("late_kind") or "off"
    off = {
        "late_charge_kind": None,
        "late_charge_rate_pct": None,
        "late_charge_fixed": None,
        "late_grace_days": 0,
        "late_monthly": True,
    }
    if kind not in ("off", "rate", "fixed"):
        form.fail(Invalid("Choose whether late charges are off, a rate or a fixed amount.", field="late_kind"))
        return off
    if kind == "off":
        return off
    monthly = form.raw("late_monthly") != "0"
    grace = form.whole("late_grace_days", required=False, high=365)
    if grace is None and not form.raw("late_grace_days"):
        grace = 0
    if grace is not None:
        try:
            LatePolicy("fixed", 1, grace, monthly)
        except FinanceError:
            form.fail(
                Invalid(
                    "Grace days are a whole number, 0 or more; got {value}.",
                    field="late_grace_days",
                    value=form.shown("late_grace_days"),
                )
            )
    out = {**off, "late_charge_kind": kind, "late_grace_days": grace, "late_monthly": monthly}
    if kind == "rate":
        pct = form.number("late_rate_pct")
        if pct is not None:
            try:
                LatePolicy("rate", pct / 100)
            except FinanceError:
                form.fail(
                    Invalid(
                        "A late charge rate is a percentage above 0 and at most 100; got {value}.",
                        field="late_rate_pct",
                        value=form.shown("late_rate_pct"),
                    )
                )
            else:
                if pct != pct.quantize(Decimal("0.001")):
                    form.fail(
                        Invalid(
                            "Write the rate with at most three decimals; got {value}.",
                            field="late_rate_pct",
                            value=form.shown("late_rate_pct"),
                        )
                    )
        out["late_charge_rate_pct"] = pct
    else:
        fixed = form.whole("late_fixed", high=10**12)
        if fixed is not None:
            try:
                LatePolicy("fixed", fixed)
            except FinanceError:
                form.fail(
                    Invalid(
                        "A fixed late charge is whole rupiah above 0; got {value}.",
                        field="late_fixed",
                        value=form.shown("late_fixed"),
                    )
                )
        out["late_charge_fixed"] = fixed
    return out


def _order(form: _Form) -> str:
    chosen = [form.raw(f"order_{i}") for i in range(len(COMPONENTS))]
    for i, component in enumerate(chosen):
        if component not in COMPONENTS or component in chosen[:i]:
            form.fail(
                Invalid(
                    "A payment pays the late charge, the interest and the principal, each once, in "
                    "the order chosen: position {n} repeats one or is empty.",
                    field=f"order_{i}",
                    n=i + 1,
                )
            )
            break
    return ",".join(chosen)


def _collectibility(form: _Form) -> tuple[str, list[int] | None]:
    key = form.raw("preset")
    if key not in COLLECTIBILITY_PRESETS:
        form.fail(Invalid("Choose a collectibility preset.", field="preset"))
        return "koperasi", None
    preset = COLLECTIBILITY_PRESETS[key]
    names = [f"thr_{key}_{i}" for i in range(len(preset.thresholds))]
    bounds = [form.whole(name) for name in names]
    if any(b is None for b in bounds):
        return key, None
    try:
        checked = check_thresholds(preset, bounds)
    except FinanceError:
        for i, (name, bound) in enumerate(zip(names, bounds, strict=True)):
            if bound < 0:
                if preset.measure == "months_in_arrears":
                    form.fail(
                        Invalid(
                            "A class ends at a whole number of months in arrears, 0 or more; got {value}.",
                            field=name,
                            value=form.shown(name),
                        )
                    )
                else:
                    form.fail(
                        Invalid(
                            "A class ends at a whole number of days past due, 0 or more; got {value}.",
                            field=name,
                            value=form.shown(name),
                        )
                    )
                break
            if i and bound <= bounds[i - 1]:
                form.fail(
                    Invalid(
                        "Each class must end above the class before it: {value} is not above {previous}.",
                        field=name,
                        value=form.shown(name),
                        previous=bounds[i - 1],
                    )
                )
                break
        return key, None
    # The preset's own bounds are stored as none: they then follow the preset.
    return key, None if checked == preset.thresholds else list(checked)


def _rules(form: _Form) -> dict[str, Any]:
    slots = [(i, form.raw(f"prio_{i}")) for i in range(len(PRIORITY_CRITERIA))]
    priority = [c for _, c in slots if c]
    try:
        Rules(priority=priority)
    except AllocationError:
        seen: set[str] = set()
        for i, criterion in slots:
            if not criterion:
                continue
            if criterion not in PRIORITY_CRITERIA or criterion in seen:
                form.fail(
                    Invalid(
                        "Each priority criterion may be chosen once: position {n} repeats one.",
                        field=f"prio_{i}",
                        n=i + 1,
                    )
                )
                break
            seen.add(criterion)

    bands: list[tuple[int | None, int | None]] = []
    names: list[tuple[str, str]] = []
    for i in range(BAND_ROWS):
        up_name, bed_name = f"band_up_{i}", f"band_bed_{i}"
        if not (form.raw(up_name) or form.raw(bed_name)):
            continue
        if not form.raw(up_name) or not form.raw(bed_name):
            form.fail(
                Invalid(
                    "Give both the household size and its bedrooms in row {n}, or leave the row empty.",
                    field=up_name if not form.raw(up_name) else bed_name,
                    n=i + 1,
                )
            )
        bands.append((form.whole(up_name, required=False), form.whole(bed_name, required=False)))
        names.append((up_name, bed_name))
    larger = form.whole("band_bed_last")
    bands_ok = all(up is not None and bed is not None for up, bed in bands) and larger is not None
    if bands_ok:
        try:
            Rules(bedroom_bands=[*bands, (None, larger)])
        except AllocationError:
            previous = None
            for (up, bed), (up_name, bed_name) in zip(bands, names, strict=True):
                if up < 1:
                    form.fail(
                        Invalid(
                            "A household has at least 1 person; got {value}.", field=up_name, value=form.shown(up_name)
                        )
                    )
                    break
                if previous is not None and up <= previous:
                    form.fail(
                        Invalid(
                            "Each row is for larger households than the row before: {value} is not "
                            "more than {previous}.",
                            field=up_name,
                            value=form.shown(up_name),
                            previous=previous,
                        )
                    )
                    break
                if bed < 0:
                    form.fail(
                        Invalid(
                            "Bedrooms are a whole number, 0 or more; got {value}.",
                            field=bed_name,
                            value=form.shown(bed_name),
                        )
                    )
                    break
                previous = up
            else:
                form.fail(
                    Invalid(
                        "Bedrooms are a whole number, 0 or more; got {value}.",
                        field="band_bed_last",
                        value=form.shown("band_bed_last"),
                    )
                )

    extra = form.whole("max_extra_bedrooms", required=False)
    if extra is not None:
        try:
            Rules(max_extra_bedrooms=extra)
        except AllocationError:
            form.fail(
                Invalid(
                    "Extra bedrooms: leave empty for any number, or a whole number 0 or more; got {value}.",
                    field="max_extra_bedrooms",
                    value=form.shown("max_extra_bedrooms"),
                )
            )
    stored_bands = [list(b) for b in bands] + [[None, larger]] if bands_ok else None
    default_bands = [list(b) for b in DEFAULT_BEDROOM_BANDS]
    return {
        "priority_rules": None if tuple(priority) == PRIORITY_CRITERIA else priority,
        "bedroom_bands": None if stored_bands == default_bands else stored_bands,
        "max_extra_bedrooms": extra,
    }


def _affordability(form: _Form) -> Decimal | None:
    pct = form.number("affordability_pct")
    if pct is None:
        return None
    try:
        check_ratio(pct / 100)
    except FinanceError:
        form.fail(
            Invalid(
                "The affordability ratio is a percentage above 0 and at most 100; got {value}.",
                field="affordability_pct",
                value=form.shown("affordability_pct"),
            )
        )
        return None
    if pct != pct.quantize(Decimal("0.01")):
        form.fail(
            Invalid(
                "Write the ratio with at most two decimals; got {value}.",
                field="affordability_pct",
                value=form.shown("affordability_pct"),
            )
        )
    return pct


def _snapshot(row: CooperativePolicy | None) -> dict[str, Any]:
    """The row as the audit trail writes it (the defaults when there is none yet)."""
    if row is None:
        return {
            "late_charge_kind": None,
            "late_charge_rate_pct": None,
            "late_charge_fixed": None,
            "late_grace_days": 0,
            "late_monthly": True,
            "payment_order": ",".join(COMPONENTS),
            "collectibility_preset": "koperasi",
            "collectibility_thresholds": None,
            "priority_rules": None,
            "bedroom_bands": None,
            "max_extra_bedrooms": None,
            "affordability_ratio_pct": str(DEFAULT_AFFORDABILITY_PCT),
        }

    def pct(value: Decimal | None) -> str | None:
        return None if value is None else str(Decimal(value).normalize())

    return {
        "late_charge_kind": row.late_charge_kind,
        "late_charge_rate_pct": pct(row.late_charge_rate_pct),
        "late_charge_fixed": row.late_charge_fixed,
        "late_grace_days": row.late_grace_days,
        "late_monthly": row.late_monthly,
        "payment_order": row.payment_order,
        "collectibility_preset": row.collectibility_preset,
        "collectibility_thresholds": row.collectibility_thresholds,
        "priority_rules": row.priority_rules,
        "bedroom_bands": row.bedroom_bands,
        "max_extra_bedrooms": row.max_extra_bedrooms,
        "affordability_ratio_pct": pct(row.affordability_ratio_pct),
    }


def read_form(form: FormReader) -> PolicyIn:
    """The policy form, every field checked by the library that uses it. Raises `PolicyInvalid` listing every
    problem, each naming its field."""
    reader = _Form(form)
    late = _late(reader)
    order = _order(reader)
    preset, thresholds = _collectibility(reader)
    rules = _rules(reader)
    affordability = _affordability(reader)
    if reader.problems.found:
        raise PolicyInvalid(reader.problems.found)
    bands = rules["bedroom_bands"]
    return PolicyIn(
        **late,
        payment_order=tuple(order.split(",")),
        collectibility_preset=preset,
        collectibility_thresholds=None if thresholds is None else tuple(thresholds),
        priority_rules=None if rules["priority_rules"] is None else tuple(rules["priority_rules"]),
        bedroom_bands=None if bands is None else tuple((up, bed) for up, bed in bands),
        max_extra_bedrooms=rules["max_extra_bedrooms"],
        affordability_ratio_pct=affordability,
    )


def save(session: Session, actor: Any, coop: Cooperative, policy: PolicyIn) -> CooperativePolicy:
    """The cooperative's policy as its form set it (`read_form`): the row created or updated and the changed fields
    audited ("policy.update")."""
    row = session.get(CooperativePolicy, coop.id)
    before = _snapshot(row)
    if row is None:
        row = CooperativePolicy(cooperative_id=coop.id)
        session.add(row)
    row.late_charge_kind, row.late_charge_rate_pct = policy.late_charge_kind, policy.late_charge_rate_pct
    row.late_charge_fixed, row.late_grace_days = policy.late_charge_fixed, policy.late_grace_days
    row.late_monthly = policy.late_monthly
    row.payment_order = ",".join(policy.payment_order)
    row.collectibility_preset = policy.collectibility_preset
    thresholds = policy.collectibility_thresholds
    row.collectibility_thresholds = None if thresholds is None else list(thresholds)
    row.priority_rules = None if policy.priority_rules is None else list(policy.priority_rules)
    row.bedroom_bands = None if policy.bedroom_bands is None else [list(b) for b in policy.bedroom_bands]
    row.max_extra_bedrooms = policy.max_extra_bedrooms
    row.affordability_ratio_pct = policy.affordability_ratio_pct
    session.flush()
    changed = audit.diff(before, _snapshot(row))
    if changed:
        audit.record(
            session,
            actor=actor,
            action="policy.update",
            entity_type="cooperative",
            entity_id=coop.id,
            cooperative_id=coop.id,
            changes=changed,
        )
    return row
