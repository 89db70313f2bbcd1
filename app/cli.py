"""`japra`: the command line for set-up, bulk jobs and scripts. Help is in Bahasa Indonesia."""

from __future__ import annotations

import json
import os
import sys

import click

from app.i18n import gettext_for


def _t(msgid: str, **fields: object) -> str:
    return gettext_for(os.environ.get("JAPRA_LOCALE", "id"))(msgid).format(**fields)


def _fail(msgid: str, **fields: object) -> None:
    click.echo(_t(msgid, **fields), err=True)
    sys.exit(2)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Japra: perencanaan, biaya, alokasi dan pembangunan kampung susun koperasi.

    Pengaturan lewat variabel lingkungan JAPRA_DATABASE_URL, JAPRA_HOST, JAPRA_PORT (lihat README).
    """


@main.command()
@click.option("--host", default=None, help="Alamat yang didengar (bawaan: JAPRA_HOST atau 127.0.0.1).")
@click.option("--port", default=None, type=int, help="Port (bawaan: JAPRA_PORT atau 8000).")
@click.option("--show-demo-login", is_flag=True, help="Cetak nama pengguna dan kata sandi demo.")
@click.option("--log-level", default="info", show_default=True,
              type=click.Choice(["debug", "info", "warning", "error"]), help="Tingkat log server.")
def serve(host: str | None, port: int | None, show_demo_login: bool, log_level: str) -> None:
    """Jalankan aplikasi web."""
    import uvicorn

    from app.config import get_settings
    from app.db.migrate import current_revision, head_revision

    settings = get_settings()
    if current_revision() != head_revision():
        _fail("The database is not up to date: run `japra db upgrade` first.")
    host, port = host or settings.host, port or settings.port
    click.echo(_t("Japra is running at http://{host}:{port}  (stop with Ctrl+C)", host=host, port=port))
    if show_demo_login:
        from app.demo import DEMO_PASSWORD, demo_logins

        click.echo(_t("Demo sign-in (password for all: {password}):", password=DEMO_PASSWORD))
        for username, role in demo_logins():
            click.echo(f"  {username:<20} {role}")
    import logging

    from app.web import DropQueryStrings

    logging.getLogger("uvicorn.access").addFilter(DropQueryStrings())
    uvicorn.run("app.web.asgi:app", host=host, port=port, proxy_headers=True, log_level=log_level)


@main.group()
def db() -> None:
    """Basis data: migrasi skema."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True, help="Revisi tujuan.")
def db_upgrade(revision: str) -> None:
    """Naikkan skema basis data ke revisi terbaru."""
    from app.db.migrate import current_revision, upgrade

    upgrade(revision=revision)
    click.echo(_t("Database schema at revision {rev}.", rev=current_revision()))


@db.command("downgrade")
@click.option("--revision", default="-1", show_default=True, help="Revisi tujuan (-1: satu langkah).")
def db_downgrade(revision: str) -> None:
    """Turunkan skema basis data (hati-hati: data di tabel yang dihapus hilang)."""
    from app.db.migrate import current_revision, downgrade

    downgrade(revision=revision)
    click.echo(_t("Database schema at revision {rev}.", rev=current_revision()))


@db.command("current")
def db_current() -> None:
    """Tampilkan revisi skema sekarang."""
    from app.db.migrate import current_revision

    click.echo(current_revision() or "-")


@main.command()
@click.option("--if-empty", is_flag=True, help="Hanya jika basis data belum berisi koperasi.")
def demo(if_empty: bool) -> None:
    """Muat data demo (tiga koperasi pendiri). Aman dijalankan berulang."""
    from app import demo as demo_data
    from app.db.engine import session_scope

    with session_scope() as session:
        if if_empty and not demo_data.is_empty(session):
            click.echo(_t("The database already has data; demo data not loaded."))
            return
        result = demo_data.load(session)
        from app import demo_history
        from app.loans.controller import today

        payments = demo_history.load(session, today())
        if payments:
            result.created["payments"] = payments
        from app import demo_construction

        reports = demo_construction.load(session, today())
        if reports:
            result.created["progress reports"] = reports
        from app.config import get_settings
        from app.construction.photos import PhotoStore

        pictures = demo_construction.illustrate(session, PhotoStore.from_settings(get_settings()), today())
        if pictures:
            result.created["site pictures"] = pictures
        from app import demo_publication

        pages = demo_publication.load(session)
        if pages:
            result.created["public pages"] = pages
    if result.created:
        click.echo(_t("Demo data loaded: {what}.", what=", ".join(f"{k} {v}" for k, v in result.created.items())))
    else:
        click.echo(_t("Demo data already present; nothing changed."))


