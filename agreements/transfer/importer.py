"""Import: apply the records of a history file to the database, in one transaction.

Importing is idempotent and append-only: an agreement already stored must
match the file, its stored events must be the start of the file's events,
and only the events after them are added. A file that contradicts the stored
history is refused whole.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from agreements.clock import Clock
from agreements.errors import BadInput, DomainError, ImportConflict
from agreements.store.database import Database
from agreements.store.hash_chain import subject_of
from agreements.store.tables import Agreement, AgreementParty, Event
from agreements.transfer.bulk import DeferredSearchIndex, EventInserts, Scratch, no_cyclic_gc
from agreements.transfer.formats import AgreementRecord
from agreements.writes.apply import EventSpec, append_event
from agreements.writes.commands import transaction
from agreements.writes.users import authorise
from workflows.acts import received_when
from workflows.chronology import UNKNOWN
from workflows.date_forms import when_of
from workflows.revisions import touched_stages
from workflows.roles import HEAD, OFFICER, needed_to_enter
from workflows.stages import HEAD_STAGES

INSERT_BATCH = 2000  # events per executemany in an import


@dataclass
class ImportReport:
    """What an import added, and how many agreements it found up to date."""

    agreements_added: int = 0
    events_added: int = 0
    agreements_unchanged: int = 0


def import_records(db: Database, records: list[AgreementRecord], clock: Clock, actor: str) -> ImportReport:
    """Add what is new in ``records`` in one transaction; refuse contradictions.

    ``actor`` imports: they must be allowed to record what the file adds
    (an officer; a head when it moves an agreement into a head's stage), and
    each added event records them and the import time as the tracker's own
    record, the file's actor and recording time as stated.
    """
    day, now = clock.today(), clock.now()
    report = ImportReport()

    def work(session: Session) -> ImportReport:
        authorise(session, actor, OFFICER, "importing")
        existing = _stored_agreements(session, records)
        by_code = _check_or_add_agreements(session, records, existing, now, report)
        _link_new_parents(session, records, existing, by_code)
        session.flush()  # the new agreements get their ids: events are inserted as plain rows
        deferred = DeferredSearchIndex(session) if db.is_sqlite else None
        needs_head = False
        rows: list[dict[str, Any]] = []
        # declarative types __table__ as any FromClause
        inserts = EventInserts(session, cast(Table, Event.__table__), direct=db.is_sqlite)
        for record in records:
            known = record.code in existing
            entered = _append_history(session, record, by_code[record.code], known, (day, now, actor), rows, report)
            # the stages the events really entered (a signature has no `to` but enters signing)
            needs_head = needs_head or any(needed_to_enter(stage) == HEAD for stage in entered)
            if len(rows) >= INSERT_BATCH:
                inserts.insert(rows)
                rows = []
        if needs_head:
            authorise(session, actor, HEAD, "importing moves into " + ", ".join(sorted(HEAD_STAGES)))
        inserts.insert(rows)
        if deferred is not None:
            deferred.finish()
        return report

    with no_cyclic_gc():
        return transaction(db, "the import", work)


# ---------------------------------------------------------------- agreements


def _stored_agreements(session: Session, records: list[AgreementRecord]) -> dict[str, Agreement]:
    """The agreements of the file that are already stored, by code."""
    codes = [r.code for r in records]
    return {a.code: a for a in session.scalars(select(Agreement).where(Agreement.code.in_(codes)))}


def _check_or_add_agreements(
    session: Session,
    records: list[AgreementRecord],
    existing: dict[str, Agreement],
    now: datetime,
    report: ImportReport,
) -> dict[str, Agreement]:
    """Check each stored agreement against its record and add the others
    (without their parents yet); every agreement of the file, by code."""
    parents = {a.id: a.code for a in existing.values()}
    by_code: dict[str, Agreement] = dict(existing)
    for record in records:
        if record.code in existing:
            agreement = existing[record.code]
            parent_code = None
            if agreement.parent_id is not None:
                parent_code = parents.get(agreement.parent_id) or session.scalar(
                    select(Agreement.code).where(Agreement.id == agreement.parent_id)
                )
            _check_same(agreement, record, parent_code)
            continue
        agreement = _new_agreement(record, now)
        session.add(agreement)
        by_code[record.code] = agreement
        report.agreements_added += 1
    return by_code


def _new_agreement(record: AgreementRecord, now: datetime) -> Agreement:
    """The row of an agreement new to the database, before any of its events."""
    return Agreement(
        code=record.code,
        title_az=record.title_az,
        title_en=record.title_en,
        kind=record.kind,
        officer=record.officer,
        stage=record.events[0].to or "draft",
        stage_since_precision=UNKNOWN,
        event_count=0,
        created_at=now,
        parties=[AgreementParty(party=p, position=i) for i, p in enumerate(record.parties)],
    )


def _link_new_parents(
    session: Session,
    records: list[AgreementRecord],
    existing: dict[str, Agreement],
    by_code: dict[str, Agreement],
) -> None:
    """Give each new agreement its parent, from the file or the database."""
    _refuse_parent_cycles({r.code: r.parent for r in records if r.code not in existing})
    for record in records:
        if record.parent is None or record.code in existing:
            continue
        parent = by_code.get(record.parent) or session.scalar(select(Agreement).where(Agreement.code == record.parent))
        if parent is None:
            raise BadInput(f"{record.code}: parent agreement {record.parent} is neither stored nor in the file")
        by_code[record.code].parent = parent


def _refuse_parent_cycles(parents: dict[str, str | None]) -> None:
    """New agreements whose parents lead back to themselves cannot be stored
    (a stored agreement's parent is fixed, so a cycle lies among the new ones)."""
    for start in parents:
        seen = [start]
        parent = parents[start]
        while parent is not None and parent in parents:
            if parent in seen:
                cycle = " -> ".join([*seen[seen.index(parent) :], parent])
                raise BadInput(f"{parent}: its parents form a cycle ({cycle}); an agreement cannot be its own ancestor")
            seen.append(parent)
            parent = parents[parent]


def _check_same(existing: Agreement, record: AgreementRecord, parent_code: str | None) -> None:
    """A stored agreement's own fields must be the file's: they cannot change."""
    stored = {
        "title_az": existing.title_az,
        "title_en": existing.title_en,
        "kind": existing.kind,
        "parties": existing.party_codes,
        "parent": parent_code,
        "officer": existing.officer,
    }
    for name, value in stored.items():
        if getattr(record, name) != value:
            raise ImportConflict(
                f"{record.code} is stored with a different {name} ({value!r}); "
                "the file would change it, so nothing was imported"
            )


# ---------------------------------------------------------------- events


def _append_history(
    session: Session,
    record: AgreementRecord,
    agreement: Agreement,
    known: bool,
    when_who: tuple[date, datetime, str],
    rows: list[dict[str, Any]],
    report: ImportReport,
) -> set[str]:
    """Check the stored events of a ``known`` agreement against the file's,
    then apply the file's later events, their rows appended to ``rows``; the
    stages those events entered, once the rules have fired."""
    stored = (
        list(session.scalars(select(Event).where(Event.agreement_id == agreement.id).order_by(Event.seq)))
        if known
        else []
    )
    _check_history(record, stored)
    new = record.events[len(stored) :]
    if not new and known:
        report.agreements_unchanged += 1
    scratch = Scratch(agreement)
    entered: set[str] = set()
    moves: dict[int, str | None] = {e.seq: e.to_stage for e in stored}  # what a revision in the file may touch
    day, now, actor = when_who
    for index, spec in enumerate(new, len(stored) + 1):
        before = scratch.stage if index > 1 else None  # an opening event enters its first stage
        if index == 1:
            spec = replace(spec, subject=_subject(record))
        try:
            append_event(session, scratch, spec, day, now=now, rows=rows, imported_by=actor)
        except DomainError as exc:
            raise BadInput(f"{record.code}, event {index}: {exc}") from None
        moves[index] = scratch.stage if scratch.stage != before else None
        if scratch.stage != before:
            entered.add(scratch.stage)
        # a correction, retraction or void needs the role of the moves it touches
        entered |= touched_stages(spec.kind, spec.target_seq, moves)
        report.events_added += 1
    scratch.write_back(agreement)
    return entered


def _subject(record: AgreementRecord) -> str:
    return subject_of(
        title_az=record.title_az,
        title_en=record.title_en,
        kind=record.kind,
        parties=record.parties,
        parent=record.parent,
        officer=record.officer,
    )


def _check_history(record: AgreementRecord, stored: list[Event]) -> None:
    """The stored events must be the start of the file's: history cannot change."""
    for index, event in enumerate(stored[: len(record.events)]):
        differs = _differences(event, record.events[index])
        if differs:
            raise ImportConflict(
                f"{record.code}: event {index + 1} in the file differs from the stored "
                f"history ({', '.join(differs)}), which cannot be changed; nothing was imported"
            )


def _differences(event: Event, spec: EventSpec) -> list[str]:
    """Fields where the file says something else than the stored event.

    ``from``, ``to`` and ``awaiting`` left empty in a file mean "not stated".
    """
    pairs = {
        "kind": (event.kind, spec.kind),
        "on": (when_of(event), spec.when),  # the date with its form
        "target": (event.target_seq, spec.target_seq),
        "correction": (event.correction, spec.correction),
        "until": (event.occurred_until, spec.until),
        "place": (event.place, spec.place),
        "outcome": (event.outcome, spec.outcome),
        "open_articles": (event.open_articles, spec.open_articles),
        "note": (event.note, spec.note),
        "reason": (event.reason, spec.reason),
        "reference": (event.reference, spec.reference),
        "source": (event.source, spec.source),
        "actor": (event.stated_actor if event.stated_actor is not None else event.actor, spec.actor),
        "party": (event.party, spec.party),
        "act": (event.act_kind, spec.act),
        "received": (received_when(event.received_on, event.received_from, event.received_form), spec.received),
        "instrument": (event.instrument, spec.instrument),
        "rule": (event.entry_rule, spec.rule),
    }
    stated = {
        "from": (event.from_stage, spec.from_),
        "to": (event.to_stage, spec.to),
        "awaiting": (event.awaiting, spec.awaiting),
    }
    pairs.update({k: v for k, v in stated.items() if v[1] is not None})
    return [name for name, (stored, given) in pairs.items() if stored != given]
