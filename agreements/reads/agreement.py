"""One agreement: its row, as it is now or as it stood on a day (``show``), and
its full timeline (``history``), as plain dictionaries.

Both list events by date (``order="date"``, the default) or in the order they
were recorded (``order="recorded"``); see ``in_date_order`` for the rule."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from agreements.errors import AgreementNotFound
from agreements.reads.after_signature import after_signature
from agreements.reads.known import as_known, recorded_by
from agreements.reads.revised import revise
from agreements.reads.rows import (
    EVENT_COLUMNS,
    HEAD_SQL,
    act_keys,
    event_row,
    head_dict,
    iso,
    local_times,
    plain_rows,
)
from agreements.store.database import Database
from agreements.store.lookup import load
from agreements.store.tables import Agreement, Event
from workflows.acts import received_when
from workflows.chronology import possible_move, standing_on
from workflows.date_forms import when_of
from workflows.event_rules import stage_entry
from workflows.inputs import normalise_code
from workflows.revisions import effective

# the agreement with its counterparts, one row per counterpart (the party last)
_HEAD_BY_CODE_SQL = (
    HEAD_SQL.replace(" FROM agreements a", ", p.party FROM agreements a", 1)
    + " LEFT JOIN agreement_parties p ON p.agreement_id = a.id WHERE a.code = :code ORDER BY p.position"
)
_HISTORY_SQL = f"SELECT {EVENT_COLUMNS} FROM events e WHERE e.agreement_id = :aid ORDER BY e.seq"
# how ``history`` and ``show`` may order events: by date, or as recorded (by seq)
ORDERS = ("date", "recorded")


def in_date_order(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Events (event dictionaries in recording order) by date, ties in recording order.

    An event's place is its day: the exact day, or for "no later than" the
    bound it gives. An undated event stays right after the event recorded
    before it (it takes that event's place; an undated first entry stays
    first), so a late filing with a real date moves to its day while an entry
    of unknown date keeps the neighbour it was recorded with. Dates are
    compared as ISO text, as the dictionaries carry them.
    """
    keys: list[str] = []
    place = ""  # before any day: undated entries at the start stay there
    in_order = True
    for event in events:
        on = event["on"]
        if on is not None:
            if on < place:
                in_order = False
            place = on
        keys.append(place)
    if in_order:  # the usual case: recorded in date order already
        return events
    # sorted is stable: equal places keep recording order
    return [events[i] for i in sorted(range(len(events)), key=keys.__getitem__)]


def _ordered(events: list[dict[str, Any]], order: str) -> list[dict[str, Any]]:
    """``events`` (in recording order) in ``order``, one of ``ORDERS``."""
    if order not in ORDERS:
        raise ValueError(f"unknown order {order!r}; one of {', '.join(ORDERS)}")
    return in_date_order(events) if order == "date" else events


def agreement_dict(agreement: Agreement, parent_code: str | None) -> dict[str, Any]:
    """An agreement's row as a dictionary (its stage-entry date, precision and label)."""
    entry = stage_entry(agreement)
    return {
        "code": agreement.code,
        "title_en": agreement.title_en,
        "title_az": agreement.title_az,
        "kind": agreement.kind,
        "parties": agreement.party_codes,
        "parent": parent_code,
        "officer": agreement.officer,
        "stage": agreement.stage,
        "stage_since": iso(agreement.stage_since),
        "stage_since_precision": entry.precision,
        "stage_since_earliest": iso(entry.earliest),
        "stage_since_label": entry.label(),
        "awaiting": agreement.awaiting,
        "suspended_from": agreement.suspended_from,
        "signed_on": iso(agreement.signed_on),
        "in_force_on": iso(agreement.in_force_on),
        "events": agreement.event_count,
        "voided": agreement.voided,
    }


def event_dict(event: Event, zone: ZoneInfo) -> dict[str, Any]:
    """An event as a dictionary; ``recorded_at`` in ``zone``."""
    when = when_of(event)
    return {
        "seq": event.seq,
        "kind": event.kind,
        "on": iso(event.occurred_on),
        "date_precision": when.precision,
        "earliest": iso(when.earliest),
        "date_label": when.label(),
        "until": iso(event.occurred_until),
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
        "recorded_at": event.recorded_at.astimezone(zone).isoformat(timespec="seconds"),
        # what an import file said, when the tracker's own record (who
        # imported, when) is different
        "stated_actor": event.stated_actor if event.stated_actor != event.actor else None,
        "stated_recorded_at": (
            event.stated_recorded_at.astimezone(zone).isoformat(timespec="seconds")
            if event.stated_recorded_at is not None and event.stated_recorded_at != event.recorded_at
            else None
        ),
        "target": event.target_seq,
        "correction": event.correction,
    } | _after_signature(event)


