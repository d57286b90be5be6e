"""Time each history query in-process against the equivalent hand-written SQL
(plain sqlite3 on the same database file), print both medians and the ratio.

    .venv/bin/python -m benchmarks.run /tmp/archive.db [--repeat 15] [--cpu]
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import sys
import time
from datetime import date
from zoneinfo import ZoneInfo

from agreements.config.file import load_config
from agreements.reads import agreement, listing, search
from agreements.reads import log as event_log
from agreements.reads import stalled as stalls
from agreements.store.database import Database

ZONE = ZoneInfo("Asia/Baku")

TARGETS = {  # median ms, ratio to raw SQL
    "history of one agreement": (2, 1.5),
    "log: one counterpart, one year": (50, 1.5),
    "search: top 50 hits": (100, 1.5),
    "stall scan of all agreements": (50, 1.5),
    "list --as-of": (200, 1.5),
}


#: what the queries are timed by: wall time, or with --cpu this process's CPU
#: time (steadier on a shared, loaded machine: waiting for a core is not counted)
clock = time.perf_counter


def median_ms(fn, repeat: int) -> float:
    t = clock()
    fn()  # warm up (caches, compiled statements)
    # sub-millisecond queries: enough runs for about half a second, for a stable median
    repeat = max(repeat, min(1000, int(0.5 / max(clock() - t, 1e-6))))
    times = []
    for _ in range(repeat):
        t = clock()
        fn()
        times.append((clock() - t) * 1000)
    return statistics.median(times)


def _child(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Run a command; (wall seconds, peak RSS in MB of that child)."""
    import subprocess

    started = time.perf_counter()
    process = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _pid, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    if status != 0:
        raise SystemExit(f"{' '.join(cmd)} failed: {process.stderr.read().decode()}")
    return wall, usage.ru_maxrss / 1024  # kB on Linux


def transfer(path: str, workdir: str) -> None:
    """Export the archive (JSON) and import it into a new database, each as a
    whole `agreements` process: wall time, events per second, peak memory."""
    import sqlite3

    os.makedirs(workdir, exist_ok=True)
    events = sqlite3.connect(path).execute("SELECT count(*) FROM events").fetchone()[0]
    tool = os.path.join(os.path.dirname(sys.executable), "agreements")
    env = {**os.environ, "AGREEMENTS_DB": path, "AGREEMENTS_USER": "benchmark"}
    dump = os.path.join(workdir, "archive-export.json")
    target = os.path.join(workdir, "archive-import.db")
    for leftover in (target, target + "-wal", target + "-shm"):
        if os.path.exists(leftover):
            os.remove(leftover)
    wall, rss = _child([tool, "export", "--out", dump], env)
    print(
        f"export (JSON, {os.path.getsize(dump) / 1e6:.0f} MB): {wall:.1f} s, {events / wall:,.0f} events/s, "
        f"peak memory {rss:.0f} MB  (target: streams, ≤150 MB)",
        flush=True,
    )
    wall, rss = _child([tool, "export", "--format", "csv", "--out", dump + ".csv"], env)
    print(f"export (CSV): {wall:.1f} s, peak memory {rss:.0f} MB", flush=True)
    os.remove(dump + ".csv")
    env["AGREEMENTS_DB"] = target
    _child([tool, "init"], env)
    wall, rss = _child([tool, "import", dump], env)
    print(
        f"import (JSON, whole process): {wall:.1f} s, {events / wall:,.0f} events/s, peak memory {rss:.0f} MB  "
        f"(target ≥20,000 events/s)",
        flush=True,
    )
    os.remove(dump)


