"""Concurrent writes: payments recorded through the plan page's form by many officers at once, beside the same
payments recorded one at a time, on SQLite and (when there is a server) on PostgreSQL + PostGIS.

For each database a throw-away japra (`japra db upgrade`, `japra demo`: Akuarium's 31 instalment plans with a
year of payments) is served with `japra serve` as the load benchmark serves it (`launch.py`: one worker, access log
off), with the sign-in limit raised so every virtual officer can sign in from 127.0.0.1. Officers are signed in
through the login form before anything is timed, each a client of its own (its own session and CSRF cookie).

Two cases, each measured twice on the same server, sequential first:

- **spread**: payment i on plan i mod 31 (with 40 clients, nine plans take two), so the writes contend for the
  database's write lock only;
- **one plan**: every payment on the same plan, which each payment locks (`SELECT ... FOR UPDATE` on
  PostgreSQL) until it commits, so they queue. The sequential run uses the first plan, the concurrent the second:
  a payment costs more the more entries its plan has.

**sequential** (the baseline): CLIENTS x ROUNDS payments sent one after another by one client, the next as soon
as the previous answer is in. **concurrent**: CLIENTS clients in threads released at once by a barrier, each
sending ROUNDS payments one after another. writes/s counts the accepted payments (302) over the wall time from
the first request to the last answer; p50 and p99 are the latencies of the accepted ones; 409, other 4xx, 5xx
and "no answer" (a timeout after REQUEST_TIMEOUT_S, a dropped connection) are counted; **stored** is what the
database holds afterwards under the run's references, which must equal the accepted count. **vs sequential** is
the concurrent writes/s over the sequential one.

A client stops at its first unanswered request (the server is stuck), and a server that left a request
unanswered is replaced by a fresh one on the same database before the next measurement, so a stuck server costs
at most REQUEST_TIMEOUT_S per measurement and not the whole run.
"""

from __future__ import annotations

import re
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from benchmarks import postgis, sandbox, servers
from benchmarks.load import percentile_ms

CLIENTS = 40
ROUNDS = 5
REQUEST_TIMEOUT_S = 30.0
COOPERATIVE = "akuarium"
OFFICERS = ("pengurus-akuarium", "admin", "perencana")  # who may record Akuarium's payments
AMOUNT = "1000"
WARM_UP = 3
CSRF_FIELD = re.compile(r'name="_csrf_token" value="([^"]+)"')
COLUMNS = ("database", "case", "mode", "clients", "writes", "seconds", "writes/s", "p50 ms", "p99 ms", "409",
           "other 4xx", "5xx", "no answer", "stored", "vs sequential")


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def jakarta_today() -> str:
    """The server refuses a payment dated after its own today, Jakarta's."""
    return datetime.now(ZoneInfo("Asia/Jakarta")).date().isoformat()


@dataclass
class Measurement:
    database: str
    case: str
    mode: str  # sequential or concurrent
    clients: int
    seconds: float = 0.0
    latencies_s: list[float] = field(default_factory=list)  # accepted writes only
    answers: Counter[str] = field(default_factory=Counter)  # status code or exception name -> count
    stored: int | None = None

    @property
    def writes(self) -> int:
        return len(self.latencies_s)

    @property
    def writes_per_s(self) -> float:
        return self.writes / self.seconds if self.seconds else 0.0

    def count(self, test: Callable[[str], bool]) -> int:
        return sum(n for key, n in self.answers.items() if test(key))

    @property
    def conflicts(self) -> int:
        return self.answers.get("409", 0)

    @property
    def other_4xx(self) -> int:
        return self.count(lambda k: k.isdigit() and 400 <= int(k) < 500 and k != "409")

    @property
    def server_errors(self) -> int:
        return self.count(lambda k: k.isdigit() and int(k) >= 500)

    @property
    def unanswered(self) -> int:
        return self.count(lambda k: not k.isdigit())

    def as_json(self) -> dict[str, Any]:
        ordered = sorted(self.latencies_s)
        return {"database": self.database, "case": self.case, "mode": self.mode, "clients": self.clients,
                "writes": self.writes, "seconds": round(self.seconds, 3), "writes_per_s": round(self.writes_per_s, 1),
                "p50_ms": _round(percentile_ms(ordered, 50)), "p99_ms": _round(percentile_ms(ordered, 99)),
                "answers": dict(self.answers), "stored": self.stored}


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


# --- officers and payments ----------------------------------------------------------------------------------

