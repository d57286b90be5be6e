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

from agreements.reads.filters import agreement_filters, check_stage
from agreements.reads.rows import HEAD_SQL, head_dict, iso, parties_by_agreement
from agreements.store.database import Database
from workflows.chronology import NOT_AFTER, label


def list_agreements(
    db: Database, *, stage: str | None = None, party: str | None = None, kind: str | None = None
) -> list[dict[str, Any]]:
    """Agreements matching every filter given, ordered by code (plain rows:
    one statement for the agreements, one for their counterparts)."""
    where, params = agreement_filters(kind=kind, party=party, stage=stage)
    sql = HEAD_SQL + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY a.code"
    with db.read() as session:
        rows = session.execute(text(sql), params).all()
        parties = parties_by_agreement(session)
    return [head_dict(row, parties.get(row[0], [])) for row in rows]


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


def as_of_sql(sqlite: bool, where: Sequence[str] = ()) -> str:
    """The as-of statement with the filters ``where`` (conditions on ``a``).
    On SQLite the two steps are computed once each (MATERIALIZED), not
    inlined into every place that reads them."""
    return _AS_OF_SQL.replace("{where}", "".join(" AND " + w for w in where)).replace(
        "{materialized}", "MATERIALIZED " if sqlite else ""
    )


def list_as_of(
    db: Database, day: date, *, stage: str | None = None, party: str | None = None, kind: str | None = None
) -> list[dict[str, Any]]:
    """Every agreement as it stood at the end of ``day`` (the same answer as
    ``show CODE --as-of DAY`` for each), ordered by code. Agreements whose
    history says nothing about that day are left out. One SQL statement for
    the standings and one for the counterparts, whatever the number of rows.
    """
    check_stage(stage)  # the stage of that day is filtered below, not the current one
    where, params = agreement_filters(kind=kind, party=party)
    params["day"] = day
    sql = as_of_sql(db.is_sqlite, where)
    statement = text(sql).bindparams(bindparam("day", type_=Date))
    with db.read() as session:
        rows = session.execute(statement, params).all()
        parties = parties_by_agreement(session)
    day_iso = day.isoformat()
    result = []
    # dates stay ISO text (as SQLite gives them; PostgreSQL's dates are
    # formatted once): the output is text and ISO text compares in date order
    for (
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
        evidence_on,
        awaiting,
        signed_on,
        in_force_on,
        known_count,
    ) in rows:
        if stage and row_stage != stage:
            continue
        entry_on, evidence_on = iso(entry_on), iso(evidence_on)
        since_on: str | None
        if evidence_on is None and entry_on is not None and entry_on <= day_iso:
            since_on, precision = entry_on, entry_precision
        elif evidence_on is not None:
            since_on, precision = evidence_on, NOT_AFTER
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
                "stage_since_label": label(since_on, precision),
                "awaiting": awaiting,
                "suspended_from": None,
                "signed_on": iso(signed_on),
                "in_force_on": iso(in_force_on),
                "events": known_count,
                "as_of": day_iso,
            }
        )
    return result
