"""What many tests share: clocks they control, a real SMTP server, the
command line's outcomes (ok, refused) and snapshots of the whole database."""

from __future__ import annotations

import asyncio
import email
import os
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time
from email import policy
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import create_engine, inspect, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from agreements.clock import DEFAULT_TIMEZONE, Clock
from agreements.config.file import load_config
from agreements.config.settings import Config
from agreements.store.database import Database
from agreements.store.tables import Agreement, Event
from workflows.chronology import DAY, UNKNOWN
from workflows.events import SUBSTANTIVE_KINDS
from workflows.stall import clock_start
from workflows.stall_summary import SUMMARY_COLUMNS


def clock_at(moment: date | datetime, zone: str = DEFAULT_TIMEZONE) -> Clock:
    """A clock stopped at ``moment``; a bare day means noon of that day in ``zone``."""
    if not isinstance(moment, datetime):
        moment = datetime.combine(moment, time(12), ZoneInfo(zone))
    fixed = moment.astimezone(UTC)
    return Clock(zone, lambda: fixed)


class MovableClock:
    """A time source a test moves by hand (for the scheduler's runs)."""

    def __init__(self, moment: datetime):
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment


# --------------------------------------------------------------------------- a real SMTP server


class Sink:
    """aiosmtpd handler that keeps what it accepts; refuses addresses listed in ``refuse``."""

    def __init__(self):
        self.envelopes = []
        self.refuse: set[str] = set()
        self.delay = 0.0  # seconds to wait before accepting a message

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 no such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    def messages(self):
        return [email.message_from_bytes(e.content, policy=policy.default) for e in self.envelopes]

    def by_recipient(self):
        return {e.rcpt_tos[0]: e for e in self.envelopes}


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A real aiosmtpd server on 127.0.0.1 (``start()``/``stop()``, or ``with``).

    ``handler`` is the aiosmtpd handler (default: a :class:`Sink`);
    ``authenticator`` makes the server require AUTH; ``controller`` lets a
    test use its own aiosmtpd Controller subclass (e.g. counting connections).
    """

    def __init__(self, port: int | None = None, handler=None, *, authenticator=None, controller=Controller):
        self.port = port or free_port()
        self.sink = handler if handler is not None else Sink()
        self.authenticator = authenticator
        self.controller_class = controller
        self.controller = None

    def start(self) -> Server:
        auth = (
            {}
            if self.authenticator is None
            else {
                "authenticator": self.authenticator,
                "auth_required": True,
                "auth_require_tls": False,
            }
        )
        self.controller = self.controller_class(self.sink, hostname="127.0.0.1", port=self.port, **auth)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def smtp_config_file(tmp_path: Path, port: int, extra: str = "", *, timeout: int = 5) -> Path:
    """A configuration file (config.toml in ``tmp_path``) sending through 127.0.0.1:``port``."""
    path = tmp_path / "config.toml"
    path.write_text(
        "[smtp]\n"
        'host = "127.0.0.1"\n'
        f"port = {port}\n"
        'security = "plain"\n'
        'from = "Sazişlər izləmə sistemi <digest@migration.gov.az>"\n'
        f"timeout = {timeout}\n" + extra,
        encoding="utf-8",
    )
    return path


def smtp_config(tmp_path: Path, port: int, extra: str = "") -> Config:
    """:func:`smtp_config_file`, loaded."""
    return load_config(str(smtp_config_file(tmp_path, port, extra)))


# --------------------------------------------------------------------------- the command line's outcomes


def ok(result: tuple[int, str, str]) -> str:
    """A command that succeeded: exit 0, nothing on stderr, no traceback; its stdout."""
    code, out, err = result
    assert code == 0, f"exit {code}; stderr: {err!r}"
    assert err == "", err
    assert "Traceback" not in out
    return out


def refused(result: tuple[int, str, str], *fragments: str, exit_code: int = 1) -> str:
    """A command refused in one ``Error:`` line naming what is wrong (each of
    ``fragments``), with ``exit_code`` and no traceback; that line."""
    code, out, err = result
    assert code == exit_code, f"exit {code} (wanted {exit_code}); stderr: {err!r}; stdout: {out!r}"
    assert "Traceback" not in err and "Traceback" not in out
    lines = err.splitlines()
    assert len(lines) == 1, f"wanted exactly one line on stderr, got {lines!r}"
    assert err.endswith("\n")
    line = lines[0]
    assert line.startswith("Error: "), line
    for fragment in fragments:
        assert fragment in line, f"{fragment!r} not in {line!r}"
    return line


# --------------------------------------------------------------------------- the whole database


class DatabaseRows:
    """Every row of every table, for before/after comparisons (the table
    queries are worked out once: property tests take thousands)."""

    def __init__(self, db: Database):
        self.db = db
        self._tables: list[tuple[str, str]] | None = None

    def _queries(self, connection) -> list[tuple[str, str]]:
        if self._tables is None:
            inspector = inspect(connection)
            quote = connection.dialect.identifier_preparer.quote
            tables = []
            for name in sorted(inspector.get_table_names()):
                key = inspector.get_pk_constraint(name).get("constrained_columns") or []
                order = f" ORDER BY {', '.join(quote(c) for c in key)}" if key else ""
                tables.append((name, f"SELECT * FROM {quote(name)}{order}"))
            assert any(name == "events" for name, _ in tables), tables
            self._tables = tables
        return self._tables

    def take(self) -> dict[str, list]:
        with self.db.engine.connect() as connection:
            state = {}
            for name, sql in self._queries(connection):
                rows = [tuple(r) for r in connection.execute(text(sql))]
                state[name] = rows if " ORDER BY " in sql else sorted(rows, key=repr)
            return state


def database_rows(db: Database) -> dict[str, list]:
    """Every row of every table of ``db`` now."""
    return DatabaseRows(db).take()


# --------------------------------------------------------------------------- where things are

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "data" / "seed_history.json"
PG_URL_ENV = "AGREEMENTS_TEST_PG_URL"
REQUIRE_PG_ENV = "AGREEMENTS_REQUIRE_PG"
TODAY = date(2026, 11, 25)


def pg_url() -> str | None:
    """The PostgreSQL server the tests may use ($AGREEMENTS_TEST_PG_URL), if any."""
    return os.environ.get(PG_URL_ENV)


@contextmanager
def pg_schema(url: str) -> Iterator[str]:
    """A fresh, empty PostgreSQL schema owned by the login :data:`PG_OWNER`
    (as `docs/deployment.md` makes the tracker's owner: LOGIN CREATEROLE,
    no superuser); yields a URL that connects as that login, whose
    search_path is the schema."""
    schema = "t_" + uuid.uuid4().hex[:12]
    admin = create_engine(url, poolclass=NullPool)
    try:
        with admin.begin() as conn:
            conn.execute(text(_CREATE_OWNER))
            conn.execute(text(f"CREATE SCHEMA {schema} AUTHORIZATION {PG_OWNER}"))
    except Exception as exc:
        admin.dispose()
        if os.environ.get(REQUIRE_PG_ENV):
            pytest.fail(f"PostgreSQL at {url} is required ({REQUIRE_PG_ENV}=1) but unusable: {exc}")
        pytest.skip(f"PostgreSQL at {url} is not reachable: {exc}")
    sep = "&" if "?" in url else "?"
    owner_url = make_url(url).set(username=PG_OWNER).render_as_string(hide_password=False)
    try:
        yield f"{owner_url}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


# the login that owns each test's schema, the tracker's administrator there;
# named as the tests' SQLite OS login, so that a history records the same actor
PG_OWNER = "tester"
_CREATE_OWNER = f"""
DO $$ BEGIN
  CREATE ROLE {PG_OWNER} LOGIN CREATEROLE;
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
END $$
"""


def trigger_names(db: Database) -> list[str]:
    """The names of the triggers in the test's database (either backend)."""
    sql = (
        "SELECT name FROM sqlite_master WHERE type = 'trigger'"
        if db.is_sqlite
        else "SELECT t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
        "WHERE NOT t.tgisinternal AND c.relnamespace = current_schema()::regnamespace"
    )
    with db.engine.connect() as connection:
        return sorted(r[0] for r in connection.exec_driver_sql(sql))


