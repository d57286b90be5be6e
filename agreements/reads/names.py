"""The names the database knows: agreement codes, counterparts and recipients'
addresses, for shell completion and "did you mean" hints."""

from __future__ import annotations

from sqlalchemy import func, select

from agreements.store.database import Database
from agreements.store.tables import Agreement, AgreementParty, Recipient

#: the most names one completion offers
MAX_NAMES = 200


def _escaped(prefix: str) -> str:
    return prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def agreement_codes(db: Database, prefix: str = "") -> list[str]:
    """The stored agreement codes that start with ``prefix`` (any case), in order."""
    query = select(Agreement.code).order_by(Agreement.code).limit(MAX_NAMES if prefix else None)
    if prefix:
        query = query.where(Agreement.code.like(_escaped(prefix.upper()), escape="\\"))
    with db.read() as session:
        return list(session.scalars(query))


def stored_parties(db: Database, prefix: str = "") -> list[str]:
    """The counterparts of stored agreements that start with ``prefix`` (any case)."""
    query = select(AgreementParty.party).distinct().order_by(AgreementParty.party).limit(MAX_NAMES)
    if prefix:
        query = query.where(AgreementParty.party.like(_escaped(prefix.upper()), escape="\\"))
    with db.read() as session:
        return list(session.scalars(query))


def recipient_addresses(db: Database, prefix: str = "") -> list[str]:
    """The digest recipients' addresses that start with ``prefix`` (any case)."""
    query = select(Recipient.email).order_by(Recipient.email).limit(MAX_NAMES)
    if prefix:
        query = query.where(func.lower(Recipient.email).like(_escaped(prefix.lower()), escape="\\"))
    with db.read() as session:
        return list(session.scalars(query))
