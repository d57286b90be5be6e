"""The Alembic revisions are frozen: they import nothing from the application,
and what they do to a stored history (search index, summary columns, hash
chain) is what the application itself keeps for the same history."""

from __future__ import annotations

import ast
import json
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from sqlalchemy import inspect, select, text

from agreements.store.database import Database
from agreements.store.hash_chain import HASHED_FIELDS, event_hash
from agreements.store.migrate import _config, upgrade
from agreements.store.tables import Agreement, Event
from tests.support import ROOT, SEED, assert_summaries_match, pg_schema, pg_url, trigger_names
from workflows.date_forms import parse_when
from workflows.stall_summary import SUMMARY_COLUMNS

MIGRATIONS = ROOT / "agreements" / "store" / "migrations"
REVISIONS = sorted((MIGRATIONS / "versions").glob("*.py"))
APPLICATION = ("agreements", "workflows")
# the application's own modules that env.py may use (not revision behaviour):
# the ORM metadata for autogenerate, the engine of the alembic command line
ENV_ALLOWED = {("agreements.store.tables", "Base"), ("agreements.store.database", "make_engine")}
DYNAMIC_IMPORTS = ("import_module", "__import__")


def _head() -> str:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(config).get_current_head()


def _imports(tree: ast.AST) -> Iterator[tuple[int, str, tuple[str, ...]]]:
    """(line, module, names) of every import in ``tree``, at any depth,
    including importlib.import_module/__import__ calls with a literal name."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name, ()
        elif isinstance(node, ast.ImportFrom):
            module = "." * node.level + (node.module or "")
            yield node.lineno, module, tuple(alias.name for alias in node.names)
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            if name in DYNAMIC_IMPORTS and isinstance(node.args[0].value, str):
                yield node.lineno, node.args[0].value, ()


def _from_application(module: str) -> bool:
    # a relative import would reach into whatever package the file sits in
    return module.startswith(".") or any(module == root or module.startswith(root + ".") for root in APPLICATION)


def offending_imports(source: str, filename: str = "<revision>") -> list[str]:
    """The imports of application code in a revision's source."""
    return [
        f"{filename}:{line}: {module}"
        for line, module, _names in _imports(ast.parse(source, filename))
        if _from_application(module)
    ]


def test_the_check_finds_imports_at_any_depth():
    source = (
        "import sqlalchemy as sa\nfrom alembic import op\nimport workflows.stall\n"
        "from agreements.store.tables import UTCDateTime\nfrom . import helpers\n"
        "def upgrade():\n    from agreements.writes.apply import backfill_summaries\n"
        "    importlib.import_module('agreements.store.hash_chain')\n"
    )
    assert [f.split(": ")[1] for f in offending_imports(source)] == [
        "workflows.stall",
        "agreements.store.tables",
        ".",
        "agreements.writes.apply",
        "agreements.store.hash_chain",
    ]


def test_no_revision_imports_the_application():
    assert len(REVISIONS) >= 8
    found = [hit for path in REVISIONS for hit in offending_imports(path.read_text(encoding="utf-8"), path.name)]
    assert found == [], "revisions must carry frozen copies, not import live code:\n" + "\n".join(found)


def test_env_imports_only_the_metadata_and_the_engine():
    env = MIGRATIONS / "env.py"
    used = {
        (module, name)
        for _line, module, names in _imports(ast.parse(env.read_text(encoding="utf-8"), env.name))
        if _from_application(module)
        for name in names or ("*",)
    }
    assert used <= ENV_ALLOWED


# --------------------------------------------------------------------------- a history from before the migrations


