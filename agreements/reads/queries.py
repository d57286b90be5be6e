"""Reads: agreements and their history as plain dictionaries. No state machine
is built here and no query runs once per row."""
from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any
from zoneinfo import ZoneInfo

from typing import TYPE_CHECKING

from sqlalchemy import Date, bindparam, select, text
from sqlalchemy.orm import Session

from agreements.store.database import Database
from agreements.errors import AgreementNotFound, BadInput
from workflows.chronology import When, standing_on
from workflows.inputs import normalise_code, normalise_party
from workflows.events import EVENT_KINDS
from workflows.stages import KINDS, STAGE_NAMES

if TYPE_CHECKING:
    from agreements.store.tables import Agreement, Event

# agreements.store.tables and agreements.writes.commands (which brings the lifecycle and
# its state machine library) are imported by the functions that need them:
# `agreements list` reads plain rows and starts without them.


def load(session: Session, code: str) -> "Agreement":
    from agreements.writes.commands import load as load_agreement

    return load_agreement(session, code)


def _iso(value: date | str | None) -> str | None:
    if not value:
        return None
    return value if isinstance(value, str) else value.isoformat()


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


def event_dict(event: Event, zone: ZoneInfo) -> dict[str, Any]:
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
        "recorded_at": event.recorded_at.astimezone(zone).isoformat(timespec="seconds"),
    }


_HEAD_SQL = (
    "SELECT a.id, a.code, a.title_en, a.title_az, a.kind, a.officer, par.code AS parent_code, a.stage, "
    "a.stage_since, a.stage_since_precision, a.awaiting, a.suspended_from, a.signed_on, a.in_force_on, "
    "a.event_count FROM agreements a LEFT JOIN agreements par ON par.id = a.parent_id"
)


def _head_dict(row, parties: list[str]) -> dict[str, Any]:
    """``agreement_dict`` from a plain row of ``_HEAD_SQL``."""
    (_aid, code, title_en, title_az, kind, officer, parent_code, stage, since, precision, awaiting,
     suspended_from, signed_on, in_force_on, event_count) = row
    since = _iso(since)
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
        "stage_since_precision": precision,
        "stage_since_label": _label(since, precision),
        "awaiting": awaiting,
        "suspended_from": suspended_from,
        "signed_on": _iso(signed_on),
        "in_force_on": _iso(in_force_on),
        "events": event_count,
    }


def list_agreements(
    db: Database, *, stage: str | None = None, party: str | None = None, kind: str | None = None
) -> list[dict[str, Any]]:
    """Agreements matching every filter given, ordered by code (plain rows:
    one statement for the agreements, one for their counterparts)."""
    where, params = agreement_filters(kind=kind, party=party, stage=stage)
    sql = _HEAD_SQL + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY a.code"
    with db.read() as session:
        rows = session.execute(text(sql), params).all()
        parties = _parties(session, None)
    return [_head_dict(row, parties.get(row[0], [])) for row in rows]


def _parent_code(agreement: "Agreement") -> str | None:
    return agreement.parent.code if agreement.parent else None


def _events(session: Session, agreement: "Agreement") -> list["Event"]:
    from agreements.store.tables import Event

    return list(
        session.scalars(select(Event).where(Event.agreement_id == agreement.id).order_by(Event.seq))
    )


def history(db: Database, code: str, zone: ZoneInfo) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """An agreement and its full timeline, in the order it was recorded.

    Plain rows, no ORM objects: one statement for the agreement with its
    counterparts, one for its events. This is the query behind every look at
    one agreement and must stay fast on big archives.
    """
    code = normalise_code(code)
    with db.engine.connect() as connection:
        rows = _plain_rows(connection, _HEAD_BY_CODE_SQL, {"code": code})
        if not rows:
            raise AgreementNotFound(code)
        head = _head_dict(rows[0][:-1], [r[-1] for r in rows if r[-1] is not None])
        events = _plain_rows(connection, _HISTORY_SQL, {"aid": rows[0][0]})
    local = _local_times(zone)
    return head, [_event_row(r, local) for r in events]


def show(db: Database, code: str, zone: ZoneInfo, as_of: date | None = None) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """An agreement now, or as it stood at the end of ``as_of``."""
    with db.snapshot() as session:  # the row and its events of one moment
        agreement = load(session, code)
        events = _events(session, agreement)
        current = agreement_dict(agreement, _parent_code(agreement))
        if as_of is None:
            return current, [event_dict(e, zone) for e in events]
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
        return current, [event_dict(e, zone) for e in standing.events]


# ------------------------------------------------------------------ history queries
# Written as SQL over plain columns (no ORM objects, no state machine): these
# run on archives of a million events.

