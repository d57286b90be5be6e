"""Plain rows of the agreements and events tables as the dictionaries the
reads return, shared by one agreement's history, the log and the listings.

Plain columns, no ORM objects, no state machine: these run on archives of a
million events, and `agreements list` starts without the ORM tables.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from workflows.acts import received_when
from workflows.chronology import DAY, label
from workflows.date_forms import When, text_of

# one agreement's summary columns, its parent's code among them
HEAD_SQL = (
    "SELECT a.id, a.code, a.title_en, a.title_az, a.kind, a.officer, par.code AS parent_code, a.stage, "
    "a.stage_since, a.stage_since_precision, a.awaiting, a.suspended_from, a.signed_on, a.in_force_on, "
    "a.event_count, a.stage_since_from, a.stage_since_form, a.voided "
    "FROM agreements a LEFT JOIN agreements par ON par.id = a.parent_id"
)
# an event's columns, in the order ``event_row`` reads them
EVENT_COLUMNS = (
    "e.id, e.agreement_id, e.seq, e.kind, e.occurred_on, e.date_precision, e.occurred_until, "
    "e.from_stage, e.to_stage, e.actor, e.place, e.outcome, e.open_articles, e.note, e.reason, "
    "e.reference, e.awaiting, e.source, e.recorded_at, e.stated_actor, e.stated_recorded_at, "
    "e.occurred_from, e.date_form, e.target_seq, e.correction, "
    "e.party, e.act_kind, e.received_on, e.received_from, e.received_form, e.instrument, e.entry_rule"
)


def iso(value: date | str | None) -> str | None:
    """A date as ISO text (SQLite already gives text); None for none."""
    if not value:
        return None
    return value if isinstance(value, str) else value.isoformat()


def plain_rows(connection: Connection, sql: str, params: dict[str, Any], types: Sequence = ()) -> list[tuple]:
    """Rows of ``sql`` (``:name`` parameters) as plain tuples. On SQLite
    straight from the driver's cursor (it takes ``:name`` itself; dates are
    bound as ISO text, as the Date type would); elsewhere through ``text``
    with ``types`` bound."""
    if connection.dialect.name != "sqlite":
        return [tuple(r) for r in connection.execute(text(sql).bindparams(*types), params)]
    dbapi: Any = connection.connection.dbapi_connection  # sqlite3's, untyped
    cursor = dbapi.cursor()
    try:
        cursor.execute(sql, {k: v.isoformat() if isinstance(v, date) else v for k, v in params.items()})
        return cursor.fetchall()
    finally:
        cursor.close()


def head_dict(row: Sequence, parties: list[str]) -> dict[str, Any]:
    """An agreement's dictionary (as ``agreement.agreement_dict`` of the ORM
    object) from a plain row of ``HEAD_SQL``."""
    (
        _aid,
        code,
        title_en,
        title_az,
        kind,
        officer,
        parent_code,
        stage,
        since,
        precision,
        awaiting,
        suspended_from,
        signed_on,
        in_force_on,
        event_count,
        since_from,
        since_form,
        voided,
    ) = row
    since = iso(since)
    return {
        "code": code,
        "title_en": title_en,
        "title_az": title_az,
        "kind": kind,
        "parties": parties,
        "parent": parent_code,
        "officer": officer,
        "stage": stage,
        "stage_since": since,
        "stage_since_precision": since_form or precision,
        "stage_since_earliest": iso(since_from) if since_form else since if precision == DAY else None,
        "stage_since_label": label(since, precision, since_from, since_form),
        "awaiting": awaiting,
        "suspended_from": suspended_from,
        "signed_on": iso(signed_on),
        "in_force_on": iso(in_force_on),
        "events": event_count,
        "voided": bool(voided),
    }


def parties_by_agreement(session: Session | Connection) -> dict[int, list[str]]:
    """Every agreement's counterparts in their order, by agreement id (one statement)."""
    sql = "SELECT agreement_id, party FROM agreement_parties ORDER BY agreement_id, position"
    connection = session if isinstance(session, Connection) else session.connection()
    parties: dict[int, list[str]] = {}
    for aid, party in plain_rows(connection, sql, {}):
        parties.setdefault(aid, []).append(party)
    return parties


def _utc(value: str | datetime) -> datetime:
    """A stored UTC timestamp, whether the driver gave a string (SQLite) or a datetime."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def local_times(zone: ZoneInfo) -> Callable[[str | datetime], str]:
    """Stored UTC timestamp -> local ISO text, remembered within one query
    (events recorded together, e.g. by an import, share their timestamp)."""
    seen: dict[Any, str] = {}

    def local(value: str | datetime) -> str:
        text_ = seen.get(value)
        if text_ is None:
            text_ = seen[value] = _utc(value).astimezone(zone).isoformat(timespec="seconds")
        return text_

    return local


def event_row(
    row: Sequence, local: Callable[[str | datetime], str], lead: dict[str, Any] | None = None
) -> dict[str, Any]:
    """An event's dictionary from a plain row of ``EVENT_COLUMNS`` (the same
    as ``agreement.event_dict`` of the ORM object), after the keys of ``lead``."""
    (
        _id,
        _aid,
        seq,
        kind,
        on,
        precision,
        until,
        from_stage,
        to_stage,
        actor,
        place,
        outcome,
        open_articles,
        note,
        reason,
        reference,
        awaiting,
        source,
        recorded_at,
        stated_actor,
        stated_at,
        start,
        form,
        target_seq,
        correction,
        party,
        act_kind,
        received_on,
        received_from,
        received_form,
        instrument,
        entry_rule,
    ) = row
    # (iso inline: this runs for every event shown)
    if on is not None and on.__class__ is not str:
        on = on.isoformat()
    if until is not None and until.__class__ is not str:
        until = until.isoformat()
    item = {} if lead is None else lead
    item["seq"] = seq
    item["kind"] = kind
    item["on"] = on
    if form is None and precision == DAY:  # an exact day, the common case: no interval to build
        item["date_precision"], item["earliest"], item["date_label"] = precision, on, on
    else:
        item["date_precision"] = form or precision
        item["earliest"] = iso(start) if form else None
        item["date_label"] = label(on, precision, start, form)
    item["until"] = until or None
    item["from"] = from_stage
    item["to"] = to_stage
    item["actor"] = actor
    item["place"] = place
    item["outcome"] = outcome
    item["open_articles"] = open_articles
    item["note"] = note
    item["reason"] = reason
    item["reference"] = reference
    item["awaiting"] = awaiting
    item["source"] = source
    item["recorded_at"] = local(recorded_at)
    # what an import file said, where the tracker's own record differs
    item["stated_actor"] = stated_actor if stated_actor != actor else None
    item["stated_recorded_at"] = None
    if stated_at is not None and _utc(stated_at) != _utc(recorded_at):
        item["stated_recorded_at"] = local(stated_at)
    item["target"] = target_seq
    item["correction"] = correction
    act_keys(item, party, act_kind, received_when(received_on, received_from, received_form), instrument, entry_rule)
    return item


def act_keys(
    item: dict[str, Any],
    party: str | None,
    act_kind: str | None,
    received: When | None,
    instrument: str | None,
    rule: str | None,
) -> None:
    """An act's and an entry rule's keys of an event's dictionary: the
    party, the act, the received date as typed (and in words), the
    instrument, the rule (None where the event has none)."""
    item["party"] = party
    item["act"] = act_kind
    item["received"] = text_of(received) if received is not None else None
    item["received_label"] = received.label() if received is not None else None
    item["instrument"] = instrument
    item["rule"] = rule
