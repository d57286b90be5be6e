"""Dates as a report writes them, in English and Azerbaijani.

An exact day is written out ("10 October 2016", "10 oktyabr 2016-cı il"), a
round's days as one span ("23–24 November 2016", "23-24 noyabr 2016-cı il");
an uncertain date keeps the words of :mod:`workflows.date_forms` ("no later
than 31 December 2016", "2016-cı ilin dekabrın 31-dək"), a year becomes
"during 2016" / "2016-cı il ərzində".
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from typing import Any

from workflows.date_forms import DAY, MONTH, NOT_AFTER, UNKNOWN, YEAR, When, az_ordinal, on_phrase, words
from workflows.locales import AZ


@lru_cache(maxsize=4)
def month_names(lang: str) -> dict[int, str]:
    from babel.dates import get_month_names  # why: Babel is heavy; only when a report is written

    return dict(get_month_names("wide", context="format", locale=lang))


def _year(year: int, lang: str) -> str:
    return f"{az_ordinal(year)} il" if lang == AZ else str(year)


def day_words(day: date, lang: str) -> str:
    """ "10 October 2016", "10 oktyabr 2016-cı il"."""
    return f"{day.day} {month_names(lang)[day.month]} {_year(day.year, lang)}"


def span_words(start: date, end: date | None, lang: str) -> str:
    """The days from ``start`` to ``end`` as one span: "23–24 November 2016",
    "30 November – 2 December 2016"; "23-24 noyabr 2016-cı il"."""
    if end is None or end <= start:
        return day_words(start, lang)
    dash = "-" if lang == AZ else "–"
    months = month_names(lang)
    if start.year != end.year:
        return f"{day_words(start, lang)} {dash} {day_words(end, lang)}"
    if start.month != end.month:
        return f"{start.day} {months[start.month]} {dash} {end.day} {months[end.month]} {_year(end.year, lang)}"
    return f"{start.day}{dash}{end.day} {months[end.month]} {_year(end.year, lang)}"


def when_of_event(event: dict[str, Any]) -> When:
    """The date of an event dictionary of the read layer (``on`` the latest
    day, ``date_precision`` the form, ``earliest`` where the form has one)."""
    form = event["date_precision"]
    on = date.fromisoformat(event["on"]) if event["on"] else None
    earliest = event.get("earliest")
    start = date.fromisoformat(earliest) if earliest and form not in (DAY, NOT_AFTER, UNKNOWN) else None
    try:
        return When(on, form, start)
    except ValueError:
        return When(None, UNKNOWN)


def when_phrase(when: When, until: date | None, lang: str) -> str:
    """The date as it stands in a sentence: "on 23–24 November 2016",
    "during 2016", "no later than 31 December 2016"; "23-24 noyabr 2016-cı il
    tarixlərdə", "2016-cı il ərzində", "2016-cı ilin dekabrın 31-dək"."""
    az = lang == AZ
    if when.precision == DAY and when.on is not None:
        days = span_words(when.on, until, lang)
        if az:
            return days + (" tarixlərdə" if until is not None and until > when.on else " tarixdə")
        return f"on {days}"
    if when.precision == YEAR and when.on is not None:
        return f"{words(when, lang)} ərzində" if az else f"during {when.on.year}"
    if when.precision == MONTH and az:
        return f"{words(when, lang)}nda"  # "2016-cı ilin may ayı" -> "... ayında"
    if when.precision == UNKNOWN:
        return "tarixi məlum olmayan vaxtda" if az else "on a date not recorded"
    return on_phrase(when, lang)
