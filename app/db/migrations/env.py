from __future__ import annotations

from alembic import context

import app.models  # noqa: F401  (registers every table on the metadata)
from app.db.base import Base
from app.db.engine import get_engine
from app.db.migrate import compare_type, include_name

config = context.config
engine = get_engine(config.attributes.get("database_url"))

with engine.connect() as connection:
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        # Batch mode rebuilds a table (copy, drop, rename), and dropping one whose rows other tables reference fails
        # on their RESTRICT keys. SQLite's own recipe for such a change: the keys off outside the transaction (the
        # pragma does nothing inside one), every key checked before the commit, and on again after.
        connection.connection.dbapi_connection.execute("PRAGMA foreign_keys=OFF")
    try:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            # SQLite cannot ALTER most things; batch mode rebuilds tables, and is a no-op on PostgreSQL.
            render_as_batch=sqlite,
            compare_type=compare_type,
            include_name=include_name,
        )
        with context.begin_transaction():
            context.run_migrations()
            broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall() if sqlite else []
            if broken:
                raise RuntimeError(f"the migration left rows referring to nothing (table, row, parent): {broken[:10]}")
        connection.commit()
    finally:
        if sqlite:
            connection.connection.dbapi_connection.execute("PRAGMA foreign_keys=ON")
