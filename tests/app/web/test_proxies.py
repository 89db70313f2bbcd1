"""Whose X-Forwarded-For is believed: only the proxies the operator names. A guesser who writes a new address into
each request is still one address to the sign-in limit; behind a named proxy, each visitor is their own."""

from __future__ import annotations

import dataclasses

import httpx
import pytest

from tests.live import drop_database, empty_database, serve

pytestmark = pytest.mark.db
LIMIT = 5


@pytest.fixture(scope="module")
def empty_server_database(tmp_path_factory, database_url):
    from tests.conftest import run_cli

    tmp = tmp_path_factory.mktemp("proxies")
    url = empty_database(tmp, database_url, "japra_proxies")
    done = run_cli(["db", "upgrade"], url, tmp)
    assert done.returncode == 0, done.stderr
    yield url, tmp
    drop_database(url)


def guesses(base_url: str, forwarded_for: list[str]) -> list[int]:
    """Wrong passwords from one client, each with the X-Forwarded-For given; the statuses."""
    with httpx.Client(base_url=base_url) as client:
        return [client.post("/login", data={"username": "admin", "password": f"tebakan-{n}"},
                            headers={"X-Forwarded-For": address}).status_code
                for n, address in enumerate(forwarded_for)]


def test_a_rotating_x_forwarded_for_does_not_escape_the_sign_in_limit(empty_server_database):
    url, tmp = empty_server_database
    rotating = [f"203.0.113.{n}" for n in range(LIMIT + 3)]
    with serve(url, tmp, "untrusted", {"JAPRA_LOGIN_ATTEMPTS_PER_MINUTE": str(LIMIT)}) as server:
        statuses = guesses(server.base_url, rotating)
    assert 429 not in statuses[:LIMIT] and statuses[LIMIT:] == [429, 429, 429]


def test_behind_a_named_proxy_each_visitor_has_a_limit_of_their_own(empty_server_database):
    url, tmp = empty_server_database
    env = {"JAPRA_LOGIN_ATTEMPTS_PER_MINUTE": str(LIMIT), "JAPRA_TRUSTED_PROXIES": "127.0.0.1"}
    with serve(url, tmp, "trusted", env) as server:
        visitors = guesses(server.base_url, [f"203.0.113.{n}" for n in range(LIMIT + 3)])
        one_visitor = guesses(server.base_url, ["198.51.100.7"] * (LIMIT + 1))
    assert 429 not in visitors
    assert one_visitor[-1] == 429


@pytest.mark.parametrize(("env", "words"), [
    ({"JAPRA_TRUSTED_PROXIES": "*"}, "JAPRA_TRUSTED_PROXIES: '*' is not an IP address"),
    ({"JAPRA_PORT": "delapan ribu"}, "JAPRA_PORT: 'delapan ribu' is not a whole number"),
])
def test_a_setting_that_cannot_be_used_is_named_without_a_traceback(monkeypatch, tmp_path, env, words):
    from click.testing import CliRunner

    from app.cli import main
    from app.config import get_settings

    monkeypatch.setenv("JAPRA_DATA_DIR", str(tmp_path))
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    try:
        done = CliRunner().invoke(main, ["db", "current"])
    finally:
        get_settings.cache_clear()
    assert done.exit_code == 2 and words in done.output and "Traceback" not in done.output


@pytest.mark.parametrize(("changes", "words"), [
    ({"force_secure_cookies": True, "secret_key_configured": True}, "needs JAPRA_PUBLIC_URL"),
    ({"force_secure_cookies": True, "public_url": "https://japra.example.org"}, "needs JAPRA_SECRET_KEY"),
])
def test_with_secure_cookies_the_server_refuses_to_start_half_configured(settings, changes, words):
    from click.testing import CliRunner

    from app.cli import main
    from app.cli_support import Japra

    japra = Japra(config=dataclasses.replace(settings, **changes))
    done = CliRunner().invoke(main, ["serve"], obj=japra)
    assert done.exit_code == 2 and words in done.output
