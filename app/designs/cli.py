"""`japra cost` and `japra proposal`: a design scenario's cost, and the cost proposal as a PDF."""

from __future__ import annotations

import click

from app.cli_support import Japra, _t, echo_json, locale, pass_japra, project_by_slug, writable_target, write_output
from app.cli_support import command as japra_command


@japra_command()
@click.option("--project", "project_slug", required=True, help="Slug proyek.")
@click.option("--scenario", default=None, help="Nama skenario (bawaan: skenario yang berlaku).")
@click.option("--json", "as_json", is_flag=True, help="Keluaran JSON.")
@pass_japra
def cost(japra: Japra, project_slug: str, scenario: str | None, as_json: bool) -> None:
    """Rincian biaya proyek dan biaya setiap unit (JSON: units, total)."""
    from app.designs import service as designs
    from app.i18n import format_rupiah, gettext_for, render_message

    lang = locale()
    with japra.session() as session:
        project = project_by_slug(session, project_slug)
        chosen = designs.by_name(session, project, scenario)
        result = designs.compute(session, chosen)
        out = designs.cost_json(result, lambda m: render_message(m, lang))
    if as_json:
        echo_json(out)
        return
    _ = gettext_for(lang)
    click.echo(f"{out['project']} · {out['scenario']}")
    for line in out["lines"]:
        click.echo(f"  {line['label']:<48} {format_rupiah(line['amount'], lang):>20}")
    click.echo(f"  {_('Total'):<48} {format_rupiah(out['total'], lang):>20}")
    costs = [u["cost"] for u in out["units"]] or [0]
    click.echo(_t("{n} units; cost per unit {low} to {high}.", n=len(out["units"]),
                  low=format_rupiah(min(costs), lang), high=format_rupiah(max(costs), lang)))


@japra_command()
@click.option("--project", "project_slug", required=True, help="Slug proyek.")
@click.option("--scenario", "scenario_name", default=None, help="Nama skenario (bawaan: skenario terpilih proyek).")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="Berkas PDF keluaran.")
@click.option("--appendix", is_flag=True, help="Sertakan lampiran RAB rinci (skenario RAB).")
@pass_japra
def proposal(japra: Japra, project_slug: str, scenario_name: str | None, output: str, appendix: bool) -> None:
    """Cetak usulan biaya sebuah skenario sebagai PDF (A4, bahasa dari JAPRA_LOCALE)."""
    from app.designs import service as designs
    from app.designs.proposal import proposal_pdf

    writable_target(output)  # before the minutes a long proposal takes
    with japra.session() as session:
        project = project_by_slug(session, project_slug)
        scenario = designs.by_name(session, project, scenario_name)
        pdf = proposal_pdf(session, project, scenario, locale=locale(), appendix=appendix)
    write_output(output, pdf)
    click.echo(_t("Proposal written to {file}.", file=output), err=True)
