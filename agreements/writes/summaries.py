"""Recompute the summary columns of agreement rows from their stored events
(``workflows.stall_summary.fold_event`` over each history), in bulk: for the
benchmark generator, which writes events as plain rows, and the tests that
check the columns kept event by event."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Connection, Date, bindparam, text

from workflows.stall_summary import DATE_COLUMNS, SUMMARY_COLUMNS, fold_event

_EVENTS_SQL = (
    "SELECT agreement_id, kind, to_stage, occurred_on, date_precision, occurred_until, "
    "awaiting, note, outcome FROM events ORDER BY agreement_id, seq"
)
_BATCH = 1000


def _as_date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(value)  # SQLite gives ISO text


def backfill_summaries(connection: Connection) -> int:
    """Recompute the summary columns of every agreement with events from its
    events; returns how many. Reads plain rows in one pass ordered by
    agreement and seq, and updates in batches."""
    rows = connection.execute(text(_EVENTS_SQL))
    update = text(
        "UPDATE agreements SET " + ", ".join(f"{c} = :{c}" for c in SUMMARY_COLUMNS) + " WHERE id = :id"
    ).bindparams(*(bindparam(c, type_=Date) for c in DATE_COLUMNS))
    pending: list[dict[str, Any]] = []
    current = None
    count = 0
    for aid, kind, to_stage, on, precision, until, awaiting, note, outcome in rows:
        if current is None or current.id != aid:
            if current is not None:
                pending.append(_values(current))
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
        fold_event(current, event, current.awaiting)
        current.awaiting = awaiting
        if len(pending) >= _BATCH:
            connection.execute(update, pending)
            pending.clear()
    if current is not None:
        pending.append(_values(current))
        count += 1
    if pending:
        connection.execute(update, pending)
    return count


def _values(summary: SimpleNamespace) -> dict[str, Any]:
    values = {c: getattr(summary, c) for c in SUMMARY_COLUMNS}
    values["id"] = summary.id
    return values
