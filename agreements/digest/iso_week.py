"""ISO weeks as the digest and the weekly job name them: ``2026-W48``."""

from __future__ import annotations

import re
from datetime import date
from typing import TYPE_CHECKING

from agreements.errors import BadInput

if TYPE_CHECKING:  # pragma: no cover
    from agreements.clock import Clock

WEEK_RE = re.compile(r"^(\d{4})-W(\d{2})$")


#: the last week a digest can be judged for (it looks up to a year ahead)
LAST_MONDAY = date(9998, 12, 28)


def parse_week(week: str) -> date:
    """The Monday of an ISO week given as ``2026-W48``."""
    match = WEEK_RE.match((week or "").strip())
    if not match:
        raise BadInput(f"invalid week {week!r}: use the ISO form YYYY-Www, e.g. 2026-W48")
    try:
        monday = date.fromisocalendar(int(match.group(1)), int(match.group(2)), 1)
    except ValueError:
        raise BadInput(f"invalid week {week!r}: {match.group(1)} has no week {int(match.group(2))}") from None
    if monday > LAST_MONDAY:  # a digest looks a year ahead: the calendar must reach that far
        raise BadInput(f"invalid week {week!r}: weeks after {week_of(LAST_MONDAY)} are out of range")
    return monday


def week_of(day: date) -> str:
    """The ISO week ``day`` falls in, e.g. ``2026-W48``."""
    return day.strftime("%G-W%V")


def current_week(clock: Clock) -> str:
    """The ISO week of today on ``clock``."""
    return week_of(clock.today())
