"""Where the database lives and who is acting: resolved from options and environment."""

from __future__ import annotations

import os
from pathlib import Path

DB_ENV = "AGREEMENTS_DB"
USER_ENV = "AGREEMENTS_USER"


def default_db_path() -> Path:
    """The embedded SQLite file in the user's data directory."""
    from platformdirs import user_data_dir

    return Path(user_data_dir("agreements", appauthor=False)) / "agreements.db"


def resolve_db_url(option: str | None) -> str:
    """``--db`` wins, then ``AGREEMENTS_DB``, then the default SQLite file.

    A plain path (no ``://``) means a SQLite file.
    """
    value = option or os.environ.get(DB_ENV) or str(default_db_path())
    if "://" in value:
        return value
    return "sqlite:///" + str(Path(value).expanduser().absolute())


def stated_actor(option: str | None) -> str | None:
    """The name given with ``--as``, else ``$AGREEMENTS_USER``; None when neither
    (who may act under a given name is ``agreements.writes.identity``'s rule)."""
    return option or os.environ.get(USER_ENV) or None