@main.group()
def user() -> None:
    """Pengguna."""


@user.command("create")
@click.option("--username", required=True, help="Nama pengguna (huruf kecil).")
@click.option("--role", required=True, type=click.Choice(["admin", "planner", "coop_officer", "viewer"]))
@click.option("--cooperative", "cooperative", default=None, help="Slug koperasi (wajib untuk coop_officer).")
@click.option("--display-name", default=None, help="Nama tampilan.")
def user_create(username: str, role: str, cooperative: str | None, display_name: str | None) -> None:
    """Buat pengguna; kata sandi dibaca dari standard input (baris pertama)."""
    from app.auth.service import UserError, create_user
    from app.db.engine import session_scope

    password = sys.stdin.readline().rstrip("\r\n")
    try:
        with session_scope() as session:
            create_user(session, username=username, password=password, role=role,
                        cooperative_slug=cooperative, display_name=display_name, actor="cli")
    except UserError as exc:
        _fail(exc.msgid, **exc.fields)
    click.echo(_t("User {username} created with role {role}.", username=username.lower(), role=role))


@main.group()
def token() -> None:
    """Token API."""


@token.command("create")
@click.option("--username", required=True, help="Pemilik token.")
@click.option("--label", default=None, help="Keterangan, mis. nama skrip yang memakainya.")
def token_create(username: str, label: str | None) -> None:
    """Buat token API; dicetak sekali saja, disimpan dalam bentuk hash."""
    from app.auth.service import UserError, create_token
    from app.db.engine import session_scope

    try:
        with session_scope() as session:
            value = create_token(session, username, label)
    except UserError as exc:
        _fail(exc.msgid, **exc.fields)
    click.echo(value)


@main.group()
def projects() -> None:
    """Proyek perumahan."""


@projects.command("create")
@click.option("--cooperative", required=True, help="Slug koperasi pemilik proyek.")
@click.option("--name", required=True, help="Nama proyek.")
@click.option("--slug", required=True, help="Slug proyek (huruf kecil, angka, tanda hubung).")
@click.option("--stage", default="inisiasi", show_default=True,
              type=click.Choice(["inisiasi", "perencanaan", "perizinan", "konstruksi", "serah_terima", "dihuni"]))
def projects_create(cooperative: str, name: str, slug: str, stage: str) -> None:
    """Buat proyek untuk sebuah koperasi."""
    from app.db.engine import session_scope
    from app.errors import DomainError
    from app.projects import service

    try:
        with session_scope() as session:
            service.create(session, "cli", cooperative_slug=cooperative, name=name, slug=slug, stage=stage)
    except DomainError as exc:
        _fail(exc.msgid, **exc.fields)
    click.echo(_t("Project {slug} created.", slug=slug))


@projects.command("list")
@click.option("--json", "as_json", is_flag=True, help="Keluaran JSON.")
def projects_list(as_json: bool) -> None:
    """Daftar semua proyek."""
    from sqlalchemy import select
    from sqlalchemy.orm import selectinload

    from app.db.engine import session_scope
    from app.projects.models import Project

    with session_scope() as session:
        rows = [
            {"slug": p.slug, "name": p.name, "cooperative": p.cooperative.slug, "stage": p.stage}
            for p in session.scalars(select(Project).options(selectinload(Project.cooperative)).order_by(Project.slug))
        ]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
    else:
        for r in rows:
            click.echo(f"{r['slug']:<24} {r['stage']:<14} {r['cooperative']:<16} {r['name']}")


@main.group()
def parcels() -> None:
    """Bidang tanah tapak proyek: impor dan ekspor berkas."""


def _project_or_fail(session, slug: str):
    from sqlalchemy import select

    from app.projects.models import Project

    project = session.scalar(select(Project).where(Project.slug == slug))
    if project is None:
        _fail("No project with the slug {slug}.", slug=slug)
    return project


