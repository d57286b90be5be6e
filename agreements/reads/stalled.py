"""Stalled agreements: the flags of the stall policy over stored history,
acknowledgements, and the daily scan that records changes of flag."""
from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from operator import itemgetter
from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, bindparam, text
from sqlalchemy.orm import Session

from agreements.clock import Clock
from agreements.config.file import Config
from agreements.store.database import Database
from agreements.errors import StaleWrite
from agreements.writes.apply import EventSpec, append_event
from agreements.writes.commands import Details, Recorded, day_or_today, load, record_event, transaction
from workflows.chronology import DAY, UNKNOWN, When, standing_on
from workflows.stall import COUNTERPART, CRITICAL, OVERDUE, StallFlag, assess_events, level_for, severity_key

log = logging.getLogger(__name__)
SCHEDULER_ACTOR = "scheduler"
CLEARED = "cleared"
ACKNOWLEDGED = "acknowledged"


@dataclass
class Stall:
    """One agreement's flag on one day."""

    code: str
    title_en: str
    title_az: str
    stage: str
    stage_since: When  # the day the stage was entered, with its precision
    clock_from: date | None
    working_days: int | None
    threshold: int | None
    level: str | None
    awaiting: str | None
    awaiting_counterpart: bool
    acknowledged_until: date | None = None
    acknowledgement: str | None = None
    last_flag: str | None = None
    flag: Any = field(default=None, repr=False)

    @property
    def state(self) -> str:
        """What the scan records: cleared, acknowledged, overdue or critical."""
        if self.level is None:
            return CLEARED
        return ACKNOWLEDGED if self.acknowledged_until else self.level

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "title_en": self.title_en,
            "title_az": self.title_az,
            "stage": self.stage,
            "stage_since": self.stage_since.label(),
            "clock_from": self.clock_from.isoformat() if self.clock_from else None,
            "working_days": self.working_days,
            "threshold": self.threshold,
            "level": self.level,
            "awaiting": self.awaiting,
            "awaiting_counterpart": self.awaiting_counterpart,
            "acknowledged_until": self.acknowledged_until.isoformat() if self.acknowledged_until else None,
            "acknowledgement": self.acknowledgement,
        }


_SUMMARY_SQL = (
    "SELECT id, code, title_en, title_az, stage, stage_since, stage_since_precision, awaiting, "
    "event_count, last_event_on, undated_events, clock_since, ack_until, ack_note, ack_max_until, last_flag "
    "FROM agreements ORDER BY code"
)
# the columns of events that the replay (workflows.chronology.standing_on and
# workflows.stall.clock_start) reads: plain rows, no ORM objects
_REPLAY_SQL = (
    "SELECT agreement_id, seq, kind, from_stage, to_stage, occurred_on, date_precision, occurred_until, "
    "awaiting, note, outcome FROM events {where} ORDER BY agreement_id, seq"
)


@dataclass
class _Row:
    """One event as the replay needs it (attribute access for standing_on)."""

    __slots__ = ("seq", "kind", "from_stage", "to_stage", "occurred_on", "date_precision", "occurred_until",
                 "awaiting", "note", "outcome")
    seq: int
    kind: str
    from_stage: str | None
    to_stage: str | None
    occurred_on: date | None
    date_precision: str
    occurred_until: date | None
    awaiting: str | None
    note: str | None
    outcome: str | None


