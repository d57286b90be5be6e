"""The scheduler service: once-per-period claims, missed runs, two services,
``--once``, listing, stopping on SIGTERM and bad schedules.

APScheduler 3 reads the time with ``datetime.now`` in two modules and takes
no clock; the ``clock`` fixture replaces that name there, and hands the same
time source to the tracker's services and commands, so the real scheduler runs
on a frozen clock.
"""

from __future__ import annotations

import logging
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from agreements.clock import Clock
from agreements.config.file import load_config
from agreements.config.settings import Config, ConfigError
from agreements.digest import send as digest
from agreements.scheduling import claims, jobs, periods
from agreements.scheduling.service import Service, stored_next_runs
from agreements.store.database import Database
from agreements.store.tables import JobRun
from agreements.writes import stall_flags
from tests.support import MovableClock, Server, free_port, smtp_config

BAKU = ZoneInfo("Asia/Baku")
ROOT = Path(__file__).resolve().parents[2]


def baku(*args) -> datetime:
    return datetime(*args, tzinfo=BAKU)


AT = baku(2026, 11, 25, 9, 30)


def on(source) -> Clock:
    """The tracker's clock reading ``source`` (days counted in Baku)."""
    return Clock("Asia/Baku", source)


@pytest.fixture
def clock(monkeypatch):
    """A frozen clock for the scheduler and for APScheduler 3 itself."""
    import apscheduler.executors.base as executors_base
    import apscheduler.schedulers.base as schedulers_base

    frozen = MovableClock(AT)

    class FrozenDatetime(datetime):
        @classmethod
        def now(cls, tz=None):
            return frozen.moment.astimezone(tz) if tz is not None else frozen.moment.astimezone().replace(tzinfo=None)

    monkeypatch.setattr(schedulers_base, "datetime", FrozenDatetime)
    monkeypatch.setattr(executors_base, "datetime", FrozenDatetime)
    return frozen


@dataclass
class Report:
    day: date

    def summary(self) -> str:
        return f"stall scan {self.day.isoformat()}: 0 flagged"


class Work:
    """Stand-ins for the jobs' work that count what really ran."""

    def __init__(self):
        self.lock = threading.Lock()
        self.scans: list[date] = []
        self.digests: list[str] = []
        self.delay = 0.0
        self.failures = 0  # the next N scans raise

    def run_scan(self, db, config, day, *, now, actor):
        time.sleep(self.delay)
        with self.lock:
            if self.failures:
                self.failures -= 1
                raise RuntimeError("scan broke")
            self.scans.append(day)
        return Report(day)


@pytest.fixture
def work(monkeypatch):
    counted = Work()
    monkeypatch.setattr(stall_flags, "run_scan", counted.run_scan)
    real_digest = digest.send_weekly_digest

    def send(db, config, week, now):
        time.sleep(counted.delay)
        with counted.lock:
            counted.digests.append(week)
        return real_digest(db, config, week, now)

    monkeypatch.setattr(digest, "send_weekly_digest", send)
    return counted


