"""The scheduled jobs, their periods and their once-per-period claims.

APScheduler calls the module-level functions :func:`stall_scan` and
:func:`weekly_digest` (referenced as ``"agreements.scheduling.jobs:stall_scan"`` and
``"agreements.scheduling.jobs:weekly_digest"``) with two keyword arguments only, the
database URL and the configuration file, so that a job stored in the database
can be run by any scheduler process.

A run works out which period it is for from the job's schedule: the most recent
fire time at or before "now" (within the job's grace window). The period is the
fire date in the configured time zone for the daily job (``2026-11-25``) and the
ISO week for the weekly one (``2026-W48``). Before doing anything the run claims
the period by inserting a ``job_runs`` row with status ``running``; the unique
constraint on (job_id, period) lets exactly one run win, whatever the number of
schedulers, retries and restarts. The claim ends ``done`` (detail: what the job
did) or ``failed`` (detail: the error); a failed period may be claimed again.

Every "now" of a run comes from the :class:`~agreements.clock.Clock` it is
handed: the service that scheduled the job registers its clock (and its real
database URL) under the URL stored with the job; a job picked up by another
process runs on that process's wall clock in the configured zone.
"""
from __future__ import annotations

import logging
import os
import socket
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Callable, Iterator
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from agreements.clock import Clock, wall_time
from agreements.store.tables import JobRun

if TYPE_CHECKING:  # pragma: no cover
    from apscheduler.triggers.cron import CronTrigger

    from agreements.config.file import Config
    from agreements.store.database import Database

log = logging.getLogger("agreements.scheduling.service")

RUNNING, DONE, FAILED = "running", "done", "failed"
#: A ``running`` claim older than this is taken to be abandoned (its process
#: was killed) and may be claimed again. A claim whose process is known to be
#: gone (same host, pid no longer alive) is taken over at once.
STALE_AFTER = timedelta(hours=1)
#: Called with (job_id, period) once a run holds its claim, before its work.
ClaimHook = Callable[[str, str], None]


# --------------------------------------------------------------------------- jobs


def daily_period(fire: datetime, zone: ZoneInfo) -> str:
    """The day a daily run is for: its scheduled fire date in the service's zone."""
    return fire.astimezone(zone).date().isoformat()


def weekly_period(fire: datetime, zone: ZoneInfo) -> str:
    """The ISO week a weekly run is for, e.g. ``2026-W48``."""
    return fire.astimezone(zone).strftime("%G-W%V")


def _stall_work(db: "Database", config: "Config", fire: datetime, period: str, now: datetime) -> str:
    from agreements.reads.stalled import run_scan  # imported when run: written separately

    report = run_scan(db, config, fire.astimezone(ZoneInfo(config.timezone)).date(), now=now)
    return report.summary()


def _digest_work(db: "Database", config: "Config", fire: datetime, period: str, now: datetime) -> str:
    from agreements.digest.week import send_weekly_digest

    return send_weekly_digest(db, config, period, now)


@dataclass(frozen=True)
class JobSpec:
    id: str
    title: str
    func: str  # the textual reference APScheduler stores
    grace: timedelta  # a run missed by at most this much still happens (once)
    period_of: Callable[[datetime, ZoneInfo], str]
    work: Callable[["Database", "Config", datetime, str, datetime], str]


JOBS: dict[str, JobSpec] = {
    "stall_scan": JobSpec(
        "stall_scan", "stall scan", "agreements.scheduling.jobs:stall_scan", timedelta(days=1), daily_period, _stall_work
    ),
    "weekly_digest": JobSpec(
        "weekly_digest", "weekly digest", "agreements.scheduling.jobs:weekly_digest", timedelta(days=7), weekly_period, _digest_work
    ),
}


def trigger_for(config: "Config", job_id: str) -> "CronTrigger":
    """The job's cron trigger from the configuration; a bad one names its key."""
    from apscheduler.triggers.cron import CronTrigger

    from agreements.config.file import ConfigError

    expression = config.schedules[job_id]
    try:
        return CronTrigger.from_crontab(expression, timezone=config.timezone)
    except ValueError as exc:
        where = f"{config.path}: " if config.loaded else ""
        raise ConfigError(f"{where}schedule.{job_id}: bad cron expression {expression!r} ({exc})") from None


def fire_times(trigger: "CronTrigger", start: datetime, end: datetime) -> Iterator[datetime]:
    """The trigger's fire times t with start <= t <= end, in order."""
    moment = trigger.get_next_fire_time(None, start)
    while moment is not None and moment <= end:
        yield moment
        moment = trigger.get_next_fire_time(moment, moment)