def _mapping_option(values: tuple[str, ...]) -> dict[str, str]:
    mapping = {}
    for value in values:
        target, sep, column = value.partition("=")
        if not sep:
            _fail("--map takes ATTRIBUTE=COLUMN, e.g. code=NIB; got {value}.", value=value)
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
@click.option("--map", "maps", multiple=True, metavar="ATRIBUT=KOLOM",
              help="Kolom berkas untuk code, land_status, holder atau notes, mis. --map code=NIB.")
def parcels_import(file: str, project_slug: str, layer: str | None, repair: bool, dry_run: bool,
                   assume_crs: str | None, maps: tuple[str, ...]) -> None:
    """Impor bidang tanah dari GeoJSON, GeoPackage, Shapefile (zip), KML atau CSV (WKT).

    Mencetak satu objek JSON: imported, rejected, crs, total_area_m2. Keluar dengan kode 0 bila
    berhasil, 2 bila berkas ditolak (tidak ada yang disimpan).
    """
    from app.db.engine import session_scope
    from app.errors import DomainError
    from app.i18n import gettext_for
    from app.parcels.importer import commit_import, plan_import, result
    from kernel.messages import Message
    from gis.parcel_file import ParcelFileError

    gettext = gettext_for(os.environ.get("JAPRA_LOCALE", "id"))
    mapping = _mapping_option(maps)

    def emit(obj: dict, code: int) -> None:
        click.echo(json.dumps(obj, ensure_ascii=False, indent=2))
        if code:
            sys.exit(code)

    with session_scope() as session:
        project = _project_or_fail(session, project_slug)
        try:
            plan = plan_import(session, project, file, filename=os.path.basename(file), layer=layer,
                               repair=repair, mapping=mapping, assume_crs=assume_crs)
        except ParcelFileError as exc:
            emit(result(None, imported=0, gettext=gettext, dry_run=dry_run, refused=exc.message), 2)
        except DomainError as exc:
            emit(result(None, imported=0, gettext=gettext, dry_run=dry_run,
                        refused=Message("invalid", exc.msgid, exc.fields)), 2)
        if not plan.importable:
            out = result(plan, imported=0, gettext=gettext, dry_run=dry_run)
            if not plan.drafts and not plan.rejected:
                out["rejected"] = [{"feature": None, "reason": gettext("The file has no parcels to import.")}]
            emit(out, 2)
        if dry_run:
            emit(result(plan, imported=0, gettext=gettext, dry_run=True), 0)
            return
        imported = commit_import(session, "cli", project, plan)
    emit(result(plan, imported=imported, gettext=gettext), 0)


@parcels.command("export")
@click.option("--project", "project_slug", required=True, help="Slug proyek.")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="Berkas keluaran.")
@click.option("--format", "fmt", type=click.Choice(["geojson", "gpkg"]), default=None,
              help="Format (bawaan: dari akhiran berkas keluaran).")
def parcels_export(project_slug: str, output: str, fmt: str | None) -> None:
    """Ekspor bidang tanah tapak proyek sebagai GeoJSON atau GeoPackage (EPSG:4326)."""
    from app.db.engine import session_scope
    from app.parcels.export import write

    fmt = fmt or ("gpkg" if output.lower().endswith(".gpkg") else "geojson")
    with session_scope() as session:
        project = _project_or_fail(session, project_slug)
        count = len(project.site.parcels) if project.site else 0
        write(project, fmt, output)
    click.echo(_t("{n} parcel(s) written to {file}.", n=count, file=output), err=True)


