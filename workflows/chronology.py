"""Dates of history events: how precise they are, what may follow what, and
where an agreement stood on a given day. Pure functions over plain values.

A date is an interval of days in the form it was given in
(``workflows.date_forms``): exact (``day``), a ``month`` or ``year``, an
upper bound (``not_after``: the source only says it happened no later than
that day), a lower bound (``not_before``), a span (``between``) or
``unknown``. Rules that compare dates compare the intervals, and refuse only
what is certainly wrong.

Stored, ``date_precision`` keeps what the upper bound is (``day``,
``not_after`` or ``unknown``: the three forms older records have), and
``occurred_from``/``date_form`` add the lower bound and the form where the
form is one of the others (:meth:`When.columns`), so that a reader of the
three older columns alone is never told more than is known.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

from workflows.date_forms import (  # noqa: F401  (re-exported: the names every date rule uses)
    DAY,
    NOT_AFTER,
    PRECISIONS,
    UNKNOWN,
    When,
    label,
    on_phrase,
    when_of,
)
from workflows.errors import BadDate
from workflows.events import STAGE_EVIDENCE_KINDS

UNKNOWN_WHEN = When(None, UNKNOWN)


def check_event_date(
    when: When,
    *,
    today: date,
    code: str,
    stage: str | None,
    stage_entry: When | None,
    latest_known: date | None,
    moves_stage: bool,
    until: date | None = None,
) -> None:
    """Refuse a date certainly in the future, certainly before the current
    stage began, or (for a stage change) certainly before an event already
    recorded. Dates are intervals: what may be right is accepted."""
    earliest, latest = when.earliest, when.latest
    if earliest is not None and earliest > today:
        raise BadDate(f"{when.label()} is in the future (today is {today.isoformat()})")
    if when.precision in (DAY, NOT_AFTER) and latest is not None and latest > today:
        raise BadDate(f"{latest.isoformat()} is in the future (today is {today.isoformat()})")
    if until is not None:
        if until > today:
            raise BadDate(f"{until.isoformat()} is in the future (today is {today.isoformat()})")
        if earliest is not None and until < earliest:
            raise BadDate(f"the end date {until.isoformat()} is before the start {earliest.isoformat()}")
    if latest is None:
        return
    entry = stage_entry.earliest if stage_entry else None
    if entry is not None and latest < entry:
        raise BadDate(
            f"{code} entered {stage} {on_phrase(stage_entry) if stage_entry else entry}; an event cannot be dated "
            f"before that ({when.label()})"
        )
    if moves_stage and latest_known is not None and latest < latest_known:
        raise BadDate(
            f"{code} has an event dated {latest_known.isoformat()}; a stage change cannot "
            f"be dated before it ({when.label()})"
        )


class EventLike(Protocol):
    seq: int
    kind: str
    from_stage: str | None
    to_stage: str | None
    occurred_on: date | None
    date_precision: str
    awaiting: str | None


@dataclass
class Standing:
    """Where an agreement stood on a day, as far as its history tells."""

    stage: str
    since: When
    awaiting: str | None
    signed_on: date | None
    in_force_on: date | None
    events: list = field(default_factory=list)


def possible_move(events: Iterable[EventLike], day: date, after_seq: int) -> tuple[str, When] | None:
    """The first move recorded after ``after_seq`` whose date allows it to
    have happened by the end of ``day`` without saying it had: the stage it
    led to and its date."""
    for event in sorted(events, key=lambda e: e.seq):
        if event.seq <= after_seq or event.to_stage is None:
            continue
        when = when_of(event)
        if _known_by(event, day):
            continue
        earliest = when.earliest
        if earliest is None or earliest <= day:
            return event.to_stage, when
        return None  # moves are recorded in order: a later one cannot be earlier
    return None


def _known_by(event: EventLike, day: date) -> bool:
    return event.occurred_on is not None and event.occurred_on <= day


def holder_on(known: Sequence[EventLike]) -> str | None:
    """Whose move it was after ``known`` (the events known by a day): the
    holder set by the latest of them, by date, that set one: a move (which
    may hand the move to nobody, e.g. in force) or an entry naming a holder.
    An entry that names none changes nobody's move, whenever it was recorded."""
    setting = [e for e in known if e.awaiting is not None or e.to_stage is not None]
    if not setting:
        return None
    return max(setting, key=lambda e: (e.occurred_on, e.seq)).awaiting


def _late_entries(ordered: Sequence[EventLike]) -> set[int]:
    """The seqs of events certainly dated before the move recorded before
    them: documents filed late, whose recorded stage is the one of the day
    they were filed, not of their own day (workflows.event_rules.is_late)."""
    late: set[int] = set()
    entry: date | None = None
    for event in ordered:
        if event.to_stage is not None:
            entry = when_of(event).earliest
        elif entry is not None and event.occurred_on is not None and event.occurred_on < entry:
            late.add(event.seq)
    return late


def standing_on(events: Iterable[EventLike], day: date) -> Standing | None:
    """Reconstruct the stage on ``day`` from events in recording order.

    An event counts when its date is known to be on or before ``day`` (an exact
    date, or a "no later than" bound). A move counts too when a later round or
    signature shows the stage it led to held by then. Returns None when the
    history says nothing about that day.
    """
    ordered: Sequence[EventLike] = sorted(events, key=lambda e: e.seq)
    known = [e for e in ordered if _known_by(e, day)]
    late = _late_entries(ordered)
    evidence = [e for e in known if e.to_stage or (e.kind in STAGE_EVIDENCE_KINDS and e.seq not in late)]
    if not evidence:
        return None
    last = evidence[-1]
    stage = last.to_stage or last.from_stage
    if stage is None:  # a round or signature is recorded in the stage it happened in
        raise ValueError(f"event {last.seq} ({last.kind}) records no stage")
    entry_index = max(i for i, e in enumerate(ordered) if e.to_stage and e.seq <= last.seq)
    entry = ordered[entry_index]
    since = when_of(entry)
    if not _known_by(entry, day):
        # the stage held by the first dated evidence after the move
        first = next(e for e in evidence if e.seq >= entry.seq)
        since = When(first.occurred_on, NOT_AFTER)
    signed = [e.occurred_on for e in known if e.kind == "signature"]
    in_force = [e.occurred_on for e in known if e.to_stage == "in_force"]
    return Standing(
        stage=stage,
        since=since,
        awaiting=holder_on(known),
        signed_on=signed[-1] if signed else None,
        in_force_on=in_force[-1] if in_force else None,
        events=known,
    )


def possible_next(columns: Sequence, day: date) -> tuple[str, When] | None:
    """:func:`possible_move` from a move's stored columns (its stage,
    ``occurred_on``, ``date_precision``, ``occurred_from``, ``date_form``),
    as a listing reads them; None when there is no such move or it cannot
    have happened by the end of ``day``, or certainly had."""
    stage, on, precision, start, form = columns
    if stage is None:
        return None
    if isinstance(on, str):
        on = date.fromisoformat(on)
    if isinstance(start, str):
        start = date.fromisoformat(start)
    return possible_at(stage, When.stored(on, precision, start, form), day)


def possible_at(stage: str, when: When, day: date) -> tuple[str, When] | None:
    """(``stage``, ``when``) when a move into ``stage`` dated ``when`` may
    have happened by the end of ``day`` but not certainly; else None."""
    if when.on is not None and when.on <= day:
        return None
    earliest = when.earliest
    return (stage, when) if earliest is None or earliest <= day else None
