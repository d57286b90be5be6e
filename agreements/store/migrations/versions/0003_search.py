"""Full-text search over history and titles; indexes for the history queries.

SQLite: FTS5 external-content tables over ``events`` and ``agreements``, each
in two forms (``exact``: case-insensitive the Azerbaijani way; ``fold``: also
diacritics-insensitive; see agreements/store/search_index.py), kept in sync by
triggers. Events are append-only, so only inserts are indexed for them.
PostgreSQL: ``tsvector`` (``simple`` configuration) GIN expression indexes.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""
from alembic import op

from agreements.store.search_index import (
    EVENT_FIELDS,
    TITLE_FIELDS,
    pg_document,
    pg_functions,
    sqlite_expr,
)

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# (fts table, content table, fields, fold)
SQLITE_TABLES = (
    ("events_fts", "events", EVENT_FIELDS, False),
    ("events_fts_fold", "events", EVENT_FIELDS, True),
    ("agreements_fts", "agreements", TITLE_FIELDS, False),
    ("agreements_fts_fold", "agreements", TITLE_FIELDS, True),
)

INDEXES = (
    # log: one counterpart's events over a period; as-of reconstruction
    ("ix_events_agreement_on", "events", ["agreement_id", "occurred_on"]),
    # log --actor
    ("ix_events_actor", "events", ["actor"]),
)


def _values(fields, fold, row):
    return ", ".join(sqlite_expr(f"{row}.{f}", fold) for f in fields)


def _sqlite_upgrade() -> None:
    for table, content, fields, fold in SQLITE_TABLES:
        tokenizer = "unicode61 remove_diacritics 2" if fold else "unicode61 remove_diacritics 0"
        op.execute(
            f"CREATE VIRTUAL TABLE {table} USING fts5({', '.join(fields)}, "
            f"content='{content}', content_rowid='id', tokenize='{tokenizer}')"
        )
        columns = ", ".join(fields)
        op.execute(
            f"INSERT INTO {table}(rowid, {columns}) "
            f"SELECT id, {_values(fields, fold, content)} FROM {content}"
        )
        op.execute(
            f"CREATE TRIGGER {table}_ai AFTER INSERT ON {content} BEGIN "
            f"INSERT INTO {table}(rowid, {columns}) VALUES (new.id, {_values(fields, fold, 'new')}); END"
        )
        if content == "agreements":
            delete = (
                f"INSERT INTO {table}({table}, rowid, {columns}) "
                f"VALUES ('delete', old.id, {_values(fields, fold, 'old')});"
            )
            op.execute(f"CREATE TRIGGER {table}_ad AFTER DELETE ON {content} BEGIN {delete} END")
            op.execute(
                f"CREATE TRIGGER {table}_au AFTER UPDATE OF {columns} ON {content} BEGIN {delete} "
                f"INSERT INTO {table}(rowid, {columns}) VALUES (new.id, {_values(fields, fold, 'new')}); END"
            )


def _pg_upgrade() -> None:
    for statement in pg_functions():
        op.execute(statement)
    for fold in (False, True):
        suffix = "fold" if fold else "exact"
        op.execute(f"CREATE INDEX ix_events_search_{suffix} ON events USING gin ({pg_document(EVENT_FIELDS, fold)})")
        op.execute(
            f"CREATE INDEX ix_agreements_search_{suffix} ON agreements USING gin ({pg_document(TITLE_FIELDS, fold)})"
        )


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_upgrade()
    else:
        _pg_upgrade()


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for table, content, _fields, _fold in SQLITE_TABLES:
            for suffix in ("ai", "ad", "au"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_{suffix}")
            op.execute(f"DROP TABLE IF EXISTS {table}")
    else:
        for suffix in ("exact", "fold"):
            op.execute(f"DROP INDEX IF EXISTS ix_events_search_{suffix}")
            op.execute(f"DROP INDEX IF EXISTS ix_agreements_search_{suffix}")
        op.execute("DROP FUNCTION IF EXISTS agreements_search_fold(text)")
        op.execute("DROP FUNCTION IF EXISTS agreements_search_exact(text)")
    for name, table, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
