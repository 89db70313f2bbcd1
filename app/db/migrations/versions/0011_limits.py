"""Bounds on every field; a reversal names its payment by id.

The free-text columns (Text, which has no length) get a CHECK on their length, the same on SQLite and PostgreSQL;
a payment's amount an upper bound; a member number the safe alphabet of its page's address (a CHECK in each
database's own pattern language); and `payment_entry.reverses_id`, the payment a reversal cancels, filled from the
references of the reversals stored so far (a reversal's `reversal_of`, in its cooperative).

Data the new bounds refuse is not cut nor renamed: the upgrade stops before it changes anything and lists what to
correct (table, id, column, and how long or what it is; never the text itself, which may be personal data). Such
values came only through paths the old checks left open (a file's notes of any length, a member number with a
slash, a payment of up to Rp10^15); the demo data and the forms' own bounds until now all fit. A maintainer who
meets the list corrects those rows (a member's new number is the cooperative's to choose) and upgrades again.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-08 02:20:00
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

# The bounds as this revision sets them (kernel.limits at the time): a later change of a bound is a migration of its
# own, so they are written out here rather than imported.
PAYMENT_MAX = 10**12
# (table, its key, column, most characters)
TEXT_BOUNDS = (
    ("cooperative", "id", "description", 5_000),
    ("project", "id", "description", 5_000),
    ("scenario", "id", "description", 5_000),
    ("parcel", "id", "notes", 5_000),
    ("member", "id", "notes", 5_000),
    ("allocation_meeting", "id", "notes", 5_000),
    ("progress_report", "id", "notes", 5_000),
    ("progress_report", "id", "problems", 5_000),
    ("progress_entry", "id", "reason", 5_000),
    ("cost_entry", "id", "note", 5_000),
    ("price_library", "id", "source", 1_000),
    ("publication", "project_id", "story_md", 20_000),
    ("instalment_plan", "id", "change_reason", 500),
    ("unit_allocation", "id", "ended_reason", 500),
    ("payment_entry", "id", "reason", 500),
)
MEMBER_NUMBER = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,31}")
MEMBER_NUMBER_SQL = {
    "postgresql": "number ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$'",
    "sqlite": ("length(number) BETWEEN 1 AND 32 AND number GLOB '[A-Za-z0-9]*' "
               "AND number NOT GLOB '*[^A-Za-z0-9._-]*'"),
}
SHOWN = 30  # offending values listed; the rest are counted


def _check_name(table: str, column: str) -> str:
    return f"ck_{table}_{column}_length"


def _what_breaks_the_bounds(bind: sa.engine.Connection) -> list[str]:
    found: list[str] = []
    for table, key, column, limit in TEXT_BOUNDS:
        t = sa.table(table, sa.column(key), sa.column(column))
        length = sa.func.length(t.c[column])
        rows = bind.execute(sa.select(t.c[key], length).where(length > limit).order_by(t.c[key]))
        found += [f"{table} {key}={k}: {column} has {n} characters, at most {limit}" for k, n in rows]
    rows = bind.execute(sa.text("SELECT id, amount FROM payment_entry WHERE amount > :high ORDER BY id"),
                        {"high": PAYMENT_MAX})
    found += [f"payment_entry id={k}: amount {a} is above {PAYMENT_MAX}" for k, a in rows]
    for k, number in bind.execute(sa.text("SELECT id, number FROM member ORDER BY id")):
        if MEMBER_NUMBER.fullmatch(number or "") is None:
            # A member number is no personal data (the audit trail keeps it); it is shown so it can be found.
            found.append(f"member id={k}: number {number!r} is not 1 to 32 letters, digits, dots, dashes or "
                         "underscores starting with a letter or a digit")
    return found


def upgrade() -> None:
    bind = op.get_bind()
    found = _what_breaks_the_bounds(bind)
    if found:
        from app.errors import Conflict

        listed = "; ".join(found[:SHOWN]) + (f"; and {len(found) - SHOWN} more" if len(found) > SHOWN else "")
        raise Conflict("The database holds values the new bounds refuse; nothing was changed. Correct them, then "
                       "upgrade again: {values}", values=listed)

    with op.batch_alter_table("payment_entry", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reverses_id", sa.Integer(), nullable=True))
    # Each reversal stored so far named its payment by reference, unique in the cooperative.
    op.execute("UPDATE payment_entry SET reverses_id = (SELECT p.id FROM payment_entry p "
               "WHERE p.cooperative_id = payment_entry.cooperative_id AND p.reference = payment_entry.reversal_of) "
               "WHERE reversal_of IS NOT NULL")
    with op.batch_alter_table("payment_entry", schema=None) as batch_op:
        batch_op.create_foreign_key(batch_op.f("fk_payment_entry_reverses_id_payment_entry"), "payment_entry",
                                    ["reverses_id"], ["id"], ondelete="RESTRICT")
        batch_op.create_unique_constraint(batch_op.f("uq_payment_entry_reverses_id"), ["reverses_id"])
        batch_op.drop_constraint(batch_op.f("ck_payment_entry_amount"), type_="check")
        batch_op.create_check_constraint(batch_op.f("ck_payment_entry_amount"),
                                         f"amount > 0 AND amount <= {PAYMENT_MAX}")

    tables: dict[str, list[tuple[str, int]]] = {}
    for table, _key, column, limit in TEXT_BOUNDS:
        tables.setdefault(table, []).append((column, limit))
    for table, columns in tables.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column, limit in columns:
                batch_op.create_check_constraint(batch_op.f(_check_name(table, column)),
                                                 f"length({column}) <= {limit}")

    with op.batch_alter_table("member", schema=None) as batch_op:
        batch_op.create_check_constraint(batch_op.f("ck_member_number"), MEMBER_NUMBER_SQL[bind.dialect.name])


def downgrade() -> None:
    with op.batch_alter_table("member", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_member_number"), type_="check")

    tables: dict[str, list[str]] = {}
    for table, _key, column, _limit in TEXT_BOUNDS:
        tables.setdefault(table, []).append(column)
    for table, columns in tables.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in columns:
                batch_op.drop_constraint(batch_op.f(_check_name(table, column)), type_="check")

    with op.batch_alter_table("payment_entry", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_payment_entry_amount"), type_="check")
        batch_op.create_check_constraint(batch_op.f("ck_payment_entry_amount"), "amount > 0")
        batch_op.drop_constraint(batch_op.f("uq_payment_entry_reverses_id"), type_="unique")
        batch_op.drop_constraint(batch_op.f("fk_payment_entry_reverses_id_payment_entry"), type_="foreignkey")
        batch_op.drop_column("reverses_id")
