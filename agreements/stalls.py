"""Stalled agreements: the flags of the stall policy over stored history,
acknowledgements, and the daily scan that records changes of flag."""
from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from agreements.config import Config
from agreements.db import Database
from agreements.errors import StaleWrite
from agreements.models import Agreement, Event
from agreements.recording import EventSpec, append_event
from agreements.services import Details, Recorded, _record, load, transaction
from workflows.chronology import DAY, When, standing_on
from workflows.stall import CRITICAL, OVERDUE, assess_events, severity_key

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
    stage_since: str
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
            "stage_since": self.stage_since,
            "clock_from": self.clock_from.isoformat() if self.clock_from else None,
            "working_days": self.working_days,
            "threshold": self.threshold,
            "level": self.level,
            "awaiting": self.awaiting,
            "awaiting_counterpart": self.awaiting_counterpart,
            "acknowledged_until": self.acknowledged_until.isoformat() if self.acknowledged_until else None,
            "acknowledgement": self.acknowledgement,
        }


def _histories(session: Session) -> tuple[list[Agreement], dict[int, list[Event]]]:
    agreements = list(session.scalars(select(Agreement).order_by(Agreement.code)))
    events: dict[int, list[Event]] = defaultdict(list)
    for event in session.scalars(select(Event).order_by(Event.agreement_id, Event.seq)):
        events[event.agreement_id].append(event)
    return agreements, events


def assess_all(db: Database, config: Config, day: date) -> list[Stall]:
    """Every agreement's flag as of the end of ``day`` (not only flagged ones)."""
    policy, calendar = config.policy, config.calendar()
    result: list[Stall] = []
    with db.read() as session:
        agreements, histories = _histories(session)
        for agreement in agreements:
            standing = standing_on(histories[agreement.id], day)
            if standing is None:
                continue
            known = standing.events
            flag = assess_events(standing.stage, known, standing.awaiting, day, policy, calendar)
            acks = [e for e in known if e.kind == "ack" and e.occurred_until and e.occurred_until >= day]
            flags = [e for e in known if e.kind == "flag"]
            ack = acks[-1] if acks else None
            result.append(
                Stall(
                    code=agreement.code,
                    title_en=agreement.title_en,
                    title_az=agreement.title_az,
                    stage=standing.stage,
                    stage_since=standing.since.label(),
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
            )
    return result


def stalled(db: Database, config: Config, day: date, include_acknowledged: bool = False) -> list[Stall]:
    """Flagged agreements, most severe first; acknowledged ones only on request."""
    rows = [s for s in assess_all(db, config, day) if s.level in (OVERDUE, CRITICAL)]
    if not include_acknowledged:
        rows = [s for s in rows if not s.acknowledged_until]
    rows.sort(key=lambda s: (severity_key(s.flag), s.code))
    return rows


def acknowledge(db: Database, code: str, details: Details, *, until: date, on: date | None = None, today: date | None = None) -> Recorded:
    """Record "we know, waiting until then": the flag leaves the action list until ``until``."""
    from agreements.services import _when

    return _record(
        db,
        code,
        lambda _a: EventSpec(
            kind="ack",
            when=_when(on, today),
            until=until,
            actor=details.actor,
            note=details.note,
            reference=details.reference,
            awaiting=details.awaiting,
        ),
        today,
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


def run_scan(db: Database, config: Config, day: date) -> ScanReport:
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
            )

        try:
            transaction(db, stall.code, work)
            report.recorded[stall.code] = state
        except StaleWrite:
            report.skipped.append(stall.code)
    log.info(report.summary())
    return report
