"""A project with many parcels, served: the bbox GeoJSON API and the project page's map in Chromium.

A throw-away japra installation of its own (SQLite, demo data), the generated grid imported into
Kampung Kunir with `japra parcels import` (so the site has the grid plus its one demo parcel),
then `japra serve` as in the load benchmark, and:

- GeoJSON: `GET /api/projects/kunir/parcels?bbox=...` with a bearer token, one request at a time
  on one keep-alive connection, for a box over the whole grid and one over a tenth of it: p50 and
  p99 latency and the response's size.
- Map: `GET /projects/kunir` signed in: the HTML's size and server time, then headless Chromium
  loading it until the map says it has drawn its layer (`data-feature-count` on the map's div).
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from benchmarks import parcel_data, sandbox, servers
from benchmarks.load import percentile_ms
from benchmarks.report import format_table

PROJECT = "kunir"
API_PATH = f"/api/projects/{PROJECT}/parcels"
PAGE_PATH = f"/projects/{PROJECT}"
REQUEST_TIMEOUT_S = 120.0
MAX_SECONDS = 15.0  # per request target: stop early when its requests are this slow (at least 5 are made)
WARMUP_REQUESTS = 2
MAP_READY = '[data-map="feature-map"][data-feature-count]'
CHROMIUM = "/usr/bin/chromium"
# As tests/browser: the closed network refuses Chromium's own background calls; these stop them.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run",
                 # Every host but this one fails at once, so the basemap tiles neither load nor hang.
                 f"--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE {servers.HOST}"]
# Set before any page script runs: notes when the map's container gets its data-feature-count.
READY_PROBE = """
new MutationObserver(function (records, observer) {
    for (const r of records) {
        if (r.target.getAttribute && r.target.getAttribute('data-map') === 'feature-map') {
            window.__mapReadyAt = performance.now();
            observer.disconnect();
            return;
        }
    }
}).observe(document, {subtree: true, attributes: true, attributeFilter: ['data-feature-count']});
"""
NAVIGATION_TIMING = """() => {
    const n = performance.getEntriesByType('navigation')[0];
    return {response_start_ms: n.responseStart, response_end_ms: n.responseEnd,
            dom_content_loaded_ms: n.domContentLoadedEventEnd, map_ready_ms: window.__mapReadyAt};
}"""


@dataclass(frozen=True)
class Latencies:
    name: str
    path: str
    features: int
    body_bytes: int
    samples_s: list[float]

    @property
    def p50_ms(self) -> float | None:
        return percentile_ms(sorted(self.samples_s), 50)

    @property
    def p99_ms(self) -> float | None:
        return percentile_ms(sorted(self.samples_s), 99)


@dataclass
class MapLoads:
    html_bytes: int
    features: int  # what the map drew, from data-feature-count
    server: Latencies  # the page's GET, as a client without a browser sees it
    loads: list[dict[str, float]] = field(default_factory=list)  # per load: navigation timings, wall time
    skipped: str | None = None  # why Chromium did not run

    def median(self, key: str) -> float | None:
        values = [load[key] for load in self.loads if load.get(key) is not None]
        return statistics.median(values) if values else None


@dataclass
class PagesOutcome:
    parcels: int  # on the site: the grid and the demo parcel
    imported_s: float  # how long `japra parcels import` took, start-up included
    geojson: list[Latencies]
    map: MapLoads | None


def _sequential(client: httpx.Client, name: str, path: str, requests: int, max_seconds: float,
                count_features: bool, say: Callable[[str], None]) -> Latencies:
    """`requests` GETs one after the other (fewer if `max_seconds` runs out), after untimed warm-ups."""
    first = None
    for _ in range(WARMUP_REQUESTS):
        first = client.get(path)
        if first.status_code != 200:
            raise RuntimeError(f"GET {path} gave {first.status_code}")
    assert first is not None
    features = len(first.json()["features"]) if count_features else 0
    say(f"  {name}: {len(first.content) / 2**20:.2f} MiB per response; up to {requests} requests")
    samples: list[float] = []
    deadline = time.perf_counter() + max_seconds
    while len(samples) < requests and (len(samples) < 5 or time.perf_counter() < deadline):
        started = time.perf_counter()
        response = client.get(path)
        elapsed = time.perf_counter() - started
        if response.status_code != 200:
            raise RuntimeError(f"GET {path} gave {response.status_code}")
        samples.append(elapsed)
    return Latencies(name=name, path=path, features=features, body_bytes=len(first.content), samples_s=samples)


def _bbox_path(bbox: tuple[float, float, float, float]) -> str:
    return f"{API_PATH}?bbox=" + ",".join(f"{v:.7f}" for v in bbox)


def _browser_loads(base_url: str, session: str, loads: int, say: Callable[[str], None]) -> list[dict[str, float]]:
    from playwright.sync_api import sync_playwright

    out = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            context.add_cookies([{"name": sandbox.SESSION_COOKIE, "value": session, "url": base_url}])
            context.add_init_script(READY_PROBE)
            for n in range(1 + loads):  # the first one warms the cache (Leaflet, CSS) and is not counted
                page = context.new_page()
                started = time.perf_counter()
                page.goto(base_url + PAGE_PATH, wait_until="commit", timeout=REQUEST_TIMEOUT_S * 1000)
                page.wait_for_selector(MAP_READY, state="attached", timeout=REQUEST_TIMEOUT_S * 1000)
                wall_ms = (time.perf_counter() - started) * 1000
                if not page.url.startswith(base_url + PAGE_PATH):
                    raise RuntimeError(f"the browser ended at {page.url}, not the project page")
                timing = page.evaluate(NAVIGATION_TIMING)
                timing["wall_ms"] = wall_ms
                timing["features"] = int(page.get_attribute(MAP_READY, "data-feature-count") or 0)
                page.close()
                if n:
                    out.append(timing)
                say(f"  map load {n}/{loads}{' (warm-up)' if n == 0 else ''}: "
                    f"ready after {_ms(timing['map_ready_ms'])} ms")
        finally:
            browser.close()
    return out


def _chromium_missing() -> str | None:
    if not Path(CHROMIUM).exists():
        return f"{CHROMIUM} is not installed (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright is not installed in this venv (pip install -e '.[test]')"
    return None


@contextmanager
def _served_project(work_dir: Path, parcels: int, say: Callable[[str], None]) -> Iterator[tuple[Any, ...]]:
    """A japra server whose project kunir holds the grid; yields (server, token, session, seconds)."""
    with ExitStack() as stack:
        data_dir = work_dir / "pages"
        data_dir.mkdir()
        env = sandbox.environment(data_dir)
        say(f"pages: installing japra with demo data and {parcels} parcels in {data_dir}")
        token = sandbox.install(env)
        path = parcel_data.write_gpkg(work_dir / f"grid-pages-{parcels}.gpkg", parcels)
        started = time.perf_counter()
        out = json.loads(sandbox.japra(env, "parcels", "import", str(path), "--project", PROJECT))
        imported_s = time.perf_counter() - started
        if out.get("imported") != parcels:
            raise RuntimeError(f"`japra parcels import` imported {out.get('imported')} of {parcels} parcels")
        server = servers.start("japra", [str(data_dir / "uvicorn-options.json")], env, data_dir)
        stack.callback(server.stop)
        server.wait_ready("/healthz")
        say(f"pages: japra ready at {server.base_url}")
        yield server, token, sandbox.sign_in(server.base_url), imported_s


def benchmark(work_dir: Path, parcels: int, say: Callable[[str], None], *, geojson: bool = True,
              browser: bool = True, map_loads: int = 5) -> PagesOutcome:
    with _served_project(work_dir, parcels, say) as (server, token, session, imported_s):
        results = []
        if geojson:
            with httpx.Client(base_url=server.base_url, timeout=REQUEST_TIMEOUT_S,
                              headers={"Authorization": f"Bearer {token}"}) as client:
                for name, share, requests in (("bbox: all", 1.0, 30), ("bbox: a tenth", 0.1, 100)):
                    path = _bbox_path(parcel_data.bbox_lonlat(parcels, share))
                    results.append(_sequential(client, name, path, requests, MAX_SECONDS, True, say))
        maps = None
        if browser:
            with httpx.Client(base_url=server.base_url, timeout=REQUEST_TIMEOUT_S,
                              cookies={sandbox.SESSION_COOKIE: session}, follow_redirects=False) as client:
                page = _sequential(client, "project page", PAGE_PATH, 7, MAX_SECONDS, False, say)
            maps = MapLoads(html_bytes=page.body_bytes, features=0, server=page, skipped=_chromium_missing())
            if maps.skipped:
                say(f"  map in Chromium skipped: {maps.skipped}")
            else:
                maps.loads = _browser_loads(server.base_url, session, map_loads, say)
                maps.features = int(maps.loads[-1]["features"]) if maps.loads else 0
    return PagesOutcome(parcels=parcels + 1, imported_s=imported_s, geojson=results, map=maps)


def _ms(value: float | None) -> str:
    return f"{value:.0f}" if value is not None else "-"


def _mib(n: int) -> str:
    return f"{n / 2**20:.2f}"


def geojson_table(outcome: PagesOutcome) -> str:
    columns = ("request", "features", "requests", "p50 ms", "p99 ms", "response MiB", "bytes/feature")
    lines = [[r.name, str(r.features), str(len(r.samples_s)), _ms(r.p50_ms), _ms(r.p99_ms), _mib(r.body_bytes),
              f"{r.body_bytes / r.features:.0f}" if r.features else "-"] for r in outcome.geojson]
    return format_table(columns, lines)


def map_table(outcome: PagesOutcome) -> str:
    m = outcome.map
    assert m is not None
    columns = ("project page", "HTML MiB", "server p50 ms", "features drawn", "loads", "first byte ms",
               "HTML loaded ms", "DOMContentLoaded ms", "map ready ms")
    line = [PAGE_PATH, _mib(m.html_bytes), _ms(m.server.p50_ms), str(m.features) if m.loads else "-",
            str(len(m.loads)), _ms(m.median("response_start_ms")), _ms(m.median("response_end_ms")),
            _ms(m.median("dom_content_loaded_ms")), _ms(m.median("map_ready_ms"))]
    text = format_table(columns, [line])
    if m.skipped:
        text += f"\nnote: Chromium skipped: {m.skipped}"
    elif m.loads:
        ready = sorted(load["map_ready_ms"] for load in m.loads)
        text += (f"\nnote: medians of {len(m.loads)} loads after one warm-up, ms from navigation start; "
                 f"map ready ranged {ready[0]:.0f}-{ready[-1]:.0f} ms (Python's wall clock, goto to selector: "
                 f"median {m.median('wall_ms'):.0f} ms)")
    return text


def as_json(outcome: PagesOutcome) -> dict[str, Any]:
    def latencies(r: Latencies) -> dict[str, Any]:
        return {"name": r.name, "path": r.path, "features": r.features, "body_bytes": r.body_bytes,
                "requests": len(r.samples_s), "p50_ms": r.p50_ms, "p99_ms": r.p99_ms}

    m = outcome.map
    return {
        "project": PROJECT, "parcels_on_site": outcome.parcels, "import_command_s": round(outcome.imported_s, 2),
        "geojson": [latencies(r) for r in outcome.geojson],
        "map": None if m is None else {
            "html_bytes": m.html_bytes, "server": latencies(m.server), "features_drawn": m.features,
            "skipped": m.skipped, "loads": m.loads,
            "median_ms": {k: m.median(k) for k in ("response_start_ms", "response_end_ms",
                                                   "dom_content_loaded_ms", "map_ready_ms", "wall_ms")},
        },
    }
