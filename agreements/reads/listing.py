"""Listings of agreements: every agreement now (``list_agreements``), or as
it stood at the end of a day (``list_as_of``), each one SQL statement over
plain columns whatever the number of rows.

`agreements list` runs this module: it reads plain rows and starts without
the ORM tables and the state machine.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import Date, bindparam, text

from agreements.reads.as_of_rest import head_of, not_certain, revised_as_of
from agreements.reads.filters import agreement_filters, check_stage
from agreements.reads.rows import HEAD_SQL, head_dict, iso, parties_by_agreement, plain_rows
from agreements.store.database import Database
from workflows.chronology import DAY, NOT_AFTER, label, possible_next
from workflows.date_forms import When


def list_agreements(
    db: Database,
    *,
    stage: str | None = None,
    party: str | None = None,
    kind: str | None = None,
    voided: bool = False,
) -> list[dict[str, Any]]:
    """Agreements matching every filter given, ordered by code (plain rows:
    one statement for the agreements, one for their counterparts); those
    voided as entered by mistake only with ``voided``."""
    where, params = agreement_filters(kind=kind, party=party, stage=stage, voided=voided)
    sql = HEAD_SQL + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY a.code"
    with db.read() as session:
        rows = session.execute(text(sql), params).all()
        parties = parties_by_agreement(session)
    return [head_dict(row, parties.get(row[0], [])) for row in rows]


_AS_OF_EVIDENCE = "(e.to_stage IS NOT NULL OR e.kind IN ('round', 'signature'))"
# Every event dated and none after the day: the agreement stood then as its
# row says now (the summary columns of migration 0005), no events to read.
# A history with corrections or retractions is read as corrected, elsewhere
# (agreements.reads.as_of_rest).
_AS_OF_DONE = "(a.undated_events = 0 AND a.last_event_on <= :day)"
# whose move it was: the holder set by the latest event known by the day that set one
# (workflows.chronology.holder_on)
_HOLDER = """(SELECT e.awaiting FROM events e WHERE e.agreement_id = {aid} AND e.occurred_on <= :day
       AND (e.awaiting IS NOT NULL OR e.to_stage IS NOT NULL) ORDER BY e.occurred_on DESC, {{order}} DESC LIMIT 1)"""
_AS_OF_SQL = f"""
WITH s AS {{materialized}}(
  SELECT a.id AS aid, a.stage_since,
    CASE WHEN EXISTS (SELECT 1 FROM events e WHERE e.agreement_id = a.id AND e.occurred_on <= :day) THEN
      (SELECT e.seq FROM events e WHERE e.agreement_id = a.id AND e.occurred_on <= :day AND {_AS_OF_EVIDENCE}
         ORDER BY e.seq DESC LIMIT 1) END AS last_seq,
    (SELECT count(*) FROM events e WHERE e.agreement_id = a.id AND e.occurred_on <= :day) AS known_count
  FROM agreements a
  WHERE NOT {_AS_OF_DONE} AND NOT a.revised {{where}}
), t AS {{materialized}}(
  SELECT s.aid, s.last_seq, s.known_count,
    (SELECT max(e.seq) FROM events e WHERE e.agreement_id = s.aid AND e.to_stage IS NOT NULL
       AND e.seq <= s.last_seq) AS entry_seq,
    -- a stage entered by the day is the current one: no move follows it
    CASE WHEN s.stage_since IS NULL OR s.stage_since > :day OR s.last_seq IS NULL THEN
      (SELECT min(e.seq) FROM events e WHERE e.agreement_id = s.aid AND e.to_stage IS NOT NULL
         AND e.seq > coalesce(s.last_seq, 0)) END AS next_seq
  FROM s
)
SELECT a.id, a.code AS code, a.title_en, a.title_az, a.kind, a.officer, par.code AS parent_code,
  coalesce(l.to_stage, l.from_stage) AS stage,
  en.occurred_on AS entry_on, en.date_precision AS entry_precision, en.occurred_from AS entry_from,
  en.date_form AS entry_form,
  CASE WHEN t.last_seq IS NULL OR en.occurred_on <= :day THEN NULL ELSE
    (SELECT e.occurred_on FROM events e WHERE e.agreement_id = t.aid AND e.seq >= t.entry_seq
       AND e.occurred_on <= :day AND {_AS_OF_EVIDENCE} ORDER BY e.seq LIMIT 1) END AS evidence_on,
  CASE WHEN t.last_seq IS NOT NULL THEN {_HOLDER.format(aid="t.aid")} END AS awaiting,
  CASE WHEN a.signed_on IS NULL OR a.signed_on <= :day THEN a.signed_on ELSE
    (SELECT e.occurred_on FROM events e WHERE e.agreement_id = t.aid AND e.kind = 'signature'
       AND e.occurred_on <= :day ORDER BY e.seq DESC LIMIT 1) END AS signed_on,
  CASE WHEN a.in_force_on IS NULL OR a.in_force_on <= :day THEN a.in_force_on ELSE
    (SELECT e.occurred_on FROM events e WHERE e.agreement_id = t.aid AND e.to_stage = 'in_force'
       AND e.occurred_on <= :day ORDER BY e.seq DESC LIMIT 1) END AS in_force_on,
  t.known_count,
  nx.to_stage AS next_stage, nx.occurred_on AS next_on, nx.date_precision AS next_precision,
  nx.occurred_from AS next_from, nx.date_form AS next_form
