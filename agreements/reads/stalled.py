"""Stalled agreements: the flags of the stall policy over the stored
histories, read from the summary columns of each agreement row where they
answer (``workflows.stall_summary``) and by replaying events where not.

What the flags write (acknowledgements, the daily scan's records) is in
``agreements.writes.stall_flags``."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from operator import itemgetter
from typing import Any

from sqlalchemy import Date, bindparam, text
from sqlalchemy.orm import Session

from agreements.config.settings import Config
from agreements.store.database import Database
from agreements.writes.entry_checks import pending_outcomes
from workflows.calendar import CountingTo, CountsWorkingDays
from workflows.chronology import DAY, UNKNOWN, label
from workflows.entry_force import Blocked
from workflows.locales import AZ
from workflows.revisions import effective
from workflows.stages import SIGNING
from workflows.stall import COUNTERPART, CRITICAL, OVERDUE, StallPolicy, assess, flag_state, severity_key
from workflows.stall_summary import judge_history, summary_answers


@dataclass
class Stall:
    """One agreement's flag on one day."""

    code: str
    title_en: str
    title_az: str
    stage: str
    stage_since: date | None  # the day the stage was entered…
    stage_since_precision: str  # …and how precisely it is known (workflows.chronology)
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
    stage_since_from: date | None = None  # the entry's earliest day and form, when a month, year or span
    stage_since_form: str | None = None
    waiting_for: str | None = None  # what the entry into force waits for, once signed (workflows.entry_force)
    waiting_for_az: str | None = None

    @property
    def state(self) -> str:
        """What the scan records: cleared, acknowledged, overdue or critical."""
        return flag_state(self.level, self.acknowledged_until is not None)

    def clock_basis(self) -> str | None:
        """Which day the stall clock counts from, and why: the entry itself,
        the latest day an uncertain entry can have been, or a later event."""
        if self.clock_from is None:
            return None
        if self.clock_from != self.stage_since:
            return "the latest round, signature or change of holder since the stage was entered"
        if self.stage_since_precision == DAY and self.stage_since_form is None:
            return "the day the stage was entered"
        entered = label(self.stage_since, self.stage_since_precision, self.stage_since_from, self.stage_since_form)
        return f"the latest day the stage can have been entered (entered {entered})"

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "title_en": self.title_en,
            "title_az": self.title_az,
            "stage": self.stage,
            "stage_since": label(
                self.stage_since, self.stage_since_precision, self.stage_since_from, self.stage_since_form
            ),
            "clock_from": self.clock_from.isoformat() if self.clock_from else None,
            "clock_counts_from": self.clock_basis(),
            "working_days": self.working_days,
            "threshold": self.threshold,
            "level": self.level,
            "awaiting": self.awaiting,
            "awaiting_counterpart": self.awaiting_counterpart,
            "acknowledged_until": self.acknowledged_until.isoformat() if self.acknowledged_until else None,
            "acknowledgement": self.acknowledgement,
            "waiting_for": self.waiting_for,
            "waiting_for_az": self.waiting_for_az,
        }


_SUMMARY_SQL = (
    "SELECT id, code, title_en, title_az, stage, stage_since, stage_since_precision, awaiting, "
    "event_count, last_event_on, undated_events, clock_since, ack_until, ack_note, ack_max_until, last_flag, "
    "stage_since_from, stage_since_form FROM agreements WHERE NOT voided ORDER BY code"
)
# the columns of events that the replay (workflows.chronology.standing_on and
# workflows.stall.clock_start) reads: plain rows, no ORM objects
_REPLAY_SQL = (
    "SELECT agreement_id, seq, kind, from_stage, to_stage, occurred_on, date_precision, occurred_until, "
    "awaiting, note, outcome, occurred_from, date_form, target_seq, correction "
    "FROM events {where} ORDER BY agreement_id, seq"
)


@dataclass
class _Row:
    """One event as the replay needs it (attribute access for standing_on)."""

    __slots__ = (
        "awaiting",
        "correction",
        "date_form",
        "date_precision",
        "from_stage",
        "kind",
        "note",
        "occurred_from",
        "occurred_on",
        "occurred_until",
        "outcome",
        "seq",
        "target_seq",
        "to_stage",
    )
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
    occurred_from: date | None
    date_form: str | None
    target_seq: int | None
    correction: str | None


