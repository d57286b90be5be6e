"""Every test gets its own real database, user and data directory.

Tests that take the `backend` fixture (through `db`, `cli` or `seeded`) run on
SQLite, and also on PostgreSQL when $AGREEMENTS_TEST_PG_URL is set, each in a
clean schema of its own. Tests marked ``sqlite_only`` check what only an
embedded file has (paths, pragmas) and run on SQLite alone.
"""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from agreements.cli import Edges, main
from agreements.clock import wall_time
from agreements.store.database import Database
from agreements.store.migrate import upgrade
from tests.support import PG_URL_ENV, REQUIRE_PG_ENV, SEED, clock_at, pg_schema, pg_url

BACKENDS = ["sqlite", "postgresql"] if pg_url() else ["sqlite"]


def pytest_configure(config):
    if os.environ.get(REQUIRE_PG_ENV) and not pg_url():
        raise pytest.UsageError(f"{REQUIRE_PG_ENV} is set but {PG_URL_ENV} is not")


def pytest_generate_tests(metafunc):
    if "backend" in metafunc.fixturenames:
        only_sqlite = metafunc.definition.get_closest_marker("sqlite_only")
        metafunc.parametrize("backend", ["sqlite"] if only_sqlite else BACKENDS, indirect=True)


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    monkeypatch.setenv("AGREEMENTS_DB", str(tmp_path / "agreements.db"))
    monkeypatch.delenv("AGREEMENTS_USER", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("AGREEMENTS_DEBUG", raising=False)
    monkeypatch.delenv("AGREEMENTS_LANG", raising=False)
    # tables fit $COLUMNS when it is set: a test states the width it wants,
    # whatever the terminal (or pytest-xdist's worker) running it says
    monkeypatch.delenv("COLUMNS", raising=False)
    yield tmp_path


@pytest.fixture(autouse=True)
def restored_loggers():
    """`scheduler run` sets up logging for its process; in one test process
    that set-up must not outlive the test that ran it."""
    loggers = [logging.getLogger(name) for name in ("agreements", "apscheduler")]
    saved = [(logger, list(logger.handlers), logger.level) for logger in loggers]
    yield
    for logger, handlers, level in saved:
        logger.handlers[:] = handlers
        logger.setLevel(level)


@pytest.fixture
def backend(request) -> str:
    return request.param


@pytest.fixture
def store_url(backend, tmp_path, monkeypatch) -> Iterator[str]:
    """The URL every command of this test uses ($AGREEMENTS_DB); not yet initialised."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'agreements.db'}"
        return
    with pg_schema(pg_url()) as url:
        monkeypatch.setenv("AGREEMENTS_DB", url)
        yield url


@pytest.fixture
def db_path(tmp_path) -> Path:
    """The SQLite file of a ``sqlite_only`` test."""
    return tmp_path / "agreements.db"


@pytest.fixture
def db(store_url) -> Database:
    database = Database(store_url, allow_create=True)
    upgrade(database)
    yield database
    database.dispose()


@pytest.fixture
def cli(store_url):
    """Run the command line in-process; returns (exit code, stdout, stderr)."""
    runner = CliRunner()

    def run(*args: str, input: str | None = None, at: date | datetime | None = None, login: str = "tester"):
        """``at``: run on a clock stopped then (a bare day: noon in Asia/Baku);
        ``login``: the OS login the command runs as (the actor on SQLite)."""
        source = clock_at(at).source if at is not None else wall_time
        edges = Edges(time_source=source, login_source=lambda: login)
        result = runner.invoke(main, list(args), input=input, catch_exceptions=False, obj=edges)
        return result.exit_code, result.stdout, result.stderr

    return run


@pytest.fixture
def seeded(db, cli):
    code, _out, err = cli("import", str(SEED))
    assert code == 0, err
    return db


@pytest.fixture
def pg_db():
    """A PostgreSQL database in a schema of its own, for PostgreSQL-only checks."""
    url = pg_url()
    if not url:
        pytest.skip(f"PostgreSQL tests need {PG_URL_ENV} (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test)")
    with pg_schema(url) as schema_url:
        database = Database(schema_url)
        upgrade(database)
        try:
            yield database
        finally:
            database.dispose()


@pytest.fixture
def pg_login(pg_db):
    """Make a PostgreSQL login, a member of the given group roles, for the
    test's schema: (name, URL); dropped afterwards."""
    admin = create_engine(pg_url(), poolclass=NullPool)  # the superuser: it drops what the logins own
    made: list[str] = []

    def make(*groups: str) -> tuple[str, str]:
        name = f"t_{groups[0].split('_')[1] if groups else 'none'}_{uuid.uuid4().hex[:8]}"
        with admin.begin() as conn:
            conn.execute(text(f"CREATE ROLE {name} LOGIN" + (f" IN ROLE {', '.join(groups)}" if groups else "")))
        made.append(name)
        return name, make_url(pg_db.url).set(username=name).render_as_string(hide_password=False)

    yield make
    with admin.begin() as conn:
        for name in made:
            conn.execute(text(f"DROP OWNED BY {name}"))
            conn.execute(text(f"DROP ROLE {name}"))
    admin.dispose()
