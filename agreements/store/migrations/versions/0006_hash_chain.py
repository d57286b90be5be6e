"""A tamper-evident hash chain over each agreement's history.

Existing events get their hashes here; the append-only triggers are lifted
for that one backfill, inside the migration's transaction, and restored.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25
"""

# Frozen as of revision 0006: event_hash and HASHED_FIELDS below are copies of
# agreements/store/hash_chain.py, and the events table is described here by the
# column types the backfill reads (those of agreements.store.tables.Event), as
# they were at commit 4cf5eaf. This revision imports nothing from the
# application, so a later change there cannot change the hashes it wrote; a
# new hash function needs a revision of its own.
#
# The application's recorded_at type (UTCDateTime) returns aware UTC; plain
# sa.DateTime returns the same moment naive, and event_hash turns an aware
# value into exactly that naive UTC value first, so the hashes are the same.
import hashlib
from collections.abc import Mapping
from datetime import date, timezone
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

HASHED_FIELDS = (
    "seq",
    "kind",
    "from_stage",
    "to_stage",
    "occurred_on",
    "date_precision",
    "occurred_until",
    "recorded_at",
    "actor",
    "place",
    "note",
    "reason",
    "reference",
    "outcome",
    "open_articles",
    "awaiting",
    "source",
)

# the columns read, with the types that turn stored values into Python ones
# (dates and timestamps: SQLite stores them as text)
EVENTS = sa.table(
    "events",
    sa.column("id", sa.Integer()),
    sa.column("agreement_id", sa.Integer()),
    sa.column("seq", sa.Integer()),
    sa.column("kind", sa.String(32)),
    sa.column("from_stage", sa.String(32)),
    sa.column("to_stage", sa.String(32)),
    sa.column("occurred_on", sa.Date()),
    sa.column("date_precision", sa.String(12)),
    sa.column("occurred_until", sa.Date()),
    sa.column("recorded_at", sa.DateTime()),
    sa.column("actor", sa.String(200)),
    sa.column("place", sa.Text()),
    sa.column("note", sa.Text()),
    sa.column("reason", sa.Text()),
    sa.column("reference", sa.Text()),
    sa.column("outcome", sa.Text()),
    sa.column("open_articles", sa.Integer()),
    sa.column("awaiting", sa.String(16)),
    sa.column("source", sa.Text()),
)

# Python literals (repr) of str, int and None, one per line
_SEPARATOR = "\n"


def _day(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def event_hash(code: str, prev_hash: str | None, values: Mapping[str, Any]) -> str:
    """The hash of one event given the hash of the one before it."""
    moment = values["recorded_at"]
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    payload = [
        code,
        prev_hash or "",
        values["seq"],
        values["kind"],
        values["from_stage"],
        values["to_stage"],
        _day(values["occurred_on"]),
        values["date_precision"],
        _day(values["occurred_until"]),
        moment.isoformat(timespec="microseconds"),
        values["actor"],
        values["place"],
        values["note"],
        values["reason"],
        values["reference"],
        values["outcome"],
        values["open_articles"],
        values["awaiting"],
        values["source"],
    ]
    return hashlib.sha256(_SEPARATOR.join(map(repr, payload)).encode("utf-8")).hexdigest()


def _backfill(bind: sa.engine.Connection) -> None:
    columns = [EVENTS.c[f] for f in ("id", "agreement_id") + HASHED_FIELDS]
    codes = dict(bind.execute(sa.text("SELECT id, code FROM agreements")).all())
    heads: dict[int, str] = {}
    updates = []
    for row in bind.execute(sa.select(*columns).order_by(EVENTS.c.agreement_id, EVENTS.c.seq)).mappings():
        previous = heads.get(row["agreement_id"])
        digest = event_hash(codes[row["agreement_id"]], previous, row)
        updates.append({"i": row["id"], "p": previous, "h": digest})
        heads[row["agreement_id"]] = digest
    if updates:
        bind.execute(sa.text("UPDATE events SET prev_hash = :p, hash = :h WHERE id = :i"), updates)
    if heads:
        bind.execute(
            sa.text("UPDATE agreements SET last_hash = :h WHERE id = :i"), [{"i": i, "h": h} for i, h in heads.items()]
        )


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
