"""A tamper-evident hash chain over each agreement's history.

Existing events get their hashes here; the append-only triggers are lifted
for that one backfill, inside the migration's transaction, and restored.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25
"""
from alembic import op
import sqlalchemy as sa

from agreements.store.hash_chain import HASHED_FIELDS, event_hash

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def _backfill(bind) -> None:
    from agreements.store.tables import Event

    columns = [Event.__table__.c[f] for f in ("id", "agreement_id") + HASHED_FIELDS]
    codes = dict(bind.execute(sa.text("SELECT id, code FROM agreements")).all())
    heads: dict[int, str] = {}
    updates = []
    for row in bind.execute(sa.select(*columns).order_by(Event.__table__.c.agreement_id, Event.__table__.c.seq)).mappings():
        previous = heads.get(row["agreement_id"])
        digest = event_hash(codes[row["agreement_id"]], previous, row)
        updates.append({"i": row["id"], "p": previous, "h": digest})
        heads[row["agreement_id"]] = digest
    if updates:
        bind.execute(sa.text("UPDATE events SET prev_hash = :p, hash = :h WHERE id = :i"), updates)
    if heads:
        bind.execute(sa.text("UPDATE agreements SET last_hash = :h WHERE id = :i"), [{"i": i, "h": h} for i, h in heads.items()])


def upgrade() -> None:
    op.add_column("events", sa.Column("prev_hash", sa.String(64)))
    op.add_column("events", sa.Column("hash", sa.String(64)))
    op.add_column("agreements", sa.Column("last_hash", sa.String(64)))
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        bind.exec_driver_sql("DROP TRIGGER events_no_update")
        _backfill(bind)
        bind.exec_driver_sql(
            "CREATE TRIGGER events_no_update BEFORE UPDATE ON events "
            "BEGIN SELECT RAISE(ABORT, 'history events are append-only'); END"
        )
    else:
        bind.exec_driver_sql("ALTER TABLE events DISABLE TRIGGER events_no_update_delete")
        _backfill(bind)
        bind.exec_driver_sql("ALTER TABLE events ENABLE TRIGGER events_no_update_delete")


def downgrade() -> None:
    # native DROP COLUMN (SQLite 3.35+ and PostgreSQL): no table rebuild, so the
    # triggers and foreign keys stay as they are
    bind = op.get_bind()
    bind.exec_driver_sql("ALTER TABLE agreements DROP COLUMN last_hash")
    bind.exec_driver_sql("ALTER TABLE events DROP COLUMN hash")
    bind.exec_driver_sql("ALTER TABLE events DROP COLUMN prev_hash")