@pytest.fixture
def messages():
    """What the scheduler logs, whatever the logging set-up of earlier tests."""
    records: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(record.getMessage())

    logger = logging.getLogger("agreements.scheduling.service")
    handler, level = Keep(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield records
    logger.removeHandler(handler)
    logger.setLevel(level)


def runs(db) -> list[tuple[str, str, str]]:
    with db.read() as s:
        return [
            (r.job_id, r.period, r.status) for r in s.scalars(select(JobRun).order_by(JobRun.job_id, JobRun.period))
        ]


def add_run(db, job_id, period, status="done", started=None, detail=None):
    with db.sessions().begin() as s:
        s.add(
            JobRun(
                job_id=job_id,
                period=period,
                status=status,
                detail=detail,
                started_at=started or datetime(2026, 1, 1, tzinfo=UTC),
            )
        )


def defaults() -> Config:
    return load_config(None)


# --------------------------------------------------------------------------- claims


def test_a_claim_makes_a_period_run_once(db):
    first = claims.claim(db, "stall_scan", "2026-11-25", AT)
    assert isinstance(first, int)
    assert claims.claim(db, "stall_scan", "2026-11-25", AT) is None  # the second loses
    assert claims.claim(db, "stall_scan", "2026-11-26", AT) is not None  # another period is free
    assert claims.claim(db, "weekly_digest", "2026-11-25", AT) is not None  # another job too

    claims.finish(db, first, claims.FAILED, "RuntimeError: broke", AT)
    assert claims.claim(db, "stall_scan", "2026-11-25", AT) == first  # a failed period may be retried
    assert claims.claim(db, "stall_scan", "2026-11-25", AT) is None
    claims.finish(db, first, claims.DONE, "ok", AT)
    assert claims.claim(db, "stall_scan", "2026-11-25", AT) is None
    assert ("stall_scan", "2026-11-25", "done") in runs(db)

    # many at once: exactly one wins, on a fresh period and on a failed one
    for period, setup in (("2026-W48", None), ("2026-W49", claims.FAILED)):
        if setup:
            claims.finish(db, claims.claim(db, "weekly_digest", period, AT), setup, "broke", AT)
        barrier, won = threading.Barrier(6), []

        def racer(barrier=barrier, won=won, period=period):
            own = Database(db.url)
            barrier.wait()
            won.append(claims.claim(own, "weekly_digest", period, AT))
            own.dispose()

        threads = [threading.Thread(target=racer) for _ in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        assert len(won) == 6 and len([w for w in won if w is not None]) == 1, (period, won)


def test_an_abandoned_running_claim_is_taken_over(db, clock):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    host = socket.gethostname()
    now = clock.moment.astimezone(UTC)
    add_run(db, "stall_scan", "2026-11-23", "running", now - timedelta(minutes=5), f"running on {host}:{dead.pid}")
    add_run(db, "stall_scan", "2026-11-24", "running", now - timedelta(minutes=5), f"running on {host}:{os.getppid()}")
    add_run(db, "stall_scan", "2026-11-25", "running", now - timedelta(hours=2), "running on elsewhere:1")
    add_run(db, "stall_scan", "2026-11-22", "running", now - timedelta(minutes=5), "running on elsewhere:1")
    assert claims.claim(db, "stall_scan", "2026-11-23", now) is not None  # its process is gone
    assert claims.claim(db, "stall_scan", "2026-11-24", now) is None  # its process is alive
    assert claims.claim(db, "stall_scan", "2026-11-25", now) is not None  # stale after an hour
    assert claims.claim(db, "stall_scan", "2026-11-22", now) is None  # another host, recent


def test_a_failed_run_is_marked_failed_and_retried(db, clock, work):
    config = defaults()
    work.failures = 1
    first = jobs.run_due(db, config, "stall_scan", on(clock))
    assert (first.status, first.period) == ("failed", "2026-11-25")
    assert "RuntimeError: scan broke" in first.detail
    assert runs(db) == [("stall_scan", "2026-11-25", "failed")]
    second = jobs.run_due(db, config, "stall_scan", on(clock))
    assert (second.status, second.detail) == ("done", "stall scan 2026-11-25: 0 flagged")
    assert jobs.run_due(db, config, "stall_scan", on(clock)).status == "not_due"
    assert runs(db) == [("stall_scan", "2026-11-25", "done")] and work.scans == [date(2026, 11, 25)]


def test_a_job_retried_or_run_twice_at_once_does_its_work_once(db, clock, work):
    work.delay = 0.3
    results = []
    url = jobs.register(jobs.Wiring(db.url, clock))  # what a service does before it schedules
    threads = [
        threading.Thread(target=lambda: results.append(jobs.weekly_digest(db_url=url, config_path=None)))
        for _ in range(2)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert work.digests == ["2026-W48"]
    done = [r for r in results if r.startswith("weekly_digest 2026-W48: done: weekly digest for 2026-W48")]
    assert len(done) == 1 and len(results) == 2, results
    assert "already running" in next(r for r in results if r not in done), results
    assert "nothing due" in jobs.weekly_digest(db_url=url, config_path=None)  # a retry later
    assert work.digests == ["2026-W48"] and runs(db) == [("weekly_digest", "2026-W48", "done")]


def test_periods_are_the_fire_date_and_the_iso_week_in_baku():
    late = datetime(2026, 11, 29, 21, 0, tzinfo=UTC)  # Monday 01:00 in Baku
    assert periods.daily_period(late, BAKU) == "2026-11-30"
    assert periods.weekly_period(late, BAKU) == "2026-W49"
    assert periods.weekly_period(baku(2027, 1, 1, 9), BAKU) == "2026-W53"


def test_the_real_stall_scan_is_called_with_the_fire_date(seeded):
    outcome = jobs.run_due(seeded, defaults(), "stall_scan", Clock())
    assert outcome.status == "done", outcome
    assert outcome.detail.startswith(f"stall scan {outcome.period}:")


# --------------------------------------------------------------------------- the service


def start_and_settle(db_url: str, config: Config, clock: MovableClock) -> Service:
    """Start a real service, let it process what is due, and stop it (waiting for jobs)."""
    service = Service(Database(db_url), config, clock=on(clock))
    scheduler = service.start()
    scheduler._process_jobs()
    service.shutdown(wait=True)
    service.db.dispose()
    return service


def test_a_service_started_after_a_missed_slot_runs_it_once(db, clock, work, messages):
    add_run(db, "weekly_digest", "2026-W47")
    add_run(db, "stall_scan", "2026-11-22")  # down since Sunday
    clock.moment = baku(2026, 11, 24, 10, 0)  # Tuesday, after Monday 09:00
    config = defaults()

    start_and_settle(db.url, config, clock)
    assert work.digests == ["2026-W48"]
    assert work.scans == [date(2026, 11, 24)]  # today's 08:00 had passed too
    assert ("weekly_digest", "2026-W48", "done") in runs(db)
    with db.read() as s:
        detail = s.scalar(select(JobRun.detail).where(JobRun.period == "2026-W48"))
    assert detail == "weekly digest for 2026-W48: no recipients (add them with `agreements recipients add`)"
    assert any("2026-11-23: missed and not run" in m for m in messages)  # never skipped silently
    expected = {"stall_scan": baku(2026, 11, 25, 8), "weekly_digest": baku(2026, 11, 30, 9)}
    assert stored_next_runs(db) == expected

    clock.moment = baku(2026, 11, 24, 10, 30)  # started again the same day
    again = Service(Database(db.url), config, clock=on(clock))
    assert [p.due for p in again.plan()] == [None, None]
    start_and_settle(db.url, config, clock)
    assert work.digests == ["2026-W48"] and work.scans == [date(2026, 11, 24)]
    assert stored_next_runs(db) == expected
    assert len(runs(db)) == 4


def test_two_services_on_one_database_run_each_period_once(db, clock, work, monkeypatch):
    tried = []
    real_run_due = jobs.run_due
    monkeypatch.setattr(jobs, "run_due", lambda *a, **k: tried.append(a[2]) or real_run_due(*a, **k))
    work.delay = 0.2
    config = defaults()

    # Both plan while the periods are open; the second starts after the first ran them.
    one, two = Service(Database(db.url), config, clock=on(clock)), Service(Database(db.url), config, clock=on(clock))
    one.scheduler, two.scheduler = one.build(), two.build()
    assert [p.due is not None for p in two.plan()] == [True, True]
    one.scheduler.start()
    one.scheduler._process_jobs()
    deadline = time.monotonic() + 10
    while [status for *_, status in runs(db)] != ["done", "done"]:
        assert time.monotonic() < deadline, runs(db)
        time.sleep(0.02)
    two.scheduler.start()  # stores its stale plan: both jobs due again
    two.scheduler._process_jobs()
    for service in (one, two):
        service.shutdown(wait=True)
    assert sorted(tried) == ["stall_scan", "stall_scan", "weekly_digest", "weekly_digest"]  # both tried
    assert work.digests == ["2026-W48"] and work.scans == [date(2026, 11, 25)]  # one did it
    assert runs(db) == [("stall_scan", "2026-11-25", "done"), ("weekly_digest", "2026-W48", "done")]

    # A week later, two services started at the same moment.
    clock.moment += timedelta(days=7)
    services = [Service(Database(db.url), config, clock=on(clock)) for _ in range(2)]
    barrier = threading.Barrier(2)

    def start(service):
        barrier.wait()
        service.start()._process_jobs()

    threads = [threading.Thread(target=start, args=(s,)) for s in services]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    for service in services:
        service.shutdown(wait=True)
    assert work.digests == ["2026-W48", "2026-W49"] and work.scans == [date(2026, 11, 25), date(2026, 12, 2)]
    assert len(runs(db)) == 4 and runs(db)[1::2] == [
        ("stall_scan", "2026-12-02", "done"),
        ("weekly_digest", "2026-W49", "done"),
    ]


# --------------------------------------------------------------------------- the commands


def test_run_once_runs_what_is_due_once(db, cli, clock, work):
    code, out, err = cli("scheduler", "run", "--once", at=clock.moment)
    assert code == 0, err
    assert out.splitlines() == [
        "stall_scan 2026-11-25: done: stall scan 2026-11-25: 0 flagged",
        "weekly_digest 2026-W48: done: weekly digest for 2026-W48: no recipients (add them with `agreements recipients add`)",
    ]
    assert "stall_scan 2026-11-25: started" in err and "weekly_digest 2026-W48: done in" in err

    clock.moment += timedelta(hours=1)
    code, out, err = cli("scheduler", "run", "--once", at=clock.moment)
    assert code == 0, err
    assert out.splitlines() == [
        "stall_scan: nothing due (2026-11-25 already done)",
        "weekly_digest: nothing due (2026-W48 already done)",
    ]
    assert work.scans == [date(2026, 11, 25)] and work.digests == ["2026-W48"]


def test_run_once_reports_a_failed_job_and_exits_1(db, cli, clock, work):
    work.failures = 1
    code, out, err = cli("scheduler", "run", "--once", at=clock.moment)
    assert code == 1
    assert "stall_scan 2026-11-25: failed: RuntimeError: scan broke" in out
    assert err.strip().splitlines()[-1] == "Error: 1 job(s) failed: stall_scan 2026-11-25"
    assert work.digests == ["2026-W48"]  # the other job still ran


def test_jobs_lists_both_jobs_with_next_runs_in_baku(db, cli, clock, work):
    code, out, err = cli("scheduler", "jobs", at=clock.moment)
    assert code == 0, err
    lines = {line.split()[0]: line for line in out.splitlines()[2:]}
    assert "next run (Asia/Baku)" in out
    assert "2026-11-26 08:00:00+04:00" in lines["stall_scan"] and "0 8 * * *" in lines["stall_scan"]
    assert "2026-11-30 09:00:00+04:00" in lines["weekly_digest"] and "0 9 * * mon" in lines["weekly_digest"]
    assert "2026-W48 not run yet" in lines["weekly_digest"]
    cli("scheduler", "run", "--once", at=clock.moment)
    code, out, err = cli("scheduler", "jobs", at=clock.moment)
    lines = {line.split()[0]: line for line in out.splitlines()[2:]}
    assert "2026-W48" in lines["weekly_digest"] and "done" in lines["weekly_digest"]
    assert "not run yet" not in out


def test_a_bad_cron_in_the_config_is_an_error_naming_the_key(db, cli, tmp_path):
    bad = tmp_path / "config.toml"
    bad.write_text('[schedule]\nweekly_digest = "0 25 * * mon"\n', encoding="utf-8")
    for command in (("scheduler", "run"), ("scheduler", "run", "--once"), ("scheduler", "jobs")):
        code, out, err = cli("--config", str(bad), *command)
        assert code == 1 and out == ""
        assert err.startswith("Error: ") and len(err.strip().splitlines()) == 1
        assert "schedule.weekly_digest: bad cron expression '0 25 * * mon'" in err
    assert runs(db) == []
    config = Config(
        path=tmp_path / "none.toml", loaded=False, schedules={"stall_scan": "0 8 * *", "weekly_digest": "0 9 * * mon"}
    )
    with pytest.raises(ConfigError, match=r"schedule\.stall_scan: bad cron expression"):
        Service(db, config)


def test_sigterm_while_a_job_runs_leaves_the_database_consistent(db, cli, tmp_path):
    # the weekly job is kept busy by a real, slow mail server: SIGTERM arrives mid-run
    server = Server(free_port())
    server.sink.delay = 2.0
    server.start()
    cli("recipients", "add", "leyla@migration.gov.az", "--name", "Leyla", "--locale", "az")
    config = tmp_path / "every-minute.toml"
    smtp_config(tmp_path, server.port)  # writes config.toml
    config.write_text(
        (tmp_path / "config.toml").read_text(encoding="utf-8")
        + '[schedule]\nstall_scan = "* * * * *"\nweekly_digest = "* * * * *"\n',
        encoding="utf-8",
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "agreements", "--db", db.url, "--config", str(config), "scheduler", "run"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        deadline = time.monotonic() + 20
        while ("weekly_digest", "running") not in {(job, status) for job, _, status in runs(db)}:
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "no job started"
            time.sleep(0.05)
        proc.send_signal(signal.SIGTERM)
        _out, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
        server.stop()
    assert proc.returncode == 0, err
    assert "SIGTERM received" in err and "scheduler stopped" in err
    finished = re.search(r"weekly_digest \d{4}-W\d\d: done in", err)
    assert finished and err.index("SIGTERM received") < finished.start() < err.rindex("scheduler stopped"), err
    statuses = runs(db)
    assert {job for job, *_ in statuses} == {"stall_scan", "weekly_digest"}
    assert all(status in ("done", "failed") for *_, status in statuses), statuses  # nothing left running
    assert any(job == "weekly_digest" and status == "done" for job, _, status in statuses), statuses