@pytest.fixture
def other_url(backend, tmp_path) -> Iterator[str]:
    """A second, empty database on the same backend as the test's own."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.db'}"
        return
    with pg_schema(pg_url()) as url:
        yield url


def _migrate(db: Database, revision: str, down: bool = False) -> None:
    from alembic import command

    with db.engine.begin() as connection:
        (command.downgrade if down else command.upgrade)(_config(db, connection), revision)


def _copy_history(source: Database, target: Database) -> None:
    """Copy agreements, their parties and their events with plain SQL, in the
    columns the target's (older) schema has, ids included."""
    with source.engine.connect() as src, target.engine.begin() as dst:
        for table in ("agreements", "agreement_parties", "events"):
            columns = [c["name"] for c in inspect(dst).get_columns(table)]
            rows = [
                dict(r) for r in src.execute(text(f"SELECT {', '.join(columns)} FROM {table} ORDER BY 1, 2")).mappings()
            ]
            insert = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(':' + c for c in columns)})"
            dst.execute(text(insert), rows)
        if not target.is_sqlite:  # explicit ids leave the sequences behind
            for table in ("agreements", "events"):
                dst.execute(
                    text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
                )


def _chains(db: Database) -> dict[tuple[str, int], tuple[str | None, str | None]]:
    with db.read() as session:
        rows = session.execute(
            select(Agreement.code, Event.seq, Event.prev_hash, Event.hash).join(
                Agreement, Event.agreement_id == Agreement.id
            )
        )
        return {(code, seq): (prev, hash_) for code, seq, prev, hash_ in rows}


def _chains_before_0009(db: Database) -> dict[tuple[str, int], tuple[str | None, str | None]]:
    """The chains of ``db``'s histories hashed as before revision 0009 (which
    added the opening's subject and an import's stated actor and time): what
    the backfill of an old copy of the same events must give."""
    chains: dict[tuple[str, int], tuple[str | None, str | None]] = {}
    cleared = {"subject": None, "stated_actor": None, "stated_recorded_at": None}
    with db.read() as session:
        previous: dict[str, str | None] = {}
        for event in session.scalars(select(Event).order_by(Event.agreement_id, Event.seq)):
            code = session.get(Agreement, event.agreement_id).code
            values = {f: getattr(event, f) for f in HASHED_FIELDS} | cleared
            digest = event_hash(code, previous.get(code), values)
            chains[(code, event.seq)] = (previous.get(code), digest)
            previous[code] = digest
    return chains


def _rows(db: Database) -> dict[str, dict[str, Any]]:
    """The summary columns and the chain's head of every agreement."""
    with db.read() as session:
        return {
            a.code: {c: getattr(a, c) for c in SUMMARY_COLUMNS + ("last_hash",)}
            for a in session.scalars(select(Agreement))
        }


# every kind of event, undated and bounded dates, holders and acknowledgements
# that change, a signature after the entry into signing, a recording time
# given with an offset: what the summary and hash backfills must get right
RICH_HISTORY = {
    "format": "agreements-history",
    "version": 1,
    "agreements": [
        {
            "code": "RA-ZZZ",
            "title_az": "Sınaq sazişi",
            "title_en": "Trial agreement",
            "kind": "readmission",
            "parties": ["GEO"],
            "events": [
                {
                    "kind": "opened",
                    "to": "draft",
                    "on": "2015-01-10",
                    "date_precision": "not_after",
                    "recorded_at": "2015-01-12T09:30:00.250000+04:00",
                },
                {"kind": "stage_change", "to": "expert_talks", "date_precision": "unknown"},
                {"kind": "round", "on": "2015-03-01", "until": "2015-03-03", "place": "Kişinyov", "open_articles": 4},
                {"kind": "note", "on": "2015-04-01", "awaiting": "counterpart", "note": "over to them"},
                {"kind": "ack", "on": "2015-05-01", "until": "2015-09-01", "note": "known"},
                {"kind": "ack", "on": "2015-06-01", "until": "2015-07-01", "note": "shorter"},
                {"kind": "flag", "on": "2015-10-01", "outcome": "overdue"},
                {"kind": "stage_change", "to": "internal_approval", "on": "2015-11-01"},
                {"kind": "stage_change", "to": "mfa", "on": "2015-12-01"},
                {"kind": "stage_change", "to": "signing", "on": "2016-01-10"},
                {"kind": "signature", "on": "2016-02-01", "place": "Bakı"},
                {"kind": "plan", "on": "2016-02-02", "until": "2016-05-01", "note": "entry into force"},
                {"kind": "note", "date_precision": "unknown", "note": "undated remark"},
            ],
        }
    ],
}

