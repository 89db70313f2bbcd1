"""`japra`: the command line for set-up, bulk jobs and scripts. Help is in Bahasa Indonesia.

This is the root group and the one error boundary; each context registers its own commands in
`app/<context>/cli.py`, and `app/cli_support.py` has what they share.
"""

from __future__ import annotations

from typing import Any

import click

from app import cli_support
from app.auth.cli import token, user
from app.config import SettingsError
from app.construction.cli import progress
from app.cooperatives.cli import cooperatives
from app.db.cli import backup, db, demo, restore, serve
from app.designs.cli import cost, proposal
from app.loans.cli import arrears, payments, schedule_command, statement
from app.meetings.cli import allocate_command
from app.parcels.cli import parcels
from app.projects.cli import projects
from app.storage import keep_private
from kernel.errors import UserError


class Root(cli_support.Group):
    """The root group: every refusal of every command is answered here, once."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (UserError, SettingsError) as exc:
            cli_support.report(ctx, exc)
        except OSError as exc:
            if cli_support.is_broken_pipe(exc):
                raise
            cli_support.report(ctx, exc)


@click.group(cls=Root, context_settings={"help_option_names": ["-h", "--help"]})
@click.pass_context
def main(ctx: click.Context) -> None:
    """Japra: perencanaan, biaya, alokasi dan pembangunan kampung susun koperasi.

    Pengaturan lewat variabel lingkungan JAPRA_DATABASE_URL, JAPRA_HOST, JAPRA_PORT (lihat README).
    """
    keep_private()  # backups, exports and a new database are the operator's alone
    ctx.ensure_object(cli_support.Japra)


for _command in (serve, db, demo, user, token, cooperatives, projects, parcels, cost, proposal, schedule_command,
                 allocate_command, arrears, statement, payments, backup, restore, progress):
    main.add_command(_command)


if __name__ == "__main__":
    main()
