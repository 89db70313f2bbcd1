"""The progress map of a project with 500 site photos: bytes and load time in headless Chromium.

`run()` installs a throw-away japra (SQLite, `japra db upgrade`, `japra demo`: Marlina under construction with its
weekly reports and its two block footprints), serves it with `japra serve` as the other page benchmarks do, signs in
as the demo planner, and measures `/projects/marlina/construction/map` three ways in the same run:

- `project page`: the project's own page (`/projects/marlina`, its folium parcel map), beside: a map page japra
  already serves, for the ratio;
- `map, no photos`: the progress map as the demo has it;
- `map, 500 photos`: after 500 `site_photo` rows with positions on the site are written straight into the database
  (no photo files: the map's JSON carries each photo's thumbnail address, and a thumbnail is fetched only when its
  popup opens, which the benchmark checks did not happen during the loads).

For each: the HTML's size and server time (`GET`, 7 requests, p50), the map JSON's (`map.json`, likewise), then
Chromium (the flags of `tests/browser`, every host but 127.0.0.1 unresolvable) loading the page once cold (new
browser context, nothing cached) and `LOADS` more times warm (same context, new tab), until the map says it has
drawn (`data-block-count`, set after the blocks, photos and slider are ready; for the project page its
`data-feature-count`). Bytes are what went over the wire per load (the Resource Timing `transferSize` of the page
and everything it loaded), split into the HTML, the JSON and the rest; times are ms from navigation start, medians.
"""

from __future__ import annotations

import random
import statistics
import tempfile
import time
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from benchmarks import sandbox, servers
from benchmarks.load import percentile_ms

PROJECT = "marlina"
MAP_PATH = f"/projects/{PROJECT}/construction/map"
JSON_PATH = MAP_PATH + ".json"
PAGE_PATH = f"/projects/{PROJECT}"
PHOTOS = 500
LOADS = 5
REQUESTS = 7
TIMEOUT_S = 120.0
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", f"--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE {servers.HOST}"]
READY = {"progress": "#progress-map[data-block-count]", "project": '[data-map="feature-map"][data-feature-count]'}
READY_PROBE = """
new MutationObserver(function (records, observer) {
    for (const r of records) {
        if (r.attributeName === 'data-block-count' || r.attributeName === 'data-feature-count') {
            window.__mapReadyAt = performance.now();
            observer.disconnect();
            return;
        }
    }
}).observe(document, {subtree: true, attributes: true, attributeFilter: ['data-block-count', 'data-feature-count']});
"""
TIMINGS = """() => {
    const n = performance.getEntriesByType('navigation')[0];
    const resources = performance.getEntriesByType('resource');
    const sum = (list) => list.reduce((s, r) => s + (r.transferSize || 0), 0);
    const json = resources.filter(r => r.name.includes('/map.json'));
    return {response_end_ms: n.responseEnd, dom_content_loaded_ms: n.domContentLoadedEventEnd,
            map_ready_ms: window.__mapReadyAt, html_bytes: n.transferSize, json_bytes: sum(json),
            other_bytes: sum(resources) - sum(json), requests: 1 + resources.length,
            thumbnails: resources.filter(r => r.name.endsWith('/thumb.jpg')).length,
            photos_drawn: Number(document.querySelector('#progress-map')?.getAttribute('data-photo-count') || 0)};
}"""


def say(message: str) -> None:
    import sys

    print(message, file=sys.stderr, flush=True)


def _add_photos(env: dict[str, str], count: int) -> int:
    """`count` photos spread over the site and the construction period, straight into the database."""
    from shapely.geometry import Point
    from sqlalchemy import create_engine, select
    from sqlalchemy.orm import Session

    import app.models  # noqa: F401  (every mapper, for the relationships to resolve)
    from app.config import normalise_database_url
    from app.construction.models import ProgressReport, SitePhoto
    from app.projects.models import Project

    rng = random.Random(500)
    engine = create_engine(normalise_database_url(env["JAPRA_DATABASE_URL"]))
    with Session(engine) as session:
        project = session.scalar(select(Project).where(Project.slug == PROJECT))
        site = project.site
        parcels = [p.geom for p in site.parcels]
        min_lon, min_lat, max_lon, max_lat = parcels[0].bounds
        for g in parcels[1:]:
            b = g.bounds
            min_lon, min_lat, max_lon, max_lat = min(min_lon, b[0]), min(min_lat, b[1]), max(max_lon, b[2]), \
                max(max_lat, b[3])
        reports = list(session.scalars(select(ProgressReport).where(ProgressReport.project_id == project.id)))
        added = 0
        while added < count:
            lon, lat = rng.uniform(min_lon, max_lon), rng.uniform(min_lat, max_lat)
            if not any(g.contains(Point(lon, lat)) for g in parcels):
                continue
            report = reports[added % len(reports)]
            taken = datetime.combine(report.report_date, datetime.min.time(), UTC) + timedelta(hours=2)
            session.add(SitePhoto(project_id=project.id, report_id=report.id, building_code="AB"[added % 2],
                                  sha256=f"{added:064x}", format="JPEG", width=4000, height=3000,
                                  size_bytes=3_500_000, taken_at=taken, lat=round(lat, 7), lon=round(lon, 7),
                                  caption=f"Foto progres {added + 1}"))
            added += 1
        session.commit()
    engine.dispose()
    return added


