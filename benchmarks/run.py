"""Time the tracker against hand-written SQL, on SQLite or PostgreSQL.

Three modes (``--modes``, default ``queries,processes``):

- ``queries``: each read in-process (``benchmarks.queries``), warm pairs in
  this process and cold pairs of fresh processes, tracker and hand-written
  SQL alternating pair by pair; the median of the per-pair ratios.
- ``processes``: `agreements list`, `show`, `history`, `stalled` as whole
  processes against a click + driver script (``benchmarks.processes``), on
  the seed history and on the archive.
- ``transfer``: import and export at ``--sizes`` events against a naive bulk
  loader (``benchmarks.transfer``), on SQLite and, with a PostgreSQL
  ``--db`` or ``--pg``, on PostgreSQL.

    .venv/bin/python -m benchmarks.run --db /tmp/archive.db
    .venv/bin/python -m benchmarks.run --db 'postgresql+psycopg://postgres@127.0.0.1:5432/test?options=-csearch_path%3Dbench'
    .venv/bin/python -m benchmarks.run --modes transfer --sizes 100000,300000,1000000 --pg URL
    .venv/bin/python -m benchmarks.run --quick          # a smoke run on a small archive, under a minute
"""

from __future__ import annotations

import argparse
import os
import platform
import sqlite3
import sys
import time

from benchmarks import processes, queries, transfer
from benchmarks.databases import Target, copy_from_sqlite, target
from benchmarks.reference_sql import connect

QUICK_SIZE = 5000
MODES = ("queries", "processes", "transfer")


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("path", nargs="?", help="the archive, a SQLite file (same as --db PATH)")
    parser.add_argument("--db", help="the archive: a SQLite file, or a PostgreSQL URL naming a schema")
    parser.add_argument("--modes", default="queries,processes", help="queries,processes,transfer")
    parser.add_argument("--repeat", type=int, default=15, help="warm pairs per query (fewer where slow)")
    parser.add_argument("--cold", type=int, default=5, help="cold pairs (fresh processes) per query")
    parser.add_argument("--process-pairs", type=int, default=11, help="pairs of whole processes per command")
    parser.add_argument("--clock", choices=("auto", "wall", "cpu"), default="auto", help="auto: CPU on SQLite")
    parser.add_argument("--cpu", action="store_true", help="the same as --clock cpu")
    parser.add_argument("--skip", action="append", default=[], help="skip queries whose name contains this")
    parser.add_argument("--max-seconds", type=float, default=60, help="at most about this long per query, warm")
    parser.add_argument("--workdir", default="/tmp/agreements-bench", help="archives and scratch files")
    parser.add_argument("--sizes", default="100000,300000,1000000", help="transfer: events per archive")
    parser.add_argument("--pg", help="transfer: also on this PostgreSQL URL (schemas NAME_import, NAME_naive)")
    parser.add_argument("--transfer-rounds", type=int, default=1, help="transfer: rounds of import and loader")
    parser.add_argument("--transfer-on", choices=("both", "sqlite", "postgresql"), default="both")
    parser.add_argument("--quick", action="store_true", help="small archive, few repeats: a smoke run")
    # the options of earlier versions
    parser.add_argument("--startup", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--transfer", metavar="WORKDIR", help=argparse.SUPPRESS)
    args = parser.parse_args()
    modes = set(args.modes.split(","))
    if args.startup:
        modes.add("processes")
    if args.transfer:
        modes.add("transfer")
        args.workdir = args.transfer
    if args.quick:
        modes = set(MODES)
        args.repeat, args.cold, args.process_pairs, args.max_seconds = 3, 1, 1, 3
        args.sizes, args.transfer_rounds = str(QUICK_SIZE), 1
    unknown = modes - set(MODES)
    if unknown:
        parser.error(f"unknown mode(s) {', '.join(sorted(unknown))}; one of {', '.join(MODES)}")
    args.modes = [m for m in MODES if m in modes]
    return args


def _archive(args: argparse.Namespace) -> Target:
    """The archive to read; with --quick, a small one generated when missing or empty."""
    spec = args.db or args.path
    if spec is None and not args.quick:
        raise SystemExit("give the archive: --db PATH|URL (or --quick for a small generated one)")
    if spec is None:
        return transfer.archive(args.workdir, QUICK_SIZE)
    t = target(spec)
    if args.quick and not _events(t):
        copy_from_sqlite(transfer.archive(args.workdir, QUICK_SIZE).path, t, args.workdir)
    return t


def _events(t: Target) -> int:
    try:
        c = connect(t.url)
        (count,) = c.rows("SELECT count(*) FROM events")[0]
        c.close()
        return int(count)
    except Exception:  # no such file, schema or table: nothing there
        return 0


def _about(t: Target) -> str:
    c = connect(t.url)
    version = c.rows("SELECT version()")[0][0].split(" on ")[0] if c.pg else f"SQLite {sqlite3.sqlite_version}"
    (agreements,) = c.rows("SELECT count(*) FROM agreements")[0]
    (events,) = c.rows("SELECT count(*) FROM events")[0]
    c.close()
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (
        f"{t.label()}: {agreements:,} agreements, {events:,} events; {version}, Python {platform.python_version()}, "
        f"{os.cpu_count()} cores, load {load}, {time.strftime('%Y-%m-%d %H:%M')}"
    )


def main() -> None:
    args = _arguments()
    os.makedirs(args.workdir, exist_ok=True)
    needs_archive = "queries" in args.modes or "processes" in args.modes
    archive = _archive(args) if needs_archive or args.db or args.path else None
    if archive is not None:
        print(_about(archive), flush=True)
    clock = "cpu" if args.cpu else args.clock
    if clock == "auto":
        clock = "cpu" if archive is None or archive.is_sqlite else "wall"
    started = time.perf_counter()
    if "queries" in args.modes and archive is not None:
        queries.run(archive.url, clock, args.repeat, args.cold, args.skip, args.max_seconds)
    if "processes" in args.modes and archive is not None:
        c = connect(archive.url)
        code = queries.choose(c).code
        c.close()
        processes.run(archive, code, args.workdir, args.process_pairs, baseline_repeat=1 if args.quick else 5)
    if "transfer" in args.modes:
        pg = target(args.pg) if args.pg else archive if archive is not None and not archive.is_sqlite else None
        if pg is not None and pg.is_sqlite:
            raise SystemExit("--pg takes a PostgreSQL URL")
        sizes = [int(s.replace("_", "")) for s in args.sizes.split(",")]
        if args.transfer_on == "sqlite":
            pg = None
        elif args.transfer_on == "postgresql" and pg is None:
            raise SystemExit("--transfer-on postgresql needs a PostgreSQL --pg URL (or --db URL)")
        transfer.run(args.workdir, sizes, pg, args.transfer_rounds, sqlite=args.transfer_on != "postgresql")
    print(f"({time.perf_counter() - started:.0f} s)", file=sys.stderr)


if __name__ == "__main__":
    main()
