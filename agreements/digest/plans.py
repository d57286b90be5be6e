"""Planned dates (next round, planned signing...) that the digest lists under "coming up"."""

from __future__ import annotations

from datetime import date

from agreements.clock import Clock
from agreements.errors import BadInput
from agreements.store.database import Database
from agreements.writes.apply import EventSpec
from agreements.writes.commands import Recorded, record_event
from workflows.chronology import DAY, When
from workflows.events import PLAN


def record_plan(
    db: Database, code: str, *, on: date, what: str, actor: str, reference: str | None = None, clock: Clock
) -> Recorded:
    """Record a planned date: a ``plan`` event, dated the day it is recorded,
    whose ``until`` is the planned date."""
    if not what or not what.strip():
        raise BadInput('a plan needs --what (e.g. "next round in Chisinau")')
    day = clock.today()
    if on < day:
        raise BadInput(f"a planned date cannot be in the past ({on.isoformat()}; today is {day.isoformat()})")
    return record_event(
        db,
        code,
        lambda _a: EventSpec(
            kind=PLAN, when=When(day, DAY), until=on, actor=actor, note=what.strip(), reference=reference
        ),
        clock,
    )
