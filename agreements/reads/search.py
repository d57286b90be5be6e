"""Full-text search over titles, notes, outcomes, places, reasons and document
references: SQLite FTS5, or a ``tsvector`` GIN index on PostgreSQL.

A user's search string is data, never query syntax: it is cut into words
(letters and digits), each whitespace-separated piece becomes a quoted phrase
and the last word of each piece matches as a prefix (Azerbaijani adds
endings: ``Kişinyov`` finds ``Kişinyovda``). Quotes, stars, ``NEAR(``,
``-`` and the like are therefore harmless.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text

from agreements.errors import BadInput
from agreements.store.database import Database
from agreements.store.search_index import EVENT_FIELDS, TITLE_FIELDS, pg_document, pg_text, sqlite_text
from workflows.chronology import label

WORD = re.compile(r"[^\W_]+")
MARK_START, MARK_END, ELLIPSIS = "[", "]", "…"
SNIPPET_TOKENS = 12
DEFAULT_LIMIT = 50
MAX_PHRASES = 32


@dataclass(frozen=True)
class Phrase:
    words: tuple[str, ...]


def parse(query: str | None) -> list[Phrase]:
    """The phrases of a user's search string (empty when it has no words)."""
    query = unicodedata.normalize("NFC", query or "")
    phrases = []
    for piece in query.split():
        words = tuple(WORD.findall(piece))
        if words:
            phrases.append(Phrase(words))
    return phrases[:MAX_PHRASES]


def fts5_query(phrases: list[Phrase], fold: bool) -> str:
    """An FTS5 MATCH expression: every phrase quoted, the last word a prefix."""
    parts = []
    for phrase in phrases:
        body = " ".join(sqlite_text(w, fold) for w in phrase.words).replace('"', '""')
        parts.append(f'"{body}" *')
    return " AND ".join(parts)


def _lexeme(word: str, prefix: bool) -> str:
    quoted = "'" + word.replace("\\", "\\\\").replace("'", "''") + "'"
    return quoted + (":*" if prefix else "")


def tsquery(phrases: list[Phrase], fold: bool) -> str:
    """A to_tsquery expression: words quoted as lexemes, followed by <->."""
    parts = []
    for phrase in phrases:
        words = [pg_text(w, fold) for w in phrase.words]
        parts.append("(" + " <-> ".join(_lexeme(w, i == len(words) - 1) for i, w in enumerate(words)) + ")")
    return " & ".join(parts)


def _check(query: str | None, limit: int) -> list[Phrase]:
    if limit < 1:
        raise BadInput("--limit must be at least 1")
    phrases = parse(query)
    if not phrases:
        raise BadInput(
            f"nothing to search for in {query!r}: give at least one word (letters or digits)"
            if query and query.strip()
            else "nothing to search for: give at least one word"
        )
    return phrases


def _hit(source, code, on, precision, kind, snippet, score, title_en) -> dict[str, Any]:
    if hasattr(on, "isoformat"):
        on = on.isoformat()
    return {
        "code": code,
        "source": source,
        "kind": kind,
        "on": on,
        "date_precision": precision,
        "date_label": label(on, precision) if source == "event" else "",
        "snippet": " ".join((snippet or "").split()),
        "score": round(float(score), 4),
        "title_en": title_en,
    }


def _sqlite_search(session, phrases, limit, fold):
    match = fts5_query(phrases, fold)
    suffix = "_fold" if fold else ""
    events, titles = f"events_fts{suffix}", f"agreements_fts{suffix}"
    snip = f"snippet({{t}}, -1, '{MARK_START}', '{MARK_END}', '{ELLIPSIS}', {SNIPPET_TOKENS})"
    event_sql = text(
        f"SELECT e.agreement_id, e.occurred_on, e.date_precision, e.kind, {snip.format(t=events)}, "
        f"bm25({events}) AS score FROM {events} JOIN events e ON e.id = {events}.rowid "
        f"WHERE {events} MATCH :q ORDER BY score, e.id DESC LIMIT :n"
    )
    title_sql = text(
        f"SELECT {titles}.rowid, {snip.format(t=titles)}, bm25({titles}) AS score "
        f"FROM {titles} WHERE {titles} MATCH :q ORDER BY score LIMIT :n"
    )
    params = {"q": match, "n": limit}
    return session.execute(event_sql, params).all(), session.execute(title_sql, params).all()


