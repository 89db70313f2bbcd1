"""`japra db`, `demo`, `backup`, `restore` and `serve`: the database and the installation as a whole."""

from __future__ import annotations

import sys

import click

from app.cli_support import Japra, _t, command, group, pass_japra


@command()
@click.option("--host", default=None, help="Alamat yang didengar (bawaan: JAPRA_HOST atau 127.0.0.1).")
@click.option("--port", default=None, type=int, help="Port (bawaan: JAPRA_PORT atau 8000).")
@click.option("--show-demo-login", is_flag=True, help="Cetak nama pengguna dan kata sandi demo.")
@click.option("--log-level", default="info", show_default=True,
              type=click.Choice(["debug", "info", "warning", "error"]), help="Tingkat log server.")
@pass_japra
def serve(japra: Japra, host: str | None, port: int | None, show_demo_login: bool, log_level: str) -> None:
    """Jalankan aplikasi web."""
    import logging

    import uvicorn

    from app.config import SettingsError
    from app.db.migrate import current_revision, head_revision
    from app.errors import Conflict

    settings = japra.settings()
    if settings.refusals_to_serve():
        raise SettingsError(" ".join(settings.refusals_to_serve()))
    if current_revision(japra.database_url()) != head_revision():
        raise Conflict("The database is not up to date: run `japra db upgrade` first.")
    host, port = host or settings.host, port or settings.port
    click.echo(_t("Japra is running at http://{host}:{port}  (stop with Ctrl+C)", host=host, port=port))
    if show_demo_login:
        from app.demo import DEMO_PASSWORD, demo_logins

        click.echo(_t("Demo sign-in (password for all: {password}):", password=DEMO_PASSWORD))
        for username, role in demo_logins():
            click.echo(f"  {username:<20} {role}")
    from app.web import DropQueryStrings

    logging.getLogger("uvicorn.access").addFilter(DropQueryStrings())
    from app.web.deps import configure_handler_threads

    configure_handler_threads()  # before the event loop starts: it cannot be set from inside it
    # X-Forwarded-* are believed only from the proxies named in JAPRA_TRUSTED_PROXIES; none by default.
    proxies = ",".join(settings.trusted_proxies)
    uvicorn.run("app.web.asgi:app", host=host, port=port, proxy_headers=bool(proxies),
                forwarded_allow_ips=proxies or None, log_level=log_level)


@group()
def db() -> None:
    """Basis data: migrasi skema."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True, help="Revisi tujuan.")
@pass_japra
def db_upgrade(japra: Japra, revision: str) -> None:
    """Naikkan skema basis data ke revisi terbaru."""
    from app.db.migrate import current_revision, upgrade

    upgrade(japra.database_url(), revision=revision)
    click.echo(_t("Database schema at revision {rev}.", rev=current_revision(japra.database_url())))


@db.command("downgrade")
@click.option("--revision", default="-1", show_default=True, help="Revisi tujuan (-1: satu langkah).")
@pass_japra
def db_downgrade(japra: Japra, revision: str) -> None:
    """Turunkan skema basis data (hati-hati: data di tabel yang dihapus hilang)."""
    from app.db.migrate import current_revision, downgrade

    downgrade(japra.database_url(), revision=revision)
    click.echo(_t("Database schema at revision {rev}.", rev=current_revision(japra.database_url())))


@db.command("current")
@pass_japra
def db_current(japra: Japra) -> None:
    """Tampilkan revisi skema sekarang."""
    from app.db.migrate import current_revision

    click.echo(current_revision(japra.database_url()) or "-")


@command()
@click.option("--if-empty", is_flag=True, help="Hanya jika basis data belum berisi koperasi.")
@pass_japra
def demo(japra: Japra, if_empty: bool) -> None:
    """Muat data demo (tiga koperasi pendiri). Aman dijalankan berulang."""
    from app import demo as demo_data
    from app import demo_construction, demo_history, demo_publication
    from app.construction.photos import PhotoStore

    day = japra.today()
    with japra.session() as session:
        if if_empty and not demo_data.is_empty(session):
            click.echo(_t("The database already has data; demo data not loaded."))
            return
        result = demo_data.load(session)
        payments = demo_history.load(session, day)
        if payments:
            result.created["payments"] = payments
        reports = demo_construction.load(session, day)
        if reports:
            result.created["progress reports"] = reports
        pictures = demo_construction.illustrate(session, PhotoStore.from_settings(japra.settings()), day)
        if pictures:
            result.created["site pictures"] = pictures
        pages = demo_publication.load(session)
        if pages:
            result.created["public pages"] = pages
    if result.created:
        click.echo(_t("Demo data loaded: {what}.", what=", ".join(f"{k} {v}" for k, v in result.created.items())))
    else:
        click.echo(_t("Demo data already present; nothing changed."))


@command()
@click.argument("file", type=click.Path(dir_okay=False))
@pass_japra
def backup(japra: Japra, file: str) -> None:
    """Salin basis data secara konsisten ke FILE, juga saat aplikasi berjalan."""
    from app.backup import backup_to

    backup_to(file, japra.database_url())
    click.echo(_t("Backup written to {file}.", file=file))


@command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--yes", is_flag=True, help="Jangan minta konfirmasi.")
@pass_japra
def restore(japra: Japra, file: str, yes: bool) -> None:
    """Pulihkan basis data dari FILE (menggantikan seluruh isinya)."""
    from app.backup import restore_from

    if not yes and sys.stdin.isatty():
        click.confirm(_t("This replaces every record in the database. Continue?"), abort=True)
    restore_from(file, japra.database_url())
    click.echo(_t("Database restored from {file}.", file=file))
