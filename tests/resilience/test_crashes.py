"""Crashes: ``kill -9`` at random points of an import, an advance and a digest send.

Each trial starts the command as a real process (``python -m agreements --db
URL ...``), waits a random delay and kills it with SIGKILL; a process that
finished first is a valid trial too. The delays come from a seeded
``random.Random`` (the same trials on every run) and spread over the whole
run time of the command: it is measured first, uncontended (the quickest of
a few runs to the end), and the delays are drawn from [0, 1.2 x that]. The work is big enough (a thousand events to
import, ten digests to render and send) for many kills to land in the
middle of it, and each test checks that a good share of its trials was
really killed before the command completed.

After each kill the database is opened anew, ``agreements verify`` passes,
and the state is exactly the old one or exactly the new one: all of an
import or nothing of it, an agreement at its old stage with its old events or
at the new stage with one stage change more, every digest either sent (and
received by the SMTP server exactly once) or still to be sent (and not
received). Running the command again completes the work. The one digest a
killed sender may leave in doubt (handed over to the server, not yet recorded
as sent) is never sent a second time: the next run reports it, and an
operator who checks with the recipient resends it or not (docs/digest.md,
"The outbox, exactly once"). The last tests stop a sender on either side of
that moment (the SMTP server holds its answer) and kill it there.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP
from click.testing import CliRunner
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.pool import NullPool

from agreements.cli import AgreementsGroup, main
from agreements.digest.recipients import add_recipient
from agreements.store.database import Database
from agreements.store.tables import Agreement, Event, OutboxMessage
from tests.support import Server, clock_at, replayed, smtp_config_file

NOW = clock_at(date(2026, 11, 25)).now()  # when the test records things

TRIALS = 30
SEED = 20261125
SPREAD = 1.2  # delays are drawn from [0, SPREAD x the uncontended run time]
WARM_UP = 2  # runs to the end before the trials; the quickest gives the run time


# --------------------------------------------------------------------------- running and killing


@dataclass
class Run:
    delay: float
    killed: bool  # still running when its delay was over: killed mid-run
    stdout: str
    stderr: str


def agreements_command(url: str, *args: str) -> list[str]:
    return [sys.executable, "-m", "agreements", "--db", url, *args]


def run_to_end(command: list[str]) -> float:
    """Run ``command`` uncontended to its end; return its wall time."""
    started = time.perf_counter()
    done = subprocess.run(command, env=dict(os.environ), capture_output=True, text=True, timeout=300)
    elapsed = time.perf_counter() - started
    assert done.returncode == 0, done.stderr
    return elapsed


def run_and_kill(command: list[str], delay: float, url: str) -> Run:
    """Start ``command``, SIGKILL it after ``delay`` seconds unless it ended before,
    and wait until the database has settled what it left."""
    proc = subprocess.Popen(command, env=dict(os.environ), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(delay)
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGKILL)
    stdout, stderr = proc.communicate(timeout=300)  # reaped: its pid is gone for whoever looks
    killed = proc.returncode == -signal.SIGKILL
    if not killed:  # it ended by itself before the kill: then it succeeded
        assert proc.returncode == 0, (command, proc.returncode, stderr)
    settle(url)
    return Run(delay, killed, stdout, stderr)


def settle(url: str, timeout: float = 120.0) -> None:
    """PostgreSQL: wait until no other session holds a lock in the test's schema.

    The server backend of a killed client ends its transaction only when it
    next reads from the dead connection: until then a COMMIT it had already
    received may still land. Every transaction of the tracker holds a lock
    on one of its tables from its first statement to its end, so no lock held
    by another session means the killed command's last transaction is over
    (committed or rolled back). SQLite: a killed process holds no lock.
    """
    if url.startswith("sqlite"):
        return
    engine = create_engine(url, poolclass=NullPool)
    query = text(
        "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
        "WHERE c.relnamespace = current_schema()::regnamespace AND l.pid <> pg_backend_pid()"
    )
    deadline = time.monotonic() + timeout
    try:
        with engine.connect() as connection:
            while connection.execute(query).scalar():
                connection.rollback()
                assert time.monotonic() < deadline, "the killed client's session never ended"
                time.sleep(0.02)
    finally:
        engine.dispose()


def cli_run(url: str, *args: str) -> tuple[int, str, str]:
    """Run a command in this process on the database opened anew, then close it."""
    try:
        result = CliRunner().invoke(main, ["--db", url, *args], catch_exceptions=False)
    finally:
        app = AgreementsGroup.app
        if app is not None and app._db is not None:
            app._db.dispose()  # PostgreSQL: no connection outlives the command
    return result.exit_code, result.stdout, result.stderr


def assert_verify_passes(url: str) -> None:
    code, out, err = cli_run(url, "verify")
    assert code == 0, err
    assert re.match(r"All \d+ chain\(s\) intact \(\d+ events\)\.", out), out


def report(what: str, url: str, runs: list[Run], **outcomes: int) -> None:
    """One line on what the trials did (shown with ``pytest -s``)."""
    killed = sum(r.killed for r in runs)
    details = "".join(f", {name.replace('_', ' ')}: {n}" for name, n in outcomes.items())
    backend = "sqlite" if url.startswith("sqlite") else "postgresql"
    print(
        f"\n{what} [{backend}]: {len(runs)} trials, {killed} killed mid-run, {len(runs) - killed} ran to the end{details}"
    )


def assert_meaningful(runs: list[Run]) -> None:
    """At least a third of the trials were killed before their command completed."""
    killed = sum(r.killed for r in runs)
    assert len(runs) >= TRIALS
    assert killed * 3 >= len(runs), f"only {killed} of {len(runs)} trials were killed before completion"


# --------------------------------------------------------------------------- the stored state


@contextmanager
def opened(url: str) -> Iterator[Database]:
    """The database opened anew, as the next command would open it; closed after."""
    database = Database(url)
    try:
        yield database
    finally:
        database.dispose()


def snapshot(database: Database) -> dict[str, tuple]:
    """Every agreement's (stage, event_count, last_hash)."""
    with database.read() as session:
        rows = session.execute(select(Agreement.code, Agreement.stage, Agreement.event_count, Agreement.last_hash))
        return {code: (stage, count, head) for code, stage, count, head in rows}


