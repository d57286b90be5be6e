"""Dates as intervals, corrections, retractions and voided agreements.

- ``events.occurred_from`` and ``events.date_form``: the earliest day and the
  form of a date given as a month, a year, a span or a lower bound;
  ``date_precision`` and ``occurred_on`` keep the upper bound, so a reader of
  the older columns is never told more than is known. The same pair on
  ``agreements`` for the day the current stage began.
- ``agreements.awaiting_on``: the day of the entry that set whose move it is,
  so that a document filed late sets it only from its own day; left empty for
  histories recorded before (whose entries all set it in recording order).
- ``events.target_seq`` and ``events.correction``: the event a correction or
  a retraction is about, and what a correction supersedes (canonical JSON).
- ``agreements.voided``: the agreement was entered by mistake (a ``void``
  event): it leaves lists, stalls, digests and reports, and keeps its history;
  ``agreements.revised``: its history holds a correction or a retraction (the
  as-of listing then reads it as corrected, not from the stored columns).

Existing events keep their hashes: the chain hashes the new columns only when
one of them is set.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01
"""

# Frozen as of revision 0011: this file imports nothing from the application.
import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

_EVENT_COLUMNS = (
    ("occurred_from", sa.Date()),
    ("date_form", sa.String(12)),
    ("target_seq", sa.Integer()),
    ("correction", sa.Text()),
)
_AGREEMENT_COLUMNS = (
    ("stage_since_from", sa.Date()),
    ("stage_since_form", sa.String(12)),
    ("awaiting_on", sa.Date()),
)


def upgrade() -> None:
    for name, type_ in _EVENT_COLUMNS:
        op.add_column("events", sa.Column(name, type_))
    for name, type_ in _AGREEMENT_COLUMNS:
        op.add_column("agreements", sa.Column(name, type_))
    for flag in ("voided", "revised"):
        op.add_column("agreements", sa.Column(flag, sa.Boolean(), nullable=False, server_default=sa.false()))
    _backfill_awaiting_on(op.get_bind())


def _backfill_awaiting_on(bind) -> None:
    """The day of the entry that set each agreement's holder, as the rules of
    this revision keep it (workflows.event_rules._hand_over, copied here):
    a move or an opening sets it; an entry naming a holder sets it unless a
    later dated one did."""
    latest: dict[int, object] = {}
    rows = bind.execute(
        sa.text("SELECT agreement_id, kind, to_stage, occurred_on, awaiting FROM events ORDER BY agreement_id, seq")
    )
    for aid, kind, to_stage, on, awaiting in rows:
        if kind == "opened" or to_stage is not None:
            latest[aid] = on
        elif awaiting is not None:
            current = latest.get(aid)
            if current is None or on is None or on >= current:
                latest[aid] = on
    values = [{"aid": aid, "on": on} for aid, on in latest.items() if on is not None]
    if values:
        bind.execute(sa.text("UPDATE agreements SET awaiting_on = :on WHERE id = :aid"), values)


def downgrade() -> None:
    # native DROP COLUMN: no table rebuild, so the triggers stay as they are
    bind = op.get_bind()
    for name, _ in _EVENT_COLUMNS:
        bind.exec_driver_sql(f"ALTER TABLE events DROP COLUMN {name}")
    for name in [n for n, _ in _AGREEMENT_COLUMNS] + ["voided", "revised"]:
        bind.exec_driver_sql(f"ALTER TABLE agreements DROP COLUMN {name}")
