"""Fuzz: whatever a visitor or a script sends, the app answers it, and never with a 5xx.

Four sweeps, driven by hypothesis with a fixed budget and a fixed seed (`derandomize`), so a run is repeatable and
a failure comes back on the next run:

- every POST form of the HTML app, found by crawling the pages as the admin over the demo data plus a meeting in
  every state, instalment plans with a payment and a construction site with its reports and a photo. A hostile
  value (huge and negative integers, NaN, infinities, far dates, impossible dates, unicode digits, NUL bytes,
  100 000 characters, markup) replaces one field at a time, on top of values that would otherwise pass, so the
  hostile one reaches the code that reads it: first a walk that gives every field one of the likeliest breakers,
  then random draws; file inputs get hostile files;
- the query strings of every GET page the crawl found (`as_of`, `page`, `offset`, `q`, ...);
- the JSON API: every GET operation of the OpenAPI document, its path and query parameters hostile;
- every route with a number in its path (GET and POST), with 2**63 in it.

A sweep does not stop at the first 5xx: it collects them all, each with the field and the value that caused it and
the last lines of the server's traceback, and fails once with the whole list. The data are built once for the
module, in a transaction rolled back at its end; each test runs in a savepoint, and each hostile request in one
more, so every request starts from the same data.

The regressions (first, as they are quick) pin the 5xx answers found by hand before this file existed; the sweeps
follow, the API's first, the forms' last (the longest).
"""

from __future__ import annotations

import dataclasses
import importlib
import io
import json
import logging
import os
import re
import traceback
from collections import Counter, deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from html.parser import HTMLParser
from itertools import product
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

import httpx
import pytest
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st
from litestar.testing import TestClient
from sqlalchemy.orm import sessionmaker

from tests.conftest import csrf_token, sign_in

pytestmark = pytest.mark.db

TODAY = date(2026, 11, 24)  # the day the demo's construction reports are written up to
HUGE_INT = "9223372036854775808"  # 2**63: one past what a 64-bit INTEGER column holds
HUGER_INT = "99999999999999999999999"

# What a careless or hostile visitor types. Hypothesis draws from these (and from its own text, numbers and dates).
SPECIAL = [
    "", " ", "0", "-0", "-1", "1", "0.5", "-0.0", "00", "1,5", "1.000.000", "Rp 1.000.000,00", "1_000",
    HUGE_INT, "-" + HUGE_INT, HUGER_INT, "-" + HUGER_INT, "1" + "0" * 400, "18446744073709551616",
    "2147483648", "-2147483649", "1e309", "-1e309", "1e-400", "1e400", "1E+999999999",
    "NaN", "nan", "-NaN", "sNaN", "inf", "-inf", "Infinity", "-Infinity",
    "٣", "١٢٣", "²", "½", "Ⅻ", "１２３", "0x10", "1j", "true", "on", "null", "[]", "{}",
    "9999-12-31", "9999-12-01", "0001-01-01", "0000-00-00", "10000-01-01", "-0001-01-01", "31/02/2026",
    "2026-02-30", "2026-13-01", "2026-00-10", "2026-W99", "2026-W00", "2026-99", "9999-W52", "2026-1-1",
    "<script>alert(1)</script>", "\"'><img src=x onerror=alert(1)>", "{{ 7*7 }}", "{0}", "{value}", "%s%n",
    "\x00", "a\x00b", "\u202e", "\ufeff", "\r\n", "😀", "'; DROP TABLE users; --", "../../etc/passwd",
    "x" * 100_000, "9" * 5_000,
]


def hostile() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(SPECIAL),
        st.sampled_from(SPECIAL),  # twice: the hand-picked values are the likeliest to break something
        st.sampled_from(SPECIAL),
        st.text(max_size=40),
        st.integers(min_value=-(10**25), max_value=10**25).map(str),
        st.floats(allow_nan=True, allow_infinity=True).map(str),
        st.decimals(allow_nan=True, allow_infinity=True).map(str),
        st.dates().map(date.isoformat),
    )


# JAPRA_FUZZ_SCALE=10 draws ten times as many random examples everywhere: a deeper search, minutes long.
SCALE = max(int(os.environ.get("JAPRA_FUZZ_SCALE", "1") or 1), 1)


def fuzz_settings(examples: int):
    """`examples` drawn at random (after the explicit ones), the same on every run."""
    examples *= SCALE
    return settings(max_examples=max(examples, 1), derandomize=True, deadline=None, database=None,
                    print_blob=False, phases=[Phase.explicit, Phase.generate] if examples else [Phase.explicit],
                    suppress_health_check=list(HealthCheck))


# --- what the server said when it failed ----------------------------------------------------------------------------

class _ServerErrors(logging.Handler):
    """Errors logged with a traceback: the app logs every unhandled exception before its 500 answer."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info:
            self.records.append(record)

    def take(self) -> tuple[str, list[str]]:
        if not self.records:
            return "no traceback logged", []
        record = self.records[-1]
        self.records.clear()
        ref = re.search(r"ref=(\w+)", record.getMessage())
        where, lines = _where(record.exc_info[1])
        return where, lines + ([f"(log reference {ref.group(1)})"] if ref else [])


ROOT = str(Path(__file__).resolve().parents[3])


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 120 else f"{text[:100]}... ({len(str(value))} chars)"


def _where(exc: BaseException) -> tuple[str, list[str]]:
    """Where it failed (the exception's type and the last frame of the project's own code) and the lines to show:
    the last frames of the project's code it went through (not the libraries') and the exception."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__)
              if f.filename.startswith(ROOT) and "/.venv/" not in f.filename and "/tests/" not in f.filename]
    lines = [f"{f.filename.removeprefix(ROOT + '/')}:{f.lineno} in {f.name}: {(f.line or '').strip()}"
             for f in frames[-3:]]
    name = f"{type(exc).__module__}.{type(exc).__qualname__}"
    return f"{name} at {lines[-1].split(' in ')[0] if lines else '?'}", lines + [f"{name}: {str(exc)[:300]}"]


@dataclass(frozen=True)
class Failure:
    status: Any
    where: str  # the exception and the line of the project's code that raised it: one bug, one `where`
    lines: list[str]