@main.command()
@click.option("--project", "project_slug", required=True, help="Slug proyek.")
@click.option("--scenario", default=None, help="Nama skenario (bawaan: skenario yang berlaku).")
@click.option("--json", "as_json", is_flag=True, help="Keluaran JSON.")
def cost(project_slug: str, scenario: str | None, as_json: bool) -> None:
    """Rincian biaya proyek dan biaya setiap unit (JSON: units, total)."""
    from app.db.engine import session_scope
    from app.designs import service as designs
    from app.errors import DomainError
    from app.i18n import gettext_for, render_message
    from costing.errors import CostingError
    from finance.instalment import FinanceError

    locale = os.environ.get("JAPRA_LOCALE", "id")
    try:
        with session_scope() as session:
            project = _project_or_fail(session, project_slug)
            chosen = designs.by_name(session, project, scenario)
            result = designs.compute(session, chosen)
            out = designs.cost_json(result, lambda m: render_message(m, locale))
    except DomainError as exc:
        _fail(exc.msgid, **exc.fields)
    except (CostingError, FinanceError) as exc:
        message = getattr(exc, "message", None)
        click.echo(render_message(message, locale) if message else str(exc), err=True)
        sys.exit(2)
    if as_json:
        click.echo(json.dumps(out, ensure_ascii=False, indent=2))
        return
    from app.i18n import format_rupiah

    _ = gettext_for(locale)
    click.echo(f"{out['project']} · {out['scenario']}")
    for line in out["lines"]:
        click.echo(f"  {line['label']:<48} {format_rupiah(line['amount'], locale):>20}")
    click.echo(f"  {_('Total'):<48} {format_rupiah(out['total'], locale):>20}")
    costs = [u["cost"] for u in out["units"]] or [0]
    click.echo(_t("{n} units; cost per unit {low} to {high}.", n=len(out["units"]),
                  low=format_rupiah(min(costs), locale), high=format_rupiah(max(costs), locale)))


@main.command()
@click.option("--project", "project_slug", required=True, help="Slug proyek.")
@click.option("--scenario", "scenario_name", default=None, help="Nama skenario (bawaan: skenario terpilih proyek).")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="Berkas PDF keluaran.")
@click.option("--appendix", is_flag=True, help="Sertakan lampiran RAB rinci (skenario RAB).")
def proposal(project_slug: str, scenario_name: str | None, output: str, appendix: bool) -> None:
    """Cetak usulan biaya sebuah skenario sebagai PDF (A4, bahasa dari JAPRA_LOCALE)."""
    from app.db.engine import session_scope
    from app.designs import service as designs
    from app.documents.proposal import proposal_pdf
    from app.errors import DomainError
    from app.i18n import render_message
    from costing.errors import CostingError
    from finance.instalment import FinanceError

    locale = os.environ.get("JAPRA_LOCALE", "id")
    with session_scope() as session:
        project = _project_or_fail(session, project_slug)
        try:
            scenario = designs.by_name(session, project, scenario_name)
            pdf = proposal_pdf(session, project, scenario, locale=locale, appendix=appendix)
        except DomainError as exc:
            _fail(exc.msgid, **exc.fields)
        except CostingError as exc:
            _fail("This scenario cannot be costed yet: {reason}", reason=render_message(exc.message, locale))
        except FinanceError as exc:
            _fail("This scenario cannot be costed yet: {reason}", reason=str(exc))
    with open(output, "wb") as fh:
        fh.write(pdf)
    click.echo(_t("Proposal written to {file}.", file=output), err=True)


@main.command("schedule")
@click.option("--principal", required=True, type=int, help="Pokok pinjaman dalam rupiah utuh, misalnya 100000000.")
@click.option("--annual-rate", "annual_rate", required=True,
              help="Bunga atau margin setahun: pecahan (0.05) atau persen (5%).")
@click.option("--months", required=True, type=int, help="Tenor dalam bulan, termasuk bulan tenggang.")
@click.option("--method", required=True, help="annuity, declining, flat, murabahah atau none.")
@click.option("--grace-months", "grace_months", default=0, show_default=True, type=int,
              help="Bulan tenggang di awal tenor (hanya bunga; murabahah dan none: tanpa angsuran).")