_HEAD_BY_CODE_SQL = (
    _HEAD_SQL.replace(" FROM agreements a", ", p.party FROM agreements a", 1)
    + " LEFT JOIN agreement_parties p ON p.agreement_id = a.id WHERE a.code = :code ORDER BY p.position"
)


def _plain_rows(connection, sql: str, params: dict[str, Any], types=()) -> list[tuple]:
    """Rows of ``sql`` (``:name`` parameters) as plain tuples. On SQLite
    straight from the driver's cursor (it takes ``:name`` itself; dates are
    bound as ISO text, as the Date type would); elsewhere through ``text``
    with ``types`` bound."""
    if connection.dialect.name != "sqlite":
        return [tuple(r) for r in connection.execute(text(sql).bindparams(*types), params)]
    cursor = connection.connection.dbapi_connection.cursor()
    try:
        cursor.execute(sql, {k: v.isoformat() if isinstance(v, date) else v for k, v in params.items()})
        return cursor.fetchall()
    finally:
        cursor.close()
LOG_DEFAULT_LIMIT = 100
_EVENT_COLUMNS = (
    "e.id, e.agreement_id, e.seq, e.kind, e.occurred_on, e.date_precision, e.occurred_until, "
    "e.from_stage, e.to_stage, e.actor, e.place, e.outcome, e.open_articles, e.note, e.reason, "
    "e.reference, e.awaiting, e.source, e.recorded_at"
)
_HISTORY_SQL = f"SELECT {_EVENT_COLUMNS} FROM events e WHERE e.agreement_id = :aid ORDER BY e.seq"


def _label(on: date | str | None, precision: str) -> str:
    if precision == "unknown" or on is None:
        return "date unknown"
    on = _iso(on)
    return f"≤{on}" if precision == "not_after" else on


