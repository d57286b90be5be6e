"""Recipients of the weekly digest: who, in which language, following what."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from agreements.errors import BadInput, DomainError
from agreements.store.database import Database, rows_changed
from agreements.store.tables import Recipient
from agreements.writes.users import authorise
from workflows.inputs import normalise_email, normalise_party, single_line
from workflows.locales import LOCALES
from workflows.roles import OFFICER
from workflows.stages import KINDS


class RecipientExists(DomainError):
    def __init__(self, email: str):
        super().__init__(f"{email} is already a recipient; remove it first to change it")


class RecipientNotFound(DomainError):
    def __init__(self, email: str):
        super().__init__(f"no recipient {email!r}; see `agreements recipients list`")


@dataclass(frozen=True)
class Follows:
    """What a recipient follows; empty lists mean "everything"."""

    parties: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    officer: str | None = None

    def matches(self, parties: Sequence[str], kind: str, officer: str | None) -> bool:
        if self.parties and not set(self.parties) & set(parties):
            return False
        if self.kinds and kind not in self.kinds:
            return False
        return not self.officer or (officer or "").casefold() == self.officer.casefold()


def _split(value: str | None) -> tuple[str, ...]:
    return tuple(v for v in (value or "").split(",") if v)


def follows(row: Recipient) -> Follows:
    return Follows(_split(row.parties), _split(row.kinds), row.officer)


def add_recipient(
    db: Database,
    email: str,
    *,
    name: str,
    locale: str,
    actor: str,
    parties: Sequence[str] = (),
    kinds: Sequence[str] = (),
    officer: str | None = None,
    only_needs_action: bool = False,
    now: datetime,
) -> Recipient:
    """Add a recipient; an invalid address, name or filter is refused."""

    address = normalise_email(email)
    display = single_line("the name (--name)", name, required=True)
    if locale not in LOCALES:
        raise BadInput(f"unknown locale {locale!r}; one of: {', '.join(LOCALES)}")
    party_codes = tuple(dict.fromkeys(normalise_party(p) for p in parties))
    for kind in kinds:
        if kind not in KINDS:
            raise BadInput(f"unknown kind {kind!r}; one of: {', '.join(KINDS)}")
    row = Recipient(
        email=address,
        name=display,
        locale=locale,
        parties=",".join(party_codes) or None,
        kinds=",".join(dict.fromkeys(kinds)) or None,
        officer=single_line("the officer (--officer)", officer),
        only_needs_action=bool(only_needs_action),
        created_at=now,
        created_by=actor,
    )
    try:
        with db.sessions().begin() as session:
            authorise(session, actor, OFFICER, "adding a digest recipient")
            if session.scalar(select(Recipient.id).where(Recipient.email == address)) is not None:
                raise RecipientExists(address)
            session.add(row)
    except IntegrityError:
        raise RecipientExists(address) from None
    return row


def list_recipients(db: Database) -> list[Recipient]:
    with db.read() as session:
        return list(session.scalars(select(Recipient).order_by(Recipient.email)))


def find_recipient(db: Database, email: str) -> Recipient:
    address = normalise_email(email)
    with db.read() as session:
        row = session.scalar(select(Recipient).where(Recipient.email == address))
    if row is None:
        raise RecipientNotFound(address)
    return row


def remove_recipient(db: Database, email: str, actor: str) -> str:
    """Remove a recipient; their past digests stay in the outbox."""
    address = normalise_email(email)
    with db.sessions().begin() as session:
        authorise(session, actor, OFFICER, "removing a digest recipient")
        changed = rows_changed(session, delete(Recipient).where(Recipient.email == address))
        if changed != 1:
            raise RecipientNotFound(address)
    return address
