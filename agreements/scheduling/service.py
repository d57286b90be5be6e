"""The scheduler service: APScheduler 3 running the jobs of :mod:`agreements.scheduling.jobs`.

The jobs are stored with APScheduler's SQLAlchemyJobStore in the application's
own database (table ``apscheduler_jobs``) under the ids ``stall_scan`` and
``weekly_digest``, on cron triggers read from the configuration.

Missed runs. Re-adding a job with ``replace_existing=True`` makes APScheduler
recompute its next run time from now, which would drop a run missed while the
service was down. So on start the service works out, for each job, the most
recent fire time within the job's grace window (a day for the daily job, a week
for the weekly one); if that period has no claim in ``job_runs`` (or only a
failed or abandoned one), the job is (re)stored with that past fire time as its
next run time, and APScheduler runs it at once (coalesced: one run, however
many fire times were missed). Otherwise the next run time is the next fire time
after now. Either way the run itself claims its period first, so a period runs
once even with two services on one database, a ``--once`` run beside a service,
or a retry.

Stopping: :meth:`Service.run` returns once its ``stop`` event is set (the
command sets it on SIGTERM and SIGINT) and shuts APScheduler down with
``wait=True``: a running job finishes (or fails and rolls back) and ends its
claim; no new job starts.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy import inspect, text
from sqlalchemy.exc import DBAPIError

from agreements.clock import Clock
from agreements.config.settings import Config
from agreements.scheduling import LOGGER
from agreements.scheduling.claims import find_claim, last_claim
from agreements.scheduling.jobs import JOBS, ClaimHook, Outcome, Wiring, describe_error, due_fire, register, run_due
from agreements.scheduling.periods import last_fire_time, trigger_for
from agreements.store.database import Database
from agreements.store.tables import JobRun

if TYPE_CHECKING:
    from apscheduler.schedulers.background import BackgroundScheduler

log = logging.getLogger(LOGGER)

JOB_TABLE = "apscheduler_jobs"
WORKERS = 2


@dataclass(frozen=True)
class Plan:
    """What the service will do with one job when it starts now."""

    job_id: str
    title: str
    cron: str
    trigger: object  # apscheduler CronTrigger
    due: datetime | None  # a fire time whose period is still open: runs at once
    due_period: str | None
    next_fire: datetime | None  # the next fire time after now
    last: JobRun | None  # the job's most recent claim

    @property
    def first_run(self) -> datetime | None:
        return self.due or self.next_fire


def ensure_job_table(engine) -> None:
    """Create APScheduler's table if needed; a concurrent creator is not an error."""
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore  # why: APScheduler only when a service runs

    table = SQLAlchemyJobStore(engine=engine, tablename=JOB_TABLE).jobs_t
    try:
        table.create(engine, checkfirst=True)
    except DBAPIError:
        if not inspect(engine).has_table(JOB_TABLE):
            raise


def stored_next_runs(db: Database) -> dict[str, datetime | None]:
    """Next run times as stored in APScheduler's table (empty if it has none)."""
    if not inspect(db.engine).has_table(JOB_TABLE):
        return {}
    with db.engine.connect() as conn:
        rows = conn.execute(text(f"SELECT id, next_run_time FROM {JOB_TABLE}")).all()
    return {row[0]: (datetime.fromtimestamp(row[1], UTC) if row[1] is not None else None) for row in rows}


