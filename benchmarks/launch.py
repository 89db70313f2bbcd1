"""Child-process entry that starts one server: `python -m benchmarks.launch {japra,bare} HOST PORT OPTIONS`.

japra is started through its own `japra serve` command, so it runs as deployed. That command has no
log-level option, so uvicorn.run is wrapped to lower the level to warning (an access-log line per
request would otherwise be part of what is measured) and to keep to one worker process (whose peak
RSS is then the server's). The wrapper writes the uvicorn options it ends up using to OPTIONS, and the
bare app is later served with exactly those, so the two differ only in the application.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import uvicorn

BARE_APP = "benchmarks.bare_app:app"
OVERRIDES: dict[str, Any] = {"log_level": "warning", "workers": 1}


def serve_japra(host: str, port: str, options_file: Path) -> None:
    from app.cli import main as japra_cli

    run = uvicorn.run

    def run_recording_options(app: Any, **options: Any) -> None:
        options.update(OVERRIDES)
        shared = {k: v for k, v in options.items() if k not in ("host", "port")}
        options_file.write_text(json.dumps(shared, indent=2, sort_keys=True))
        run(app, **options)

    uvicorn.run = run_recording_options
    japra_cli(["serve", "--host", host, "--port", port])


def serve_bare(host: str, port: str, options_file: Path) -> None:
    options = json.loads(options_file.read_text())
    uvicorn.run(BARE_APP, host=host, port=int(port), **options)


def main(argv: list[str]) -> None:
    which, host, port, options_file = argv
    serve = {"japra": serve_japra, "bare": serve_bare}[which]
    serve(host, port, Path(options_file))


if __name__ == "__main__":
    main(sys.argv[1:])