RICH_SUMMARY = {
    "last_event_on": date(2016, 2, 2),
    "undated_events": 2,
    "last_substantive_on": date(2016, 2, 1),
    "clock_since": date(2016, 2, 1),
    "ack_until": date(2015, 7, 1),
    "ack_note": "shorter",
    "ack_max_until": date(2015, 9, 1),
    "last_flag": "overdue",
}

QUERIES = (
    ("SINAQ", False),
    ("Kişinyov", False),
    ("Kisinyov", True),
    ("AZƏRBAYCAN", False),
    ("Azerbaycan", True),
    ("İsveçrə", False),
)


def _hits(db: Database) -> list[list[dict[str, Any]]]:
    """The hits of each query, in a fixed order: PostgreSQL returns hits of the
    same rank in the rows' physical order, which updates change."""
    from agreements.reads import search

    return [sorted(search.search(db, query, fold=fold, limit=50), key=repr) for query, fold in QUERIES]


def _as_before_0011(history: dict) -> dict:
    """``history`` with each date in a form the schema had before 0011 (a
    month, a year or a span kept as its last day, "no later than"; a lower
    bound alone as unknown): what an old database can hold."""
    for agreement in history["agreements"]:
        for event in agreement["events"]:
            precision = event.get("date_precision")
            if precision in ("month", "year", "between"):
                event["on"] = parse_when(event["on"]).on.isoformat()
                event["date_precision"] = "not_after"
            elif precision == "not_before":
                event["on"], event["date_precision"] = None, "unknown"
    return history


def _as_before_0013(history: dict) -> dict:
    """``history`` as the schema before 0013 can hold it: no party's acts, no
    entry-into-force rule, and no ``approved`` stage (a non-binding instrument
    was recorded in force)."""
    for agreement in history["agreements"]:
        agreement["events"] = [e for e in agreement["events"] if e["kind"] not in ("act", "entry_rule")]
        for event in agreement["events"]:
            if event.get("to") == "approved":
                event["to"] = "in_force"
    return _as_before_0011(history)


@pytest.mark.parametrize("start", ["0002", "0004"])
def test_an_old_history_upgrades_to_what_the_application_keeps(db, cli, other_url, tmp_path, start):
    """A history stored before the search index (0002) or before the summaries
    and the chain (0004), inserted with plain SQL, then upgraded: its index,
    summaries and hashes equal those the application kept for the same
    history, and the application carries on from there."""
    seeded = db
    seed = _as_before_0013(json.loads(SEED.read_text(encoding="utf-8")))
    files = {"seed.json": seed, "rich.json": RICH_HISTORY}
    for name, content in files.items():
        (tmp_path / name).write_text(json.dumps(content), encoding="utf-8")
        code, _out, err = cli("import", str(tmp_path / name))
        assert code == 0, err
    chains = len(seed["agreements"]) + 1
    events = sum(len(a["events"]) for a in seed["agreements"]) + len(RICH_HISTORY["agreements"][0]["events"])
    old = Database(other_url, allow_create=True)
    try:
        _migrate(old, start)
        _copy_history(seeded, old)
        assert upgrade(old) == (start, _head())
        assert trigger_names(old) == trigger_names(seeded)
        assert _chains(old) == _chains_before_0009(seeded) and all(h for _p, h in _chains(old).values())
        heads = {code: chain for (code, _seq), (_p, chain) in sorted(_chains(old).items())}
        assert _rows(old) == {code: row | {"last_hash": heads[code]} for code, row in _rows(seeded).items()}
        assert {c: _rows(old)["RA-ZZZ"][c] for c in SUMMARY_COLUMNS} == RICH_SUMMARY
        hits = _hits(old)
        assert hits == _hits(seeded) and all(hits)
        code, out, err = cli("--db", other_url, "verify")
        assert code == 0, err
        assert out.splitlines()[0] == f"All {chains} chain(s) intact ({events} events)."
        # the application writes on from the upgraded state, in both databases alike
        for url in (other_url, None):
            db_args = ("--db", url) if url else ()
            assert cli(*db_args, "advance", "RA-MDA", "--on", "2016-12-20", "--note", "Mətn razılaşdırıldı")[0] == 0
            assert cli(*db_args, "note", "RA-TUR", "called, no answer", "--on", "2017-01-10")[0] == 0
        code, out, err = cli("--db", other_url, "verify")
        assert code == 0 and out.splitlines()[0] == f"All {chains} chain(s) intact ({events + 2} events).", err
        summaries = {code: {c: row[c] for c in SUMMARY_COLUMNS} for code, row in _rows(old).items()}
        assert summaries == {code: {c: row[c] for c in SUMMARY_COLUMNS} for code, row in _rows(seeded).items()}
        assert assert_summaries_match(old) == chains
    finally:
        old.dispose()


