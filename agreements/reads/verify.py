"""Prove the stored record: recompute every hash chain, replay every history
through the production rules and compare the agreement row with the replay
and with the own fields its history recorded, and compute the root over all
chains (and at each anchor's moment, :mod:`agreements.reads.anchor`).

One ordered pass: the agreement rows, their counterparts and their events
are each streamed in code order and merged, so that one history at a time is
in memory, whatever the size of the archive.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.orm import Session, aliased

from agreements.reads.anchor import Root, RootBuilder, code_order, mismatch, running_latest
from agreements.store.database import Database
from agreements.store.hash_chain import HASHED_FIELDS, check_chain
from agreements.store.lookup import load
from agreements.store.tables import Agreement, AgreementParty, Event
from workflows.errors import DomainError
from workflows.replay import DERIVED_COLUMNS, Replayed, rederive, step
from workflows.revisions import REVISION_KINDS

# an agreement's own fields, in the order hash_chain.subject_of records them
OWN_FIELDS = ("title_az", "title_en", "kind", "parties", "parent", "officer")
_SAMPLE = 5  # agreements named when their own fields are not covered


@dataclass
class Verification:
    """What a verification found: one line per agreement found wrong (its
    first difference), the agreements whose own fields no history covers,
    the root of everything and the root at each anchor's moment."""

    agreements: int = 0
    events: int = 0
    findings: list[str] = field(default_factory=list)
    uncovered: int = 0
    uncovered_codes: list[str] = field(default_factory=list)
    root: Root | None = None
    anchor_mismatches: list[str] = field(default_factory=list)  # how each anchored root differs (empty: all extend)


class ReplayRefused(DomainError):
    """A stored event that the rules do not allow where it stands."""


def replay(code: str, events: Sequence[Any]) -> Replayed:
    """Apply ``events`` (stored events in seq order, read by attribute) to a
    fresh row with the production rules (``apply_event``, ``fold_event``),
    checking that each moved where it says. Raises ReplayRefused."""
    row = Replayed(code)
    for index, event in enumerate(events):
        try:
            if event.kind in REVISION_KINDS:
                before: str | None = row.stage
                rederive(row, code, events[: index + 1])
                row.event_count += 1
            else:
                before = step(row, event)
        except (DomainError, ValueError) as exc:
            raise ReplayRefused(f"event {event.seq} does not follow from the events before it ({exc})") from None
        after = row.stage if row.stage != before else None
        if (before, after) != (event.from_stage, event.to_stage):
            raise ReplayRefused(
                f"event {event.seq} says it moved {_move(event.from_stage, event.to_stage)}, "
                f"its history says {_move(before, after)}"
            )
    return row


def _move(before: str | None, after: str | None) -> str:
    return f"from {before or 'nothing'} to {after or 'the same stage'}"