def _day(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(value)


def _histories(session: Session, ids: list[int], day: date) -> dict[int, list[_Row]]:
    """The events of ``ids`` that can matter on ``day``: those known by then,
    undated ones and stage entries (standing_on looks back to the entry)."""
    # (and corrections and retractions, whatever their own date: the history is read as corrected)
    relevant = "(occurred_on <= :day OR occurred_on IS NULL OR to_stage IS NOT NULL OR target_seq IS NOT NULL)"
    statements: list[tuple[Any, dict[str, Any]]]
    if len(ids) > 2000:  # most of the archive: one pass over the events
        statements = [(text(_REPLAY_SQL.format(where=f"WHERE {relevant}")), {"day": day})]
    else:
        chunked = text(_REPLAY_SQL.format(where=f"WHERE agreement_id IN :ids AND {relevant}")).bindparams(
            bindparam("ids", expanding=True)
        )
        statements = [(chunked, {"day": day, "ids": ids[i : i + 500]}) for i in range(0, len(ids), 500)]
    wanted = set(ids)
    events: dict[int, list[_Row]] = defaultdict(list)
    for statement, params in statements:
        statement = statement.bindparams(bindparam("day", type_=Date))
        for aid, seq, kind, from_stage, to_stage, on, precision, until, *rest in session.execute(statement, params):
            if aid in wanted:
                awaiting, note, outcome, start, form, target, correction = rest
                events[aid].append(
                    _Row(
                        seq,
                        kind,
                        from_stage,
                        to_stage,
                        _day(on),
                        precision,
                        _day(until),
                        awaiting,
                        note,
                        outcome,
                        _day(start),
                        form,
                        target,
                        correction,
                    )
                )
    for aid, history in events.items():
        if any(e.target_seq is not None for e in history):
            events[aid] = effective(history)
    return events


def _replayed(
    row: tuple, events: list[_Row], day: date, policy: StallPolicy, calendar: CountsWorkingDays
) -> Stall | None:
    """The stall of the agreement of summary ``row`` by replaying its ``events``."""
    judged = judge_history(events, day, policy, calendar)
    if judged is None:
        return None
    standing, flag = judged.standing, judged.flag
    return Stall(
        code=row[1],
        title_en=row[2],
        title_az=row[3],
        stage=standing.stage,
        stage_since=standing.since.on,
        stage_since_precision=standing.since.precision,
        stage_since_from=standing.since.start,
        stage_since_form=standing.since.precision if standing.since.start else None,
        clock_from=flag.since,
        working_days=flag.working_days,
        threshold=flag.threshold,
        level=flag.level,
        awaiting=standing.awaiting,
        awaiting_counterpart=flag.awaiting_counterpart,
        acknowledged_until=judged.acknowledged_until,
        acknowledgement=judged.acknowledgement,
        last_flag=judged.last_flag,
        flag=flag,
    )


def _summary_rows(session: Session, is_sqlite: bool) -> list[tuple]:
    """The summary columns of every agreement, as plain tuples ordered by code."""
    cursor = session.connection().connection.cursor()  # plain tuples: 10,000 rows, every scan
    try:
        if is_sqlite:
            # binary order, the same as Python's for text; the table read in
            # row order is quicker than through the index on code
            cursor.execute(_SUMMARY_SQL.replace(" ORDER BY code", ""))
            return sorted(cursor.fetchall(), key=itemgetter(1))
        cursor.execute(_SUMMARY_SQL)  # the database's collation decides, as it always has
        return list(cursor.fetchall())
    finally:
        cursor.close()


def _from_summaries(
    rows: list[tuple], day: date, policy: StallPolicy, calendar: CountsWorkingDays
) -> tuple[list[Stall | None], dict[int, tuple[int, tuple]]]:
    """The stall of each agreement of the summary ``rows``, in order; None, and
    an entry (agreement id -> (index, row)) in the second result, for each one
    whose summary columns cannot tell (``workflows.stall_summary.summary_answers``)."""
    result: list[Stall | None] = []
    replay: dict[int, tuple[int, tuple]] = {}
    day_iso = day.isoformat()
    # local names: looked up 10,000 times a scan
    answers, judge, parse, stall, append = summary_answers, assess, date.fromisoformat, Stall, result.append
    for row in rows:  # one loop, no call per row but the rules': 10,000 rows, every scan
        (
            aid,
            code,
            title_en,
            title_az,
            stage,
            stage_since,
            precision,
            awaiting,
            event_count,
            last_on,
            undated,
            clock_since,
            ack_until,
            ack_note,
            ack_max_until,
            last_flag,
            since_from,
            since_form,
        ) = row
        if last_on is not None and last_on.__class__ is not str:  # PostgreSQL gives dates, SQLite ISO text
            last_on, stage_since, clock_since, ack_until, ack_max_until = (
                None if v is None else v.isoformat()
                for v in (last_on, stage_since, clock_since, ack_until, ack_max_until)
            )
        # ISO dates compare as text in date order: no parsing for the rows replayed
        if not answers(day_iso, event_count, undated, last_on, ack_until, ack_max_until):
            replay[aid] = (len(result), row)
            append(None)
            continue
        since = None if clock_since is None else parse(clock_since)
        flag = judge(stage, since, awaiting, day, policy, calendar)
        ack = ack_until is not None and ack_until >= day_iso  # the last acknowledgement runs through its day
        append(
            stall(
                code,
                title_en,
                title_az,
                stage,
                None if stage_since is None or precision == UNKNOWN else parse(stage_since),
                since_form or (UNKNOWN if stage_since is None else precision),
                since,
                flag.working_days,
                flag.threshold,
                flag.level,
                awaiting,
                flag.awaiting_counterpart,
                parse(ack_until) if ack else None,
                ack_note if ack else None,
                last_flag,
                flag,
                since_from if since_from is None or since_from.__class__ is date else parse(since_from),
                since_form,
            )
        )
    return result, replay


def assess_all(db: Database, config: Config, day: date) -> list[Stall]:
    """Every agreement's flag as of the end of ``day`` (not only flagged ones).

    An agreement whose dated history ends on or before ``day`` (the daily
    scan's case) is judged from the summary columns of its row, kept by
    ``workflows.stall_summary.fold_event``; the others (a past day, undated
    events, an acknowledgement that is not the last one) by replaying their
    events.
    """
    policy, calendar = config.policy, CountingTo(config.calendar(), day)
    with db.read() as session:
        result, replay = _from_summaries(_summary_rows(session, db.is_sqlite), day, policy, calendar)
        if replay:
            histories = _histories(session, sorted(replay), day)
            for aid, (index, row) in replay.items():
                result[index] = _replayed(row, histories.get(aid, []), day, policy, calendar)
        found = [s for s in result if s is not None]
        _with_blockers(session, found, day, policy, calendar)
    return found


def _with_blockers(
    session: Session, stalls: list[Stall], day: date, policy: StallPolicy, calendar: CountsWorkingDays
) -> None:
    """Name what a signed agreement's entry into force waits for; one that
    waits only on the other parties' acts is the counterpart's move (the
    longer threshold), not overdue at signing on us."""
    signing = {s.code: s for s in stalls if s.stage == SIGNING and s.level is not None}
    if not signing:
        return
    for code, outcome in pending_outcomes(session, signing, as_of=day).items():
        if not isinstance(outcome, Blocked) or not outcome.waiting_for:
            continue
        stall = signing[code]
        stall.waiting_for, stall.waiting_for_az = outcome.sentence(), outcome.sentence(AZ)
        if outcome.on_counterpart and stall.awaiting != COUNTERPART:
            flag = assess(stall.stage, stall.clock_from, COUNTERPART, day, policy, calendar)
            stall.flag, stall.level, stall.threshold = flag, flag.level, flag.threshold
            stall.working_days, stall.awaiting, stall.awaiting_counterpart = flag.working_days, COUNTERPART, True


def stalled(db: Database, config: Config, day: date, include_acknowledged: bool = False) -> list[Stall]:
    """Flagged agreements, most severe first; acknowledged ones only on request."""
    rows = [s for s in assess_all(db, config, day) if s.level in (OVERDUE, CRITICAL)]
    if not include_acknowledged:
        rows = [s for s in rows if not s.acknowledged_until]
    rows.sort(key=lambda s: (severity_key(s.flag), s.code))
    return rows
