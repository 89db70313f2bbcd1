"""The `japra` command line, run as a user would run it, against a scratch database."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import create_engine, func, select, text

from app.auth.models import ApiToken, User
from app.projects.models import Project
from tests.conftest import run_cli

pytestmark = pytest.mark.db


@pytest.fixture()
def cli(scratch_database_url, tmp_path):
    def run(*args: str, stdin: str = ""):
        return run_cli(list(args), scratch_database_url, tmp_path / "data", stdin)

    assert run("db", "upgrade").returncode == 0
    run.url = scratch_database_url
    return run


def _count(url: str, model) -> int:
    engine = create_engine(url)
    with engine.connect() as conn:
        n = conn.execute(select(func.count()).select_from(model)).scalar_one()
    engine.dispose()
    return n


def test_help_lists_the_commands():
    from click.testing import CliRunner

    from app.cli import main

    out = CliRunner().invoke(main, ["--help"]).output
    for command in ("serve", "db", "demo", "user", "token", "projects", "backup", "restore"):
        assert command in out


def test_demo_is_idempotent(cli):
    first = cli("demo")
    assert first.returncode == 0 and "cooperatives 3" in first.stdout
    second = cli("demo")
    assert second.returncode == 0 and "nothing changed" in second.stdout
    assert _count(cli.url, Project) == 3
    assert "already has data" in cli("demo", "--if-empty").stdout


def test_user_create_reads_the_password_from_stdin(cli):
    cli("demo")
    r = cli("user", "create", "--username", "siti", "--role", "coop_officer", "--cooperative", "kunir",
            stdin="rahasia-sekali-123\n")
    assert r.returncode == 0, r.stderr
    assert "rahasia" not in r.stdout + r.stderr
    engine = create_engine(cli.url)
    with engine.connect() as conn:
        role, hashed = conn.execute(select(User.role, User.password_hash).where(User.username == "siti")).one()
    engine.dispose()
    assert role == "coop_officer" and hashed.startswith("$argon2id$")


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["--username", "a1", "--role", "coop_officer"], "long-enough-pw\n", "needs --cooperative"),
        (["--username", "a1", "--role", "viewer"], "short\n", "at least 10"),
        (["--username", "a1", "--role", "coop_officer", "--cooperative", "x"], "long-enough-pw\n", "No cooperative"),
    ],
)
def test_user_create_refuses_bad_input(cli, args, stdin, message):
    r = cli("user", "create", *args, stdin=stdin)
    assert r.returncode == 2 and message in r.stderr
    assert _count(cli.url, User) == 0


def test_token_is_printed_once_and_stored_hashed(cli):
    cli("demo")
    r = cli("token", "create", "--username", "perencana")
    token = r.stdout.strip()
    assert r.returncode == 0 and token.startswith("japra_")
    engine = create_engine(cli.url)
    with engine.connect() as conn:
        assert token not in {row[0] for row in conn.execute(select(ApiToken.token_hash))}
    engine.dispose()
    assert cli("token", "create", "--username", "ghost").returncode == 2


def test_projects_create_and_list(cli):
    cli("demo")
    r = cli("projects", "create", "--cooperative", "marlina", "--name", "Marlina Tahap 2", "--slug", "marlina-2")
    assert r.returncode == 0, r.stderr
    listed = json.loads(cli("projects", "list", "--json").stdout)
    assert {"slug": "marlina-2", "name": "Marlina Tahap 2", "cooperative": "marlina", "stage": "inisiasi"} in listed
    dup = cli("projects", "create", "--cooperative", "marlina", "--name", "X", "--slug", "marlina-2")
    assert dup.returncode == 2 and "already used" in dup.stderr
    bad = cli("projects", "create", "--cooperative", "nowhere", "--name", "X", "--slug", "x")
    assert bad.returncode == 2 and "No cooperative" in bad.stderr


def test_backup_and_restore_round_trip(cli, tmp_path):
    cli("demo")
    dump = tmp_path / "japra.backup"
    r = cli("backup", str(dump))
    assert r.returncode == 0, r.stderr
    assert dump.stat().st_size > 0 and not dump.with_name(dump.name + ".partial").exists()

    cli("projects", "create", "--cooperative", "kunir", "--name", "After backup", "--slug", "after")
    assert _count(cli.url, Project) == 4

    r = cli("restore", "--yes", str(dump))
    assert r.returncode == 0, r.stderr
    assert _count(cli.url, Project) == 3
    engine = create_engine(cli.url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM parcel")).scalar_one() == 7
    engine.dispose()


def test_restore_refuses_a_file_that_is_not_a_backup(cli, tmp_path):
    junk = tmp_path / "notes.txt"
    junk.write_text("hello")
    r = cli("restore", "--yes", str(junk))
    assert r.returncode == 2 and "not a" in r.stderr


def test_serve_refuses_an_unmigrated_database(tmp_path):
    r = run_cli(["serve"], f"sqlite:///{tmp_path / 'empty.sqlite3'}", tmp_path)
    assert r.returncode == 2 and "japra db upgrade" in r.stderr
