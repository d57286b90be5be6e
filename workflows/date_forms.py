"""The forms a date may be given in, and how each is written back.

An officer knows a day exactly (``2016-10-10``), to the month (``2016-10``)
or the year (``2016``), as a bound (``<=2016-12-31`` no later than,
``>=2016-11-24`` no earlier than), as a span (``2016-11-24..2016-12-31``,
between), or not at all (``unknown``). Each form is kept as the earliest and
the latest day it allows (:class:`workflows.chronology.When`) with the form's
name, and written back as given (:func:`text_of`) or in words a lawyer writes
(:func:`words`), in English or Azerbaijani.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

from workflows.errors import BadDate
from workflows.locales import AZ

DAY = "day"
NOT_AFTER = "not_after"
UNKNOWN = "unknown"
#: what the stored ``date_precision`` says: the upper bound's kind
PRECISIONS = (DAY, NOT_AFTER, UNKNOWN)
MONTH = "month"
YEAR = "year"
NOT_BEFORE = "not_before"
BETWEEN = "between"
#: every form a date may be given in
FORMS = (DAY, MONTH, YEAR, NOT_AFTER, NOT_BEFORE, BETWEEN, UNKNOWN)
# the forms with both bounds, stored as an upper bound with a lower one
_SPANS = (MONTH, YEAR, BETWEEN)


class StoredDate(NamedTuple):
    """A date's stored columns (:meth:`When.columns`)."""

    occurred_on: date | None
    date_precision: str
    occurred_from: date | None
    date_form: str | None


@dataclass(frozen=True)
class When:
    """A date as an interval: ``on`` is the latest day it can have happened
    (the day itself when exact), ``start`` the earliest where the form has one
    other than an exact day; ``precision`` is the form."""

    on: date | None
    precision: str = DAY
    start: date | None = None

    def __post_init__(self) -> None:
        if self.precision not in FORMS:
            raise ValueError(f"unknown date form {self.precision!r}")
        has_upper = self.precision not in (UNKNOWN, NOT_BEFORE)
        has_lower = self.precision in _SPANS or self.precision == NOT_BEFORE
        if (self.on is not None) != has_upper or (self.start is not None) != has_lower:
            raise ValueError(f"a {self.precision} date has the wrong bounds ({self.start}, {self.on})")
        if self.start is not None and self.on is not None and self.start > self.on:
            raise ValueError("a date's earliest day is after its latest")

    @property
    def earliest(self) -> date | None:
        """The earliest day it can have happened, when known."""
        return self.on if self.precision == DAY else self.start

    @property
    def latest(self) -> date | None:
        """The day by which it had certainly happened, when known."""
        return self.on

    def label(self, locale: str = "en") -> str:
        """The date as shown (:func:`words`)."""
        return words(self, locale)

    def columns(self) -> StoredDate:
        """The stored columns: ``occurred_on``, ``date_precision`` (the upper
        bound's kind), ``occurred_from`` and ``date_form`` (None for the
        three forms the precision names alone)."""
        spans = self.precision in _SPANS
        precision = NOT_AFTER if spans else UNKNOWN if self.precision == NOT_BEFORE else self.precision
        extra = self.precision not in PRECISIONS
        return StoredDate(self.on, precision, self.start if extra else None, self.precision if extra else None)

    @classmethod
    def stored(cls, on: date | None, precision: str, start: date | None = None, form: str | None = None) -> When:
        """The date from its stored columns (see :meth:`columns`)."""
        return cls(on, form or precision, start if form else None)


def label(
    on: date | str | None,
    precision: str,
    start: date | str | None = None,
    form: str | None = None,
    locale: str = "en",
) -> str:
    """How a stored date is shown (:meth:`When.label`). Days may be ISO text,
    as plain rows give them; no day or an unknown precision is "date unknown"."""
    if form is None and precision == DAY and on is not None:
        return on if isinstance(on, str) else on.isoformat()  # the common case, for every event listed
    if isinstance(on, str):
        on = date.fromisoformat(on)
    if isinstance(start, str):
        start = date.fromisoformat(start)
    try:
        return When.stored(on, precision, start, form).label(locale)
    except ValueError:
        return When(None, UNKNOWN).label(locale)


