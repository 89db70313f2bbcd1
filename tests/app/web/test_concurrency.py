"""Officers writing at the same moment: a real server, one HTTP client per officer, requests released together.

Each scenario fires its requests from threads held at a barrier, so they reach the server within a
millisecond or so of each other, while a watcher asks /healthz every 100 ms. It holds when

- no answer is a 5xx and none is left hanging (every request has a bounded timeout);
- /healthz answers 200 within a second all through the burst and for a second after it;
- every accepted write (a redirect) is stored exactly once, with its audit entry, and a refused one
  left nothing behind;
- every refusal is a 409, or a 4xx form page naming the reason.

The demo database is loaded once for the module (SQLite file, or a PostgreSQL database beside
JAPRA_TEST_DATABASE_URL); each test gets a copy of it and a server of its own, so a server stuck
by one scenario cannot fail the next.
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

from tests.conftest import DEMO_PASSWORD, form_token
from tests.live import LiveServer, copy_database, demo_database, drop_database, serve

pytestmark = pytest.mark.db

# Bounded, so a server stuck on a lock fails the test instead of hanging CI. A healthy burst takes a few seconds.
REQUEST_TIMEOUT = httpx.Timeout(30.0, connect=10.0)
HEALTH_EVERY_S = 0.1
HEALTH_LIMIT_S = 1.0  # each /healthz answer, during the burst and after it
HEALTH_AFTER_S = 1.0  # how long the watcher goes on after the last answer of the burst
HEALTH_TIMEOUT_S = 5.0
SERVER_ENV = {"JAPRA_LOGIN_ATTEMPTS_PER_MINUTE": "100000"}  # every officer signs in from 127.0.0.1
AMOUNT = 100_000
KUNIR_SEED = "kunir-konkuren-2026"
CONFIRM_FORM = {"members_present": "30", "members_total": "36", "chair": "Ketua", "secretary": "Sekretaris",
                "witness_1": "Saksi 1", "witness_2": "Saksi 2", "notes": "", "certain": "1"}
# Who may write Akuarium's payments and members: its own officer, and Japra's staff.
AKUARIUM_WRITERS = ("pengurus-akuarium", "admin", "perencana")
KUNIR_WRITERS = ("pengurus-kunir", "admin", "perencana")


def jakarta_today() -> str:
    """The server dates a payment's 'today' in Jakarta: a payment dated later is refused."""
    return datetime.now(ZoneInfo("Asia/Jakarta")).date().isoformat()


# --- the server, its database and the officers ------------------------------------------------

# Every officer has a session of their own, made once for the module; copies of the database carry them. Each user
# signs in through the login form once; their other sessions are made as the login makes them (`start_session`),
# since argon2 costs about a third of a second per sign-in on a 2-core machine: 37 sign-ins would be 12 s.
SESSIONS = {"pengurus-akuarium": 10, "pengurus-kunir": 7, "admin": 10, "perencana": 10}


@dataclass(frozen=True)
class Template:
    database_url: str
    data_dir: Path  # the secret key (which signs the CSRF cookies) and the demo pictures, shared by every server
    cookies: dict[str, list[dict[str, str]]]  # username -> each signed-in browser's cookies


def _signed_in_cookies(base_url: str, username: str) -> dict[str, str]:
    with httpx.Client(base_url=base_url, timeout=REQUEST_TIMEOUT, follow_redirects=False) as client:
        form = client.get("/login")
        done = client.post("/login", data={"username": username, "password": DEMO_PASSWORD,
                                           "_csrf_token": form_token(form.text)})
        assert done.status_code == 302 and "japra_session" in client.cookies, \
            f"{username} could not sign in: {done.status_code}"
        return {name: client.cookies[name] for name in ("japra_session", "japra_csrf")}


def _more_sessions(database_url: str, username: str, n: int) -> list[str]:
    """n more sessions of the user, stored as the login form stores one; their cookie values."""
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from app.auth.models import User
    from app.auth.service import start_session

    engine = create_engine(database_url)
    try:
        with Session(engine) as db:
            user = db.scalar(select(User).where(User.username == username))
            tokens = [start_session(db, user, 12) for _ in range(n)]
            db.commit()
        return tokens
    finally:
        engine.dispose()


def _csrf_cookie(base_url: str) -> str:
    with httpx.Client(base_url=base_url, timeout=REQUEST_TIMEOUT) as client:
        client.get("/login")
        return client.cookies["japra_csrf"]


