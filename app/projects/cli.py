"""`japra projects`: a cooperative's housing projects."""

from __future__ import annotations

import click

from app.cli_support import Japra, _t, echo_json, group, pass_japra


@group()
def projects() -> None:
    """Proyek perumahan."""


@projects.command("create")
@click.option("--cooperative", required=True, help="Slug koperasi pemilik proyek.")
@click.option("--name", required=True, help="Nama proyek.")
@click.option("--slug", required=True, help="Slug proyek (huruf kecil, angka, tanda hubung).")
@click.option("--stage", default="inisiasi", show_default=True,
              type=click.Choice(["inisiasi", "perencanaan", "perizinan", "konstruksi", "serah_terima", "dihuni"]))
@pass_japra
def projects_create(japra: Japra, cooperative: str, name: str, slug: str, stage: str) -> None:
    """Buat proyek untuk sebuah koperasi."""
    from app.projects import service

    with japra.session() as session:
        service.create(session, "cli", service.NewProject(cooperative=cooperative, name=name, slug=slug, stage=stage))
    click.echo(_t("Project {slug} created.", slug=slug))


@projects.command("list")
@click.option("--json", "as_json", is_flag=True, help="Keluaran JSON.")
@pass_japra
def projects_list(japra: Japra, as_json: bool) -> None:
    """Daftar semua proyek."""
    from sqlalchemy import select
    from sqlalchemy.orm import selectinload

    from app.projects.models import Project

    with japra.session() as session:
        rows = [
            {"slug": p.slug, "name": p.name, "cooperative": p.cooperative.slug, "stage": p.stage}
            for p in session.scalars(select(Project).options(selectinload(Project.cooperative)).order_by(Project.slug))
        ]
    if as_json:
        echo_json(rows)
    else:
        for r in rows:
            click.echo(f"{r['slug']:<24} {r['stage']:<14} {r['cooperative']:<16} {r['name']}")