@click.option("--start", default=None, help="Tanggal jatuh tempo pertama, YYYY-MM-DD.")
@click.option("--json", "as_json", is_flag=True, help="Keluaran JSON.")
def schedule_command(principal: int, annual_rate: str, months: int, method: str, grace_months: int,
                     start: str | None, as_json: bool) -> None:
    """Jadwal angsuran sebuah pinjaman (JSON: instalments, totals), tanpa basis data."""
    from datetime import date
    from decimal import Decimal, InvalidOperation

    from finance.instalment import FinanceError, schedule

    def refuse(text: str) -> None:
        click.echo(f"Error: {text}", err=True)
        sys.exit(2)

    raw = annual_rate.strip().replace(" ", "")
    percent = raw.endswith("%")
    number = raw[:-1] if percent else raw
    if "," in number and "." not in number:
        number = number.replace(",", ".")
    try:
        rate = Decimal(number)
    except InvalidOperation:
        rate = None
    if rate is None or not rate.is_finite():
        refuse(f"--annual-rate must be a fraction such as 0.05 or a percent such as 5%, not {annual_rate!r}")
    if percent:
        rate = rate / 100
    first_due = None
    if start is not None:
        try:
            if len(start) != 10:
                raise ValueError(start)
            first_due = date.fromisoformat(start)
        except ValueError:
            refuse(f"--start must be a date written YYYY-MM-DD, such as 2027-01-31, not {start!r}")
    options = {"principal": "--principal", "annual_rate": "--annual-rate", "months": "--months",
               "method": "--method", "grace_months": "--grace-months", "first_due": "--start"}
    try:
        rows = schedule(principal, rate, months, method, grace_months=grace_months, first_due=first_due)
    except FinanceError as exc:
        hint = " (write 0.05 or 5% for 5% a year)" if exc.field == "annual_rate" else ""
        refuse(f"{options.get(exc.field, exc.field)}: {exc}{hint}")
    out = {
        "inputs": {"principal": principal, "annual_rate": str(rate), "months": months, "method": method,
                   "grace_months": grace_months, "start": first_due.isoformat() if first_due else None},
        "instalments": [{"n": row.number, "due_date": row.due.isoformat() if row.due else None,
                         "principal": row.principal, "interest": row.interest, "payment": row.total,
                         "balance": row.balance} for row in rows],
        "totals": {"principal": sum(row.principal for row in rows), "interest": sum(row.interest for row in rows),
                   "payment": sum(row.total for row in rows)},
    }
    if as_json:
        click.echo(json.dumps(out, ensure_ascii=False, indent=2))
        return

    def rp(amount: int) -> str:
        return f"{amount:,}".replace(",", ".")

    click.echo(f"{'n':>4} {'due_date':<10} {'principal':>15} {'interest':>13} {'payment':>15} {'balance':>15}")
    for row in out["instalments"]:
        click.echo(f"{row['n']:>4} {row['due_date'] or '-':<10} {rp(row['principal']):>15} {rp(row['interest']):>13} "
                   f"{rp(row['payment']):>15} {rp(row['balance']):>15}")
    totals = out["totals"]
    click.echo(f"{'':>4} {'':<10} {rp(totals['principal']):>15} {rp(totals['interest']):>13} "
               f"{rp(totals['payment']):>15}")


@main.command("allocate")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--method", required=True, type=click.Choice(["priority", "lottery", "optimal"]),
              help="priority (aturan prioritas), lottery (undian) atau optimal.")
@click.option("--seed", default=None, help="Benih undian yang dibacakan di rapat (wajib untuk setiap metode).")
@click.option("--json", "as_json", is_flag=True, help="Keluaran JSON.")
def allocate_command(file: str, method: str, seed: str | None, as_json: bool) -> None:
    """Bagi unit kepada anggota dari berkas JSON (format: allocation/README.md). Tidak menyimpan apa pun."""
    from allocation.engine import allocate as run_allocation
    from allocation.errors import AllocationError
    from allocation.fileformat import read, result_data
    from app.i18n import render_message

    locale = os.environ.get("JAPRA_LOCALE", "id")
    try:
        with open(file, "rb") as fh:
            meeting = read(fh.read())
        result = run_allocation(meeting.members, meeting.units, meeting.preferences, method=method, seed=seed,
                                rules=meeting.rules, published_hash=meeting.published_hash, kept=meeting.kept)
    except AllocationError as exc:
        if as_json:
            click.echo(json.dumps({"errors": [{"code": m.code, "message": render_message(m, locale)}
                                              for m in exc.messages]}, ensure_ascii=False, indent=2))
        for message in exc.messages:
            click.echo(render_message(message, locale), err=True)
        sys.exit(2)
    out = result_data(result, seed=seed, render=lambda m: render_message(m, locale))
    if as_json:
        click.echo(json.dumps(out, ensure_ascii=False, indent=2))
        return
    click.echo(_t("Method {method}; seed hash {hash}.", method=method, hash=out["seed_hash"]))
    for line in out["steps"]:
        click.echo(f"  {line}")
    for line in out["notes"]:
        click.echo(f"  * {line}")
    click.echo(_t("{housed} of {members} members housed; total rank {total}; {unused} unit(s) left.",
                  housed=len(out["allocations"]) - len(out["unassigned"]), members=len(out["allocations"]),
                  total=out["total_rank"], unused=len(out["unused_units"])))