def last_fire_time(trigger: "CronTrigger", at: datetime, window: timedelta) -> datetime | None:
    """The most recent fire time in [at - window, at], or None.

    Looks back in growing steps so that a minute-by-minute schedule does not
    walk through a week of fire times.
    """
    earliest = at - window
    span = timedelta(minutes=2)
    while True:
        start = max(at - span, earliest)
        last = None
        for last in fire_times(trigger, start, at):
            pass
        if last is not None or start == earliest:
            return last
        span *= 30


# --------------------------------------------------------------------------- claims

def process_owner() -> str:
    """This process as claims name their owner: ``host:pid``."""
    return f"{socket.gethostname()}:{os.getpid()}"


def _owner_gone(detail: str | None) -> bool:
    """True if a running claim's process is known to be dead (same host only)."""
    if not detail or not detail.startswith("running on "):
        return False
    return owner_gone(detail[len("running on "):])


def owner_gone(owner: str) -> bool:
    """True if the process ``host:pid`` is known to be dead (same host only)."""
    host, _, pid = owner.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    if int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def reclaimable(run: JobRun | None, at: datetime) -> bool:
    """May a new run take this period? Yes if unclaimed, failed, or abandoned."""
    if run is None or run.status == FAILED:
        return True
    if run.status == RUNNING:
        return run.started_at < at - STALE_AFTER or _owner_gone(run.detail)
    return False


def find_claim(db: "Database", job_id: str, period: str) -> JobRun | None:
    with db.read() as session:
        return session.scalar(select(JobRun).where(JobRun.job_id == job_id, JobRun.period == period))


def last_claim(db: "Database", job_id: str) -> JobRun | None:
    with db.read() as session:
        return session.scalar(
            select(JobRun).where(JobRun.job_id == job_id).order_by(JobRun.started_at.desc(), JobRun.id.desc()).limit(1)
        )


