"""The dated obligations of every agreement (workflows.obligations), read
from the stored rows and their histories as they now read."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select

from agreements.store.database import Database
from agreements.store.tables import Agreement, Event
from workflows.acts import acts_of
from workflows.entry_force import parse_rule
from workflows.obligations import Obligation, Standing, obligations
from workflows.revisions import effective

#: days ahead in which an open obligation counts as near (the digest's "coming up")
NEAR_DAYS = 30


def all_obligations(db: Database, as_of: date, codes: set[str] | None = None) -> list[Obligation]:
    """Every agreement's obligations as of ``as_of`` (the fixed terms renewed
    up to then), by due date then code; of ``codes`` only, when given."""
    found: list[Obligation] = []
    with db.read() as session:
        query = select(Agreement).where(Agreement.voided.is_(False)).order_by(Agreement.code)
        if codes is not None:
            query = query.where(Agreement.code.in_(sorted(codes)))
        for agreement in session.scalars(query):
            events = list(session.scalars(select(Event).where(Event.agreement_id == agreement.id).order_by(Event.seq)))
            acts = acts_of(effective(events))
            if not (acts or agreement.in_force_on or agreement.entry_rule):
                continue
            standing = Standing(
                agreement.code,
                agreement.stage,
                parse_rule(agreement.entry_rule) if agreement.entry_rule else None,
                acts,
                agreement.signed_on,
                agreement.in_force_on,
                implementing=agreement.parent_id is not None and agreement.kind == "implementing_protocol",
            )
            found += obligations(standing, as_of)
    return sorted(found, key=lambda o: (o.due, o.code, o.what))


def obligation_rows(db: Database, as_of: date) -> list[dict[str, Any]]:
    """``all_obligations`` as plain rows for the command line."""
    return [o.as_dict() for o in all_obligations(db, as_of)]
