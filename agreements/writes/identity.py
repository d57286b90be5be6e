"""Who is acting: the database login on PostgreSQL, the OS login on SQLite.

On PostgreSQL the acting user is the login the database authenticated
(``session_user``), and the database itself refuses an event recorded under
another name (migration 0010); ``--as`` may only name that login. On SQLite,
a personal file without logins, the actor is the OS login; a name given with
``--as`` (or ``$AGREEMENTS_USER``) is accepted only while no user is
registered, so that once users exist no one can act as another. The file's
permissions are the boundary there.
"""

from __future__ import annotations

from sqlalchemy import select, text

from agreements.store.database import Database
from agreements.store.tables import User
from workflows.roles import NotPermitted

SCHEDULER_ACTOR = "scheduler"  # the actor of a SQLite scheduler's flags (no logins there)


def database_login(db: Database) -> str | None:
    """The login PostgreSQL authenticated for this database; None on SQLite."""
    if db.is_sqlite:
        return None
    with db.read() as session:
        return str(session.scalar(text("SELECT session_user")))


def acting_user(db: Database, stated: str | None, os_login: str) -> str:
    """The name changes are recorded under: the login, or ``stated`` where allowed."""
    login = database_login(db)
    if login is not None:
        if stated is not None and stated != login:
            raise NotPermitted(
                f"on PostgreSQL you act as your database login {login!r}; --as (or $AGREEMENTS_USER) "
                f"may only name it, not {stated!r}"
            )
        return login
    if stated is None or stated == os_login:
        return os_login
    with db.read() as session:
        registered = session.scalar(select(User.id).limit(1)) is not None
    if registered:
        raise NotPermitted(
            f"users are registered in this tracker, so you act as your login {os_login!r}; "
            f"--as (or $AGREEMENTS_USER) {stated!r} is allowed only while none is"
        )
    return stated


def service_actor(db: Database) -> str:
    """The actor of what the scheduler records: its database login on
    PostgreSQL, else the scheduler's own name."""
    return database_login(db) or SCHEDULER_ACTOR