@main.command()
@click.option("--cooperative", "cooperative_slug", required=True, help="Slug koperasi.")
@click.option("--as-of", "as_of", required=True, help="Tanggal acuan (YYYY-MM-DD).")
@click.option("--preset", type=click.Choice(["koperasi", "bank"]), default=None,
              help="Kelas kolektibilitas: koperasi (empat kelas) atau bank (lima kelas); bawaan: kebijakan koperasi.")
@click.option("--json", "as_json", is_flag=True, help="Keluaran JSON.")
def arrears(cooperative_slug: str, as_of: str, preset: str | None, as_json: bool) -> None:
    """Tunggakan setiap pinjaman anggota dan ringkasan kolektibilitas koperasi per tanggal."""
    from datetime import date

    from sqlalchemy import select

    from app.cooperatives.models import Cooperative
    from app.db.engine import session_scope
    from app.loans import service as loans

    try:
        day = date.fromisoformat(as_of)
    except ValueError:
        _fail("Write the date as YYYY-MM-DD, e.g. 2026-11-01.")
    with session_scope() as session:
        coop = session.scalar(select(Cooperative).where(Cooperative.slug == cooperative_slug))
        if coop is None:
            _fail("No cooperative with the slug {slug}.", slug=cooperative_slug)
        states, summary = loans.cooperative_arrears(session, coop, day, preset)
        # Member numbers only: a file or a terminal log must not carry members' names.
        out = {
            "cooperative": coop.slug, "as_of": day.isoformat(), "preset": summary.preset,
            "loans": [{"member": s.plan.member.number, "unit": s.plan.allocation.unit_code,
                       "overdue_amount": s.arrears.overdue_amount, "days_past_due": s.arrears.days_past_due,
                       "months_in_arrears": s.arrears.months_in_arrears, "class": s.collectibility.code,
                       "class_name": s.collectibility.name,
                       "outstanding_principal": s.arrears.outstanding_principal} for s in states],
            "summary": {"members": summary.members, "outstanding": summary.outstanding,
                        "problem_outstanding": summary.problem_outstanding,
                        "problem_ratio_pct": str(summary.problem_ratio_pct), "health": summary.health,
                        "classes": [{"code": c.code, "name": c.name, "members": c.members,
                                     "outstanding": c.outstanding} for c in summary.classes]},
        }
    if as_json:
        click.echo(json.dumps(out, ensure_ascii=False, indent=2))
        return
    for row in out["loans"]:
        click.echo(f"{row['member']:<12} {row['unit']:<10} {row['overdue_amount']:>15,} {row['days_past_due']:>5} "
                   f"{row['class_name']}".replace(",", "."))
    click.echo(f"{out['summary']['problem_ratio_pct']}% {out['summary']['health']}")


@main.command()
@click.option("--cooperative", "cooperative_slug", required=True, help="Slug koperasi.")
@click.option("--member", "member_number", default=None, help="Nomor anggota.")
@click.option("--kind", type=click.Choice(["loan", "down_payment"]), default=None,
              help="Rencana yang dicetak bila anggota punya pinjaman dan cicilan uang muka.")
@click.option("--as-of", "as_of", default=None, help="Tanggal acuan (YYYY-MM-DD; bawaan: hari ini, WIB).")
@click.option("--out", "output", default=None, type=click.Path(dir_okay=False), help="Berkas PDF keluaran.")
@click.option("--all", "every_member", is_flag=True,
              help="Kartu angsuran setiap anggota koperasi, satu PDF masing-masing.")
@click.option("--out-dir", "out_dir", default=None, type=click.Path(file_okay=False),
              help="Folder keluaran untuk --all.")
