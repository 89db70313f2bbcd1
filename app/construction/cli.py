"""`japra progress`: construction progress, the S-curves as JSON and the progress report as a PDF."""

from __future__ import annotations

from datetime import date

import click

from app.cli_support import (
    DATE,
    Japra,
    _t,
    echo_json,
    group,
    pass_japra,
    project_by_slug,
    writable_target,
    write_output,
)


@group()
def progress() -> None:
    """Kemajuan pembangunan: kurva S, deviasi, status dan laporan kemajuan (PDF)."""


def _scurve_json(curve) -> dict:
    """One S-curve as JSON: percents as strings with two decimals (exact, as `japra arrears` writes them)."""
    a = curve.assessment
    return {
        "periods": [{"date": p.date.isoformat(), "planned_pct": str(p.planned_pct),
                     "actual_pct": None if p.actual_pct is None else str(p.actual_pct)} for p in curve.periods],
        "planned_pct": str(a.planned_pct), "actual_pct": str(a.actual_pct), "deviation_pct": str(a.deviation_pct),
        "status": a.status, "critical_since": a.critical_since.isoformat() if a.critical_since else None,
        "report_date": a.report_date.isoformat() if a.report_date else None,
        "days_since_report": a.days_since_report,
    }


@progress.command("scurve")
@click.option("--project", "project_slug", required=True, help="Slug proyek.")
@click.option("--as-of", "as_of", default=None, type=DATE,
              help="Tanggal acuan (YYYY-MM-DD; bawaan: hari ini, WIB).")
@click.option("--json", "as_json", is_flag=True, help="Keluaran JSON.")
@pass_japra
def progress_scurve(japra: Japra, project_slug: str, as_of: date | None, as_json: bool) -> None:
    """Kurva S rencana dan realisasi per minggu, deviasi dan status (normal, terlambat, kritis).

    JSON: periods [{date, planned_pct, actual_pct}], deviation_pct, status, dan per blok di buildings.
    """
    from app.construction import service as construction
    from app.errors import Invalid, NotFound

    day = as_of or japra.today()
    with japra.session() as session:
        project = project_by_slug(session, project_slug)
        contract = construction.get(session, project)
        state = construction.progress_of(session, project, day) if contract else None
        if state is None:
            raise NotFound("Construction of {project} has not started: there is no progress to report.",
                           project=project.name)
        if day < contract.started_on:
            raise Invalid("{date} is before construction started ({start}).", field="as_of", date=day.isoformat(),
                          start=contract.started_on.isoformat())
        out = {"project": project.slug, "as_of": day.isoformat(), "started_on": contract.started_on.isoformat(),
               **_scurve_json(state.project),
               "buildings": [{"building": code, **_scurve_json(curve)} for code, curve in state.buildings.items()]}
    if as_json:
        echo_json(out)
        return
    click.echo(f"{'date':<10} {'planned_pct':>11} {'actual_pct':>10}")
    for p in out["periods"]:
        click.echo(f"{p['date']:<10} {p['planned_pct']:>11} {p['actual_pct'] or '-':>10}")
    for name, row in [(out["project"], out), *((b["building"], b) for b in out["buildings"])]:
        click.echo(f"{name}: {row['planned_pct']} / {row['actual_pct']} ({row['deviation_pct']}) {row['status']}"
                   + (f" since {row['critical_since']}" if row["critical_since"] else ""))


@progress.command("report")
@click.option("--project", "project_slug", required=True, help="Slug proyek.")
@click.option("--period", default=None, help="Bulan laporan, YYYY-MM.")
@click.option("--week", default=None, help="Atau minggu laporan (ISO), YYYY-Www, mis. 2026-W42.")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="Berkas PDF keluaran.")
@pass_japra
def progress_report(japra: Japra, project_slug: str, period: str | None, week: str | None, output: str) -> None:
    """Cetak laporan kemajuan sebulan atau seminggu sebagai PDF (A4, selalu dalam Bahasa Indonesia)."""
    from app.construction.progress_report import progress_report_pdf, report_period

    chosen = report_period(period, week)
    writable_target(output)  # before the work of the report
    with japra.session() as session:
        project = project_by_slug(session, project_slug)
        pdf = progress_report_pdf(session, project, chosen, today=japra.today())
    # Written only once the PDF is whole: a refused report leaves no file behind.
    write_output(output, pdf)
    click.echo(_t("Progress report written to {file}.", file=output), err=True)
