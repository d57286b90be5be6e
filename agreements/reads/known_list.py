"""`agreements list --known-on`: every agreement as the tracker held it at
the end of a past day (``agreements.reads.known``), optionally as that
record placed it on another day (``--as-of``)."""

from __future__ import annotations

from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from agreements.reads.agreement import agreement_dict, as_it_stood
from agreements.reads.known import as_known, recorded_by
from agreements.store.database import Database
from agreements.store.tables import Agreement, Event
from workflows.revisions import effective


def list_known(
    db: Database,
    known_on: date,
    zone: ZoneInfo,
    *,
    as_of: date | None = None,
    stage: str | None = None,
    party: str | None = None,
    kind: str | None = None,
) -> list[dict[str, Any]]:
    """``agreements list --known-on``: every agreement that had a history by
    the end of ``known_on``, as those events make it (and, with ``as_of``, as
    they place it on that day), filtered as ``list`` filters. Replays each
    history: a question about the past, not the everyday listing."""
    rows: list[dict[str, Any]] = []
    with db.snapshot() as session:
        agreements = list(session.scalars(select(Agreement).order_by(Agreement.code)))
        events: dict[int, list[Any]] = {}
        for event in session.scalars(select(Event).order_by(Event.agreement_id, Event.seq)):
            events.setdefault(event.agreement_id, []).append(event)
        for agreement in agreements:
            known = recorded_by(events.get(agreement.id, []), known_on, zone)
            if not known or (kind and agreement.kind != kind) or (party and party not in agreement.party_codes):
                continue
            current = agreement_dict(agreement, agreement.parent.code if agreement.parent else None)
            as_known(current, agreement.code, known, known_on)
            if current["voided"]:  # void by then: out of the list as it was
                continue
            if as_of is not None and not as_it_stood(current, effective(known), as_of):
                continue
            if stage is None or current["stage"] == stage:
                rows.append(current)
    return rows