FROM t
JOIN agreements a ON a.id = t.aid
LEFT JOIN agreements par ON par.id = a.parent_id
LEFT JOIN events l ON l.agreement_id = t.aid AND l.seq = t.last_seq
LEFT JOIN events en ON en.agreement_id = t.aid AND en.seq = t.entry_seq
LEFT JOIN events nx ON nx.agreement_id = t.aid AND nx.seq = t.next_seq
UNION ALL
SELECT a.id, a.code AS code, a.title_en, a.title_az, a.kind, a.officer, par.code AS parent_code,
  a.stage, a.stage_since AS entry_on, a.stage_since_precision AS entry_precision, a.stage_since_from AS entry_from,
  a.stage_since_form AS entry_form, NULL AS evidence_on,
  a.awaiting, a.signed_on, a.in_force_on, a.event_count AS known_count,
  NULL AS next_stage, NULL AS next_on, NULL AS next_precision, NULL AS next_from, NULL AS next_form
FROM agreements a
LEFT JOIN agreements par ON par.id = a.parent_id
WHERE {_AS_OF_DONE} AND NOT a.revised {{where}}
ORDER BY code
"""


def as_of_sql(sqlite: bool, where: Sequence[str] = ()) -> str:
    """The as-of statement with the filters ``where`` (conditions on ``a``).
    On SQLite the two steps are computed once each (MATERIALIZED), not
    inlined into every place that reads them, and ties of a day are broken
    by rowid."""
    return (
        _AS_OF_SQL.replace("{where}", "".join(" AND " + w for w in where))
        .replace("{materialized}", "MATERIALIZED " if sqlite else "")
        # an agreement's events get rowids in the order of their seqs (appended
        # one after the other, never with a given id): the same order, read from
        # the (agreement_id, occurred_on) index, whose entries end with the rowid
        .replace("{order}", "e.id" if sqlite else "e.seq")
    )


def list_as_of(
    db: Database,
    day: date,
    *,
    stage: str | None = None,
    party: str | None = None,
    kind: str | None = None,
    voided: bool = False,
) -> list[dict[str, Any]]:
    """Every agreement as it stood at the end of ``day`` (the same answer as
    ``show CODE --as-of DAY`` for each), ordered by code. Agreements whose
    history says nothing about that day are left out. One SQL statement for
    the standings and one for the counterparts, whatever the number of rows.
    """
    check_stage(stage)  # the stage of that day is filtered below, not the current one
    where, params = agreement_filters(kind=kind, party=party, voided=voided)
    params["day"] = day
    sql = as_of_sql(db.is_sqlite, where)
    with db.engine.connect() as connection:
        rows = plain_rows(connection, sql, params, [bindparam("day", type_=Date)])
        parties = parties_by_agreement(connection)
    day_iso = day.isoformat()
    result = []
    # dates stay ISO text (as SQLite gives them; PostgreSQL's dates are
    # formatted once): the output is text and ISO text compares in date order
    for row in rows:
        if row[7] is None:  # nothing certain by then: possibly begun, or not yet recorded
            item = not_certain(head_of(row, parties), row[17:], day)
        else:
            item = _as_of_row(row, parties, day, day_iso)
        if stage is None or item["stage"] == stage:
            result.append(item)
    revised = revised_as_of(db, day, where, params)
    if revised:
        result = sorted(result + [r for r in revised if stage is None or r["stage"] == stage], key=lambda r: r["code"])
    return result


def _day(value: Any) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) else value


def _as_of_row(row: Sequence[Any], parties: dict[int, list[str]], day: date, day_iso: str) -> dict[str, Any]:
    """One agreement of the as-of statement as ``show --as-of`` gives it."""
    (
        aid,
        code,
        title_en,
        title_az,
        kind_,
        officer,
        parent_code,
        row_stage,
        entry_on,
        entry_precision,
        entry_from,
        entry_form,
        evidence_on,
        awaiting,
        signed_on,
        in_force_on,
        known_count,
        *next_move,
    ) = row
    entry_on, evidence_on = iso(entry_on), iso(evidence_on)
    since_on: str | None
    if evidence_on is None and entry_on is not None and entry_on <= day_iso:
        since_on, precision, since_from, since_form = entry_on, entry_precision, entry_from, entry_form
    elif evidence_on is not None:  # the move's own date is later: the stage held by this evidence
        since_on, precision, since_from, since_form = evidence_on, NOT_AFTER, None, None
    else:  # cannot happen: the last evidence is known by the day
        since_on, precision, since_from, since_form = entry_on, entry_precision, entry_from, entry_form
    # a next move of an exact day (the usual case) is after the day: certainly not yet
    possible = (
        possible_next(next_move, day)
        if next_move[0] is not None and (next_move[2] != DAY or next_move[4] is not None)
        else None
    )
    if since_form is None:  # the forms of the three stored precisions: no interval to build
        since_label = label(since_on, precision)
        earliest = since_on if precision == DAY else None
    else:
        since = When.stored(date.fromisoformat(since_on) if since_on else None, precision, _day(since_from), since_form)
        since_label, earliest, precision = since.label(), iso(since.earliest), since.precision
    return {
        "code": code,
        "title_en": title_en,
        "title_az": title_az,
        "kind": kind_,
        "parties": parties.get(aid, []),
        "parent": parent_code,
        "officer": officer,
        "stage": row_stage,
        "certainty": "certain",
        "possibly": possible[0] if possible else None,
        "stage_since": since_on,
        "stage_since_precision": precision,
        "stage_since_earliest": earliest,
        "stage_since_label": since_label
        + (f"; possibly {possible[0]} — entered {possible[1].label()}" if possible else ""),
        "awaiting": awaiting,
        "suspended_from": None,
        "signed_on": iso(signed_on),
        "in_force_on": iso(in_force_on),
        "events": known_count,
        "as_of": day_iso,
    }
