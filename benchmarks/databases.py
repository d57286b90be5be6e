"""Where a benchmark runs: a SQLite file, or a PostgreSQL schema named by a
URL whose ``options=-csearch_path=NAME`` picks the schema (never ``public``).

The tracker takes the SQLAlchemy URL; the hand-written side connects with
the driver itself (``sqlite3``, ``psycopg``) through
``benchmarks.reference_sql.connect``. A PostgreSQL schema is filled the
tracker's own way: the archive is generated into SQLite, exported by
`agreements export` and read back by `agreements import --db URL`.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

TOOL = str(Path(sys.executable).with_name("agreements"))
ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "data" / "seed_history.json"
_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,40}$")


@dataclass(frozen=True)
class Target:
    """A database the tracker and the hand-written side both read."""

    url: str  # as the tracker takes it (--db)

    @property
    def is_sqlite(self) -> bool:
        return self.url.startswith("sqlite:")

    @property
    def path(self) -> str:
        """The SQLite file."""
        return self.url.split(":///", 1)[1]

    @property
    def schema(self) -> str:
        """The PostgreSQL schema the URL's search_path names."""
        options = dict(parse_qsl(urlsplit(self.url).query)).get("options", "")
        match = re.search(r"-csearch_path=([\w]+)", options)
        if not match:
            raise SystemExit(f"{self.url}: name a schema with ?options=-csearch_path%3DNAME (e.g. bench)")
        return match.group(1)

    def label(self) -> str:
        return f"SQLite {self.path}" if self.is_sqlite else f"PostgreSQL schema {self.schema}"


def target(spec: str) -> Target:
    """A file path (SQLite) or a database URL."""
    if "://" not in spec:
        return Target(f"sqlite:///{os.path.abspath(spec)}")
    if spec.startswith(("sqlite:", "postgresql")):
        return Target(spec)
    raise SystemExit(f"{spec}: give a SQLite file path or a postgresql+psycopg:// URL")


def with_schema(url: str, schema: str) -> Target:
    """The same PostgreSQL server and database, schema ``schema``."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k != "options"]
    query.append(("options", f"-csearch_path={schema}"))
    return Target(urlunsplit(parts._replace(query=urlencode(query))))


def sibling(base: Target, suffix: str, workdir: str) -> Target:
    """A scratch database next to ``base``: a file in ``workdir``, or a schema."""
    if base.is_sqlite:
        return target(os.path.join(workdir, f"{suffix}.db"))
    return with_schema(base.url, f"{base.schema}_{suffix}")


def conninfo(url: str) -> str:
    """The URL as libpq takes it (no ``+driver``), for psycopg."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(scheme=parts.scheme.split("+", 1)[0]))


def _admin(url: str):
    import psycopg  # only for PostgreSQL targets

    parts = urlsplit(conninfo(url))
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query) if k != "options"])
    return psycopg.connect(urlunsplit(parts._replace(query=query)), autocommit=True)


def fresh(t: Target) -> None:
    """Make ``t`` empty: remove the SQLite file, or drop and create the schema."""
    if t.is_sqlite:
        for leftover in (t.path, t.path + "-wal", t.path + "-shm"):
            if os.path.exists(leftover):
                os.remove(leftover)
        return
    schema = _checked(t.schema)
    with _admin(t.url) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        conn.execute(f"CREATE SCHEMA {schema}")


def drop(t: Target) -> None:
    """Remove ``t``: the SQLite file or the PostgreSQL schema."""
    if t.is_sqlite:
        fresh(t)
        return
    with _admin(t.url) as conn:
        conn.execute(f"DROP SCHEMA IF EXISTS {_checked(t.schema)} CASCADE")


def _checked(schema: str) -> str:
    if schema == "public" or not _NAME.match(schema):
        raise SystemExit(f"refusing schema {schema!r}: use a dedicated one such as bench")
    return schema


def tool_env(t: Target) -> dict[str, str]:
    """The environment of an `agreements` process on ``t``: on PostgreSQL
    one acts as the database login, so no $AGREEMENTS_USER there."""
    env = {**os.environ, "AGREEMENTS_DB": t.url}
    if t.is_sqlite:
        env["AGREEMENTS_USER"] = "benchmark"
    else:
        env.pop("AGREEMENTS_USER", None)
    return env


def agreements(t: Target, *args: str) -> str:
    """Run `agreements --db URL ARGS`; its output (exits on failure)."""
    done = subprocess.run([TOOL, "--db", t.url, *args], env=tool_env(t), capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"agreements {' '.join(args)} on {t.label()} failed: {done.stderr.strip()}")
    return done.stdout


def load(t: Target, export_file: str) -> None:
    """A fresh ``t`` holding the agreements of ``export_file`` (`agreements init`, `import`)."""
    fresh(t)
    agreements(t, "init")
    agreements(t, "import", export_file)
    if not t.is_sqlite:
        import psycopg  # only for PostgreSQL targets

        # in the schema's own search_path: the index expressions call its functions
        with psycopg.connect(conninfo(t.url), autocommit=True) as conn:
            for table in ("events", "agreements", "agreement_parties"):
                conn.execute(f"ANALYZE {table}")


def copy_from_sqlite(sqlite_path: str, t: Target, workdir: str) -> None:
    """Fill ``t`` with the archive in ``sqlite_path`` (export, then import)."""
    os.makedirs(workdir, exist_ok=True)
    dump = os.path.join(workdir, "fill-export.json")
    agreements(target(sqlite_path), "export", "--out", dump)
    try:
        load(t, dump)
    finally:
        os.remove(dump)
