"""A throw-away japra installation: its own data dir and SQLite DB, demo data, a token, a sign-in."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import httpx

USERNAME = "perencana"  # a planner: sees every project, so the dashboard map is the full one
PASSWORD = "japra-demo-2026"
SESSION_COOKIE = "japra_session"
CSRF_FIELD = re.compile(r'name="_csrf_token" value="([^"]+)"')


def environment(data_dir: Path) -> dict[str, str]:
    """The caller's environment without its JAPRA_* settings, pointed at the throw-away data dir.

    Dropping them keeps a developer's JAPRA_DATABASE_URL (or JAPRA_DEBUG) from being benchmarked,
    or worse, loaded with demo data.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("JAPRA_")}
    env["JAPRA_DATA_DIR"] = str(data_dir)
    env["JAPRA_DATABASE_URL"] = f"sqlite:///{data_dir / 'japra.sqlite3'}"
    return env


def japra(env: dict[str, str], *args: str) -> str:
    # The console script next to this interpreter: the japra installed in the same venv.
    command = [str(Path(sys.executable).with_name("japra")), *args]
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"`japra {' '.join(args)}` failed:\n{result.stdout}{result.stderr}")
    return result.stdout.strip()


def install(env: dict[str, str]) -> str:
    """Migrate, load the demo data and return a fresh API token for the demo planner."""
    japra(env, "db", "upgrade")
    japra(env, "demo")
    return japra(env, "token", "create", "--username", USERNAME, "--label", "benchmark").splitlines()[-1]


def sign_in(base_url: str) -> str:
    """Sign in once through the login form and return the session cookie's value.

    Logins are rate limited per client IP, so the virtual clients share this one session.
    """
    with httpx.Client(base_url=base_url, timeout=10.0) as client:
        form = client.get("/login")
        match = CSRF_FIELD.search(form.text)
        if form.status_code != 200 or not match:
            raise RuntimeError(f"GET /login gave {form.status_code} without a CSRF field")
        reply = client.post("/login", data={"username": USERNAME, "password": PASSWORD,
                                            "_csrf_token": match.group(1)})
        session = client.cookies.get(SESSION_COOKIE)
        if reply.status_code != 302 or not session:
            raise RuntimeError(f"POST /login gave {reply.status_code} and no {SESSION_COOKIE} cookie")
        return session