@dataclass
class _Finding:
    first: str
    culprits: list[str]


@dataclass
class Findings:
    """The 5xx answers of a sweep, one per place of failure (the exception and the line of the project's code that
    raised it): a bug met through 30 fields or routes is listed once, with the fields and routes that reach it."""

    items: dict[tuple, _Finding] = field(default_factory=dict)
    log: _ServerErrors = field(default_factory=_ServerErrors)
    requests: int = 0

    def record(self, method: str, url: str, route: str, culprit: str, value: Any, failure: Failure) -> None:
        key = failure.where if failure.lines else (method, route, failure.where)
        through = f"{method} {route}: {culprit}"
        if key in self.items:
            if through not in self.items[key].culprits:
                self.items[key].culprits.append(through)
            return
        self.items[key] = _Finding(
            f"{method} {url[:150]}  [{route}]\n    {culprit} = {_shown(value)} -> {failure.status}\n"
            + "\n".join("      " + line for line in failure.lines), [through])

    def check(self) -> None:
        def shown(f: _Finding) -> str:
            more = f.culprits[1:]
            return f.first + "".join(f"\n      also: {m}" for m in more[:15]) + (
                f"\n      also: ... {len(more) - 15} more" if len(more) > 15 else "")

        if self.items:
            pytest.fail(f"{len(self.items)} distinct 5xx in {self.requests} requests:\n\n"
                        + "\n\n".join(shown(f) for f in self.items.values()), pytrace=False)


@pytest.fixture()
def findings() -> Iterator[Findings]:
    found = Findings()
    root = logging.getLogger()
    root.addHandler(found.log)
    yield found
    root.removeHandler(found.log)


KEPT_COOKIES = ("japra_session", "japra_csrf")


def send(client, findings: Findings, method: str, url: str, **kwargs: Any) -> tuple[Any, Failure | None]:
    """One request: the answer, and its failure if it was a 5xx or let an exception out of the app altogether (a
    server would answer 500). The session and CSRF cookies are put back as they were, whatever the answer set."""
    findings.requests += 1
    kept = {name: client.cookies.get(name) for name in KEPT_COOKIES}
    findings.log.records.clear()
    r, failure = None, None
    try:
        r = client.request(method, url, follow_redirects=False, **kwargs)
        if r.status_code >= 500:
            failure = Failure(r.status_code, *findings.log.take())
    except (httpx.InvalidURL, httpx.HTTPError):
        pass  # the client's refusal to send it (a URL over 64 KiB): nothing reached the app
    except Exception as exc:  # noqa: BLE001 - the app let it out: that is the finding
        failure = Failure("an exception out of the app", *_where(exc))
    try:
        unchanged = len(client.cookies) == len(kept) and all(client.cookies.get(n) == v for n, v in kept.items())
    except Exception:  # noqa: BLE001 - httpx.CookieConflict: the answer set a second cookie of the same name
        unchanged = False
    if not unchanged:
        client.cookies.clear()
        for name, v in kept.items():
            client.cookies.set(name, v)
    return r, failure


# A refusal of several hostile values at once may hide a crash behind it (the first value read is refused, the one
# that would crash never read): such a refusal is split and tried again, as a crash is.
SPLIT_WHEN_REFUSED = {400, 404, 409, 422}


def attempt(env: Env, findings: Findings, method: str, url: str, route: str, values: dict[str, Any], again,
            **kwargs: Any) -> bool:
    """`url` with these hostile `values` in a savepoint; a 5xx is recorded against the single value that causes it
    on its own when there is one (`again` tries a part of `values`), else against them all. True if it failed."""
    with rolled_back(env.connection):
        r, failure = send(env.client, findings, method, url, **kwargs)
    if failure is None:
        if again and r is not None and r.status_code in SPLIT_WHEN_REFUSED and len(values) > 1:
            narrow(values, again)
        return False
    if again and len(values) > 1 and narrow(values, again):
        return True
    culprit = ", ".join(values) or "(nothing hostile: the page's own values)"
    findings.record(method, url, route, culprit, next(iter(values.values())) if len(values) == 1 else values,
                    failure)
    return True


