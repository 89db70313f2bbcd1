"""`python -m benchmarks`: start japra and a bare Litestar app on loopback, load each target, report.

Everything runs in a throw-away data dir in the temp folder, removed at the end, as are the
servers, also after Ctrl+C or an error.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path
from types import FrameType

from benchmarks import load, report, sandbox, servers
from benchmarks.load import Target
from benchmarks.report import Outcome, Row
from benchmarks.servers import Server

PARCELS_PATH = "/api/projects/akuarium/parcels"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20, help="concurrent virtual clients (default 20)")
    parser.add_argument("--seconds", type=float, default=10.0, help="load duration per target (default 10)")
    parser.add_argument("--quick", action="store_true", help="2 s per target: a smoke run, not a measurement")
    args = parser.parse_args(argv)
    if args.clients < 1 or args.seconds <= 0:
        parser.error("--clients and --seconds must be positive")
    if args.quick:
        args.seconds = 2.0
    return args


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


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


def print_report(outcome: Outcome, clients: int, seconds: float, written: Path) -> None:
    print(f"\n{clients} clients, {seconds:g} s per target, 127.0.0.1; {os.cpu_count()} CPUs shared by "
          "the server and the load generator\n")
    print(report.table(outcome.rows))
    rss = ", ".join(f"{name} {mib:.1f} MiB" if mib is not None else f"{name} -"
                    for name, mib in outcome.peak_rss_mib.items())
    print(f"\npeak RSS (VmHWM): {rss}")
    print(f"uvicorn options, both servers: {outcome.uvicorn_options}")
    print(f"written to {written}")


def _stop_on_sigterm(signum: int, frame: FrameType | None) -> None:
    # Handle a kill like Ctrl+C (asyncio.run then cancels the load first), so the servers still stop.
    os.kill(os.getpid(), signal.SIGINT)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    try:
        outcome = benchmark(args.clients, args.seconds)
    except KeyboardInterrupt:
        say("interrupted; servers stopped and temp data removed")
        return 130
    except RuntimeError as exc:
        say(f"benchmark failed: {exc}")
        return 1
    written = report.write(report.as_json(outcome, args.clients, args.seconds))
    print_report(outcome, args.clients, args.seconds, written)
    return 0


if __name__ == "__main__":
    sys.exit(main())
