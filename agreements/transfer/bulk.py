"""What keeps loading a large archive fast: the cyclic garbage collector
paused while parsing and importing, the SQLite search index filled once at
the end instead of per row, plain scratch copies of agreement rows to
replay events on, and on SQLite the event rows inserted through the driver."""

from __future__ import annotations

import gc
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from operator import itemgetter
from typing import Any

from sqlalchemy import Date, Dialect, Table, insert
from sqlalchemy.orm import Session

from agreements.store.tables import Agreement, UTCDateTime


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
    stage_since_from: date | None
    stage_since_form: str | None
    voided: bool
    revised: bool
    awaiting_on: date | None
    suspended_from: str | None
    awaiting: str | None
    signed_on: date | None
    in_force_on: date | None
    event_count: int
    last_substantive_on: date | None
    last_hash: str | None
    entry_rule: str | None
    kind: str
    # the counterparts, which a party's act is checked against (not a column)
    party_codes: list[str]

    def __init__(self, row: Agreement) -> None:
        self._names = _AGREEMENT_COLUMNS
        self._before = {name: getattr(row, name) for name in self._names}
        self.__dict__.update(self._before)
        self.party_codes = row.party_codes

    def write_back(self, row: Agreement) -> None:
        """Set on ``row`` the columns the replayed events changed."""
        for name in self._names:
            value = self.__dict__[name]
            if value != self._before[name]:
                setattr(row, name, value)


_Plan = tuple[str, list[tuple[str, Callable[[Any], Any]]], Callable[[dict[str, Any]], Any]]


class EventInserts:
    """Inserts an import's event rows (dicts of column values) in batches.

    On SQLite the rows go to the driver as tuples (``exec_driver_sql``, in the
    session's transaction): SQLAlchemy's per-row parameter handling (a dict
    and a type's processor per value) cost more than the inserts themselves
    on a million events. The values are converted as their column types bind
    them (tests/application/test_transfer_speed_paths.py compares the stored
    rows of both paths). Elsewhere, or when a column the rows leave out has a
    Python default, through the ``insert`` statement.
    """

    def __init__(self, session: Session, table: Table, direct: bool) -> None:
        self.session, self.table, self.direct = session, table, direct
        self._plan: _Plan | None = None

    def insert(self, rows: list[dict[str, Any]]) -> None:
        """Insert ``rows`` (all with the same keys; their values may be
        replaced by the bound ones)."""
        if not rows:
            return
        if self.direct and self._plan is None:
            self._plan = _direct_plan(self.table, list(rows[0]), self.session.connection().dialect)
            self.direct = self._plan is not None
        if self._plan is None or not self.direct:
            self.session.execute(insert(self.table), rows)
            return
        statement, converters, values = self._plan
        for row in rows:
            for key, convert in converters:
                row[key] = convert(row[key])
        self.session.connection().exec_driver_sql(statement, list(map(values, rows)))


def _direct_plan(table: Table, keys: list[str], dialect: Dialect) -> _Plan | None:
    """The positional INSERT of ``keys``, each key's conversion to its bound
    value, and what makes a row's tuple; None when the rows leave out a
    column that SQLAlchemy would fill in, or not on SQLite."""
    if dialect.name != "sqlite":
        return None
    if any(c.key not in keys and (c.default is not None or c.onupdate is not None) for c in table.c):
        return None
    compiled = insert(table).compile(dialect=dialect, column_keys=keys)
    if compiled.positiontup is None:
        return None
    order = list(compiled.positiontup)
    converters = [(key, convert) for key in order if (convert := _bound(table.c[key].type, dialect)) is not None]
    return compiled.string, converters, itemgetter(*order) if len(order) > 1 else lambda row: (row[order[0]],)


_PROBE_MOMENT = datetime(2001, 2, 3, 4, 5, 6, 7, tzinfo=UTC)
_PROBE_DAY = date(987, 6, 5)


def _bound(kind: Any, dialect: Dialect) -> Callable[[Any], Any] | None:
    """A column type's bind conversion: the type's own processor, or for UTC
    timestamps and days (the converted columns of an event) a quicker
    equivalent, used when it binds a probe value as the processor does."""
    process = kind.dialect_impl(dialect).bind_processor(dialect)
    if process is None:
        return None
    if isinstance(kind, UTCDateTime):
        quick: Callable[[Any], Any] = _StoredUtc(process)
        probe: date = _PROBE_MOMENT
    elif type(kind) is Date:
        quick, probe = _stored_day(process), _PROBE_DAY
    else:
        return process
    return quick if quick(probe) == process(probe) and quick(None) == process(None) else process


def _stored_day(process: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """A day as SQLite's Date binds it: ISO text (the processor for anything else)."""
    return lambda value: value if value is None else value.isoformat() if type(value) is date else process(value)


class _StoredUtc:
    """A UTC timestamp as ``UTCDateTime`` binds it on SQLite (naive UTC text
    with microseconds); the last one is kept, as an import records the same
    moment (one object) on every event."""

    def __init__(self, process: Callable[[Any], Any]) -> None:
        self.process = process
        self.last: tuple[datetime | None, str | None] = (None, None)

    def __call__(self, moment: datetime | None) -> str | None:
        if moment is None:
            return None
        if self.last[0] is moment:
            return self.last[1]
        if type(moment) is not datetime or moment.tzinfo is None:
            return self.process(moment)  # the type's own handling (and refusal of a naive one)
        text = moment.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")
        self.last = (moment, text)
        return text
