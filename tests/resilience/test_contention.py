"""Eight processes hammering the same ten agreements through the command line.

Each worker process runs 100 write commands (advance, round, note, ack)
chosen by a seeded random generator, every one a real in-process invocation
of the ``agreements`` command (exit code, stdout and stderr exactly as the
console script gives them). Afterwards the history must account for every
successful command exactly once and for nothing else, every history must be
a valid path through the lifecycle with a sound hash chain, and every refusal
must be one ``Error:`` line: the losers of races "changed meanwhile, try
again", the others a domain refusal (e.g. a move another worker made first).
"""

from __future__ import annotations

import json
import multiprocessing
import os
import random
import re
import time
import traceback
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from agreements.cli import AgreementsGroup, main
from agreements.store.tables import Agreement, Event
from tests.support import PG_OWNER
from workflows.lifecycle import MoveContext, fire
from workflows.stages import ACTIVE, EXPERT_TALKS, IN_FORCE, SIGNING, allowed_targets
from workflows.stall_summary import SUMMARY_COLUMNS, fold_event

WORKERS = 8
OPERATIONS = 100
SEED = 20261125
# ten agreements that are neither in force nor terminated in the seed history,
# spread over draft, expert_talks, internal_approval, mfa and signing
CODES = (
    "IA-KAZ",
    "PR-RUS-ROAD",  # draft
    "LM-RUS",
    "RA-RUS",
    "RA-MDA",  # expert_talks
    "MC-RUS",  # internal_approval
    "MC-GEO",
    "RA-PAK",
    "RA-TUR",  # mfa
    "RA-MNE",  # signing
)
# every write is dated on this day: after every event of the seed history and
# not in the future, so no refusal is about dates; notes are dated today
# (the default) half of the time, which is allowed as they move no stage
ON = date(2017, 3, 1)
# `ack` refuses only an agreement in force or terminated (it does not ask
# whether the agreement is flagged), so the ten agreements always take one
ACK_UNTIL = ON + timedelta(days=92)
KINDS = ("advance", "round", "note", "ack")
WEIGHTS = (35, 25, 20, 20)

# the refusals a command may legitimately meet when another worker got there first
REFUSALS = {
    "illegal move": re.compile(r"^Error: cannot move from \w+ to \w+; allowed from \w+: [\w, ]+$"),
    "round outside expert_talks": re.compile(
        r"^Error: [A-Z0-9-]+ is in \w+; a round of expert talks needs it in expert_talks "
    ),
}
LOST_RACE = re.compile(r"^Error: [A-Z0-9-]+ was changed meanwhile by someone else; try again$")


def _invoke(runner: CliRunner, args: list[str]) -> dict:
    """One command, as the console script runs it; the database engine is
    disposed afterwards as the end of the process would."""
    record = {"args": args, "exit": None, "stdout": "", "stderr": "", "exception": None}
    try:
        result = runner.invoke(main, args, catch_exceptions=False)
        record.update(exit=result.exit_code, stdout=result.stdout, stderr=result.stderr)
    except BaseException:  # an exception the command line let through: a traceback for the user
        record["exception"] = traceback.format_exc()
    finally:
        app = AgreementsGroup.app
        if app is not None and app._db is not None:
            app._db.dispose()
    return record


def _stages(runner: CliRunner, db_url: str, reads: list) -> dict[str, str]:
    """The current stage of every agreement, read as a user would (`list`)."""
    record = _invoke(runner, ["--db", db_url, "list", "--format", "json"])
    reads.append(record)
    if record["exit"] != 0:
        return {}
    return {row["code"]: row["stage"] for row in json.loads(record["stdout"])}