def column_names(connection, table: str) -> set[str]:
    from sqlalchemy import inspect

    return {c["name"] for c in inspect(connection).get_columns(table)}


# --------------------------------------------------------------------------- the summary columns' oracle


def replayed(session, agreement: Agreement) -> dict:
    """The summaries computed the slow way, from the stored events."""
    events = list(session.scalars(select(Event).where(Event.agreement_id == agreement.id).order_by(Event.seq)))
    dated = [e for e in events if e.occurred_on is not None and e.date_precision != UNKNOWN]
    substantive = [e for e in dated if e.date_precision == DAY and e.kind in SUBSTANTIVE_KINDS]
    acks = [e for e in dated if e.kind == "ack"]
    flags = [e for e in dated if e.kind == "flag"]
    days = [e.occurred_on for e in substantive] + [e.occurred_until for e in substantive if e.occurred_until]
    return {
        "last_event_on": max((e.occurred_on for e in dated), default=None),
        "undated_events": len(events) - len(dated),
        "last_substantive_on": max(days, default=None),
        "clock_since": clock_start(dated),
        "ack_until": acks[-1].occurred_until if acks else None,
        "ack_note": acks[-1].note if acks else None,
        "ack_max_until": max((e.occurred_until for e in acks), default=None),
        "last_flag": flags[-1].outcome if flags else None,
    }


