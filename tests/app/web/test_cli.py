"""The `japra` command line: in this process on the test's transaction (`cli`) or on a scratch database
(`scratch_cli`), and twice as a user runs it, in a process of its own."""

from __future__ import annotations

import json

import click
import pytest
from sqlalchemy import create_engine, func, select, text

from app.auth.models import ApiToken, User
from app.cli import main
from app.cli_support import Command
from app.projects.models import Project
from tests.conftest import run_cli

pytestmark = pytest.mark.db


def _count(url: str, model) -> int:
    engine = create_engine(url)
    with engine.connect() as conn:
        n = conn.execute(select(func.count()).select_from(model)).scalar_one()
    engine.dispose()
    return n


def _commands(group: click.Group, path: tuple[str, ...] = ()):
    for name, command in group.commands.items():
        yield (*path, name), command
        if isinstance(command, click.Group):
            yield from _commands(command, (*path, name))


# --- as a user runs it -------------------------------------------------------------------------------------

def test_help_lists_the_commands(tmp_path):
    r = run_cli(["--help"], f"sqlite:///{tmp_path / 'unused.sqlite3'}", tmp_path)
    assert r.returncode == 0, r.stderr
    for command in ("serve", "db", "demo", "user", "token", "projects", "parcels", "cost", "proposal", "schedule",
                    "allocate", "arrears", "statement", "payments", "progress", "backup", "restore"):
        assert f"  {command} " in r.stdout
    assert not (tmp_path / "unused.sqlite3").exists()


def test_upgrade_then_demo_on_a_new_database(scratch_database_url, tmp_path):
    def run(*args: str):
        return run_cli(list(args), scratch_database_url, tmp_path / "data")

    upgraded = run("db", "upgrade")
    assert upgraded.returncode == 0 and "Database schema at revision" in upgraded.stdout, upgraded.stderr
    first = run("demo")
    assert first.returncode == 0 and "cooperatives 3" in first.stdout, first.stderr
    second = run("demo")
    assert second.returncode == 0 and "nothing changed" in second.stdout, second.stderr
    assert "already has data" in run("demo", "--if-empty").stdout
    assert _count(scratch_database_url, Project) == 3


# --- the command tree ----------------------------------------------------------------------------------------

def test_every_command_reports_to_the_one_boundary():
    # The boundary names the option a refusal is about only for commands that say they are running.
    for path, command in _commands(main):
        assert isinstance(command, Command | click.Group), path
        if isinstance(command, click.Group):
            assert command.command_class is Command, path


# --- on a scratch database -----------------------------------------------------------------------------------