def history_of(database: Database, code: str) -> list[tuple]:
    with database.read() as session:
        agreement = session.scalar(select(Agreement).where(Agreement.code == code))
        events = session.scalars(select(Event).where(Event.agreement_id == agreement.id).order_by(Event.seq))
        return [(e.seq, e.kind, e.from_stage, e.to_stage, e.occurred_on, e.note, e.prev_hash, e.hash) for e in events]


def assert_counts_whole(database: Database, codes) -> None:
    """Each agreement's event_count is its number of events, numbered 1..n."""
    with database.read() as session:
        rows = session.execute(
            select(
                Agreement.code, Agreement.event_count, func.count(Event.id), func.min(Event.seq), func.max(Event.seq)
            )
            .join(Event, Event.agreement_id == Agreement.id)
            .where(Agreement.code.in_(list(codes)))
            .group_by(Agreement.code, Agreement.event_count)
        ).all()
    assert len(rows) == len(set(codes))
    for code, stored, count, first, last in rows:  # (agreement, seq) is unique: 1..n with n rows is contiguous
        assert (stored, first, last) == (count, 1, count), code


def assert_whole(database: Database, codes) -> None:
    """Each agreement is whole: its seqs run 1..event_count, each event chains
    to the one before, its head hash is its last event's, its stage is what its
    last stage entry says, and its summary columns equal a replay of its events."""
    with database.read() as session:
        for agreement in session.scalars(select(Agreement).where(Agreement.code.in_(list(codes)))):
            events = list(session.scalars(select(Event).where(Event.agreement_id == agreement.id).order_by(Event.seq)))
            assert [e.seq for e in events] == list(range(1, agreement.event_count + 1)), agreement.code
            assert agreement.last_hash == events[-1].hash, agreement.code
            assert all(e.prev_hash == p.hash for p, e in zip(events, events[1:])), agreement.code
            entry = [e for e in events if e.to_stage is not None][-1]
            assert (agreement.stage, agreement.stage_since) == (entry.to_stage, entry.occurred_on), agreement.code
            expected = replayed(session, agreement)
            assert {c: getattr(agreement, c) for c in expected} == expected, agreement.code


