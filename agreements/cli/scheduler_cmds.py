"""``agreements scheduler``: the service that runs the stall scan and the weekly digest."""

from __future__ import annotations

import logging
import sys
from datetime import datetime
from zoneinfo import ZoneInfo

import click

from agreements.cli import SuggestingGroup
from agreements.scheduling import LOGGER

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class ZonedFormatter(logging.Formatter):
    """Log times in the configured zone, with its offset: 2026-11-30 08:00:00+04:00."""

    def __init__(self, zone: str) -> None:
        super().__init__(LOG_FORMAT)
        self.zone = ZoneInfo(zone)

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        return datetime.fromtimestamp(record.created, self.zone).isoformat(sep=" ", timespec="seconds")


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is when a record is emitted."""

    def __init__(self, zone: str) -> None:
        super().__init__()
        self.setFormatter(ZonedFormatter(zone))

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value) -> None:
        pass


def configure_logging(verbose: bool, zone: str) -> None:
    """Log our runs (and APScheduler's warnings, or all of it with -v) to
    stderr, timed in ``zone`` (the configured time zone) with its offset."""
    for name, level in (("agreements", logging.INFO), ("apscheduler", logging.INFO if verbose else logging.WARNING)):
        logger = logging.getLogger(name)
        logger.handlers = [h for h in logger.handlers if not isinstance(h, _StderrHandler)]
        logger.addHandler(_StderrHandler(zone))
        logger.setLevel(level)


def _install_signal_handlers(stop):
    """SIGTERM and SIGINT set ``stop``; returns a function that restores the old handlers."""
    import signal

    log = logging.getLogger(LOGGER)

    def handler(signum, _frame):
        name = signal.Signals(signum).name
        if stop.is_set():
            log.warning("%s again: still waiting for the running job(s) to finish", name)
        else:
            log.info("%s received: stopping once the running job(s) finish", name)
        stop.set()

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGTERM, signal.SIGINT)}

    def restore() -> None:
        for sig, old in previous.items():
            signal.signal(sig, old)

    return restore


@click.group(cls=SuggestingGroup)
def scheduler() -> None:
    """Run the scheduled jobs: the daily stall scan and the weekly digest.

    \b
    Schedules come from the configuration file ([schedule] stall_scan,
    weekly_digest; cron expressions in the configured time zone, default
    Asia/Baku). Each job runs once per period (a day; an ISO week), whatever
    the number of services, restarts or retries. See docs/scheduler.md.

    \b
    Example:
      agreements scheduler jobs
      agreements --config /etc/agreements/config.toml scheduler run
    """


@scheduler.command("run")
@click.option("--once", is_flag=True, help="Run whatever is due now, once, and exit (for cron or a systemd timer).")
@click.option("-v", "--verbose", is_flag=True, help="Log APScheduler's own messages too.")
@click.pass_obj
def run_cmd(app, once: bool, verbose: bool) -> None:
    """Run the scheduler service until SIGTERM or Ctrl-C.

    A job missed while the service was down (within a day for the stall scan,
    a week for the digest) runs once at start. On SIGTERM or Ctrl-C a running
    job finishes first; then the service exits. Runs are logged to stderr,
    timed in the configured time zone with its offset.

    \b
    Examples:
      agreements scheduler run
      agreements --config /etc/agreements/config.toml scheduler run --once
    """
    import threading

    from agreements.scheduling.claims import FAILED
    from agreements.scheduling.service import Service
    from agreements.writes.users import require_sender

    # its runs record flags and write the outbox: an officer's right, and on
    # PostgreSQL the scheduler's role
    require_sender(app.db, app.actor(None), "running the scheduler")
    configure_logging(verbose, app.config.timezone)
    service = Service(app.db, app.config, clock=app.clock)  # a bad schedule fails here, naming its key
    stop = threading.Event()
    restore = _install_signal_handlers(stop)
    try:
        if not once:
            service.run(stop)
            return
        outcomes = service.run_once(stop)
    finally:
        restore()
    for outcome in outcomes:
        click.echo(outcome.line())
    failed = [o for o in outcomes if o.status == FAILED]
    if failed:
        from agreements.cli import fail

        fail(f"{len(failed)} job(s) failed: " + "; ".join(f"{o.job_id} {o.period}" for o in failed))


@scheduler.command("jobs")
@click.pass_obj
def jobs_cmd(app) -> None:
    """List the scheduled jobs with their next run time and last run.

    \b
    Example:
      agreements scheduler jobs
    """
    from agreements.cli.output import table
    from agreements.scheduling.service import Service

    service = Service(app.db, app.config, clock=app.clock)
    rows = service.describe()
    click.echo(
        table(
            rows,
            [
                ("job", "job"),
                ("schedule", "schedule"),
                ("next_run", f"next run ({app.config.timezone})"),
                ("last_period", "last period"),
                ("last_status", "status"),
                ("note", "note"),
            ],
        )
    )


COMMANDS = [scheduler]
