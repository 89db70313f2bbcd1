"""`python -m benchmarks [PART ...]`: japra's speed beside a baseline measured in the same run.

Parts (all of them when none is named; `parcels` is import, geojson and map):
  load     japra and a bare Litestar app on loopback under the same concurrent load
  import   a generated 50,000-parcel GeoPackage imported into SQLite and PostGIS, beside a bare
           read-and-executemany of the same file
  geojson  the bbox GeoJSON API of a project with 10,000 parcels
  map      that project's page in headless Chromium, until its map has drawn the parcels
  costing  recomputing a 250-unit scenario with a 300-line RAB; its proposal PDF beside bare WeasyPrint
  finance  instalment schedules and arrears for 5,000 plans
  allocation  1,000 members to 1,000 units by each method
  progress  a project's S-curves (10 blocks x 20 packages x 104 weekly reports); a progress report PDF with 40 photos
  progress_map  the progress map of a project with 500 site photos in headless Chromium: bytes and load time
  public   the public project page and overview map under 50 clients beside the bare handler; the size and build
           time of the single-file map and the A4 poster with 40 public photos
  writes   40 officers recording payments at once (on many plans, on one plan) beside the same payments one at a
           time, on SQLite and PostGIS
  import_memory  peak memory and time of reading hostile and ordinary uploads (spreadsheet bombs, blank CSVs, a
           5,000-row member list, a price library, a 49-megapixel photo), each in a fresh process, beside one that
           only imports the modules

Everything runs in throw-away data dirs and databases in the temp folder, removed at the end, as
are the servers, also after Ctrl+C or an error.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import tempfile
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from types import FrameType
from typing import Any

from benchmarks import imports, load, parcel_pages, report, sandbox, servers
from benchmarks.load import Target
from benchmarks.report import Outcome, Row
from benchmarks.servers import Server

PARCELS_PATH = "/api/projects/akuarium/parcels"
PARTS = ("load", "import", "geojson", "map", "costing", "finance", "allocation", "progress", "progress_map",
         "public", "writes", "import_memory")
GROUPS = {"parcels": ("import", "geojson", "map"), "all": PARTS}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0],
                                     epilog="See benchmarks/README.md.")
    parser.add_argument("parts", nargs="*", metavar="PART",
                        help="load, import, geojson, map, costing, finance, allocation, progress, progress_map, "
                             "public, writes, import_memory, or parcels "
                             "(import, geojson, map); default: all")
    load_options = parser.add_argument_group("load")
    load_options.add_argument("--clients", type=int, default=20, help="concurrent virtual clients (default 20)")
    load_options.add_argument("--seconds", type=float, default=10.0, help="load duration per target (default 10)")
    load_options.add_argument("--public-clients", type=int, default=50,
                              help="public: concurrent virtual clients (default 50)")
    parser.add_argument("--quick", action="store_true",
                        help="a smoke run that measures nothing: 2 s per load target, 5,000 parcels to import "
                             "once, 1,000 on the project page")
    parcels = parser.add_argument_group("import")
    parcels.add_argument("--import-parcels", type=int, default=50_000, help="parcels in the file (default 50,000)")
    parcels.add_argument("--rounds", type=int, default=3, help="imports per database, medians reported (default 3)")
    parcels.add_argument("--crs", choices=("EPSG:32748", "EPSG:4326"), default="EPSG:32748",
                         help="the file's coordinate system (default EPSG:32748, UTM 48S, as surveys are)")
    parcels.add_argument("--profile", type=Path, metavar="DIR",
                         help="also run one import per database under cProfile, statistics into DIR")
    pages = parser.add_argument_group("geojson and map")
    pages.add_argument("--page-parcels", type=int, default=10_000, help="parcels in the project (default 10,000)")
    pages.add_argument("--map-loads", type=int, default=5, help="page loads in Chromium after a warm-up (default 5)")
    writes = parser.add_argument_group("writes")
    writes.add_argument("--write-clients", type=int, default=40,
                        help="officers recording payments at once (default 40)")
    writes.add_argument("--write-rounds", type=int, default=5,
                        help="payments each officer records, one after another (default 5)")
    args = parser.parse_args(argv)
    chosen: list[str] = []
    for part in args.parts or ["all"]:
        if part not in PARTS and part not in GROUPS:
            parser.error(f"unknown part {part!r}: choose from {', '.join(PARTS + tuple(GROUPS))}")
        chosen += GROUPS.get(part, (part,))
    args.parts = [p for p in PARTS if p in chosen]
    counts = (args.clients, args.public_clients, args.import_parcels, args.rounds, args.page_parcels, args.map_loads,
              args.write_clients, args.write_rounds)
    if min(counts) < 1 or args.seconds <= 0:
        parser.error("counts and --seconds must be positive")
    if args.quick:
        args.seconds = 2.0
        args.import_parcels, args.rounds = min(args.import_parcels, 5_000), 1
        args.page_parcels, args.map_loads = min(args.page_parcels, 1_000), 2
        args.write_clients, args.write_rounds = min(args.write_clients, 10), 1
    return args


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- load: japra beside a bare Litestar app ---------------------------------------------------

def start_server(stack: ExitStack, name: str, options_file: Path, env: dict[str, str], data_dir: Path,
                 ready_path: str) -> Server:
    server = servers.start(name, [str(options_file)], env, data_dir)
    stack.callback(server.stop)
    server.wait_ready(ready_path)
    say(f"{name} server ready at {server.base_url}")
    return server


def measure(server: Server, target: Target, path: str, clients: int, seconds: float) -> Row:
    say(f"loading {target.name} ({path}): {clients} clients for {seconds:g} s")
    load.warm_up(target)  # outside the CPU reading: its requests are not counted
    cpu_before = server.cpu_seconds()
    result = load.run(target, clients, seconds)
    return Row(result=result, path=path, server=server.name, server_cpu_s=server.cpu_seconds() - cpu_before)


def benchmark(clients: int, seconds: float) -> Outcome:
    with ExitStack() as stack:
        # Registered first, so removed last: after the servers using it have stopped.
        data_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="japra-bench-")))
        env = sandbox.environment(data_dir)
        say(f"installing japra with demo data in {data_dir}")
        token = sandbox.install(env)
        # japra first: the bare app is served with the uvicorn options japra's start-up recorded.
        options_file = data_dir / "uvicorn-options.json"
        japra = start_server(stack, "japra", options_file, env, data_dir, "/healthz")
        bare = start_server(stack, "bare", options_file, env, data_dir, "/")
        session = sandbox.sign_in(japra.base_url)

        plan = [
            (bare, "/", Target("bare", bare.base_url + "/")),
            (japra, "/", Target("dashboard", japra.base_url + "/", cookies={sandbox.SESSION_COOKIE: session})),
            (japra, PARCELS_PATH, Target("parcels", japra.base_url + PARCELS_PATH,
                                         headers={"Authorization": f"Bearer {token}"})),
        ]
        rows = [measure(server, target, path, clients, seconds) for server, path, target in plan]
        # Read before stopping: the high-water mark is gone with the process.
        peak_rss = {s.name: s.peak_rss_mib() for s in (japra, bare)}
        options = json.loads(options_file.read_text())
    return Outcome(rows=rows, peak_rss_mib=peak_rss, uvicorn_options=options)


def print_report(outcome: Outcome, clients: int, seconds: float) -> None:
    print(f"\n== load: {clients} clients, {seconds:g} s per target, 127.0.0.1; {os.cpu_count()} CPUs shared by "
          "the server and the load generator\n")
    print(report.table(outcome.rows))
    rss = ", ".join(f"{name} {mib:.1f} MiB" if mib is not None else f"{name} -"
                    for name, mib in outcome.peak_rss_mib.items())
    print(f"\npeak RSS (VmHWM): {rss}")
    print(f"uvicorn options, both servers: {outcome.uvicorn_options}", flush=True)


# --- the parcel parts ---------------------------------------------------------------------------

def run_load(args: argparse.Namespace, results: dict[str, Any]) -> None:
    outcome = benchmark(args.clients, args.seconds)
    results.update(report.as_json(outcome, args.clients, args.seconds))
    print_report(outcome, args.clients, args.seconds)


def run_import(args: argparse.Namespace, results: dict[str, Any]) -> None:
    with tempfile.TemporaryDirectory(prefix="japra-bench-import-") as tmp:
        env = sandbox.environment(Path(tmp))
        outcome = imports.benchmark(Path(tmp), env, args.import_parcels, args.rounds, args.crs, say,
                                    profile_dir=args.profile)
    results["parcel_import"] = imports.as_json(outcome)
    print(f"\n== import: {outcome.parcels:,} parcels, GeoPackage in {outcome.crs} "
          f"({outcome.file_bytes / 2**20:.1f} MiB), into project {imports.PROJECT}; medians of {outcome.rounds} "
          "round(s), each import in a fresh process; ratio = japra / baseline seconds\n")
    print(imports.table(outcome))
    if any(not leg.skipped for leg in outcome.legs):
        print()
        print(imports.stages_table(outcome), flush=True)


def run_pages(args: argparse.Namespace, results: dict[str, Any]) -> None:
    geojson, browser = "geojson" in args.parts, "map" in args.parts
    with tempfile.TemporaryDirectory(prefix="japra-bench-pages-") as tmp:
        outcome = parcel_pages.benchmark(Path(tmp), args.page_parcels, say, geojson=geojson, browser=browser,
                                         map_loads=args.map_loads)
    results["parcel_pages"] = parcel_pages.as_json(outcome)
    if geojson:
        print(f"\n== geojson: GET {parcel_pages.API_PATH}?bbox=... with a token, one request at a time; "
              f"{outcome.parcels:,} parcels on the site, SQLite\n")
        print(parcel_pages.geojson_table(outcome), flush=True)
    if browser:
        print(f"\n== map: the project page with {outcome.parcels:,} parcels, signed in, headless Chromium "
              "(tiles blocked), SQLite\n")
        print(parcel_pages.map_table(outcome), flush=True)


def run_costing(args: argparse.Namespace, results: dict[str, Any]) -> None:
    from benchmarks import costing

    outcome = costing.run()
    results["costing"] = outcome
    c = outcome["compute"]
    print(f"\n== costing: a scenario of {c['units']} units in 5 blocks with a {c['rab_lines']}-line RAB, SQLite\n")
    print(f"full recomputation (as the scenario page): {c['compute_ms']} ms median; "
          f"with everything loaded: {c['warm_compute_ms']} ms")
    print("\n| proposal PDF | table rows | pages | japra s | bare WeasyPrint s | ratio | peak RSS MiB japra / bare |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for row in outcome["pdf"]:
        j, b = row["japra"], row["baseline"]
        print(f"| {row['case']} | {j['rows']} | {j['pages']} | {j['warm_s']} | {b['warm_s']} | {row['ratio_warm']} | "
              f"{j['peak_rss_mib']} / {b['peak_rss_mib']} |", flush=True)


def run_public(args: argparse.Namespace, results: dict[str, Any]) -> None:
    from benchmarks import public

    outcome = public.run(args.public_clients, args.seconds)
    results["public"] = outcome
    print(f"\n== public: the public pages, {args.public_clients} clients, {args.seconds:g} s per target; "
          f"peta.html and the A4 poster with {public.PUBLIC_PHOTOS} public photos, SQLite\n")
    print(public.tables(outcome), flush=True)


def _optional_part(name: str):
    """Parts whose module may not exist on an older checkout: they report themselves as JSON."""

    def run(args: argparse.Namespace, results: dict[str, Any]) -> None:
        import importlib

        module = importlib.import_module(f"benchmarks.{name}")
        outcome = module.run()
        results[name] = outcome
        print(f"\n== {name}\n")
        print(json.dumps(outcome, indent=2, default=str), flush=True)

    return run


def run_import_memory(args: argparse.Namespace, results: dict[str, Any]) -> None:
    from benchmarks import import_memory

    outcome = import_memory.run()
    results["import_memory"] = outcome
    print("\n== import_memory: each file read in a fresh process; added = its peak RSS (VmHWM) minus the peak of one "
          "that only imports the modules (web: one that signs in and opens the form); limit = 5 x the file + 100 MB"
          "\n")
    print(outcome["table"], flush=True)
    if not outcome["all_within"]:
        raise RuntimeError("a read went over its memory limit")


def run_writes(args: argparse.Namespace, results: dict[str, Any]) -> None:
    from benchmarks import writes

    outcome = writes.run(args.write_clients, args.write_rounds)
    results["writes"] = outcome
    print(f"\n== writes: payments through the plan page's form, {args.write_clients} officers at once x "
          f"{args.write_rounds} each, beside the same payments one at a time; vs sequential = concurrent writes/s "
          "over sequential\n")
    print(outcome["table"], flush=True)


PARTS_RUN: dict[str, Callable[[argparse.Namespace, dict[str, Any]], None]] = {
    "load": run_load, "import": run_import, "pages": run_pages, "costing": run_costing,
    "finance": _optional_part("finance"), "allocation": _optional_part("allocation"),
    "progress": _optional_part("progress"), "progress_map": _optional_part("progress_map"),
    "public": run_public, "writes": run_writes, "import_memory": run_import_memory,
}


def _stop_on_sigterm(signum: int, frame: FrameType | None) -> None:
    # Handle a kill like Ctrl+C (asyncio.run then cancels the load first), so the servers still stop.
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        # Started in the background by a script, which ignores SIGINT for it: raise it here instead.
        raise KeyboardInterrupt
    os.kill(os.getpid(), signal.SIGINT)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    results: dict[str, Any] = report.header()
    steps = [p for p in ("load", "import") if p in args.parts]
    if "geojson" in args.parts or "map" in args.parts:
        steps.append("pages")
    steps += [p for p in ("costing", "finance", "allocation", "progress", "progress_map", "public", "writes",
                          "import_memory") if p in args.parts]
    failed = []
    try:
        for step in steps:
            load_before = os.getloadavg()[0]
            try:
                PARTS_RUN[step](args, results)
            except Exception as exc:  # one part failing must not stop the others
                say(f"benchmark {step} failed: {type(exc).__name__}: {exc}")
                failed.append(step)
            load_after = os.getloadavg()[0]
            results.setdefault("load_average", {})[step] = [load_before, load_after]
            # Anything else running shares the cores: a busy machine makes every figure noisier.
            print(f"machine load average (1 min) before and after: {load_before:.2f}, {load_after:.2f} "
                  f"on {os.cpu_count()} CPUs", flush=True)
    except KeyboardInterrupt:
        say("interrupted; servers stopped and temp data removed")
        return 130
    results["failed"] = failed
    written = report.write(results)
    if failed:
        print(f"\nFAILED: {', '.join(failed)} (the reason is on stderr)")
    print(f"\nwritten to {written}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
