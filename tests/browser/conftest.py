"""Shared by the browser tests: a real server on loopback, and headless Debian Chromium."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import DEMO_PASSWORD, run_cli

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# The closed network refuses Chromium's own background calls; these flags stop it making them.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def live_server(tmp_path_factory, database_url) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("live")
    # The browser needs committed data in its own database: SQLite file, or the PostGIS test server.
    if database_url.startswith("postgresql"):
        from sqlalchemy import create_engine, text
        from sqlalchemy.engine import make_url

        name = "japra_browser"
        admin = create_engine(database_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = make_url(database_url).set(database=name).render_as_string(hide_password=False)
    else:
        url = f"sqlite:///{tmp / 'live.sqlite3'}"
    for step in (["db", "upgrade"], ["demo"]):
        assert run_cli(step, url, tmp).returncode == 0
    port = _free_port()
    env = {**os.environ, "JAPRA_DATABASE_URL": url, "JAPRA_DATA_DIR": str(tmp), "JAPRA_PORT": str(port)}
    proc = subprocess.Popen([sys.executable, "-m", "app.cli", "serve"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=1)  # noqa: S310 (loopback)
                break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("the server did not start")
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture(scope="session")
def browser(request):
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium is not installed (apt-get install chromium)")
    p = request.getfixturevalue("playwright_driver")
    with tempfile.TemporaryDirectory() as profile:
        context = p.chromium.launch_persistent_context(profile, executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                                       headless=True, viewport={"width": 1280, "height": 900})
        yield context
        context.close()


def sign_in(page, base: str, username: str) -> None:
    page.goto(base + "/")
    assert "/login" in page.url
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(base + "/")
