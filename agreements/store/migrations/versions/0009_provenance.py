"""What an event says about its agreement and about where it came from.

``subject`` holds, on an opening event, the agreement's own fields (titles,
kind, counterparts, parent, officer) so that the hash chain covers them;
``stated_actor`` and ``stated_recorded_at`` keep what an import file said,
while ``actor`` and ``recorded_at`` are the tracker's own record (the
importing login, the import time). Existing events keep their hashes: the
chain hashes these columns only when one of them is set.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01
"""

# Frozen as of revision 0009: this file imports nothing from the application.
# The application's column type UTCDateTime (agreements/store/tables.py) is
# plain DateTime in DDL, which is what sa.DateTime() creates here.
import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("events", sa.Column("subject", sa.Text()))
    op.add_column("events", sa.Column("stated_actor", sa.String(200)))
    op.add_column("events", sa.Column("stated_recorded_at", sa.DateTime()))


def downgrade() -> None:
    # native DROP COLUMN: no table rebuild, so the triggers stay as they are
    bind = op.get_bind()
    for column in ("stated_recorded_at", "stated_actor", "subject"):
        bind.exec_driver_sql(f"ALTER TABLE events DROP COLUMN {column}")
