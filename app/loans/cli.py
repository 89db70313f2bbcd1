"""`japra schedule`, `arrears`, `statement` and `payments import`: members' loans and what they paid."""

from __future__ import annotations

import os
from datetime import date
from decimal import Decimal

import click

from app.cli_support import (
    DATE,
    RUPIAH,
    Japra,
    RateType,
    _t,
    cooperative_by_slug,
    echo_json,
    group,
    make_folder,
    pass_japra,
    writable_target,
    write_output,
)
from app.cli_support import command as japra_command
from finance.instalment import MAX_ANNUAL_RATE


@japra_command("schedule")
@click.option("--principal", required=True, type=RUPIAH, help="Pokok pinjaman dalam rupiah utuh, misalnya 100000000.")
@click.option("--annual-rate", "annual_rate", required=True, type=RateType(MAX_ANNUAL_RATE),
              help="Bunga atau margin setahun: pecahan (0.05) atau persen (5%).")
@click.option("--months", required=True, type=int, help="Tenor dalam bulan, termasuk bulan tenggang.")
@click.option("--method", required=True, help="annuity, declining, flat, murabahah atau none.")
@click.option("--grace-months", "grace_months", default=0, show_default=True, type=int,
              help="Bulan tenggang di awal tenor (hanya bunga; murabahah dan none: tanpa angsuran).")
@click.option("--start", "first_due", default=None, type=DATE, help="Tanggal jatuh tempo pertama, YYYY-MM-DD.")
@click.option("--json", "as_json", is_flag=True, help="Keluaran JSON.")
def schedule_command(principal: int, annual_rate: Decimal, months: int, method: str, grace_months: int,
                     first_due: date | None, as_json: bool) -> None:
    """Jadwal angsuran sebuah pinjaman (JSON: instalments, totals), tanpa basis data."""
    from finance.instalment import schedule

    # A FinanceError names its argument (`field`), which is this command's option of the same name.
    rows = schedule(principal, annual_rate, months, method, grace_months=grace_months, first_due=first_due)
    out = {
        "inputs": {"principal": principal, "annual_rate": str(annual_rate), "months": months, "method": method,
                   "grace_months": grace_months, "start": first_due.isoformat() if first_due else None},
        "instalments": [{"n": row.number, "due_date": row.due.isoformat() if row.due else None,
                         "principal": row.principal, "interest": row.interest, "payment": row.total,
                         "balance": row.balance} for row in rows],
        "totals": {"principal": sum(row.principal for row in rows), "interest": sum(row.interest for row in rows),
                   "payment": sum(row.total for row in rows)},
    }
    if as_json:
        echo_json(out)
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


@japra_command()
@click.option("--cooperative", "cooperative_slug", required=True, help="Slug koperasi.")
@click.option("--as-of", "as_of", required=True, type=DATE, help="Tanggal acuan (YYYY-MM-DD).")
@click.option("--preset", type=click.Choice(["koperasi", "bank"]), default=None,
              help="Kelas kolektibilitas: koperasi (empat kelas) atau bank (lima kelas); bawaan: kebijakan koperasi.")
