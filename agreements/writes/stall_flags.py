"""Stall flags written into history: acknowledgements ("we know, waiting
until then") and the daily scan, which records each change of flag as an
event of the agreement."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from agreements.clock import Clock
from agreements.config.settings import Config
from agreements.errors import StaleWrite
from agreements.reads.stalled import Stall, assess_all
from agreements.store.database import Database
from agreements.store.lookup import load
from agreements.store.tables import Event
from agreements.writes.apply import EventSpec, append_event
from agreements.writes.commands import Details, Recorded, day_or_today, record_event, transaction
from agreements.writes.entry_checks import pending_outcomes
from workflows.chronology import DAY, When
from workflows.entry_force import Expected
from workflows.events import ACK, FLAG
from workflows.stall import ACKNOWLEDGED, CLEARED, CRITICAL, ENTRY_DUE, OVERDUE

log = logging.getLogger(__name__)


def acknowledge(
    db: Database, code: str, details: Details, *, until: date, on: date | None = None, clock: Clock
) -> Recorded:
    """Record "we know, waiting until then": the flag leaves the action list until ``until``."""
    return record_event(
        db,
        code,
        lambda _a: EventSpec(
            kind=ACK,
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
    """What one scan found and recorded."""

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
    """The note of a flag event: what changed since the last flag, and why."""
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
    if state == ACKNOWLEDGED and stall.acknowledged_until is not None:  # (always, when acknowledged)
        text += f"; acknowledged until {stall.acknowledged_until.isoformat()}"
    return text


def run_scan(db: Database, config: Config, day: date, *, now: datetime, actor: str) -> ScanReport:
    """Record each change of flag since the last scan as a history event, by
    ``actor`` (the scheduler: ``writes.identity.service_actor``).

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

        def work(session: Session, stall: Stall = stall, state: str = state) -> bool:
            agreement = load(session, stall.code)
            if agreement.last_substantive_on is not None and agreement.last_substantive_on > day:
                # a past day's scan run late: the agreement has moved since, and
                # a flag of that day would be filed before the move (today's scan judges it)
                return False
            append_event(
                session,
                agreement,
                EventSpec(kind=FLAG, when=When(day, DAY), actor=actor, outcome=state, note=_describe(stall)),
                day,
                now=now,
            )
            return True

        try:
            if transaction(db, stall.code, work):
                report.recorded[stall.code] = state
        except StaleWrite:
            report.skipped.append(stall.code)
    _flag_entries_due(db, day, now=now, actor=actor, report=report)
    log.info(report.summary())
    return report


def _flag_entries_due(db: Database, day: date, *, now: datetime, actor: str, report: ScanReport) -> None:
    """Flag, once, each agreement that should have entered into force before
    ``day`` by the date its rule computes from the acts and is not recorded
    in force (again only if the computed date moves later)."""
    with db.read() as session:
        due = {
            code: outcome
            for code, outcome in pending_outcomes(session).items()
            if isinstance(outcome, Expected) and outcome.when.latest is not None and outcome.when.latest < day
        }
    for code, outcome in due.items():
        latest = outcome.when.latest
        assert latest is not None

        def work(session: Session, code: str = code, outcome: Expected = outcome, latest: date = latest) -> bool:
            agreement = load(session, code)
            flagged = session.scalar(
                select(Event.id).where(
                    Event.agreement_id == agreement.id,
                    Event.kind == FLAG,
                    Event.outcome == ENTRY_DUE,
                    Event.occurred_on > latest,
                )
            )
            if flagged is not None:
                return False
            note = f"should have entered into force by now: {outcome.sentence()}; not recorded in force"
            append_event(
                session,
                agreement,
                EventSpec(kind=FLAG, when=When(day, DAY), actor=actor, outcome=ENTRY_DUE, note=note),
                day,
                now=now,
            )
            return True

        try:
            if transaction(db, code, work):
                report.recorded[code] = ENTRY_DUE
        except StaleWrite:
            report.skipped.append(code)
