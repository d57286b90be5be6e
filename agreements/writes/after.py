"""After signature: record a party's act, and the rule by which the agreement
enters into force. Each is a history event, appended in one transaction."""

from __future__ import annotations

from agreements.clock import Clock
from agreements.store.database import Database
from agreements.writes.apply import EventSpec
from agreements.writes.commands import Details, Recorded, day_or_today, record_event
from workflows.acts import normalise_act_party
from workflows.date_forms import When
from workflows.entry_force import parse_rule
from workflows.events import ACT, ENTRY_RULE


def record_act(
    db: Database,
    code: str,
    details: Details,
    *,
    party: str,
    kind: str,
    on: When,
    received: When | None = None,
    instrument: str | None = None,
    clock: Clock,
) -> Recorded:
    """Record one party's act (workflows.acts): its kind, its day (the day
    it was sent, for what is sent), the day it was received, the instrument."""
    code_of_party = normalise_act_party(party)
    return record_event(
        db,
        code,
        lambda _a: EventSpec(
            kind=ACT,
            when=on,
            actor=details.actor,
            party=code_of_party,
            act=kind,
            received=received,
            instrument=instrument,
            place=details.place,
            note=details.note,
            reference=details.reference,
        ),
        clock,
    )


def record_entry_rule(
    db: Database,
    code: str,
    rule: str,
    details: Details,
    *,
    after: str | None = None,
    committee: bool = False,
    binding: bool | None = None,
    terms: str | None = None,
    on: When | None = None,
    clock: Clock,
) -> Recorded:
    """Record the rule by which the agreement enters into force (a new
    history event: a later one supersedes it, a retraction withdraws it)."""
    text = parse_rule(rule, after=after, committee=committee, binding=binding, terms=terms).text()
    return record_event(
        db,
        code,
        lambda _a: EventSpec(
            kind=ENTRY_RULE,
            when=day_or_today(on, clock.today()),
            actor=details.actor,
            rule=text,
            note=details.note,
            reference=details.reference,
        ),
        clock,
    )
