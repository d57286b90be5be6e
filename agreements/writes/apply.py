"""The one place where an event is applied to an agreement row.

Live commands and imports both go through :func:`append_event`, so the
lifecycle and chronology rules are the same whichever way history arrives.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from types import SimpleNamespace
from typing import Any

from sqlalchemy.orm import Session

from agreements.store.hash_chain import event_hash
from agreements.errors import BadDate, BadInput, IllegalMove
from agreements.store.tables import Agreement, Event
from workflows.chronology import DAY, UNKNOWN, When, check_event_date
from workflows.events import EVENT_KINDS, STAGE_EVIDENCE_KINDS, SUBSTANTIVE_KINDS
from workflows.lifecycle import MoveContext, fire
from workflows.inputs import check_text
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

MAX_OPEN_ARTICLES = 10_000  # far above any treaty; keeps the number inside every integer column


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




def check_agreement_text(agreement: Any) -> None:
    """:func:`check_text` on an agreement's own free text (titles, officer)."""
    for name in ("title_az", "title_en", "officer"):
        check_text(name, getattr(agreement, name))


def _check_text(spec: EventSpec) -> None:
    for name in ("place", "outcome", "note", "reason", "reference", "source", "actor"):
        check_text(name, getattr(spec, name))
    if spec.awaiting is not None and spec.awaiting not in HOLDERS:
        raise BadInput(
            f"unknown holder {spec.awaiting!r}; one of: {', '.join(HOLDERS)}"
        )
    if spec.open_articles is not None and spec.open_articles < 0:
        raise BadInput("the number of open articles cannot be negative")
    if spec.open_articles is not None and spec.open_articles > MAX_OPEN_ARTICLES:
        raise BadInput(f"the number of open articles cannot be more than {MAX_OPEN_ARTICLES}")
    if spec.kind not in EVENT_KINDS:
        raise BadInput(f"unknown event kind {spec.kind!r}; one of: {', '.join(EVENT_KINDS)}")


SUMMARY_COLUMNS = (
    "last_event_on", "undated_events", "last_substantive_on", "clock_since",
    "ack_until", "ack_note", "ack_max_until", "last_flag",
)
_DATE_COLUMNS = ("last_event_on", "last_substantive_on", "clock_since", "ack_until", "ack_max_until")
# the kinds that restart the stall clock besides a stage entry (workflows.stall.RESET_KINDS)


def _later(a: date | None, b: date | None) -> date | None:
    if a is None:
        return b
    if b is None:
        return a
    return a if a >= b else b


def fold_event(summary: Any, event: Any, previous_awaiting: str | None) -> None:
    """Update the summary columns of ``summary`` (an Agreement, or any object
    with the attributes of SUMMARY_COLUMNS) with ``event``, the next event of
    its history; ``previous_awaiting`` is the holder after the event before.

    Pure bookkeeping, the incremental form of replaying the history: the
    tests check it against workflows.chronology/stall on every kind of event.
    """
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
    elif kind in STAGE_EVIDENCE_KINDS or event.awaiting != previous_awaiting:
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


def backfill_summaries(connection, ids: list[int] | None = None) -> int:
    """Recompute the summary columns of agreements (all, or ``ids``) from their
    events with :func:`fold_event`; used by migration 0005 and the benchmark
    generator. Reads plain rows in one pass ordered by agreement and seq."""
    from sqlalchemy import Date, bindparam, text

    where = "WHERE agreement_id IN :ids" if ids is not None else ""
    rows = connection.execute(
        text(
            "SELECT agreement_id, kind, to_stage, occurred_on, date_precision, occurred_until, "
            f"awaiting, note, outcome FROM events {where} ORDER BY agreement_id, seq"
        ).bindparams(*([bindparam("ids", expanding=True)] if ids is not None else [])),
        {"ids": ids} if ids is not None else {},
    )
    update = text(
        "UPDATE agreements SET " + ", ".join(f"{c} = :{c}" for c in SUMMARY_COLUMNS) + " WHERE id = :id"
    ).bindparams(*(bindparam(c, type_=Date) for c in _DATE_COLUMNS))
    pending: list[dict[str, Any]] = []
    current = None
    count = 0

    def finish(summary) -> None:
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
            kind=kind, to_stage=to_stage, occurred_on=_as_date(on), date_precision=precision,
            occurred_until=_as_date(until), awaiting=awaiting, note=note, outcome=outcome,
        )
        fold_event(current, event, current.awaiting)
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


def _as_date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(value)


def _latest_known_date(agreement: Agreement) -> date | None:
    # kept by fold_event in the same transaction as each event (only exact
    # days count, so undated events never change it)
    return agreement.last_substantive_on if agreement.event_count else None


def append_event(
    session: Session,
    agreement: Agreement,
    spec: EventSpec,
    today: date,
    *,
    now: datetime,
    rows: list[dict] | None = None,
) -> Event | None:
    """Validate ``spec`` against the agreement, apply it, and add its event.

    Nothing is flushed here: the caller's transaction commits the changed row
    and the new event together, or neither. With ``rows`` (bulk imports), the
    event is not made an ORM object: its column values are appended to
    ``rows`` for the caller to insert in batches in the same transaction (the
    agreement must then have its id, i.e. be flushed), and None is returned.
    """
    _check_text(spec)
    code = agreement.code
    if spec.kind == "opened":
        check_agreement_text(agreement)
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
        latest_known=_latest_known_date(agreement) if moves else None,
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
    previous_awaiting = agreement.awaiting
    agreement.awaiting = holder

    agreement.event_count = (agreement.event_count or 0) + 1
    values = dict(
        seq=agreement.event_count,
        kind=spec.kind,
        from_stage=stage_before,
        to_stage=agreement.stage if agreement.stage != stage_before else None,
        occurred_on=spec.when.on,
        date_precision=spec.when.precision,
        occurred_until=spec.until,
        recorded_at=spec.recorded_at or now,
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
    if values["recorded_at"].tzinfo is None:
        raise BadInput("recorded_at needs a UTC offset")
    values["prev_hash"] = agreement.last_hash
    values["hash"] = agreement.last_hash = event_hash(code, agreement.last_hash, values)
    if rows is not None:
        fold_event(agreement, SimpleNamespace(**values), previous_awaiting)
        values["agreement_id"] = agreement.id
        rows.append(values)
        return None
    event = Event(**values)
    fold_event(agreement, event, previous_awaiting)
    event.agreement = agreement
    session.add(event)
    return event