def _worker(db_url: str, worker: int, out: str, start) -> None:
    """Run OPERATIONS write commands and write what each one gave to ``out``."""
    os.environ.pop("AGREEMENTS_DEBUG", None)
    runner = CliRunner()
    rng = random.Random(SEED * 100 + worker)
    ops: list[dict] = []
    reads: list[dict] = []
    start.wait(timeout=120)
    for i in range(OPERATIONS):
        kind = rng.choices(KINDS, WEIGHTS)[0]
        marker = f"w{worker}-op{i:03d} {kind}"
        actor = ["--as", f"w{worker}"] if db_url.startswith("sqlite") else []  # PostgreSQL: the login
        code = rng.choice(CODES)
        target = None
        if kind == "advance":
            # look, then move to a stage allowed from what was seen (another
            # worker may move it in between: then the move may be refused)
            seen = _stages(runner, db_url, reads).get(code)
            options = [t for t in allowed_targets(seen) if t in ACTIVE] if seen else list(ACTIVE)
            # favour expert_talks so that rounds have agreements to happen on
            target = EXPERT_TALKS if EXPERT_TALKS in options and rng.random() < 0.4 else rng.choice(options)
            args = ["advance", code, "--to", target, "--on", ON.isoformat(), "--note", marker, *actor]
        elif kind == "round":
            talking = [c for c, s in _stages(runner, db_url, reads).items() if c in CODES and s == EXPERT_TALKS]
            code = rng.choice(talking) if talking else code
            args = [
                "round",
                code,
                "--on",
                ON.isoformat(),
                "--place",
                "Bakı",
                "--note",
                marker,
                "--open-articles",
                str(rng.randint(0, 9)),
                *actor,
            ]
        elif kind == "note":
            args = ["note", code, marker, *actor] + (["--on", ON.isoformat()] if rng.random() < 0.5 else [])
        else:
            args = ["ack", code, "--until", ACK_UNTIL.isoformat(), "--note", marker, "--on", ON.isoformat(), *actor]
        record = _invoke(runner, ["--db", db_url, *args])
        record.update(worker=worker, index=i, kind=kind, code=code, marker=marker, target=target)
        ops.append(record)
    Path(out).write_text(json.dumps({"ops": ops, "reads": reads}), encoding="utf-8")


@dataclass
class Outcome:
    ok: int = 0
    lost: int = 0
    refused: Counter = field(default_factory=Counter)


def _classify(op: dict) -> str:
    """ok, lost (a lost race) or the name of a legitimate refusal; anything
    else fails the test with the command's output."""
    if op["exit"] == 0:
        return "ok"
    line = op["stderr"].strip()
    if LOST_RACE.match(line):
        return "lost"
    for name, pattern in REFUSALS.items():
        if pattern.match(line):
            return name
    raise AssertionError(f"unexpected refusal of {op['args']}: exit {op['exit']}, stderr {op['stderr']!r}")


def _histories(db) -> tuple[dict[str, Agreement], dict[str, list[Event]]]:
    with db.read() as s:
        agreements = {a.code: a for a in s.scalars(select(Agreement))}
        by_id = {a.id: a.code for a in agreements.values()}
        events: dict[str, list[Event]] = defaultdict(list)
        for e in s.scalars(select(Event).order_by(Event.agreement_id, Event.seq)):
            events[by_id[e.agreement_id]].append(e)
        return agreements, events


