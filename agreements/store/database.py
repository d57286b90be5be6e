"""Engines and sessions, created lazily from a URL; nothing connects at import."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import cast

from sqlalchemy import CursorResult, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql.dml import UpdateBase

from agreements.errors import NotInitialised

SQLITE_BUSY_TIMEOUT_MS = 10_000


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


class Database:
    """One database: its URL, a lazily built engine and a session factory."""

    def __init__(self, url: str, allow_create: bool = False):
        self.url = url
        self.allow_create = allow_create
        self._engine: Engine | None = None
        self._sessions: sessionmaker[Session] | None = None

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            parsed = make_url(self.url)
            if (
                not self.allow_create
                and parsed.get_backend_name() == "sqlite"
                and parsed.database not in (None, "", ":memory:")
                and not Path(parsed.database).exists()
            ):
                raise NotInitialised(self.display_url)
            self._engine = make_engine(self.url)
        return self._engine

    @property
    def display_url(self) -> str:
        return make_url(self.url).render_as_string(hide_password=True)

    @property
    def is_sqlite(self) -> bool:
        return make_url(self.url).get_backend_name() == "sqlite"

    def sessions(self) -> sessionmaker[Session]:
        if self._sessions is None:
            self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        return self._sessions

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self.sessions()() as session:
            yield session

    @contextmanager
    def snapshot(self) -> Iterator[Session]:
        """A session for reading only, whose every query sees the database as
        it was at its first: one REPEATABLE READ transaction on PostgreSQL, one
        read transaction on SQLite (whose driver otherwise reads each SELECT
        outside a transaction, so two queries could straddle a commit)."""
        with self.sessions()() as session:
            if self.is_sqlite:
                session.connection().exec_driver_sql("BEGIN")
            else:
                session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
            yield session

    def dispose(self) -> None:
        if self._engine is not None:
            self._engine.dispose()


def rows_changed(session: Session, statement: UpdateBase) -> int:
    """Run an UPDATE or DELETE as a guarded compare-and-set (the session's
    objects are left as they are); how many rows it changed."""
    result = session.execute(statement.execution_options(synchronize_session=False))
    return cast(CursorResult, result).rowcount
