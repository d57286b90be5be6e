"""PostgreSQL search sees words through punctuation, as SQLite's does.

The normalising functions now turn ASCII punctuation into spaces before
PostgreSQL's parser sees the text, so ``<script>``, ``&amp;``, ``4/118`` or
``x@example.org`` are indexed as the words in them; the indexes built on the
functions are rebuilt. SQLite is unchanged.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25
"""

# Frozen as of revision 0008: the function definitions below are the output of
# agreements.store.search_index.pg_functions(True) (upgrade) and
# pg_functions(False) (downgrade) at commit 4cf5eaf, written out, so that a
# later change to the application's search rules cannot change what this
# revision does; such a change needs a revision of its own.
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

# the same in both forms: it calls agreements_search_exact
_FOLD = (
    "CREATE OR REPLACE FUNCTION agreements_search_fold(t text) RETURNS text "
    "LANGUAGE sql IMMUTABLE PARALLEL SAFE AS "
    "$$ SELECT translate(agreements_search_exact(t), "
    "'çğıöşüəäåáàâãéèêëíìîïñóòôõúùûýžčćšłńřěůőű', 'cgiosueaaaaaaeeeeiiiinoooouuuyzccslnreuou') $$"
)
# ASCII punctuation becomes a space before the letters are lowered
_EXACT_PUNCTUATION = (
    "CREATE OR REPLACE FUNCTION agreements_search_exact(t text) RETURNS text "
    "LANGUAGE sql IMMUTABLE PARALLEL SAFE AS "
    "$$ SELECT lower(translate(translate(translate(coalesce(t, ''), "
    "'!\"#$%&''()*+,-./:;<=>?@[\\]^_`{|}~', '                                '), "
    "'ÇĞİIÖŞÜƏÄÅÁÀÂÃÉÈÊËÍÌÎÏÑÓÒÔÕÚÙÛÝŽČĆŠŁŃŘĚŮŐŰ', 'çğiiöşüəäåáàâãéèêëíìîïñóòôõúùûýžčćšłńřěůőű'), "
    "'ı', 'i')) $$"
)
# as before this revision: punctuation left to PostgreSQL's parser
_EXACT_PLAIN = (
    "CREATE OR REPLACE FUNCTION agreements_search_exact(t text) RETURNS text "
    "LANGUAGE sql IMMUTABLE PARALLEL SAFE AS "
    "$$ SELECT lower(translate(translate(coalesce(t, ''), "
    "'ÇĞİIÖŞÜƏÄÅÁÀÂÃÉÈÊËÍÌÎÏÑÓÒÔÕÚÙÛÝŽČĆŠŁŃŘĚŮŐŰ', 'çğiiöşüəäåáàâãéèêëíìîïñóòôõúùûýžčćšłńřěůőű'), "
    "'ı', 'i')) $$"
)

INDEXES = ("ix_events_search_exact", "ix_events_search_fold", "ix_agreements_search_exact", "ix_agreements_search_fold")


def _replace(punctuation: bool) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for statement in ((_EXACT_PUNCTUATION if punctuation else _EXACT_PLAIN), _FOLD):
        op.execute(statement)
    for name in INDEXES:
        op.execute(f"REINDEX INDEX {name}")


def upgrade() -> None:
    _replace(True)


def downgrade() -> None:
    _replace(False)
