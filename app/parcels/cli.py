"""`japra parcels`: a project site's parcels from and to GIS files."""

from __future__ import annotations

import os

import click

from app.cli_support import Japra, _t, echo_json, group, locale, pass_japra, project_by_slug, write_output


@group()
def parcels() -> None:
    """Bidang tanah tapak proyek: impor dan ekspor berkas."""


def _mapping(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> dict[str, str]:
    mapping = {}
    for value in values:
        target, sep, column = value.partition("=")
        if not sep:
            raise click.BadParameter(_t("--map takes ATTRIBUTE=COLUMN, e.g. code=NIB; got {value}.", value=value),
                                     ctx, param)
        mapping[target.strip()] = column.strip()
    return mapping


@parcels.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--project", "project_slug", required=True, help="Slug proyek tujuan.")
@click.option("--layer", default=None, help="Nama layer (GeoPackage/KML dengan beberapa layer).")
@click.option("--repair", is_flag=True,
              help="Perbaiki bentuk yang tidak valid (make_valid) dan laporkan perubahan luas.")
@click.option("--dry-run", is_flag=True, help="Periksa saja; tidak ada yang disimpan.")
@click.option("--crs", "assume_crs", default=None, metavar="EPSG:KODE",
              help="Sistem koordinat bila berkas tidak menyebutkannya, mis. EPSG:32748 (UTM 48S).")
@click.option("--map", "mapping", multiple=True, metavar="ATRIBUT=KOLOM", callback=_mapping,
              help="Kolom berkas untuk code, land_status, holder atau notes, mis. --map code=NIB.")
@click.option("--replace", is_flag=True,
              help="Hapus semua bidang tapak dan ganti dengan isi berkas, dalam satu transaksi.")
@pass_japra
def parcels_import(japra: Japra, file: str, project_slug: str, layer: str | None, repair: bool, dry_run: bool,
                   assume_crs: str | None, mapping: dict[str, str], replace: bool) -> None:
    """Impor bidang tanah dari GeoJSON, GeoPackage, Shapefile (zip), KML atau CSV (WKT).

    Mencetak satu objek JSON: imported, rejected, crs, total_area_m2. Keluar dengan kode 0 bila
    berhasil, 2 bila berkas ditolak (tidak ada yang disimpan).
    """
    from app.i18n import gettext_for
    from app.parcels.importer import commit_import, plan_import, result
    from kernel.errors import UserError

    gettext = gettext_for(locale())

    def refuse(obj: dict) -> None:
        # The refusal is the JSON object on stdout (its `rejected` says why), not a message on stderr.
        echo_json(obj)
        raise SystemExit(2)

    with japra.session() as session:
        project = project_by_slug(session, project_slug)
        try:
            plan = plan_import(session, project, file, filename=os.path.basename(file), layer=layer,
                               repair=repair, mapping=mapping, assume_crs=assume_crs, replace=replace)
        except UserError as exc:
            refuse(result(None, imported=0, gettext=gettext, dry_run=dry_run, refused=exc.message))
        if not plan.importable:
            out = result(plan, imported=0, gettext=gettext, dry_run=dry_run)
            if not plan.drafts and not plan.rejected:
                out["rejected"] = [{"feature": None, "reason": gettext("The file has no parcels to import.")}]
            refuse(out)
        if dry_run:
            echo_json(result(plan, imported=0, gettext=gettext, dry_run=True))
            return
        imported = commit_import(session, "cli", project, plan)
    echo_json(result(plan, imported=imported, gettext=gettext))


@parcels.command("delete")
@click.option("--project", "project_slug", required=True, help="Slug proyek.")
@click.option("--code", default=None, help="Kode satu bidang; tanpa --code semua bidang tapak dihapus.")
@click.option("--yes", is_flag=True, help="Jangan tanya konfirmasi.")
@pass_japra
def parcels_delete(japra: Japra, project_slug: str, code: str | None, yes: bool) -> None:
    """Hapus satu bidang tanah (--code) atau semua bidang tapak proyek; tercatat di jejak audit.

    Mencetak satu objek JSON: deleted, codes, scenarios (skenario yang membaca tapak ini).
    """
    from app.parcels.service import delete_parcels, parcel_by_code, scenarios_on

    with japra.session() as session:
        project = project_by_slug(session, project_slug)
        gone = [parcel_by_code(project, code)] if code else list(project.site.parcels if project.site else [])
        scenarios = scenarios_on(session, project)
        if gone and not yes:
            click.echo(_t("{n} parcel(s) of {project} will be deleted.", n=len(gone), project=project.slug), err=True)
            if scenarios:
                click.echo(_t("{n} scenario(s) are costed on this site: their capacity and site map will be read "
                              "from the parcels that remain.", n=scenarios), err=True)
            click.confirm(_t("Delete?"), abort=True, err=True)
        codes = [p.code for p in gone]
        deleted = delete_parcels(session, "cli", project, code=code)
    echo_json({"deleted": deleted, "codes": codes, "scenarios": scenarios})


@parcels.command("export")
@click.option("--project", "project_slug", required=True, help="Slug proyek.")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="Berkas keluaran.")
@click.option("--format", "fmt", type=click.Choice(["geojson", "gpkg"]), default=None,
              help="Format (bawaan: dari akhiran berkas keluaran).")
@pass_japra
def parcels_export(japra: Japra, project_slug: str, output: str, fmt: str | None) -> None:
    """Ekspor bidang tanah tapak proyek sebagai GeoJSON atau GeoPackage (EPSG:4326)."""
    from app.parcels.export import export

    fmt = fmt or ("gpkg" if output.lower().endswith(".gpkg") else "geojson")
    with japra.session() as session:
        project = project_by_slug(session, project_slug)
        count = len(project.site.parcels) if project.site else 0
        data = export(project, fmt)
    write_output(output, data)
    click.echo(_t("{n} parcel(s) written to {file}.", n=count, file=output), err=True)
