"""Whole processes: `agreements list`, `show CODE`, `history CODE` and
`stalled` from start to exit, against ``benchmarks.plain_cli`` (a script
that imports click and the driver and runs hand-written SQL of the same
command), on the seed history (data/seed_history.json imported into a
scratch database) and on the archive. The two processes alternate, pair by
pair; wall time is what a user waits for, the processes' own CPU time
(``wait4``) the steadier figure on a loaded machine (on PostgreSQL it leaves
out the server's work).
"""

from __future__ import annotations

import sys

from benchmarks.databases import SEED, TOOL, Target, drop, load, sibling, tool_env
from benchmarks.pairs import A, B, Paired, Sample, interleaved, run_child, table, verdict

# the targets of issue 17: ≤ 2× the script for list, show and history; ≤ 3× for stalled
COMMANDS = (("list", False, 2.0), ("show", True, 2.0), ("history", True, 2.0), ("stalled", False, 3.0))
SEED_CODE = "RA-MDA"


def _baselines(repeat: int) -> str:
    """What starting Python and importing click and a driver cost, for context."""
    figures = []
    for label, code in (
        ("python -c pass", "pass"),
        ("import click, sqlite3", "import click, sqlite3"),
        ("import click, psycopg", "import click, psycopg"),
    ):
        samples = [run_child([sys.executable, "-c", code])[0] for _ in range(repeat)]
        figures.append(f"{label} {sorted(s.wall for s in samples)[len(samples) // 2]:.0f} ms")
    return "; ".join(figures)


def _pairs(t: Target, command: str, args: list[str], pairs: int) -> Paired:
    env = tool_env(t)
    tracker = [TOOL, "--db", t.url, command, *args]
    plain = [sys.executable, "-m", "benchmarks.plain_cli", "--db", t.url, command, *args]
    if pairs > 1:  # once each first: the files in the page cache for both
        run_child(tracker, env)
        run_child(plain, env)
    result = Paired()
    for _i, side in interleaved(pairs):
        sample: Sample = run_child(tracker if side == A else plain, env)[0]
        (result.a if side == A else result.b).append(sample)
    return result


def _row(label: str, paired: Paired, limit: float) -> list[str]:
    wall, cpu = paired.ratio("wall"), paired.ratio("cpu")
    low, high = paired.ratio_range("wall")
    return [
        label,
        f"{paired.spread(A, 'wall')[1]:.0f}",
        f"{paired.spread(B, 'wall')[1]:.0f}",
        f"{wall:.2f} ({low:.2f}–{high:.2f})",
        f"{paired.spread(A, 'cpu')[1]:.0f}",
        f"{paired.spread(B, 'cpu')[1]:.0f}",
        f"{cpu:.2f}",
        f"≤{limit:.0f}× {verdict(wall, limit)}",
    ]


HEADER = [
    "whole process",
    "tracker wall ms",
    "script wall ms",
    "ratio (pairs)",
    "tracker CPU ms",
    "script CPU ms",
    "CPU ratio",
    "target (wall)",
]


def run(archive: Target, archive_code: str, workdir: str, pairs: int, baseline_repeat: int = 5) -> None:
    """Print the table of the seed history and of the archive."""
    print(f"start-up baselines (median of {baseline_repeat}): {_baselines(baseline_repeat)}", flush=True)
    seed = sibling(archive, "seed", workdir)
    load(seed, str(SEED))
    try:
        rows = []
        for name, t, code in (("seed", seed, SEED_CODE), ("archive", archive, archive_code)):
            for command, takes_code, limit in COMMANDS:
                args = [code] if takes_code else []
                paired = _pairs(t, command, args, pairs)
                rows.append(_row(f"{name}: {command}{' CODE' if takes_code else ''}", paired, limit))
                print(f"  {rows[-1][0]}: {rows[-1][3]}", file=sys.stderr, flush=True)
        print(table([f"{HEADER[0]}, {pairs} pairs, medians", *HEADER[1:]], rows), flush=True)
    finally:
        drop(seed)
