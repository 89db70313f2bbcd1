"""The deployment files (docker-compose.yml, Dockerfile, docker/entrypoint.sh), checked without Docker.

Each test guards something a deployment would notice: a database that loses its data or never turns
healthy, an app that starts against the wrong host or with an empty secret, a port open to the
world, `japra backup` failing on a pg_dump version mismatch, migrations that never run, a health
check that cannot pass, a command in the docs that does not exist.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import stat
import subprocess
from pathlib import Path

import click
import pytest
import yaml
from packaging.specifiers import SpecifierSet
from sqlalchemy.engine import make_url

from app.cli import main as japra_cli

ROOT = Path(__file__).resolve().parents[3]
COMPOSE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
ENTRYPOINT = ROOT / "docker" / "entrypoint.sh"
DOCS = [ROOT / "README.md", ROOT / "docs" / "deploy.md"]
# What .env must set: the compose file refuses to start without each.
REQUIRED = {"POSTGRES_PASSWORD": "pw0123456789", "JAPRA_SECRET_KEY": "key0123456789",
            "JAPRA_PUBLIC_URL": "https://japra.example.org"}


# --- reading the files as Docker would --------------------------------------------------------

class MissingValue(Exception):
    pass


_VAR = re.compile(r"\$\$|\$\{(\w+)(?:(:?[-?])([^}]*))?\}|\$(\w+)")


def interpolate(value, env: dict[str, str]):
    """Compose's variable substitution: ${VAR}, ${VAR:-default}, ${VAR:?error}, $$ for a literal $."""
    if isinstance(value, dict):
        return {k: interpolate(v, env) for k, v in value.items()}
    if isinstance(value, list):
        return [interpolate(v, env) for v in value]
    if not isinstance(value, str):
        return value

    def sub(m: re.Match) -> str:
        if m.group(0) == "$$":
            return "$"
        name, op, arg = m.group(1) or m.group(4), m.group(2), m.group(3)
        current = env.get(name)
        unset = current is None or (op is not None and op.startswith(":") and current == "")
        if op and op.endswith("?") and unset:
            raise MissingValue(f"{name}: {arg}")
        if op and op.endswith("-") and unset:
            return arg
        return current or ""

    return _VAR.sub(sub, value)


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


@pytest.fixture(scope="module")
def services(compose) -> dict:
    """The services as `docker compose` runs them with a complete .env."""
    return interpolate(compose["services"], REQUIRED)


def environment(service: dict) -> dict[str, str]:
    env = service.get("environment", {})
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {k: str(v) for k, v in env.items()}


def dockerfile() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    lines, current = [], ""
    for raw in DOCKERFILE.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        current += line[:-1] + " " if line.endswith("\\") else line
        if not line.endswith("\\"):
            lines.append(current)
            current = ""
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1]) for line in lines]


def instructions(name: str) -> list[str]:
    return [args for instr, args in dockerfile() if instr == name]


def image_env() -> dict[str, str]:
    env = {}
    for args in instructions("ENV"):
        env.update(dict(pair.split("=", 1) for pair in shlex.split(args)))
    return env


def postgres_major(image: str) -> str:
    return image.rsplit(":", 1)[1].split("-")[0]


# --- the database -----------------------------------------------------------------------------

def test_database_is_postgis_15_with_its_data_in_a_named_volume(compose, services):
    db = services["db"]
    assert db["image"].startswith("postgis/postgis:")
    assert postgres_major(db["image"]) == "15"
    # A named volume survives `docker compose down` and a rebuild; without it the data go with the container.
    mounts = {v.split(":")[1]: v.split(":")[0] for v in db["volumes"]}
    assert mounts.get("/var/lib/postgresql/data") in compose["volumes"]
    assert "ports" not in db, "the database must not be reachable from outside the compose network"


def test_database_health_check_asks_for_the_database_the_app_uses(services):
    db = services["db"]
    test = db["healthcheck"]["test"]
    args = shlex.split(test[1]) if test[0] == "CMD-SHELL" else test[1:]
    assert args[0] == "pg_isready"
    env = environment(db)
    assert args[args.index("-U") + 1] == env["POSTGRES_USER"]
    assert args[args.index("-d") + 1] == env["POSTGRES_DB"]


# --- the app's container ----------------------------------------------------------------------

def test_app_starts_only_once_the_database_is_healthy(services):
    assert services["app"]["depends_on"]["db"]["condition"] == "service_healthy"