def _check_lifecycle(code: str, agreement: Agreement, events: list[Event]) -> None:
    """Replay the history through the lifecycle machine and compare the row."""
    assert [e.seq for e in events] == list(range(1, len(events) + 1)), f"{code}: seqs not contiguous"
    assert events[0].kind == "opened" and events[0].to_stage is not None, code
    assert all(e.kind != "opened" for e in events[1:]), code
    row = SimpleNamespace(stage=events[0].to_stage, suspended_from=None, signed_on=None)
    since = events[0].occurred_on
    summary = SimpleNamespace(**{c: None for c in SUMMARY_COLUMNS})
    summary.undated_events = 0
    awaiting = None
    for e in events[1:]:
        before = row.stage
        assert e.from_stage == before, (
            f"{code} event {e.seq}: recorded in {e.from_stage}, but the agreement was in {before}"
        )
        if e.kind == "signature":
            if row.stage != SIGNING:
                fire(row, SIGNING)
            row.signed_on = e.occurred_on
        elif e.kind == "stage_change":
            assert e.to_stage in allowed_targets(before, row.suspended_from), (
                f"{code} event {e.seq}: {before} -> {e.to_stage} is not a move of the lifecycle"
            )
            fire(
                row,
                e.to_stage,
                MoveContext(in_force_on=e.occurred_on if e.to_stage == IN_FORCE else None, reason=e.reason),
            )
        elif e.kind == "round":
            assert row.stage == EXPERT_TALKS, f"{code} event {e.seq}: a round in {row.stage}"
        if row.stage != before:
            assert (e.from_stage, e.to_stage) == (before, row.stage), f"{code} event {e.seq}"
            since = e.occurred_on
        else:
            assert e.to_stage is None, f"{code} event {e.seq}: to_stage {e.to_stage} without a move"
    for e in events:
        fold_event(summary, e, awaiting)
        if e.awaiting is not None or e.to_stage is not None:  # an entry naming no holder changes nobody's move
            awaiting = e.awaiting
    assert agreement.stage == row.stage, f"{code}: stored stage {agreement.stage}, history ends in {row.stage}"
    last_entry = [e for e in events if e.to_stage][-1]
    assert agreement.stage == last_entry.to_stage, code
    assert agreement.stage_since == since, code
    assert agreement.suspended_from == row.suspended_from, code
    assert agreement.awaiting == awaiting, code
    assert agreement.event_count == len(events), f"{code}: event_count {agreement.event_count}, {len(events)} events"
    assert agreement.last_hash == events[-1].hash, code
    assert all(e.prev_hash == (events[i - 1].hash if i else None) for i, e in enumerate(events)), code
    assert agreement.last_event_on == max((e.occurred_on for e in events if e.occurred_on), default=None), code
    acks = [e for e in events if e.kind == "ack"]
    assert agreement.ack_until == (acks[-1].occurred_until if acks else None), code
    assert agreement.ack_note == (acks[-1].note if acks else None), code
    for column in SUMMARY_COLUMNS:
        assert getattr(agreement, column) == getattr(summary, column), f"{code}: {column} does not match its history"