#: what ``--on`` and a file's ``on`` accept, for help texts and messages
FORMS_HELP = "2016-10-10, 2016-10, 2016, <=2016-12-31, >=2016-11-24, 2016-11-24..2016-12-31 or unknown"

_YEAR = re.compile(r"^\d{4}$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_BOUND = re.compile(r"^(<=|≤|>=|≥)\s*(.+)$")


def _day(text: str, given: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise BadDate(f"{given!r} is not a date; use one of: {FORMS_HELP}") from None


def parse_when(text: str) -> When:
    """The date an officer typed, in any of the forms of :data:`FORMS_HELP`."""
    given = text
    text = text.strip()
    if text.lower() == UNKNOWN:
        return When(None, UNKNOWN)
    if _YEAR.match(text):
        year = int(text)
        if year < 1:
            raise BadDate(f"{given!r} is not a year")
        return When(date(year, 12, 31), YEAR, date(year, 1, 1))
    month = _MONTH.match(text)
    if month:
        year, number = int(month.group(1)), int(month.group(2))
        if not 1 <= number <= 12 or year < 1:
            raise BadDate(f"{given!r} is not a month; write YYYY-MM, e.g. 2013-07")
        return When(date(year, number, calendar.monthrange(year, number)[1]), MONTH, date(year, number, 1))
    bound = _BOUND.match(text)
    if bound:
        day = _day(bound.group(2), given)
        return When(day, NOT_AFTER) if bound.group(1) in ("<=", "≤") else When(None, NOT_BEFORE, day)
    if ".." in text:
        first, _, last = text.partition("..")
        start, end = _day(first, given), _day(last, given)
        if end < start:
            raise BadDate(f"{given!r}: the span ends before it starts")
        return When(start, DAY) if start == end else When(end, BETWEEN, start)
    return When(_day(text, given), DAY)


def text_of(when: When) -> str:
    """The form as typed: ``parse_when(text_of(w)) == w``."""
    form, on, start = when.precision, when.on, when.start
    if form == UNKNOWN:
        return UNKNOWN
    if form == YEAR and on is not None:
        return f"{on.year:04d}"
    if form == MONTH and on is not None:
        return f"{on.year:04d}-{on.month:02d}"
    if form == NOT_AFTER and on is not None:
        return "<=" + on.isoformat()
    if form == NOT_BEFORE and start is not None:
        return ">=" + start.isoformat()
    if form == BETWEEN and on is not None and start is not None:
        return f"{start.isoformat()}..{on.isoformat()}"
    assert on is not None  # an exact day (When checks its own fields)
    return on.isoformat()


# --------------------------------------------------------------------------- words

_EN_MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
_AZ_MONTHS = [
    "yanvar",
    "fevral",
    "mart",
    "aprel",
    "may",
    "iyun",
    "iyul",
    "avqust",
    "sentyabr",
    "oktyabr",
    "noyabr",
    "dekabr",
]
# the genitive ("dekabrın 31-dək": by the 31st of December)
_AZ_MONTHS_OF = [
    "yanvarın",
    "fevralın",
    "martın",
    "aprelin",
    "mayın",
    "iyunun",
    "iyulun",
    "avqustun",
    "sentyabrın",
    "oktyabrın",
    "noyabrın",
    "dekabrın",
]

# The last word of a number as spoken in Azerbaijani decides its suffixes by
# vowel harmony: 2016 is "iki min on altı", whose last word "altı" takes
# "-cı" (ordinal) and "-dan" (from); 2011 ends in "bir": "-ci", "-dən".
_UNITS = ("", "bir", "iki", "üç", "dörd", "beş", "altı", "yeddi", "səkkiz", "doqquz")
_TENS = ("", "on", "iyirmi", "otuz", "qırx", "əlli", "altmış", "yetmiş", "səksən", "doxsan")
_ORDINAL = {"i": "ci", "e": "ci", "ə": "ci", "ı": "cı", "a": "cı", "o": "cu", "u": "cu", "ö": "cü", "ü": "cü"}


def _last_word(number: int) -> str:
    if number % 10:
        return _UNITS[number % 10]
    if number % 100:
        return _TENS[(number // 10) % 10]
    if number % 1000:
        return "yüz"
    return "min"


def _last_vowel(word: str) -> str:
    return next(c for c in reversed(word) if c in _ORDINAL)


def az_ordinal(number: int) -> str:
    """ "2016-cı", "2011-ci", "2013-cü", "2010-cu"."""
    return f"{number}-{_ORDINAL[_last_vowel(_last_word(number))]}"


def _az_from(number: int) -> str:
    """ "24-dən", "6-dan": the ablative (from, since)."""
    return f"{number}-{'dan' if _last_vowel(_last_word(number)) in 'aıou' else 'dən'}"


def _az_day(day: date, suffix: str, year: bool = True) -> str:
    """ "2016-cı ilin dekabrın 31-dək" / "noyabrın 24-dən" (without the year)."""
    numbered = f"{day.day}-dək" if suffix == "until" else _az_from(day.day)
    month = f"{_AZ_MONTHS_OF[day.month - 1]} {numbered}"
    return f"{az_ordinal(day.year)} ilin {month}" if year else month


def long_day(day: date, locale: str = "en") -> str:
    """An exact day as a lawyer writes it: "1 September 2014"; "1 sentyabr 2014-cü il"."""
    if locale == "az":
        return f"{day.day} {_AZ_MONTHS[day.month - 1]} {az_ordinal(day.year)} il"
    return f"{day.day} {_EN_MONTHS[day.month - 1]} {day.year}"


def _en_day(day: date, year: bool = True) -> str:
    return f"{day.day} {_EN_MONTHS[day.month - 1]}" + (f" {day.year}" if year else "")


def words(when: When, locale: str = "en") -> str:
    """The date in the words a lawyer writes: "2011", "July 2013", "no later
    than 31 December 2016"; "2011-ci il", "2016-cı ilin dekabrın 31-dək".
    An exact day stays ISO (2016-10-10): it sorts and reads the same in both."""
    form, on, start = when.precision, when.on, when.start
    az = locale == AZ
    if form == UNKNOWN:
        return "tarix məlum deyil" if az else "date unknown"
    if form == DAY and on is not None:
        return on.isoformat()
    if form == YEAR and on is not None:
        return f"{az_ordinal(on.year)} il" if az else str(on.year)
    if form == MONTH and on is not None:
        return (
            f"{az_ordinal(on.year)} ilin {_AZ_MONTHS[on.month - 1]} ayı"
            if az
            else f"{_EN_MONTHS[on.month - 1]} {on.year}"
        )
    if form == NOT_AFTER and on is not None:
        return _az_day(on, "until") if az else f"no later than {_en_day(on)}"
    if form == NOT_BEFORE and start is not None:
        return f"{_az_day(start, 'from')} tez olmayaraq" if az else f"no earlier than {_en_day(start)}"
    assert on is not None and start is not None  # BETWEEN
    same_year = start.year == on.year
    if az:
        return f"{_az_day(start, 'from')} {_az_day(on, 'until', year=not same_year)}"
    return f"between {_en_day(start, year=not same_year)} and {_en_day(on)}"


def on_phrase(when: When, locale: str = "en") -> str:
    """The date after a verb: "on 2016-10-10", "in 2011", "in July 2013",
    "no later than 31 December 2016", "between … and …"."""
    if locale == AZ:
        return words(when, locale)
    if when.precision == DAY:
        return f"on {words(when)}"
    if when.precision in (MONTH, YEAR):
        return f"in {words(when)}"
    return words(when)


def when_of(row: object) -> When:
    """The date of a stored event: an ORM row, or a plain row with its
    ``occurred_on``, ``date_precision``, ``occurred_from`` and ``date_form``."""
    return When.stored(
        getattr(row, "occurred_on"),  # noqa: B009  (any object with the columns)
        getattr(row, "date_precision"),  # noqa: B009
        getattr(row, "occurred_from", None),
        getattr(row, "date_form", None),
    )


def shown(on: str | None, form: str, earliest: str | None, locale: str) -> str:
    """The words of a date as the reads give it (ISO ``on`` = latest day,
    ``form``, ISO ``earliest``), in ``locale``."""
    start = date.fromisoformat(earliest) if earliest and form not in (DAY, NOT_AFTER, UNKNOWN) else None
    try:
        return When(date.fromisoformat(on) if on else None, form, start).label(locale)
    except ValueError:
        return When(None, UNKNOWN).label(locale)
