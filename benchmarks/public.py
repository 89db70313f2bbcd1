"""The public pages (issue 7) under load, and the size of what a visitor takes away.

`run()` installs a throw-away japra (SQLite, `japra db upgrade`, `japra demo`: Marlina under construction with 26
demo pictures, 6 of them public, and Akuarium, both published) and serves it with `japra serve` beside the bare
Litestar handler (`bare_app.py`, the same uvicorn options), as the load benchmark does. Every benchmark client
comes from 127.0.0.1, so the public rate limit (`JAPRA_PUBLIC_REQUESTS_PER_MINUTE`, 240 a minute per address by
default) is raised to RATE_LIMIT in the server's environment; otherwise it would answer 429 after the first
seconds and the figures would measure the refusal.

1. **The demo as it is** (6 public photos): for each public address (the project page, the overview map, the
   page's JSON, the single-file map `peta.html` and the A4 poster): the first request after the server started
   (the process and the cache cold: imports, templates, fonts), a build in a warm process (the same address
   with `?lang=en`, a key not yet cached, after Akuarium's English page has loaded the English catalogue;
   `data.json` is not keyed by language, so it has none), then
   REQUESTS requests from the cache (p50), one conditional request with the ETag (p50 of REQUESTS, 304), the
   bytes and the bytes after gzip (level 6, as a web server would send them; japra itself does not compress).
2. **40 public photos**: the server is stopped, 40 phone-sized JPEGs (4,000 x 3,000, gradients and noise: they
   compress like photos, not like the demo's flat drawings) go through `app.construction.photos.add_photos` (a
   child process, as `japra` would) and are marked public, the demo's 6 private, so exactly 40 are public. A fresh
   server, the same five addresses measured again.
3. **Load** on that server: `clients` virtual clients (50 unless told) for `seconds` each on the bare handler,
   `/publik/marlina` and `/publik`, as `load.py` runs them (10 untimed warm-up requests first, so what is
   measured is the cached page: the cache keeps a page SERVER_CACHE_SECONDS, so a run shorter than that never
   rebuilds it). req/s, p50, p99, errors, server CPU per request, and the ratio to the bare handler. Each virtual
   client comes from its own address (`X-Forwarded-For`, trusted from 127.0.0.1), as visitors do: Litestar's
   rate limit keeps every request's time of the current minute per address and decodes and re-encodes that list
   on each request, so 50 clients on one address under a raised limit pay for a list growing by ~1,000 a second.
   A last row measures the project page that way, all clients as 127.0.0.1.
4. **Cold burst**: one more fresh server, its process warmed on other keys (`data.json`, Akuarium's English
   page, its export and poster), one build of each address alone on its English key (time and server CPU), then
   `clients` requests sent at once to the uncached `/publik/marlina`, then to `/publik`, `peta.html` and the A4
   poster (40 photos): the time until all are answered, their p50 and fastest, and the server CPU they took.
   The cache has no single flight: every request that finds the page missing builds it, so the burst's CPU over
   one build's tells how many built it.

Everything runs in a temp dir removed at the end, as are the servers, also after an error or Ctrl+C.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx

from benchmarks import load, report, sandbox, servers
from benchmarks.load import Target, percentile_ms
from benchmarks.report import Outcome, Row

PROJECT = "marlina"
PAGES = {
    "project page": f"/publik/{PROJECT}",
    "overview map": "/publik",
    "data.json": f"/publik/{PROJECT}/data.json",
    "peta.html": f"/publik/{PROJECT}/peta.html",
    "poster A4": f"/publik/{PROJECT}/poster/a4",
}
BY_LANGUAGE = {"project page", "overview map", "peta.html", "poster A4"}  # cache keys that include the language
CLIENTS = 50
PUBLIC_PHOTOS = 40
PHOTO_SIZE = (4000, 3000)
RATE_LIMIT = 10_000_000  # requests a minute per address: every benchmark client is 127.0.0.1
REQUESTS = 7
TIMEOUT_S = 120.0
# Before the builds in a warm process: the page's view once (data.json) and the English catalogue and templates.
WARM_UP = (f"/publik/{PROJECT}/data.json", "/publik/akuarium?lang=en")
BURST = ("project page", "overview map", "peta.html", "poster A4")
# Before the burst's builds also WeasyPrint's first PDF and the export's first read of Leaflet.
BURST_WARM_UP = (*WARM_UP, "/publik/akuarium/peta.html?lang=en", "/publik/akuarium/poster/a4?lang=en")


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- 40 public photos (in a child process with the benchmark's environment) --------------------------------


def _phone_photo(seed: int) -> bytes:
    """A phone-sized JPEG that compresses like a photo of a site (a gradient, fine noise, a coloured block)."""
    from io import BytesIO

    from PIL import Image, ImageDraw

    w, h = PHOTO_SIZE
    noise = Image.effect_noise((w // 4, h // 4), 60).convert("RGB").resize((w, h))
    image = Image.blend(Image.linear_gradient("L").resize((w, h)).convert("RGB"), noise, 0.45)
    x = seed * 97 % (w - 600)
    ImageDraw.Draw(image).rectangle([x, 400, x + 600, 1400], fill=(120 + seed, 90, 60))
    out = BytesIO()
    image.save(out, "JPEG", quality=88)
    return out.getvalue()


def make_public_photos(count: int = PUBLIC_PHOTOS) -> dict[str, Any]:
    """`count` new photos through the photo service, all public; every other photo of the project private."""
    from sqlalchemy import select, update
    from sqlalchemy.orm import Session

    import app.models  # noqa: F401  (every mapper, for the relationships to resolve)
    from app.config import get_settings
    from app.construction import photos
    from app.construction.models import ProgressReport, SitePhoto
    from app.db.engine import make_engine
    from app.projects.models import Project

    settings = get_settings()
    store = photos.PhotoStore.from_settings(settings)
    engine = make_engine(settings.database_url)
    original_bytes = 0
    with Session(engine) as session:
        project = session.scalar(select(Project).where(Project.slug == PROJECT))
        reports = session.scalars(select(ProgressReport).where(ProgressReport.project_id == project.id)
                                  .order_by(ProgressReport.report_date.desc())).all()
        session.execute(update(SitePhoto).where(SitePhoto.project_id == project.id).values(public=False))
        added = []
        for n in range(count):  # one a report, the latest reports first: a month of documentation
            content = _phone_photo(n)
            original_bytes += len(content)
            upload = photos.PhotoUpload(f"IMG_{n:04d}.jpg", content, f"Dokumentasi pekerjaan, foto {n + 1}",
                                        "AB"[n % 2])
            added += photos.add_photos(session, "benchmark", store, project, [upload],
                                       reports[n % len(reports)].report_date)
        for row in added:
            row.public = True
        session.commit()
        thumbs = sum(store.path(row, "thumb").stat().st_size for row in added)
    engine.dispose()
    return {"photos": len(added), "original_mib": round(original_bytes / 2**20, 1),
            "thumbnail_kib_mean": round(thumbs / len(added) / 1024, 1)}


def _add_photos(env: dict[str, str]) -> dict[str, Any]:
    import subprocess

    result = subprocess.run([sys.executable, "-m", "benchmarks.public", "photos"], cwd=servers.REPO, env=env,
                            capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"adding the photos failed:\n{result.stdout}{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


# --- servers and single requests ------------------------------------------------------------------------------


def _start(stack: ExitStack, name: str, options_file: Path, env: dict[str, str], data_dir: Path,
           ready_path: str) -> servers.Server:
    server = servers.start(name, [str(options_file)], env, data_dir)
    stack.callback(server.stop)
    server.wait_ready(ready_path)
    say(f"public: {name} server ready at {server.base_url}")
    return server


def _get(client: httpx.Client, path: str, headers: dict[str, str] | None = None,
         expect: int = 200) -> tuple[httpx.Response, float]:
    started = time.perf_counter()
    response = client.get(path, headers=headers)
    took = time.perf_counter() - started
    if response.status_code != expect:
        raise RuntimeError(f"GET {path} gave {response.status_code}, not {expect}")
    return response, took


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def _addresses(client: httpx.Client) -> dict[str, Any]:
    """Each public address: first request after start, a build in a warm process, then from the cache."""
    out: dict[str, Any] = {}
    for name, path in PAGES.items():  # all first requests before anything else: each pays its own cold start
        response, took = _get(client, path)
        out[name] = {"path": path, "first_request_ms": _ms(took), "bytes": len(response.content),
                     "gzip_bytes": len(gzip.compress(response.content, compresslevel=6)),
                     "media_type": response.headers.get("content-type"), "etag": response.headers.get("etag")}
    for path in WARM_UP:
        _get(client, path)
    for name, path in PAGES.items():
        case = out[name]
        if name in BY_LANGUAGE:
            case["build_ms"] = _ms(_get(client, path + "?lang=en")[1])
        warm = sorted(_get(client, path)[1] for _ in range(REQUESTS))
        case["cached_p50_ms"] = round(percentile_ms(warm, 50), 2)
        if case["etag"]:
            revalidated = sorted(_get(client, path, {"If-None-Match": case["etag"]}, expect=304)[1]
                                 for _ in range(REQUESTS))
            case["not_modified_p50_ms"] = round(percentile_ms(revalidated, 50), 2)
    return out


def _measure_addresses(stack: ExitStack, label: str, options_file: Path, env: dict[str, str],
                       data_dir: Path) -> tuple[servers.Server, dict[str, Any]]:
    server = _start(stack, "japra", options_file, env, data_dir, "/healthz")
    say(f"public: the five public addresses, {label}")
    with httpx.Client(base_url=server.base_url, timeout=TIMEOUT_S) as client:
        return server, _addresses(client)


# --- the cold burst ---------------------------------------------------------------------------------------------


async def _burst_async(url: str, clients: int) -> dict[str, Any]:
    async def one(client: httpx.AsyncClient) -> float:
        started = time.perf_counter()
        response = await client.get(url)
        if response.status_code != 200:
            raise RuntimeError(f"GET {url} gave {response.status_code} in the burst")
        return time.perf_counter() - started

    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(timeout=TIMEOUT_S, limits=limits) as client:
        started = time.perf_counter()
        latencies = sorted(await asyncio.gather(*(one(client) for _ in range(clients))))
        wall = time.perf_counter() - started
    return {"clients": clients, "all_answered_ms": _ms(wall), "p50_ms": round(percentile_ms(latencies, 50), 1),
            "fastest_ms": _ms(latencies[0]), "slowest_ms": _ms(latencies[-1])}


def _burst(server: servers.Server, path: str, clients: int) -> dict[str, Any]:
    cpu_before = server.cpu_seconds()
    out = asyncio.run(_burst_async(server.base_url + path, clients))
    out["server_cpu_ms"] = _ms(server.cpu_seconds() - cpu_before)
    return out


# --- the whole part ---------------------------------------------------------------------------------------------


def run(clients: int = CLIENTS, seconds: float = 10.0) -> dict[str, Any]:
    with ExitStack() as stack:
        # Registered first, so removed last: after the servers using it have stopped.
        data_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="japra-bench-public-")))
        env = sandbox.environment(data_dir)
        env["JAPRA_PUBLIC_REQUESTS_PER_MINUTE"] = str(RATE_LIMIT)
        say(f"public: installing japra with demo data in {data_dir}")
        sandbox.install(env)
        options_file = data_dir / "uvicorn-options.json"
        out: dict[str, Any] = {"clients": clients, "seconds": seconds,
                               "public_requests_per_minute": RATE_LIMIT, "requests": REQUESTS}

        # 1. The demo as it is.
        with ExitStack() as demo:
            _server, out["demo"] = _measure_addresses(demo, "the demo (6 public photos)", options_file, env,
                                                      data_dir)

        # 2. 40 public photos, a fresh server.
        started = time.perf_counter()
        out["photos"] = _add_photos(env)
        out["photos"]["added_s"] = round(time.perf_counter() - started, 1)
        say(f"public: {PUBLIC_PHOTOS} photos added and made public in {out['photos']['added_s']} s")
        japra, out["photos_40"] = _measure_addresses(stack, f"{PUBLIC_PHOTOS} public photos", options_file, env,
                                                     data_dir)
        out["uvicorn"] = json.loads(options_file.read_text())

        # 3. Load: the bare handler beside the two public pages, on that server.
        bare = _start(stack, "bare", options_file, env, data_dir, "/")
        plan = [(bare, "/", Target("bare", bare.base_url + "/", own_addresses=True)),
                (japra, PAGES["project page"], Target("project page", japra.base_url + PAGES["project page"],
                                                      own_addresses=True)),
                (japra, PAGES["overview map"], Target("overview map", japra.base_url + PAGES["overview map"],
                                                      own_addresses=True)),
                (japra, PAGES["project page"], Target("project page, one address",
                                                      japra.base_url + PAGES["project page"]))]
        rows = []
        for server, path, target in plan:
            say(f"public: loading {target.name} ({path}): {clients} clients for {seconds:g} s")
            load.warm_up(target)
            cpu_before = server.cpu_seconds()
            result = load.run(target, clients, seconds)
            rows.append(Row(result=result, path=path, server=server.name,
                            server_cpu_s=server.cpu_seconds() - cpu_before))
        peak = {s.name: s.peak_rss_mib() for s in (japra, bare)}
        japra.stop()
        out["load"] = report.as_json(Outcome(rows=rows, peak_rss_mib=peak, uvicorn_options=out["uvicorn"]),
                                     clients, seconds)
        out["load_table"] = report.table(rows)

        # 4. Cold burst on a fresh server, its process warmed on other keys.
        with ExitStack() as cold:
            server = _start(cold, "japra", options_file, env, data_dir, "/healthz")
            out["burst"] = {}
            with httpx.Client(base_url=server.base_url, timeout=TIMEOUT_S) as client:
                for path in BURST_WARM_UP:
                    _get(client, path)
                for name in BURST:  # one build alone, on the English key
                    cpu_before = server.cpu_seconds()
                    took = _get(client, PAGES[name] + "?lang=en")[1]
                    out["burst"][name] = {"one_build_ms": _ms(took),
                                          "one_build_cpu_ms": _ms(server.cpu_seconds() - cpu_before)}
            for name in BURST:
                say(f"public: {clients} requests at once on the uncached {PAGES[name]}")
                out["burst"][name].update(_burst(server, PAGES[name], clients))
    return out


# --- the README's tables ---------------------------------------------------------------------------------------


def _kib(n: int | None) -> str:
    return "-" if n is None else f"{n / 1024:,.1f}"


def _n(v: float | None, digits: int = 0) -> str:
    return "-" if v is None else f"{v:,.{digits}f}"


def tables(out: dict[str, Any]) -> str:
    lines = [f"Load: {out['clients']} clients, {out['seconds']:g} s per target, 127.0.0.1, public rate limit "
             f"raised to {out['public_requests_per_minute']:,} a minute",
             "", out["load_table"], "",
             "| target | req/s | p50 ms | p99 ms | vs bare (req/s) | server CPU ms/req | CPU vs bare |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for t in out["load"]["targets"]:
        lines.append(f"| {t['target']} `{t['path']}` | {_n(t['req_per_s'])} | {_n(t['p50_ms'], 1)} | "
                     f"{_n(t['p99_ms'], 1)} | {_n(t['ratio_to_bare'], 3)} | "
                     f"{_n(t['server_cpu_ms_per_request'], 2)} | {_n(t['cpu_ratio_to_bare'], 3)} |")
    lines += ["", "| address | public photos | bytes (KiB) | gzip (KiB) | first request after start ms | "
              "build, warm process ms | from the cache, p50 ms | 304, p50 ms |",
              "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for key, photos in (("demo", 6), ("photos_40", PUBLIC_PHOTOS)):
        for name, c in out[key].items():
            lines.append(f"| {name} | {photos} | {_kib(c['bytes'])} | {_kib(c['gzip_bytes'])} | "
                         f"{_n(c['first_request_ms'])} | {_n(c.get('build_ms'))} | {_n(c['cached_p50_ms'], 1)} | "
                         f"{_n(c.get('not_modified_p50_ms'), 1)} |")
    lines += ["", "| cold burst | requests at once | all answered ms | p50 ms | fastest ms | server CPU ms | "
              "one build alone: ms, CPU ms |",
              "|---|---:|---:|---:|---:|---:|---:|"]
    for name, b in out["burst"].items():
        lines.append(f"| {name} | {b['clients']} | {_n(b['all_answered_ms'])} | {_n(b['p50_ms'])} | "
                     f"{_n(b['fastest_ms'])} | {_n(b['server_cpu_ms'])} | {_n(b['one_build_ms'])}, "
                     f"{_n(b['one_build_cpu_ms'])} |")
    p = out["photos"]
    lines.append(f"\n{p['photos']} photos of {PHOTO_SIZE[0]} x {PHOTO_SIZE[1]} ({p['original_mib']} MiB of "
                 f"originals), thumbnails {p['thumbnail_kib_mean']} KiB on average; added in {p['added_s']} s")
    return "\n".join(lines)


if __name__ == "__main__":
    if sys.argv[1:] == ["photos"]:
        print(json.dumps(make_public_photos()))
    else:
        result = run()
        print(json.dumps(result, indent=2, default=str))
        print(tables(result))