@pytest.fixture(scope="module")
def template(tmp_path_factory, database_url) -> Iterator[Template]:
    """The demo data, loaded once by the command line, with the officers' sessions; each test serves a copy."""
    tmp = tmp_path_factory.mktemp("concurrency")
    url = demo_database(tmp, database_url, "japra_concurrency")
    try:
        with serve(url, tmp, "japra_concurrency", SERVER_ENV) as live:
            cookies = {user: [_signed_in_cookies(live.base_url, user)] for user in SESSIONS}
            for user, n in SESSIONS.items():
                cookies[user] += [{"japra_session": token, "japra_csrf": _csrf_cookie(live.base_url)}
                                  for token in _more_sessions(url, user, n - 1)]
                # The made sessions work as the signed-in one does.
                with httpx.Client(base_url=live.base_url, cookies=cookies[user][-1], timeout=REQUEST_TIMEOUT) as c:
                    assert c.get("/", follow_redirects=False).status_code == 200, f"{user}'s made session"
        yield Template(url, tmp, cookies)
    finally:
        drop_database(url)


@pytest.fixture()
def server(template, request) -> Iterator[LiveServer]:
    name = "japra_conc_" + re.sub(r"\W", "", request.node.name.removeprefix("test_"))[:30]
    url = copy_database(template.database_url, template.data_dir, name)
    try:
        with serve(url, template.data_dir, name, SERVER_ENV) as live:
            yield live
    finally:
        drop_database(url)


@pytest.fixture()
def store(server) -> Iterator[Engine]:
    """The server's database, read with SQLAlchemy between the bursts (never during one)."""
    engine = create_engine(server.database_url)
    yield engine
    engine.dispose()


def rows(engine: Engine, sql: str, **params: Any) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(sql), params)]


def one(engine: Engine, sql: str, **params: Any) -> Any:
    return rows(engine, sql, **params)[0][0]


def audit_count(engine: Engine, action: str) -> int:
    return one(engine, "SELECT count(*) FROM audit_entry WHERE action = :action", action=action)


def plans_of(engine: Engine, slug: str) -> list[int]:
    """The cooperative's loans in force, oldest first."""
    return [r[0] for r in rows(engine, """
        SELECT p.id FROM instalment_plan p JOIN cooperative c ON c.id = p.cooperative_id
        WHERE c.slug = :slug AND p.kind = 'loan' AND p.in_force ORDER BY p.id""", slug=slug)]


def entries(engine: Engine, reference: str) -> list[tuple]:
    return rows(engine, "SELECT plan_id, amount, reversal_of FROM payment_entry WHERE reference = :reference",
                reference=reference)


class Officer:
    """One officer at one browser: a client with cookies of its own (session, CSRF, English pages)."""

    def __init__(self, base_url: str, username: str, cookies: dict[str, str]) -> None:
        self.username = username
        self.client = httpx.Client(base_url=base_url, timeout=REQUEST_TIMEOUT, follow_redirects=False,
                                   cookies={**cookies, "japra_lang": "en"})

    def post(self, path: str, data: dict[str, str], **kwargs: Any) -> httpx.Response:
        return self.client.post(path, data={**data, "_csrf_token": self.client.cookies["japra_csrf"]}, **kwargs)

    def close(self) -> None:
        self.client.close()


@pytest.fixture()
def officers(server, template) -> Iterator[Callable[[tuple[str, ...], int], list[Officer]]]:
    """`officers(usernames, n)`: n signed-in officers, taking the usernames in turn, each with a session of its
    own; all closed after the test."""
    made: list[Officer] = []
    used: Counter[str] = Counter()

    def crew(usernames: tuple[str, ...], n: int) -> list[Officer]:
        new = []
        for i in range(n):
            username = usernames[i % len(usernames)]
            new.append(Officer(server.base_url, username, template.cookies[username][used[username]]))
            used[username] += 1
        made.extend(new)
        return new

    yield crew
    for officer in made:
        officer.close()


# --- bursts and the health watcher --------------------------------------------------------------

@dataclass
class Answer:
    label: str
    status: int | None  # None: no answer (timeout, connection error)
    text: str = ""
    location: str = ""
    seconds: float = 0.0
    error: str | None = None

    @property
    def accepted(self) -> bool:
        return self.status in (302, 303)


def burst(jobs: list[tuple[str, Callable[[], httpx.Response]]]) -> list[Answer]:
    """Every job in a thread of its own, released at the same moment; answers in the order of the jobs."""
    barrier = threading.Barrier(len(jobs))

    def run(label: str, call: Callable[[], httpx.Response]) -> Answer:
        barrier.wait(timeout=30)
        started = time.perf_counter()
        try:
            response = call()
        except httpx.HTTPError as exc:
            return Answer(label, None, seconds=time.perf_counter() - started, error=f"{type(exc).__name__}: {exc}")
        return Answer(label, response.status_code, response.text, response.headers.get("location", ""),
                      time.perf_counter() - started)

    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        futures = [pool.submit(run, label, call) for label, call in jobs]
        return [f.result() for f in futures]


