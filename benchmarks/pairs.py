"""Paired timing: the tracker (side A) and its reference (side B) timed
alternately, A, B, A, B, ..., so that whatever else the machine does at a
moment weighs on both sides of a pair alike; the figure reported is the
median of the per-pair ratios, with the minimum and median of each side.

Each sample carries wall time and CPU time: CPU time is the fairer measure
on a loaded machine for work done in the process (SQLite in-process, a whole
process's own CPU), wall time the only one that counts a PostgreSQL
server's work and what a user waits for.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

A, B = "tracker", "reference"


@dataclass(frozen=True)
class Sample:
    """One timing: milliseconds of wall and CPU time (and peak RSS in MB, for a child)."""

    wall: float
    cpu: float
    rss: float = 0.0

    def by(self, clock: str) -> float:
        return self.cpu if clock == "cpu" else self.wall


def interleaved(pairs: int) -> list[tuple[int, str]]:
    """The order of the runs: pair 0's A then B, pair 1's A then B, ..."""
    return [(i, side) for i in range(pairs) for side in (A, B)]


def pair_ratios(a: Sequence[float], b: Sequence[float]) -> list[float]:
    """Each pair's A / B."""
    if len(a) != len(b) or not a:
        raise ValueError("ratios need as many A as B samples, at least one")
    return [x / y if y > 0 else float("inf") for x, y in zip(a, b)]


def median_ratio(a: Sequence[float], b: Sequence[float]) -> float:
    """The median of the per-pair ratios (not the ratio of the medians)."""
    return statistics.median(pair_ratios(a, b))


@dataclass
class Paired:
    """The samples of both sides, pair by pair."""

    a: list[Sample] = field(default_factory=list)
    b: list[Sample] = field(default_factory=list)

    def side(self, which: str, clock: str) -> list[float]:
        return [s.by(clock) for s in (self.a if which == A else self.b)]

    def ratio(self, clock: str) -> float:
        return median_ratio(self.side(A, clock), self.side(B, clock))

    def ratio_range(self, clock: str) -> tuple[float, float]:
        ratios = pair_ratios(self.side(A, clock), self.side(B, clock))
        return min(ratios), max(ratios)

    def spread(self, which: str, clock: str) -> tuple[float, float]:
        """(min, median) of one side."""
        values = self.side(which, clock)
        return min(values), statistics.median(values)


def timed(fn: Callable[[], object], calls: int = 1) -> Sample:
    """``fn`` run ``calls`` times; milliseconds per call."""
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(calls):
        fn()
    return Sample(
        (time.perf_counter() - wall) * 1000 / calls,
        (time.process_time() - cpu) * 1000 / calls,
    )


def calls_for(fn: Callable[[], object], budget_ms: float = 25.0) -> tuple[int, float]:
    """How many calls make a sample of about ``budget_ms`` (sub-millisecond
    queries are repeated within a sample, so that the clock's grain and the
    loop's cost do not weigh), and the wall milliseconds of the one call
    that measured it (a warm-up)."""
    once = timed(fn).wall
    return max(1, min(2000, int(budget_ms / max(once, 1e-3)))), once


def run_pairs(
    a: Callable[[], object], b: Callable[[], object], pairs: int, budget_ms: float = 25.0, max_seconds: float = 0
) -> Paired:
    """Warm pairs: each side run once to warm up, then A, B, A, B, ...; both
    sides make the same number of calls per sample. With ``max_seconds``,
    fewer pairs (at least three) where a pair takes long."""
    calls_a, once_a = calls_for(a, budget_ms)
    calls_b, once_b = calls_for(b, budget_ms)
    calls = max(calls_a, calls_b)
    if max_seconds:
        pair_ms = calls * (once_a + once_b)
        pairs = min(pairs, max(3, int(max_seconds * 1000 / pair_ms)))
    result = Paired()
    for _i, side in interleaved(pairs):
        if side == A:
            result.a.append(timed(a, calls))
        else:
            result.b.append(timed(b, calls))
    return result


# Runs a command in a process of its own, from a small one: a child's peak
# RSS (ru_maxrss) counts the memory of the process it was forked from, before
# its exec, so a child forked straight from this (large) process would
# report at least this process's size. The launcher forks, the child execs
# the command; the launcher writes the child's wall time (from the fork to
# its end), CPU time, peak RSS and exit status to the file it is given.
_LAUNCHER = """
import os, sys, time
started = time.perf_counter()
pid = os.fork()
if pid == 0:
    try:
        os.execvp(sys.argv[2], sys.argv[2:])
    finally:
        os._exit(127)
_pid, status, usage = os.wait4(pid, 0)
wall = time.perf_counter() - started
with open(sys.argv[1], "w") as out:
    out.write(f"{wall} {usage.ru_utime + usage.ru_stime} {usage.ru_maxrss} {os.waitstatus_to_exitcode(status)}")
"""


def run_child(cmd: Sequence[str], env: dict[str, str] | None = None) -> tuple[Sample, str]:
    """Run a process to its end: its wall time, its own CPU time (user +
    system, from ``wait4``) and peak RSS; and its standard output."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, tempfile.NamedTemporaryFile() as usage:
        launcher = [sys.executable, "-I", "-S", "-c", _LAUNCHER, usage.name, *cmd]
        code = subprocess.run(launcher, env=env, stdout=out, stderr=err, check=False).returncode
        figures = Path(usage.name).read_text().split()
        if code == 0 and len(figures) == 4:
            code = int(figures[3])
        out.seek(0)
        err.seek(0)
        if code != 0:
            raise SystemExit(f"{' '.join(cmd)} failed ({code}): {err.read().decode(errors='replace').strip()}")
        text = out.read().decode(errors="replace")
    wall, cpu, rss = (float(f) for f in figures[:3])
    return Sample(wall * 1000, cpu * 1000, rss / 1024), text


def verdict(value: float, limit: float, at_least: bool = False) -> str:
    """ok when ``value`` is within ``limit`` (at most, or ``at_least``), else over."""
    if at_least:
        return "ok" if value >= limit else "under"
    return "ok" if value <= limit else "over"


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Columns padded to their widest cell; the first left-aligned, the rest right."""
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    lines = []
    for row in [header, *rows]:
        cells = [str(c).ljust(w) if i == 0 else str(c).rjust(w) for i, (c, w) in enumerate(zip(row, widths))]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)
