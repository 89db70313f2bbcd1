"""A member's payments against an instalment schedule: what each paid, when, and the late charges.

The ledger is never edited: `apply_payments` recomputes it from the schedule and the list of
entries every time, as of a date. Money is whole rupiah (`int`).

Rules:

- A payment goes to the OLDEST instalment that is due on the payment's date (due date on or before
  it) and still owes anything, and within it to its components in `order`, by default the late
  charge, then the interest (the margin for murabahah), then the principal; then to the next
  instalment. Any order of the three components may be configured.
- Money left once every due instalment is settled is CREDIT (paid ahead). Credit is applied, oldest
  money first, to each later instalment on its due date; what is left at `as_of` is
  `LedgerState.credit` (after the last instalment, an overpayment to give back).
- Late charges (denda) follow the cooperative's `LatePolicy` and are off by default
  (``late_policy=None``). An instalment whose principal and interest are not fully paid by the end
  of ``due + grace_days`` is charged on the next day: a fixed amount (``kind="fixed"``, `value`
  rupiah) or a rate of what it still owes (``kind="rate"``, `value` a Decimal fraction: 0.02 is
  2%, rounded half up). With ``monthly=True`` (the default) it is charged again on the same day of
  each following month while it stays unpaid. Charges never bear charges. For murabahah the app
  books them to the social fund, never as income (Fatwa DSN-MUI 17/2000).
- Entries are never edited. A reversal is a new entry (`Payment` with `reversal_of` = the
  reference of the payment it cancels, the SAME amount, and a `reason`), dated on or after that
  payment and on or before `as_of`. The reversed payment then counts as never made: the ledger is
  recomputed without it, from the start (a bounced transfer never paid anything). A payment is
  reversed at most once; a reversal cannot itself be reversed (record the payment again, under a
  new reference). References are unique across all entries.
- Money paid before the first due date is an ADVANCE: credit like any other, applied to the
  instalments as they fall due, oldest money first. It is taken from the day the plan starts,
  `ADVANCE_MONTHS` (12) months before the first due date: a date older than that is a typo (2016 for
  2026) far more often than a member paying a year ahead.
- Refused, with a `FinanceError` naming the field: an amount that is not a whole number above 0;
  a date after `as_of`; a date before the plan starts (`plan_start`); a duplicate or empty
  reference; a reversal of an unknown or already reversed reference, or of a reversal; a reversal
  without a reason, with another amount, or dated before the payment it reverses.
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

from finance.instalment import FinanceError, Instalment, add_months

COMPONENTS = ("late_charge", "interest", "principal")
LATE_KINDS = ("rate", "fixed")


@dataclass(frozen=True)
class Payment:
    date: date
    amount: int
    reference: str
    reversal_of: str | None = None  # the reference of the payment this entry cancels
    reason: str = ""  # required for a reversal


@dataclass(frozen=True)
class LatePolicy:
    """A cooperative's late charge: `kind` "fixed" (`value` whole rupiah) or "rate" (`value` a
    Decimal fraction of what the instalment still owes), after `grace_days` past the due date,
    once or (`monthly`) again each month while the instalment stays unpaid."""

    kind: str
    value: Decimal | int
    grace_days: int = 0
    monthly: bool = True

    def __post_init__(self) -> None:
        if self.kind not in LATE_KINDS:
            raise FinanceError(f"late_policy kind must be 'rate' or 'fixed', not {self.kind!r}", field="late_policy")
        if self.kind == "fixed":
            if isinstance(self.value, bool) or not isinstance(self.value, int) or self.value <= 0:
                raise FinanceError(f"a fixed late charge must be whole rupiah above 0, not {self.value!r}",
                                   field="late_policy")
        elif (isinstance(self.value, bool) or not isinstance(self.value, Decimal | int)
              or (isinstance(self.value, Decimal) and not self.value.is_finite()) or not 0 < self.value <= 1):
            raise FinanceError(f"a late charge rate must be a Decimal above 0 and at most 1 (2% is 0.02), "
                               f"not {self.value!r}", field="late_policy")
        if isinstance(self.grace_days, bool) or not isinstance(self.grace_days, int) or self.grace_days < 0:
            raise FinanceError(f"late_policy grace_days must be a whole number 0 or more, not {self.grace_days!r}",
                               field="late_policy")

    def charge(self, unpaid: int) -> int:
        """The charge on an instalment that still owes `unpaid` rupiah of principal and interest."""
        if self.kind == "fixed":
            return int(self.value)
        rate = Fraction(self.value)
        return (2 * unpaid * rate.numerator + rate.denominator) // (2 * rate.denominator)


@dataclass(frozen=True, slots=True)
class Allocation:
    """Money of one payment on one component of one instalment."""

    reference: str
    paid_on: date  # the payment's date
    applied_on: date  # when it went to the instalment: later than paid_on for money paid ahead
    component: str  # "late_charge", "interest" or "principal"
    amount: int


@dataclass(frozen=True, slots=True)
class LateCharge:
    instalment: int  # its number
    charged_on: date
    amount: int
    unpaid: int  # what the instalment still owed (principal and interest) when charged


@dataclass(frozen=True, slots=True)
class InstalmentState:
    number: int
    due: date
    principal: int
    interest: int
    late_charge: int  # charged up to as_of
    principal_paid: int
    interest_paid: int
    late_charge_paid: int
    settled_on: date | None  # the day its principal and interest were paid in full
    allocations: tuple[Allocation, ...]

    @property
    def unpaid(self) -> int:
        """Principal and interest still owed (the late charge apart)."""
        return self.principal - self.principal_paid + self.interest - self.interest_paid

    @property
    def principal_unpaid(self) -> int:
        return self.principal - self.principal_paid

    @property
    def interest_unpaid(self) -> int:
        return self.interest - self.interest_paid

    @property
    def late_charge_unpaid(self) -> int:
        return self.late_charge - self.late_charge_paid

    @property
    def is_paid(self) -> bool:
        return self.unpaid == 0


@dataclass(frozen=True)
class LedgerState:
    as_of: date
    instalments: tuple[InstalmentState, ...]
    credit: int  # paid ahead and not yet applied at as_of
    late_charges: tuple[LateCharge, ...]
    applied: tuple[Payment, ...]  # the payments that count (not reversed), by date
    reversed: dict[str, str]  # reference of a reversed payment -> reference of its reversal
    order: tuple[str, ...]
    late_policy: LatePolicy | None
    schedule: tuple[Instalment, ...] = field(repr=False)
    entries: tuple[Payment, ...] = field(repr=False)

    @property
    def paid(self) -> int:
        """Every rupiah paid and not reversed: allocated plus credit."""
        return sum(payment.amount for payment in self.applied)

    @property
    def principal_paid(self) -> int:
        return sum(row.principal_paid for row in self.instalments)

    @property
    def outstanding_principal(self) -> int:
        """Principal not yet repaid, due or not: what a restructuring starts from."""
        return sum(row.principal_unpaid for row in self.instalments)

    @property
    def late_charges_total(self) -> int:
        return sum(charge.amount for charge in self.late_charges)

    @property
    def late_charges_unpaid(self) -> int:
        return sum(row.late_charge_unpaid for row in self.instalments)

    def at(self, as_of: date) -> LedgerState:
        """The same ledger as of another date: entries dated after it did not happen yet (earlier),
        and no further payment is known (later)."""
        if as_of == self.as_of:
            return self
        if not isinstance(as_of, date):
            raise FinanceError(f"as_of must be a date, not {type(as_of).__name__}", field="as_of")
        return apply_payments(self.schedule, [e for e in self.entries if e.date <= as_of], order=self.order,
                              late_policy=self.late_policy, as_of=as_of)


def net_paid(entries: Iterable[Payment]) -> int:
    """The money the entries hold: the payments less those reversed (a reversal carries the amount it cancels)."""
    return sum(-e.amount if e.reversal_of else e.amount for e in entries)


# How long before the first due date money is taken as an advance (see the module docstring).
ADVANCE_MONTHS = 12
# A payment above this many times what is expected (`payment_expected`) is asked to be confirmed: a typo (an extra
# zero: Rp64.087.440 for Rp6.408.744) looks just like an early settlement, and only the officer can tell them apart.
LARGE_PAYMENT_FACTOR = 3


def plan_start(instalments: Sequence[Instalment]) -> date:
    """The day a plan starts: `ADVANCE_MONTHS` before its first due date (payments from it on are taken; those
    before the first due date are credit, applied as the instalments fall due)."""
    return add_months(instalments[0].due, -ADVANCE_MONTHS)


def payment_expected(state: LedgerState, on: date) -> int:
    """What a payment made on `on` is expected to be: what is due by then and unpaid (late charges included), or
    the next instalment falling due after it when that is more (nothing overdue, or a member paying ahead).
    0 once nothing is left to pay."""
    book = state.at(on)
    due = sum(row.unpaid + row.late_charge_unpaid for row in book.instalments if row.due <= on)
    upcoming = next((row.principal + row.interest for row in book.instalments
                     if row.due > on and row.principal + row.interest), 0)
    return max(due, upcoming)


def far_above(amount: int, expected: int) -> bool:
    """Whether `amount` is more than `LARGE_PAYMENT_FACTOR` times `expected`: worth a second look, never refused
    (an early settlement is paid this way)."""
    return amount > LARGE_PAYMENT_FACTOR * expected


def apply_payments(
    instalments: Sequence[Instalment],
    payments: Iterable[Payment],
    *,
    order: Sequence[str] = COMPONENTS,
    late_policy: LatePolicy | None = None,
    as_of: date,
) -> LedgerState:
    """The ledger of `payments` (and reversals) against the schedule `instalments`, as of `as_of`.

    `instalments` is a `finance.instalment.schedule` with due dates. See the module docstring for
    the rules; every refusal is a `FinanceError` whose `field` names what is wrong."""
    rows = _check_schedule(instalments)
    order = _check_order(order)
    if late_policy is not None and not isinstance(late_policy, LatePolicy):
        raise FinanceError("late_policy must be a LatePolicy or None", field="late_policy")
    if not isinstance(as_of, date):
        raise FinanceError(f"as_of must be a date, not {type(as_of).__name__}", field="as_of")
    entries = tuple(payments)
    applied, reversed_by = _check_entries(entries, plan_start(rows), as_of)

    n = len(rows)
    due = [row.due for row in rows]
    owed = {"principal": [row.principal for row in rows], "interest": [row.interest for row in rows],
            "late_charge": [0] * n}
    paid = {component: [0] * n for component in COMPONENTS}
    owed_order = [owed[c] for c in order]
    paid_order = [paid[c] for c in order]
    settled: list[date | None] = [None] * n
    allocations: list[list[Allocation]] = [[] for _ in range(n)]
    charges: list[LateCharge] = []
    credit: deque[list] = deque()  # [reference, paid_on, amount], oldest first
    first_open = 0  # the oldest instalment that may still owe anything
    n_due = 0  # instalments due so far

    owed_p, owed_i, owed_c = owed["principal"], owed["interest"], owed["late_charge"]
    paid_p, paid_i, paid_c = paid["principal"], paid["interest"], paid["late_charge"]
    steps = tuple(zip(order, owed_order, paid_order, strict=True))

    def apply(reference: str, paid_on: date, amount: int, day: date) -> int:
        """Pays the oldest open due instalments; returns what is left."""
        nonlocal first_open
        while amount and first_open < n_due:
            i = first_open
            for component, owe, got in steps:
                take = owe[i] - got[i]
                if take > 0:
                    if take > amount:
                        take = amount
                    got[i] += take
                    amount -= take
                    allocations[i].append(Allocation(reference, paid_on, day, component, take))
                    if not amount:
                        break
            if settled[i] is None and paid_p[i] == owed_p[i] and paid_i[i] == owed_i[i]:
                settled[i] = day
            if paid_p[i] == owed_p[i] and paid_i[i] == owed_i[i] and paid_c[i] == owed_c[i]:
                first_open += 1
            elif amount:  # cannot happen: money left means every component was filled
                raise AssertionError("payment left over on an open instalment")
        return amount

    def apply_credit(day: date) -> None:
        while credit and first_open < n_due:
            chunk = credit[0]
            chunk[2] = apply(chunk[0], chunk[1], chunk[2], day)
            if chunk[2]:
                break
            credit.popleft()

    # Zero rows (a tiny annuity repaid early, grace months of murabahah) are settled when due.
    for i, row in enumerate(rows):
        if row.principal == 0 and row.interest == 0:
            settled[i] = row.due

    heap: list[tuple[date, int, int]] = []  # (charge day, instalment index, months since its first charge)
    grace = timedelta(days=late_policy.grace_days + 1) if late_policy else None
    fixed = rate_num = rate_den = None
    if late_policy is not None and late_policy.kind == "fixed":
        fixed = int(late_policy.value)
    elif late_policy is not None:
        rate = Fraction(late_policy.value)
        rate_num, rate_den = rate.numerator, rate.denominator
    j = 0
    while True:
        day = as_of + timedelta(days=1)
        if n_due < n and due[n_due] < day:
            day = due[n_due]
        if heap and heap[0][0] < day:
            day = heap[0][0]
        if j < len(applied) and applied[j].date < day:
            day = applied[j].date
        if day > as_of:
            break
        # 1. instalments falling due today take any credit
        while n_due < n and due[n_due] <= day:
            if late_policy is not None:
                first_charge = due[n_due] + grace
                if first_charge <= as_of:
                    heapq.heappush(heap, (first_charge, n_due, 0))
            n_due += 1
        if credit:
            apply_credit(day)
        # 2. late charges, on what was still owed at the end of yesterday
        while heap and heap[0][0] == day:
            _, i, k = heapq.heappop(heap)
            unpaid = owed_p[i] - paid_p[i] + owed_i[i] - paid_i[i]
            if unpaid <= 0:
                continue
            amount = fixed if fixed is not None else (2 * unpaid * rate_num + rate_den) // (2 * rate_den)
            if amount > 0:
                owed_c[i] += amount
                charges.append(LateCharge(rows[i].number, day, amount, unpaid))
            if late_policy.monthly:
                following = add_months(due[i] + grace, k + 1)
                if following <= as_of:
                    heapq.heappush(heap, (following, i, k + 1))
        # 3. today's payments
        while j < len(applied) and applied[j].date == day:
            payment = applied[j]
            left = apply(payment.reference, payment.date, payment.amount, day)
            if left:
                credit.append([payment.reference, payment.date, left])
            j += 1

    states = tuple(
        InstalmentState(row.number, row.due, row.principal, row.interest, owed["late_charge"][i],
                        paid["principal"][i], paid["interest"][i], paid["late_charge"][i],
                        settled[i] if settled[i] is None or settled[i] <= as_of else None, tuple(allocations[i]))
        for i, row in enumerate(rows)
    )
    return LedgerState(as_of=as_of, instalments=states, credit=sum(chunk[2] for chunk in credit),
                       late_charges=tuple(charges), applied=applied, reversed=reversed_by, order=order,
                       late_policy=late_policy, schedule=rows, entries=entries)


# --- validation ------------------------------------------------------------------------------------

def _check_schedule(instalments: Sequence[Instalment]) -> tuple[Instalment, ...]:
    rows = tuple(instalments)
    if not rows or not all(isinstance(row, Instalment) for row in rows):
        raise FinanceError("instalments must be a schedule: a non-empty list of Instalment", field="instalments")
    if any(row.due is None for row in rows):
        raise FinanceError("instalments need due dates: make the schedule with first_due", field="instalments")
    if any(b.due <= a.due for a, b in zip(rows, rows[1:], strict=False)):
        raise FinanceError("instalments must fall due one after another", field="instalments")
    return rows


def _check_order(order: Sequence[str]) -> tuple[str, ...]:
    chosen = tuple(order) if not isinstance(order, str) else (order,)
    if sorted(chosen) != sorted(COMPONENTS):
        raise FinanceError(f"order must name each of {', '.join(COMPONENTS)} once, not {order!r}", field="order")
    return chosen


def _check_entries(entries: tuple[Payment, ...], start: date, as_of: date) -> tuple[tuple[Payment, ...], dict]:
    by_reference: dict[str, Payment] = {}
    for entry in entries:
        if not isinstance(entry, Payment):
            raise FinanceError(f"payments must be Payment entries, not {type(entry).__name__}", field="payments")
        ref = entry.reference
        if not isinstance(ref, str) or not ref.strip():
            raise FinanceError(f"every payment needs a reference, not {ref!r}", field="reference")
        if ref in by_reference:
            raise FinanceError(f"the reference {ref!r} is used twice", field="reference")
        by_reference[ref] = entry
        if isinstance(entry.amount, bool) or not isinstance(entry.amount, int) or entry.amount <= 0:
            raise FinanceError(f"payment {ref!r}: the amount must be whole rupiah above 0, not {entry.amount!r}",
                               field="amount")
        if not isinstance(entry.date, date):
            raise FinanceError(f"payment {ref!r}: the date must be a date, not {entry.date!r}", field="date")
        if entry.date > as_of:
            raise FinanceError(f"payment {ref!r} is dated {entry.date.isoformat()}, after {as_of.isoformat()}: "
                               "a payment cannot be in the future", field="date")
        if entry.date < start:
            raise FinanceError(f"payment {ref!r} is dated {entry.date.isoformat()}, before the plan starts on "
                               f"{start.isoformat()} ({ADVANCE_MONTHS} months before the first due date)", field="date")

    reversed_by: dict[str, str] = {}
    for entry in entries:
        if entry.reversal_of is None:
            continue
        ref, target = entry.reference, entry.reversal_of
        original = by_reference.get(target)
        if original is None:
            raise FinanceError(f"reversal {ref!r}: there is no payment {target!r} to reverse", field="reversal_of")
        if original.reversal_of is not None:
            raise FinanceError(f"reversal {ref!r}: {target!r} is itself a reversal and cannot be reversed; "
                               "record the payment again under a new reference", field="reversal_of")
        if target in reversed_by:
            raise FinanceError(f"reversal {ref!r}: payment {target!r} was already reversed by "
                               f"{reversed_by[target]!r}", field="reversal_of")
        if not isinstance(entry.reason, str) or not entry.reason.strip():
            raise FinanceError(f"reversal {ref!r} needs a reason", field="reason")
        if entry.amount != original.amount:
            raise FinanceError(f"reversal {ref!r} must be for the amount of payment {target!r}, "
                               f"{original.amount}, not {entry.amount}", field="amount")
        if entry.date < original.date:
            raise FinanceError(f"reversal {ref!r} is dated {entry.date.isoformat()}, before payment {target!r} "
                               f"of {original.date.isoformat()}", field="date")
        reversed_by[target] = ref

    applied = [(e.date, k, e) for k, e in enumerate(entries)
               if e.reversal_of is None and e.reference not in reversed_by]
    return tuple(e for _, _, e in sorted(applied, key=lambda t: (t[0], t[1]))), reversed_by
