"""Every test gets its own real SQLite file, user and data directory."""
from __future__ import annotations

import os
import uuid
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from agreements.cli import main
from agreements.db import Database
from agreements.migrate import upgrade

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "data" / "seed_history.json"
PG_URL_ENV = "AGREEMENTS_TEST_PG_URL"
REQUIRE_PG_ENV = "AGREEMENTS_REQUIRE_PG"
TODAY = date(2026, 11, 25)


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    monkeypatch.setenv("AGREEMENTS_DB", str(tmp_path / "agreements.db"))
    monkeypatch.setenv("AGREEMENTS_USER", "tester")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("AGREEMENTS_DEBUG", raising=False)
    monkeypatch.delenv("AGREEMENTS_LANG", raising=False)
    yield tmp_path


@pytest.fixture
def db_path(tmp_path) -> Path:
    return tmp_path / "agreements.db"


@pytest.fixture
def db(db_path) -> Database:
    database = Database(f"sqlite:///{db_path}", allow_create=True)
    upgrade(database)
    yield database
    database.dispose()


@pytest.fixture
def cli():
    """Run the command line in-process; returns (exit code, stdout, stderr)."""
    runner = CliRunner()

    def run(*args: str, input: str | None = None):
        result = runner.invoke(main, list(args), input=input, catch_exceptions=False)
        return result.exit_code, result.stdout, result.stderr

    return run


@pytest.fixture
def seeded(db, cli):
    code, out, err = cli("import", str(SEED))
    assert code == 0, err
    return db


def _pg_url() -> str | None:
    return os.environ.get(PG_URL_ENV)


@pytest.fixture
def pg_db():
    """A PostgreSQL database in a schema of its own, dropped afterwards."""
    url = _pg_url()
    if not url:
        if os.environ.get(REQUIRE_PG_ENV):
            pytest.fail(f"{REQUIRE_PG_ENV} is set but {PG_URL_ENV} is not")
        pytest.skip(f"PostgreSQL tests need {PG_URL_ENV} (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test)")
    from sqlalchemy import create_engine, text

    schema = "t_" + uuid.uuid4().hex[:12]
    admin = create_engine(url)
    try:
        with admin.begin() as conn:
            conn.execute(text(f"CREATE SCHEMA {schema}"))
    except Exception as exc:
        admin.dispose()
        if os.environ.get(REQUIRE_PG_ENV):
            pytest.fail(f"PostgreSQL at {url} is required ({REQUIRE_PG_ENV}=1) but unusable: {exc}")
        pytest.skip(f"PostgreSQL at {url} is not reachable: {exc}")
    sep = "&" if "?" in url else "?"
    database = Database(f"{url}{sep}options=-csearch_path%3D{schema}")
    upgrade(database)
    try:
        yield database
    finally:
        database.dispose()
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()
