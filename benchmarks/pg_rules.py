"""What the database rules cost on PostgreSQL (migrations 0010 and 0012).

The same notes are appended, alternately, as the schema owner (for whom the
triggers return at their first check) and as a head's login (every check
runs: actor, recording time, chain, head's stages, revisions, and at commit
the row against its history). Needs a PostgreSQL superuser URL; works in a
scratch schema ``bench_rules`` that it drops at the end.

    .venv/bin/python -m benchmarks.pg_rules postgresql+psycopg://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from agreements.clock import Clock
from agreements.store.database import Database
from agreements.writes.commands import Details, add_note

SEED = Path(__file__).resolve().parent.parent / "data" / "seed_history.json"
SCHEMA = "bench_rules"
CODES = ("RA-MDA", "RA-TUR", "RA-PAK", "MC-GEO", "IP-LVA")


def _login(url: str, user: str) -> str:
    return make_url(url).set(username=user).render_as_string(hide_password=False) + f"?options=-csearch_path%3D{SCHEMA}"


def _run(url: str, *args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "agreements", "--db", url, *args], check=True, capture_output=True)
    return done.stdout.decode()


def main() -> None:
    url = sys.argv[1]
    admin = create_engine(url, poolclass=NullPool)
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        for role, options in (("bench_owner", "LOGIN CREATEROLE"), ("bench_head", "LOGIN")):
            conn.execute(
                text(
                    f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{role}') "
                    f"THEN CREATE ROLE {role} {options}; END IF; END $$"
                )
            )
        conn.execute(text(f"CREATE SCHEMA {SCHEMA} AUTHORIZATION bench_owner"))
    owner, head = _login(url, "bench_owner"), _login(url, "bench_head")
    try:
        _run(owner, "init")
        _run(owner, "import", str(SEED))
        with admin.begin() as conn:
            conn.execute(text("GRANT agreements_head TO bench_head"))
        _run(owner, "users", "add", "bench_owner", "--email", "owner@example.org", "--role", "head")
        _run(owner, "users", "add", "bench_head", "--email", "head@example.org", "--role", "head")
        clock = Clock()
        sides = {
            "owner (rules skipped)": (Database(owner), "bench_owner"),
            "head login (rules run)": (Database(head), "bench_head"),
        }
        times: dict[str, list[float]] = {name: [] for name in sides}
        for round_ in range(5):
            for name, (db, actor) in sides.items():
                start = time.perf_counter()
                for i in range(60):
                    add_note(db, CODES[i % len(CODES)], f"note {round_}-{i}", Details(actor=actor), clock=clock)
                times[name].append((time.perf_counter() - start) / 60 * 1000)
        for name, values in times.items():
            rounds = ", ".join(f"{v:.2f}" for v in values)
            print(f"{name:26} ms per note: median {statistics.median(values):.2f} (rounds {rounds})")
        print(_run(owner, "verify").splitlines()[0])
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {SCHEMA} CASCADE"))
        admin.dispose()


if __name__ == "__main__":
    main()