# --------------------------------------------------------------------------- import

NEW_AGREEMENTS = 20  # new agreements in each file ...
EVENTS_EACH = 50  # ... with this many events each
CARRIED = 4  # agreements every file extends ...
CARRY_STEP = 15  # ... by this many events
PLACES = ("Bakı", "Kişinyov", "Tbilisi", "Ankara", "Berlin")
NOTES = (
    "Layihənin mətni qarşı tərəfə göndərildi / Draft text sent to the counterpart",
    "Qarşı tərəfin şərhləri alındı / Counterpart's comments received",
    "Nota vasitəsilə cavab gözlənilir / Reply awaited through a note verbale",
)
PATH = ("draft", "expert_talks", "internal_approval", "mfa", "signing")


def generated_history(rng: random.Random, count: int, start: date, stage: str = "draft") -> list[dict]:
    """A history that follows the lifecycle: opened, then notes, rounds and moves along the canonical path."""
    day = start
    events = [{"kind": "opened", "to": stage, "on": day.isoformat(), "actor": "crash-test", "note": rng.choice(NOTES)}]
    moving = stage == "draft"  # a carried agreement stays in expert_talks: any prefix of it may be extended
    while len(events) < count:
        day += timedelta(days=rng.randint(0, 3))
        roll = rng.random()
        if moving and stage != PATH[-1] and roll < 0.06:
            target = PATH[PATH.index(stage) + 1]
            events.append(
                {
                    "kind": "stage_change",
                    "from": stage,
                    "to": target,
                    "on": day.isoformat(),
                    "actor": "crash-test",
                    "note": rng.choice(NOTES),
                }
            )
            stage = target
        elif stage == "expert_talks" and roll < 0.35:
            until = day + timedelta(days=rng.randint(0, 2))
            events.append(
                {
                    "kind": "round",
                    "on": day.isoformat(),
                    "until": until.isoformat(),
                    "place": rng.choice(PLACES),
                    "outcome": rng.choice(NOTES),
                    "open_articles": rng.randint(0, 9),
                    "actor": "crash-test",
                }
            )
            day = until
        else:
            events.append(
                {
                    "kind": "note",
                    "on": day.isoformat(),
                    "actor": "crash-test",
                    "note": rng.choice(NOTES),
                    "reference": f"məktub № 02/{rng.randint(100, 9999)}",
                }
            )
    return events


class ImportFiles:
    """Files to import: each brings NEW_AGREEMENTS new agreements and extends
    the CARRIED ones (stored by the files before it) by CARRY_STEP events."""

    def __init__(self, folder: Path, rng: random.Random):
        self.folder, self.rng = folder, rng
        longest = 10 + (WARM_UP + TRIALS) * CARRY_STEP
        self.carried = {
            f"CR-CARRY-{k}": generated_history(rng, longest, date(2001, 1, 1), "expert_talks") for k in range(CARRIED)
        }

    def write(self, label: str, step: int) -> tuple[Path, dict[str, int]]:
        """The file and, per agreement code in it, its number of events."""
        histories = {
            f"CR-{label}-{n:02d}": generated_history(self.rng, EVENTS_EACH, date(2005, 1, 1) + timedelta(days=n))
            for n in range(NEW_AGREEMENTS)
        }
        histories.update({code: events[: 10 + step * CARRY_STEP] for code, events in self.carried.items()})
        agreements = [
            {
                "code": code,
                "title_az": f"Sınaq sazişi {code}",
                "title_en": f"Test agreement {code}",
                "kind": "readmission",
                "parties": ["MDA"],
                "parent": None,
                "officer": None,
                "events": events,
            }
            for code, events in histories.items()
        ]
        path = self.folder / f"import-{label}.json"
        path.write_text(
            json.dumps({"format": "agreements-history", "version": 1, "agreements": agreements}, ensure_ascii=False),
            encoding="utf-8",
        )
        return path, {code: len(events) for code, events in histories.items()}


