"""The stall scan's shortcut: a few values per agreement, kept up to date
event by event, from which the stall policy judges the latest day without
replaying the history; and the replay, for the days they cannot answer.

:func:`fold_event` is the incremental form of replaying a history through
``workflows.chronology.standing_on`` and ``workflows.stall.clock_start``;
the tests compare the two after every kind of event. Pure: the application
keeps the values in columns of the agreement row (migration 0005).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol, TypeVar

from workflows.calendar import CountsWorkingDays
from workflows.chronology import DAY, UNKNOWN, EventLike, Standing, standing_on
from workflows.events import ACK, FLAG, ROUND, STAGE_EVIDENCE_KINDS, SUBSTANTIVE_KINDS
from workflows.stall import ENTRY_DUE, ClockEvent, StallFlag, StallPolicy, assess_events

# ``last_event_on``: the latest date of any dated event; ``undated_events``:
# how many have no date (the others assume none); ``last_substantive_on``: the
# latest exact day (or a round's last day) of an opening, move, round or
# signature; ``clock_since``: clock_start over the whole history; the last
# acknowledgement's ``ack_until`` and ``ack_note`` and the latest
# ``ack_max_until`` of any; ``last_flag``: the outcome of the last flag event.
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
DATE_COLUMNS = ("last_event_on", "last_substantive_on", "clock_since", "ack_until", "ack_max_until")

D = TypeVar("D", date, str)


class FoldedEvent(Protocol):
    """The values of an event the summaries read."""

    kind: str
    to_stage: str | None
    occurred_on: date | None
    date_precision: str
    occurred_until: date | None
    awaiting: str | None
    note: str | None
    outcome: str | None


def _later(a: date | None, b: date | None) -> date | None:
    if a is None:
        return b
    if b is None:
        return a
    return a if a >= b else b


def fold_event(summary: Any, event: FoldedEvent, previous_awaiting: str | None) -> None:
    """Update the values of SUMMARY_COLUMNS on ``summary`` (an agreement row,
    or any object with those attributes) with ``event``, the next event of
    its history; ``previous_awaiting`` is the holder after the event before."""
    on = event.occurred_on
    dated = on is not None and event.date_precision != UNKNOWN
    if not dated:
        summary.undated_events = (summary.undated_events or 0) + 1
        return
    # (assigned only when changed: on an ORM row every assignment costs)
    latest = summary.last_event_on
    if latest is None or on > latest:
        summary.last_event_on = on
    kind = event.kind
    # the earliest day it certainly happened on or after: a later move may not be
    # certainly before it (an exact day, or the start of a month, year or span)
    earliest = on if event.date_precision == DAY else getattr(event, "occurred_from", None)
    if earliest is not None and kind in SUBSTANTIVE_KINDS:
        # a round's last day counts too: a move cannot precede the end of a round
        latest = summary.last_substantive_on
        known = _later(_later(latest, earliest), event.occurred_until)
        if known != latest:
            summary.last_substantive_on = known
    # workflows.stall.clock_start: an entry restarts the clock; a round, a
    # signature or a change of holder since then moves it on
    if event.to_stage is not None:
        summary.clock_since = on
    elif kind in STAGE_EVIDENCE_KINDS or (event.awaiting is not None and event.awaiting != previous_awaiting):
        day = event.occurred_until if kind == ROUND and event.occurred_until is not None else on
        latest = summary.clock_since
        if latest is None or day > latest:
            summary.clock_since = day
    if kind == ACK:
        summary.ack_until = event.occurred_until
        summary.ack_note = event.note
        summary.ack_max_until = _later(summary.ack_max_until, event.occurred_until)
    elif kind == FLAG and event.outcome != ENTRY_DUE:
        summary.last_flag = event.outcome


def summary_answers(
    day: D,
    event_count: int | None,
    undated_events: int | None,
    last_event_on: D | None,
    ack_until: D | None,
    ack_max_until: D | None,
) -> bool:
    """Whether the summaries alone judge ``day``: the history has events, none
    undated, all on or before ``day``, and no acknowledgement but the last
    still runs on ``day``. The days are dates, or ISO texts (which compare in
    date order, and spare the daily scan parsing every row): one or the other."""
    return not (
        not event_count
        or undated_events
        or last_event_on is None
        or last_event_on > day
        # an older acknowledgement may still run: only the replay knows which
        or (ack_until is not None and ack_until < day and ack_max_until >= day)  # type: ignore[operator]
    )


class ReplayedEvent(EventLike, ClockEvent, Protocol):
    """An event as the replay reads it."""

    note: str | None
    outcome: str | None


@dataclass(frozen=True, slots=True)
class Judged:
    """An agreement's stall on a day, by replay of its history."""

    standing: Standing
    flag: StallFlag
    acknowledged_until: date | None  # the last acknowledgement running on that day
    acknowledgement: str | None
    last_flag: str | None  # the outcome of the last flag known by that day


def judge_history(
    events: Iterable[ReplayedEvent], day: date, policy: StallPolicy, calendar: CountsWorkingDays
) -> Judged | None:
    """The stall on ``day`` from ``events`` (those known by then suffice, with
    undated ones and stage entries), the reference the summaries shortcut;
    None when the history says nothing about that day."""
    standing = standing_on(events, day)
    if standing is None:
        return None
    known = standing.events
    flag = assess_events(standing.stage, known, standing.awaiting, day, policy, calendar)
    ack = None
    last_flag = None
    for event in known:
        if event.kind == ACK and event.occurred_until and event.occurred_until >= day:
            ack = event
        elif event.kind == FLAG and event.outcome != ENTRY_DUE:
            last_flag = event.outcome
    return Judged(
        standing,
        flag,
        ack.occurred_until if ack else None,
        ack.note if ack else None,
        last_flag,
    )