def _shown(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        return ", ".join(map(str, value)) or "none"
    text = str(value)
    return text if len(text) <= 40 else text[:39] + "…"


def row_difference(row: Any, replayed: Replayed) -> str | None:
    """The first derived column in which ``row`` is not what its history says."""
    for name in DERIVED_COLUMNS:
        stored, derived = getattr(row, name), getattr(replayed, name)
        if stored != derived:
            return f"the row says {name} {_shown(stored)}, its history says {_shown(derived)}"
    return None


def own_fields_difference(row: Any, parties: list[str], subject: str) -> str | None:
    """The first own field in which ``row`` is not what its history recorded
    (``subject``, hash_chain.subject_of's text)."""
    try:
        recorded = json.loads(subject)
    except ValueError:
        return "its history's record of its own fields is not readable"
    own = {
        "title_az": row.title_az,
        "title_en": row.title_en,
        "kind": row.kind,
        "parties": parties,
        "parent": row.parent_code,
        "officer": row.officer,
    }
    for name in OWN_FIELDS:
        if own[name] != recorded.get(name):
            return f"the row says {name} {_shown(own[name])}, its history says {_shown(recorded.get(name))}"
    return None


def _first_finding(row: Any, parties: list[str], history: list[Row[Any]]) -> tuple[str | None, bool]:
    """The first thing wrong with one agreement (chain, then derived
    columns, then own fields), and whether its history covers its own fields."""
    broken = check_chain(row.code, (event._mapping for event in history), row.last_hash)
    if broken is not None:
        return str(broken), True
    if not history:
        return f"{row.code}: its history is empty (every agreement opens with an event)", True
    try:
        replayed = replay(row.code, history)
    except ReplayRefused as exc:
        return f"{row.code}: {exc}", True
    difference = row_difference(row, replayed)
    if difference is not None:
        return f"{row.code}: {difference}", True
    subject = next((event.subject for event in reversed(history) if event.subject is not None), None)
    if subject is None:
        return None, False
    difference = own_fields_difference(row, parties, subject)
    return (f"{row.code}: {difference}" if difference is not None else None), True


def _streams(session: Session, code: str | None) -> Iterator[tuple[Any, list[str], list[Row[Any]]]]:
    """Each agreement row (in code order) with its counterparts and its
    events, merged from three ordered streams: one history in memory at a time."""
    order = code_order(session)
    parent = aliased(Agreement)
    table, events = Agreement.__table__, Event.__table__
    own = [table.c[c] for c in ("id", "code", "title_az", "title_en", "kind", "officer", "last_hash", *DERIVED_COLUMNS)]
    agreements = select(*own, parent.code.label("parent_code")).outerjoin(parent, parent.id == table.c.parent_id)
    parties = select(table.c.code, AgreementParty.party).join(table, table.c.id == AgreementParty.agreement_id)
    history = select(table.c.code.label("agreement_code"), events.c.prev_hash, events.c.hash).add_columns(
        *(events.c[f] for f in HASHED_FIELDS)
    )
    history = history.join(table, table.c.id == events.c.agreement_id)
    if code is not None:
        agreements = agreements.where(table.c.code == code)
        parties = parties.where(table.c.code == code)
        history = history.where(table.c.code == code)
    # Core rows on the session's connection (its snapshot), without the ORM's result processing
    connection = session.connection()
    streamed = {"yield_per": 5000}
    rows = connection.execute(agreements.order_by(order), execution_options=streamed)
    party_rows = connection.execute(parties.order_by(order, AgreementParty.position), execution_options=streamed)
    event_rows = connection.execute(history.order_by(order, events.c.seq), execution_options=streamed)
    next_party, next_event = next(party_rows, None), next(event_rows, None)
    for row in rows:
        # the three streams share one order; every counterpart and event belongs to an agreement (foreign keys)
        codes: list[str] = []
        while next_party is not None and next_party[0] == row.code:
            codes.append(next_party[1])
            next_party = next(party_rows, None)
        chain: list[Row[Any]] = []
        while next_event is not None and next_event[0] == row.code:
            chain.append(next_event)
            next_event = next(event_rows, None)
        yield row, codes, chain


def verify(db: Database, code: str | None = None, anchors: Sequence[tuple[str, Root]] = ()) -> Verification:
    """Check every agreement (or one): its chain, its row against the replay
    of its history, its own fields against the history's record of them;
    and, for the whole record, the root now and at each anchor's moment.

    All of it is read in one snapshot: read apart, an event committed in
    between by a concurrent writer would look like a broken chain.
    """
    result = Verification()
    whole = RootBuilder()
    anchored = [RootBuilder(root.moment) for _label, root in anchors]
    with db.snapshot() as session:
        if code is not None:
            code = load(session, code).code
        for row, parties, history in _streams(session, code):
            result.agreements += 1
            result.events += len(history)
            found, covered = _first_finding(row, parties, history)
            if found is not None:
                result.findings.append(found)
            if not covered:
                result.uncovered += 1
                if len(result.uncovered_codes) < _SAMPLE:
                    result.uncovered_codes.append(row.code)
            if code is None and history:
                latest = running_latest([event.recorded_at for event in history])
                hashes = [event.hash for event in history]
                for builder in (whole, *anchored):
                    builder.add_prefixes(row.code, latest, hashes)
    if code is None:
        result.root = whole.root()
        for (label, anchor), builder in zip(anchors, anchored):
            different = mismatch(label, anchor, builder.root())
            if different is not None:
                result.anchor_mismatches.append(different)
    return result