class Service:
    """The long-running scheduler (``run``) and its one-shot form (``run_once``).

    ``clock`` is where the service and its runs read the time (default: the
    wall clock in the configured zone); ``on_claimed`` is called by each run
    once it holds its claim, before its work.
    """

    def __init__(
        self,
        db: Database,
        config: Config,
        *,
        clock: Clock | None = None,
        on_claimed: ClaimHook | None = None,
    ):
        self.db = db
        self.config = config
        self.zone = ZoneInfo(config.timezone)
        self.clock = clock or config.clock()
        self.on_claimed = on_claimed
        self.scheduler: BackgroundScheduler | None = None
        self.triggers = {job_id: trigger_for(config, job_id) for job_id in JOBS}  # bad cron: ConfigError

    def now(self) -> datetime:
        return self.clock.now()

    # ------------------------------------------------------------------ planning

    def plan(self, at: datetime | None = None) -> list[Plan]:
        at = at or self.now()
        plans = []
        for job_id, spec in JOBS.items():
            trigger = self.triggers[job_id]
            due = due_fire(self.db, self.config, job_id, at, trigger)
            plans.append(
                Plan(
                    job_id=job_id,
                    title=spec.title,
                    cron=self.config.schedules[job_id],
                    trigger=trigger,
                    due=due,
                    due_period=spec.period_of(due, self.zone) if due else None,
                    next_fire=trigger.get_next_fire_time(None, at),
                    last=last_claim(self.db, job_id),
                )
            )
        return plans

    def _warn_missed(self, plan: Plan, at: datetime) -> None:
        """Say so when a period older than the grace window was never run."""
        spec = JOBS[plan.job_id]
        latest = last_fire_time(plan.trigger, at, spec.grace)
        if latest is None or plan.last is None:
            return
        previous = last_fire_time(plan.trigger, latest - timedelta(microseconds=1), 2 * spec.grace)
        if previous is None or plan.last.started_at >= previous:
            return
        period = spec.period_of(previous, self.zone)
        if period != spec.period_of(latest, self.zone) and find_claim(self.db, plan.job_id, period) is None:
            log.warning(
                "%s %s: missed and not run (the service was down for more than %s after %s)",
                plan.job_id,
                period,
                spec.grace,
                previous.astimezone(self.zone).isoformat(),
            )

    def describe(self, at: datetime | None = None) -> list[dict]:
        """One row per job for ``agreements scheduler jobs``."""
        at = at or self.now()
        stored = stored_next_runs(self.db)
        rows = []
        for plan in self.plan(at):
            note = ""
            if plan.due is not None:
                note = f"{plan.due_period} not run yet: runs when the service starts (or `scheduler run --once`)"
            elif plan.job_id not in stored:
                note = "not yet stored by a running service"
            rows.append(
                {
                    "job": plan.job_id,
                    "schedule": plan.cron,
                    "next_run": plan.next_fire.astimezone(self.zone).isoformat(sep=" ") if plan.next_fire else "never",
                    "last_period": plan.last.period if plan.last else "",
                    "last_status": plan.last.status if plan.last else "",
                    "note": note,
                }
            )
        return rows

    # ------------------------------------------------------------------ service

    def build(self, at: datetime | None = None) -> BackgroundScheduler:
        """A BackgroundScheduler with both jobs added (not started)."""
        from apscheduler.executors.pool import ThreadPoolExecutor  # why: APScheduler only when a service runs
        from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore  # why: as above
        from apscheduler.schedulers.background import BackgroundScheduler  # why: as above

        at = at or self.now()
        plans = self.plan(at)  # reads job_runs first: an uninitialised database fails here
        ensure_job_table(self.db.engine)
        scheduler = BackgroundScheduler(
            jobstores={"default": SQLAlchemyJobStore(engine=self.db.engine, tablename=JOB_TABLE)},
            executors={"default": ThreadPoolExecutor(max_workers=WORKERS)},
            job_defaults={"coalesce": True, "max_instances": 1},
            timezone=self.zone,
        )
        kwargs = {
            "db_url": register(Wiring(self.db.url, self.clock.source, self.on_claimed)),
            "config_path": str(self.config.path) if self.config.loaded else None,
        }
        for plan in plans:
            spec = JOBS[plan.job_id]
            self._warn_missed(plan, at)
            options = {"next_run_time": plan.first_run} if plan.first_run else {}
            scheduler.add_job(
                spec.func,
                trigger=plan.trigger,
                id=plan.job_id,
                name=spec.title,
                kwargs=kwargs,
                replace_existing=True,
                coalesce=True,
                max_instances=1,
                misfire_grace_time=int(spec.grace.total_seconds()),
                **options,
            )
            if plan.due is not None:
                log.info(
                    "%s (%s): %s was scheduled %s and has not run: running it now",
                    plan.job_id,
                    plan.cron,
                    plan.due_period,
                    plan.due.astimezone(self.zone).isoformat(sep=" "),
                )
            else:
                nxt = plan.next_fire.astimezone(self.zone).isoformat(sep=" ") if plan.next_fire else "never"
                log.info("%s (%s): next run %s", plan.job_id, plan.cron, nxt)
        scheduler.add_listener(self._on_event, _listened_events())
        return scheduler

    def _on_event(self, event) -> None:
        from apscheduler.events import (  # why: APScheduler only when a service runs
            EVENT_JOB_ERROR,
            EVENT_JOB_MAX_INSTANCES,
            EVENT_JOB_MISSED,
        )

        if event.code == EVENT_JOB_MISSED:
            log.warning(
                "%s: the run scheduled at %s was missed beyond its grace time",
                event.job_id,
                event.scheduled_run_time.astimezone(self.zone).isoformat(sep=" "),
            )
        elif event.code == EVENT_JOB_MAX_INSTANCES:
            log.warning("%s: still running; this fire time is left to the claim check", event.job_id)
        elif event.code == EVENT_JOB_ERROR:
            log.error("%s: the job raised %s", event.job_id, describe_error(event.exception))
        # No job store access here: listeners run in the executor's threads,
        # and shutdown(wait=True) holds the job store lock while it waits for them.

    def start(self) -> BackgroundScheduler:
        """Build and start the scheduler in a background thread; return it."""
        self.scheduler = self.build()
        self.scheduler.start()
        log.info("scheduler started on %s (time zone %s)", self.db.display_url, self.config.timezone)
        return self.scheduler

    def shutdown(self, wait: bool = True) -> None:
        """Stop taking new runs; with ``wait`` let a running job finish first."""
        if self.scheduler is not None and self.scheduler.running:
            log.info("stopping: waiting for running jobs to finish")
            self.scheduler.shutdown(wait=wait)
            log.info("scheduler stopped")
        self.scheduler = None

    def run(self, stop: threading.Event, poll: float = 0.25) -> None:
        """Run until ``stop`` is set, then shut down cleanly.

        The loop polls ``stop.is_set()`` (no lock taken) so that a signal
        handler may safely call ``stop.set()``.
        """
        self.start()
        try:
            while not stop.is_set():
                time.sleep(poll)
        finally:
            self.shutdown(wait=True)

    def run_once(self, stop: threading.Event | None = None) -> list[Outcome]:
        """Run each job whose most recent fire time (within its grace window) has an
        open period, once, then return what happened."""
        outcomes = []
        for job_id in JOBS:
            if stop is not None and stop.is_set():
                log.warning("stopping: %s not run", job_id)
                break
            outcomes.append(run_due(self.db, self.config, job_id, self.clock, self.on_claimed))
        return outcomes


def _listened_events() -> int:
    from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_MAX_INSTANCES, EVENT_JOB_MISSED  # why: as in _on_event

    return EVENT_JOB_ERROR | EVENT_JOB_MAX_INSTANCES | EVENT_JOB_MISSED


__all__ = ["JOB_TABLE", "Plan", "Service", "ensure_job_table", "stored_next_runs"]
