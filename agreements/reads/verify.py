"""Recompute the hash chains of stored histories and name the first break."""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import groupby

from sqlalchemy import select

from agreements.store.database import Database
from agreements.store.hash_chain import HASHED_FIELDS, Break, check_chain
from agreements.store.lookup import load
from agreements.store.tables import Agreement, Event


@dataclass
class Verification:
    agreements: int = 0
    events: int = 0
    breaks: list[Break] = field(default_factory=list)


def verify(db: Database, code: str | None = None) -> Verification:
    """Check every agreement's chain (or one's), streaming the events once.

    The heads and the events are read in one snapshot: read apart, an event
    committed in between by a concurrent writer would look like a broken chain.
    """
    result = Verification()
    table = Event.__table__
    columns = [table.c.agreement_id, table.c.prev_hash, table.c.hash] + [table.c[f] for f in HASHED_FIELDS]
    with db.snapshot() as session:
        heads = select(Agreement.id, Agreement.code, Agreement.last_hash).order_by(Agreement.id)
        events = select(*columns).order_by(table.c.agreement_id, table.c.seq)
        if code is not None:
            agreement = load(session, code)
            heads = heads.where(Agreement.id == agreement.id)
            events = events.where(table.c.agreement_id == agreement.id)
        agreements = session.execute(heads).all()
        stream = session.execute(events.execution_options(yield_per=5000)).mappings()
        by_agreement = {key: list(rows) for key, rows in groupby(stream, key=lambda r: r["agreement_id"])}
        for agreement_id, agreement_code, head in agreements:
            rows = by_agreement.get(agreement_id, [])
            result.agreements += 1
            result.events += len(rows)
            found = check_chain(agreement_code, rows, head)
            if found is not None:
                result.breaks.append(found)
    return result