def _utc(value) -> datetime:
    """A stored UTC timestamp, whether the driver gave a string (SQLite) or a datetime."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def _local_times(zone: ZoneInfo):
    """Stored UTC timestamp -> local ISO text, remembered within one query
    (events recorded together, e.g. by an import, share their timestamp)."""
    seen: dict[Any, str] = {}

    def local(value) -> str:
        text_ = seen.get(value)
        if text_ is None:
            text_ = seen[value] = _utc(value).astimezone(zone).isoformat(timespec="seconds")
        return text_

    return local


def _event_row(row, local, lead: dict[str, Any] | None = None) -> dict[str, Any]:
    """An event's dictionary from a plain row of ``_EVENT_COLUMNS`` (the
    same as ``event_dict`` of the ORM object), after the keys of ``lead``."""
    (_id, _aid, seq, kind, on, precision, until, from_stage, to_stage, actor, place, outcome, open_articles,
     note, reason, reference, awaiting, source, recorded_at) = row
    # (_iso and _label inline: this runs for every event shown)
    if on is not None and on.__class__ is not str:
        on = on.isoformat()
    if until is not None and until.__class__ is not str:
        until = until.isoformat()
    item = {} if lead is None else lead
    item["seq"] = seq
    item["kind"] = kind
    item["on"] = on
    item["date_precision"] = precision
    item["date_label"] = "date unknown" if on is None or precision == "unknown" else (
        "≤" + on if precision == "not_after" else on
    )
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
    return item


def _check_stage(stage: str | None) -> None:
    if stage is not None and stage not in STAGE_NAMES:
        raise BadInput(f"unknown stage {stage!r}; one of: {', '.join(STAGE_NAMES)}")


def _check_kind(kind: str | None) -> None:
    if kind is not None and kind not in KINDS:
        raise BadInput(f"unknown kind {kind!r}; one of: {', '.join(KINDS)}")


def agreement_filters(
    *, kind: str | None = None, party: str | None = None, stage: str | None = None
) -> tuple[list[str], dict[str, Any]]:
    """SQL conditions on the agreements table ``a`` (and their parameters)
    for the filters given, checked first."""
    _check_stage(stage)
    _check_kind(kind)
    where: list[str] = []
    params: dict[str, Any] = {}
    if stage:
        where.append("a.stage = :stage")
        params["stage"] = stage
    if kind:
        where.append("a.kind = :kind")
        params["kind"] = kind
    if party:
        where.append("a.id IN (SELECT p.agreement_id FROM agreement_parties p WHERE p.party = :party)")
        params["party"] = normalise_party(party)
    return where, params


def log(
    db: Database,
    *,
    party: str | None = None,
    kind: str | None = None,
    stage: str | None = None,
    actor: str | None = None,
    since: date | None = None,
    until: date | None = None,
    event_kind: str | None = None,
    grep: str | None = None,
    fold: bool = False,
    limit: int | None = LOG_DEFAULT_LIMIT,
    zone: ZoneInfo,
) -> list[dict[str, Any]]:
    """Events across all agreements matching every filter given, newest first
    (by the day they happened; undated ones last, then latest recorded first).

    ``stage``: events that happened in that stage or moved into it.
    ``since``/``until``: the day it happened (bounds included; undated events
    are left out when either is given). ``grep``: words as in ``search``.
    """
    _check_stage(stage)
    _check_kind(kind)
    if event_kind is not None and event_kind not in EVENT_KINDS:
        raise BadInput(f"unknown event kind {event_kind!r}; one of: {', '.join(EVENT_KINDS)}")
    if since and until and until < since:
        raise BadInput(f"--until {until.isoformat()} is before --since {since.isoformat()}")
    if limit is not None and limit < 0:
        raise BadInput("--limit cannot be negative")
    where, params, types = [], {}, []
    if party:
        where.append("e.agreement_id IN (SELECT p.agreement_id FROM agreement_parties p WHERE p.party = :party)")
        params["party"] = normalise_party(party)
    if kind:
        where.append("a.kind = :kind")
        params["kind"] = kind
    if stage:
        where.append("coalesce(e.to_stage, e.from_stage) = :stage")
        params["stage"] = stage
    if actor:
        where.append("e.actor = :actor")
        params["actor"] = actor
    if event_kind:
        where.append("e.kind = :event_kind")
        params["event_kind"] = event_kind
    if since:
        where.append("e.occurred_on >= :since")
        params["since"] = since
        types.append(bindparam("since", type_=Date))
    if until:
        where.append("e.occurred_on <= :until")
        params["until"] = until
        types.append(bindparam("until", type_=Date))
    if grep is not None:
        from agreements.reads.search import match_condition

        condition, extra = match_condition(db, grep, fold, "e")
        where.append(condition)
        params.update(extra)
    nulls = "" if db.is_sqlite else " NULLS LAST"  # SQLite sorts NULL first, so last when descending
    sql = (
        f"SELECT a.code, a.title_en, {_EVENT_COLUMNS} FROM events e JOIN agreements a ON a.id = e.agreement_id"
        + (" WHERE " + " AND ".join(where) if where else "")
        + f" ORDER BY e.occurred_on DESC{nulls}, e.id DESC"
    )
    if limit:
        sql += " LIMIT :limit"
        params["limit"] = limit
    with db.engine.connect() as connection:
        rows = _plain_rows(connection, sql, params, types)
    result = []
    local = _local_times(zone)
    for row in rows:
        result.append(_event_row(row[2:], local, {"code": row[0], "title_en": row[1]}))
    return result


_AS_OF_EVIDENCE = "(e.to_stage IS NOT NULL OR e.kind IN ('round', 'signature'))"
# Every event dated and none after the day: the agreement stood then as its
# row says now (the summary columns of migration 0005), no events to read.
_AS_OF_DONE = "(a.undated_events = 0 AND a.last_event_on <= :day)"
_AS_OF_SQL = f"""
WITH s AS {{materialized}}(
  SELECT a.id AS aid,
    (SELECT e.seq FROM events e WHERE e.agreement_id = a.id AND e.occurred_on <= :day AND {_AS_OF_EVIDENCE}
       ORDER BY e.seq DESC LIMIT 1) AS last_seq,
    (SELECT e.seq FROM events e WHERE e.agreement_id = a.id AND e.occurred_on <= :day
       ORDER BY e.seq DESC LIMIT 1) AS known_seq,
    (SELECT count(*) FROM events e WHERE e.agreement_id = a.id AND e.occurred_on <= :day) AS known_count
  FROM agreements a
  WHERE NOT {_AS_OF_DONE}
    AND EXISTS (SELECT 1 FROM events e WHERE e.agreement_id = a.id AND e.occurred_on <= :day) {{where}}
), t AS {{materialized}}(
  SELECT s.aid, s.last_seq, s.known_seq, s.known_count,
    (SELECT max(e.seq) FROM events e WHERE e.agreement_id = s.aid AND e.to_stage IS NOT NULL
       AND e.seq <= s.last_seq) AS entry_seq
  FROM s WHERE s.last_seq IS NOT NULL
)
SELECT a.id, a.code AS code, a.title_en, a.title_az, a.kind, a.officer, par.code AS parent_code,
  coalesce(l.to_stage, l.from_stage) AS stage,
  en.occurred_on AS entry_on, en.date_precision AS entry_precision,
  CASE WHEN en.occurred_on IS NOT NULL AND en.occurred_on <= :day THEN NULL ELSE
    (SELECT e.occurred_on FROM events e WHERE e.agreement_id = t.aid AND e.seq >= t.entry_seq
       AND e.occurred_on <= :day AND {_AS_OF_EVIDENCE} ORDER BY e.seq LIMIT 1) END AS evidence_on,
  k.awaiting,
  CASE WHEN a.signed_on IS NULL OR a.signed_on <= :day THEN a.signed_on ELSE
    (SELECT e.occurred_on FROM events e WHERE e.agreement_id = t.aid AND e.kind = 'signature'
       AND e.occurred_on <= :day ORDER BY e.seq DESC LIMIT 1) END AS signed_on,
  CASE WHEN a.in_force_on IS NULL OR a.in_force_on <= :day THEN a.in_force_on ELSE
    (SELECT e.occurred_on FROM events e WHERE e.agreement_id = t.aid AND e.to_stage = 'in_force'
       AND e.occurred_on <= :day ORDER BY e.seq DESC LIMIT 1) END AS in_force_on,
  t.known_count