@pytest.mark.slow
def test_a_killed_import_leaves_all_of_the_file_or_nothing(db, tmp_path):
    url = db.url
    rng = random.Random(SEED)
    files = ImportFiles(tmp_path, rng)
    elapsed = float("inf")
    for step in range(WARM_UP):  # imported to the end (the carried agreements begin): the run time
        path, expected = files.write(f"W{step}", step)
        elapsed = min(elapsed, run_to_end(agreements_command(url, "import", str(path))))
    with opened(url) as database:
        before = snapshot(database)
    assert {code: before[code][1] for code in expected} == expected

    runs, nothing, everything = [], 0, 0
    for trial in range(TRIALS):
        path, expected = files.write(f"{trial:02d}", WARM_UP + trial)
        run = run_and_kill(agreements_command(url, "import", str(path)), rng.uniform(0, SPREAD * elapsed), url)
        runs.append(run)

        with opened(url) as database:
            after = snapshot(database)
            if after == before:  # nothing of the file: no new agreement, no event more, no head hash moved
                assert run.killed, "an import that completed must have stored the file"
                nothing += 1
            else:  # all of it: every agreement of the file with all its events, the others untouched
                assert set(after) == set(before) | set(expected), f"trial {trial}: agreements of the file are missing"
                assert {c: after[c][1] for c in expected} == expected, f"trial {trial}: a history is half imported"
                assert {c: v for c, v in after.items() if c not in expected} == {
                    c: v for c, v in before.items() if c not in expected
                }
                everything += 1
            assert_counts_whole(database, [c for c in expected if c in after])
            assert_whole(database, [*files.carried, f"CR-{trial:02d}-00"])
        assert_verify_passes(url)

        # the same import again completes what the killed one did not, and adds nothing to what it did
        code, out, err = cli_run(url, "import", str(path))
        assert code == 0, err
        with opened(url) as database:
            final = snapshot(database)
            if after == before:
                events = NEW_AGREEMENTS * EVENTS_EACH + sum(
                    n - before[c][1] for c, n in expected.items() if c in before
                )
                assert out.startswith(f"Imported {NEW_AGREEMENTS} new agreement(s) and {events} event(s);"), out
                assert {c: final[c][1] for c in expected} == expected
                assert_counts_whole(database, expected)
            else:
                assert out.startswith("Imported 0 new agreement(s) and 0 event(s);"), out
                assert final == after
        before = final

    assert_verify_passes(url)
    report("import", url, runs, nothing_stored=nothing, all_stored=everything)
    assert_meaningful(runs)


# --------------------------------------------------------------------------- advance


