"""Claims of scheduled jobs on their periods.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

# Frozen as of revision 0002: this file imports nothing from the application
# (agreements.*, workflows.*), so a later change there cannot change what this
# revision does to a database. The application's column type UTCDateTime (in
# agreements/store/tables.py at commit 4cf5eaf) is a TypeDecorator over
# sa.DateTime: in DDL it is plain DateTime (DATETIME on SQLite, TIMESTAMP
# WITHOUT TIME ZONE on PostgreSQL), which is what this revision creates with
# sa.DateTime(); its bind/result conversion (aware UTC <-> naive UTC) plays no
# part in a migration that only creates tables.
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "job_runs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("job_id", sa.String(64), nullable=False),
        sa.Column("period", sa.String(16), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime()),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("detail", sa.Text()),
        sa.UniqueConstraint("job_id", "period", name="uq_job_runs_job_period"),
    )


def downgrade() -> None:
    op.drop_table("job_runs")