def _day(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(value)


def _histories(session: Session, ids: list[int], day: date) -> dict[int, list[_Row]]:
    """The events of ``ids`` that can matter on ``day``: those known by then,
    undated ones and stage entries (standing_on looks back to the entry)."""
    relevant = "(occurred_on <= :day OR occurred_on IS NULL OR to_stage IS NOT NULL)"
    if len(ids) > 2000:  # most of the archive: one pass over the events
        statements = [(text(_REPLAY_SQL.format(where=f"WHERE {relevant}")), {"day": day})]
    else:
        chunked = text(_REPLAY_SQL.format(where=f"WHERE agreement_id IN :ids AND {relevant}")).bindparams(
            bindparam("ids", expanding=True)
        )
        statements = [(chunked, {"day": day, "ids": ids[i:i + 500]}) for i in range(0, len(ids), 500)]
    wanted = set(ids)
    events: dict[int, list[_Row]] = defaultdict(list)
    for statement, params in statements:
        statement = statement.bindparams(bindparam("day", type_=Date))
        for aid, seq, kind, from_stage, to_stage, on, precision, until, awaiting, note, outcome in session.execute(
            statement, params
        ):
            if aid in wanted:
                events[aid].append(
                    _Row(seq, kind, from_stage, to_stage, _day(on), precision, _day(until), awaiting, note, outcome)
                )
    return events


def _replayed(row: tuple, events: list[_Row], day: date, policy, calendar) -> Stall | None:
    standing = standing_on(events, day)
    if standing is None:
        return None
    known = standing.events
    flag = assess_events(standing.stage, known, standing.awaiting, day, policy, calendar)
    acks = [e for e in known if e.kind == "ack" and e.occurred_until and e.occurred_until >= day]
    flags = [e for e in known if e.kind == "flag"]
    ack = acks[-1] if acks else None
    return Stall(
        code=row[1],
        title_en=row[2],
        title_az=row[3],
        stage=standing.stage,
        stage_since=standing.since,
        clock_from=flag.since,
        working_days=flag.working_days,
        threshold=flag.threshold,
        level=flag.level,
        awaiting=standing.awaiting,
        awaiting_counterpart=flag.awaiting_counterpart,
        acknowledged_until=ack.occurred_until if ack else None,
        acknowledgement=ack.note if ack else None,
        last_flag=flags[-1].outcome if flags else None,
        flag=flag,
    )


# (extra holidays, extra working days) -> year -> (ordinal of 1 January, table):
# the working days of the year after each of its days. Holidays are facts of
# the configuration, so the tables are kept for the process (a few configurations
# at most; 37 years of tables are ~100 kB).
_YEAR_TABLES: dict[tuple[frozenset, frozenset], dict[int, tuple[int, list[int]]]] = {}


class _CountingTo:
    """The calendar, counting working days up to the scan's day from a table
    per year (built from ``is_working_day``) instead of walking decades for
    each of thousands of agreements. Other spans go to the calendar itself."""

    def __init__(self, calendar, day: date) -> None:
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
        if end != self.day or start >= end or start.year == end.year:
            return self.calendar.working_days_between(start, end)
        tail = self._from_year_end.get(start.year)
        if tail is None:
            tail = self._from_year_end[start.year] = self.calendar.working_days_between(date(start.year, 12, 31), end)
        first, table = self._year(start.year)
        return table[start.toordinal() - first] + tail


def assess_all(db: Database, config: Config, day: date) -> list[Stall]:
    """Every agreement's flag as of the end of ``day`` (not only flagged ones).

    An agreement whose dated history ends on or before ``day`` (the daily
    scan's case) is judged from the summary columns of its row, kept by
    ``recording.fold_event``; the others (a past day, undated events, an
    acknowledgement that is not the last one) by replaying their events.
    """
    policy, calendar = config.policy, _CountingTo(config.calendar(), day)
    result: list[Stall | None] = []
    replay: dict[int, tuple[int, Any]] = {}
    day_iso = day.isoformat()
    thresholds: dict[tuple[str, str | None], int | None] = {}
    with db.read() as session:
        connection = session.connection()
        cursor = connection.connection.cursor()  # plain tuples: 10,000 rows, every scan
        try:
            if db.is_sqlite:
                # binary order, the same as Python's for text; the table read in
                # row order is quicker than through the index on code
                cursor.execute(_SUMMARY_SQL.replace(" ORDER BY code", ""))
                rows = sorted(cursor.fetchall(), key=itemgetter(1))
            else:  # the database's collation decides, as it always has
                cursor.execute(_SUMMARY_SQL)
                rows = cursor.fetchall()
        finally:
            cursor.close()
        for row in rows:
            (aid, code, title_en, title_az, stage, stage_since, precision, awaiting, event_count,
             last_on, undated, clock_since, ack_until, ack_note, ack_max_until, last_flag) = row
            if last_on is not None and last_on.__class__ is not str:  # PostgreSQL gives dates
                last_on, stage_since, clock_since, ack_until, ack_max_until = (
                    None if v is None else v.isoformat() for v in (last_on, stage_since, clock_since, ack_until, ack_max_until)
                )
            # ISO dates compare as text in date order
            if (
                not event_count
                or undated
                or last_on is None
                or last_on > day_iso
                or (ack_until is not None and ack_until < day_iso and ack_max_until >= day_iso)
            ):
                replay[aid] = (len(result), row)
                result.append(None)
                continue
            key = (stage, awaiting)
            threshold = thresholds.get(key, -1)
            if threshold == -1:
                threshold = thresholds[key] = policy.threshold(stage, awaiting)
            since = None if clock_since is None else date.fromisoformat(clock_since)
            working_days = None if since is None else calendar.working_days_between(since, day)
            level = level_for(working_days, threshold)
            counterpart = awaiting == COUNTERPART
            # the same StallFlag as workflows.stall.assess (checked by the tests)
            flag = StallFlag(stage, since, working_days, threshold, level, awaiting, counterpart)
            ack = ack_until is not None and ack_until >= day_iso
            result.append(
                Stall(
                    code,
                    title_en,
                    title_az,
                    stage,
                    When(None, UNKNOWN) if stage_since is None or precision == UNKNOWN
                    else When(date.fromisoformat(stage_since), precision),
                    since,
                    working_days,
                    threshold,
                    level,
                    awaiting,
                    counterpart,
                    date.fromisoformat(ack_until) if ack else None,
                    ack_note if ack else None,
                    last_flag,
                    flag,
                )
            )
        if replay:
            histories = _histories(session, sorted(replay), day)
            for aid, (index, row) in replay.items():
                result[index] = _replayed(row, histories.get(aid, []), day, policy, calendar)
    return [s for s in result if s is not None]


def stalled(db: Database, config: Config, day: date, include_acknowledged: bool = False) -> list[Stall]:
    """Flagged agreements, most severe first; acknowledged ones only on request."""
    rows = [s for s in assess_all(db, config, day) if s.level in (OVERDUE, CRITICAL)]
    if not include_acknowledged:
        rows = [s for s in rows if not s.acknowledged_until]
    rows.sort(key=lambda s: (severity_key(s.flag), s.code))
    return rows


def acknowledge(db: Database, code: str, details: Details, *, until: date, on: date | None = None, clock: Clock) -> Recorded:
    """Record "we know, waiting until then": the flag leaves the action list until ``until``."""

    return record_event(
        db,
        code,
        lambda _a: EventSpec(
            kind="ack",
            when=day_or_today(on, clock.today()),
            until=until,
            actor=details.actor,
            note=details.note,
            reference=details.reference,
            awaiting=details.awaiting,
        ),
        clock,
    )


@dataclass
class ScanReport:
    day: date
    recorded: dict[str, str] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)
    flagged: int = 0

    def summary(self) -> str:
        changes = ", ".join(f"{code} {state}" for code, state in sorted(self.recorded.items())) or "no changes"
        text = f"stall scan {self.day.isoformat()}: {self.flagged} flagged; recorded {len(self.recorded)} change(s): {changes}"
        if self.skipped:
            text += f"; skipped (changed meanwhile, next scan retries): {', '.join(self.skipped)}"
        return text


