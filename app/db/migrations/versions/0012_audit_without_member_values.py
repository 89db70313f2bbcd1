"""The audit trail forgets the values of members' personal fields it recorded before (household size, age,
disability, needs, dates): from now on it records only that such a field changed, and so it says of the past.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-08 02:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

# As app.members.service.VALUE_AUDITED at this revision; a migration keeps its own copy, never imports the app's.
VALUE_AUDITED = {"number"}
_audit = sa.table("audit_entry", sa.column("id", sa.Integer), sa.column("action", sa.String),
                  sa.column("changes", sa.JSON))


def upgrade() -> None:
    bind = op.get_bind()
    rows = bind.execute(sa.select(_audit.c.id, _audit.c.changes)
                        .where(_audit.c.action.in_(("member.create", "member.update")))).all()
    for entry_id, changes in rows:
        scrubbed = {key: value if key in VALUE_AUDITED else "changed" for key, value in (changes or {}).items()}
        if scrubbed != changes:
            bind.execute(_audit.update().where(_audit.c.id == entry_id).values(changes=scrubbed))


def downgrade() -> None:
    pass  # what was forgotten stays forgotten
