"""The scheduled jobs and how one runs for a period.

APScheduler calls the module-level functions :func:`stall_scan` and
:func:`weekly_digest` (referenced as ``"agreements.scheduling.jobs:stall_scan"`` and
``"agreements.scheduling.jobs:weekly_digest"``) with two keyword arguments only, the
database URL and the configuration file, so that a job stored in the database
can be run by any scheduler process.

A run works out which period it is for from the job's schedule: the most recent
fire time at or before "now" (within the job's grace window), see
:mod:`agreements.scheduling.periods`. Before doing anything the run claims the
period (:mod:`agreements.scheduling.claims`), so that it runs once.

Every "now" of a run comes from the :class:`~agreements.clock.Clock` it is
handed: the service that scheduled the job registers its clock (and its real
database URL) under the URL stored with the job; a job picked up by another
process runs on that process's wall clock in the configured zone.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy.engine import make_url

from agreements.clock import Clock, wall_time
from agreements.config.file import load_config
from agreements.config.settings import STALL_SCAN, WEEKLY_DIGEST, Config
from agreements.digest import send as digest_send
from agreements.scheduling import LOGGER
from agreements.scheduling.claims import DONE, FAILED, claim, find_claim, finish, reclaimable
from agreements.scheduling.periods import daily_period, last_fire_time, trigger_for, weekly_period
from agreements.store.database import Database
from agreements.writes import stall_flags
from agreements.writes.identity import service_actor

if TYPE_CHECKING:  # pragma: no cover
    from apscheduler.triggers.cron import CronTrigger

log = logging.getLogger(LOGGER)

#: Called with (job_id, period) once a run holds its claim, before its work.
ClaimHook = Callable[[str, str], None]
#: what an :class:`Outcome` says beside the claim's end (DONE, FAILED)
SKIPPED = "skipped"
NOT_DUE = "not_due"


# --------------------------------------------------------------------------- jobs


def _stall_work(db: Database, config: Config, fire: datetime, period: str, now: datetime) -> str:
    day = fire.astimezone(ZoneInfo(config.timezone)).date()
    return stall_flags.run_scan(db, config, day, now=now, actor=service_actor(db)).summary()


def _digest_work(db: Database, config: Config, fire: datetime, period: str, now: datetime) -> str:
    return digest_send.send_weekly_digest(db, config, period, now)


@dataclass(frozen=True)
class JobSpec:
    id: str
    title: str
    func: str  # the textual reference APScheduler stores
    grace: timedelta  # a run missed by at most this much still happens (once)
    period_of: Callable[[datetime, ZoneInfo], str]
    work: Callable[[Database, Config, datetime, str, datetime], str]


JOBS: dict[str, JobSpec] = {
    STALL_SCAN: JobSpec(
        STALL_SCAN, "stall scan", "agreements.scheduling.jobs:stall_scan", timedelta(days=1), daily_period, _stall_work
    ),
    WEEKLY_DIGEST: JobSpec(
        WEEKLY_DIGEST,
        "weekly digest",
        "agreements.scheduling.jobs:weekly_digest",
        timedelta(days=7),
        weekly_period,
        _digest_work,
    ),
}


# --------------------------------------------------------------------------- running


@dataclass(frozen=True)
class Outcome:
    """What one job did for one period: ran (done/failed), skipped, or nothing due."""

    job_id: str
    period: str | None
    status: str  # DONE | FAILED | SKIPPED | NOT_DUE
    detail: str

    def line(self) -> str:
        if self.status == NOT_DUE:
            return f"{self.job_id}: nothing due ({self.detail})"
        if self.status == SKIPPED:
            return f"{self.job_id} {self.period}: skipped ({self.detail})"
        return f"{self.job_id} {self.period}: {self.status}: {self.detail}"


def describe_error(exc: BaseException) -> str:
    """An exception in one line, as a failed claim records it: ``Type: message``."""
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def run_period(
    db: Database, config: Config, job_id: str, fire: datetime, clock: Clock, on_claimed: ClaimHook | None = None
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
        return Outcome(job_id, period, SKIPPED, f"already {state}")
    started = time.monotonic()
    log.info("%s %s: started (scheduled %s)", job_id, period, fire.astimezone(zone).isoformat())
    try:
        if on_claimed is not None:
            on_claimed(job_id, period)
        detail = spec.work(db, config, fire, period, clock.now()) or "done"
    except BaseException as exc:  # the work rolled back its own transaction
        detail = describe_error(exc)
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


def due_fire(
    db: Database, config: Config, job_id: str, at: datetime, trigger: CronTrigger | None = None
) -> datetime | None:
    """The fire time a run is due for now: the most recent one within the job's
    grace window, if its period is not claimed (or may be claimed again)."""
    spec = JOBS[job_id]
    trigger = trigger or trigger_for(config, job_id)
    fire = last_fire_time(trigger, at, spec.grace)
    if fire is None:
        return None
    period = spec.period_of(fire, ZoneInfo(config.timezone))
    return fire if reclaimable(find_claim(db, job_id, period), at) else None


def run_due(db: Database, config: Config, job_id: str, clock: Clock, on_claimed: ClaimHook | None = None) -> Outcome:
    """Run the job for its most recent fire time, if that period is still open."""
    at = clock.now()
    spec = JOBS[job_id]
    fire = last_fire_time(trigger_for(config, job_id), at, spec.grace)
    if fire is None:
        return Outcome(job_id, None, NOT_DUE, f"no scheduled time in the last {_span(spec.grace)}")
    period = spec.period_of(fire, ZoneInfo(config.timezone))
    existing = find_claim(db, job_id, period)
    if existing is not None and not reclaimable(existing, at):  # an unclaimed period is always reclaimable
        return Outcome(job_id, period, NOT_DUE, f"{period} already {existing.status}")
    return run_period(db, config, job_id, fire, clock, on_claimed)


def _span(delta: timedelta) -> str:
    return f"{delta.days} day(s)" if delta.days else str(delta)


# --------------------------------------------------------------------------- APScheduler's entry points


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
    shown = make_url(wiring.url).render_as_string(hide_password=True)
    _wiring[shown] = wiring
    return shown


def _scheduled(job_id: str, db_url: str, config_path: str | None) -> str:
    config = load_config(config_path)
    wiring = _wiring.get(db_url, Wiring(db_url))
    db = Database(wiring.url)
    try:
        outcome = run_due(db, config, job_id, config.clock(wiring.time_source), wiring.on_claimed)
    finally:
        db.dispose()
    if outcome.status == NOT_DUE:
        log.info("%s", outcome.line())
    return outcome.line()


def stall_scan(db_url: str, config_path: str | None = None) -> str:
    """The daily stall scan, as run by the scheduler."""
    return _scheduled(STALL_SCAN, db_url, config_path)


def weekly_digest(db_url: str, config_path: str | None = None) -> str:
    """The weekly digest, as run by the scheduler."""
    return _scheduled(WEEKLY_DIGEST, db_url, config_path)