def statement(cooperative_slug: str, member_number: str | None, kind: str | None, as_of: str | None,
              output: str | None, every_member: bool, out_dir: str | None) -> None:
    """Cetak kartu angsuran anggota (PDF, A4, selalu dalam Bahasa Indonesia)."""
    from datetime import datetime
    from pathlib import Path

    from sqlalchemy import select

    from app.cooperatives.models import Cooperative
    from app.cooperatives.policy import policy_of
    from app.db.engine import session_scope
    from app.documents.statement import plans_in_force, statement_date, statement_filename, statement_pdf
    from app.errors import DomainError
    from app.i18n import JAKARTA
    from app.members import service as members

    if every_member == bool(member_number) or (every_member and (not out_dir or output)) or (
            member_number and (not output or out_dir)):
        _fail("Give either --member NUMBER with --out FILE.pdf, or --all with --out-dir FOLDER.")
    try:
        day = statement_date(as_of, datetime.now(JAKARTA).date())
    except DomainError as exc:
        _fail(exc.msgid, **exc.fields)
    with session_scope() as session:
        coop = session.scalar(select(Cooperative).where(Cooperative.slug == cooperative_slug))
        if coop is None:
            _fail("No cooperative with the slug {slug}.", slug=cooperative_slug)
        policy = policy_of(session, coop)
        if member_number:
            if members.find(session, coop, member_number) is None:
                _fail("{cooperative} has no member with the number {number}.", cooperative=coop.slug,
                      number=member_number)
            plans = [p for p in plans_in_force(session, coop, member_number) if kind in (None, p.kind)]
            if not plans:
                _fail("{cooperative} has no instalment plan in force for member {number}.", cooperative=coop.slug,
                      number=member_number)
            if len(plans) > 1:
                _fail("Member {number} has a loan and a down payment in instalments; choose one with --kind.",
                      number=member_number)
            pdf = statement_pdf(session, plans[0], day, policy=policy)
            # Written only once the PDF is whole: a refused or failed statement leaves no file behind.
            with open(output, "wb") as fh:
                fh.write(pdf)
            click.echo(_t("Statement written to {file}.", file=output), err=True)
            return
        plans = [p for p in plans_in_force(session, coop) if kind in (None, p.kind)]
        if not plans:
            _fail("{cooperative} has no instalment plan in force.", cooperative=coop.slug)
        folder = Path(out_dir)
        folder.mkdir(parents=True, exist_ok=True)
        with click.progressbar(plans, label=_t("Statements"), file=sys.stderr) as bar:
            for plan in bar:
                (folder / statement_filename(plan, day)).write_bytes(statement_pdf(session, plan, day, policy=policy))
    click.echo(_t("{n} statements written to {folder}.", n=len(plans), folder=out_dir), err=True)


@main.group()
def payments() -> None:
    """Pembayaran anggota: impor dari berkas."""


@payments.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--cooperative", "cooperative_slug", required=True, help="Slug koperasi.")
@click.option("--dry-run", is_flag=True, help="Periksa saja; tidak ada yang disimpan.")
def payments_import(file: str, cooperative_slug: str, dry_run: bool) -> None:
    """Impor pembayaran dari .csv atau .xlsx: nomor_anggota, tanggal, jumlah, referensi (dan rencana).

    Semua baris dicatat atau tidak satu pun. Bila ada baris yang salah, setiap masalah dicetak
    (baris, kolom, pesan) dan perintah keluar dengan kode 2 tanpa menyimpan apa pun.
    """
    from datetime import datetime

    from sqlalchemy import select

    from app.cooperatives.models import Cooperative
    from app.db.engine import session_scope
    from app.errors import DomainError
    from app.i18n import JAKARTA, render_message
    from app.loans import importing
    from app.loans import service as loans
    from app.tabular import TableFileError

    locale = os.environ.get("JAPRA_LOCALE", "id")
    today = datetime.now(JAKARTA).date()  # the cooperative's calendar day, as on the web
    with session_scope() as session:
        coop = session.scalar(select(Cooperative).where(Cooperative.slug == cooperative_slug))
        if coop is None:
            _fail("No cooperative with the slug {slug}.", slug=cooperative_slug)
        try:
            found = importing.check_payments(session, coop, file, os.path.basename(file), today)
        except TableFileError as exc:
            click.echo(render_message(exc.message, locale), err=True)
            sys.exit(2)
        if found.problems:
            click.echo(_t("Nothing was imported: fix the rows listed below."), err=True)
            for problem in found.problems:  # each names its row and column
                click.echo(render_message(problem.message, locale), err=True)
            sys.exit(2)
        if dry_run:
            click.echo(_t("{n} payments checked, every row in order; nothing was stored (--dry-run).",
                          n=len(found.rows)))
            return
        try:
            count = loans.import_payments(session, "cli", coop, found.rows, today)
        except DomainError as exc:
            _fail(exc.msgid, **exc.fields)
    click.echo(_t("Payments recorded: {n}.", n=count))


