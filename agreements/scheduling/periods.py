"""The period a run is for, and when a job's cron schedule fires.

The period is the fire date in the configured time zone for the daily job
(``2026-11-25``) and the ISO week for the weekly one (``2026-W48``).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from agreements.config.file import cron_trigger
from agreements.config.settings import Config
from agreements.digest.iso_week import week_of

if TYPE_CHECKING:  # pragma: no cover
    from apscheduler.triggers.cron import CronTrigger


def daily_period(fire: datetime, zone: ZoneInfo) -> str:
    """The day a daily run is for: its scheduled fire date in the service's zone."""
    return fire.astimezone(zone).date().isoformat()


def weekly_period(fire: datetime, zone: ZoneInfo) -> str:
    """The ISO week a weekly run is for, e.g. ``2026-W48``."""
    return week_of(fire.astimezone(zone).date())


def trigger_for(config: Config, job_id: str) -> CronTrigger:
    """The job's cron trigger from the configuration; a bad one names its key."""
    where = f"{config.path}: " if config.loaded else ""
    return cron_trigger(config.schedules[job_id], config.timezone, f"{where}schedule.{job_id}")


def fire_times(trigger: CronTrigger, start: datetime, end: datetime) -> Iterator[datetime]:
    """The trigger's fire times t with start <= t <= end, in order."""
    moment = trigger.get_next_fire_time(None, start)
    while moment is not None and moment <= end:
        yield moment
        moment = trigger.get_next_fire_time(moment, moment)


def last_fire_time(trigger: CronTrigger, at: datetime, window: timedelta) -> datetime | None:
    """The most recent fire time in [at - window, at], or None.

    Looks back in growing steps so that a minute-by-minute schedule does not
    walk through a week of fire times.
    """
    earliest = at - window
    span = timedelta(minutes=2)
    while True:
        start = max(at - span, earliest)
        last = None
        for moment in fire_times(trigger, start, at):
            last = moment
        if last is not None or start == earliest:
            return last
        span *= 30