class Officer:
    """A signed-in client of its own: its session and CSRF cookies, one keep-alive connection."""

    def __init__(self, base_url: str, username: str) -> None:
        self.client = httpx.Client(base_url=base_url, timeout=REQUEST_TIMEOUT_S, follow_redirects=False,
                                   limits=httpx.Limits(max_connections=1, max_keepalive_connections=1))
        form = self.client.get("/login")
        match = CSRF_FIELD.search(form.text)
        if form.status_code != 200 or not match:
            raise RuntimeError(f"GET /login gave {form.status_code} without a CSRF field")
        done = self.client.post("/login", data={"username": username, "password": sandbox.PASSWORD,
                                                "_csrf_token": match.group(1)})
        if done.status_code != 302 or sandbox.SESSION_COOKIE not in self.client.cookies:
            raise RuntimeError(f"{username} could not sign in: POST /login gave {done.status_code}")

    def pay(self, plan_id: int, reference: str) -> tuple[str, float]:
        """One payment through the form: the answer's status (or the exception's name) and its latency."""
        started = time.perf_counter()
        try:
            response = self.client.post(f"/cooperatives/{COOPERATIVE}/plans/{plan_id}/payments", data={
                "paid_on": jakarta_today(), "amount": AMOUNT, "reference": reference,
                "_csrf_token": self.client.cookies["japra_csrf"]})
        except httpx.HTTPError as exc:
            return type(exc).__name__, time.perf_counter() - started
        return str(response.status_code), time.perf_counter() - started

    def close(self) -> None:
        self.client.close()


def _record(measurement: Measurement, outcome: str, took: float) -> None:
    measurement.answers[outcome] += 1
    if outcome in ("302", "303"):
        measurement.latencies_s.append(took)


def sequential(officer: Officer, plans: list[int], prefix: str, measurement: Measurement) -> None:
    started = time.perf_counter()
    for n, plan in enumerate(plans):
        outcome, took = officer.pay(plan, f"{prefix}-{n}")
        _record(measurement, outcome, took)
        if not outcome.isdigit():
            break  # the server is stuck: the rest would wait as long
    measurement.seconds = time.perf_counter() - started


def concurrent(officers: list[Officer], plans: list[list[int]], prefix: str, measurement: Measurement) -> None:
    """Officer i sends the payments on plans[i] one after another; all officers start at the same moment."""
    barrier = threading.Barrier(len(officers) + 1)
    lock = threading.Lock()

    def work(i: int) -> None:
        barrier.wait(timeout=60)
        for n, plan in enumerate(plans[i]):
            outcome, took = officers[i].pay(plan, f"{prefix}-{i}-{n}")
            with lock:
                _record(measurement, outcome, took)
            if not outcome.isdigit():
                break

    threads = [threading.Thread(target=work, args=(i,), daemon=True) for i in range(len(officers))]
    for thread in threads:
        thread.start()
    barrier.wait(timeout=60)
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    measurement.seconds = time.perf_counter() - started


# --- one database -------------------------------------------------------------------------------------------

def _stored(database_url: str, prefix: str) -> int:
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT count(*) FROM payment_entry WHERE reference LIKE :p"),
                                {"p": prefix + "-%"}).scalar_one()
    finally:
        engine.dispose()


def _plans(database_url: str) -> list[int]:
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            return list(conn.execute(text(
                "SELECT p.id FROM instalment_plan p JOIN cooperative c ON c.id = p.cooperative_id "
                "WHERE c.slug = :slug AND p.kind = 'loan' AND p.in_force ORDER BY p.id"), {"slug": COOPERATIVE})
                .scalars())
    finally:
        engine.dispose()


class Japra:
    """The served japra of one database, replaced by a fresh server when one is stuck."""

    def __init__(self, stack: ExitStack, env: dict[str, str], data_dir: Path, label: str) -> None:
        self.stack, self.env, self.data_dir, self.label = stack, env, data_dir, label
        self.server: servers.Server | None = None
        self.officers: list[Officer] = []

    def start(self, clients: int) -> None:
        options = self.data_dir / "uvicorn-options.json"
        self.server = servers.start("japra", [str(options)], self.env, self.data_dir)
        self.stack.callback(self.server.stop)
        self.server.wait_ready("/healthz")
        say(f"writes: {self.label} server ready at {self.server.base_url}; signing in {clients + 1} officers")
        # Sessions are rows in the database: they outlive a restarted server.
        self.officers = [Officer(self.server.base_url, OFFICERS[i % len(OFFICERS)]) for i in range(clients + 1)]
        for officer in self.officers:
            self.stack.callback(officer.close)

    def replace_if_stuck(self, previous: Measurement | None, clients: int) -> None:
        """A fresh server on the same database when the previous measurement left requests unanswered."""
        if previous is not None and previous.unanswered and self.server is not None:
            say(f"writes: {self.label}: {previous.unanswered} request(s) unanswered; starting a fresh server")
            self.server.stop()
            self.start(clients)


