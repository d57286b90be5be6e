"""The one place where an event is applied to an agreement row.

Live commands and imports both go through :func:`append_event`, so the
lifecycle and chronology rules (``workflows.event_rules``) are the same
whichever way history arrives.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from types import SimpleNamespace
from typing import Any, Protocol, cast, overload

from sqlalchemy import select
from sqlalchemy.orm import Session

from agreements.errors import BadInput
from agreements.store.hash_chain import event_hash
from agreements.store.tables import Agreement, Event
from workflows.acts import received_columns
from workflows.chronology import When
from workflows.event_rules import Recordable, apply_event, check_event
from workflows.events import OPENED
from workflows.replay import rederive
from workflows.revisions import REVISION_KINDS
from workflows.stall_summary import fold_event


@dataclass(frozen=True)
class EventSpec:
    """What a user (or an import file) says happened."""

    kind: str
    when: When
    actor: str
    to: str | None = None
    from_: str | None = None  # for imports: the stage the file says it left
    until: date | None = None
    place: str | None = None
    outcome: str | None = None
    open_articles: int | None = None
    note: str | None = None
    reason: str | None = None
    reference: str | None = None
    awaiting: str | None = None
    source: str | None = None
    recorded_at: datetime | None = None
    subject: str | None = None  # an opening's record of the agreement's own fields
    target_seq: int | None = None  # the event a correction or retraction is about
    correction: str | None = None  # what a correction supersedes (workflows.corrections)
    # a party's act (workflows.acts): the party, the kind of act, when it was
    # received, the instrument; and the rule an entry_rule event records
    party: str | None = None
    act: str | None = None
    received: When | None = None
    instrument: str | None = None
    rule: str | None = None


class Appendable(Recordable, Protocol):
    """An agreement as :func:`append_event` reads and changes it: an ORM row,
    or for bulk imports a plain copy of one (``agreements.transfer.bulk.Scratch``)."""

    id: int
    last_hash: str | None


def _history(session: Session, agreement: Appendable, rows: list[dict[str, Any]] | None) -> list[Any]:
    """The agreement's events so far in recording order: stored ones and, in
    a bulk import, those not yet inserted. Read only for a late entry."""
    by_seq: dict[int, Any] = {}
    if agreement.id is not None:
        for event in session.scalars(select(Event).where(Event.agreement_id == agreement.id)):
            by_seq[event.seq] = event
    for values in rows or ():
        if values.get("agreement_id") == agreement.id:
            by_seq[values["seq"]] = SimpleNamespace(**values)
    return [by_seq[seq] for seq in sorted(by_seq)]


def _apply(session: Session, agreement: Appendable, spec: EventSpec, rows: list[dict[str, Any]] | None) -> str | None:
    """Change the row as the event says; the stage before it. A correction or
    retraction makes the row what the history as it now reads makes it (as
    ``verify`` replays it)."""
    if spec.kind not in REVISION_KINDS:
        return apply_event(agreement, spec)
    this = SimpleNamespace(kind=spec.kind, seq=agreement.event_count + 1, target_seq=spec.target_seq)
    this.correction = spec.correction
    stage_before = agreement.stage
    rederive(agreement, agreement.code, [*_history(session, agreement, rows), this])
    return stage_before


@overload
def append_event(
    session: Session,
    agreement: Agreement,
    spec: EventSpec,
    today: date,
    *,
    now: datetime,
    rows: None = None,
    imported_by: str | None = None,
) -> Event: ...


@overload
def append_event(
    session: Session,
    agreement: Appendable,
    spec: EventSpec,
    today: date,
    *,
    now: datetime,
    rows: list[dict[str, Any]],
    imported_by: str | None = None,
) -> None: ...


def append_event(
    session: Session,
    agreement: Appendable,
    spec: EventSpec,
    today: date,
    *,
    now: datetime,
    rows: list[dict[str, Any]] | None = None,
    imported_by: str | None = None,
) -> Event | None:
    """Validate ``spec`` against the agreement, apply it, and add its event.

    Nothing is flushed here: the caller's transaction commits the changed row
    and the new event together, or neither. With ``rows`` (bulk imports), the
    event is not made an ORM object: its column values are appended to
    ``rows`` for the caller to insert in batches in the same transaction (the
    agreement must then have its id, i.e. be flushed), and None is returned.

    With ``imported_by``, the event comes from a file: its actor and
    recording time are kept as stated, and the tracker's own record is who
    imported it and when.
    """
    check_event(agreement, spec, today, history=lambda: _history(session, agreement, rows))
    previous_awaiting = agreement.awaiting
    revision = spec.kind in REVISION_KINDS
    stage_before = _apply(session, agreement, spec, rows)

    agreement.event_count = (agreement.event_count or 0) + 1
    sets_holder = spec.awaiting is not None or spec.kind == OPENED or agreement.stage != stage_before
    actor, recorded_at, stated_actor, stated_at = spec.actor, spec.recorded_at or now, None, None
    if imported_by is not None:
        actor, recorded_at, stated_actor, stated_at = imported_by, now, spec.actor, spec.recorded_at
    values = dict(
        seq=agreement.event_count,
        kind=spec.kind,
        from_stage=stage_before,
        to_stage=agreement.stage if agreement.stage != stage_before else None,
        **spec.when.columns()._asdict(),
        occurred_until=spec.until,
        recorded_at=recorded_at,
        actor=actor,
        place=spec.place,
        note=spec.note,
        reason=spec.reason,
        reference=spec.reference,
        outcome=spec.outcome,
        open_articles=spec.open_articles,
        # the holder this event sets: named, or the one a move hands to; an
        # event that names none changes nobody's move and records none
        awaiting=spec.awaiting if spec.awaiting is not None else agreement.awaiting if sets_holder else None,
        source=spec.source,
        subject=spec.subject,
        stated_actor=stated_actor,
        stated_recorded_at=stated_at,
        target_seq=spec.target_seq,
        correction=spec.correction,
        party=spec.party,
        act_kind=spec.act,
        instrument=spec.instrument,
        entry_rule=spec.rule,
    )
    values["received_on"], values["received_from"], values["received_form"] = received_columns(spec.received)
    if recorded_at.tzinfo is None:
        raise BadInput("recorded_at needs a UTC offset")
    values["prev_hash"] = agreement.last_hash
    values["hash"] = agreement.last_hash = event_hash(agreement.code, agreement.last_hash, values)
    if rows is not None:
        if not revision:
            fold_event(agreement, SimpleNamespace(**values), previous_awaiting)
        values["agreement_id"] = agreement.id
        rows.append(values)
        return None
    event = Event(**values)
    if not revision:
        fold_event(agreement, event, previous_awaiting)
    event.agreement = cast(Agreement, agreement)  # without rows (first overload) it is an ORM row
    session.add(event)
    return event
