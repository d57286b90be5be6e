"""Time each history query in-process against the equivalent hand-written SQL
(plain sqlite3 on the same database file), print both medians and the ratio.

    .venv/bin/python -m benchmarks.run /tmp/archive.db [--repeat 15]
"""
from __future__ import annotations

import argparse
import sqlite3
import statistics
import time
from datetime import date

from agreements.config import load_config
from agreements.db import Database
from agreements import queries, search, stalls

TARGETS = {  # median ms, ratio to raw SQL
    "history of one agreement": (2, 1.5),
    "log: one counterpart, one year": (50, 1.5),
    "search: top 50 hits": (100, 1.5),
    "stall scan of all agreements": (50, 1.5),
    "list --as-of": (200, 1.5),
}


def median_ms(fn, repeat: int) -> float:
    fn()  # warm up (caches, compiled statements)
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("path")
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--skip", action="append", default=[], help="skip a query whose name contains this")
    args = parser.parse_args()
    db = Database(f"sqlite:///{args.path}")
    raw = sqlite3.connect(args.path)
    code, aid = raw.execute("SELECT code, id FROM agreements ORDER BY id LIMIT 1 OFFSET (SELECT count(*) / 2 FROM agreements)").fetchone()
    party = raw.execute("SELECT party FROM agreement_parties GROUP BY party ORDER BY count(*) DESC LIMIT 1").fetchone()[0]
    since, until, day = date(2015, 1, 1), date(2015, 12, 31), date(2016, 7, 1)
    config = load_config(None)

    def raw_history():
        a = raw.execute("SELECT * FROM agreements WHERE code = ?", (code,)).fetchone()
        return raw.execute("SELECT * FROM events WHERE agreement_id = ? ORDER BY seq", (a[0],)).fetchall()

    def raw_log():
        return raw.execute(
            "SELECT a.code, e.* FROM events e JOIN agreements a ON a.id = e.agreement_id "
            "WHERE e.agreement_id IN (SELECT agreement_id FROM agreement_parties WHERE party = ?) "
            "AND e.occurred_on BETWEEN ? AND ? ORDER BY e.occurred_on DESC, e.id DESC",
            (party, since.isoformat(), until.isoformat()),
        ).fetchall()

    def raw_search():
        return raw.execute(
            "SELECT a.code, e.occurred_on, snippet(events_fts, -1, '[', ']', '…', 12), bm25(events_fts) AS s "
            "FROM events_fts JOIN events e ON e.id = events_fts.rowid JOIN agreements a ON a.id = e.agreement_id "
            "WHERE events_fts MATCH ? ORDER BY s LIMIT 50", ('"kişinyov" *',),
        ).fetchall()

    def raw_stalls():
        return raw.execute(
            "SELECT a.code, a.stage, a.stage_since, a.awaiting, (SELECT max(occurred_on) FROM events e "
            "WHERE e.agreement_id = a.id AND (e.to_stage IS NOT NULL OR e.kind IN ('round', 'signature'))) "
            "FROM agreements a ORDER BY a.code"
        ).fetchall()

    as_of_sql = queries._AS_OF_SQL.replace("{where}", "").replace(":day", "?")

    def raw_as_of():
        rows = raw.execute(as_of_sql, (day.isoformat(),) * as_of_sql.count("?")).fetchall()
        raw.execute("SELECT agreement_id, party FROM agreement_parties ORDER BY agreement_id, position").fetchall()
        return rows

    cases = [
        ("history of one agreement", lambda: queries.history(db, code), raw_history),
        ("log: one counterpart, one year", lambda: queries.log(db, party=party, since=since, until=until, limit=None), raw_log),
        ("search: top 50 hits", lambda: search.search(db, "Kişinyov", limit=50), raw_search),
        ("list --as-of", lambda: queries.list_as_of(db, day), raw_as_of),
        ("stall scan of all agreements", lambda: stalls.assess_all(db, config, date(2026, 11, 25)), raw_stalls),
    ]
    n_events = raw.execute("SELECT count(*) FROM events").fetchone()[0]
    n_agreements = raw.execute("SELECT count(*) FROM agreements").fetchone()[0]
    print(f"archive: {n_agreements} agreements, {n_events} events; median of {args.repeat} runs")
    print(f"{'query':34} {'tracker ms':>11} {'raw SQL ms':>11} {'ratio':>6}  target")
    for name, ours, theirs in cases:
        if any(s in name for s in args.skip):
            print(f"{name:34} skipped")
            continue
        repeat = args.repeat if "stall" not in name else max(3, args.repeat // 5)
        a = median_ms(ours, repeat)
        b = median_ms(theirs, repeat)
        ms, ratio = TARGETS[name]
        ok = "ok" if a <= ms and a / b <= ratio else "MISSED"
        print(f"{name:34} {a:11.2f} {b:11.2f} {a / b:6.2f}  ≤{ms} ms, ≤{ratio}× {ok}", flush=True)


if __name__ == "__main__":
    main()