def highlight(body: str, phrases: list[Phrase], fold: bool) -> str:
    """A snippet of ``body`` around its first match, matched words in brackets
    (PostgreSQL's ``ts_headline`` sees only the normalised text, so the
    original is marked here, word by word, the way the index matched it)."""
    spans = [(m.start(), m.end()) for m in WORD.finditer(body)]
    norms = [pg_text(body[a:b], fold) for a, b in spans]
    marked = [False] * len(spans)
    for phrase in phrases:
        words = [pg_text(w, fold) for w in phrase.words]
        n = len(words)
        for i in range(len(spans) - n + 1):
            if norms[i : i + n - 1] == words[:-1] and norms[i + n - 1].startswith(words[-1]):
                marked[i : i + n] = [True] * n
    if not spans:
        return ""
    first = marked.index(True) if any(marked) else 0
    start = max(0, min(first - 2, len(spans) - SNIPPET_TOKENS))
    end = min(len(spans), start + SNIPPET_TOKENS)
    out, cursor = [ELLIPSIS] if start else [], spans[start][0] if start else 0
    for i in range(start, end):
        a, b = spans[i]
        out.append(body[cursor:a])
        out.append(f"{MARK_START}{body[a:b]}{MARK_END}" if marked[i] else body[a:b])
        cursor = b
    out.append(body[cursor:] if end == len(spans) else ELLIPSIS)
    return "".join(out)


def _pg_search(session, phrases, limit, fold):
    query = tsquery(phrases, fold)
    ev_doc = pg_document(EVENT_FIELDS, fold, "e")
    ti_doc = pg_document(TITLE_FIELDS, fold, "a")
    ev_text = " || ' ' || ".join(f"coalesce(e.{f}, '')" for f in EVENT_FIELDS)
    ti_text = " || ' ' || ".join(f"coalesce(a.{f}, '')" for f in TITLE_FIELDS)
    event_sql = text(
        f"SELECT e.agreement_id, e.occurred_on, e.date_precision, e.kind, {ev_text}, "
        f"-ts_rank({ev_doc}, to_tsquery('simple', :q)) AS score FROM events e "
        f"WHERE {ev_doc} @@ to_tsquery('simple', :q) ORDER BY score, e.id DESC LIMIT :n"
    )
    title_sql = text(
        f"SELECT a.id, {ti_text}, -ts_rank({ti_doc}, to_tsquery('simple', :q)) AS score FROM agreements a "
        f"WHERE {ti_doc} @@ to_tsquery('simple', :q) ORDER BY score LIMIT :n"
    )
    params = {"q": query, "n": limit}
    events = [(*row[:4], highlight(row[4], phrases, fold), row[5]) for row in session.execute(event_sql, params)]
    titles = [(row[0], highlight(row[1], phrases, fold), row[2]) for row in session.execute(title_sql, params)]
    return events, titles


def search(db: Database, query: str | None, *, limit: int = DEFAULT_LIMIT, fold: bool = False) -> list[dict[str, Any]]:
    """The best ``limit`` hits for ``query``, best first.

    ``fold`` makes the search diacritics-insensitive (``Kisinyov`` finds
    ``Kişinyov``); case never matters (İ/i, I/ı, Ə/ə included).
    """
    phrases = _check(query, limit)
    with db.read() as session:
        runner = _sqlite_search if db.is_sqlite else _pg_search
        event_rows, title_rows = runner(session, phrases, limit, fold)
        ids = {r[0] for r in event_rows} | {r[0] for r in title_rows}
        names = {}
        if ids:
            names = {
                row[0]: (row[1], row[2])
                for row in session.execute(
                    text(
                        "SELECT id, code, title_en FROM agreements WHERE id IN ("
                        + ",".join(str(int(i)) for i in ids)
                        + ")"
                    )
                )
            }
    hits = [
        _hit("event", names[aid][0], on, precision, kind, snip, score, names[aid][1])
        for aid, on, precision, kind, snip, score in event_rows
    ] + [
        _hit("title", names[aid][0], None, None, "title", snip, score, names[aid][1]) for aid, snip, score in title_rows
    ]
    hits.sort(key=lambda h: h["score"])
    return hits[:limit]


def match_condition(db: Database, query: str | None, fold: bool, alias: str) -> tuple[str, dict[str, Any]]:
    """A WHERE condition (and its parameters) keeping events whose text
    matches ``query`` the way ``search`` does; ``alias`` names the events table."""
    phrases = parse(query)
    if not phrases:
        raise BadInput("nothing to look for in --grep: give at least one word (letters or digits)")
    if db.is_sqlite:
        table = "events_fts_fold" if fold else "events_fts"
        return f"{alias}.id IN (SELECT rowid FROM {table} WHERE {table} MATCH :grep)", {
            "grep": fts5_query(phrases, fold)
        }
    doc = pg_document(EVENT_FIELDS, fold, alias)
    return f"{doc} @@ to_tsquery('simple', :grep)", {"grep": tsquery(phrases, fold)}
