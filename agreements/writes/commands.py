"""Commands that change the tracker. Each runs in one transaction: the changed
agreement row and its new history event commit together or not at all."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from agreements.clock import Clock
from agreements.errors import (
    AgreementExists,
    BadInput,
    GuardRefused,
    IllegalMove,
    StaleWrite,
)
from agreements.store.database import Database
from agreements.store.hash_chain import subject_of
from agreements.store.lookup import load
from agreements.store.tables import Agreement, AgreementParty, Event
from agreements.writes.apply import EventSpec, append_event
from agreements.writes.entry_checks import check_entry_into_force
from agreements.writes.users import authorise
from workflows.chronology import DAY, UNKNOWN, When
from workflows.entry_rules import is_binding
from workflows.events import NOTE, OPENED, ROUND, SIGNATURE, STAGE_CHANGE
from workflows.inputs import normalise_code, normalise_party
from workflows.roles import OFFICER, needed_to_enter
from workflows.stages import (
    APPROVED,
    DRAFT,
    IN_FORCE,
    KINDS,
    STAGE_NAMES,
    SUSPENDED,
    TERMINATED,
    allowed_targets,
    next_canonical,
)
from workflows.text import MAX_TITLE

T = TypeVar("T")


def transaction(db: Database, code: str, work: Callable[[Session], T]) -> T:
    """Run ``work`` in one transaction; a lost race becomes StaleWrite."""
    try:
        with db.sessions().begin() as session:
            return work(session)
    except StaleDataError:
        raise StaleWrite(code) from None
    except IntegrityError as exc:
        if "uq_events_agreement_seq" in str(exc.orig) or "events.agreement_id, events.seq" in str(exc.orig):
            raise StaleWrite(code) from None
        raise
    except OperationalError as exc:
        if "database is locked" in str(exc.orig):
            raise StaleWrite(code) from None
        raise


@dataclass(frozen=True)
class Recorded:
    """What a command wrote, for the command line to report."""

    code: str
    event: Event
    stage: str


def record_event(
    db: Database,
    code: str,
    build: Callable[[Agreement], EventSpec],
    clock: Clock,
    check: Callable[[Session, Agreement, EventSpec], None] | None = None,
) -> Recorded:
    """Load ``code``, build its next event from the row, append it: one
    transaction. ``check`` may refuse the event with what it reads besides the
    row (other agreements, the history)."""
    day, now = clock.today(), clock.now()

    def work(session: Session) -> Recorded:
        agreement = load(session, code)
        source = agreement.stage
        spec = build(agreement)
        if check is not None:
            check(session, agreement, spec)
        authorise(session, spec.actor, OFFICER, f"recording a {spec.kind.replace('_', ' ')} on {agreement.code}")
        event = append_event(session, agreement, spec, day, now=now)
        if agreement.stage != source:  # a move, also the one a signature makes
            authorise(
                session,
                spec.actor,
                needed_to_enter(agreement.stage),
                f"moving {agreement.code} from {source} to {agreement.stage}",
            )
        return Recorded(agreement.code, event, agreement.stage)

    return transaction(db, code, work)


def day_or_today(on: When | date | None, today: date) -> When:
    """``on`` (a date in any form, or an exact day) when given, else ``today``."""
    if on is None:
        return When(today, DAY)
    return on if isinstance(on, When) else When(on, DAY)


@dataclass(frozen=True)
class Details:
    """The free-text options every history-writing command takes."""

    actor: str
    note: str | None = None
    reference: str | None = None
    place: str | None = None
    awaiting: str | None = None


def add_agreement(
    db: Database,
    code: str,
    *,
    title_az: str,
    title_en: str,
    kind: str,
    parties: Sequence[str],
    actor: str,
    parent: str | None = None,
    officer: str | None = None,
    on: When | date | None = None,
    stage: str = DRAFT,
    note: str | None = None,
    reference: str | None = None,
    awaiting: str | None = None,
    clock: Clock,
) -> Recorded:
    """Create an agreement and its opening event (at ``stage``, default draft)."""
    code = normalise_code(code)
    if kind not in KINDS:
        raise BadInput(f"unknown kind {kind!r}; one of: {', '.join(KINDS)}")
    if not parties:
        raise BadInput("an agreement needs at least one counterpart (--party)")
    codes = [normalise_party(p) for p in parties]
    if len(set(codes)) != len(codes):
        raise BadInput("a counterpart is given twice")
    for name, title in (("title-az", title_az), ("title-en", title_en)):
        if not title or not title.strip():
            raise BadInput(f"--{name} cannot be empty")
        if len(title) > MAX_TITLE:
            raise BadInput(f"--{name} is longer than {MAX_TITLE} characters")
    if stage not in STAGE_NAMES or stage in (SUSPENDED, TERMINATED):
        raise BadInput(f"an agreement cannot be opened in stage {stage!r}")
    day, now = clock.today(), clock.now()

    def work(session: Session) -> Recorded:
        authorise(session, actor, needed_to_enter(stage), f"adding an agreement at {stage}")
        if session.scalar(select(Agreement.id).where(Agreement.code == code)) is not None:
            raise AgreementExists(code)
        parent_row = load(session, parent) if parent else None
        agreement = Agreement(
            code=code,
            title_az=title_az.strip(),
            title_en=title_en.strip(),
            kind=kind,
            parent=parent_row,
            officer=officer,
            stage=stage,
            stage_since_precision=UNKNOWN,
            event_count=0,
            created_at=now,
            parties=[AgreementParty(party=p, position=i) for i, p in enumerate(codes)],
        )
        session.add(agreement)
        spec = EventSpec(
            kind=OPENED,
            when=day_or_today(on, day),
            actor=actor,
            to=stage,
            note=note or "Agreement entered in the tracker.",
            reference=reference,
            awaiting=awaiting,
            subject=subject_of(
                title_az=agreement.title_az,
                title_en=agreement.title_en,
                kind=kind,
                parties=codes,
                parent=parent_row.code if parent_row is not None else None,
                officer=officer,
            ),
        )
        event = append_event(session, agreement, spec, day, now=now)
        return Recorded(code, event, agreement.stage)

    try:
        return transaction(db, code, work)
    except IntegrityError:
        raise AgreementExists(code) from None


def advance(
    db: Database,
    code: str,
    to: str | None,
    details: Details,
    *,
    on: When | date | None = None,
    reason: str | None = None,
    clock: Clock,
) -> Recorded:
    """Move an agreement to ``to`` (default: the next stage of the canonical path);
    also suspends and terminates it. An entry into force must agree with the
    base agreement and with the date the rule computes, or give ``reason``."""

    def build(agreement: Agreement) -> EventSpec:
        dest = to
        if dest is None:
            dest = next_canonical(agreement.stage)
            if dest == IN_FORCE and not is_binding(agreement.kind, agreement.entry_rule):
                dest = APPROVED  # where a non-binding instrument ends
            if dest is None:
                allowed = ", ".join(allowed_targets(agreement.stage, agreement.suspended_from)) or "none"
                raise IllegalMove(
                    f"{agreement.code} is in {agreement.stage}, which has no next stage on the "
                    f"canonical path; name one with --to (allowed: {allowed})"
                )
        if reason is not None and dest not in (IN_FORCE, TERMINATED):
            raise BadInput(
                f"a reason is for an entry into force or a termination, not for a move into {dest} "
                "(say more with --note)"
            )
        if dest == IN_FORCE and on is None:
            raise GuardRefused(
                f"cannot move from {agreement.stage} to in_force: entering in_force needs "
                "the entry-into-force date (--on DATE)"
            )
        return EventSpec(
            kind=STAGE_CHANGE,
            when=day_or_today(on, clock.today()),
            actor=details.actor,
            to=dest,
            place=details.place,
            note=details.note,
            reason=reason,
            reference=details.reference,
            awaiting=details.awaiting,
        )

    def check(session: Session, agreement: Agreement, spec: EventSpec) -> None:
        if spec.to == IN_FORCE and spec.when.on is not None:
            check_entry_into_force(session, agreement, spec.when.on, reason)

    return record_event(db, code, build, clock, check)


def resume(db: Database, code: str, details: Details, *, on: When | date | None = None, clock: Clock) -> Recorded:
    """Return a suspended agreement to the stage it was suspended from."""

    def build(agreement: Agreement) -> EventSpec:
        if agreement.stage != SUSPENDED:
            raise IllegalMove(f"{agreement.code} is not suspended (it is in {agreement.stage})")
        return EventSpec(
            kind=STAGE_CHANGE,
            when=day_or_today(on, clock.today()),
            actor=details.actor,
            to=agreement.suspended_from,
            place=details.place,
            note=details.note,
            reference=details.reference,
            awaiting=details.awaiting,
        )

    return record_event(db, code, build, clock)


def record_round(
    db: Database,
    code: str,
    details: Details,
    *,
    on: When | date,
    until: date | None = None,
    outcome: str | None = None,
    open_articles: int | None = None,
    clock: Clock,
) -> Recorded:
    """Record one round of expert talks."""
    return record_event(
        db,
        code,
        lambda _a: EventSpec(
            kind=ROUND,
            when=day_or_today(on, clock.today()),
            until=until,
            actor=details.actor,
            place=details.place,
            outcome=outcome,
            open_articles=open_articles,
            note=details.note,
            reference=details.reference,
            awaiting=details.awaiting,
        ),
        clock,
    )


def sign(db: Database, code: str, details: Details, *, on: When | date, clock: Clock) -> Recorded:
    """Record the signature (moving from mfa to signing if needed)."""
    return record_event(
        db,
        code,
        lambda _a: EventSpec(
            kind=SIGNATURE,
            when=day_or_today(on, clock.today()),
            actor=details.actor,
            place=details.place,
            note=details.note,
            reference=details.reference,
            awaiting=details.awaiting,
        ),
        clock,
    )


def add_note(
    db: Database, code: str, text: str, details: Details, *, on: When | date | None = None, clock: Clock
) -> Recorded:
    """Record a plain note; it changes no stage."""
    if not text or not text.strip():
        raise BadInput("a note cannot be empty")
    return record_event(
        db,
        code,
        lambda _a: EventSpec(
            kind=NOTE,
            when=day_or_today(on, clock.today()),
            actor=details.actor,
            note=text,
            place=details.place,
            reference=details.reference,
            awaiting=details.awaiting,
        ),
        clock,
    )


__all__ = [
    "Details",
    "Recorded",
    "add_agreement",
    "add_note",
    "advance",
    "day_or_today",
    "record_event",
    "record_round",
    "resume",
    "sign",
    "transaction",
]