def _after_signature(event: Event) -> dict[str, Any]:
    item: dict[str, Any] = {}
    received = received_when(event.received_on, event.received_from, event.received_form)
    act_keys(item, event.party, event.act_kind, received, event.instrument, event.entry_rule)
    return item


def history(
    db: Database, code: str, zone: ZoneInfo, order: str = "date"
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """An agreement and its full timeline, by date or as recorded (``order``).

    Plain rows, no ORM objects: one statement for the agreement with its
    counterparts, one for its events. This is the query behind every look at
    one agreement and must stay fast on big archives.
    """
    code = normalise_code(code)
    with db.engine.connect() as connection:
        rows = plain_rows(connection, _HEAD_BY_CODE_SQL, {"code": code})
        if not rows:
            raise AgreementNotFound(code)
        head = head_dict(rows[0][:-1], [r[-1] for r in rows if r[-1] is not None])
        events = plain_rows(connection, _HISTORY_SQL, {"aid": rows[0][0]})
    local = local_times(zone)
    return head, _ordered(revise([event_row(r, local) for r in events]), order)


def show(
    db: Database,
    code: str,
    zone: ZoneInfo,
    as_of: date | None = None,
    order: str = "date",
    known_on: date | None = None,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """An agreement now, or as it stood at the end of ``as_of``; its events
    (those known by then) by date or as recorded (``order``). With
    ``known_on``, only what had been recorded by the end of that day."""
    with db.snapshot() as session:  # the row and its events of one moment
        agreement = load(session, code)
        events = list(session.scalars(select(Event).where(Event.agreement_id == agreement.id).order_by(Event.seq)))
        current = agreement_dict(agreement, agreement.parent.code if agreement.parent else None)
        if known_on is not None:
            events = recorded_by(events, known_on, zone)
            as_known(current, agreement.code, events, known_on)
        listed = revise([event_dict(e, zone) for e in events])
        if as_of is None:
            current.update(after_signature(session, current, effective(events)))
            return current, _ordered(listed, order)
        known = {e.seq for e in as_it_stood(current, effective(events), as_of)}
        return current, _ordered([e for e in listed if e["seq"] in known], order)


def as_it_stood(current: dict[str, Any], events: Sequence[Any], as_of: date) -> list[Any]:
    """Turn ``current`` (an ``agreement_dict``) into the agreement as it stood
    at the end of ``as_of``; the events known by then."""
    standing = standing_on(events, as_of)
    current["as_of"] = as_of.isoformat()
    if standing is None:
        possible = possible_move(events, as_of, 0)
        first = when_of(events[0]).label() if events else None
        current.update(
            {
                "stage": None,
                "certainty": "possible" if possible else "not_yet_recorded",
                "possibly": possible[0] if possible else None,
                "stage_since": None,
                "stage_since_precision": None,
                "stage_since_earliest": None,
                "stage_since_label": (
                    f"{possible[0]}, possibly — entered {possible[1].label()}"
                    if possible
                    else "not yet recorded" + (f" (the history starts {first})" if first else "")
                ),
                "awaiting": None,
                "suspended_from": None,
                "signed_on": None,
                "in_force_on": None,
                "events": 0,
            }
        )
        return []
    entry_seq = max((e.seq for e in standing.events if e.to_stage), default=0)
    possible = possible_move(events, as_of, entry_seq)
    current["certainty"] = "certain"
    current["possibly"] = possible[0] if possible else None
    current.update(
        {
            "stage": standing.stage,
            "stage_since": iso(standing.since.on),
            "stage_since_precision": standing.since.precision,
            "stage_since_earliest": iso(standing.since.earliest),
            "stage_since_label": standing.since.label()
            + (f"; possibly {possible[0]} — entered {possible[1].label()}" if possible else ""),
            "awaiting": standing.awaiting,
            "suspended_from": None,
            "signed_on": iso(standing.signed_on),
            "in_force_on": iso(standing.in_force_on),
            "events": len(standing.events),
        }
    )
    return standing.events
