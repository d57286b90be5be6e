"""PostgreSQL search sees words through punctuation, as SQLite's does.

The normalising functions now turn ASCII punctuation into spaces before
PostgreSQL's parser sees the text, so ``<script>``, ``&amp;``, ``4/118`` or
``x@example.org`` are indexed as the words in them; the indexes built on the
functions are rebuilt. SQLite is unchanged.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25
"""
from alembic import op

from agreements.store.search_index import pg_functions

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

INDEXES = ("ix_events_search_exact", "ix_events_search_fold", "ix_agreements_search_exact", "ix_agreements_search_fold")


def _replace(punctuation: bool) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for statement in pg_functions(punctuation):
        op.execute(statement)
    for name in INDEXES:
        op.execute(f"REINDEX INDEX {name}")


def upgrade() -> None:
    _replace(True)


def downgrade() -> None:
    _replace(False)