# --------------------------------------------------------------------------- the schema built


def _not_in_tables_py(diff: Any) -> bool:
    """What tables.py does not describe: the search index (FTS5 tables on
    SQLite, expression indexes on PostgreSQL), the covering index of 0005, and
    undated_events, which 0005 adds as a nullable column with a default."""
    if isinstance(diff, list):  # the changes of one column
        return all(d[0] == "modify_nullable" and d[2:4] == ("agreements", "undated_events") for d in diff)
    kind, item = diff[0], diff[1]
    if kind == "remove_table":
        return item.name.startswith(("events_fts", "agreements_fts"))
    if kind == "remove_index":
        return item.name == "ix_events_agreement_seq_on" or "_search_" in item.name
    return False


def test_the_migrations_build_the_tables_the_application_describes(db):
    """The frozen column types (sa.DateTime for UTCDateTime, ...) give the
    columns the ORM expects (alembic's autogenerate comparison)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from agreements.store.tables import Base

    with db.engine.connect() as connection:
        diffs = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert [d for d in diffs if not _not_in_tables_py(d)] == []


# --------------------------------------------------------------------------- every downgrade, and up again


def _schema(db: Database) -> list[tuple]:
    """What the migrations built: tables, columns, indexes, constraints,
    triggers and (PostgreSQL) the functions of the schema."""
    if db.is_sqlite:
        sql = "SELECT type, name, sql FROM sqlite_master ORDER BY type, name"
    else:
        sql = (
            "SELECT 'column', table_name || '.' || column_name, data_type || ' ' || is_nullable || ' ' "
            "|| coalesce(character_maximum_length::text, '') || ' ' || coalesce(column_default, '') "
            "FROM information_schema.columns WHERE table_schema = current_schema() "
            "UNION ALL SELECT 'index', indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
            "UNION ALL SELECT 'constraint', conrelid::regclass::text || '.' || conname, pg_get_constraintdef(oid) "
            "FROM pg_constraint WHERE connamespace = current_schema()::regnamespace "
            "UNION ALL SELECT 'function', proname, pg_get_functiondef(oid) "
            "FROM pg_proc WHERE pronamespace = current_schema()::regnamespace ORDER BY 1, 2"
        )
    with db.engine.connect() as connection:
        rows = [tuple(r) for r in connection.exec_driver_sql(sql)]
    return rows + [("trigger", name) for name in trigger_names(db)]


def test_every_revision_downgrades_and_upgrades_to_the_same_schema(db):
    head = _schema(db)
    assert any(row[0] == "trigger" for row in head)
    _migrate(db, "base", down=True)
    assert upgrade(db) == (None, _head())
    assert _schema(db) == head


def test_search_keeps_working_across_the_last_search_revision(seeded):
    """0008 replaces the PostgreSQL search functions and rebuilds the indexes
    (nothing on SQLite); words without punctuation are found either way."""
    hits = _hits(seeded)
    assert sum(map(bool, hits)) >= 4
    _migrate(seeded, "0007", down=True)
    assert _hits(seeded) == hits
    assert upgrade(seeded)[0] == "0007"
    assert _hits(seeded) == hits
