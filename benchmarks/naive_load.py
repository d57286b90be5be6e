"""The reference of the import timings: a naive bulk loader of the tracker's
JSON export. It reads the file line by line (the export writes one
agreement a line), parses each with ``json.loads`` and inserts the rows with
the driver's ``executemany`` (batches of 5,000 events) into a database the
tracker has created (`agreements init`): the same tables, indexes,
constraints and triggers. No rules, no hash chain, no summaries: only what
parsing and inserting cost.

On SQLite the full-text index is filled as the tracker's import fills it,
one INSERT … SELECT per index after the rows (from the text of the per-row
triggers, which are dropped for the load and created again); on PostgreSQL
the GIN indexes are kept up to date row by row, as for the tracker.

    .venv/bin/python -m benchmarks.naive_load sqlite:////tmp/naive.db /tmp/export.json
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from benchmarks.reference_sql import Plain, connect, placeholders

BATCH = 5000
_AGREEMENT = (
    "INSERT INTO agreements (id, code, title_az, title_en, kind, officer, stage, stage_since, stage_since_precision, "
    "awaiting, signed_on, in_force_on, event_count, created_at, version, undated_events) "
    "VALUES (:id, :code, :title_az, :title_en, :kind, :officer, :stage, :since, :precision, :awaiting, :signed, "
    ":in_force, :count, :created, 1, 0)"
)
_PARTY = "INSERT INTO agreement_parties (agreement_id, party, position) VALUES (:aid, :party, :position)"
_EVENT = (
    "INSERT INTO events (agreement_id, seq, kind, from_stage, to_stage, occurred_on, date_precision, occurred_until, "
    "recorded_at, actor, place, note, reason, reference, outcome, open_articles, awaiting, source, prev_hash, hash) "
    "VALUES (:aid, :seq, :kind, :from_stage, :to_stage, :on, :precision, :until, :recorded, :actor, :place, :note, "
    ":reason, :reference, :outcome, :articles, :awaiting, :source, :prev, :hash)"
)
_TRIGGER = re.compile(
    r"^CREATE TRIGGER (\w+) AFTER INSERT ON events BEGIN (INSERT INTO \w+\(rowid, [\w, ]+\)) VALUES \((new\.id, .*)\); END$",
    re.S,
)


def agreements_in(path: str) -> Iterator[dict[str, Any]]:
    """Each agreement of an export, one line at a time."""
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            line = line.strip().rstrip(",")
            if line.startswith('{"code"'):
                yield json.loads(line)


def _day(on: str | None, precision: str) -> tuple[str | None, str]:
    """The stored date and precision; the other date forms of the export are stored as unknown."""
    if on is None or precision not in ("day", "not_after"):
        return None, "unknown"
    return on, precision


def _rows(aid: int, item: dict[str, Any], now: str) -> tuple[dict[str, Any], list[dict], list[dict]]:
    events, prev = [], None
    stage, since, precision = "draft", None, "unknown"
    for seq, e in enumerate(item["events"], 1):
        on, form = _day(e.get("on"), e.get("date_precision", "day"))
        if e.get("to"):
            stage, since, precision = e["to"], on, form
        recorded = (e.get("recorded_at") or now)[:26].replace("T", " ").split("+")[0]
        events.append(
            {
                "aid": aid,
                "seq": seq,
                "kind": e["kind"],
                "from_stage": e.get("from"),
                "to_stage": e.get("to"),
                "on": on,
                "precision": form,
                "until": e.get("until"),
                "recorded": recorded,
                "actor": e.get("actor") or "naive",
                "place": e.get("place"),
                "note": e.get("note"),
                "reason": e.get("reason"),
                "reference": e.get("reference"),
                "outcome": e.get("outcome"),
                "articles": e.get("open_articles"),
                "awaiting": e.get("awaiting"),
                "source": e.get("source"),
                "prev": prev,
                "hash": e.get("hash"),
            }
        )
        prev = e.get("hash")
    head = {
        "id": aid,
        "code": item["code"],
        "title_az": item["title_az"],
        "title_en": item["title_en"],
        "kind": item["kind"],
        "officer": item.get("officer"),
        "stage": stage,
        "since": since,
        "precision": precision,
        "awaiting": events[-1]["awaiting"] if events else None,
        "signed": next((e["on"] for e in events if e["kind"] == "signature"), None),
        "in_force": next((e["on"] for e in events if e["to_stage"] == "in_force"), None),
        "count": len(events),
        "created": now,
    }
    parties = [{"aid": aid, "party": p, "position": i} for i, p in enumerate(item.get("parties") or [])]
    return head, parties, events


def _many(c: Plain, sql: str, rows: list[dict]) -> None:
    if rows:
        cursor = c.connection.cursor()
        cursor.executemany(placeholders(sql, c.pg), rows)
        cursor.close()


def _drop_search_triggers(c: Plain) -> list[tuple[str, str]]:
    """SQLite: the full-text triggers on events, dropped; (their text, the bulk statement)."""
    found = []
    for name, sql in c.rows("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'events'"):
        match = _TRIGGER.match(sql or "")
        if match and match.group(1) == name:
            found.append((sql, f"{match.group(2)} SELECT {match.group(3)} FROM events AS new WHERE new.id > :first"))
            c.connection.execute(f"DROP TRIGGER {name}")
    return found


def load(url: str, path: str) -> int:
    """Insert every agreement of the export at ``path``; the number of events."""
    c = connect(url)
    if c.pg:
        c.connection.autocommit = False
    else:
        c.connection.execute("PRAGMA journal_mode=WAL")
        c.connection.execute("PRAGMA synchronous=NORMAL")
        c.connection.execute("PRAGMA foreign_keys=ON")
        c.connection.execute("BEGIN")
    triggers = [] if c.pg else _drop_search_triggers(c)
    (first_event,) = c.rows("SELECT coalesce(max(id), 0) FROM events")[0]
    (aid,) = c.rows("SELECT coalesce(max(id), 0) FROM agreements")[0]
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    heads: list[dict] = []
    parties: list[dict] = []
    events: list[dict] = []
    total = 0
    for item in agreements_in(path):
        aid += 1
        head, its_parties, its_events = _rows(aid, item, now)
        heads.append(head)
        parties += its_parties
        events += its_events
        if len(events) >= BATCH:
            total += _flush(c, heads, parties, events)
    total += _flush(c, heads, parties, events)
    for text, bulk in triggers:
        c.rows(bulk, first=first_event)
        c.connection.execute(text)
    c.connection.commit()
    c.close()
    return total


def _flush(c: Plain, heads: list[dict], parties: list[dict], events: list[dict]) -> int:
    count = len(events)
    _many(c, _AGREEMENT, heads)
    _many(c, _PARTY, parties)
    _many(c, _EVENT, events)
    heads.clear()
    parties.clear()
    events.clear()
    return count


if __name__ == "__main__":
    print(load(sys.argv[1], sys.argv[2]))
