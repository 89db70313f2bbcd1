"""`japra user` and `japra token`: accounts and API tokens."""

from __future__ import annotations

import sys

import click

from app.cli_support import Japra, _t, group, pass_japra


@group()
def user() -> None:
    """Pengguna."""


@user.command("create")
@click.option("--username", required=True, help="Nama pengguna (huruf kecil).")
@click.option("--role", required=True, type=click.Choice(["admin", "planner", "coop_officer", "viewer"]))
@click.option("--cooperative", "cooperative", default=None, help="Slug koperasi (wajib untuk coop_officer).")
@click.option("--display-name", default=None, help="Nama tampilan.")
@pass_japra
def user_create(japra: Japra, username: str, role: str, cooperative: str | None, display_name: str | None) -> None:
    """Buat pengguna; kata sandi dibaca dari standard input (baris pertama)."""
    from app.auth.service import create_user

    password = sys.stdin.readline().rstrip("\r\n")
    with japra.session() as session:
        create_user(session, username=username, password=password, role=role,
                    cooperative_slug=cooperative, display_name=display_name, actor="cli")
    click.echo(_t("User {username} created with role {role}.", username=username.lower(), role=role))


@group()
def token() -> None:
    """Token API."""


@token.command("create")
@click.option("--username", required=True, help="Pemilik token.")
@click.option("--label", default=None, help="Keterangan, mis. nama skrip yang memakainya.")
@pass_japra
def token_create(japra: Japra, username: str, label: str | None) -> None:
    """Buat token API; dicetak sekali saja, disimpan dalam bentuk hash."""
    from app.auth.service import create_token

    with japra.session() as session:
        value = create_token(session, username, label)
    click.echo(value)
