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

from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from agreements.errors import BadInput, DomainError
from agreements.store.database import Database
from agreements.store.tables import User
from workflows.inputs import normalise_email, single_line
from workflows.roles import HEAD, OFFICER, ROLES, VIEWER, NotPermitted, check
from workflows.text import MAX_NAME


class UserExists(DomainError):
    def __init__(self, name: str):
        super().__init__(f"a user named {name!r} already exists")


# PostgreSQL: a login's tracker role is the group role it is a member of;
# the schema owner (and a superuser) administers, as a head
_PG_ROLE = text(
    """
    SELECT CASE
      WHEN pg_has_role(:login, (SELECT relowner FROM pg_class WHERE oid = 'events'::regclass), 'MEMBER') THEN 'head'
      WHEN EXISTS (SELECT FROM pg_roles WHERE rolname = 'agreements_head')
           AND pg_has_role(:login, 'agreements_head', 'MEMBER') THEN 'head'
      WHEN EXISTS (SELECT FROM pg_roles WHERE rolname = 'agreements_writer')
           AND pg_has_role(:login, 'agreements_writer', 'MEMBER') THEN 'officer'
      WHEN EXISTS (SELECT FROM pg_roles WHERE rolname = 'agreements_reader')
           AND pg_has_role(:login, 'agreements_reader', 'MEMBER') THEN 'viewer'
    END
    """
)
# may this login write the digest outbox (the scheduler's role, or the owner)?
_PG_SENDS = text(
    """
    SELECT pg_has_role(:login, (SELECT relowner FROM pg_class WHERE oid = 'events'::regclass), 'MEMBER')
      OR (EXISTS (SELECT FROM pg_roles WHERE rolname = 'agreements_scheduler')
          AND pg_has_role(:login, 'agreements_scheduler', 'MEMBER'))
    """
)


def _is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def authorise(session: Session, actor: str, needed: str = OFFICER, what: str = "this change") -> None:
    """Refuse (NotPermitted) unless ``actor`` may do ``what``; inside the
    writing transaction, so the check and the write see the same users.

    On PostgreSQL the role is the login's group role; on SQLite the
    registered user's (anyone may act while none is registered)."""
    if _is_postgres(session):
        login = session.scalar(text("SELECT session_user"))
        if actor != login:
            raise NotPermitted(f"on PostgreSQL changes are made as the database login ({login!r}), not as {actor!r}")
        role = session.scalar(_PG_ROLE, {"login": actor})
        if role is None:
            raise NotPermitted(
                f"the login {actor!r} has no tracker role (agreements_reader, agreements_writer, "
                "agreements_head); ask the administrator (`agreements users add`)"
            )
        check(actor, role, needed, what)
        return
    role = session.scalar(select(User.role).where(User.name == actor))
    if role is None:
        if session.scalar(select(User.id).limit(1)) is None:
            return
        raise NotPermitted(
            f"{actor!r} is not a registered user; changes must be made as one (see `agreements users list`)"
        )
    check(actor, role, needed, what)


def require(db: Database, actor: str, needed: str = OFFICER, what: str = "this change") -> None:
    """:func:`authorise` for a command that writes outside the history."""
    with db.read() as session:
        authorise(session, actor, needed, what)


def require_sender(db: Database, actor: str, what: str) -> None:
    """Refuse unless ``actor`` may write the digest outbox: an officer, and on
    PostgreSQL a login in the scheduler's role (agreements_scheduler)."""
    with db.read() as session:
        authorise(session, actor, OFFICER, what)
        if _is_postgres(session) and not session.scalar(_PG_SENDS, {"login": actor}):
            raise NotPermitted(
                f"{what} needs the scheduler's role (agreements_scheduler); the login {actor!r} is not in it"
            )


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
            if _is_postgres(session):
                authorise(session, actor, HEAD, "adding users")
                _grant_group_role(session, name, role)
            elif session.scalar(select(User.id).limit(1)) is None:
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


GROUP_ROLES = {VIEWER: "agreements_reader", OFFICER: "agreements_writer", HEAD: "agreements_head"}


def _grant_group_role(session: Session, login: str, role: str) -> None:
    """PostgreSQL: make the existing ``login`` a member of ``role``'s group role
    (the tracker's roles are the database's; a user is a login)."""
    if not session.scalar(text("SELECT rolcanlogin FROM pg_roles WHERE rolname = :n"), {"n": login}):
        raise BadInput(
            f"{login!r} is not a PostgreSQL login; create it first (CREATE ROLE {login} LOGIN), then add it here"
        )
    quoted = session.get_bind().dialect.identifier_preparer.quote_identifier
    session.execute(text(f"GRANT {GROUP_ROLES[role]} TO {quoted(login)}"))


def list_users(db: Database) -> list[User]:
    with db.read() as session:
        return list(session.scalars(select(User).order_by(User.name)))
