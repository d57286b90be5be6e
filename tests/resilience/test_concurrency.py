"""Several processes writing the same agreement in one database."""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
from collections import Counter
from datetime import date

import pytest
from sqlalchemy import select

from agreements.clock import Clock
from agreements.store.tables import Agreement, Event
from tests.support import PG_OWNER


def _events(db, code):
    with db.read() as s:
        agreement = s.scalar(select(Agreement).where(Agreement.code == code))
        return agreement, list(s.scalars(select(Event).where(Event.agreement_id == agreement.id).order_by(Event.seq)))


@pytest.mark.slow
def test_two_processes_advancing_the_same_agreement_one_wins(seeded):
    env = {**os.environ, "AGREEMENTS_DB": seeded.url}
    for code in ("IP-BNL", "IP-DEU", "LM-RUS", "RA-RUS"):
        _, before = _events(seeded, code)
        command = [
            sys.executable,
            "-m",
            "agreements",
            "advance",
            code,
            "--to",
            "internal_approval",
            "--on",
            "2016-12-31",
        ]
        procs = [
            subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for _ in range(2)
        ]
        results = [(p.wait(timeout=60), p.stdout.read(), p.stderr.read()) for p in procs]
        codes = sorted(r[0] for r in results)
        assert codes == [0, 1], results
        loser = next(r for r in results if r[0] == 1)
        assert loser[2].startswith("Error:") and len(loser[2].strip().splitlines()) == 1
        assert "Traceback" not in loser[2]
        assert ("changed meanwhile" in loser[2]) or (
            "cannot move from internal_approval to internal_approval" in loser[2]
        )
        agreement, after = _events(seeded, code)
        assert agreement.stage == "internal_approval"
        new = after[len(before) :]
        assert [(e.kind, e.from_stage, e.to_stage) for e in new] == [
            ("stage_change", "expert_talks", "internal_approval")
        ]


def _note_writer(db_url: str, worker: int, count: int, queue) -> None:
    from agreements.errors import StaleWrite
    from agreements.store.database import Database
    from agreements.writes import commands as services

    db = Database(db_url)
    actor = f"w{worker}" if db.is_sqlite else PG_OWNER  # on PostgreSQL the actor is the login
    ok = stale = 0
    for i in range(count):
        try:
            services.add_note(
                db,
                "RA-TUR",
                f"worker {worker} note {i}",
                services.Details(actor=actor),
                on=date(2017, 1, 1),
                clock=Clock(),
            )
            ok += 1
        except StaleWrite:
            stale += 1
    queue.put((worker, ok, stale))


def test_concurrent_writers_lose_no_event_and_double_none(seeded):
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    workers = [ctx.Process(target=_note_writer, args=(seeded.url, w, 15, queue)) for w in range(4)]
    for p in workers:
        p.start()
    results = [queue.get(timeout=120) for _ in workers]
    for p in workers:
        p.join(timeout=60)
        assert p.exitcode == 0
    agreement, events = _events(seeded, "RA-TUR")
    notes = Counter(e.note.split(" note ")[0] for e in events if e.kind == "note" and e.note.startswith("worker "))
    for worker, ok, stale in results:
        assert ok + stale == 15
        assert notes[f"worker {worker}"] == ok
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert agreement.event_count == len(events)
    texts = [e.note for e in events if e.kind == "note"]
    assert len(texts) == len(set(texts))  # nothing doubled
