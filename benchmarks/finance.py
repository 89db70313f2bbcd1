"""The pure finance library at portfolio size: schedules, then ledgers and arrears, in this process.

`run()` times, with no database and no server:

- `schedules`: `finance.instalment.schedule` for 5,000 plans of 240 months each (1,200,000 rows),
  the five methods in turn, principals from Rp50 to Rp185 million, 0-12 grace months, due dates;
  every schedule is kept in memory, as a portfolio report would.
- `arrears`: for 5,000 plans of 240 months with 60 payments each (most on time, some late, part
  paid or missed, one in fifty reversed), `finance.ledger.apply_payments` as of a date with a late
  charge policy on, then `finance.arrears.arrears`, `classify` under both presets and the two
  portfolio summaries rolled up over three cooperatives.

Each part reports `seconds` (wall clock, `time.perf_counter`, garbage collection left on),
`per_plan_ms`, and memory from `resource.getrusage` (MiB): `peak_rss_mib`, the process's peak
after the part, and `rss_growth_mib`, how much the part raised it. The peak only ever rises, so
the schedules part runs first and the arrears part builds its inputs (schedules and payments)
before its clock starts; its growth is what the ledgers and arrears add on top (little: each
plan's ledger is dropped once classified). `tracemalloc` is not used: it slows the schedules
tenfold. Nothing is printed; the figures are returned.
"""

from __future__ import annotations

import resource
import sys
import time
from datetime import date
from decimal import Decimal
from typing import Any

from finance.arrears import arrears, classify, portfolio_summary, roll_up
from finance.instalment import METHODS, schedule
from finance.ledger import LatePolicy, Payment, apply_payments

PLANS = 5_000
MONTHS = 240
PAYMENTS = 60
FIRST_DUE = date(2021, 1, 31)
AS_OF = date(2026, 1, 15)  # 60 instalments due (the last on 31 December 2025), 60 payments
POLICY = LatePolicy("rate", Decimal("0.01"), grace_days=7)


def _plan(k: int) -> tuple[int, Decimal, str, int]:
    principal = 50_000_000 + (k * 7_919_993) % 135_000_000
    rate = Decimal(3 + k % 10) / 100
    return principal, rate, METHODS[k % len(METHODS)], (k * 7) % 13


def _schedules(plans: int, months: int) -> list:
    return [schedule(p, r, months, m, grace_months=g, first_due=FIRST_DUE)
            for p, r, m, g in map(_plan, range(plans))]


def _payments(k: int, rows) -> list[Payment]:
    """60 payments: on time mostly; every 7th plan pays late, every 11th part pays, every 13th
    skips some; one plan in fifty has a payment reversed."""
    entries = []
    for n in range(PAYMENTS):
        row = rows[n]
        amount, day = row.total, row.due
        if k % 7 == 0:
            day = date.fromordinal(day.toordinal() + 10)
        if k % 11 == 0 and n % 3 == 0:
            amount = max(1, amount // 2)
        if k % 13 == 0 and n % 5 == 4:
            continue
        if amount > 0:
            entries.append(Payment(day, amount, f"{k}-{n}"))
    if k % 50 == 0 and entries:
        first = entries[0]
        entries.append(Payment(AS_OF, first.amount, f"{k}-rev", first.reference, "transfer bounced"))
    return entries


def _arrears(portfolios: list[tuple[list, list[Payment]]]) -> dict[str, Any]:
    rows = {"koperasi": [[], [], []], "bank": [[], [], []]}
    for k, (plan, entries) in enumerate(portfolios):
        found = arrears(apply_payments(plan, entries, late_policy=POLICY, as_of=AS_OF))
        for preset in rows:
            rows[preset][k % 3].append((classify(found, preset), found.outstanding_principal))
    return {preset: roll_up([portfolio_summary(group, preset) for group in groups]) for preset, groups in rows.items()}


def _peak_rss_mib() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(peak / (1024 * 1024 if sys.platform == "darwin" else 1024), 1)


def run(plans: int = PLANS, months: int = MONTHS) -> dict[str, Any]:
    before = _peak_rss_mib()
    started = time.perf_counter()
    kept = _schedules(plans, months)
    seconds = time.perf_counter() - started
    peak = _peak_rss_mib()
    result: dict[str, Any] = {"schedules": {
        "plans": plans, "months": months, "rows": sum(len(rows) for rows in kept), "seconds": round(seconds, 3),
        "per_plan_ms": round(seconds * 1000 / plans, 3), "peak_rss_mib": peak,
        "rss_growth_mib": round(peak - before, 1),
    }}

    portfolios = [(rows, _payments(k, rows)) for k, rows in enumerate(kept)]
    before = _peak_rss_mib()
    started = time.perf_counter()
    summaries = _arrears(portfolios)
    seconds = time.perf_counter() - started
    peak = _peak_rss_mib()
    koperasi, bank = summaries["koperasi"], summaries["bank"]
    result["arrears"] = {
        "plans": plans, "months": months, "payments": sum(len(entries) for _, entries in portfolios),
        "as_of": AS_OF.isoformat(), "seconds": round(seconds, 3), "per_plan_ms": round(seconds * 1000 / plans, 3),
        "peak_rss_mib": peak, "rss_growth_mib": round(peak - before, 1),
        "koperasi": {t.name: t.members for t in koperasi.classes},
        "bank": {t.name: t.members for t in bank.classes},
        "problem_ratio_pct": {"koperasi": str(koperasi.problem_ratio_pct), "bank": str(bank.problem_ratio_pct)},
        "health": {"koperasi": koperasi.health, "bank": bank.health},
    }
    return result
