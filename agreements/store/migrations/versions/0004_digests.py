"""Recipients of the weekly digest and the outbox of digest e-mails.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

# Frozen as of revision 0004: this file imports nothing from the application
# (agreements.*, workflows.*), so a later change there cannot change what this
# revision does to a database. The application's column type UTCDateTime (in
# agreements/store/tables.py at commit 4cf5eaf) is a TypeDecorator over
# sa.DateTime: in DDL it is plain DateTime (DATETIME on SQLite, TIMESTAMP
# WITHOUT TIME ZONE on PostgreSQL), which is what this revision creates with
# sa.DateTime(); its bind/result conversion (aware UTC <-> naive UTC) plays no
# part in a migration that only creates tables.
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "recipients",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("email", sa.String(320), nullable=False, unique=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("locale", sa.String(8), nullable=False),
        sa.Column("parties", sa.Text()),
        sa.Column("kinds", sa.Text()),
        sa.Column("officer", sa.String(200)),
        sa.Column("only_needs_action", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.CheckConstraint("locale IN ('az', 'en')", name="ck_recipients_locale"),
    )
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("recipient", sa.String(320), nullable=False),
        sa.Column("week", sa.String(10), nullable=False),
        sa.Column("locale", sa.String(8), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("message_id", sa.String(255), nullable=False),
        sa.Column("message", sa.LargeBinary(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("last_error", sa.Text()),
        sa.Column("queued_at", sa.DateTime(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime()),
        sa.Column("attempted_at", sa.DateTime()),
        sa.Column("sent_at", sa.DateTime()),
        sa.Column("transport", sa.String(200)),
        sa.UniqueConstraint("recipient", "week", name="uq_outbox_recipient_week"),
        sa.CheckConstraint("status IN ('queued', 'sending', 'sent', 'failed', 'skipped')", name="ck_outbox_status"),
    )
    op.create_index("ix_outbox_status", "outbox", ["status"])


def downgrade() -> None:
    op.drop_index("ix_outbox_status", table_name="outbox")
    op.drop_table("outbox")
    op.drop_table("recipients")