@pytest.mark.slow
def test_a_killed_advance_leaves_the_old_stage_or_the_new_one_with_its_one_event(seeded):
    url = seeded.url
    rng = random.Random(SEED + 1)
    with opened(url) as database:
        state = snapshot(database)
    codes = sorted(c for c, (stage, _n, _h) in state.items() if stage in ("draft", "expert_talks"))
    assert len(codes) >= 4

    def advance(code: str, stage: str, trial: int) -> tuple[list[str], str, str]:
        """The command moving ``code`` from ``stage`` to draft or expert_talks (the other one), and its note."""
        target = "draft" if stage == "expert_talks" else "expert_talks"
        note = f"Crash trial {trial}: {stage} -> {target}"
        return (
            agreements_command(url, "advance", code, "--to", target, "--note", note, "--ref", f"No. {trial}/26"),
            target,
            note,
        )

    elapsed = float("inf")
    for step in range(WARM_UP):  # the run time, uncontended
        with opened(url) as database:
            stage = snapshot(database)[codes[-1]][0]
        elapsed = min(elapsed, run_to_end(advance(codes[-1], stage, -1 - step)[0]))

    runs, stayed, moved = [], 0, 0
    for trial in range(TRIALS):
        code = codes[trial % len(codes)]
        with opened(url) as database:
            before, old_events = snapshot(database), history_of(database, code)
        stage = before[code][0]
        command, target, note = advance(code, stage, trial)
        run = run_and_kill(command, rng.uniform(0, SPREAD * elapsed), url)
        runs.append(run)

        with opened(url) as database:
            after, events = snapshot(database), history_of(database, code)
            assert_whole(database, [code])
        assert {c: v for c, v in after.items() if c != code} == {c: v for c, v in before.items() if c != code}
        if after[code] == before[code]:  # the old stage with its old events
            assert run.killed, "an advance that completed must have moved the agreement"
            assert events == old_events
            stayed += 1
        else:  # the new stage with exactly one new event, the stage change
            assert events[:-1] == old_events, f"trial {trial}: the history before the move changed"
            seq, kind, from_stage, to_stage, _on, written, prev_hash, head = events[-1]
            assert (seq, kind, from_stage, to_stage, written) == (
                len(old_events) + 1,
                "stage_change",
                stage,
                target,
                note,
            )
            assert prev_hash == before[code][2]
            assert after[code] == (target, len(old_events) + 1, head)
            if not run.killed:
                assert run.stdout.startswith(f"{code}: {stage} -> {target} on ")
            moved += 1
        assert_verify_passes(url)

    report("advance", url, runs, old_stage_kept=stayed, moved=moved)
    assert_meaningful(runs)


# --------------------------------------------------------------------------- digest send

RECIPIENTS = 10
MESSAGE_ID = re.compile(rb"^Message-ID:\s*(<[^>\r\n]+>)", re.M | re.I)


class HoldingSink:
    """aiosmtpd handler keeping, for each message accepted, its recipients and
    Message-ID. For one recipient it can also hold the answer to RCPT TO (the
    client waits before sending the message), hold the answer to the end of
    the message (the message is complete, the client waits to hear it was
    accepted), or accept the message and close the connection unanswered."""

    def __init__(self):
        self.accepted: list[tuple[tuple[str, ...], str]] = []
        self.hold_rcpt: str | None = None
        self.hold_answer: str | None = None
        self.drop_answer: str | None = None
        self.holding = threading.Event()  # set when a client is held
        self.release = threading.Event()  # set to let the held client's command go on
        self.connections = 0  # open client connections (counted by CountingSMTP)

    def wait_quiet(self, timeout: float = 60.0) -> None:
        """Wait until the server is done with every connection: after that, a
        killed client's message can no longer be accepted."""
        deadline = time.monotonic() + timeout
        while self.connections:
            assert time.monotonic() < deadline, "the SMTP server never saw the client go"
            time.sleep(0.01)

    async def _hold(self) -> None:
        self.holding.set()
        while not self.release.is_set():
            await asyncio.sleep(0.01)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address == self.hold_rcpt:
            await self._hold()
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        headers = re.split(rb"\r?\n\r?\n", envelope.content, maxsplit=1)[0]
        self.accepted.append((tuple(envelope.rcpt_tos), MESSAGE_ID.search(headers).group(1).decode()))
        if envelope.rcpt_tos == [self.hold_answer]:
            await self._hold()  # the message is taken; its answer waits
        if envelope.rcpt_tos == [self.drop_answer]:
            server.transport.close()  # the message is taken; its answer never reaches the client
        return "250 Message accepted for delivery"

    def received(self) -> Counter:
        """How many times each Message-ID was accepted."""
        return Counter(message_id for _rcpt, message_id in self.accepted)


