"""Create or upgrade the schema with Alembic; safe to run any number of times."""

from __future__ import annotations

from pathlib import Path

from agreements.store.database import Database

MIGRATIONS = Path(__file__).parent / "migrations"


def _config(db: Database, connection):
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", db.url.replace("%", "%%"))
    config.attributes["connection"] = connection
    return config


def upgrade(db: Database) -> tuple[str | None, str | None]:
    """Bring the schema to the newest revision; return (before, after)."""
    from alembic import command
    from alembic.runtime.migration import MigrationContext

    with db.engine.begin() as connection:
        before = MigrationContext.configure(connection).get_current_revision()
        command.upgrade(_config(db, connection), "head")
        after = MigrationContext.configure(connection).get_current_revision()
    return before, after