@main.command()
@click.argument("file", type=click.Path(dir_okay=False))
def backup(file: str) -> None:
    """Salin basis data secara konsisten ke FILE, juga saat aplikasi berjalan."""
    from app.backup import BackupError, backup_to

    try:
        backup_to(file)
    except BackupError as exc:
        _fail(exc.msgid, **exc.fields)
    click.echo(_t("Backup written to {file}.", file=file))


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--yes", is_flag=True, help="Jangan minta konfirmasi.")
def restore(file: str, yes: bool) -> None:
    """Pulihkan basis data dari FILE (menggantikan seluruh isinya)."""
    from app.backup import BackupError, restore_from

    if not yes and sys.stdin.isatty():
        click.confirm(_t("This replaces every record in the database. Continue?"), abort=True)
    try:
        restore_from(file)
    except BackupError as exc:
        _fail(exc.msgid, **exc.fields)
    click.echo(_t("Database restored from {file}.", file=file))


@main.group()
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
@click.option("--as-of", "as_of", default=None, help="Tanggal acuan (YYYY-MM-DD; bawaan: hari ini, WIB).")
@click.option("--json", "as_json", is_flag=True, help="Keluaran JSON.")
def progress_scurve(project_slug: str, as_of: str | None, as_json: bool) -> None:
    """Kurva S rencana dan realisasi per minggu, deviasi dan status (normal, terlambat, kritis).

    JSON: periods [{date, planned_pct, actual_pct}], deviation_pct, status, dan per blok di buildings.
    """
    from datetime import date, datetime

    from app.construction import service as construction
    from app.db.engine import session_scope
    from app.i18n import JAKARTA

    if as_of is None:
        day = datetime.now(JAKARTA).date()
    else:
        try:
            if len(as_of.strip()) != 10:
                raise ValueError(as_of)
            day = date.fromisoformat(as_of.strip())
        except ValueError:
            _fail("Write the date as YYYY-MM-DD, e.g. 2026-11-01.")
    with session_scope() as session:
        project = _project_or_fail(session, project_slug)
        contract = construction.get(session, project)
        state = construction.progress_of(session, project, day) if contract else None
        if state is None:
            _fail("Construction of {project} has not started: there is no progress to report.", project=project.name)
        if day < contract.started_on:
            _fail("{date} is before construction started ({start}).", date=day.isoformat(),
                  start=contract.started_on.isoformat())
        out = {"project": project.slug, "as_of": day.isoformat(), "started_on": contract.started_on.isoformat(),
               **_scurve_json(state.project),
               "buildings": [{"building": code, **_scurve_json(curve)} for code, curve in state.buildings.items()]}
    if as_json:
        click.echo(json.dumps(out, ensure_ascii=False, indent=2))
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
def progress_report(project_slug: str, period: str | None, week: str | None, output: str) -> None:
    """Cetak laporan kemajuan sebulan atau seminggu sebagai PDF (A4, selalu dalam Bahasa Indonesia)."""
    from datetime import datetime

    from app.db.engine import session_scope
    from app.documents.progress_report import progress_report_pdf, report_period
    from app.errors import DomainError
    from app.i18n import JAKARTA

    today = datetime.now(JAKARTA).date()
    try:
        chosen = report_period(period, week)
    except DomainError as exc:
        _fail(exc.msgid, **exc.fields)
    with session_scope() as session:
        project = _project_or_fail(session, project_slug)
        try:
            pdf = progress_report_pdf(session, project, chosen, today=today)
        except DomainError as exc:
            _fail(exc.msgid, **exc.fields)
    # Written only once the PDF is whole: a refused report leaves no file behind.
    with open(output, "wb") as fh:
        fh.write(pdf)
    click.echo(_t("Progress report written to {file}.", file=output), err=True)


if __name__ == "__main__":
    main()