@click.option("--json", "as_json", is_flag=True, help="Keluaran JSON.")
@pass_japra
def arrears(japra: Japra, cooperative_slug: str, as_of: date, preset: str | None, as_json: bool) -> None:
    """Tunggakan setiap pinjaman anggota dan ringkasan kolektibilitas koperasi per tanggal."""
    from app.loans import service as loans

    with japra.session() as session:
        coop = cooperative_by_slug(session, cooperative_slug)
        states, summary = loans.cooperative_arrears(session, coop, as_of, preset)
        # Member numbers only: a file or a terminal log must not carry members' names.
        out = {
            "cooperative": coop.slug, "as_of": as_of.isoformat(), "preset": summary.preset,
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
        echo_json(out)
        return
    for row in out["loans"]:
        click.echo(f"{row['member']:<12} {row['unit']:<10} {row['overdue_amount']:>15,} {row['days_past_due']:>5} "
                   f"{row['class_name']}".replace(",", "."))
    click.echo(f"{out['summary']['problem_ratio_pct']}% {out['summary']['health']}")


@japra_command()
@click.option("--cooperative", "cooperative_slug", required=True, help="Slug koperasi.")
@click.option("--member", "member_number", default=None, help="Nomor anggota.")
@click.option("--kind", type=click.Choice(["loan", "down_payment"]), default=None,
              help="Rencana yang dicetak bila anggota punya pinjaman dan cicilan uang muka.")
@click.option("--as-of", "as_of", default=None, type=DATE,
              help="Tanggal acuan (YYYY-MM-DD; bawaan: hari ini, WIB).")
@click.option("--out", "output", default=None, type=click.Path(dir_okay=False), help="Berkas PDF keluaran.")
@click.option("--all", "every_member", is_flag=True,
              help="Kartu angsuran setiap anggota koperasi, satu PDF masing-masing.")
@click.option("--out-dir", "out_dir", default=None, type=click.Path(file_okay=False),
              help="Folder keluaran untuk --all.")
@pass_japra
def statement(japra: Japra, cooperative_slug: str, member_number: str | None, kind: str | None, as_of: date | None,
              output: str | None, every_member: bool, out_dir: str | None) -> None:
    """Cetak kartu angsuran anggota (PDF, A4, selalu dalam Bahasa Indonesia)."""
    import sys

    from app.cooperatives.policy import policy_of
    from app.errors import Invalid, NotFound
    from app.loans.statement import plans_in_force, statement_date, statement_filename, statement_pdf
    from app.members import service as members

    if every_member == bool(member_number) or (every_member and (not out_dir or output)) or (
            member_number and (not output or out_dir)):
        raise Invalid("Give either --member NUMBER with --out FILE.pdf, or --all with --out-dir FOLDER.")
    # A statement's own years (a loan's life), on top of the date type's.
    day = statement_date(as_of.isoformat() if as_of else None, japra.today())
    if output:
        writable_target(output)
    with japra.session() as session:
        coop = cooperative_by_slug(session, cooperative_slug)
        policy = policy_of(session, coop)
        if member_number:
            if members.find(session, coop, member_number) is None:
                raise NotFound("{cooperative} has no member with the number {number}.", cooperative=coop.slug,
                               number=member_number)
            plans = [p for p in plans_in_force(session, coop, member_number) if kind in (None, p.kind)]
            if not plans:
                raise NotFound("{cooperative} has no instalment plan in force for member {number}.",
                               cooperative=coop.slug, number=member_number)
            if len(plans) > 1:
                raise Invalid("Member {number} has a loan and a down payment in instalments; choose one with --kind.",
                              number=member_number)
            # Written only once the PDF is whole: a refused or failed statement leaves no file behind.
            write_output(output, statement_pdf(session, plans[0], day, policy=policy))
            click.echo(_t("Statement written to {file}.", file=output), err=True)
            return
        plans = [p for p in plans_in_force(session, coop) if kind in (None, p.kind)]
        if not plans:
            raise NotFound("{cooperative} has no instalment plan in force.", cooperative=coop.slug)
        folder = make_folder(out_dir)
        with click.progressbar(plans, label=_t("Statements"), file=sys.stderr) as bar:
            for plan in bar:
                write_output(folder / statement_filename(plan, day), statement_pdf(session, plan, day, policy=policy))
    click.echo(_t("{n} statements written to {folder}.", n=len(plans), folder=out_dir), err=True)


@group()
def payments() -> None:
    """Pembayaran anggota: impor dari berkas."""


@payments.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--cooperative", "cooperative_slug", required=True, help="Slug koperasi.")
@click.option("--dry-run", is_flag=True, help="Periksa saja; tidak ada yang disimpan.")
@pass_japra
def payments_import(japra: Japra, file: str, cooperative_slug: str, dry_run: bool) -> None:
    """Impor pembayaran dari .csv atau .xlsx: nomor_anggota, tanggal, jumlah, referensi (dan rencana).

    Semua baris dicatat atau tidak satu pun. Bila ada baris yang salah, setiap masalah dicetak
    (baris, kolom, pesan) dan perintah keluar dengan kode 2 tanpa menyimpan apa pun.
    """
    from app.loans import importing
    from app.loans import service as loans
    from kernel.errors import UserError
    from kernel.messages import N_, Message

    day = japra.today()  # the cooperative's calendar day, as on the web
    with japra.session() as session:
        coop = cooperative_by_slug(session, cooperative_slug)
        found = importing.check_payments(session, coop, file, os.path.basename(file), day)
        if found.problems:  # each names its row and column
            raise UserError([Message("payments.refused", N_("Nothing was imported: fix the rows listed below.")),
                             *(problem.message for problem in found.problems)])
        if dry_run:
            click.echo(_t("{n} payments checked, every row in order; nothing was stored (--dry-run).",
                          n=len(found.rows)))
            return
        count = loans.import_payments(session, "cli", coop, found.rows, day)
    click.echo(_t("Payments recorded: {n}.", n=count))
