"""Working days of the service in Asia/Baku: Monday to Friday, except the
public holidays of Azerbaijan, with the days the government moves by decree
given in configuration.

Dates here are calendar days as lived in Baku; nothing reads the clock. Counts
use arithmetic on whole weeks and bisection over per-year holiday lists, so a
scan of thousands of agreements costs microseconds each.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from datetime import date
from functools import cache
from typing import Protocol

COUNTRY = "AZ"
SATURDAY = 5  # date.weekday() of Saturday; Saturday and Sunday are not worked


@cache
def public_holidays(year: int) -> frozenset[date]:
    """Azerbaijani public holidays in ``year``, observed (carried-over) days
    included."""
    # Ask for the neighbouring years too: an observed day of a holiday late in
    # December may fall in January, and we want it in the year it falls in.
    import holidays  # 20 ms: only when working days are counted, not for every command that reads the zone

    table = holidays.country_holidays(COUNTRY, years=(year - 1, year, year + 1))
    return frozenset(d for d in table if d.year == year)


def _weekdays_through(d: date) -> int:
    """Mondays to Fridays from 0001-01-01 (a Monday) through ``d``."""
    n = d.toordinal()  # ordinal 1 is that Monday
    weeks, rest = divmod(n, 7)
    return weeks * 5 + min(rest, 5)


def _as_date(value: date | str, what: str) -> date:
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise ValueError(f"{what}: {value!r} is not a date (expected YYYY-MM-DD)")


class CountsWorkingDays(Protocol):
    """Anything that counts working days: a :class:`WorkingCalendar`, or a
    :class:`CountingTo` built from one for a scan."""

    def working_days_between(self, start: date, end: date) -> int: ...


class WorkingCalendar:
    """Which days are worked.

    ``extra_holidays`` are days off besides the public holidays (e.g. a bridge
    day declared by decree); ``extra_working_days`` are days worked although a
    holiday or a weekend (e.g. the Saturday the bridge day was moved to). Both
    take dates or ISO strings as a configuration file would give them.
    """

    def __init__(
        self,
        extra_holidays: Iterable[date | str] = (),
        extra_working_days: Iterable[date | str] = (),
    ) -> None:
        off = frozenset(_as_date(d, "extra holiday") for d in extra_holidays)
        worked = frozenset(_as_date(d, "extra working day") for d in extra_working_days)
        both = sorted(off & worked)
        if both:
            days = ", ".join(d.isoformat() for d in both)
            raise ValueError(f"{days} given both as an extra holiday and an extra working day")
        self.extra_holidays = off
        self.extra_working_days = worked
        # year -> (sorted weekdays not worked, sorted weekend days worked)
        self._years: dict[int, tuple[list[date], list[date]]] = {}

    def _year(self, year: int) -> tuple[list[date], list[date]]:
        cached = self._years.get(year)
        if cached is None:
            off = public_holidays(year) | {d for d in self.extra_holidays if d.year == year}
            # weekend holidays change nothing: the weekend is already off
            off_weekdays = sorted(d for d in off if d.weekday() < SATURDAY and d not in self.extra_working_days)
            worked_weekends = sorted(d for d in self.extra_working_days if d.year == year and d.weekday() >= SATURDAY)
            cached = self._years[year] = (off_weekdays, worked_weekends)
        return cached

    def is_working_day(self, d: date) -> bool:
        """Whether ``d`` is worked."""
        if d in self.extra_working_days:
            return True
        if d.weekday() >= SATURDAY:
            return False
        return d not in self._year(d.year)[0]

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after ``start`` up to and including ``end``; 0 when
        ``end`` is not after ``start``."""
        if end <= start:
            return 0
        count = _weekdays_through(end) - _weekdays_through(start)
        for year in range(start.year, end.year + 1):
            off_weekdays, worked_weekends = self._year(year)
            count -= _in_range(off_weekdays, start, end)
            count += _in_range(worked_weekends, start, end)
        return count


def _in_range(days: list[date], start: date, end: date) -> int:
    """How many of the sorted ``days`` lie after ``start`` up to ``end``."""
    return bisect_right(days, end) - bisect_right(days, start)


# (extra holidays, extra working days) -> year -> (ordinal of 1 January, table):
# the working days of the year after each of its days. Holidays are facts of
# the configuration, so the tables are kept for the process (a few
# configurations at most; 37 years of tables are ~100 kB).
_YEAR_TABLES: dict[tuple[frozenset[date], frozenset[date]], dict[int, tuple[int, list[int]]]] = {}


class CountingTo:
    """``calendar``, counting working days up to one fixed ``day`` from a table
    per year (built from ``is_working_day``) instead of the calendar's
    arithmetic for each of thousands of agreements: the daily scan's case.
    Other spans go to the calendar itself; the counts are the same."""

    def __init__(self, calendar: WorkingCalendar, day: date) -> None:
        self.calendar = calendar
        self.day = day
        key = (frozenset(calendar.extra_holidays), frozenset(calendar.extra_working_days))
        if key not in _YEAR_TABLES and len(_YEAR_TABLES) >= 8:
            _YEAR_TABLES.clear()
        self._tables = _YEAR_TABLES.setdefault(key, {})
        self._from_year_end: dict[int, int] = {}

    def _year(self, year: int) -> tuple[int, list[int]]:
        entry = self._tables.get(year)
        if entry is None:
            worked = self.calendar.is_working_day
            first = date(year, 1, 1).toordinal()
            days = date(year, 12, 31).toordinal() - first + 1
            table = [0] * days  # table[i]: working days of the year after its i-th day (0 = 1 January)
            for i in range(days - 2, -1, -1):
                table[i] = table[i + 1] + worked(date.fromordinal(first + i + 1))
            entry = self._tables[year] = (first, table)
        return entry

    def working_days_between(self, start: date, end: date) -> int:
        """As :meth:`WorkingCalendar.working_days_between`."""
        if end != self.day or start >= end or start.year == end.year:
            return self.calendar.working_days_between(start, end)
        tail = self._from_year_end.get(start.year)
        if tail is None:
            tail = self._from_year_end[start.year] = self.calendar.working_days_between(date(start.year, 12, 31), end)
        first, table = self._year(start.year)
        return table[start.toordinal() - first] + tail
