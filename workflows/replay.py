"""An agreement row as its history alone makes it: the production rules
(``apply_event``, ``fold_event``) replayed over stored events. ``verify``
compares the stored row with it; a correction or retraction sets the row's
derived columns from it (:func:`rederive`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, NamedTuple

from workflows.date_forms import UNKNOWN, When, when_of
from workflows.event_rules import apply_event
from workflows.revisions import effective
from workflows.stall_summary import SUMMARY_COLUMNS, fold_event

# the columns of an agreement row that its history decides (the first that differs is named)
DERIVED_COLUMNS = (
    "event_count",
    "stage",
    "stage_since",
    "stage_since_precision",
    "stage_since_from",
    "stage_since_form",
    "suspended_from",
    "awaiting",
    "awaiting_on",
    "signed_on",
    "in_force_on",
    "voided",
    "revised",
    "entry_rule",
    *SUMMARY_COLUMNS,
)


@dataclass
class Replayed:
    """An agreement row as its history alone makes it (the derived columns)."""

    code: str
    title_az: str = ""
    title_en: str = ""
    officer: str | None = None
    stage: str = ""
    stage_since: date | None = None
    stage_since_precision: str = UNKNOWN
    stage_since_from: date | None = None
    stage_since_form: str | None = None
    suspended_from: str | None = None
    awaiting: str | None = None
    awaiting_on: date | None = None
    signed_on: date | None = None
    in_force_on: date | None = None
    voided: bool = False
    revised: bool = False
    entry_rule: str | None = None
    event_count: int = 0
    last_event_on: date | None = None
    undated_events: int = 0
    last_substantive_on: date | None = None
    clock_since: date | None = None
    ack_until: date | None = None
    ack_note: str | None = None
    ack_max_until: date | None = None
    last_flag: str | None = None


class Request(NamedTuple):
    """A stored event as the rules read a request (workflows.event_rules.EventRequest)."""

    kind: str
    when: When
    to: str | None
    from_: str | None
    until: date | None
    awaiting: str | None
    open_articles: int | None
    reason: str | None
    rule: str | None = None


def request_of(event: Any) -> Request:
    """What a stored event asked, as the rules read it."""
    return Request(
        event.kind,
        when_of(event),
        event.to_stage,
        event.from_stage,
        event.occurred_until,
        event.awaiting,
        event.open_articles,
        event.reason,
        getattr(event, "entry_rule", None),
    )


def step(row: Any, event: Any) -> str | None:
    """Apply one stored event to ``row`` (``apply_event`` and ``fold_event``);
    the stage before it."""
    previous_awaiting = row.awaiting
    before = apply_event(row, request_of(event))
    row.event_count += 1
    fold_event(row, event, previous_awaiting)
    return before


def rederive(row: Any, code: str, events: Sequence[Any]) -> None:
    """Set ``row``'s derived columns (but its event count) to what the
    history as it now reads (:func:`workflows.revisions.effective`) makes
    them, and mark it revised: ``events`` end with a correction or retraction."""
    fresh = Replayed(code)
    for event in effective(events):
        step(fresh, event)
    row.revised = True
    for name in DERIVED_COLUMNS:
        if name not in ("event_count", "revised") and getattr(row, name) != getattr(fresh, name):
            setattr(row, name, getattr(fresh, name))
