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
        super().__init__(f"{email} is already a recipient; change it with `agreements recipients edit {email}`")


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

    def describe(self) -> str:
        """What is followed, in words: "party MDA, GEO; kind readmission" or "everything"."""
        parts = [f"party {', '.join(self.parties)}"] if self.parties else []
        parts += [f"kind {', '.join(self.kinds)}"] if self.kinds else []
        parts += [f"officer {self.officer}"] if self.officer else []
        return "; ".join(parts) or "everything"


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
    row = Recipient(
        email=address,
        name=display,
        locale=_locale(locale),
        parties=_parties(parties),
        kinds=_kinds(kinds),
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


def _locale(locale: str) -> str:
    if locale not in LOCALES:
        raise BadInput(f"unknown locale {locale!r}; one of: {', '.join(LOCALES)}")
    return locale


def _parties(parties: Sequence[str]) -> str | None:
    """The counterparts followed, by code (``Moldova`` -> MDA), once each."""
    return ",".join(dict.fromkeys(normalise_party(p) for p in parties)) or None


def _kinds(kinds: Sequence[str]) -> str | None:
    for kind in kinds:
        if kind not in KINDS:
            raise BadInput(f"unknown kind {kind!r}; one of: {', '.join(KINDS)}")
    return ",".join(dict.fromkeys(kinds)) or None


@dataclass(frozen=True)
class Changes:
    """What ``recipients edit`` changes; None (or empty) leaves a field as it is.
    ``everything`` first drops the filters (counterparts, kinds, officer)."""

    name: str | None = None
    locale: str | None = None
    parties: Sequence[str] = ()
    kinds: Sequence[str] = ()
    officer: str | None = None
    only_needs_action: bool | None = None
    everything: bool = False

    def values(self) -> dict[str, object]:
        """The checked new column values."""
        values: dict[str, object] = {}
        if self.everything:
            values.update(parties=None, kinds=None, officer=None)
        if self.name is not None:
            values["name"] = single_line("the name (--name)", self.name, required=True)
        if self.locale is not None:
            values["locale"] = _locale(self.locale)
        if self.parties:
            values["parties"] = _parties(self.parties)
        if self.kinds:
            values["kinds"] = _kinds(self.kinds)
        if self.officer is not None:
            values["officer"] = single_line("the officer (--officer)", self.officer)
        if self.only_needs_action is not None:
            values["only_needs_action"] = self.only_needs_action
        if not values:
            raise BadInput(
                "nothing to change: give --name, --locale, --party, --kind, --officer, --everything, "
                "--only-needs-action or --all-sections"
            )
        return values


def edit_recipient(db: Database, email: str, changes: Changes, actor: str) -> Recipient:
    """Change a recipient's name, language or what they follow; their digests
    already queued or sent stay as they are."""
    address = normalise_email(email)
    values = changes.values()
    with db.sessions().begin() as session:
        authorise(session, actor, OFFICER, "editing a digest recipient")
        row = session.scalar(select(Recipient).where(Recipient.email == address))
        if row is None:
            raise RecipientNotFound(address)
        for column, value in values.items():
            setattr(row, column, value)
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