def claim(db: "Database", job_id: str, period: str, at: datetime) -> int | None:
    """Claim (job_id, period) for this run; return the claim's id, or None if another run has it.

    The claim is an INSERT committed on its own: the unique constraint decides
    between racing runs. A ``failed`` claim (or an abandoned ``running`` one,
    see :func:`reclaimable`) is taken over by a guarded UPDATE that only one
    racing run can win.
    """
    owner = f"running on {process_owner()}"
    try:
        with db.sessions().begin() as session:
            row = JobRun(job_id=job_id, period=period, started_at=at, status=RUNNING, detail=owner)
            session.add(row)
            session.flush()
            return row.id
    except IntegrityError:
        pass
    existing = find_claim(db, job_id, period)
    if existing is None or not reclaimable(existing, at):
        return None
    guard = [JobRun.id == existing.id, JobRun.status == existing.status]
    if existing.status == RUNNING:  # compare-and-swap on the abandoned claim itself
        guard += [JobRun.started_at == existing.started_at, JobRun.detail == existing.detail]
    with db.sessions().begin() as session:
        result = session.execute(
            update(JobRun)
            .where(*guard)
            .values(status=RUNNING, started_at=at, finished_at=None, detail=owner)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:
            return None
    log.warning("%s %s: taking over the %s claim started at %s", job_id, period, existing.status, existing.started_at)
    return existing.id


def finish(db: "Database", claim_id: int, status: str, detail: str, at: datetime) -> None:
    """End a claim as done or failed (only a claim still running is changed)."""
    with db.sessions().begin() as session:
        session.execute(
            update(JobRun)
            .where(JobRun.id == claim_id, JobRun.status == RUNNING)
            .values(status=status, finished_at=at, detail=detail)
            .execution_options(synchronize_session=False)
        )


# --------------------------------------------------------------------------- running


@dataclass(frozen=True)
class Outcome:
    """What one job did for one period: ran (done/failed), skipped, or nothing due."""

    job_id: str
    period: str | None
    status: str  # done | failed | skipped | not_due
    detail: str

    def line(self) -> str:
        if self.status == "not_due":
            return f"{self.job_id}: nothing due ({self.detail})"
        if self.status == "skipped":
            return f"{self.job_id} {self.period}: skipped ({self.detail})"
        return f"{self.job_id} {self.period}: {self.status}: {self.detail}"


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def run_period(
    db: "Database", config: "Config", job_id: str, fire: datetime, clock: Clock, on_claimed: ClaimHook | None = None
) -> Outcome:
    """Run one job for the period of one fire time, if this run wins its claim."""
    spec = JOBS[job_id]
    zone = ZoneInfo(config.timezone)
    period = spec.period_of(fire, zone)
    claim_id = claim(db, job_id, period, clock.now())
    if claim_id is None:
        existing = find_claim(db, job_id, period)
        state = existing.status if existing else "unknown"
        log.info("%s %s: already claimed by another run (%s); nothing to do", job_id, period, state)
        return Outcome(job_id, period, "skipped", f"already {state}")
    started = time.monotonic()
    log.info("%s %s: started (scheduled %s)", job_id, period, fire.astimezone(zone).isoformat())
    try:
        if on_claimed is not None:
            on_claimed(job_id, period)
        detail = spec.work(db, config, fire, period, clock.now()) or "done"
    except BaseException as exc:  # the work rolled back its own transaction
        detail = _one_line(exc)
        try:
            finish(db, claim_id, FAILED, detail, clock.now())
        except Exception:  # the claim stays "running" and is recovered as abandoned
            log.exception("%s %s: could not mark the claim failed", job_id, period)
        log.error("%s %s: failed after %.1f s: %s", job_id, period, time.monotonic() - started, detail)
        if not isinstance(exc, Exception):
            raise
        return Outcome(job_id, period, FAILED, detail)
    finish(db, claim_id, DONE, detail, clock.now())
    log.info("%s %s: done in %.1f s: %s", job_id, period, time.monotonic() - started, detail)
    return Outcome(job_id, period, DONE, detail)


def due_fire(db: "Database", config: "Config", job_id: str, at: datetime, trigger=None) -> datetime | None:
    """The fire time a run is due for now: the most recent one within the job's
    grace window, if its period is not claimed (or may be claimed again)."""
    spec = JOBS[job_id]
    trigger = trigger or trigger_for(config, job_id)
    fire = last_fire_time(trigger, at, spec.grace)
    if fire is None:
        return None
    period = spec.period_of(fire, ZoneInfo(config.timezone))
    return fire if reclaimable(find_claim(db, job_id, period), at) else None


def run_due(
    db: "Database", config: "Config", job_id: str, clock: Clock, on_claimed: ClaimHook | None = None
) -> Outcome:
    """Run the job for its most recent fire time, if that period is still open."""
    at = clock.now()
    spec = JOBS[job_id]
    fire = last_fire_time(trigger_for(config, job_id), at, spec.grace)
    if fire is None:
        return Outcome(job_id, None, "not_due", f"no scheduled time in the last {_span(spec.grace)}")
    period = spec.period_of(fire, ZoneInfo(config.timezone))
    existing = find_claim(db, job_id, period)
    if not reclaimable(existing, at):
        return Outcome(job_id, period, "not_due", f"{period} already {existing.status}")
    return run_period(db, config, job_id, fire, clock, on_claimed)


def _span(delta: timedelta) -> str:
    return f"{delta.days} day(s)" if delta.days else str(delta)


@dataclass(frozen=True)
class Wiring:
    """What the service that scheduled a job hands its runs: the real database
    URL (the stored one hides the password), the time source, a claim hook."""

    url: str
    time_source: Callable[[], datetime] = wall_time
    on_claimed: ClaimHook | None = None


# The textual URL a job stores hides the password; the service that scheduled
# the job registers its wiring under it, so that no password is written into
# the job table and its runs read its clock.
_wiring: dict[str, Wiring] = {}


def register(wiring: Wiring) -> str:
    """Register a service's wiring; return the URL to store in its jobs' arguments."""
    from sqlalchemy.engine import make_url

    shown = make_url(wiring.url).render_as_string(hide_password=True)
    _wiring[shown] = wiring
    return shown


def _scheduled(job_id: str, db_url: str, config_path: str | None) -> str:
    from agreements.config.file import load_config
    from agreements.store.database import Database

    config = load_config(config_path)
    wiring = _wiring.get(db_url, Wiring(db_url))
    db = Database(wiring.url)
    try:
        outcome = run_due(db, config, job_id, config.clock(wiring.time_source), wiring.on_claimed)
    finally:
        db.dispose()
    if outcome.status == "not_due":
        log.info("%s", outcome.line())
    return outcome.line()


def stall_scan(db_url: str, config_path: str | None = None) -> str:
    """The daily stall scan, as run by the scheduler."""
    return _scheduled("stall_scan", db_url, config_path)


def weekly_digest(db_url: str, config_path: str | None = None) -> str:
    """The weekly digest, as run by the scheduler."""
    return _scheduled("weekly_digest", db_url, config_path)


__all__ = [
    "JOBS",
    "JobSpec",
    "Outcome",
    "claim",
    "due_fire",
    "finish",
    "last_fire_time",
    "run_due",
    "run_period",
    "stall_scan",
    "weekly_digest",
]