def stored(agreement: Agreement) -> dict:
    return {c: getattr(agreement, c) for c in SUMMARY_COLUMNS}


def assert_summaries_match(db) -> int:
    with db.read() as session:
        agreements = list(session.scalars(select(Agreement).order_by(Agreement.code)))
        for agreement in agreements:
            assert stored(agreement) == replayed(session, agreement), agreement.code
    return len(agreements)


# --------------------------------------------------------------------------- an attacker with write access


@contextmanager
def as_attacker(db: Database) -> Iterator:
    """A connection (one transaction) with the rules the database enforces
    lifted, as someone who can write the SQLite file, or a PostgreSQL
    superuser, can: every trigger dropped (SQLite) or disabled (PostgreSQL,
    ``ALTER TABLE ... DISABLE TRIGGER ALL``), and restored before it commits."""
    if db.is_sqlite:
        with db.engine.begin() as connection:
            triggers = connection.exec_driver_sql("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'").all()
            for name, _sql in triggers:
                connection.exec_driver_sql(f"DROP TRIGGER {name}")
            yield connection
            for _name, sql in triggers:
                connection.exec_driver_sql(sql)
        return
    superuser = make_url(pg_url() or "")
    url = make_url(db.url).set(username=superuser.username, password=superuser.password)
    engine = create_engine(url, poolclass=NullPool)
    tables = ("events", "agreements", "agreement_parties")
    try:
        with engine.begin() as connection:
            for table in tables:
                connection.exec_driver_sql(f"ALTER TABLE {table} DISABLE TRIGGER ALL")
            yield connection
            for table in tables:
                connection.exec_driver_sql(f"ALTER TABLE {table} ENABLE TRIGGER ALL")
    finally:
        engine.dispose()


def rehash_chain(connection, code: str) -> str | None:
    """Recompute every hash of ``code``'s chain as it now stands (an
    attacker's edits included) and set the row's head: a rewritten chain
    that is consistent again. The new head."""
    from agreements.store.hash_chain import event_hash

    events = Event.__table__
    agreement_id = connection.execute(select(Agreement.id).where(Agreement.code == code)).scalar_one()
    history = connection.execute(select(events).where(events.c.agreement_id == agreement_id).order_by(events.c.seq))
    previous = None
    for row in history.mappings().all():
        digest = event_hash(code, previous, row)
        connection.execute(events.update().where(events.c.id == row["id"]).values(prev_hash=previous, hash=digest))
        previous = digest
    connection.execute(Agreement.__table__.update().where(Agreement.id == agreement_id).values(last_hash=previous))
    return previous
