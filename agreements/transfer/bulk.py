"""What keeps loading a large archive fast: the cyclic garbage collector
paused while parsing and importing, the SQLite search index filled once at
the end instead of per row, and plain scratch copies of agreement rows to
replay events on."""

from __future__ import annotations

import gc
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

from sqlalchemy.orm import Session

from agreements.store.tables import Agreement


@contextmanager
def no_cyclic_gc() -> Iterator[None]:
    """Parsing and importing an archive allocates millions of small objects
    and no reference cycles to speak of: the cyclic collector would walk the
    growing heap again and again for nothing. Reference counting still frees
    everything; the collector runs again afterwards."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


_TRIGGER_BODY = re.compile(
    r"^CREATE TRIGGER (\w+) AFTER INSERT ON events BEGIN (INSERT INTO \w+\(rowid, [\w, ]+\)) VALUES \((new\.id, .*)\); END$",
    re.S,
)


class DeferredSearchIndex:
    """SQLite: index the imported events for full-text search in one statement
    per index at the end of the import, not one trigger run per row (ten
    times quicker). The per-row triggers of migration 0003 are dropped inside
    the import's transaction and created again, from their own text, before
    it commits; a failed import rolls all of it back. The bulk statement is
    derived from each trigger's own INSERT, so the indexed text is the same.
    """

    def __init__(self, session: Session) -> None:
        self.session = session
        self.triggers: list[tuple[str, str, str]] = []
        connection = session.connection()
        # make sure a transaction is open (pysqlite begins one before DML
        # only): the DROP TRIGGER below must roll back with the import
        connection.exec_driver_sql("UPDATE agreements SET id = id WHERE 0 = 1")
        dbapi = connection.connection.dbapi_connection
        if dbapi is None:  # cannot be: the statement above has just run on it
            raise RuntimeError("the import's database connection was released")
        if not dbapi.in_transaction:
            return
        rows = connection.exec_driver_sql(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'events' ORDER BY name"
        ).all()
        for name, sql in rows:
            match = _TRIGGER_BODY.match(sql or "")
            if match and match.group(1) == name:
                bulk = f"{match.group(2)} SELECT {match.group(3)} FROM events AS new WHERE new.id > ?"
                self.triggers.append((name, sql, bulk))
        self.before = connection.exec_driver_sql("SELECT coalesce(max(id), 0) FROM events").scalar()
        for name, _sql, _bulk in self.triggers:
            connection.exec_driver_sql(f"DROP TRIGGER {name}")

    def finish(self) -> None:
        """Index the events inserted since, and put the triggers back."""
        connection = self.session.connection()
        for _name, sql, bulk in self.triggers:
            connection.exec_driver_sql(bulk, (self.before,))
            connection.exec_driver_sql(sql)
        self.triggers = []


_AGREEMENT_COLUMNS = tuple(c.key for c in Agreement.__mapper__.column_attrs if c.key != "version")


class Scratch:
    """A plain copy of an agreement row to replay imported events on.

    Attribute writes on an ORM row are instrumented and cost microseconds
    each; an import makes millions of them. The rules run on this copy and
    only the columns that changed are written back to the row, once.
    """

    # every column is copied (set through __dict__ below); these are the ones
    # append_event reads and changes (agreements.writes.apply.Appendable)
    id: int
    code: str
    title_az: str
    title_en: str
    officer: str | None
    stage: str
    stage_since: date | None
    stage_since_precision: str
    suspended_from: str | None
    awaiting: str | None
    signed_on: date | None
    in_force_on: date | None
    event_count: int
    last_substantive_on: date | None
    last_hash: str | None

    def __init__(self, row: Agreement) -> None:
        self._names = _AGREEMENT_COLUMNS
        self._before = {name: getattr(row, name) for name in self._names}
        self.__dict__.update(self._before)

    def write_back(self, row: Agreement) -> None:
        """Set on ``row`` the columns the replayed events changed."""
        for name in self._names:
            value = self.__dict__[name]
            if value != self._before[name]:
                setattr(row, name, value)
