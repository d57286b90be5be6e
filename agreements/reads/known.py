"""What the tracker held at the end of a past day (``--known-on``): the
events recorded by then, and the agreement as those events alone make it,
so that a figure of an earlier report can be reconciled with today's record."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from agreements.reads.rows import iso
from agreements.reads.verify import replay
from workflows.date_forms import When


def recorded_by(events: Sequence[Any], known_on: date, zone: ZoneInfo) -> list[Any]:
    """The events recorded by the end of ``known_on`` in ``zone`` (the
    tracker's own recording time: an import counts from the day it ran)."""
    cutoff = datetime.combine(known_on + timedelta(days=1), time(), zone)
    return [e for e in events if e.recorded_at < cutoff]


def as_known(current: dict[str, Any], code: str, events: Sequence[Any], known_on: date) -> None:
    """Turn ``current`` (an ``agreement_dict``) into the agreement as
    ``events`` (those recorded by ``known_on``) make it."""
    current["known_on"] = known_on.isoformat()
    if not events:
        current.update(
            stage=None,
            stage_since=None,
            stage_since_precision=None,
            stage_since_earliest=None,
            stage_since_label="not yet recorded on that day",
            awaiting=None,
            suspended_from=None,
            signed_on=None,
            in_force_on=None,
            events=0,
        )
        return
    row = replay(code, events)
    entry = When.stored(row.stage_since, row.stage_since_precision, row.stage_since_from, row.stage_since_form)
    current.update(
        stage=row.stage,
        stage_since=iso(row.stage_since),
        stage_since_precision=entry.precision,
        stage_since_earliest=iso(entry.earliest),
        stage_since_label=entry.label(),
        awaiting=row.awaiting,
        suspended_from=row.suspended_from,
        signed_on=iso(row.signed_on),
        in_force_on=iso(row.in_force_on),
        voided=row.voided,
        events=len(events),
    )
