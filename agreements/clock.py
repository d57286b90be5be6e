"""The one place that reads the wall clock, in the service's time zone."""
from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from agreements.config.locations import TIMEZONE

ZONE = ZoneInfo(TIMEZONE)


def today() -> date:
    """Today in Asia/Baku."""
    return datetime.now(ZONE).date()


def now_utc() -> datetime:
    return datetime.now(timezone.utc)


def local(moment: datetime) -> datetime:
    return moment.astimezone(ZONE)
