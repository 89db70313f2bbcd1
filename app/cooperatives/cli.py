"""`japra cooperatives`: add, list, edit and deactivate Japra's member cooperatives, so that a fresh install can begin
without the demo."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from app.cli_support import Japra, _t, cooperative_by_slug, echo_json, group, pass_japra

# The details a document prints, each an option of `create` and `update` (the field's name with dashes): the same
# names as the service's fields, so a refusal names the option that caused it.
DETAIL_OPTIONS = (
    ("legal_name", "Nama badan hukum lengkap."),
    ("badan_hukum_number", "Nomor badan hukum (SK AHU)."),
    ("address", "Alamat."),
    ("kelurahan", "Kelurahan."),
    ("kecamatan", "Kecamatan."),
    ("city", "Kota."),
    ("chair", "Nama ketua."),
    ("secretary", "Nama sekretaris."),
    ("treasurer", "Nama bendahara."),
    ("phone", "Nomor telepon."),
    ("contact_email", "Alamat surel kontak."),
    ("description", "Keterangan."),
)


def detail_options(command: Callable[..., Any]) -> Callable[..., Any]:
    for name, text in reversed(DETAIL_OPTIONS):
        command = click.option("--" + name.replace("_", "-"), name, default=None, help=text)(command)
    return command


@group()
def cooperatives() -> None:
    """Koperasi anggota Japra."""


@cooperatives.command("create")
@click.option("--slug", required=True, help="Slug koperasi (huruf kecil, angka, tanda hubung).")
@click.option("--name", required=True, help="Nama koperasi.")
@detail_options
@pass_japra
def cooperatives_create(japra: Japra, slug: str, name: str, **details: str | None) -> None:
    """Tambahkan koperasi."""
    from app.cooperatives import service

    with japra.session() as session:
        coop = service.create(session, "cli", slug, service.CooperativeDetails(name=name, **details))
        slug = coop.slug
    click.echo(_t("Cooperative {slug} created.", slug=slug))


@cooperatives.command("update")
@click.option("--slug", required=True, help="Slug koperasi yang diubah.")
@click.option("--name", default=None, help="Nama koperasi.")
@detail_options
@pass_japra
def cooperatives_update(japra: Japra, slug: str, name: str | None, **details: str | None) -> None:
    """Ubah data koperasi; opsi yang tidak diberikan tetap, nilai kosong ("") menghapusnya."""
    from app.cooperatives import service

    with japra.session() as session:
        coop = cooperative_by_slug(session, slug)
        current = {k: getattr(coop, k) for k in service.DETAILS}
        given = {k: v for k, v in {"name": name, **details}.items() if v is not None}
        service.update(session, "cli", coop, service.CooperativeDetails(**{**current, **given}))
    click.echo(_t("Cooperative {slug} saved.", slug=slug))


def _set_active(japra: Japra, slug: str, active: bool) -> None:
    from app.cooperatives import service

    with japra.session() as session:
        service.set_active(session, "cli", cooperative_by_slug(session, slug), active)


@cooperatives.command("deactivate")
@click.option("--slug", required=True, help="Slug koperasi.")
@pass_japra
def cooperatives_deactivate(japra: Japra, slug: str) -> None:
    """Nonaktifkan koperasi: datanya tetap, tetapi tidak bisa mendapat proyek baru."""
    _set_active(japra, slug, False)
    click.echo(_t("Cooperative {slug} deactivated.", slug=slug))


@cooperatives.command("activate")
@click.option("--slug", required=True, help="Slug koperasi.")
@pass_japra
def cooperatives_activate(japra: Japra, slug: str) -> None:
    """Aktifkan kembali koperasi yang dinonaktifkan."""
    _set_active(japra, slug, True)
    click.echo(_t("Cooperative {slug} activated.", slug=slug))


@cooperatives.command("list")
@click.option("--json", "as_json", is_flag=True, help="Keluaran JSON.")
@pass_japra
def cooperatives_list(japra: Japra, as_json: bool) -> None:
    """Daftar semua koperasi, termasuk yang nonaktif."""
    from sqlalchemy import select

    from app.cooperatives import service
    from app.cooperatives.models import Cooperative

    with japra.session() as session:
        rows = [{"slug": c.slug, **{k: getattr(c, k) for k in service.DETAILS}, "is_active": c.is_active}
                for c in session.scalars(select(Cooperative).order_by(Cooperative.slug))]
    if as_json:
        echo_json(rows)
    else:
        for r in rows:
            state = _t("active") if r["is_active"] else _t("inactive")
            click.echo(f"{r['slug']:<24} {state:<10} {r['name']}")
