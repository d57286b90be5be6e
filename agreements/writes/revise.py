"""Putting the record right, append-only: correct an event's fields, retract
an event entered in error, void an agreement entered by mistake. Each is a new
event (``workflows.revisions``); nothing stored is changed."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from agreements.clock import Clock
from agreements.errors import BadInput
from agreements.store.database import Database
from agreements.store.lookup import load
from agreements.store.tables import Event
from agreements.writes.apply import EventSpec, append_event
from agreements.writes.commands import Recorded, transaction
from agreements.writes.users import authorise
from workflows.acts import normalise_act_party
from workflows.chronology import DAY, When
from workflows.events import CORRECTION, RETRACTION, VOID
from workflows.revisions import encode, touched_stages
from workflows.roles import HEAD, OFFICER, needed_to_enter


def _revise(
    db: Database,
    code: str,
    actor: str,
    clock: Clock,
    *,
    kind: str,
    reason: str,
    target: int | None,
    changes: str | None,
) -> Recorded:
    day, now = clock.today(), clock.now()

    def work(session: Session) -> Recorded:
        agreement = load(session, code)
        events = list(session.scalars(select(Event).where(Event.agreement_id == agreement.id).order_by(Event.seq)))
        stages = touched_stages(kind, target, {e.seq: e.to_stage for e in events})
        needed = HEAD if any(needed_to_enter(stage) == HEAD for stage in stages) else OFFICER
        what = f"a {kind} of #{target} of {agreement.code}" if kind != VOID else f"voiding {agreement.code}"
        authorise(session, actor, needed, what)
        spec = EventSpec(
            kind=kind,
            when=When(day, DAY),
            actor=actor,
            reason=reason,
            target_seq=target,
            correction=changes,
        )
        event = append_event(session, agreement, spec, day, now=now)
        return Recorded(agreement.code, event, agreement.stage)

    return transaction(db, code, work)


def correct(db: Database, code: str, seq: int, changes: dict[str, Any], *, reason: str, actor: str, clock: Clock):
    """Append a correction of event ``seq``: ``changes`` (field -> value) supersede its own."""
    given = {k: v for k, v in changes.items() if v is not None}
    if "party" in given:
        given["party"] = normalise_act_party(given["party"])
    text = encode(given)
    return _revise(db, code, actor, clock, kind=CORRECTION, reason=reason, target=seq, changes=text)


def retract(db: Database, code: str, seq: int, *, reason: str, actor: str, clock: Clock) -> Recorded:
    """Append that event ``seq`` was entered in error; the latest stage change
    retracted returns the agreement to the stage before it."""
    return _revise(db, code, actor, clock, kind=RETRACTION, reason=reason, target=seq, changes=None)


def void(db: Database, code: str, *, reason: str, actor: str, clock: Clock) -> Recorded:
    """Mark the agreement entered by mistake: it leaves lists, stalls, digests
    and reports; its history stays."""
    if not reason.strip():
        raise BadInput("voiding an agreement needs --reason (why it was entered by mistake)")
    return _revise(db, code, actor, clock, kind=VOID, reason=reason, target=None, changes=None)