FROM t
JOIN agreements a ON a.id = t.aid
LEFT JOIN agreements par ON par.id = a.parent_id
JOIN events l ON l.agreement_id = t.aid AND l.seq = t.last_seq
JOIN events en ON en.agreement_id = t.aid AND en.seq = t.entry_seq
JOIN events k ON k.agreement_id = t.aid AND k.seq = t.known_seq
UNION ALL
SELECT a.id, a.code AS code, a.title_en, a.title_az, a.kind, a.officer, par.code AS parent_code,
  a.stage, a.stage_since AS entry_on, a.stage_since_precision AS entry_precision, NULL AS evidence_on,
  a.awaiting, a.signed_on, a.in_force_on, a.event_count AS known_count
FROM agreements a
LEFT JOIN agreements par ON par.id = a.parent_id
WHERE {_AS_OF_DONE} {{where}}
ORDER BY code
"""


def as_of_sql(sqlite: bool, where: list[str] = ()) -> str:
    """The as-of statement with the filters ``where`` (conditions on ``a``).
    On SQLite the two steps are computed once each (MATERIALIZED), not
    inlined into every place that reads them."""
    return _AS_OF_SQL.replace("{where}", "".join(" AND " + w for w in where)).replace(
        "{materialized}", "MATERIALIZED " if sqlite else ""
    )


def _parties(session: Session, ids: list[int] | None) -> dict[int, list[str]]:
    sql = "SELECT agreement_id, party FROM agreement_parties ORDER BY agreement_id, position"
    parties: dict[int, list[str]] = {}
    for aid, party in session.execute(text(sql)):
        parties.setdefault(aid, []).append(party)
    return parties


def list_as_of(
    db: Database, day: date, *, stage: str | None = None, party: str | None = None, kind: str | None = None
) -> list[dict[str, Any]]:
    """Every agreement as it stood at the end of ``day`` (the same answer as
    ``show CODE --as-of DAY`` for each), ordered by code. Agreements whose
    history says nothing about that day are left out. One SQL statement for
    the standings and one for the counterparts, whatever the number of rows.
    """
    _check_stage(stage)  # the stage of that day is filtered below, not the current one
    where, params = agreement_filters(kind=kind, party=party)
    params["day"] = day
    sql = as_of_sql(db.is_sqlite, where)
    statement = text(sql).bindparams(bindparam("day", type_=Date))
    with db.read() as session:
        rows = session.execute(statement, params).all()
        parties = _parties(session, None)
    day_iso = day.isoformat()
    result = []
    # dates stay ISO text (as SQLite gives them; PostgreSQL's dates are
    # formatted once): the output is text and ISO text compares in date order
    for (aid, code, title_en, title_az, kind_, officer, parent_code, row_stage, entry_on, entry_precision,
         evidence_on, awaiting, signed_on, in_force_on, known_count) in rows:
        if stage and row_stage != stage:
            continue
        entry_on, evidence_on = _iso(entry_on), _iso(evidence_on)
        if evidence_on is None and entry_on is not None and entry_on <= day_iso:
            since_on, precision = entry_on, entry_precision
        elif evidence_on is not None:
            since_on, precision = evidence_on, "not_after"
        else:  # cannot happen: the last evidence is known by the day
            since_on, precision = entry_on, entry_precision
        result.append(
            {
                "code": code,
                "title_en": title_en,
                "title_az": title_az,
                "kind": kind_,
                "parties": parties.get(aid, []),
                "parent": parent_code,
                "officer": officer,
                "stage": row_stage,
                "stage_since": since_on,
                "stage_since_precision": precision,
                "stage_since_label": _label(since_on, precision),
                "awaiting": awaiting,
                "suspended_from": None,
                "signed_on": _iso(signed_on),
                "in_force_on": _iso(in_force_on),
                "events": known_count,
                "as_of": day_iso,
            }
        )
    return result