def test_app_database_url_points_at_the_db_service(services):
    db_env, app_env = environment(services["db"]), environment(services["app"])
    url = make_url(app_env["JAPRA_DATABASE_URL"])
    assert url.drivername == "postgresql"
    assert url.host == "db" and url.host in services
    assert url.port in (None, 5432)
    assert url.username == db_env["POSTGRES_USER"]
    assert url.password == db_env["POSTGRES_PASSWORD"] == REQUIRED["POSTGRES_PASSWORD"]
    assert url.database == db_env["POSTGRES_DB"]


@pytest.mark.parametrize("secret", sorted(REQUIRED))
@pytest.mark.parametrize("value", [None, ""], ids=["missing", "empty"])
def test_compose_refuses_to_start_without_a_required_setting(compose, secret, value):
    env = {k: v for k, v in REQUIRED.items() if k != secret}
    if value is not None:
        env[secret] = value
    with pytest.raises(MissingValue, match=secret):
        interpolate(compose["services"], env)


def test_app_is_published_on_loopback_only_on_the_port_it_listens_on(services):
    ports = services["app"]["ports"]
    assert ports, "the TLS proxy needs a port to reach the app"
    listens_on = image_env()["JAPRA_PORT"]
    for port in ports:
        host_ip, _host_port, container_port = str(port).split(":")
        assert host_ip == "127.0.0.1", f"{port} would bypass the TLS proxy"
        assert container_port.split("/")[0] == listens_on
    assert listens_on in " ".join(instructions("EXPOSE")).split()
    # Inside its own network namespace; the published port above decides who can reach it.
    assert image_env()["JAPRA_HOST"] == "0.0.0.0", "on the container's loopback it is unreachable"  # noqa: S104


def test_app_behind_the_proxy_sees_https_and_client_addresses(compose, services):
    env = environment(services["app"])
    assert env["JAPRA_SECURE_COOKIES"] == "1"
    # The proxy reaches the container from the compose network's gateway: its X-Forwarded-For is believed, and only
    # its (a client's own header could pick the address the sign-in limit counts).
    assert "FORWARDED_ALLOW_IPS" not in env
    gateway = compose["networks"]["japra"]["ipam"]["config"][0]["gateway"]
    assert env["JAPRA_TRUSTED_PROXIES"] == gateway
    assert env["JAPRA_PUBLIC_URL"].startswith("https://")


def test_app_data_folder_is_a_named_volume(compose, services):
    data_dir = image_env()["JAPRA_DATA_DIR"]
    assert data_dir in " ".join(instructions("VOLUME"))
    mounts = {v.split(":")[1]: v.split(":")[0] for v in services["app"]["volumes"]}
    assert mounts.get(data_dir) in compose["volumes"], "backups written to /data would vanish with the container"


# --- the image --------------------------------------------------------------------------------

def test_image_installs_with_the_makefile_like_a_laptop():
    runs = instructions("RUN")
    assert any(re.search(r"(^|[;&|]\s*)make install\b", run) for run in runs)
    assert not any(re.search(r"\bpip3? install\b", run) for run in runs), "install through `make install` only"
    assert re.search(r"^install:", (ROOT / "Makefile").read_text(), re.M)


def test_image_python_satisfies_requires_python():
    base = instructions("FROM")[-1].split()[0]
    version = re.match(r"python:(\d+\.\d+)", base).group(1)
    requires = re.search(r'^requires-python\s*=\s*"([^"]+)"', (ROOT / "pyproject.toml").read_text(), re.M).group(1)
    assert version + ".0" in SpecifierSet(requires)


def test_image_pg_dump_matches_the_servers_major_version(services):
    # pg_dump refuses a newer server, so bumping PostGIS alone would break `japra backup`.
    major = postgres_major(services["db"]["image"])
    assert any(re.search(rf"\bpostgresql-client-{major}\b", run) for run in instructions("RUN"))


def test_image_runs_as_an_unprivileged_user():
    users = instructions("USER")
    assert users and users[-1].split(":")[0] not in ("root", "0")


def test_build_context_leaves_out_secrets_and_local_data():
    ignored = {line.strip().strip("/") for line in (ROOT / ".dockerignore").read_text().splitlines()}
    assert {".env", "data", ".venv", ".git"} <= ignored


# --- the entrypoint ---------------------------------------------------------------------------

