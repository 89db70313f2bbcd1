"""`japra user` and `japra token`: accounts and API tokens."""

from __future__ import annotations

import sys
from datetime import datetime

import click

from app.cli_support import Japra, _t, echo_json, group, pass_japra


def _when(moment: datetime | None) -> str:
    """A moment for the tables, in UTC to the minute (the JSON has it in full)."""
    return moment.strftime("%Y-%m-%d %H:%MZ") if moment else "-"


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat(timespec="seconds") if moment else None


def _table(rows: list[dict], columns: list[str]) -> None:
    """Rows under a header of their JSON keys, in columns as wide as their longest value."""
    cells = [[str(c) for c in columns]] + [["-" if r[c] is None else str(r[c]) for c in columns] for r in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(columns))]
    for row in cells:
        click.echo("  ".join(value.ljust(width) for value, width in zip(row, widths, strict=True)).rstrip())


def _read_password() -> str:
    return sys.stdin.readline().rstrip("\r\n")


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

    password = _read_password()
    with japra.session() as session:
        create_user(session, username=username, password=password, role=role,
                    cooperative_slug=cooperative, display_name=display_name, actor="cli")
    click.echo(_t("User {username} created with role {role}.", username=username.lower(), role=role))


@user.command("list")
@click.option("--json", "as_json", is_flag=True, help="Keluaran JSON.")
@pass_japra
def user_list(japra: Japra, as_json: bool) -> None:
    """Daftar pengguna: peran, koperasi, aktif atau tidak, terakhir masuk."""
    from app.auth.service import list_users

    with japra.session() as session:
        rows = [{"username": u.username, "role": u.role, "cooperative": u.cooperative.slug if u.cooperative else None,
                 "active": u.is_active, "last_sign_in": u.last_login_at} for u in list_users(session)]
    if as_json:
        echo_json([{**r, "last_sign_in": _iso(r["last_sign_in"])} for r in rows])
    else:
        _table([{**r, "active": "yes" if r["active"] else "no", "last_sign_in": _when(r["last_sign_in"])}
                for r in rows], ["username", "role", "cooperative", "active", "last_sign_in"])


@user.command("disable")
@click.option("--username", required=True, help="Pengguna yang dinonaktifkan.")
@pass_japra
def user_disable(japra: Japra, username: str) -> None:
    """Nonaktifkan pengguna: sesinya berakhir dan tokennya dicabut pada permintaan berikutnya."""
    from app.auth.service import disable_user, user_named

    with japra.session() as session:
        account = user_named(session, username)
        if not disable_user(session, account, "cli"):
            click.echo(_t("User {username} was already disabled.", username=account.username))
            return
    click.echo(_t("User {username} disabled: signed out everywhere, API tokens revoked.", username=account.username))


@user.command("enable")
@click.option("--username", required=True, help="Pengguna yang diaktifkan kembali.")
@pass_japra
def user_enable(japra: Japra, username: str) -> None:
    """Aktifkan kembali pengguna (sesi dan token lamanya tetap berakhir)."""
    from app.auth.service import enable_user, user_named

    with japra.session() as session:
        account = user_named(session, username)
        changed = enable_user(session, account, "cli")
    click.echo(_t("User {username} enabled.", username=account.username) if changed
               else _t("User {username} was already active.", username=account.username))


@user.command("password")
@click.option("--username", required=True, help="Pengguna yang kata sandinya diganti.")
@pass_japra
def user_password(japra: Japra, username: str) -> None:
    """Ganti kata sandi pengguna; yang baru dibaca dari standard input (baris pertama). Semua sesinya berakhir."""
    from app.auth.service import set_password, user_named

    password = _read_password()
    with japra.session() as session:
        account = user_named(session, username)
        set_password(session, account, password, "cli")
    click.echo(_t("Password of {username} changed; they were signed out everywhere.", username=account.username))


@group()
def token() -> None:
    """Token API."""


@token.command("create")
@click.option("--username", required=True, help="Pemilik token.")
@click.option("--label", default=None, help="Keterangan, mis. nama skrip yang memakainya.")
# 90: TOKEN_DAYS of app/auth/service.py, which this module does not import until a command runs.
@click.option("--days", type=int, default=90, show_default=True, help="Masa berlaku dalam hari (1 sampai 3650).")
@pass_japra
def token_create(japra: Japra, username: str, label: str | None, days: int) -> None:
    """Buat token API; dicetak sekali saja, disimpan dalam bentuk hash."""
    from app.auth.service import create_token

    with japra.session() as session:
        value = create_token(session, username, label, days=days)
    click.echo(value)  # stdout holds the token alone, for scripts to capture


@token.command("list")
@click.option("--username", default=None, help="Hanya token pengguna ini.")
@click.option("--json", "as_json", is_flag=True, help="Keluaran JSON.")
@pass_japra
def token_list(japra: Japra, username: str | None, as_json: bool) -> None:
    """Daftar token API: pemilik, dibuat, terakhir dipakai, berakhir, status (active/revoked/expired)."""
    from app.auth.service import list_tokens, token_state
    from app.db.base import utcnow

    now = utcnow()
    with japra.session() as session:
        rows = [{"id": t.id, "owner": t.user.username, "label": t.label, "created": t.created_at,
                 "last_used": t.last_used_at, "expires": t.expires_at, "state": token_state(t, now)}
                for t in list_tokens(session, username)]
    moments = ("created", "last_used", "expires")
    if as_json:
        echo_json([{**r, **{k: _iso(r[k]) for k in moments}} for r in rows])
    else:
        _table([{**r, **{k: _when(r[k]) for k in moments}} for r in rows],
               ["id", "owner", "label", "created", "last_used", "expires", "state"])


@token.command("revoke")
@click.argument("token_id", metavar="ID", type=int)
@pass_japra
def token_revoke(japra: Japra, token_id: int) -> None:
    """Cabut token API nomor ID (lihat `japra token list`); berlaku pada permintaan berikutnya."""
    from app.auth.service import revoke_token, token_by_id

    with japra.session() as session:
        api_token = token_by_id(session, token_id)
        changed = revoke_token(session, api_token, "cli")
        owner = api_token.user.username
    click.echo(_t("Token {id} of {username} revoked.", id=token_id, username=owner) if changed
               else _t("Token {id} of {username} was already revoked.", id=token_id, username=owner))