@pytest.mark.slow
def test_eight_processes_on_ten_agreements_lose_nothing_and_double_nothing(seeded, cli, tmp_path, capsys):
    before_agreements, before = _histories(seeded)
    assert all(before_agreements[c].stage in ACTIVE for c in CODES)
    counts_before = {code: len(events) for code, events in before.items()}

    ctx = multiprocessing.get_context("spawn")
    start = ctx.Event()
    outs = [tmp_path / f"worker{w}.json" for w in range(WORKERS)]
    procs = [ctx.Process(target=_worker, args=(seeded.url, w, str(outs[w]), start)) for w in range(WORKERS)]
    for p in procs:
        p.start()
    start.set()
    # meanwhile, check the chains again and again, as a nightly `verify` on a
    # shared database would while people work: no write may look like tampering
    runner = CliRunner()
    checks = []
    deadline = time.monotonic() + 600  # a safety stop only; the workers' exit codes are asserted below
    while any(p.is_alive() for p in procs) and time.monotonic() < deadline:
        checks.append(_invoke(runner, ["--db", seeded.url, "verify"]))
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0, f"worker {p.name} ended with {p.exitcode}"
    assert checks, "no verify ran during the workload"
    failed = [c for c in checks if c["exit"] != 0 or c["exception"]]
    assert failed == [], f"{len(failed)} of {len(checks)} verify runs during the workload failed, e.g. {failed[0]}"
    results = [json.loads(out.read_text(encoding="utf-8")) for out in outs]
    ops = [op for r in results for op in r["ops"]]
    reads = [op for r in results for op in r["reads"]]
    assert len(ops) == WORKERS * OPERATIONS

    # every command ended as the command line promises: no traceback, exit
    # 0, 1 or 2, a refusal is one `Error:` line, a success prints no error
    for op in ops + reads:
        assert op["exception"] is None, f"{op['args']} raised:\n{op['exception']}"
        assert op["exit"] in (0, 1, 2), op
        assert "Traceback" not in op["stderr"] and "Traceback" not in op["stdout"], op
        if op["exit"] == 0:
            assert op["stderr"] == "", op
        else:
            lines = op["stderr"].splitlines()
            assert len(lines) == 1 and lines[0].startswith("Error: "), op
            assert op["stdout"] == "", op
    assert all(r["exit"] == 0 for r in reads), [r for r in reads if r["exit"] != 0][:3]

    outcomes = {kind: Outcome() for kind in KINDS}
    for op in ops:
        verdict = _classify(op)
        outcome = outcomes[op["kind"]]
        if verdict == "ok":
            outcome.ok += 1
        elif verdict == "lost":
            outcome.lost += 1
        else:
            outcome.refused[verdict] += 1
        if op["kind"] in ("note", "ack"):  # nothing but a lost race can refuse these here
            assert verdict in ("ok", "lost"), op
    with capsys.disabled():
        print(
            f"\n[{seeded.url.split(':')[0]}] {WORKERS} workers x {OPERATIONS} operations, "
            f"{len(checks)} verify runs meanwhile:"
        )
        for kind, o in outcomes.items():
            print(f"  {kind:8} ok {o.ok:4}  lost race {o.lost:3}  refused {dict(o.refused)}")
    for kind, o in outcomes.items():
        assert o.ok > 0, f"no {kind} succeeded"
    assert sum(o.lost for o in outcomes.values()) > 0, "no race was lost: the test did not exercise contention"

    # every successful command is in the history exactly once, where and as it said
    agreements, after = _histories(seeded)
    for code in agreements:
        assert [e.hash for e in after[code][: counts_before.get(code, 0)]] == [e.hash for e in before.get(code, [])], (
            f"{code}: earlier history changed"
        )
    new = {code: events[counts_before.get(code, 0) :] for code, events in after.items()}
    by_marker = defaultdict(list)
    for code, events in new.items():
        for e in events:
            by_marker[e.note].append((code, e))
    succeeded = [op for op in ops if op["exit"] == 0]
    for op in succeeded:
        found = by_marker.get(op["marker"], [])
        assert len(found) == 1, f"{op['args']} succeeded but is in the history {len(found)} time(s)"
        code, e = found[0]
        assert code == op["code"] and e.actor == (f"w{op['worker']}" if seeded.is_sqlite else PG_OWNER), op
        if op["kind"] == "advance":
            assert e.kind == "stage_change" and e.to_stage == op["target"], op
            assert op["stdout"].splitlines()[0] == f"{code}: {e.from_stage} -> {e.to_stage} on {ON.isoformat()}.", op
        elif op["kind"] == "round":
            assert e.kind == "round" and e.occurred_on == ON and e.place == "Bakı", op
            assert e.open_articles == int(op["args"][op["args"].index("--open-articles") + 1]), op
        elif op["kind"] == "note":
            assert e.kind == "note" and e.to_stage is None, op
        else:
            assert e.kind == "ack" and e.occurred_on == ON and e.occurred_until == ACK_UNTIL, op
    for op in ops:
        if op["exit"] != 0:
            assert op["marker"] not in by_marker, f"{op['args']} was refused but wrote {by_marker[op['marker']]}"
    markers = {op["marker"] for op in succeeded}
    strays = [(code, e.seq, e.kind, e.note) for code, events in new.items() for e in events if e.note not in markers]
    assert strays == [], "events no successful command produced"
    assert sum(len(events) for events in new.values()) == len(succeeded)

    # each worker's successful commands on an agreement are in its history in the order it ran them
    seq_of = {op["marker"]: by_marker[op["marker"]][0][1].seq for op in succeeded}
    for w in range(WORKERS):
        for code in CODES:
            mine = [seq_of[op["marker"]] for op in succeeded if op["worker"] == w and op["code"] == code]
            assert mine == sorted(mine), f"worker {w} on {code}: history out of its order"

    # every history is a valid path through the lifecycle and matches its row
    for code, agreement in agreements.items():
        _check_lifecycle(code, agreement, after[code])

    code, out, err = cli("verify")
    assert code == 0, out + err
