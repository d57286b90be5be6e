"""Registered users and their roles, and the one check every change passes.

While no user is registered, anyone may act (a single officer's file needs no
setup). Once one is, the actor of every change must be a registered user
whose role allows it: viewers change nothing, officers record, and moves into
the stages named by the lifecycle (``workflows.stages.HEAD_STAGES``) need a
head. The first user registered must be a head, so that someone can add the
others.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from agreements.errors import BadInput, DomainError
from agreements.store.database import Database
from agreements.store.tables import User
from workflows.inputs import normalise_email, single_line
from workflows.roles import HEAD, OFFICER, ROLES, NotPermitted, check
from workflows.text import MAX_NAME


class UserExists(DomainError):
    def __init__(self, name: str):
        super().__init__(f"a user named {name!r} already exists")


def authorise(session: Session, actor: str, needed: str = OFFICER, what: str = "this change") -> None:
    """Refuse (NotPermitted) unless ``actor`` may do ``what``; inside the
    writing transaction, so the check and the write see the same users."""
    role = session.scalar(select(User.role).where(User.name == actor))
    if role is None:
        if session.scalar(select(User.id).limit(1)) is None:
            return
        raise NotPermitted(
            f"{actor!r} is not a registered user; changes must be made as one "
            "(--as NAME or $AGREEMENTS_USER; see `agreements users list`)"
        )
    check(actor, role, needed, what)


def require(db: Database, actor: str, needed: str = OFFICER, what: str = "this change") -> None:
    """:func:`authorise` for a command that writes outside the history."""
    with db.read() as session:
        authorise(session, actor, needed, what)


def add_user(db: Database, name: str, *, email: str, role: str, actor: str, now: datetime) -> User:
    """Register a user; once users exist only a head may, and the first must be a head."""
    name = single_line("the user name", name, required=True)
    if len(name) > MAX_NAME:
        raise BadInput(f"the user name is longer than {MAX_NAME} characters")
    if role not in ROLES:
        raise BadInput(f"unknown role {role!r}; one of: {', '.join(ROLES)}")
    address = normalise_email(email)
    row = User(name=name, email=address, role=role, created_at=now, created_by=actor)
    try:
        with db.sessions().begin() as session:
            if session.scalar(select(User.id).limit(1)) is None:
                if role != HEAD:
                    raise BadInput("the first user must be a head (--role head), who can then add the others")
            else:
                authorise(session, actor, HEAD, "adding users")
            if session.scalar(select(User.id).where(User.name == name)) is not None:
                raise UserExists(name)
            session.add(row)
    except IntegrityError:
        raise UserExists(name) from None
    return row


def list_users(db: Database) -> list[User]:
    with db.read() as session:
        return list(session.scalars(select(User).order_by(User.name)))