def test_entrypoint_is_the_script_and_is_executable():
    entry = instructions("ENTRYPOINT")[-1]
    workdir = instructions("WORKDIR")[-1]
    path = Path(yaml.safe_load(entry)[0])  # exec form: a JSON list
    assert path.relative_to(workdir) == ENTRYPOINT.relative_to(ROOT)
    assert os.access(ENTRYPOINT, os.X_OK)
    assert ENTRYPOINT.stat().st_mode & stat.S_IXOTH
    staged = subprocess.run(["git", "ls-files", "--stage", "--", str(ENTRYPOINT)], cwd=ROOT,
                            capture_output=True, text=True, check=False).stdout.split()
    if staged:  # once in git, the mode there is what a fresh clone (and the image) gets
        assert staged[0] == "100755"


@pytest.mark.skipif(shutil.which("sh") is None, reason="needs a POSIX sh")
def test_entrypoint_is_valid_sh():
    run = subprocess.run(["sh", "-n", str(ENTRYPOINT)], capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stderr


@pytest.fixture()
def fake_japra(tmp_path):
    """A `japra` on PATH that records each call and its process id, failing `db upgrade` on request."""
    bin_dir, log = tmp_path / "bin", tmp_path / "calls.log"
    bin_dir.mkdir()
    script = bin_dir / "japra"
    script.write_text(
        '#!/bin/sh\n'
        f'echo "$$ $*" >> "{log}"\n'
        'if [ "$1" = db ] && [ -n "${FAIL_UPGRADE:-}" ]; then exit 3; fi\n'
    )
    script.chmod(0o755)

    def run(*args: str, fail_upgrade: bool = False):
        env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
        if fail_upgrade:
            env["FAIL_UPGRADE"] = "1"
        proc = subprocess.Popen(["sh", str(ENTRYPOINT), *args], env=env)
        code = proc.wait(timeout=30)
        calls = [line.split(" ", 1) for line in log.read_text().splitlines()] if log.exists() else []
        return proc.pid, code, calls

    return run


@pytest.mark.skipif(shutil.which("sh") is None, reason="needs a POSIX sh")
def test_entrypoint_migrates_then_serves_as_the_main_process(fake_japra):
    pid, code, calls = fake_japra("--log-level", "warning")
    assert code == 0
    assert [args for _pid, args in calls] == ["db upgrade", "serve --log-level warning"]
    # `exec`: the server replaces the shell, so `docker stop`'s SIGTERM reaches it.
    assert int(calls[1][0]) == pid


@pytest.mark.skipif(shutil.which("sh") is None, reason="needs a POSIX sh")
def test_entrypoint_does_not_serve_when_the_migration_fails(fake_japra):
    _pid, code, calls = fake_japra(fail_upgrade=True)
    assert code != 0
    assert [args for _pid, args in calls] == ["db upgrade"]


# --- health checks ----------------------------------------------------------------------------

def _health_commands(services) -> dict[str, list[str]]:
    image = instructions("HEALTHCHECK")[-1]
    image_cmd = yaml.safe_load(image[image.index("CMD") + 3:].strip())
    compose_cmd = services["app"]["healthcheck"]["test"][1:]
    return {"image": image_cmd, "compose": compose_cmd}


@pytest.mark.db
def test_health_checks_ask_an_existing_route_without_curl(services, client):
    for where, cmd in _health_commands(services).items():
        assert cmd[0] == "python", f"{where}: the slim image has Python but no curl or wget"
        path = re.search(r"http://127\.0\.0\.1:[^/]+(/[\w/-]*)", cmd[-1]).group(1)
        response = client.get(path)
        assert response.status_code == 200, f"{where} health check asks {path}: {response.status_code}"


# --- the documentation ------------------------------------------------------------------------

def _links(doc: Path) -> list[str]:
    return [t for t in re.findall(r"\]\(([^)\s]+)\)", doc.read_text())
            if not re.match(r"[a-z]+:|#", t)]


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_files_the_docs_link_to_exist(doc):
    missing = [t for t in _links(doc) if not (doc.parent / t.split("#")[0]).exists()]
    assert not missing, f"{doc.name} links to missing files: {missing}"


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_japra_commands_in_the_deploy_docs_exist(doc):
    commands = re.findall(r"exec (?:-T )?app (japra [^`\n|;&]*)", doc.read_text())
    assert commands
    for line in commands:
        tokens = shlex.split(re.sub(r"\$\([^)]*\)", "X", line))[1:]
        cmd: click.Command = japra_cli
        while isinstance(cmd, click.Group):
            name = tokens.pop(0)
            assert name in cmd.commands, f"`{line}`: no command {name!r}"
            cmd = cmd.commands[name]
        known = {opt for param in cmd.params for opt in getattr(param, "opts", [])}
        unknown = [t for t in tokens if t.startswith("--") and t not in known]
        assert not unknown, f"`{line}`: unknown options {unknown}"
