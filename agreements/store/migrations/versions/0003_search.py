"""Full-text search over history and titles; indexes for the history queries.

SQLite: FTS5 external-content tables over ``events`` and ``agreements``, each
in two forms (``exact``: case-insensitive the Azerbaijani way; ``fold``: also
diacritics-insensitive; the rules are described in
agreements/store/search_index.py), kept in sync by triggers. Events are
append-only, so only inserts are indexed for them.
PostgreSQL: ``tsvector`` (``simple`` configuration) GIN expression indexes.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

# Frozen as of revision 0003: the search text expressions below are copies of
# agreements/store/search_index.py (EVENT_FIELDS, TITLE_FIELDS, sqlite_expr,
# pg_document and the output of pg_functions()) as they were at commit 4cf5eaf,
# so that a later change to the application's search rules cannot change what
# this revision builds; a change of the rules needs a revision of its own (as
# 0008 is). Note: at that commit this revision called pg_functions() with its
# default, the punctuation-aware form that 0008 introduced, so a new database
# gets that form here already (0008 then re-creates the same functions); that
# behaviour is kept unchanged.
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# fields searched: events and agreement titles
EVENT_FIELDS = ("place", "note", "outcome", "reason", "reference")
TITLE_FIELDS = ("title_az", "title_en")

# letters the SQLite tokenizer must not see as they are
SQLITE_EXACT = {"İ": "i", "ı": "i"}
SQLITE_FOLD = {**SQLITE_EXACT, "ə": "e", "Ə": "e"}

# PostgreSQL: the immutable normalising functions the GIN expression indexes use
PG_FUNCTIONS = (
    (
        "CREATE OR REPLACE FUNCTION agreements_search_exact(t text) RETURNS text "
        "LANGUAGE sql IMMUTABLE PARALLEL SAFE AS "
        "$$ SELECT lower(translate(translate(translate(coalesce(t, ''), "
        "'!\"#$%&''()*+,-./:;<=>?@[\\]^_`{|}~', '                                '), "
        "'ÇĞİIÖŞÜƏÄÅÁÀÂÃÉÈÊËÍÌÎÏÑÓÒÔÕÚÙÛÝŽČĆŠŁŃŘĚŮŐŰ', 'çğiiöşüəäåáàâãéèêëíìîïñóòôõúùûýžčćšłńřěůőű'), "
        "'ı', 'i')) $$"
    ),
    (
        "CREATE OR REPLACE FUNCTION agreements_search_fold(t text) RETURNS text "
        "LANGUAGE sql IMMUTABLE PARALLEL SAFE AS "
        "$$ SELECT translate(agreements_search_exact(t), "
        "'çğıöşüəäåáàâãéèêëíìîïñóòôõúùûýžčćšłńřěůőű', 'cgiosueaaaaaaeeeeiiiinoooouuuyzccslnreuou') $$"
    ),
)


def sqlite_expr(column: str, fold: bool) -> str:
    """An SQL expression applying the replacements to ``column`` (SQLite)."""
    expr = column
    for src, dst in (SQLITE_FOLD if fold else SQLITE_EXACT).items():
        expr = f"replace({expr}, '{src}', '{dst}')"
    return expr


def pg_document(fields: tuple[str, ...], fold: bool) -> str:
    """The tsvector expression indexed on PostgreSQL."""
    fn = "agreements_search_fold" if fold else "agreements_search_exact"
    body = " || ' ' || ".join(f"coalesce({f}, '')" for f in fields)
    return f"to_tsvector('simple'::regconfig, {fn}({body}))"


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
        op.execute(f"INSERT INTO {table}(rowid, {columns}) SELECT id, {_values(fields, fold, content)} FROM {content}")
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
    for statement in PG_FUNCTIONS:
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