def startup(repeat: int) -> None:
    """Whole-process wall time of `agreements list` on the seed history against
    `python -c "import sqlalchemy.orm, click"`, and what `--help` imports."""
    import subprocess
    import tempfile

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    tool = os.path.join(os.path.dirname(sys.executable), "agreements")
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "AGREEMENTS_DB": os.path.join(tmp, "seed.db"), "AGREEMENTS_USER": "benchmark"}
        subprocess.run([tool, "init"], env=env, check=True, capture_output=True)
        subprocess.run(
            [tool, "import", os.path.join(root, "data", "seed_history.json")], env=env, check=True, capture_output=True
        )

        def median(cmd: list[str]) -> float:
            times = []
            for _ in range(repeat):
                t = time.perf_counter()
                subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL)
                times.append((time.perf_counter() - t) * 1000)
            return statistics.median(times)

        base = median([sys.executable, "-c", "import sqlalchemy.orm, click"])
        listed = median([tool, "list"])
        ok = "ok" if listed <= 1.2 * base else "MISSED"
        print(
            f"`agreements list` on the seed: {listed:.0f} ms; `import sqlalchemy.orm, click`: {base:.0f} ms; "
            f"ratio {listed / base:.2f} (target ≤1.2×) {ok}"
        )
        probe = (
            "import sys; sys.argv = ['agreements', '--help']\nfrom agreements.cli import main\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "heavy = sorted({m.split('.')[0] for m in sys.modules} & {'sqlalchemy', 'jinja2', 'apscheduler', 'babel'})\n"
            "print(heavy, file=sys.stderr)"
        )
        heavy = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True).stderr.strip()
        print(
            f"`agreements --help` imports of sqlalchemy/jinja2/apscheduler/babel: {heavy} "
            f"{'ok' if heavy == '[]' else 'MISSED'}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("path")
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--skip", action="append", default=[], help="skip a query whose name contains this")
    parser.add_argument(
        "--transfer", metavar="WORKDIR", help="also time export and import of the archive (files in WORKDIR)"
    )
    parser.add_argument("--startup", action="store_true", help="also time `agreements list` and check `--help` imports")
    parser.add_argument("--cpu", action="store_true", help="time the queries by CPU time instead of wall time")
    args = parser.parse_args()
    if args.cpu:
        global clock
        clock = time.process_time
    db = Database(f"sqlite:///{args.path}")
    raw = sqlite3.connect(args.path)
    code, _aid = raw.execute(
        "SELECT code, id FROM agreements ORDER BY id LIMIT 1 OFFSET (SELECT count(*) / 2 FROM agreements)"
    ).fetchone()
    party = raw.execute("SELECT party FROM agreement_parties GROUP BY party ORDER BY count(*) DESC LIMIT 1").fetchone()[
        0
    ]
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
            "WHERE events_fts MATCH ? ORDER BY s LIMIT 50",
            ('"kişinyov" *',),
        ).fetchall()

    def raw_stalls():
        return raw.execute(
            "SELECT a.code, a.stage, a.stage_since, a.awaiting, (SELECT max(occurred_on) FROM events e "
            "WHERE e.agreement_id = a.id AND (e.to_stage IS NOT NULL OR e.kind IN ('round', 'signature'))) "
            "FROM agreements a ORDER BY a.code"
        ).fetchall()

    def raw_stall_columns():
        return raw.execute(stalls._SUMMARY_SQL).fetchall()

    as_of_sql = listing.as_of_sql(True).replace(":day", "?")

    def raw_as_of():
        rows = raw.execute(as_of_sql, (day.isoformat(),) * as_of_sql.count("?")).fetchall()
        raw.execute("SELECT agreement_id, party FROM agreement_parties ORDER BY agreement_id, position").fetchall()
        return rows

    cases = [
        ("history of one agreement", lambda: agreement.history(db, code, ZONE), raw_history),
        (
            "log: one counterpart, one year",
            lambda: event_log.log(db, party=party, since=since, until=until, limit=None, zone=ZONE),
            raw_log,
        ),
        ("search: top 50 hits", lambda: search.search(db, "Kişinyov", limit=50), raw_search),
        ("list --as-of", lambda: listing.list_as_of(db, day), raw_as_of),
        ("stall scan of all agreements", lambda: stalls.assess_all(db, config, date(2026, 11, 25)), raw_stalls),
    ]
    n_events = raw.execute("SELECT count(*) FROM events").fetchone()[0]
    n_agreements = raw.execute("SELECT count(*) FROM agreements").fetchone()[0]
    timed = "CPU" if args.cpu else "wall"
    print(f"archive: {n_agreements} agreements, {n_events} events; median of {args.repeat} runs ({timed} time)")
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
        if "stall" in name:
            # for reference: only reading the summary columns the scan reads
            # (the working-day arithmetic is not SQL); no target
            b = median_ms(raw_stall_columns, repeat)
            print(f"{'  (raw: summary columns only)':34} {a:11.2f} {b:11.2f} {a / b:6.2f}  (reference)", flush=True)
    if args.startup:
        startup(max(args.repeat, 11))
    if args.transfer:
        transfer(args.path, args.transfer)


if __name__ == "__main__":
    main()