def _leg(label: str, env: dict[str, str], data_dir: Path, database_url: str, clients: int,
         rounds: int) -> list[Measurement]:
    say(f"writes: installing japra with demo data ({label})")
    sandbox.japra(env, "db", "upgrade")
    sandbox.japra(env, "demo")
    plans = _plans(database_url)
    if not plans:
        raise RuntimeError(f"the demo has no plan in force in {COOPERATIVE}")
    run_id = uuid.uuid4().hex[:6]
    spread = [[plans[(i * rounds + n) % len(plans)] for n in range(rounds)] for i in range(clients)]
    # Each mode of "one plan" on a plan of its own: a payment costs more the more entries its plan has, so the
    # concurrent run must not inherit the sequential run's payments.
    cases = {"spread": {"sequential": spread, "concurrent": spread},
             "one plan": {"sequential": [[plans[0]] * rounds for _ in range(clients)],
                          "concurrent": [[plans[1 % len(plans)]] * rounds for _ in range(clients)]}}
    out: list[Measurement] = []
    with ExitStack() as stack:
        japra = Japra(stack, env, data_dir, label)
        japra.start(clients)
        warm = japra.officers[-1]
        for n in range(WARM_UP):  # imports, templates and caches, outside the figures
            warm.pay(plans[-1], f"BW{run_id}-warm-{n}")
        for case, modes in cases.items():
            for mode, per_client in modes.items():
                prefix = f"BW{run_id}-{'s' if case == 'spread' else 'o'}{mode[0]}"
                japra.replace_if_stuck(out[-1] if out else None, clients)
                m = Measurement(label, case, mode, 1 if mode == "sequential" else clients)
                say(f"writes: {label}, {case}, {mode}: {clients * rounds} payments")
                if mode == "sequential":
                    sequential(japra.officers[-1], [p for plans_ in per_client for p in plans_], prefix, m)
                else:
                    concurrent(japra.officers[:clients], per_client, prefix, m)
                m.stored = _stored(database_url, prefix)
                out.append(m)
    return out


@contextmanager
def _sqlite(work: Path) -> Iterator[tuple[dict[str, str], Path, str]]:
    data_dir = work / "sqlite"
    data_dir.mkdir()
    env = sandbox.environment(data_dir)
    yield env, data_dir, env["JAPRA_DATABASE_URL"]


def run(clients: int = CLIENTS, rounds: int = ROUNDS) -> dict[str, Any]:
    measurements: list[Measurement] = []
    skipped: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="japra-bench-writes-") as tmp:
        work = Path(tmp)
        with _sqlite(work) as (env, data_dir, url):
            env["JAPRA_LOGIN_ATTEMPTS_PER_MINUTE"] = "1000000"
            measurements += _leg("SQLite", env, data_dir, url, clients, rounds)
        with postgis.server() as pg:
            if pg.url is None:
                skipped["PostGIS"] = pg.source
                say(f"writes: PostGIS skipped: {pg.source}")
            else:
                say(f"writes: PostGIS on {pg.source}")
                with postgis.scratch_database(pg.url) as url:
                    data_dir = work / "postgis"
                    data_dir.mkdir()
                    env = sandbox.environment(data_dir)
                    env["JAPRA_DATABASE_URL"] = url
                    env["JAPRA_LOGIN_ATTEMPTS_PER_MINUTE"] = "1000000"
                    measurements += _leg("PostGIS", env, data_dir, url, clients, rounds)
    return {"clients": clients, "rounds": rounds, "amount": int(AMOUNT), "request_timeout_s": REQUEST_TIMEOUT_S,
            "measurements": [m.as_json() for m in measurements], "skipped": skipped,
            "table": table(measurements, skipped)}


# --- the table ------------------------------------------------------------------------------------------------

def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f}"


def table(measurements: list[Measurement], skipped: dict[str, str] | None = None) -> str:
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    baseline: dict[tuple[str, str], float] = {}
    for m in measurements:
        if m.mode == "sequential":
            baseline[(m.database, m.case)] = m.writes_per_s
        base = baseline.get((m.database, m.case))
        ratio = f"{m.writes_per_s / base:.2f}" if m.mode == "concurrent" and base else "-"
        ordered = sorted(m.latencies_s)
        sent = m.writes + sum(v for k, v in m.answers.items() if k not in ("302", "303"))
        cells = (m.database, m.case, m.mode, str(m.clients), f"{m.writes}/{sent}", f"{m.seconds:.2f}",
                 f"{m.writes_per_s:.1f}", _ms(percentile_ms(ordered, 50)), _ms(percentile_ms(ordered, 99)),
                 str(m.conflicts), str(m.other_4xx), str(m.server_errors), str(m.unanswered),
                 "-" if m.stored is None else str(m.stored), ratio)
        lines.append("| " + " | ".join(cells) + " |")
    for database, why in (skipped or {}).items():
        lines.append(f"\n{database} skipped: {why}")
    return "\n".join(lines)


if __name__ == "__main__":
    result = run(*(int(a) for a in sys.argv[1:3]))
    print(result["table"])
