"""A cooperative's policy as the pure libraries take it: late charges and payment order for `finance.ledger`,
the collectibility preset and thresholds for `finance.arrears`, the meeting rules for `allocation`, and the
affordability ratio. The stored row (CooperativePolicy) may be absent: then every default holds."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy.orm import Session

from allocation.model import Rules
from app.cooperatives.models import Cooperative, CooperativePolicy
from finance.arrears import check_thresholds
from finance.ledger import COMPONENTS, LatePolicy

DEFAULT_AFFORDABILITY_PCT = Decimal(30)  # the share of household income above which an instalment is flagged


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
    thresholds = (check_thresholds(row.collectibility_preset, row.collectibility_thresholds)
                  if row.collectibility_thresholds else None)
    return Policy(late=late, order=tuple(row.payment_order.split(",")), preset=row.collectibility_preset,
                  thresholds=thresholds, rules=rules,
                  affordability_pct=Decimal(row.affordability_ratio_pct or DEFAULT_AFFORDABILITY_PCT))


def policy_of(session: Session, coop: Cooperative | int) -> Policy:
    coop_id = coop if isinstance(coop, int) else coop.id
    return from_row(session.get(CooperativePolicy, coop_id))
