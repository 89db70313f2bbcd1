from __future__ import annotations

from alembic import context

import app.models  # noqa: F401  (registers every table on the metadata)
from app.db.base import Base
from app.db.engine import get_engine
from app.db.migrate import compare_type, include_name

config = context.config
engine = get_engine(config.attributes.get("database_url"))

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        # SQLite cannot ALTER most things; batch mode rebuilds tables, and is a no-op on PostgreSQL.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=compare_type,
        include_name=include_name,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
