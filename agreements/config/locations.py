"""Where the database lives and who is acting: resolved from options and environment."""

from __future__ import annotations

import os
import re
from pathlib import Path

from agreements.errors import DomainError

DB_ENV = "AGREEMENTS_DB"
USER_ENV = "AGREEMENTS_USER"
#: the database URLs the tracker runs on: (backend, driver) as SQLAlchemy names them
SUPPORTED = {("sqlite", ""), ("sqlite", "pysqlite"), ("postgresql", ""), ("postgresql", "psycopg")}
SUPPORTED_TEXT = "a SQLite file (a path, or sqlite:///PATH) or PostgreSQL (postgresql+psycopg://user@host/dbname)"
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9.+-]*)://")


class UnsupportedDatabase(DomainError):
    """A database URL of a kind the tracker does not run on: a usage error (exit 2)."""

    exit_code = 2


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
        check_supported(value, "--db" if option else f"${DB_ENV}")
        return value
    return "sqlite:///" + str(Path(value).expanduser().absolute())


def check_supported(url: str, named: str = "the database URL") -> None:
    """Refuse, in one line naming the supported ones, a URL the tracker cannot
    run on (``mysql://...``), before any driver is imported. Only the scheme
    is shown: the rest of a URL may hold a password."""
    match = _SCHEME.match(url)
    scheme = match.group(1).lower() if match else url.partition("://")[0]
    backend, _plus, driver = scheme.partition("+")
    if (backend, driver) not in SUPPORTED:
        raise UnsupportedDatabase(
            f"unsupported database {scheme[:40]!r} (from {named}): the tracker runs on {SUPPORTED_TEXT}"
        )


def stated_actor(option: str | None) -> str | None:
    """The name given with ``--as``, else ``$AGREEMENTS_USER``; None when neither
    (who may act under a given name is ``agreements.writes.identity``'s rule)."""
    return option or os.environ.get(USER_ENV) or None