class CountingSMTP(SMTP):
    """aiosmtpd's server, counting open connections on its handler. Once a
    connection is lost its session is cancelled: nothing more is accepted on it."""

    def connection_made(self, transport) -> None:
        super().connection_made(transport)
        self.event_handler.connections += 1

    def connection_lost(self, error) -> None:
        super().connection_lost(error)
        self.event_handler.connections -= 1


class CountingController(Controller):
    def factory(self):
        return CountingSMTP(self.handler, **self.SMTP_kwargs)


@pytest.fixture
def smtp_server():
    server = Server(handler=HoldingSink(), controller=CountingController).start()
    yield server.controller, server.sink
    server.sink.release.set()
    server.stop()


def outbox_rows(url: str, week: str | None = None) -> list[OutboxMessage]:
    """The outbox (of one week), read on the database opened anew."""
    with opened(url) as database, database.read() as session:
        query = select(OutboxMessage).order_by(OutboxMessage.recipient)
        return list(session.scalars(query.where(OutboxMessage.week == week) if week else query))


def mondays(first: date, count: int) -> list[str]:
    return [(first + timedelta(weeks=n)).strftime("%G-W%V") for n in range(count)]


@pytest.mark.slow
def test_a_killed_digest_send_loses_no_digest_and_sends_none_twice(seeded, smtp_server, tmp_path):
    url = seeded.url
    controller, sink = smtp_server
    config = str(smtp_config_file(tmp_path, controller.port, timeout=10))
    addresses = [f"officer{n:02d}@migration.gov.az" for n in range(RECIPIENTS)]
    for n, address in enumerate(addresses):
        add_recipient(seeded, address, name=f"Əməkdaş {n}", locale=("az", "en")[n % 2], actor="tester", now=NOW)
    rng = random.Random(SEED + 2)
    weeks = mondays(date(2016, 1, 4), WARM_UP + TRIALS)

    def send(week: str) -> list[str]:
        return agreements_command(url, "--config", config, "digest", "send", "--week", week)

    def delivered_once_each(week: str) -> None:
        """Every recipient got the week's digest exactly once, addressed to them alone."""
        rows = outbox_rows(url, week)
        assert [r.recipient for r in rows] == addresses
        received = sink.received()
        assert {r.recipient: received[r.message_id] for r in rows} == {a: 1 for a in addresses}
        by_id = {r.message_id: r.recipient for r in rows}
        assert all(rcpt == (by_id[mid],) for rcpt, mid in sink.accepted if mid in by_id)

    elapsed = float("inf")
    for week in weeks[:WARM_UP]:  # the run time: render, queue and send every digest of a week
        elapsed = min(elapsed, run_to_end(send(week)))
        delivered_once_each(week)

    runs, phases, requeued, in_doubt, resent = [], Counter(), 0, 0, 0
    for week in weeks[WARM_UP:]:
        run = run_and_kill(send(week), rng.uniform(0, SPREAD * elapsed), url)
        runs.append(run)
        sink.wait_quiet()

        # each digest is sent (and was received once) or still to send (and was not received)
        everything = outbox_rows(url)
        rows = [r for r in everything if r.week == week]
        received = sink.received()
        assert set(received) <= {r.message_id for r in everything}, "the server got a message the outbox does not know"
        assert set(received.values()) <= {1}, "a digest was received twice"
        statuses = Counter(r.status for r in rows)
        assert set(statuses) <= {"queued", "sending", "sent"}, statuses
        assert statuses["sending"] <= 1, "one process sends one message at a time"
        for row in rows:
            if row.status == "sent":
                assert received[row.message_id] == 1, row.recipient
            elif row.status == "queued" or row.transport is None:  # not (yet) handed over to the server
                assert received[row.message_id] == 0, (row.recipient, row.status)
        if not run.killed:
            assert statuses == {"sent": RECIPIENTS}
        phases[
            "queueing" if len(rows) < RECIPIENTS else "sending" if statuses["sent"] < RECIPIENTS else "all sent"
        ] += 1
        left_sending = statuses["sending"]
        assert_verify_passes(url)

        # the next run sends what is left, never what the server may already have
        code, out, err = cli_run(url, "--config", config, "digest", "send", "--week", week)
        assert code == 0, (out, err)
        rows = outbox_rows(url, week)
        received = sink.received()
        assert [r.recipient for r in rows] == addresses
        unsent = [r for r in rows if r.status != "sent"]
        assert all(received[r.message_id] == 1 for r in rows if r.status == "sent")
        again = (
            int(m.group(1)) if (m := re.search(r"(\d+) interrupted before being handed over, queued again", out)) else 0
        )
        assert again + len(unsent) == left_sending, out  # the one row the killed sender held is settled either way
        requeued += again
        for row in unsent:  # handed over, then the sender died: in doubt, reported, not sent again
            assert row.status == "failed" and "may have accepted it" in row.last_error, (row.status, row.last_error)
            assert row.transport is not None and received[row.message_id] <= 1
            assert "1 in doubt after an interrupted send, not resent" in out
            in_doubt += 1
            # the operator asks the recipient and resends only what did not arrive
            if received[row.message_id] == 0:
                code, _out, err = cli_run(url, "--config", config, "digest", "resend", row.recipient, "--week", week)
                assert code == 0, err
                code, _out, err = cli_run(url, "--config", config, "digest", "send", "--week", week)
                assert code == 0, err
                resent += 1
        delivered_once_each(week)

    assert_verify_passes(url)
    assert len(sink.accepted) == RECIPIENTS * len(weeks)
    report(
        "digest send",
        url,
        runs,
        killed_while_queueing=phases["queueing"],
        killed_while_sending=phases["sending"],
        all_sent_before_the_kill=phases["all sent"],
        claimed_row_queued_again=requeued,
        claimed_row_in_doubt=in_doubt,
        in_doubt_and_not_received_so_resent_by_the_operator=resent,
    )
    assert_meaningful(runs)


