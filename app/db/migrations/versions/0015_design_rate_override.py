"""A scenario's rate per m² follows its building type unless the planner overrides it.

`scenario.rate_is_override` says which. Rows stored so far are marked as overrides where their rate is not their
building type's rate as it stands in `costing.estimate.PARAMETRIC_RATES` (copied below): the rate they print is then
named an override, as it is one, instead of passing for the type's.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-08 03:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

# The building types' rates when this revision was written; a later change of a rate is no change of the schema.
RATES = {"rusun_4_lantai": 7_500_000, "rusun_5_8_lantai": 8_500_000, "rusun_lift": 10_000_000}


def upgrade() -> None:
    with op.batch_alter_table("scenario", schema=None) as batch_op:
        batch_op.add_column(sa.Column("rate_is_override", sa.Boolean(), nullable=False, server_default=sa.false()))
    scenario = sa.table("scenario", sa.column("building_type", sa.String), sa.column("rate_per_m2", sa.BigInteger),
                        sa.column("rate_is_override", sa.Boolean))
    for building_type, rate in RATES.items():
        op.execute(scenario.update()
                   .where(scenario.c.building_type == building_type, scenario.c.rate_per_m2.is_not(None),
                          scenario.c.rate_per_m2 != rate)
                   .values(rate_is_override=True))
    # A type no longer listed has no rate of its own to follow: its stored rate is the planner's.
    op.execute(scenario.update()
               .where(scenario.c.building_type.not_in(list(RATES)), scenario.c.rate_per_m2.is_not(None))
               .values(rate_is_override=True))


def downgrade() -> None:
    with op.batch_alter_table("scenario", schema=None) as batch_op:
        batch_op.drop_column("rate_is_override")
