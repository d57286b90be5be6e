"""The stall scan written by hand: the same work as the tracker's scan
(``agreements.reads.stalled.assess_all``), written independently of it.

The tracker reads each agreement's summary columns (one statement over
``agreements``), judges from them every agreement whose dated history ends
by the day (working days since the clock started, against the stage's
threshold), and replays the events of the others. Here: the same summary
columns, the same arithmetic with a table of Azerbaijan's weekday holidays
(the ``holidays`` package, as the tracker's calendar uses), and for the
agreements the row cannot answer one pass over their events known by the
day, folded in Python; for the agreements flagged at signing, their acts,
entry-into-force rules and signatures (the tracker says beside such a flag
what entry into force waits for). Standard library only, but ``holidays``.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from datetime import date
from itertools import groupby
from typing import Any

from benchmarks.reference_sql import Plain

# the default stall policy, in working days (docs/configuration.md)
THRESHOLDS = {"draft": 30, "expert_talks": 90, "internal_approval": 30, "mfa": 20, "signing": 60}
SUSPENDED_REVIEW = 180
COUNTERPART_FACTOR = 2.0

SUMMARY = (
    "SELECT id, code, title_en, title_az, stage, stage_since, awaiting, event_count, last_event_on, "
    "undated_events, clock_since, ack_until, ack_note, ack_max_until FROM agreements WHERE NOT voided ORDER BY code"
)
# the events known by the day of the agreements whose row cannot answer
KNOWN_EVENTS = """
SELECT e.agreement_id, e.kind, e.to_stage, e.occurred_on, e.occurred_until, e.awaiting, e.note
FROM events e JOIN agreements a ON a.id = e.agreement_id
WHERE NOT a.voided AND e.occurred_on <= :day AND (a.undated_events > 0 OR a.last_event_on IS NULL
  OR a.last_event_on > :day OR (a.ack_until < :day AND a.ack_max_until >= :day))
ORDER BY e.agreement_id, e.seq
"""


def _day(value: Any) -> date | None:
    """A date from the driver: a date (psycopg) or ISO text (sqlite3)."""
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(value)


class WorkingDays:
    """Monday to Friday, except Azerbaijan's public holidays on weekdays."""

    def __init__(self) -> None:
        self.years: tuple[int, int] | None = None
        self.off: list[int] = []  # ordinals of weekday holidays, sorted

    def _cover(self, first: int, last: int) -> None:
        if self.years is not None and self.years[0] <= first and last <= self.years[1]:
            return
        import holidays  # the calendar's own source, as the tracker's

        low, high = (first, last) if self.years is None else (min(first, self.years[0]), max(last, self.years[1]))
        table = holidays.country_holidays("AZ", years=range(low - 1, high + 2))
        self.off = sorted({d.toordinal() for d in table if low <= d.year <= high and d.weekday() < 5})
        self.years = (low, high)

    def between(self, start: date, end: date) -> int:
        """Working days after ``start`` up to and including ``end``."""
        if end <= start:
            return 0
        self._cover(start.year, end.year)
        s, e = start.toordinal(), end.toordinal()
        weekdays = (e // 7 * 5 + min(e % 7, 5)) - (s // 7 * 5 + min(s % 7, 5))
        return weekdays - (bisect_right(self.off, e) - bisect_right(self.off, s))


_CALENDAR = WorkingDays()  # kept for the process, as the tracker keeps its tables


def threshold(stage: str | None, awaiting: str | None) -> int | None:
    if stage == "suspended":
        return SUSPENDED_REVIEW
    base = THRESHOLDS.get(stage or "")
    if base is None:
        return None
    return math.ceil(base * COUNTERPART_FACTOR) if awaiting == "counterpart" else base


def judged(code: str, stage: str | None, since: date | None, awaiting: str | None, day: date, ack: Any) -> tuple:
    """(code, stage, clock start, working days, threshold, level, holder, acknowledged until)."""
    days = None if since is None else _CALENDAR.between(since, day)
    limit = threshold(stage, awaiting)
    level = None
    if days is not None and limit is not None:
        level = "critical" if days >= 2 * limit else "overdue" if days >= limit else None
    return (code, stage, since, days, limit, level, awaiting, ack)


def _answers(row: tuple, day: date) -> bool:
    """Whether the summary columns alone tell the stall on ``day``."""
    count, last_on, undated, ack_until, ack_max = row[7], _day(row[8]), row[9], _day(row[11]), _day(row[13])
    return (
        bool(count)
        and not undated
        and last_on is not None
        and last_on <= day
        and not (ack_until is not None and ack_until < day and ack_max is not None and ack_max >= day)
    )


def _fold(code: str, events: list[tuple], day: date) -> tuple | None:
    """The stall of one agreement from its events known by ``day`` (by seq)."""
    stage: str | None = None
    clock: date | None = None
    holder = owner = ack = None
    for _aid, kind, to_stage, on, until, awaiting, _note in events:
        on, until = _day(on), _day(until)
        if to_stage is not None:  # an entry restarts the clock
            stage, clock, holder = to_stage, on, awaiting
        elif stage is not None and kind in ("round", "signature"):
            moved = until if kind == "round" and until is not None else on
            clock = max(clock, moved) if clock and moved else clock or moved
        elif stage is not None and awaiting is not None and awaiting != holder:
            clock = max(clock, on) if clock and on else clock or on
        if awaiting is not None:
            holder = owner = awaiting
        if kind == "ack" and until is not None and until >= day:
            ack = until
    if stage is None:
        return None
    return judged(code, stage, clock, owner, day, ack)


def stall_scan(c: Plain, day: date) -> list[tuple]:
    """Every agreement's stall on ``day``, by code."""
    result: list[tuple | None] = []
    ids: list[int] = []
    pending: dict[int, tuple[int, str]] = {}
    for row in c.rows(SUMMARY):
        ids.append(row[0])
        if not _answers(row, day):
            pending[row[0]] = (len(result), row[1])
            result.append(None)
            continue
        ack_until = _day(row[11])
        ack = ack_until if ack_until is not None and ack_until >= day else None
        result.append(judged(row[1], row[4], _day(row[10]), row[6], day, ack))
    if pending:
        for aid, events in groupby(c.rows(KNOWN_EVENTS, day=day), key=lambda e: e[0]):
            if aid in pending:
                index, code = pending[aid]
                result[index] = _fold(code, list(events), day)
    _entry_acts(c, [aid for aid, r in zip(ids, result) if r is not None and r[1] == "signing" and r[5] is not None])
    return [r for r in result if r is not None]


# what entry into force waits for, for the agreements flagged at signing
# (the tracker names it beside the flag): their acts, rules and signatures
ENTRY_ACTS = (
    "SELECT agreement_id, seq, kind, party, act_kind, received_on, entry_rule, occurred_on FROM events "
    "WHERE agreement_id IN ({ids}) AND kind IN ('act', 'entry_rule', 'signature') ORDER BY agreement_id, seq"
)


def _entry_acts(c: Plain, ids: list[int]) -> list[tuple]:
    if not ids:
        return []
    return c.rows(ENTRY_ACTS.format(ids=",".join(str(int(i)) for i in ids)))


def stalled(c: Plain, day: date) -> list[tuple]:
    """The flagged agreements not acknowledged, most severe first (as `agreements stalled`)."""
    flagged = [r for r in stall_scan(c, day) if r[5] is not None and r[7] is None]
    flagged.sort(key=lambda r: (r[5] != "critical", -(r[3] / r[4]), r[0]))
    return flagged
