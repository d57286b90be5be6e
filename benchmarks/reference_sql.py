"""The hand-written side of the benchmarks: plain SQL written here, not taken
from the tracker, run through the database's own driver (``sqlite3``, or
``psycopg`` on PostgreSQL), rows returned as the driver gives them.

Standard library only (the driver is imported by ``connect``): the whole-
process reference script (``benchmarks.plain_cli``) imports this module with
click and the driver and nothing else. The stall scan's reference is in
``benchmarks.reference_stall``.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

# :name parameters (not PostgreSQL's ::casts), rewritten for psycopg
_PARAM = re.compile(r"(?<![:\w]):([a-z_][a-z0-9_]*)")


def placeholders(sql: str, pg: bool) -> str:
    """``sql`` with its ``:name`` parameters as the driver takes them."""
    return _PARAM.sub(r"%(\1)s", sql) if pg else sql


class Plain:
    """A driver connection that runs ``:name`` statements on either database."""

    def __init__(self, connection: Any, pg: bool) -> None:
        self.connection = connection
        self.pg = pg
        self._documents: tuple[str, str] | None = None

    def rows(self, sql: str, **params: Any) -> list[Any]:
        """All rows of ``sql``; dates are bound as ISO text on SQLite, as stored."""
        if self.pg:
            return self.connection.execute(placeholders(sql, True), params).fetchall()
        bound = {k: v.isoformat() if isinstance(v, date) else v for k, v in params.items()}
        return self.connection.execute(sql, bound).fetchall()

    def close(self) -> None:
        self.connection.close()


def connect(url: str) -> Plain:
    """A plain connection to ``url`` (``sqlite:///PATH`` or a PostgreSQL URL)."""
    if url.startswith("sqlite:"):
        import sqlite3  # the driver of this database only

        return Plain(sqlite3.connect(url.split(":///", 1)[1]), pg=False)
    import psycopg  # the driver of this database only

    scheme, rest = url.split("://", 1)
    return Plain(psycopg.connect(f"{scheme.split('+', 1)[0]}://{rest}", autocommit=True), pg=True)


# --------------------------------------------------------------------------- one agreement, the list, the log

HEAD = (
    "SELECT a.id, a.code, a.title_en, a.title_az, a.kind, a.officer, a.stage, a.stage_since, "
    "a.stage_since_precision, a.awaiting, a.signed_on, a.in_force_on, a.event_count, p.party "
    "FROM agreements a LEFT JOIN agreement_parties p ON p.agreement_id = a.id WHERE a.code = :code ORDER BY p.position"
)
EVENTS = "SELECT * FROM events WHERE agreement_id = :aid ORDER BY seq"
LIST = (
    "SELECT a.id, a.code, a.title_en, a.title_az, a.kind, a.stage, a.stage_since, a.stage_since_precision, "
    "a.awaiting FROM agreements a WHERE NOT a.voided ORDER BY a.code"
)
PARTIES = "SELECT agreement_id, party FROM agreement_parties ORDER BY agreement_id, position"
LOG = (
    "SELECT a.code, e.* FROM events e JOIN agreements a ON a.id = e.agreement_id "
    "WHERE e.agreement_id IN (SELECT agreement_id FROM agreement_parties WHERE party = :party) "
    "AND e.occurred_on BETWEEN :since AND :until ORDER BY e.occurred_on DESC, e.id DESC"
)


def history(c: Plain, code: str) -> tuple[list[Any], list[Any]]:
    """An agreement with its counterparts, and its events in order."""
    head = c.rows(HEAD, code=code)
    return head, c.rows(EVENTS, aid=head[0][0]) if head else []


def listing(c: Plain) -> tuple[list[Any], dict[int, list[str]]]:
    """Every agreement not voided, by code, and the counterparts of each."""
    rows = c.rows(LIST)
    return rows, parties(c)


def parties(c: Plain) -> dict[int, list[str]]:
    by_agreement: dict[int, list[str]] = {}
    for aid, party in c.rows(PARTIES):
        by_agreement.setdefault(aid, []).append(party)
    return by_agreement


def log(c: Plain, party: str, since: date, until: date) -> list[Any]:
    """The events of one counterpart's agreements between two days, newest first."""
    return c.rows(LOG, party=party, since=since, until=until)


# --------------------------------------------------------------------------- as of a day

# Every agreement as it stood at the end of :day. An agreement whose history is
# dated and ends by then stood as its row says (the row's summary columns are
# part of the schema); for the others, the last stage entry known by the day,
# the holder set last by then (an entry sets one), the signature and entry into force by then
# and how many events were known, each an indexed lookup.
AS_OF = """
SELECT a.id, a.code, a.title_en, a.title_az, a.kind, a.officer, a.stage, a.stage_since,
  a.stage_since_precision, a.awaiting, a.signed_on, a.in_force_on, a.event_count
FROM agreements a
WHERE NOT a.voided AND a.undated_events = 0 AND a.last_event_on <= :day
UNION ALL
SELECT a.id, a.code, a.title_en, a.title_az, a.kind, a.officer, en.to_stage, en.occurred_on, en.date_precision,
  (SELECT h.awaiting FROM events h WHERE h.agreement_id = a.id AND h.occurred_on <= :day
     AND (h.awaiting IS NOT NULL OR h.to_stage IS NOT NULL) ORDER BY h.occurred_on DESC, h.seq DESC LIMIT 1),
  (SELECT max(s.occurred_on) FROM events s WHERE s.agreement_id = a.id AND s.kind = 'signature'
     AND s.occurred_on <= :day),
  (SELECT max(f.occurred_on) FROM events f WHERE f.agreement_id = a.id AND f.to_stage = 'in_force'
     AND f.occurred_on <= :day),
  (SELECT count(*) FROM events k WHERE k.agreement_id = a.id AND k.occurred_on <= :day)
FROM agreements a
JOIN events en ON en.agreement_id = a.id AND en.seq = (SELECT max(x.seq) FROM events x
  WHERE x.agreement_id = a.id AND x.to_stage IS NOT NULL AND x.occurred_on <= :day)
WHERE NOT a.voided AND NOT (a.undated_events = 0 AND a.last_event_on <= :day)
ORDER BY 2
"""


def as_of(c: Plain, day: date) -> tuple[list[Any], dict[int, list[str]]]:
    """Every agreement as it stood at the end of ``day``, and the counterparts."""
    return c.rows(AS_OF, day=day), parties(c)


# --------------------------------------------------------------------------- full-text search

_SQLITE_EVENTS = (
    "SELECT e.agreement_id, e.occurred_on, e.date_precision, e.kind, "
    "snippet(events_fts, -1, '[', ']', '…', 12), bm25(events_fts) AS s "
    "FROM events_fts JOIN events e ON e.id = events_fts.rowid WHERE events_fts MATCH :q ORDER BY s LIMIT :n"
)
_SQLITE_TITLES = (
    "SELECT rowid, snippet(agreements_fts, -1, '[', ']', '…', 12), bm25(agreements_fts) AS s "
    "FROM agreements_fts WHERE agreements_fts MATCH :q ORDER BY s LIMIT :n"
)
_EVENT_TEXT = "coalesce(e.place, '') || ' ' || coalesce(e.note, '') || ' ' || coalesce(e.outcome, '') || ' ' || "
_EVENT_TEXT += "coalesce(e.reason, '') || ' ' || coalesce(e.reference, '')"
_TITLE_TEXT = "coalesce(a.title_az, '') || ' ' || coalesce(a.title_en, '')"
# the GIN indexes of migration 0003 are on these expressions; a stored
# tsvector column, where the schema has one, is used instead
_PG_EVENT_DOC = f"to_tsvector('simple'::regconfig, agreements_search_exact({_EVENT_TEXT}))"
_PG_TITLE_DOC = f"to_tsvector('simple'::regconfig, agreements_search_exact({_TITLE_TEXT}))"
_PG_EVENTS = (
    "SELECT h.agreement_id, h.occurred_on, h.date_precision, h.kind, "
    "ts_headline('simple', h.body, to_tsquery('simple', :q), 'MaxWords=12, MinWords=6'), h.r FROM ("
    "SELECT e.id, e.agreement_id, e.occurred_on, e.date_precision, e.kind, {text} AS body, "
    "ts_rank({doc}, to_tsquery('simple', :q)) AS r FROM events e WHERE {doc} @@ to_tsquery('simple', :q) "
    "ORDER BY r DESC, e.id DESC LIMIT :n) h ORDER BY h.r DESC, h.id DESC"
)
_PG_TITLES = (
    "SELECT a.id, ts_headline('simple', {text}, to_tsquery('simple', :q)), "
    "ts_rank({doc}, to_tsquery('simple', :q)) AS r FROM agreements a WHERE {doc} @@ to_tsquery('simple', :q) "
    "ORDER BY r DESC LIMIT :n"
)
_TSVECTOR_COLUMNS = (
    "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema() "
    "AND data_type = 'tsvector' AND table_name IN ('events', 'agreements') ORDER BY column_name"
)


def _pg_documents(c: Plain) -> tuple[str, str]:
    """What the events' and the titles' text is matched on: a stored column
    (not the diacritics-folding one) where the schema has one, else the
    indexed expression."""
    if c._documents is None:
        stored = {t: f"{t[0]}.{col}" for t, col in reversed(c.rows(_TSVECTOR_COLUMNS)) if "fold" not in col}
        c._documents = (stored.get("events", _PG_EVENT_DOC), stored.get("agreements", _PG_TITLE_DOC))
    return c._documents


def search(c: Plain, word: str, limit: int = 50) -> list[Any]:
    """The best ``limit`` events and titles matching ``word`` (a prefix),
    with a snippet each and their agreements' codes."""
    if c.pg:
        event_doc, title_doc = _pg_documents(c)
        q = "'" + word.lower().replace("'", "''") + "':*"
        events = c.rows(_PG_EVENTS.format(text=_EVENT_TEXT, doc=event_doc), q=q, n=limit)
        titles = c.rows(_PG_TITLES.format(text=_TITLE_TEXT, doc=title_doc), q=q, n=limit)
    else:
        q = '"' + word.replace("İ", "i").replace("ı", "i") + '" *'
        events = c.rows(_SQLITE_EVENTS, q=q, n=limit)
        titles = c.rows(_SQLITE_TITLES, q=q, n=limit)
    ids = sorted({r[0] for r in events} | {r[0] for r in titles})
    if ids:
        c.rows("SELECT id, code, title_en FROM agreements WHERE id IN (" + ",".join(str(int(i)) for i in ids) + ")")
    return events + titles
