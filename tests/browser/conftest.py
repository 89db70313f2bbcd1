"""Shared by the browser tests: a real server on loopback, and headless Debian Chromium."""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import DEMO_PASSWORD
from tests.live import live_server as live

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# The closed network refuses Chromium's own background calls; these flags stop it making them.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="session")
def live_server(tmp_path_factory, database_url) -> Iterator[str]:
    # The browser needs committed data in its own database: SQLite file, or one beside the PostGIS test database.
    with live(tmp_path_factory.mktemp("live"), database_url, "japra_browser") as server:
        yield server.base_url


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


def wait_until(page, expression: str, timeout_s: float = 30.0) -> None:
    """Waits for a JavaScript expression to be true. Not `page.wait_for_function`: Playwright runs its predicate with
    eval() in the page, which the app's Content-Security-Policy refuses (no 'unsafe-eval'); `page.evaluate` is not."""
    deadline = time.monotonic() + timeout_s
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout_s} s: {expression}")
        page.wait_for_timeout(50)


def sign_in(page, base: str, username: str) -> None:
    page.goto(base + "/")
    assert "/login" in page.url
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(base + "/")
