"""Import and export at archive sizes (100k, 300k, 1M events): each as a
whole `agreements` process, timed from start to exit (wall, and the
process's own CPU time from ``wait4``), with its peak resident memory
(``ru_maxrss``); events per second by wall time. Each import alternates
with the naive bulk loader (``benchmarks.naive_load``) on the same file into
the same fresh schema, round by round.

The archives are generated into SQLite files of the work directory (kept,
and reused while they hold the number of events asked for); each is
exported once to JSON (the file every import reads); on PostgreSQL the
tracker's import is exported again from there.
"""

from __future__ import annotations

import os
import sqlite3
import statistics
import sys

from benchmarks.databases import TOOL, Target, agreements, drop, fresh, sibling, target, tool_env
from benchmarks.pairs import Sample, run_child, table, verdict

# the targets of issue 17: peak memory ≤ 300 MB at 1M events and flat from
# 100k to 1M; ≤ 1.3× a naive bulk loader; PostgreSQL ≥ SQLite's events/s
MEMORY_MB, NAIVE_RATIO = 300, 1.3


def archive(workdir: str, size: int) -> Target:
    """The generated archive of ``size`` events (generated if missing)."""
    t = target(os.path.join(workdir, f"archive-{size}.db"))
    if os.path.exists(t.path):
        with sqlite3.connect(t.path) as conn:
            try:
                (count,) = conn.execute("SELECT count(*) FROM events").fetchone()
            except sqlite3.Error:
                count = None
        if count == size:
            return t
    print(f"generating {size:,} events into {t.path}", file=sys.stderr, flush=True)
    run_child([sys.executable, "-m", "benchmarks.generate", t.path, "--events", str(size)])
    return t


def _import(t: Target, dump: str) -> Sample:
    fresh(t)
    agreements(t, "init")
    return run_child([TOOL, "--db", t.url, "import", dump], tool_env(t))[0]


def _naive(t: Target, dump: str) -> Sample:
    fresh(t)
    agreements(t, "init")
    return run_child([sys.executable, "-m", "benchmarks.naive_load", t.url, dump])[0]


def _export(t: Target, out: str) -> Sample:
    sample = run_child([TOOL, "--db", t.url, "export", "--out", out], tool_env(t))[0]
    return sample


def _median(samples: list[Sample]) -> Sample:
    return Sample(
        statistics.median(s.wall for s in samples),
        statistics.median(s.cpu for s in samples),
        max(s.rss for s in samples),
    )


def _figures(size: int, s: Sample) -> list[str]:
    return [f"{s.wall / 1000:.1f}", f"{s.cpu / 1000:.1f}", f"{size / (s.wall / 1000):,.0f}", f"{s.rss:.0f}"]


class Report:
    """The rows of the table and the figures the targets compare."""

    def __init__(self) -> None:
        self.rows: list[list[str]] = []
        self.peaks: dict[str, dict[int, float]] = {}
        self.rates: dict[str, dict[int, float]] = {}

    def export(self, size: int, where: str, s: Sample) -> None:
        self.rows.append([f"{size:,}", where, "export (JSON)", *_figures(size, s), "", "", "", "(no target)"])

    def imported(self, size: int, where: str, ours: list[Sample], naive: list[Sample]) -> None:
        a, b = _median(ours), _median(naive)
        ratios = sorted(x.wall / y.wall for x, y in zip(ours, naive))
        ratio = statistics.median(ratios)
        self.peaks.setdefault(where, {})[size] = a.rss
        self.rates.setdefault(where, {})[size] = size / (a.wall / 1000)
        memory = verdict(a.rss, MEMORY_MB) if size >= 1_000_000 else ""
        self.rows.append(
            [
                f"{size:,}",
                where,
                f"import ({len(ours)} rounds)",
                *_figures(size, a),
                f"{b.wall / 1000:.1f} s, {b.rss:.0f} MB",
                f"{ratio:.2f}" + (f" ({ratios[0]:.2f}–{ratios[-1]:.2f})" if len(ratios) > 1 else ""),
                f"(CPU {a.cpu / b.cpu:.2f})",
                f"≤{NAIVE_RATIO}× {verdict(ratio, NAIVE_RATIO)}" + (f"; ≤{MEMORY_MB} MB {memory}" if memory else ""),
            ]
        )

    def print(self) -> None:
        header = ["events", "database", "step", "wall s", "CPU s", "events/s", "peak MB"]
        header += ["naive loader", "ratio (wall)", "", "target"]
        print(table(header, self.rows), flush=True)
        for where, peaks in self.peaks.items():
            sizes = sorted(peaks)
            growth = peaks[sizes[-1]] / peaks[sizes[0]] if len(sizes) > 1 else 1.0
            listed = ", ".join(f"{s:,}: {peaks[s]:.0f} MB" for s in sizes)
            flat = verdict(growth, 1.25) if len(sizes) > 1 else "(one size)"
            print(f"{where} import peak memory: {listed}; largest/smallest {growth:.2f} (flat: ≤1.25) {flat}")
        if "SQLite" in self.rates and "PostgreSQL" in self.rates:
            for size in sorted(self.rates["PostgreSQL"]):
                pg, lite = self.rates["PostgreSQL"][size], self.rates["SQLite"].get(size)
                if lite:
                    print(
                        f"{size:,} events: PostgreSQL import {pg:,.0f} events/s, SQLite {lite:,.0f} "
                        f"(target: PostgreSQL ≥ SQLite) {verdict(pg / lite, 1.0, at_least=True)}"
                    )


def run(workdir: str, sizes: list[int], pg: Target | None, rounds: int, sqlite: bool = True) -> None:
    """Print the table of every size, on SQLite (unless not ``sqlite``) and
    (given ``pg``) PostgreSQL."""
    os.makedirs(workdir, exist_ok=True)
    report = Report()
    for size in sizes:
        source = archive(workdir, size)
        dump = os.path.join(workdir, f"export-{size}.json")
        report.export(size, "SQLite", _export(source, dump))
        places = [("SQLite", target(os.path.join(workdir, "scratch.db")))] if sqlite else []
        if pg is not None:
            places.append(("PostgreSQL", pg))
        for where, base in places:
            ours_t, naive_t = sibling(base, "import", workdir), sibling(base, "naive", workdir)
            ours: list[Sample] = []
            naive: list[Sample] = []
            for _round in range(rounds):  # the tracker's import and the naive loader alternately
                ours.append(_import(ours_t, dump))
                naive.append(_naive(naive_t, dump))
                a, b = ours[-1], naive[-1]
                print(
                    f"  {size:,} {where}: import {a.wall / 1000:.1f} s (CPU {a.cpu / 1000:.1f} s, {a.rss:.0f} MB), "
                    f"naive {b.wall / 1000:.1f} s (CPU {b.cpu / 1000:.1f} s, {b.rss:.0f} MB)",
                    file=sys.stderr,
                    flush=True,
                )
            report.imported(size, where, ours, naive)
            if where == "PostgreSQL":
                again = os.path.join(workdir, f"export-{size}-pg.json")
                report.export(size, where, _export(ours_t, again))
                os.remove(again)
            drop(ours_t)
            drop(naive_t)
        os.remove(dump)
    report.print()
