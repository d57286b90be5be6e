"""Summaries of each agreement's history kept on its row (for the stall scan
of today and the date checks of moves and imports), and a covering index for
reconstructing a past day.

The summary columns are maintained by the application
(``agreements.writes.apply.append_event``) in the same transaction as each
event; here they are computed once from the stored history by a frozen copy
of its ``fold_event`` and ``backfill_summaries``.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25
"""

# Frozen as of revision 0005: _fold_event and _backfill_summaries below are
# copies of agreements.writes.apply.fold_event and backfill_summaries (with the
# constants they use: SUBSTANTIVE_KINDS, SUMMARY_COLUMNS, the clock-reset kinds
# and workflows.chronology's DAY and UNKNOWN) as they were at commit 4cf5eaf.
# This revision imports nothing from the application, so a later change to how
# the application keeps its summaries cannot change what this backfill wrote;
# such a change needs a revision of its own that recomputes the columns.
from datetime import date
from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa
from alembic import op

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
INDEXES = (("ix_events_agreement_seq_on", "events", ["agreement_id", "seq", "occurred_on", "to_stage", "kind"]),)

# workflows.chronology: the precisions of an event's date
DAY = "day"
UNKNOWN = "unknown"
# events that say what happened to the agreement itself
SUBSTANTIVE_KINDS = ("opened", "stage_change", "round", "signature")
SUMMARY_COLUMNS = (
    "last_event_on",
    "undated_events",
    "last_substantive_on",
    "clock_since",
    "ack_until",
    "ack_note",
    "ack_max_until",
    "last_flag",
)
_DATE_COLUMNS = ("last_event_on", "last_substantive_on", "clock_since", "ack_until", "ack_max_until")
# the kinds that restart the stall clock besides a stage entry (workflows.stall.RESET_KINDS)
_CLOCK_RESET_KINDS = frozenset({"round", "signature"})


def _later(a: date | None, b: date | None) -> date | None:
    if a is None:
        return b
    if b is None:
        return a
    return a if a >= b else b


def _fold_event(summary: Any, event: Any, previous_awaiting: str | None) -> None:
    """Update the summary columns of ``summary`` with ``event``, the next event
    of its history; ``previous_awaiting`` is the holder after the event before."""
    on = event.occurred_on
    dated = on is not None and event.date_precision != UNKNOWN
    if not dated:
        summary.undated_events = (summary.undated_events or 0) + 1
        return
    latest = summary.last_event_on
    if latest is None or on > latest:
        summary.last_event_on = on
    kind = event.kind
    if event.date_precision == DAY and kind in SUBSTANTIVE_KINDS:
        # a round's last day counts too: a move cannot precede the end of a round
        latest = summary.last_substantive_on
        known = _later(_later(latest, on), event.occurred_until)
        if known != latest:
            summary.last_substantive_on = known
    # workflows.stall.clock_start: an entry restarts the clock; a round, a
    # signature or a change of holder since then moves it on
    if event.to_stage is not None:
        summary.clock_since = on
    elif kind in _CLOCK_RESET_KINDS or event.awaiting != previous_awaiting:
        day = event.occurred_until if kind == "round" and event.occurred_until is not None else on
        latest = summary.clock_since
        if latest is None or day > latest:
            summary.clock_since = day
    if kind == "ack":
        summary.ack_until = event.occurred_until
        summary.ack_note = event.note
        summary.ack_max_until = _later(summary.ack_max_until, event.occurred_until)
    elif kind == "flag":
        summary.last_flag = event.outcome


def _as_date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(value)


def _backfill_summaries(connection: sa.engine.Connection) -> int:
    """Compute the summary columns of every agreement that has events, from
    its events in one pass ordered by agreement and seq."""
    rows = connection.execute(
        sa.text(
            "SELECT agreement_id, kind, to_stage, occurred_on, date_precision, occurred_until, "
            "awaiting, note, outcome FROM events ORDER BY agreement_id, seq"
        )
    )
    update = sa.text(
        "UPDATE agreements SET " + ", ".join(f"{c} = :{c}" for c in SUMMARY_COLUMNS) + " WHERE id = :id"
    ).bindparams(*(sa.bindparam(c, type_=sa.Date) for c in _DATE_COLUMNS))
    pending: list[dict[str, Any]] = []
    current = None
    count = 0

    def finish(summary: SimpleNamespace) -> None:
        values = {c: getattr(summary, c) for c in SUMMARY_COLUMNS}
        values["id"] = summary.id
        pending.append(values)

    for aid, kind, to_stage, on, precision, until, awaiting, note, outcome in rows:
        if current is None or current.id != aid:
            if current is not None:
                finish(current)
                count += 1
            current = SimpleNamespace(id=aid, awaiting=None, **{c: None for c in SUMMARY_COLUMNS})
            current.undated_events = 0
        event = SimpleNamespace(
            kind=kind,
            to_stage=to_stage,
            occurred_on=_as_date(on),
            date_precision=precision,
            occurred_until=_as_date(until),
            awaiting=awaiting,
            note=note,
            outcome=outcome,
        )
        _fold_event(current, event, current.awaiting)
        current.awaiting = awaiting
        if len(pending) >= 1000:
            connection.execute(update, pending)
            pending.clear()
    if current is not None:
        finish(current)
        count += 1
    if pending:
        connection.execute(update, pending)
    return count


def upgrade() -> None:
    # plain ADD COLUMN (no batch copy of the table): every column is nullable
    for name, type_ in COLUMNS:
        op.add_column(
            "agreements",
            sa.Column(name, type_, nullable=True, server_default="0" if name == "undated_events" else None),
        )
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)
    _backfill_summaries(op.get_bind())


def downgrade() -> None:
    for name, table, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
    # SQLite ≥ 3.35 drops a plain column in place: no copy of the table, which
    # would trip the foreign keys and lose the search triggers on agreements
    for name, _type in reversed(COLUMNS):
        op.execute(f"ALTER TABLE agreements DROP COLUMN {name}")
