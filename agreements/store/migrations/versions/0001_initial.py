"""Agreements, their counterparts and the append-only history.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

# Frozen as of revision 0001: this file imports nothing from the application
# (agreements.*, workflows.*), so a later change there cannot change what this
# revision does to a database. The application's column type UTCDateTime (in
# agreements/store/tables.py at commit 4cf5eaf) is a TypeDecorator over
# sa.DateTime: in DDL it is plain DateTime (DATETIME on SQLite, TIMESTAMP
# WITHOUT TIME ZONE on PostgreSQL), which is what this revision creates with
# sa.DateTime(); its bind/result conversion (aware UTC <-> naive UTC) plays no
# part in a migration that only creates tables.
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

SQLITE_TRIGGERS = [
    """CREATE TRIGGER events_no_update BEFORE UPDATE ON events
       BEGIN SELECT RAISE(ABORT, 'history events are append-only'); END""",
    """CREATE TRIGGER events_no_delete BEFORE DELETE ON events
       BEGIN SELECT RAISE(ABORT, 'history events are append-only'); END""",
]

PG_TRIGGERS = [
    """CREATE OR REPLACE FUNCTION events_append_only() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'history events are append-only'; END;
       $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER events_no_update_delete BEFORE UPDATE OR DELETE ON events
       FOR EACH ROW EXECUTE FUNCTION events_append_only()""",
    """CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events
       FOR EACH STATEMENT EXECUTE FUNCTION events_append_only()""",
]


def upgrade() -> None:
    op.create_table(
        "agreements",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("code", sa.String(40), nullable=False, unique=True),
        sa.Column("title_az", sa.Text(), nullable=False),
        sa.Column("title_en", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False, index=True),
        sa.Column("parent_id", sa.Integer(), sa.ForeignKey("agreements.id")),
        sa.Column("officer", sa.String(200)),
        sa.Column("stage", sa.String(32), nullable=False, index=True),
        sa.Column("stage_since", sa.Date()),
        sa.Column("stage_since_precision", sa.String(12), nullable=False),
        sa.Column("suspended_from", sa.String(32)),
        sa.Column("awaiting", sa.String(16)),
        sa.Column("signed_on", sa.Date()),
        sa.Column("in_force_on", sa.Date()),
        sa.Column("event_count", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
    )
    op.create_table(
        "agreement_parties",
        sa.Column("agreement_id", sa.Integer(), sa.ForeignKey("agreements.id"), primary_key=True),
        sa.Column("party", sa.String(16), primary_key=True),
        sa.Column("position", sa.Integer(), nullable=False),
    )
    op.create_index("ix_agreement_parties_party", "agreement_parties", ["party"])
    op.create_table(
        "events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("agreement_id", sa.Integer(), sa.ForeignKey("agreements.id"), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("from_stage", sa.String(32)),
        sa.Column("to_stage", sa.String(32)),
        sa.Column("occurred_on", sa.Date()),
        sa.Column("date_precision", sa.String(12), nullable=False),
        sa.Column("occurred_until", sa.Date()),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("place", sa.Text()),
        sa.Column("note", sa.Text()),
        sa.Column("reason", sa.Text()),
        sa.Column("reference", sa.Text()),
        sa.Column("outcome", sa.Text()),
        sa.Column("open_articles", sa.Integer()),
        sa.Column("awaiting", sa.String(16)),
        sa.Column("source", sa.Text()),
        sa.UniqueConstraint("agreement_id", "seq", name="uq_events_agreement_seq"),
        sa.CheckConstraint("date_precision IN ('day', 'not_after', 'unknown')", name="ck_events_precision"),
        sa.CheckConstraint("(date_precision = 'unknown') = (occurred_on IS NULL)", name="ck_events_date_known"),
    )
    op.create_index("ix_events_occurred_on", "events", ["occurred_on"])
    triggers = SQLITE_TRIGGERS if op.get_bind().dialect.name == "sqlite" else PG_TRIGGERS
    for statement in triggers:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS events_append_only() CASCADE")
    op.drop_table("events")
    op.drop_table("agreement_parties")
    op.drop_table("agreements")
