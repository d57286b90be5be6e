"""Dates of history events: how precise they are, what may follow what, and
where an agreement stood on a given day. Pure functions over plain values.

A date is exact (``day``), an upper bound (``not_after``: the source only says
it happened no later than that day) or ``unknown``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

from workflows.errors import BadDate
from workflows.events import STAGE_EVIDENCE_KINDS

DAY = "day"
NOT_AFTER = "not_after"
UNKNOWN = "unknown"
PRECISIONS = (DAY, NOT_AFTER, UNKNOWN)

# Events that happen inside a stage and so prove the stage held on their date.


@dataclass(frozen=True)
class When:
    on: date | None
    precision: str = DAY

    def __post_init__(self) -> None:
        if self.precision not in PRECISIONS:
            raise ValueError(f"unknown date precision {self.precision!r}")
        if (self.on is None) != (self.precision == UNKNOWN):
            raise ValueError("an unknown date has no day; a known one needs it")

    @property
    def earliest(self) -> date | None:
        """The earliest day it can have happened, when known."""
        return self.on if self.precision == DAY else None

    @property
    def latest(self) -> date | None:
        """The day by which it had certainly happened, when known."""
        return self.on

    def label(self) -> str:
        """The date as shown (see ``label``)."""
        return label(self.on, self.precision)


def label(on: date | str | None, precision: str) -> str:
    """How a date with its precision is shown: "2016-10-10", "≤2016-12-31"
    (no later than) or "date unknown". ``on`` may be a date or ISO text (as
    plain rows give it); no day or an unknown precision is "date unknown"."""
    if on is None or precision == UNKNOWN:
        return "date unknown"
    if not isinstance(on, str):
        on = on.isoformat()
    return "≤" + on if precision == NOT_AFTER else on


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
    """Refuse a date in the future, before the current stage began, or (for a
    stage change) before an event already recorded."""
    latest = when.latest
    if latest is not None and latest > today:
        raise BadDate(f"{latest.isoformat()} is in the future (today is {today.isoformat()})")
    if until is not None:
        if until > today:
            raise BadDate(f"{until.isoformat()} is in the future (today is {today.isoformat()})")
        if when.on is not None and until < when.on:
            raise BadDate(f"the end date {until.isoformat()} is before the start {when.on.isoformat()}")
    if latest is None:
        return
    entry = stage_entry.earliest if stage_entry else None
    if entry is not None and latest < entry:
        raise BadDate(
            f"{code} entered {stage} on {entry.isoformat()}; an event cannot be dated "
            f"before that ({latest.isoformat()})"
        )
    if moves_stage and latest_known is not None and latest < latest_known:
        raise BadDate(
            f"{code} has an event dated {latest_known.isoformat()}; a stage change cannot "
            f"be dated before it ({latest.isoformat()})"
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


def _known_by(event: EventLike, day: date) -> bool:
    return event.occurred_on is not None and event.occurred_on <= day


def standing_on(events: Iterable[EventLike], day: date) -> Standing | None:
    """Reconstruct the stage on ``day`` from events in recording order.

    An event counts when its date is known to be on or before ``day`` (an exact
    date, or a "no later than" bound). A move counts too when a later round or
    signature shows the stage it led to held by then. Returns None when the
    history says nothing about that day.
    """
    ordered: Sequence[EventLike] = sorted(events, key=lambda e: e.seq)
    known = [e for e in ordered if _known_by(e, day)]
    evidence = [e for e in known if e.to_stage or e.kind in STAGE_EVIDENCE_KINDS]
    if not evidence:
        return None
    last = evidence[-1]
    stage = last.to_stage or last.from_stage
    if stage is None:  # a round or signature is recorded in the stage it happened in
        raise ValueError(f"event {last.seq} ({last.kind}) records no stage")
    entry_index = max(i for i, e in enumerate(ordered) if e.to_stage and e.seq <= last.seq)
    entry = ordered[entry_index]
    since = When(entry.occurred_on, entry.date_precision)
    if not _known_by(entry, day):
        # the stage held by the first dated evidence after the move
        first = next(e for e in evidence if e.seq >= entry.seq)
        since = When(first.occurred_on, NOT_AFTER)
    signed = [e.occurred_on for e in known if e.kind == "signature"]
    in_force = [e.occurred_on for e in known if e.to_stage == "in_force"]
    return Standing(
        stage=stage,
        since=since,
        awaiting=known[-1].awaiting,
        signed_on=signed[-1] if signed else None,
        in_force_on=in_force[-1] if in_force else None,
        events=known,
    )
