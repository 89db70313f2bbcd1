"""Before a meeting: can the members taking part afford each unit type's instalment on assumed terms?

The price of a unit type is its units' cost in the meeting's scenario; its units may differ (floor factors,
shared costs), so the range is shown and the highest price decides the flag: a member flagged for none of a
type's units may still be flagged for its dearest one. The instalment follows `finance.affordability`.

Incomes are personal data: this is for the officers' meeting page only, never meeting mode (the projector), a
public page, an export or a log.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.orm import Session

from app.cooperatives.policy import policy_of
from app.designs import service as designs
from app.errors import Invalid
from app.meetings.models import AllocationMeeting
from finance.affordability import Affordability, assess, assumed_instalment, down_payment
from finance.instalment import METHODS, FinanceError

# The guide's subsidised housing finance (FLPP, 2025): 5% fixed, up to 20 years, down payment from 1%.
DEFAULT_TERMS = {"aff_method": "annuity", "aff_rate": "5", "aff_months": "240", "aff_down": "1"}
FIELDS = {"method": "aff_method", "annual_rate": "aff_rate", "months": "aff_months", "down_payment_pct": "aff_down"}


@dataclass(frozen=True)
class Terms:
    method: str
    annual_rate_pct: Decimal
    months: int
    down_payment_pct: Decimal


@dataclass(frozen=True)
class TypeRow:
    code: str
    name: str
    units: int
    min_price: int
    max_price: int  # the price the instalment is worked out on
    down_payment: int
    instalment: int
    within: int  # participants whose income it is within
    above: int
    unknown: int


@dataclass(frozen=True)
class MemberRow:
    number: str
    name: str
    income: int | None  # None: not recorded
    results: tuple[Affordability, ...]  # one per unit type, in the order of `Report.types`


@dataclass(frozen=True)
class Report:
    terms: Terms
    ratio_pct: Decimal
    types: tuple[TypeRow, ...]
    members: tuple[MemberRow, ...]


def check_terms(terms: Terms) -> Terms:
    """The assumed terms (read by the meeting page's form reader), checked by `finance` itself; a refusal names the
    form's field."""
    try:
        if terms.method not in METHODS:
            raise FinanceError("unknown method", field="method")
        assumed_instalment(100_000_000, terms.down_payment_pct, terms.annual_rate_pct / 100, terms.months,
                           terms.method)
    except FinanceError as exc:
        field = FIELDS.get(exc.field or "", "aff_rate")
        if field == "aff_method":
            raise Invalid("Choose how the loan is repaid.", field=field) from None
        if field == "aff_months":
            raise Invalid("The tenor is from 1 to 480 months; got {value}.", field=field, value=terms.months) from None
        if field == "aff_down":
            raise Invalid("The down payment is a percentage from 0 and below 100; got {value}.", field=field,
                          value=str(terms.down_payment_pct)) from None
        raise Invalid("The annual rate is a percentage from 0 to 50; got {value}.", field="aff_rate",
                      value=str(terms.annual_rate_pct)) from None
    return terms


def report(session: Session, meeting: AllocationMeeting, terms: Terms) -> Report:
    """Per unit type of the meeting's scenario its price range and instalment, and per participant the share of
    their income each instalment takes, flagged above the cooperative's ratio."""
    ratio_pct = policy_of(session, meeting.project.cooperative_id).affordability_pct
    cost = designs.compute(session, meeting.scenario)
    types = []
    for t in cost.by_type:
        instalment = assumed_instalment(t.max_cost, terms.down_payment_pct, terms.annual_rate_pct / 100,
                                        terms.months, terms.method)
        types.append((t, instalment))
    members = []
    for p in sorted(meeting.participants, key=lambda p: p.member.number):
        income = p.member.monthly_income or None
        results = tuple(assess(income, instalment, ratio_pct / 100) for _, instalment in types)
        members.append(MemberRow(p.member.number, p.member.name, income, results))
    rows = []
    for i, (t, instalment) in enumerate(types):
        statuses = [m.results[i].status for m in members]
        rows.append(TypeRow(t.code, t.name, t.count, t.min_cost, t.max_cost,
                            down_payment(t.max_cost, terms.down_payment_pct), instalment,
                            statuses.count("within"), statuses.count("above"), statuses.count("unknown")))
    return Report(terms, ratio_pct, tuple(rows), tuple(members))
