"""The one place that reads the wall clock.

Everything else is handed a :class:`Clock`: the command line builds one from
the configured time zone, the scheduler from the same, and tests hand in one
whose source they control. "Today" is always the day in that zone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

DEFAULT_TIMEZONE = "Asia/Baku"


def wall_time() -> datetime:
    """The real time, aware, in UTC: the only read of the wall clock."""
    return datetime.now(UTC)


@dataclass(frozen=True)
class Clock:
    """A time source and the zone in which its days are counted."""

    zone_name: str = DEFAULT_TIMEZONE
    source: Callable[[], datetime] = field(default=wall_time, compare=False)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.zone_name)

    def now(self) -> datetime:
        """The current moment, aware, in UTC."""
        return self.source().astimezone(UTC)

    def today(self) -> date:
        """The current day in this clock's zone."""
        return self.source().astimezone(self.zone).date()

    def local(self, moment: datetime) -> datetime:
        """``moment`` (aware) in this clock's zone."""
        return moment.astimezone(self.zone)