@dataclass
class HealthWatch:
    """Asks /healthz every HEALTH_EVERY_S from before the burst until HEALTH_AFTER_S after it."""

    base_url: str
    polls: list[tuple[float, int | None, float, str]] = field(default_factory=list)  # (at, status, seconds, error)

    def __enter__(self) -> HealthWatch:
        self._stop = threading.Event()
        self._started = time.perf_counter()
        self._thread = threading.Thread(target=self._watch, name="healthz-watch", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        time.sleep(HEALTH_AFTER_S)
        self._stop.set()
        self._thread.join(HEALTH_TIMEOUT_S + 5)

    def _watch(self) -> None:
        with httpx.Client(base_url=self.base_url, timeout=HEALTH_TIMEOUT_S) as client:
            while not self._stop.is_set():
                started = time.perf_counter()
                try:
                    status, error = client.get("/healthz").status_code, ""
                except httpx.HTTPError as exc:
                    status, error = None, type(exc).__name__
                took = time.perf_counter() - started
                self.polls.append((started - self._started, status, took, error))
                self._stop.wait(max(0.0, HEALTH_EVERY_S - took))

    def problems(self) -> list[str]:
        bad = [f"at {at:.1f} s: {status or error} after {took:.2f} s" for at, status, took, error in self.polls
               if status != 200 or took > HEALTH_LIMIT_S]
        if len(self.polls) < 5:
            bad.append(f"only {len(self.polls)} /healthz answers were collected")
        return bad

    def summary(self) -> str:
        took = sorted(p[2] for p in self.polls)
        # Other work on the machine shares the cores with the server: a late answer then may not be the app's.
        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        return (f"{len(self.polls)} polls, slowest {took[-1]:.2f} s, median {took[len(took) // 2]:.2f} s; "
                f"machine load average {load} on {os.cpu_count()} CPUs") if took else "no polls"


def _errors_in_log(server: LiveServer) -> str:
    """The distinct exception lines of the server's log, e.g. `sqlite3.OperationalError: database is locked`."""
    found = Counter(line.strip() for line in server.log_text().splitlines()
                    if re.match(r"\s*[\w.]+(Error|Exception|Timeout)\b.*:", line))
    return "\n".join(f"  {n} x {line[:200]}" for line, n in found.most_common(8)) or "  (none)"


def fire(server: LiveServer, jobs: list[tuple[str, Callable[[], httpx.Response]]]) -> list[Answer]:
    """The burst with the watcher running; fails on any 5xx, unanswered request or slow /healthz."""
    with HealthWatch(server.base_url) as health:
        answers = burst(jobs)
    statuses = Counter(a.status or a.error.split(":")[0] for a in answers)
    print(f"answers {dict(statuses)}; /healthz: {health.summary()}")  # the margins, shown with -rP or -s
    failed = [a for a in answers if a.status is None or a.status >= 500]
    slow_health = health.problems()
    assert not failed and not slow_health, (
        f"answers: {dict(statuses)}; slowest {max(a.seconds for a in answers):.1f} s\n"
        f"5xx or no answer ({len(failed)}): " + "; ".join(f"{a.label}: {a.status or a.error}" for a in failed[:8])
        + f"\n/healthz late or failing ({len(slow_health)} of {len(health.polls)}): {'; '.join(slow_health[:8])}"
        + f"\n/healthz: {health.summary()}"
        + f"\nserver errors:\n{_errors_in_log(server)}")
    return answers


def open_forms(pages: list[tuple[Officer, str]]) -> None:
    """Each officer opens the page whose form they will send, all at once, as a room of officers would: the
    server then is as warm as in use (templates compiled, worker threads started) before the writes arrive."""
    answers = burst([(f"{officer.username} GET {path}", lambda o=officer, p=path: o.client.get(p))
                     for officer, path in pages])
    assert all(a.status == 200 for a in answers), describe([a for a in answers if a.status != 200])


def refused_with_reason(answer: Answer, *reasons: str) -> bool:
    """A 409, or a 4xx page that names one of the reasons (the pages are in English: cookie japra_lang=en)."""
    if answer.status == 409:
        return True
    return answer.status is not None and 400 <= answer.status < 500 and any(r in answer.text for r in reasons)


def describe(answers: list[Answer]) -> str:
    return "; ".join(f"{a.label}: {a.status} {a.location or _alert(a.text)}" for a in answers[:10])


def _alert(html: str) -> str:
    match = re.search(r'role="alert"[^>]*>(.*?)</', html, re.S)
    return re.sub(r"\s+", " ", match.group(1)).strip()[:160] if match else ""


def pay(officer: Officer, plan_id: int, reference: str, slug: str = "akuarium") -> Callable[[], httpx.Response]:
    return lambda: officer.post(f"/cooperatives/{slug}/plans/{plan_id}/payments",
                                {"paid_on": jakarta_today(), "amount": str(AMOUNT), "reference": reference})


def check_payments_stored(store: Engine, answers: list[Answer], sent: dict[str, int]) -> None:
    """Each accepted payment is one row on its plan; the references were all distinct, so none may be refused."""
    refused = [a for a in answers if a.label in sent and not a.accepted]
    assert not refused, f"distinct payments refused: {describe(refused)}"
    for reference, plan_id in sent.items():
        assert entries(store, reference) == [(plan_id, AMOUNT, None)], reference


# --- the scenarios ----------------------------------------------------------------------------

def test_thirty_payments_at_once_ten_of_them_on_one_plan(server, store, officers):
    """Akuarium's officers record 30 payments at the same moment: 10 on one plan, one each on 20 others."""
    plans = plans_of(store, "akuarium")
    assert len(plans) >= 21, "the demo gives Akuarium a plan per allocated unit"
    busy, others = plans[0], plans[1:21]
    targets = [busy] * 10 + others
    crew = officers(AKUARIUM_WRITERS, len(targets))
    recorded_before = audit_count(store, "payment.record")
    sent = {f"CC1-{i:02d}": plan for i, plan in enumerate(targets)}
    open_forms([(crew[i], f"/cooperatives/akuarium/plans/{plan}") for i, plan in enumerate(targets)])
    answers = fire(server, [(ref, pay(crew[i], plan, ref)) for i, (ref, plan) in enumerate(sent.items())])

    check_payments_stored(store, answers, sent)
    assert audit_count(store, "payment.record") - recorded_before == len(sent)
    on_busy = one(store, "SELECT count(*) FROM payment_entry WHERE plan_id = :p AND reference LIKE 'CC1-%'", p=busy)
    assert on_busy == 10


def test_twenty_member_creations_mixed_with_payments(server, store, officers):
    """20 new members (four of them sent with the same number by four officers) and 10 payments, all at once."""
    plans = plans_of(store, "akuarium")[-10:]
    numbers = [f"AKU-K{i:02d}" for i in range(16)] + ["AKU-KEMBAR"] * 4
    crew = officers(AKUARIUM_WRITERS, len(numbers) + len(plans))
    created_before = audit_count(store, "member.create")
    recorded_before = audit_count(store, "payment.record")

    def create(officer: Officer, i: int, number: str) -> Callable[[], httpx.Response]:
        form = {"number": number, "name": f"Anggota Uji {i}", "nik": f"9999{i:012d}", "household_size": "3",
                "monthly_income": "4500000", "joined_on": "2024-02-01", "savings_pokok": "100000",
                "savings_wajib": "0", "savings_sukarela": "0", "notes": ""}
        return lambda: officer.post("/cooperatives/akuarium/members", form)

    jobs = [(f"member {n} #{i}", create(crew[i], i, n)) for i, n in enumerate(numbers)]
    sent = {f"CC2-{i:02d}": plan for i, plan in enumerate(plans)}
    jobs += [(ref, pay(crew[len(numbers) + i], plan, ref)) for i, (ref, plan) in enumerate(sent.items())]
    jobs = jobs[::2] + jobs[1::2]  # members and payments interleaved, so they also start interleaved
    open_forms([(crew[i], "/cooperatives/akuarium/members/new") for i in range(len(numbers))]
               + [(crew[len(numbers) + i], f"/cooperatives/akuarium/plans/{plan}") for i, plan in enumerate(plans)])
    answers = fire(server, jobs)

    members = [a for a in answers if a.label.startswith("member ")]
    accepted = [a for a in members if a.accepted]
    twins = [a for a in members if "AKU-KEMBAR" in a.label]
    assert sum(a.accepted for a in twins) == 1, f"one of the four AKU-KEMBAR is created: {describe(twins)}"
    wrongly = [a for a in members if not a.accepted and "AKU-KEMBAR" not in a.label]
    assert not wrongly, f"distinct members refused: {describe(wrongly)}"
    refused = [a for a in twins if not a.accepted]
    assert all(refused_with_reason(a, "Member number AKU-KEMBAR is used already") for a in refused), describe(refused)
    for number in set(numbers):
        assert one(store, """SELECT count(*) FROM member m JOIN cooperative c ON c.id = m.cooperative_id
                             WHERE c.slug = 'akuarium' AND m.number = :n""", n=number) == 1, number
    assert audit_count(store, "member.create") - created_before == len(accepted) == 17
    check_payments_stored(store, answers, sent)
    assert audit_count(store, "payment.record") - recorded_before == len(sent)


def _held_meeting(officer: Officer) -> str:
    """A Kunir meeting through its pages, up to the draw: created, seed hash published, preferences, drawn."""
    made = officer.post("/projects/kunir/meetings", {"title": "Rapat serentak", "held_on": "2026-11-30",
                                                     "place": "Balai warga", "method": "lottery"})
    assert made.status_code == 302, made.text[:300]
    url = made.headers["location"]
    prefs = "nomor_anggota;pilihan_1\nKNR-001;A-4-01\nKNR-002;A-4-02\n"
    sent = officer.client.post(url + "/preferences", files={"file": ("pilihan.csv", prefs.encode())},
                               data={"_csrf_token": officer.client.cookies["japra_csrf"]})
    assert sent.status_code == 302, sent.text[:300]
    assert officer.post(url + "/publish", {"seed": KUNIR_SEED}).status_code == 200  # freezes the preferences
    drawn = officer.post(url + "/draw", {"seed": KUNIR_SEED})
    assert drawn.status_code == 303, drawn.text[:300]  # to meeting mode
    return url


def test_twenty_confirmations_of_one_meeting(server, store, officers):
    """A drawn meeting confirmed by 20 officers at once: one confirmation, the draw's allocations stored once."""
    crew = officers(KUNIR_WRITERS, 20)
    url = _held_meeting(crew[0])
    meeting_id = int(url.rstrip("/").rsplit("/", 1)[1])
    open_forms([(officer, url) for officer in crew])  # the officers' page, with the confirm form
    answers = fire(server, [(f"confirm #{i}", lambda o=o: o.post(url + "/confirm", CONFIRM_FORM))
                            for i, o in enumerate(crew)])

    accepted = [a for a in answers if a.accepted]
    assert len(accepted) == 1 and "confirmed=1" in accepted[0].location, describe(answers)
    refused = [a for a in answers if not a.accepted]
    # Read first: "the draw has not been run" once it is confirmed; or the database refusing the second set of rows.
    reasons = ("Only a meeting whose draw has been run can be confirmed.",
               "A unit or a member of this draw was allocated in the meantime")
    assert all(refused_with_reason(a, *reasons) for a in refused), describe(refused)
    assert one(store, "SELECT status FROM allocation_meeting WHERE id = :m", m=meeting_id) == "confirmed"
    allocated = rows(store, "SELECT member_id, unit_code FROM unit_allocation WHERE meeting_id = :m", m=meeting_id)
    assert allocated, "the draw housed members"
    assert len({m for m, _ in allocated}) == len({u for _, u in allocated}) == len(allocated)
    assert one(store, "SELECT count(*) FROM audit_entry WHERE action = 'meeting.confirm' AND entity_id = :m",
               m=str(meeting_id)) == 1


def test_twenty_reversals_of_one_payment(server, store, officers):
    """A payment reversed by 20 officers at once: one reversal stored, 19 refused."""
    plan = plans_of(store, "akuarium")[5]
    crew = officers(AKUARIUM_WRITERS, 20)
    assert pay(crew[0], plan, "CC4-BAYAR")().status_code == 302
    reversed_before = audit_count(store, "payment.reverse")
    open_forms([(officer, f"/cooperatives/akuarium/plans/{plan}") for officer in crew])
    answers = fire(server, [(f"reversal #{i}", lambda o=o: o.post(
        f"/cooperatives/akuarium/plans/{plan}/reversals", {"reversal_of": "CC4-BAYAR", "reason": "salah catat"}))
        for i, o in enumerate(crew)])

    accepted = [a for a in answers if a.accepted]
    assert len(accepted) == 1, describe(answers)
    refused = [a for a in answers if not a.accepted]
    assert all(refused_with_reason(a, "This payment has been reversed already.") for a in refused), \
        describe(refused)
    assert entries(store, "CC4-BAYAR-R") == [(plan, AMOUNT, "CC4-BAYAR")]
    assert one(store, "SELECT count(*) FROM payment_entry WHERE reversal_of = 'CC4-BAYAR'") == 1
    assert one(store, "SELECT count(*) FROM payment_entry WHERE reverses_id = "
                      "(SELECT id FROM payment_entry WHERE reference = 'CC4-BAYAR')") == 1
    assert audit_count(store, "payment.reverse") - reversed_before == 1