def narrow(values: dict[str, Any], again) -> bool:
    """Each half of `values` tried again (a failing half narrows itself further in turn). False when no half fails
    on its own: the values fail only together."""
    keys = list(values)
    halves = [{k: values[k] for k in keys[: len(keys) // 2]}, {k: values[k] for k in keys[len(keys) // 2:]}]
    return any([again(half) for half in halves])


class rolled_back:  # noqa: N801 - reads as a context: `with rolled_back(connection):`
    """A savepoint around a request or a test: whatever it stored is gone afterwards."""

    def __init__(self, connection) -> None:
        self.connection = connection

    def __enter__(self) -> None:
        self.savepoint = self.connection.begin_nested()

    def __exit__(self, *exc: object) -> None:
        if self.savepoint.is_active:
            self.savepoint.rollback()


# --- the data: the demo, plus meetings in every state, plans with a payment, a construction site --------------------

def _ok(r, what: str):
    assert r.status_code < 400, f"building the fuzz data, {what}: {r.status_code} {r.text[:300]}"
    return r


def _form_values(client, page: str, action_end: str) -> dict[str, str]:
    parser = _Page()
    parser.feed(client.get(page).text)
    form = next(f for f in parser.forms if f["action"].endswith(action_end))
    return {k: v or "" for k, v in form["fields"].items()}


def _options(html: str, select: str) -> list[str]:
    """The values a page's <select name=...> offers, the empty one left out."""
    body = html.split(f'name="{select}"', 1)[1].split("</select>", 1)[0] if f'name="{select}"' in html else ""
    return [v for v in re.findall(r'<option value="([^"]*)"', body) if v]


def _scenarios(client, slug: str) -> tuple[int, list[int]]:
    """The project's current scenario and all its scenarios (the current one is the one not offering `/current`)."""
    ids = sorted({int(n) for n in re.findall(rf"/projects/{slug}/scenarios/(\d+)",
                                             client.get(f"/projects/{slug}/scenarios").text)})
    pages = {n: client.get(f"/projects/{slug}/scenarios/{n}").text for n in ids}
    current = next(n for n in ids if f"/scenarios/{n}/current" not in pages[n])
    return current, ids


def _shrink(client, scenario: int) -> None:
    """Kunir's design down to a few units, so a draw allocates nine and not 29 (each a plan to price)."""
    page = f"/projects/kunir/scenarios/{scenario}"
    values = _form_values(client, page, "/design")
    if "b_floors_0" in values and "b_units_0" in values:
        values.update(b_floors_0="2", b_units_0=values["b_units_0"].split(":")[0] + ":4")
        _ok(client.post(page + "/design", data=values, follow_redirects=False), "the smaller design")


def _meeting(client, slug: str, title: str, steps: int, preferences: str = "nomor_anggota;pilihan_1\n") -> int:
    """A meeting of `slug`'s project taken `steps` steps along: 0 draft, 1 published with preferences, 2 drawn,
    3 confirmed. Through the pages, as an officer would."""
    token = csrf_token(client)
    r = _ok(client.post(f"/projects/{slug}/meetings", follow_redirects=False, data={
        "title": title, "held_on": "2026-10-10", "place": "Balai warga", "method": "lottery", "_csrf_token": token}),
        "a meeting")
    url = r.headers["location"].split("?")[0]
    seed = f"fuzz-{slug}-{title}"
    if steps >= 1:  # preferences first: publishing the hash freezes them
        _ok(client.post(url + "/preferences", files={"file": ("pilihan.csv", preferences.encode())},
                        data={"_csrf_token": token}, follow_redirects=False), "preferences")
        _ok(client.post(url + "/publish", data={"seed": seed, "_csrf_token": token}), "publish")
    if steps >= 2:
        _ok(client.post(url + "/draw", data={"seed": seed, "_csrf_token": token}), "draw")
    if steps >= 3:
        _ok(client.post(url + "/confirm", follow_redirects=False, data={
            "members_present": "10", "members_total": "15", "chair": "K", "secretary": "S", "witness_1": "A",
            "witness_2": "B", "certain": "1", "_csrf_token": token}), "confirm")
    return int(url.rsplit("/", 1)[1])


PLAN_TERMS = {"grants": "0", "down_payment_pct": "5", "method": "annuity", "annual_rate_pct": "5", "months": "120",
              "grace_months": "0", "first_due": "2026-01-25"}


def _plans(client, meeting: int) -> list[int]:
    page = client.get(f"/projects/kunir/meetings/{meeting}").text
    return sorted({int(n) for n in re.findall(r"/cooperatives/kunir/plans/(\d+)", page)})


def _kunir_meeting_with_plans(client) -> tuple[int, int]:
    """Kunir's confirmed meeting with its units' instalment plans and a payment on one; one unit given by an
    amendment after the plans were made, so the meeting page still offers the plans form. (meeting, plan)."""
    token = csrf_token(client)
    meeting = _meeting(client, "kunir", "Rapat dikonfirmasi", 3, "nomor_anggota;pilihan_1\nKNR-001;T36\n")
    url = f"/projects/kunir/meetings/{meeting}"
    _ok(client.post(url + "/plans", data={**PLAN_TERMS, "_csrf_token": token}, follow_redirects=False), "plans")
    held = _options(client.get(url).text, "other_member")  # the allocated members
    if held:  # a unit freed, then given to someone who had none: an allocation without a plan
        amend = _form_values(client, url, "/amendments")
        _ok(client.post(url + "/amendments", follow_redirects=False, data={
            **amend, "kind": "withdraw", "member": held[-1], "unit": "", "other_member": "", "reason": "mundur"}),
            "withdraw")
        page = client.get(url).text
        waiting = [n for n in _options(page, "member") if n not in _options(page, "other_member") and n != held[-1]]
        if _options(page, "unit") and waiting:
            _ok(client.post(url + "/amendments", follow_redirects=False, data={
                **_form_values(client, url, "/amendments"), "kind": "allocate", "member": waiting[0],
                "unit": _options(page, "unit")[0], "other_member": "", "reason": "pengganti"}), "allocate")
    for plan in _plans(client, meeting):  # the first plan still in force takes a payment
        paid = client.post(f"/cooperatives/kunir/plans/{plan}/payments", follow_redirects=False, data={
            "paid_on": "2026-02-20", "amount": "500000", "reference": "FZ-KW-001", "_csrf_token": token})
        if paid.status_code < 400:
            return meeting, plan
    raise AssertionError(f"building the fuzz data: no plan of meeting {meeting} took a payment")


def _world(client, factory) -> dict[str, Any]:
    """Kunir: a confirmed meeting with plans and a payment, and meetings drawn, published and in draft. Marlina:
    under construction with its weekly reports and a show-cause meeting (the demo's), and a site photo. The demo
    projects published."""
    from PIL import Image

    from app import demo_construction, demo_publication
    from app.auth import service as auth

    with factory() as db:
        sign_in(client, db, "admin")
    csrf_token(client)
    current, scenarios = _scenarios(client, "kunir")
    _shrink(client, current)
    confirmed, plan = _kunir_meeting_with_plans(client)
    meetings = [confirmed] + [_meeting(client, "kunir", title, steps, "nomor_anggota;pilihan_1\nKNR-002;T36\n")
                              for title, steps in (("Rapat diundi", 2), ("Rapat diumumkan", 1), ("Rapat draf", 0))]
    with factory() as db:
        demo_construction.load(db, TODAY)
        demo_publication.load(db)
        # An account with a token: its page offers every account form (the admin's own page offers fewer); and a
        # disabled one, for the list's enable form.
        auth.create_token(db, "pembaca", "fuzz")
        account = auth.user_named(db, "pembaca").id
        auth.disable_user(db, auth.user_named(db, "pengurus-marlina"), "fuzz")
        db.commit()
    jpeg = io.BytesIO()
    Image.new("RGB", (64, 48), (120, 130, 140)).save(jpeg, "JPEG")
    _ok(client.post("/projects/marlina/construction/photos", follow_redirects=False,
                    files={"photo_0": ("blok-a.jpg", jpeg.getvalue(), "image/jpeg")},
                    data={"photo_caption_0": "Blok A", "photo_building_0": "A", "_csrf_token": csrf_token(client)}),
        "a site photo")
    scm = re.search(r"/construction/showcause/(\d+)/outcome", client.get("/projects/marlina/construction").text)
    return {"plan": plan, "meetings": meetings, "showcause": int(scm.group(1)) if scm else 1,
            "scenarios": scenarios, "account": account}


@dataclass
class Env:
    client: TestClient
    connection: Any
    world: dict[str, Any]
    routes: Routes
    pages: list[str]
    forms: dict[str, Form]
    crawled: Findings  # pages that failed as the crawl met them, with nothing hostile in them


@pytest.fixture(scope="module")
def env(engine, web_app, settings, tmp_path_factory) -> Iterator[Env]:
    """The app as the admin sees it, over the demo and the fuzz data, crawled once: for the whole module, in a
    transaction rolled back at its end."""
    connection = engine.connect()
    outer = connection.begin()
    factory = sessionmaker(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
    before = web_app.state.db, web_app.state.settings
    web_app.state.db = factory
    web_app.state.settings = dataclasses.replace(settings, photo_dir=tmp_path_factory.mktemp("fuzz-photos"))
    crawled = Findings()
    logging.getLogger().addHandler(crawled.log)
    try:
        with TestClient(web_app, base_url="http://testserver.local") as client:
            world = _world(client, factory)
            routes = Routes(web_app)
            pages, forms = crawl(client, routes, _seeds(world), crawled)
            yield Env(client, connection, world, routes, pages, forms, crawled)
    finally:
        logging.getLogger().removeHandler(crawled.log)
        web_app.state.db, web_app.state.settings = before
        outer.rollback()
        connection.close()
        # The public pages keep a cache in memory: nothing of this module's data may outlive it there.
        cache = getattr(importlib.import_module("app.publishing.controller"), "_cache", None)
        if isinstance(cache, dict):
            cache.clear()


@pytest.fixture()
def fresh(env, web_app) -> Iterator[Env]:
    """The module's data as they were after building, whatever an earlier test of the module stored."""
    web_app.state.db = sessionmaker(bind=env.connection, join_transaction_mode="create_savepoint",
                                    expire_on_commit=False)
    with rolled_back(env.connection):
        yield env


# --- the crawl: every GET page template once, every POST form once --------------------------------------------------

@dataclass
class Form:
    page: str
    action: str
    multipart: bool
    fields: dict[str, str]  # name -> what the page would send (radio: the checked one; select: the chosen one)
    files: list[str]


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.forms: list[dict[str, Any]] = []
        self._form: dict[str, Any] | None = None
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        if tag == "form":
            self._form = {"action": a.get("action", ""), "method": a.get("method", "get").lower(),
                          "multipart": "multipart" in a.get("enctype", ""), "fields": {}, "files": []}
            self.forms.append(self._form)
            return
        f, name = self._form, a.get("name")
        if tag == "option" and f is not None and self._select:
            if f["fields"].get(self._select) is None or "selected" in a:
                f["fields"][self._select] = a.get("value", "")
            return
        if f is None or not name:
            return
        if tag == "input":
            kind = a.get("type", "text").lower()
            if kind == "file":
                f["files"].append(name)
            elif kind in ("checkbox", "radio"):
                f["fields"].setdefault(name, "")
                if "checked" in a:
                    f["fields"][name] = a.get("value") or "on"
            elif kind not in ("submit", "button", "reset", "image"):
                f["fields"].setdefault(name, a.get("value", ""))
        elif tag == "select":
            self._select = name
            f["fields"].setdefault(name, None)
        elif tag == "textarea":
            self._textarea = name
            f["fields"][name] = ""
        elif tag == "button" and a.get("value"):
            f["fields"].setdefault(name, a["value"])

    def handle_data(self, data: str) -> None:
        if self._form is not None and self._textarea:
            self._form["fields"][self._textarea] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def _multipart(handler) -> bool:
    data = handler.parsed_fn_signature.parameters.get("data")
    media = getattr(getattr(data, "kwarg_definition", None), "media_type", None)
    return "multipart" in str(getattr(media, "value", media))


def _pattern(path: str) -> re.Pattern[str]:
    out = ""
    for part in re.split(r"(\{[^}]+\})", path):
        if part.startswith("{"):
            out += r"\d+" if ":int}" in part else (".+" if ":path}" in part else "[^/]+")
        else:
            out += re.escape(part)
    return re.compile(f"^{out}$")


class Routes:
    """A concrete path's route template (`/cooperatives/kunir/plans/7` -> `/cooperatives/{slug:str}/plans/...`)."""

    def __init__(self, app) -> None:
        paths = {r.path for r in app.routes}
        # The most specific template first: more literal characters win over a parameter that also matches.
        ordered = sorted(paths, key=lambda p: (-len(re.sub(r"\{[^}]+\}", "", p)), p))
        self._patterns = [(p, _pattern(p)) for p in ordered]
        self.posts = {r.path for r in app.routes for h in r.route_handlers if "POST" in h.http_methods}
        # (path, method) -> whether its body is multipart, for every GET and POST handler
        self.handlers = {(r.path, m): _multipart(h) for r in app.routes for h in r.route_handlers
                         for m in h.http_methods if m in ("GET", "POST")}

    def of(self, url: str) -> str:
        path = urlsplit(url).path
        return next((p for p, rx in self._patterns if rx.match(path)), path)


# Not crawled: files and images (slow to make, no form in them), the API (its own sweep), signing out, switching
# the language (a cookie every later page would carry), and the public pages, whose rate limit (per client
# address, for the whole test run) the other tests need.
SKIP = re.compile(r"\.(pdf|png|jpe?g|xlsx|csv|gpkg|geojson|json|zip|svg)$|^/logout|^/lang/|^/static/|/orig$|"
                  r"^/publik|^/api/")
NEVER_POSTED = {"/logout"}  # ends the session every later request needs


def crawl(client, routes: Routes, seeds: list[str], findings: Findings) -> tuple[list[str], dict[str, Form]]:
    """The seeds and the pages reachable from them by links, at most one per route template besides the seeds;
    the first form found for each POST route template. A page that fails as linked goes into `findings`."""
    seen: set[str] = set()
    visits: Counter[str] = Counter()
    pages: list[str] = []
    forms: dict[str, Form] = {}
    queue, chosen = deque(seeds), set(seeds)
    while queue:
        url = queue.popleft().split("#")[0]
        if url in seen or SKIP.search(urlsplit(url).path):
            continue
        seen.add(url)
        template = routes.of(url)
        if visits[template] and url not in chosen:
            continue
        visits[template] += 1
        r, failure = send(client, findings, "GET", url)
        if failure:
            findings.record("GET", url, template, "(nothing hostile: the page as linked)", "", failure)
        if failure or r is None or not r.headers.get("content-type", "").startswith("text/html"):
            continue
        pages.append(url)
        parser = _Page()
        parser.feed(r.text)
        for f in parser.forms:
            action = f["action"] or urlsplit(url).path
            key = routes.of(action)
            if f["method"] == "post" and key not in forms and key not in NEVER_POSTED:
                fields = {k: (v or "") for k, v in f["fields"].items()}
                forms[key] = Form(url, action, f["multipart"] or bool(f["files"]), fields, f["files"])
        queue.extend(link for link in parser.links if link.startswith("/") and link.split("#")[0] not in seen)
    return pages, forms


def _seeds(world: dict[str, Any]) -> list[str]:
    """The pages whose forms depend on the data's state; the links lead to the rest."""
    meetings = world["meetings"]
    return [
        "/", "/projects/kunir", "/projects/akuarium/construction", "/projects/marlina/construction",
        f"/admin/users/{world['account']}",
        "/projects/marlina/construction/reports", "/projects/marlina/construction/costs",
        "/projects/marlina/construction/schedule", "/projects/marlina/construction/photos",
        "/projects/marlina/construction/footprints", "/projects/marlina/publication",
        *(f"/projects/kunir/scenarios/{n}" for n in world["scenarios"]),
        *(f"/projects/kunir/meetings/{m}" for m in meetings),
        *(f"/projects/kunir/meetings/{m}/mode" for m in meetings[1:3]),
        f"/cooperatives/kunir/plans/{world['plan']}", "/cooperatives/kunir/members/new", "/cooperatives/kunir/policy",
    ]


def _extra_forms(world: dict[str, Any]) -> dict[str, Form]:
    """Forms the data never show (a handover needs the building finished, an outcome its target date) and the
    sign-in form (shown to nobody signed in): written from the templates, so they are swept too."""
    site = "/projects/marlina/construction"
    return {
        "/projects/{slug:str}/construction/handover/pho": Form(
            site, f"{site}/handover/pho", False,
            {"pho_on": "2026-11-20", "pho_reference": "BA-PHO-1", "maintenance_days": "180", "retention_pct": "5",
             "first_due": "2027-01-25"}, []),
        "/projects/{slug:str}/construction/handover/fho": Form(
            site, f"{site}/handover/fho", False, {"fho_on": "2026-11-20", "fho_reference": "BA-FHO-1"}, []),
        "/projects/{slug:str}/construction/showcause/{meeting_id:int}/outcome": Form(
            site, f"{site}/showcause/{world['showcause']}/outcome", False, {"outcome": "missed"}, []),
        "/login": Form("/login", "/login", False, {"username": "admin", "password": "salah", "next": "/"}, []),
        # Shown only on a deactivated cooperative's page.
        "/cooperatives/{slug:str}/activate": Form("/cooperatives/kunir", "/cooperatives/kunir/activate", False, {},
                                                  []),
    }


# --- regressions: the 5xx found by hand (first: quick, and each names one bug) --------------------------------------

def _message(html: str) -> str:
    """What the answer says went wrong: its alerts and, on an error page, the page's own text; without the form's
    fields, which echo back whatever was typed."""
    found = re.findall(r'<(\w+)[^>]*role="alert"[^>]*>(.*?)</\1>', html, flags=re.S)
    parts = [body for _, body in found]
    parts += re.findall(r'<section[^>]*class="[^"]*error-page[^"]*"[^>]*>(.*?)</section>', html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]*>", " ", " ".join(parts))).strip()


def _refused(r, *needles: str) -> str:
    """Refused as the visitor's mistake (400), with a message that names the value or the limit it broke; answers
    that message."""
    assert r.status_code == 400, (r.status_code, _message(r.text) or r.text[:300])
    message = _message(r.text) if "html" in r.headers.get("content-type", "") else r.text
    assert any(n.lower() in message.lower() for n in needles), (needles, message)
    return message


DATE_LIMIT = ("9999", "between", "range", "after", "before", "too far", "latest")
NUMBER_LIMIT = ("too large", "too big", "at most", "between", "exceed", "maximum", "limit", "whole number")


def test_plan_page_as_of_far_future_is_not_a_500(fresh):
    """A plan page shows today's state when `as_of` cannot be used (as it does for a mistyped one), or refuses it."""
    r = fresh.client.get(f"/cooperatives/kunir/plans/{fresh.world['plan']}?as_of=9999-12-31&lang=en")
    assert r.status_code in (200, 400), (r.status_code, _message(r.text))
    if r.status_code == 400:
        _refused(r, "9999-12-31", *DATE_LIMIT)
    else:
        assert "9999" not in re.sub(r"<[^>]*>", " ", r.text)  # not a state "as of 9999"


def test_arrears_report_as_of_far_future_is_refused_not_a_500(fresh):
    r = fresh.client.get("/cooperatives/kunir/arrears?as_of=9999-12-31&lang=en")
    message = _refused(r, "9999-12-31", *DATE_LIMIT)
    assert "2200" in message  # the officer reads the latest date the report takes


def test_down_payment_pct_nan_is_refused_not_a_500(fresh):
    meeting = fresh.world["meetings"][0]
    r = fresh.client.post(f"/projects/kunir/meetings/{meeting}/plans?lang=en",
                          data={**PLAN_TERMS, "down_payment_pct": "NaN", "_csrf_token": csrf_token(fresh.client)})
    message = _refused(r, "NaN", "not a number", "number")
    assert "number" in message.lower()  # told to write a number, not shown an error page


def test_restructuring_first_due_9999_12_01_is_refused_not_a_500(fresh):
    r = fresh.client.post(f"/cooperatives/kunir/plans/{fresh.world['plan']}/restructure?lang=en", data={
        "method": "annuity", "annual_rate_pct": "5", "months": "120", "grace_months": "0", "first_due": "9999-12-01",
        "reason": "Keputusan pengurus", "_csrf_token": csrf_token(fresh.client)})
    message = _refused(r, "9999-12-01", *DATE_LIMIT)
    assert "2200" in message  # the latest first due date a plan takes


@pytest.mark.parametrize("amount", [HUGER_INT, HUGE_INT])
def test_payment_amount_beyond_64_bits_is_refused_not_a_500(fresh, amount):
    r = fresh.client.post(f"/cooperatives/kunir/plans/{fresh.world['plan']}/payments?lang=en", data={
        "paid_on": "2026-11-20", "amount": amount, "reference": "FZ-BIG-1", "_csrf_token": csrf_token(fresh.client)})
    message = _refused(r, amount, f"{int(amount):,}".replace(",", "."), *NUMBER_LIMIT)
    assert "amount" in message.lower()  # the message is about the amount typed
    # Nothing was recorded: the plan page lists no payment with that reference.
    assert "FZ-BIG-1" not in fresh.client.get(f"/cooperatives/kunir/plans/{fresh.world['plan']}").text


def test_api_offset_beyond_64_bits_is_refused_not_a_500(fresh):
    r = fresh.client.get(f"/api/projects?offset={HUGE_INT}")
    assert r.status_code == 400, (r.status_code, r.text[:300])
    assert "offset" in json.dumps(r.json()), r.json()


# --- the API --------------------------------------------------------------------------------------------------------

def _param(schema: dict[str, Any]) -> st.SearchStrategy[str]:
    """A hostile value for a parameter of this schema, often one of the values it allows."""
    allowed = [str(v) for v in schema.get("enum", [])]
    for option in schema.get("oneOf", []) + schema.get("anyOf", []):
        allowed += [str(v) for v in option.get("enum", [])]
    numbers = st.integers(min_value=-(2**70), max_value=2**70).map(str)
    if allowed:
        return st.one_of(st.sampled_from(allowed), hostile())
    if schema.get("type") == "integer" or any(o.get("type") == "integer" for o in schema.get("oneOf", [])):
        return st.one_of(numbers, st.sampled_from([HUGE_INT, HUGER_INT, "-1", "0", "1e309", "NaN"]), hostile())
    return hostile()


def sweep_operation(env: Env, findings: Findings, path: str, op: dict[str, Any]) -> None:
    params = op.get("parameters", [])
    in_path = [p["name"] for p in params if p["in"] == "path"]
    query = {p["name"]: _param(p.get("schema", {})) for p in params if p["in"] == "query"}
    slugs = st.one_of(st.sampled_from(["kunir", "marlina", "akuarium"]), hostile().filter(bool))
    known = dict.fromkeys(in_path, "kunir")

    @fuzz_settings(12 if query or in_path else 1)
    @example(path_values=known, query_values=dict.fromkeys(query, HUGE_INT))
    @example(path_values=known, query_values=dict.fromkeys(query, "-1"))
    @example(path_values=known, query_values=dict.fromkeys(query, "NaN"))
    @given(path_values=st.fixed_dictionaries(dict.fromkeys(in_path, slugs)),
           query_values=st.fixed_dictionaries({}, optional=query))
    def fuzz(path_values: dict[str, str], query_values: dict[str, str]) -> None:
        call(path_values, query_values)

    def call(path_values: dict[str, str], query_values: dict[str, str]) -> bool:
        url = path
        for name, value in path_values.items():
            url = url.replace("{" + name + "}", quote(value, safe=""))
        if query_values:
            url += "?" + urlencode(query_values)
        hostile_values = {**{k: v for k, v in path_values.items() if v != known[k]}, **query_values}
        return attempt(env, findings, "GET", url, path, hostile_values,  # a part keeps the known slug
                       lambda part: call({k: part.get(k, known[k]) for k in path_values},
                                         {k: v for k, v in part.items() if k in query_values}))

    fuzz()


def test_no_api_parameter_makes_a_5xx(fresh, findings):
    schema = fresh.client.get("/api/schema/openapi.json").json()
    operations = [(path, item["get"]) for path, item in schema["paths"].items() if "get" in item]
    assert len(operations) >= 6, [p for p, _ in operations]
    for path, op in operations:
        sweep_operation(fresh, findings, path, op)
    findings.check()


# --- query strings of the pages -------------------------------------------------------------------------------------

QUERY_KEYS = [
    "as_of", "page", "offset", "limit", "q", "preset", "period", "week", "sort", "s", "block", "cooperative",
    "appendix", "crs", "layer", "repair", "lang", "next", "stage", "saved", "imported", "plans", "kept",
    "aff_method", "aff_rate", "aff_months", "aff_down", "scm", "scm_outcome", "pho", "fho",
]
BRIEF = {"as_of": "9999-12-31", "page": "-1", "offset": HUGE_INT, "q": "\x00"}
# Every key at once, each with one of the values likeliest to hurt a reader of that kind of key.
ROTATION = {k: [HUGE_INT, "NaN", "²", "9999-W52", "-1", "1e309", "0001-01-01"][i % 7] for i, k in enumerate(QUERY_KEYS)}
# Answers that are files, not pages: not crawled (a PDF takes seconds to lay out), asked once each with a value
# their reader must refuse before laying anything out.
FILES = [
    "/cooperatives/kunir/plans/{plan}/statement.pdf?as_of=9999-12-31",
    "/projects/marlina/construction/report.pdf?period=9999-12",
    "/projects/marlina/construction/report.pdf?week=9999-W52",
    "/projects/marlina/construction/report.pdf?period=0001-01",
    "/projects/marlina/construction/map.json?as_of=9999-12-31",
    "/publik/marlina?lang=%00",
    "/publik/marlina/data.json?as_of=9999-12-31",
]


def get_page(env: Env, findings: Findings, page: str, query: dict[str, str]) -> bool:
    url = page + ("&" if "?" in page else "?") + urlencode(query) if query else page
    return attempt(env, findings, "GET", url, env.routes.of(page), query,
                   lambda part: get_page(env, findings, page, part))


def sweep_page(env: Env, findings: Findings, page: str, examples: int) -> None:
    """The brief's values and every key at once with one value, then `examples` random hostile queries."""
    queries = st.dictionaries(st.sampled_from(QUERY_KEYS), hostile(), min_size=1, max_size=4)

    @fuzz_settings(examples)
    @example(query=BRIEF)
    @example(query=ROTATION)
    @given(query=queries)
    def fuzz(query: dict[str, str]) -> None:
        get_page(env, findings, page, query)

    fuzz()


def test_no_query_string_makes_a_5xx(fresh, findings):
    findings.items.update(fresh.crawled.items)  # a page that fails with no query at all fails this too
    one_per_template: dict[str, str] = {}
    for page in fresh.pages:
        one_per_template.setdefault(fresh.routes.of(page), page)
    for page in one_per_template.values():
        sweep_page(fresh, findings, page, 2)
    for url in FILES:
        path, _, query = url.format(plan=fresh.world["plan"]).partition("?")
        get_page(fresh, findings, path, dict(parse_qsl(query, keep_blank_values=True)))
    findings.check()


# --- path parameters -------------------------------------------------------------------------------------------

# A known value for each kind of text parameter, so that the number beside it is what the handler reads.
PATH_TEXT = {"slug": ["kunir", "marlina"], "number": ["KNR-001"], "token": ["fuzz"], "size": ["a4"], "code": ["id"]}


def test_no_path_parameter_makes_a_5xx(fresh, findings):
    """Every route with a number in its path, GET and POST, with 2**63 there: a record no database can hold. A POST
    carries its form's values, when a page offers the form, so that the number is what the handler trips over."""
    token = csrf_token(fresh.client)
    forms = {**_extra_forms(fresh.world), **fresh.forms}
    for (path, method), multipart in sorted(fresh.routes.handlers.items()):
        if ":int}" not in path or path.startswith("/publik"):  # the public pages: see SKIP
            continue
        texts = [p.split(":")[0] for p in re.findall(r"\{([^}]+:str)\}", path)]
        for combination in product(*(PATH_TEXT.get(name, ["x"]) for name in texts)):
            url = path
            for name, value in zip(texts, combination, strict=True):
                url = url.replace("{" + name + ":str}", value)
            numbers = {p.split(":")[0]: HUGE_INT for p in re.findall(r"\{([^}]+:int)\}", path)}
            url = re.sub(r"\{[^}]+:int\}", HUGE_INT, url)
            kwargs: dict[str, Any] = {}
            if method == "POST":
                form = forms.get(path)
                fields = {k: _plausible(k, v) for k, v in form.fields.items()} if form else {}
                kwargs = {"data": {**fields, "_csrf_token": token}}
                if multipart:
                    kwargs["files"] = {name: ("leer.csv", b"", "text/csv") for name in (form.files if form else [])} \
                        or {"_": ("", b"", "application/octet-stream")}
            attempt(fresh, findings, method, url, path, numbers, None, **kwargs)
    for url in PUBLIC_PATHS:
        attempt(fresh, findings, "GET", url, fresh.routes.of(url), {"photo_id": HUGE_INT}, None)
    findings.check()


PUBLIC_PATHS = [f"/publik/marlina/foto/{HUGE_INT}"]  # one request: the public pages' rate limit is the whole run's


# --- forms ----------------------------------------------------------------------------------------------------------

# Values that pass, for the fields a page leaves empty, so that the hostile value in another field is the one the
# handler trips over (an empty date would be refused before the amount is ever read).
PLAUSIBLE = {
    "amount": "150000", "reference": "FZ-9001", "reason": "fuzz", "months": "120", "first_due": "2027-01-25",
    "down_payment_first_due": "2026-12-25", "title": "Rapat fuzz", "place": "Balai", "held_on": "2026-12-20",
    "chair": "K", "secretary": "S", "witness_1": "A", "witness_2": "B", "members_present": "10",
    "members_total": "20", "number": "FZ-001", "name": "Fuzz", "slug": "fuzz-1", "payee": "PT Fuzz",
    "entry_date": "2026-11-02", "report_date": "2026-11-28", "reporter": "Pengawas", "workers": "10",
    "contractor": "CV Fuzz", "supervisor": "Pengawas", "contract_value": "1000000000", "started_on": "2026-01-05",
    "planned_finish": "2027-06-30", "scm_held_on": "2026-11-20", "scm_target_pct": "50",
    "scm_target_date": "2027-01-31", "scm_minutes": "BA-1", "block": "A", "household_size": "4",
    "monthly_income": "5000000", "joined_on": "2020-01-01", "savings_pokok": "100000", "savings_wajib": "10000",
    "corrects": "INV-1", "paid_on": "2026-11-20", "story_md": "Cerita", "notes": "catatan",
}


def _plausible(name: str, value: str) -> str:
    if value or (name not in PLAUSIBLE and not name.endswith(("_on", "_date", "_due"))):
        return value
    return PLAUSIBLE.get(name, "2026-11-20")


def _fuzzable(form: Form) -> list[str]:
    """The fields to attack; one of a repeated group (`ut_area_3` fails the way `ut_area_0` does, and a report's
    `pct_<package>` the way another package's does)."""
    names = [n for n in form.fields if n != "_csrf_token"] + form.files
    by_shape: dict[str, str] = {}
    for n in names:
        by_shape.setdefault(re.sub(r"_\d+$", "_N", re.sub(r"^([a-z]+)_[A-Z0-9]+-.*$", r"\1_PACKAGE", n)), n)
    return list(by_shape.values())


def hostile_file() -> st.SearchStrategy[tuple[str, bytes]]:
    names = st.sampled_from(["a.csv", "a.xlsx", "a.geojson", "a.gpkg", "a.zip", "a.jpg", "a.json", ".csv", "",
                             "../../x.csv", "a\x00.csv", "x" * 300 + ".csv", "😀.csv", "a.CSV", "a"])
    bodies = st.one_of(
        st.sampled_from([b"", b"\x00" * 64, b"PK\x03\x04garbage", b"\xff\xd8\xff\xe0garbage", b"\xef\xbb\xbf",
                         b"{}", b'{"type": "FeatureCollection", "features": [{}]}', b"a;b\n1;2\n",
                         b"nomor_anggota;tanggal;jumlah;referensi\nKNR-001;9999-12-31;99999999999999999999999;X\n",
                         b"\x89PNG\r\n\x1a\n", b"x" * 200_000]),
        st.sampled_from(SPECIAL).map(lambda s: s.encode()),
        st.binary(max_size=200),
    )
    return st.tuples(names, bodies)


def post_form(env: Env, findings: Findings, form: Form, overlay: dict[str, Any]) -> bool:
    """The form as its page fills it, with `overlay`'s fields replaced. True if it failed."""
    data = {k: _plausible(k, v) for k, v in form.fields.items()}
    files = {name: ("leer.csv", b"", "text/csv") for name in form.files}
    for name, value in overlay.items():
        if name in form.files:
            files[name] = (value[0], value[1], "application/octet-stream")
        else:
            data[name] = value
    kwargs: dict[str, Any] = {"data": data}
    if form.multipart:
        kwargs["files"] = files or {"_": ("", b"", "application/octet-stream")}
    return attempt(env, findings, "POST", form.action, env.routes.of(form.action), overlay,
                   lambda part: post_form(env, findings, form, part), **kwargs)


# The values likeliest to break a reader of each kind of field, the worst first. The explicit examples give every
# field of a form the first of its kind's and `per_field - 1` more, taken in turn from the rest (rotated from one field
# to the next, so a form's fields share out the whole list); hypothesis then draws at random from everything.
DANGER = {
    "date": ["9999-12-31", "0001-01-01", "9999-12-01", "2026-02-30", "31/02/2026", HUGE_INT],
    "number": [HUGE_INT, HUGER_INT, "NaN", "1e309", "-1", "²", "9" * 5_000, "-" + HUGE_INT, "sNaN", "1e-400"],
    "text": ["x" * 100_000, "a\x00b", HUGE_INT, "²", "<script>alert(1)</script>", "NaN", "9999-12-31"],
    "file": [("a.csv", b"x" * 200_000), ("a.csv", ("jumlah\n" + "9" * 5_000 + "\n").encode()),
             ("../../a.csv", b"a;b\n1;2\n"), ("a.xlsx", b"PK\x03\x04garbage"), ("", b""), ("a.csv", b"\x00" * 64)],
}
NUMERIC = re.compile(r"^-?[\d.,]+%?$")
NUMERIC_NAME = re.compile(r"amount|pct|value|months|count|size|income|savings|days|workers|floors|units|area|rate|"
                          r"cost|price|grants|members_|klb|kdb|kdh|gsb|height|efficiency|share|factor|bedrooms|thr_|"
                          r"band_|max_|late_|infrastructure|land|rent|target|common|azimuth")


def _kind(form: Form, name: str) -> str:
    value = form.fields.get(name, "")
    if name in form.files:
        return "file"
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value) or re.search(r"(_on|_date|_due|^date|finish|^start)", name):
        return "date"
    if NUMERIC.match(value) or NUMERIC_NAME.search(name):
        return "number"
    return "text"


def sweep_form(env: Env, findings: Findings, form: Form, per_field: int, generated: int) -> None:
    """The form as its page fills it; then each field with `per_field` of its kind's dangerous values, one field
    at a time; then `generated` hostile variants drawn at random, three in four of one field alone."""
    post_form(env, findings, form, {})
    names = _fuzzable(form)
    if not names:
        return
    values = {n: (hostile_file() if n in form.files else hostile()) for n in names}
    one = st.sampled_from(names).flatmap(lambda n: values[n].map(lambda v: {n: v}))
    several = st.lists(st.sampled_from(names), min_size=min(2, len(names)), max_size=3, unique=True).flatmap(
        lambda picked: st.fixed_dictionaries({n: values[n] for n in picked}))

    @fuzz_settings(generated)
    @given(overlay=st.one_of(one, one, one, several))
    def fuzz(overlay: dict[str, Any]) -> None:
        post_form(env, findings, form, overlay)

    walk = []
    for j, name in enumerate(names):
        worst, *rest = DANGER[_kind(form, name)]
        walk += [{name: worst}] + [{name: rest[(j + r) % len(rest)]} for r in range(per_field - 1)]
    for overlay in reversed(walk):
        fuzz = example(overlay=overlay)(fuzz)
    fuzz()


EXAMPLES = (3, 2)  # per form: dangerous values per field, random draws
FEWER = {  # forms whose every answer re-renders a heavy page, or that pay argon2 for each attempt
    "/login": (1, 0),
    "/projects/{slug:str}/construction/handover/pho": (2, 1),
    "/projects/{slug:str}/construction/handover/fho": (2, 1),
    "/projects/{slug:str}/construction/showcause": (2, 1),
    "/projects/{slug:str}/construction/showcause/{meeting_id:int}/outcome": (3, 1),
    "/projects/{slug:str}/meetings/{meeting_id:int}/publish": (3, 1),
    "/projects/{slug:str}/meetings/{meeting_id:int}/preferences": (4, 1),
}
# POST routes no page offers a form for: the confirm steps of uploads, which need a stored upload first.
WITHOUT_FORM = {
    "/api/projects",  # the API's, swept with it
    "/cooperatives/{slug:str}/members-import/{token:str}", "/cooperatives/{slug:str}/payments/import/{token:str}",
    "/prices/import/{token:str}", "/projects/{slug:str}/parcels/import/{token:str}",
    "/projects/{slug:str}/scenarios/{scenario_id:int}/rab/{token:str}",
}


def test_no_form_field_makes_a_5xx(fresh, findings):
    forms = {**_extra_forms(fresh.world), **fresh.forms}
    token = csrf_token(fresh.client)
    for key, form in forms.items():
        form.fields["_csrf_token"] = token
        sweep_form(fresh, findings, form, *FEWER.get(key, EXAMPLES))
    findings.check()
    # Named, so that a new form is not silently left out of the sweep.
    assert fresh.routes.posts - set(forms) - NEVER_POSTED == WITHOUT_FORM