def test_backup_and_restore_round_trip(scratch_cli, tmp_path):
    upgraded = scratch_cli("db", "upgrade")
    assert upgraded.exit_code == 0 and scratch_cli("db", "current").stdout.strip() not in ("", "-"), upgraded.stderr

    def add_user(name: str) -> None:
        r = scratch_cli("user", "create", "--username", name, "--role", "planner", input="long-enough-pw\n")
        assert r.exit_code == 0, r.stderr

    def usernames() -> set[str]:
        engine = create_engine(scratch_cli.url)
        with engine.connect() as conn:
            names = set(conn.execute(select(User.username)).scalars())
        engine.dispose()
        return names

    add_user("before")
    dump = tmp_path / "japra.backup"
    r = scratch_cli("backup", str(dump))
    assert r.exit_code == 0, r.stderr
    assert dump.stat().st_size > 0 and not dump.with_name(dump.name + ".partial").exists()
    add_user("after")
    assert usernames() == {"before", "after"}

    r = scratch_cli("restore", "--yes", str(dump))
    assert r.exit_code == 0, r.stderr
    assert usernames() == {"before"}
    engine = create_engine(scratch_cli.url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM alembic_version")).scalar_one() == 1
    engine.dispose()


def test_restore_refuses_a_file_that_is_not_a_backup(scratch_cli, tmp_path):
    junk = tmp_path / "notes.txt"
    junk.write_text("hello")
    r = scratch_cli("restore", "--yes", str(junk))
    assert r.exit_code == 2 and "not a" in r.stderr


def test_serve_refuses_an_unmigrated_database(scratch_cli):
    r = scratch_cli("serve")
    assert r.exit_code == 2 and "japra db upgrade" in r.stderr


# --- on the test's transaction -------------------------------------------------------------------------------

def test_user_create_reads_the_password_from_stdin(cli, db):
    r = cli("user", "create", "--username", "siti", "--role", "coop_officer", "--cooperative", "kunir",
            input="rahasia-sekali-123\n")
    assert r.exit_code == 0, r.stderr
    assert "rahasia" not in r.stdout + r.stderr
    role, hashed = db.execute(select(User.role, User.password_hash).where(User.username == "siti")).one()
    assert role == "coop_officer" and hashed.startswith("$argon2id$")


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["--username", "a1", "--role", "coop_officer"], "long-enough-pw\n", "needs --cooperative"),
        (["--username", "a1", "--role", "viewer"], "short\n", "at least 10"),
        (["--username", "a1", "--role", "coop_officer", "--cooperative", "x"], "long-enough-pw\n", "No cooperative"),
    ],
)
def test_user_create_refuses_bad_input(cli, db, args, stdin, message):
    r = cli("user", "create", *args, input=stdin)
    assert r.exit_code == 2 and message in r.stderr
    assert "Traceback" not in r.output
    assert db.scalar(select(func.count()).select_from(User).where(User.username == "a1")) == 0


def test_token_is_printed_once_and_stored_hashed(cli, db):
    r = cli("token", "create", "--username", "perencana")
    token = r.stdout.strip()
    assert r.exit_code == 0 and token.startswith("japra_")
    assert token not in set(db.scalars(select(ApiToken.token_hash)))
    assert cli("token", "create", "--username", "ghost").exit_code == 2


def test_projects_create_and_list(cli):
    r = cli("projects", "create", "--cooperative", "marlina", "--name", "Marlina Tahap 2", "--slug", "marlina-2")
    assert r.exit_code == 0, r.stderr
    listed = json.loads(cli("projects", "list", "--json").stdout)
    assert {"slug": "marlina-2", "name": "Marlina Tahap 2", "cooperative": "marlina", "stage": "inisiasi"} in listed
    dup = cli("projects", "create", "--cooperative", "marlina", "--name", "X", "--slug", "marlina-2")
    assert dup.exit_code == 2 and "already used" in dup.stderr
    bad = cli("projects", "create", "--cooperative", "nowhere", "--name", "X", "--slug", "x")
    assert bad.exit_code == 2 and "No cooperative" in bad.stderr
    named = cli("projects", "create", "--cooperative", "marlina", "--name", "X", "--slug", "Bukan Slug!")
    assert named.exit_code == 2 and named.stderr.startswith("--slug: The slug may hold")


def test_messages_follow_japra_locale(cli, session_factory, settings):
    r = cli("projects", "create", "--cooperative", "nowhere", "--name", "X", "--slug", "x")
    assert r.stderr.strip() == "--cooperative: No cooperative with the slug nowhere."
    from click.testing import CliRunner

    from app.cli_support import Japra

    indonesian = CliRunner().invoke(main, ["projects", "create", "--cooperative", "nowhere", "--name", "X",
                                           "--slug", "x"], env={"JAPRA_LOCALE": "id"},
                                    obj=Japra.on(session_factory, settings))
    assert indonesian.exit_code == 2 and "nowhere" in indonesian.stderr and "No cooperative" not in indonesian.stderr


def test_a_path_that_cannot_be_written_exits_2_naming_it(cli, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    r = cli("backup", str(blocker / "japra.backup"))
    assert r.exit_code == 2 and str(blocker) in r.stderr
    assert r.stdout == "" and "Traceback" not in r.output
