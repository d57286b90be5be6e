"""Summaries of each agreement's history kept on its row (for the stall scan
of today and the date checks of moves and imports), and a covering index for
reconstructing a past day.

The summary columns are maintained by ``recording.append_event`` in the same
transaction as each event; here they are computed once from the stored
history with the same function (``recording.fold_event``).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25
"""
from alembic import op
import sqlalchemy as sa

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

COLUMNS = (
    ("last_event_on", sa.Date()),
    ("undated_events", sa.Integer()),
    ("last_substantive_on", sa.Date()),
    ("clock_since", sa.Date()),
    ("ack_until", sa.Date()),
    ("ack_note", sa.Text()),
    ("ack_max_until", sa.Date()),
    ("last_flag", sa.String(16)),
)
# as-of reconstruction: the last event known by a day, per agreement, read
# from the index alone
INDEXES = (
    ("ix_events_agreement_seq_on", "events", ["agreement_id", "seq", "occurred_on", "to_stage", "kind"]),
)


def upgrade() -> None:
    # plain ADD COLUMN (no batch copy of the table): every column is nullable
    for name, type_ in COLUMNS:
        op.add_column(
            "agreements",
            sa.Column(name, type_, nullable=True, server_default="0" if name == "undated_events" else None),
        )
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)
    from agreements.writes.apply import backfill_summaries

    backfill_summaries(op.get_bind())


def downgrade() -> None:
    for name, table, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
    # SQLite ≥ 3.35 drops a plain column in place: no copy of the table, which
    # would trip the foreign keys and lose the search triggers on agreements
    for name, _type in reversed(COLUMNS):
        op.execute(f"ALTER TABLE agreements DROP COLUMN {name}")