def _requests(client: httpx.Client, path: str) -> dict[str, Any]:
    first = client.get(path)
    if first.status_code != 200:
        raise RuntimeError(f"GET {path} gave {first.status_code}")
    samples = []
    for _ in range(REQUESTS):
        started = time.perf_counter()
        r = client.get(path)
        samples.append(time.perf_counter() - started)
        if r.status_code != 200:
            raise RuntimeError(f"GET {path} gave {r.status_code}")
    return {"bytes": len(first.content), "p50_ms": percentile_ms(sorted(samples), 50)}


def _browser(base_url: str, session: str, path: str, ready: str) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    loads = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            context.add_cookies([{"name": sandbox.SESSION_COOKIE, "value": session, "url": base_url}])
            context.add_init_script(READY_PROBE)
            for _ in range(1 + LOADS):  # the first is cold: nothing in the cache
                page = context.new_page()
                started = time.perf_counter()
                page.goto(base_url + path, wait_until="commit", timeout=TIMEOUT_S * 1000)
                page.wait_for_selector(ready, state="attached", timeout=TIMEOUT_S * 1000)
                page.wait_for_load_state("load")
                timing = page.evaluate(TIMINGS)
                timing["wall_ms"] = (time.perf_counter() - started) * 1000
                page.close()
                loads.append(timing)
        finally:
            browser.close()
    warm = loads[1:]

    def median(key: str) -> float | None:
        values = [x[key] for x in warm if x.get(key) is not None]
        return round(statistics.median(values), 1) if values else None

    return {"cold": loads[0], "warm_median": {k: median(k) for k in loads[0]}, "warm_loads": warm}


def run() -> dict[str, Any]:
    with ExitStack() as stack:
        data_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="japra-bench-progress-map-")))
        env = sandbox.environment(data_dir)
        say(f"progress map: installing japra with demo data in {data_dir}")
        sandbox.install(env)
        server = servers.start("japra", [str(data_dir / "uvicorn-options.json")], env, data_dir)
        stack.callback(server.stop)
        server.wait_ready("/healthz")
        session = sandbox.sign_in(server.base_url)
        out: dict[str, Any] = {"photos": PHOTOS, "loads": LOADS}
        client = stack.enter_context(httpx.Client(base_url=server.base_url, timeout=TIMEOUT_S,
                                                  cookies={sandbox.SESSION_COOKIE: session}))
        chromium = Path(CHROMIUM).exists()
        if not chromium:
            out["skipped"] = f"{CHROMIUM} is not installed: server figures only"

        cases = [("project page", PAGE_PATH, None, READY["project"]),
                 ("map, no photos", MAP_PATH, JSON_PATH, READY["progress"]),
                 ("map, 500 photos", MAP_PATH, JSON_PATH, READY["progress"])]
        for name, path, json_path, ready in cases:
            if name == "map, 500 photos":
                started = time.perf_counter()
                _add_photos(env, PHOTOS)
                say(f"progress map: {PHOTOS} photos written in {time.perf_counter() - started:.1f} s")
            case: dict[str, Any] = {"path": path, "html": _requests(client, path)}
            if json_path:
                case["json"] = _requests(client, json_path)
                case["json"]["photos"] = len(client.get(json_path).json()["photos"]["features"])
            if chromium:
                say(f"progress map: {name} in Chromium, 1 cold + {LOADS} warm loads")
                case["browser"] = _browser(server.base_url, session, path, ready)
            out[name] = case
    return out


def _kib(n: float | None) -> str:
    return f"{n / 1024:.1f}" if n is not None else "-"


def _ms(n: float | None) -> str:
    return f"{n:.0f}" if n is not None else "-"


def _wire(load: dict[str, Any]) -> float | None:
    if not load:
        return None
    return (load.get("html_bytes") or 0) + (load.get("json_bytes") or 0) + (load.get("other_bytes") or 0)


def table(out: dict[str, Any]) -> str:
    """The README's table, from `run()`'s result."""
    lines = ["| page | HTML KiB | JSON KiB | server p50 ms, HTML / JSON | cold: KiB over the wire | cold: map ready ms "
             "| warm: KiB | warm: map ready ms (median) |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for name in ("project page", "map, no photos", "map, 500 photos"):
        case = out[name]
        json_ = case.get("json")
        browser = case.get("browser", {})
        cold, warm = browser.get("cold", {}), browser.get("warm_median", {})
        server = _ms(case["html"]["p50_ms"]) + (f" / {_ms(json_['p50_ms'])}" if json_ else "")
        lines.append(f"| {name} | {_kib(case['html']['bytes'])} | {_kib(json_['bytes']) if json_ else '-'} | "
                     f"{server} | {_kib(_wire(cold))} | {_ms(cold.get('map_ready_ms'))} | {_kib(_wire(warm))} | "
                     f"{_ms(warm.get('map_ready_ms'))} |")
    return "\n".join(lines)


if __name__ == "__main__":
    import json

    result = run()
    print(json.dumps(result, indent=2, default=str))
    print(table(result))
