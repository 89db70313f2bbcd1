"""`japra allocate`: the allocation meeting's engine on a file, for a rehearsal or a check. Stores nothing."""

from __future__ import annotations

import click

from app.cli_support import _t, echo_json, locale
from app.cli_support import command as japra_command


@japra_command("allocate")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--method", required=True, type=click.Choice(["priority", "lottery", "optimal"]),
              help="priority (aturan prioritas), lottery (undian) atau optimal.")
@click.option("--seed", default=None, help="Benih undian yang dibacakan di rapat (wajib untuk setiap metode).")
@click.option("--json", "as_json", is_flag=True, help="Keluaran JSON.")
def allocate_command(file: str, method: str, seed: str | None, as_json: bool) -> None:
    """Bagi unit kepada anggota dari berkas JSON (format: allocation/README.md). Tidak menyimpan apa pun."""
    from pathlib import Path

    from allocation.engine import allocate as run_allocation
    from allocation.errors import AllocationError
    from allocation.fileformat import read, result_data
    from app.i18n import render_message

    lang = locale()
    try:
        meeting = read(Path(file).read_bytes())
        result = run_allocation(meeting.members, meeting.units, meeting.preferences, method=method, seed=seed,
                                rules=meeting.rules, published_hash=meeting.published_hash, kept=meeting.kept)
    except AllocationError as exc:
        if as_json:  # a script reads the refusal's codes on stdout; people read the messages on stderr
            echo_json({"errors": [{"code": m.code, "message": render_message(m, lang)} for m in exc.messages]})
        raise
    out = result_data(result, seed=seed, render=lambda m: render_message(m, lang))
    if as_json:
        echo_json(out)
        return
    click.echo(_t("Method {method}; seed hash {hash}.", method=method, hash=out["seed_hash"]))
    for line in out["steps"]:
        click.echo(f"  {line}")
    for line in out["notes"]:
        click.echo(f"  * {line}")
    click.echo(_t("{housed} of {members} members housed; total rank {total}; {unused} unit(s) left.",
                  housed=len(out["allocations"]) - len(out["unassigned"]), members=len(out["allocations"]),
                  total=out["total_rank"], unused=len(out["unused_units"])))
