"""The event log across all agreements: events matching filters, newest first,
in one SQL statement over plain columns."""

from __future__ import annotations

from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import BindParameter, Date, bindparam

from agreements.errors import BadInput
from agreements.reads.filters import check_kind, check_stage
from agreements.reads.revised import revise_listed
from agreements.reads.rows import EVENT_COLUMNS, event_row, local_times, plain_rows
from agreements.reads.search import match_condition
from agreements.store.database import Database
from workflows.events import EVENT_KINDS
from workflows.inputs import normalise_party

LOG_DEFAULT_LIMIT = 100


def _check(
    stage: str | None,
    kind: str | None,
    event_kind: str | None,
    since: date | None,
    until: date | None,
    limit: int | None,
) -> None:
    check_stage(stage)
    check_kind(kind)
    if event_kind is not None and event_kind not in EVENT_KINDS:
        raise BadInput(f"unknown event kind {event_kind!r}; one of: {', '.join(EVENT_KINDS)}")
    if since and until and until < since:
        raise BadInput(f"--until {until.isoformat()} is before --since {since.isoformat()}")
    if limit is not None and limit < 0:
        raise BadInput("--limit cannot be negative")


def _conditions(
    db: Database,
    *,
    party: str | None,
    kind: str | None,
    stage: str | None,
    actor: str | None,
    since: date | None,
    until: date | None,
    event_kind: str | None,
    grep: str | None,
    fold: bool,
) -> tuple[list[str], dict[str, Any], list[BindParameter]]:
    """SQL conditions on the events ``e`` (and agreements ``a``), their
    parameters and the types of the date parameters."""
    where: list[str] = []
    params: dict[str, Any] = {}
    types: list[BindParameter] = []
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
        # who recorded it, or who an imported file says did
        where.append("(e.actor = :actor OR e.stated_actor = :actor)")
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
        condition, extra = match_condition(db, grep, fold, "e")
        where.append(condition)
        params.update(extra)
    return where, params, types


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
    ``since``/``until``: the day it happened, as corrected (bounds included;
    undated events are left out when either is given). ``grep``: words as in ``search``.
    """
    _check(stage, kind, event_kind, since, until, limit)
    filters = {"party": party, "kind": kind, "stage": stage, "actor": actor, "event_kind": event_kind}
    where, params, types = _conditions(db, **filters, since=since, until=until, grep=grep, fold=fold)
    dated = since is not None or until is not None
    if dated:  # a corrected history is filtered below by its corrected dates
        where.append("NOT a.revised")
    local = local_times(zone)
    with db.engine.connect() as connection:
        listed = _listed(db, connection, where, params, types, limit, local)
        if dated:  # the events of corrected histories, by the dates the corrections give them
            where, params, types = _conditions(db, **filters, since=None, until=None, grep=grep, fold=fold)
            corrected = [
                event
                for event in _listed(db, connection, [*where, "a.revised"], params, types, None, local)
                if _within(event, since, until)
            ]
            if corrected:
                listed = sorted(listed + corrected, key=_newest_first, reverse=True)[:limit]
    return [event for _id, event in listed]


def _within(item: tuple[int, dict[str, Any]], since: date | None, until: date | None) -> bool:
    on = item[1]["on"]
    return on is not None and (since is None or on >= since.isoformat()) and (until is None or on <= until.isoformat())


def _newest_first(item: tuple[int, dict[str, Any]]) -> tuple[bool, str, int]:
    """The log's order (reversed): by day, undated last, then latest recorded first."""
    on = item[1]["on"]
    return (on is not None, on or "", item[0])


def _listed(
    db: Database,
    connection: Any,
    where: list[str],
    params: dict[str, Any],
    types: list[BindParameter],
    limit: int | None,
    local: Any,
) -> list[tuple[int, dict[str, Any]]]:
    """(event id, event) of the events matching ``where``, newest first, with
    the corrections and retractions of their agreements applied."""
    nulls = "" if db.is_sqlite else " NULLS LAST"  # SQLite sorts NULL first, so last when descending
    sql = (
        f"SELECT a.code, a.title_en, a.revised, {EVENT_COLUMNS} FROM events e JOIN agreements a ON a.id = e.agreement_id"
        + (" WHERE " + " AND ".join(where) if where else "")
        + f" ORDER BY e.occurred_on DESC{nulls}, e.id DESC"
    )
    params = dict(params)
    if limit:
        sql += " LIMIT :limit"
        params["limit"] = limit
    rows = plain_rows(connection, sql, params, types)
    listed = [event_row(row[3:], local, {"code": row[0], "title_en": row[1]}) for row in rows]
    # the corrections and retractions of the agreements listed, applied to the events shown
    ids = sorted({row[4] for row in rows if row[2]})
    revisions = []
    if ids:
        revision_sql = (
            f"SELECT a.code, a.title_en, {EVENT_COLUMNS} FROM events e JOIN agreements a ON a.id = e.agreement_id"
            " WHERE e.target_seq IS NOT NULL AND e.agreement_id IN ("
            + ", ".join(str(int(i)) for i in ids)
            + ") ORDER BY e.agreement_id, e.seq"
        )
        revisions = [
            event_row(row[2:], local, {"code": row[0], "title_en": row[1]})
            for row in plain_rows(connection, revision_sql, {})
        ]
    revise_listed(listed, revisions)
    return [(row[3], event) for row, event in zip(rows, listed)]
