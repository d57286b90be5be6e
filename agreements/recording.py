"""The one place where an event is applied to an agreement row.

Live commands and imports both go through :func:`append_event`, so the
lifecycle and chronology rules are the same whichever way history arrives.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timezone

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from agreements.errors import BadDate, BadInput, IllegalMove
from agreements.models import Agreement, Event
from workflows.chronology import DAY, UNKNOWN, When, check_event_date
from workflows.lifecycle import MoveContext, fire
from workflows.stages import (
    DEFAULT_HOLDER,
    EXPERT_TALKS,
    HOLDERS,
    IN_FORCE,
    SIGNING,
    STAGE_NAMES,
    SUSPENDED,
    TERMINATED,
)

EVENT_KINDS = ("opened", "stage_change", "round", "signature", "note", "ack", "flag", "plan")
# Events that say what happened to the agreement itself; a later stage change
# may not be dated before them. Notes, acknowledgements and flags are remarks
# about it and may be recorded in any order.
SUBSTANTIVE_KINDS = ("opened", "stage_change", "round", "signature")
MAX_TEXT = 10_000


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


def _check_text(spec: EventSpec) -> None:
    for name in ("place", "outcome", "note", "reason", "reference", "source", "actor"):
        value = getattr(spec, name)
        if value is not None and len(value) > MAX_TEXT:
            raise BadInput(f"{name} is longer than {MAX_TEXT} characters")
    if spec.awaiting is not None and spec.awaiting not in HOLDERS:
        raise BadInput(
            f"unknown holder {spec.awaiting!r}; one of: {', '.join(HOLDERS)}"
        )
    if spec.open_articles is not None and spec.open_articles < 0:
        raise BadInput("the number of open articles cannot be negative")
    if spec.kind not in EVENT_KINDS:
        raise BadInput(f"unknown event kind {spec.kind!r}; one of: {', '.join(EVENT_KINDS)}")


def _latest_known_date(session: Session, agreement: Agreement) -> date | None:
    if agreement.id is None:
        return None
    # a round's last day counts too: a move cannot precede the end of a round
    started, ended = session.execute(
        select(func.max(Event.occurred_on), func.max(Event.occurred_until)).where(
            Event.agreement_id == agreement.id,
            Event.date_precision == DAY,
            Event.kind.in_(SUBSTANTIVE_KINDS),
        )
    ).one()
    known = [d for d in (started, ended) if d is not None]
    return max(known) if known else None


def append_event(session: Session, agreement: Agreement, spec: EventSpec, today: date) -> Event:
    """Validate ``spec`` against the agreement, apply it, and add its event.

    Nothing is flushed here: the caller's transaction commits the changed row
    and the new event together, or neither.
    """
    _check_text(spec)
    code = agreement.code
    if spec.kind == "opened":
        if agreement.event_count:
            raise IllegalMove(f"{code} already has a history; only its first event opens it")
        if spec.to not in STAGE_NAMES:
            raise BadInput(f"an opening event needs a stage; one of: {', '.join(STAGE_NAMES)}")
    elif not agreement.event_count:
        raise IllegalMove(f"{code} has no opening event yet")

    stage_before = agreement.stage if agreement.event_count else None
    moves = spec.kind == "stage_change" or (spec.kind == "signature" and agreement.stage != SIGNING)
    check_event_date(
        spec.when,
        today=today,
        code=code,
        stage=stage_before,
        stage_entry=When(agreement.stage_since, agreement.stage_since_precision)
        if agreement.event_count
        else None,
        latest_known=_latest_known_date(session, agreement) if moves else None,
        moves_stage=moves,
        # an acknowledgement's "until" and a plan's date lie ahead by design
        until=None if spec.kind in ("ack", "plan") else spec.until,
    )
    if spec.from_ is not None and stage_before is not None and spec.from_ != stage_before:
        raise IllegalMove(f"{code} is in {stage_before}, not in {spec.from_}")

    holder = agreement.awaiting
    if spec.kind == "opened":
        agreement.stage = spec.to
        holder = DEFAULT_HOLDER.get(spec.to, holder)
    elif spec.kind == "stage_change":
        if spec.to is None:
            raise BadInput("a stage change needs the stage it goes to")
        if spec.to == IN_FORCE and spec.when.precision != DAY:
            raise BadDate("entering in_force needs the exact entry-into-force date (--on DATE)")
        fire(
            agreement,
            spec.to,
            MoveContext(in_force_on=spec.when.on if spec.to == IN_FORCE else None, reason=spec.reason),
        )
        if spec.to != SUSPENDED:
            holder = DEFAULT_HOLDER.get(spec.to, holder)
    elif spec.kind == "round":
        if agreement.stage != EXPERT_TALKS:
            raise IllegalMove(
                f"{code} is in {agreement.stage}; a round of expert talks needs it in "
                f"expert_talks (move it there first with `agreements advance {code} --to expert_talks`)"
            )
        if spec.when.precision == UNKNOWN:
            raise BadInput("a round needs its date")
    elif spec.kind == "ack":
        if agreement.stage in (IN_FORCE, TERMINATED):
            raise IllegalMove(f"{code} is {agreement.stage}; it is never flagged, so there is nothing to acknowledge")
        if spec.until is None or spec.when.on is None or spec.until <= spec.when.on:
            raise BadDate("an acknowledgement needs an --until date after the day it is given")
    elif spec.kind == "plan":
        if spec.until is None or spec.when.on is None or spec.until < spec.when.on:
            raise BadDate("a plan needs its planned date (--on), not before the day it is recorded")
    elif spec.kind == "signature":
        if spec.when.precision != DAY:
            raise BadInput("a signature needs its exact date")
        if agreement.stage != SIGNING:
            fire(agreement, SIGNING)
            holder = DEFAULT_HOLDER[SIGNING]
        agreement.signed_on = spec.when.on

    if spec.kind == "opened" or agreement.stage != stage_before:
        agreement.stage_since = spec.when.on
        agreement.stage_since_precision = spec.when.precision
    if agreement.stage == IN_FORCE and stage_before != IN_FORCE:
        agreement.in_force_on = spec.when.on
    if spec.awaiting is not None:
        holder = spec.awaiting
    agreement.awaiting = holder

    agreement.event_count = (agreement.event_count or 0) + 1
    event = Event(
        seq=agreement.event_count,
        kind=spec.kind,
        from_stage=stage_before,
        to_stage=agreement.stage if agreement.stage != stage_before else None,
        occurred_on=spec.when.on,
        date_precision=spec.when.precision,
        occurred_until=spec.until,
        recorded_at=spec.recorded_at or datetime.now(timezone.utc),
        actor=spec.actor,
        place=spec.place,
        note=spec.note,
        reason=spec.reason,
        reference=spec.reference,
        outcome=spec.outcome,
        open_articles=spec.open_articles,
        awaiting=holder,
        source=spec.source,
    )
    event.agreement = agreement
    session.add(event)
    return event
