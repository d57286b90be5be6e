"""Alembic environment: runs on the connection handed over by ``agreements init``.

The revisions under versions/ import nothing from the application (each one
carries a frozen copy of what it needs). This file alone does, for two things
that are not what any revision does to a database: the ORM metadata, which
only ``alembic revision --autogenerate`` / ``alembic check`` compare against,
and the engine of the alembic command line (when no connection is handed over).
"""

from __future__ import annotations

from alembic import context

from agreements.store.tables import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # pragma: no cover - only via the alembic command line
    from agreements.store.database import make_engine

    connection = make_engine(config.get_main_option("sqlalchemy.url")).connect()

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