def _describe(stall: Stall) -> str:
    state = stall.state
    if state == CLEARED:
        return f"flag cleared: {stall.stage}, {stall.working_days} working days against {stall.threshold}"
    verb = {
        OVERDUE: "escalated" if stall.last_flag == CRITICAL else "raised",
        CRITICAL: "escalated to critical" if stall.last_flag in (OVERDUE, ACKNOWLEDGED) else "raised",
        ACKNOWLEDGED: "acknowledged",
    }[state]
    if state == OVERDUE and stall.last_flag == CRITICAL:
        verb = "eased to overdue"
    holder = "awaiting counterpart" if stall.awaiting_counterpart else f"move: {stall.awaiting or 'unknown'}"
    text = f"{verb}: {stall.level} — {stall.working_days} working days in {stall.stage} against {stall.threshold} ({holder})"
    if state == ACKNOWLEDGED:
        text += f"; acknowledged until {stall.acknowledged_until.isoformat()}"
    return text


def run_scan(db: Database, config: Config, day: date, *, now: datetime) -> ScanReport:
    """Record each change of flag since the last scan as a history event.

    Idempotent for a day: a second scan finds nothing changed and records
    nothing. Each agreement is written in its own transaction.
    """
    report = ScanReport(day)
    for stall in assess_all(db, config, day):
        if stall.level is not None:
            report.flagged += 1
        state = stall.state
        previous = stall.last_flag or CLEARED
        if state == previous:
            continue

        def work(session: Session, stall: Stall = stall, state: str = state) -> None:
            agreement = load(session, stall.code)
            append_event(
                session,
                agreement,
                EventSpec(kind="flag", when=When(day, DAY), actor=SCHEDULER_ACTOR, outcome=state, note=_describe(stall)),
                day,
                now=now,
            )

        try:
            transaction(db, stall.code, work)
            report.recorded[stall.code] = state
        except StaleWrite:
            report.skipped.append(stall.code)
    log.info(report.summary())
    return report