# --------------------------------------------------------------------------- the moment of handing over


THREE = ["a.officer@migration.gov.az", "b.officer@migration.gov.az", "c.officer@migration.gov.az"]
WEEK = "2017-W09"


def three_recipients(db) -> None:
    for n, address in enumerate(THREE):
        add_recipient(db, address, name=f"Əməkdaş {n}", locale="az", actor="tester", now=NOW)


def killed_while_held(url: str, config: str, sink: HoldingSink) -> None:
    """Run `digest send` until the server holds it, then SIGKILL it and let the server go on."""
    proc = subprocess.Popen(
        agreements_command(url, "--config", config, "digest", "send", "--week", WEEK),
        env=dict(os.environ),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert sink.holding.wait(timeout=120), proc.communicate()
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.communicate(timeout=60)
    sink.release.set()
    sink.wait_quiet()
    settle(url)


def test_a_sender_killed_before_the_end_of_the_message_leaves_it_to_the_next_run(seeded, smtp_server, tmp_path):
    """Killed while the server has not the whole message: it cannot have been
    delivered, so the next run sends it, without an operator."""
    url = seeded.url
    controller, sink = smtp_server
    config = str(smtp_config_file(tmp_path, controller.port, timeout=10))
    three_recipients(seeded)
    sink.hold_rcpt = THREE[1]
    killed_while_held(url, config, sink)

    rows = {r.recipient: r for r in outbox_rows(url, WEEK)}
    assert [r.status for r in rows.values()] == ["sent", "sending", "queued"]
    claimed = rows[THREE[1]]
    assert claimed.transport is None and claimed.attempts == 1
    assert re.fullmatch(r"sending on .+:\d+", claimed.last_error), claimed.last_error  # who holds the claim
    assert sorted(sink.received().values()) == [1]

    code, out, err = cli_run(url, "--config", config, "digest", "send", "--week", WEEK)
    assert code == 0, err
    assert "1 interrupted before being handed over, queued again" in out and "sent 2" in out
    rows = outbox_rows(url, WEEK)
    assert [r.status for r in rows] == ["sent"] * 3
    assert rows[1].attempts == 2 and rows[1].last_error is None
    assert {r.recipient: sink.received()[r.message_id] for r in rows} == {a: 1 for a in THREE}


def test_a_sender_killed_waiting_for_the_answer_leaves_it_in_doubt_never_sent_twice(seeded, smtp_server, tmp_path):
    """Killed after the whole message reached the server, before it heard the
    answer: the server has it, so no later run sends it again; it is reported
    for an operator to check."""
    url = seeded.url
    controller, sink = smtp_server
    config = str(smtp_config_file(tmp_path, controller.port, timeout=10))
    three_recipients(seeded)
    sink.hold_answer = THREE[1]
    killed_while_held(url, config, sink)

    rows = {r.recipient: r for r in outbox_rows(url, WEEK)}
    assert [r.status for r in rows.values()] == ["sent", "sending", "queued"]
    assert rows[THREE[1]].transport == f"smtp://127.0.0.1:{controller.port} (plain)"  # handed over
    assert sorted(sink.received().values()) == [1, 1]  # the server did accept it

    for _ in range(2):
        code, out, err = cli_run(url, "--config", config, "digest", "send", "--week", WEEK)
        assert code == 0, err
    rows = outbox_rows(url, WEEK)
    assert [r.status for r in rows] == ["sent", "failed", "sent"]
    assert "may have accepted it" in rows[1].last_error and "digest resend" in rows[1].last_error
    assert {r.recipient: sink.received()[r.message_id] for r in rows} == {a: 1 for a in THREE}
    code, out, err = cli_run(url, "outbox", "--status", "failed", "--format", "json")
    assert code == 0 and [m["recipient"] for m in json.loads(out)] == [THREE[1]]


def test_an_answer_lost_after_the_end_of_the_message_is_not_retried(seeded, smtp_server, tmp_path):
    """The connection drops after the server took the whole message and before
    its answer arrived (the server crashed, the network failed): the message
    is in doubt like a killed sender's, and not sent again by the retries that
    deliver the rest of the batch."""
    from agreements.config.file import load_config
    from agreements.digest.send import run_week

    controller, sink = smtp_server
    config = load_config(str(smtp_config_file(tmp_path, controller.port, timeout=10)))
    three_recipients(seeded)
    sink.drop_answer = THREE[1]
    now = datetime(2017, 2, 27, 5, 0, tzinfo=UTC)
    first = run_week(seeded, config, WEEK, now=now)
    assert first.delivery.sent == [THREE[0]] and first.delivery.interrupted == [(THREE[1], WEEK)]
    assert [r[0] for r in first.delivery.retrying] == [THREE[2]]  # the connection is gone: later
    later = run_week(seeded, config, WEEK, now=now + timedelta(hours=2))
    assert later.delivery.sent == [THREE[2]] and later.pending == []
    rows = outbox_rows(seeded.url, WEEK)
    assert [r.status for r in rows] == ["sent", "failed", "sent"]
    assert "no answer from 127.0.0.1" in rows[1].last_error and "may have accepted it" in rows[1].last_error
    assert {r.recipient: sink.received()[r.message_id] for r in rows} == {a: 1 for a in THREE}
