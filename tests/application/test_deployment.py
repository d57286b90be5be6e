"""docs/deployment.md, followed from scratch on the real PostgreSQL server:
a new database and owner, `agreements init` as the owner, logins in the
writer and reader roles, users in the tracker."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from tests.support import PG_URL_ENV, REQUIRE_PG_ENV, ROOT, SEED


@pytest.fixture
def cluster():
    """A superuser URL, and cleanup of the database and roles a test makes."""
    url = os.environ.get(PG_URL_ENV)
    if not url:
        pytest.skip(f"the deployment walk-through needs PostgreSQL ({PG_URL_ENV})")
    admin = create_engine(url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:
        if os.environ.get(REQUIRE_PG_ENV):
            pytest.fail(f"PostgreSQL at {url} is required but unusable: {exc}")
        pytest.skip(f"PostgreSQL at {url} is not reachable: {exc}")
    made = {"databases": [], "roles": []}

    def sql(statement: str) -> None:
        with admin.connect() as conn:
            conn.execute(text(statement))

    yield url, sql, made
    for name in made["databases"]:
        sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    for name in made["roles"]:
        sql(f"DROP ROLE IF EXISTS {name}")
    admin.dispose()


def run(url: str, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "AGREEMENTS_USER"} | {"AGREEMENTS_DB": url}
    return subprocess.run(
        [sys.executable, "-m", "agreements", *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120
    )


def test_a_shared_deployment_from_scratch(cluster, tmp_path):
    url, sql, made = cluster
    tag = uuid.uuid4().hex[:8]
    owner, database = f"t_owner_{tag}", f"t_agreements_{tag}"
    officer, reporter, service = f"t_officer_{tag}", f"t_reader_{tag}", f"t_scheduler_{tag}"
    made["roles"] += [officer, reporter, service, owner]
    made["databases"].append(database)
    # 1. the database and its owner
    sql(f"CREATE ROLE {owner} LOGIN CREATEROLE")
    sql(f"CREATE DATABASE {database} OWNER {owner} ENCODING 'UTF8' TEMPLATE template0")

    def as_(login: str) -> str:
        return make_url(url).set(username=login, database=database).render_as_string(hide_password=False)

    # 2. init as the owner (creates the schema, the group roles if missing, the grants), the seed
    first = run(as_(owner), "init")
    assert first.returncode == 0, first.stderr
    assert "Created the database" in first.stdout
    assert run(as_(owner), "init").returncode == 0  # safe to repeat
    assert run(as_(owner), "import", str(SEED)).returncode == 0
    # a login each, given its role by the owner (`users add` grants the group role)
    head = f"t_head_{tag}"
    made["roles"].insert(0, head)
    for login in (officer, service, reporter, head):
        sql(f"CREATE ROLE {login} LOGIN")
    for login, role in ((head, "head"), (officer, "officer"), (reporter, "viewer")):
        done = run(as_(owner), "users", "add", login, "--email", f"{login}@migration.gov.az", "--role", role)
        assert done.returncode == 0, done.stderr
    sql(f"GRANT agreements_scheduler TO {service}")
    # the acting user is the login: --as cannot name another
    refused = run(as_(officer), "note", "RA-MDA", "as the head", "--on", "2016-12-01", "--as", head)
    assert refused.returncode == 1 and "database login" in refused.stderr
    # an officer records; a move into signing needs the head
    done = run(as_(officer), "round", "RA-MDA", "--on", "2016-12-01", "--place", "Bakı")
    assert done.returncode == 0, done.stderr
    refused = run(as_(officer), "advance", "RA-TUR", "--to", "signing")
    assert refused.returncode == 1 and "needs the head role" in refused.stderr
    assert run(as_(head), "advance", "RA-TUR", "--to", "signing").returncode == 0
    # an officer cannot register users; the reader cannot write at all
    refused = run(as_(officer), "users", "add", "x", "--email", "x@example.org", "--role", "head")
    assert refused.returncode == 1 and "needs the head role" in refused.stderr and "Traceback" not in refused.stderr
    refused = run(as_(reporter), "note", "RA-MDA", "x")
    assert refused.returncode == 1 and "viewer" in refused.stderr
    # the scheduler's login runs the jobs; an officer's may not
    assert run(as_(officer), "scheduler", "run", "--once").returncode == 1
    done = run(as_(service), "scheduler", "run", "--once")
    assert done.returncode == 0, done.stderr
    # everyone can read and verify
    listing = json.loads(run(as_(reporter), "list", "--format", "json").stdout)
    assert {r["code"]: r["stage"] for r in listing}["RA-TUR"] == "signing"
    verified = run(as_(reporter), "verify")
    assert verified.returncode == 0 and "All 18 chain(s) intact" in verified.stdout
    # 4. the logical backup restores exactly into another database
    copy = f"t_restore_{tag}"
    made["databases"].append(copy)
    sql(f"CREATE DATABASE {copy} OWNER {owner} ENCODING 'UTF8' TEMPLATE template0")
    restored = make_url(url).set(username=owner, database=copy).render_as_string(hide_password=False)
    exported = run(as_(reporter), "export").stdout
    backup = tmp_path / "history.json"
    backup.write_text(exported, encoding="utf-8")
    assert run(restored, "init").returncode == 0
    assert run(restored, "import", str(backup)).returncode == 0
    # the copy records its importer: the same history, as stated, under new hashes
    assert _without_hashes(run(restored, "export").stdout) == _without_hashes(exported)


def _without_hashes(export: str) -> list:
    return [
        {**a, "events": [{k: v for k, v in e.items() if k != "hash"} for e in a["events"]]}
        for a in json.loads(export)["agreements"]
    ]
