"""Reads: agreements and their history as plain dictionaries. No state machine
is built here and no query runs once per row."""
from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from agreements import clock
from agreements.db import Database
from agreements.errors import BadInput
from agreements.models import Agreement, AgreementParty, Event
from agreements.services import load, normalise_party
from workflows.chronology import When, standing_on
from workflows.stages import KINDS, STAGE_NAMES


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def agreement_dict(agreement: Agreement, parent_code: str | None) -> dict[str, Any]:
    since = When(agreement.stage_since, agreement.stage_since_precision)
    return {
        "code": agreement.code,
        "title_en": agreement.title_en,
        "title_az": agreement.title_az,
        "kind": agreement.kind,
        "parties": agreement.party_codes,
        "parent": parent_code,
        "officer": agreement.officer,
        "stage": agreement.stage,
        "stage_since": _iso(agreement.stage_since),
        "stage_since_precision": agreement.stage_since_precision,
        "stage_since_label": since.label(),
        "awaiting": agreement.awaiting,
        "suspended_from": agreement.suspended_from,
        "signed_on": _iso(agreement.signed_on),
        "in_force_on": _iso(agreement.in_force_on),
        "events": agreement.event_count,
    }


def event_dict(event: Event) -> dict[str, Any]:
    return {
        "seq": event.seq,
        "kind": event.kind,
        "on": _iso(event.occurred_on),
        "date_precision": event.date_precision,
        "date_label": When(event.occurred_on, event.date_precision).label(),
        "until": _iso(event.occurred_until),
        "from": event.from_stage,
        "to": event.to_stage,
        "actor": event.actor,
        "place": event.place,
        "outcome": event.outcome,
        "open_articles": event.open_articles,
        "note": event.note,
        "reason": event.reason,
        "reference": event.reference,
        "awaiting": event.awaiting,
        "source": event.source,
        "recorded_at": clock.local(event.recorded_at).isoformat(timespec="seconds"),
    }


def list_agreements(
    db: Database, *, stage: str | None = None, party: str | None = None, kind: str | None = None
) -> list[dict[str, Any]]:
    """Agreements matching every filter given, ordered by code."""
    if stage is not None and stage not in STAGE_NAMES:
        raise BadInput(f"unknown stage {stage!r}; one of: {', '.join(STAGE_NAMES)}")
    if kind is not None and kind not in KINDS:
        raise BadInput(f"unknown kind {kind!r}; one of: {', '.join(KINDS)}")
    parent = aliased(Agreement)
    query = (
        select(Agreement, parent.code)
        .outerjoin(parent, Agreement.parent_id == parent.id)
        .order_by(Agreement.code)
    )
    if stage:
        query = query.where(Agreement.stage == stage)
    if kind:
        query = query.where(Agreement.kind == kind)
    if party:
        query = query.where(
            Agreement.id.in_(
                select(AgreementParty.agreement_id).where(AgreementParty.party == normalise_party(party))
            )
        )
    with db.read() as session:
        rows = session.execute(query).all()
        return [agreement_dict(a, parent_code) for a, parent_code in rows]


def _parent_code(agreement: Agreement) -> str | None:
    return agreement.parent.code if agreement.parent else None


def _events(session: Session, agreement: Agreement) -> list[Event]:
    return list(
        session.scalars(select(Event).where(Event.agreement_id == agreement.id).order_by(Event.seq))
    )


def history(db: Database, code: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """An agreement and its full timeline, in the order it was recorded."""
    with db.read() as session:
        agreement = load(session, code)
        return agreement_dict(agreement, _parent_code(agreement)), [event_dict(e) for e in _events(session, agreement)]


def show(db: Database, code: str, as_of: date | None = None) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """An agreement now, or as it stood at the end of ``as_of``."""
    with db.read() as session:
        agreement = load(session, code)
        events = _events(session, agreement)
        current = agreement_dict(agreement, _parent_code(agreement))
        if as_of is None:
            return current, [event_dict(e) for e in events]
        standing = standing_on(events, as_of)
        current["as_of"] = as_of.isoformat()
        if standing is None:
            first = events[0].occurred_on if events else None
            current.update(
                {
                    "stage": None,
                    "stage_since": None,
                    "stage_since_precision": None,
                    "stage_since_label": "nothing recorded on or before that day"
                    + (f" (the history starts {first.isoformat()})" if first else ""),
                    "awaiting": None,
                    "suspended_from": None,
                    "signed_on": None,
                    "in_force_on": None,
                    "events": 0,
                }
            )
            return current, []
        current.update(
            {
                "stage": standing.stage,
                "stage_since": _iso(standing.since.on),
                "stage_since_precision": standing.since.precision,
                "stage_since_label": standing.since.label(),
                "awaiting": standing.awaiting,
                "suspended_from": None,
                "signed_on": _iso(standing.signed_on),
                "in_force_on": _iso(standing.in_force_on),
                "events": len(standing.events),
            }
        )
        return current, [event_dict(e) for e in standing.events]
