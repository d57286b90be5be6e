"""Working days in Baku: weekends, Azerbaijani public holidays (Novruz and the
bayrams with their observed days) and the days configuration moves."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest

from workflows.calendar import CountingTo, WorkingCalendar, public_holidays

# Public holidays of 20-30 March 2026 falling on weekdays (Saturday 21 and
# Sunday 22 are holidays too, but off anyway): Ramazan bayramı on 20 March
# with Novruz bayramı 20-24 March, and the days they carry over to because
# they overlap each other and the weekend.
NOVRUZ_2026_WEEKDAYS = [
    date(2026, 3, 20),  # Fri: Ramazan bayramı, Novruz bayramı
    date(2026, 3, 23),  # Mon: Novruz bayramı
    date(2026, 3, 24),  # Tue: Novruz bayramı
    date(2026, 3, 25),  # Wed: Ramazan bayramı (observed)
    date(2026, 3, 26),  # Thu: Novruz bayramı (observed)
    date(2026, 3, 27),  # Fri: Novruz bayramı (observed)
    date(2026, 3, 30),  # Mon: Ramazan bayramı (observed)
]


def slow_count(calendar: WorkingCalendar, start: date, end: date) -> int:
    """The reference: walk day by day."""
    count, d = 0, start + timedelta(days=1)
    while d <= end:
        count += calendar.is_working_day(d)
        d += timedelta(days=1)
    return count


def test_the_novruz_holidays_of_2026_are_known():
    holidays = public_holidays(2026)
    for d in [*NOVRUZ_2026_WEEKDAYS, date(2026, 3, 21), date(2026, 3, 22)]:
        assert d in holidays
    # the Monday after the long break is worked again
    assert date(2026, 3, 31) not in holidays


def test_a_stage_spanning_novruz():
    start, end = date(2026, 3, 16), date(2026, 4, 20)  # Monday to Monday
    weekdays = [
        start + timedelta(days=n) for n in range(1, (end - start).days + 1) if (start + timedelta(days=n)).weekday() < 5
    ]
    assert len(weekdays) == 25
    expected = len([d for d in weekdays if d not in NOVRUZ_2026_WEEKDAYS])
    assert expected == 18
    cal = WorkingCalendar()
    assert cal.working_days_between(start, end) == expected
    for d in NOVRUZ_2026_WEEKDAYS:
        assert not cal.is_working_day(d)


def test_friday_to_monday_is_one_working_day():
    cal = WorkingCalendar()
    friday, saturday, sunday, monday = (date(2026, 4, d) for d in (17, 18, 19, 20))
    assert cal.working_days_between(friday, monday) == 1
    assert cal.working_days_between(friday, sunday) == 0
    assert cal.working_days_between(saturday, monday) == 1
    assert not cal.is_working_day(saturday) and not cal.is_working_day(sunday)
    assert cal.is_working_day(friday) and cal.is_working_day(monday)


def test_start_is_excluded_and_end_included():
    cal = WorkingCalendar()
    tuesday, wednesday = date(2026, 4, 14), date(2026, 4, 15)
    assert cal.working_days_between(tuesday, wednesday) == 1
    assert cal.working_days_between(tuesday, tuesday) == 0
    assert cal.working_days_between(wednesday, tuesday) == 0


def test_extra_holidays_from_configuration():
    # a bridge day declared by decree: Thursday 2 April 2026
    bridge = date(2026, 4, 2)
    plain = WorkingCalendar()
    cal = WorkingCalendar(extra_holidays=["2026-04-02"])
    assert plain.is_working_day(bridge)
    assert not cal.is_working_day(bridge)
    start, end = date(2026, 3, 31), date(2026, 4, 7)
    assert cal.working_days_between(start, end) == plain.working_days_between(start, end) - 1
    # a weekend day declared off changes nothing
    weekend = WorkingCalendar(extra_holidays=[date(2026, 4, 4)])
    assert weekend.working_days_between(start, end) == plain.working_days_between(start, end)


def test_extra_working_days_from_configuration():
    saturday = date(2026, 4, 4)
    holiday = date(2026, 3, 30)  # Monday, observed Ramazan bayramı
    plain = WorkingCalendar()
    cal = WorkingCalendar(extra_working_days=[saturday, "2026-03-30"])
    assert not plain.is_working_day(saturday) and not plain.is_working_day(holiday)
    assert cal.is_working_day(saturday) and cal.is_working_day(holiday)
    start, end = date(2026, 3, 16), date(2026, 4, 20)
    assert cal.working_days_between(start, end) == plain.working_days_between(start, end) + 2 == 20


def test_a_day_moved_both_ways_is_refused():
    with pytest.raises(ValueError, match="2026-04-02 given both"):
        WorkingCalendar(extra_holidays=["2026-04-02"], extra_working_days=[date(2026, 4, 2)])


def test_a_malformed_date_in_configuration_is_refused():
    with pytest.raises(ValueError, match="extra holiday: '2026-13-01' is not a date"):
        WorkingCalendar(extra_holidays=["2026-13-01"])


def test_a_range_across_new_year():
    cal = WorkingCalendar()
    # Thu 31 Dec 2026 (Solidarity Day), Fri 1 Jan 2027, Mon 4 Jan 2027
    # (New Year observed) are off; Tue 5 Jan is the first working day
    assert cal.working_days_between(date(2026, 12, 30), date(2027, 1, 5)) == 1


def test_matches_a_day_by_day_count_over_random_ranges():
    rng = random.Random(20260316)
    extra_off = [date(2026, 4, 2), date(2024, 12, 30), date(2019, 1, 3)]
    extra_on = [date(2026, 4, 4), date(2026, 3, 30), date(2025, 3, 31)]
    cal = WorkingCalendar(extra_holidays=extra_off, extra_working_days=extra_on)
    base = date(2015, 1, 1)
    for _ in range(300):
        start = base + timedelta(days=rng.randrange(15 * 366))
        end = start + timedelta(days=rng.randrange(-10, 900))
        assert cal.working_days_between(start, end) == slow_count(cal, start, end), (start, end)


@pytest.mark.parametrize("moved", [False, True])
def test_counting_to_a_day_from_year_tables_matches_the_calendar(moved):
    """The daily scan counts up to its day from per-year tables (CountingTo):
    the same counts as the calendar, from any start, with days moved or not."""
    extra = (
        dict(
            extra_holidays=[date(2024, 12, 30), date(2019, 1, 3)],
            extra_working_days=[date(2025, 3, 29), date(2020, 6, 6)],
        )
        if moved
        else {}
    )
    cal = WorkingCalendar(**extra)
    day = date(2026, 11, 25)
    counting = CountingTo(cal, day)
    rng = random.Random(20261125)
    starts = [date(1990, 1, 1), date(2025, 12, 31), date(2026, 1, 1), day, day + timedelta(days=3)]
    starts += [date(1990, 1, 1) + timedelta(days=rng.randrange(37 * 366)) for _ in range(300)]
    for start in starts:
        assert counting.working_days_between(start, day) == cal.working_days_between(start, day), start
    # spans that do not end on the day go to the calendar itself
    assert counting.working_days_between(date(2016, 2, 1), date(2017, 3, 1)) == slow_count(
        cal, date(2016, 2, 1), date(2017, 3, 1)
    )
    # the tables of each configuration are its own
    other = WorkingCalendar() if moved else WorkingCalendar(extra_holidays=[date(2019, 1, 3)])
    for start in starts[:50]:
        assert CountingTo(other, day).working_days_between(start, day) == other.working_days_between(start, day), start
