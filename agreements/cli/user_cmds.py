"""Users and their roles: users add, users list."""

from __future__ import annotations

import click

from agreements.cli import SuggestingGroup, output
from agreements.cli.options import Choice, actor_option, format_option
from workflows.roles import ROLES

USER_COLUMNS = ("name", "email", "role", "created_at", "created_by")


@click.group(cls=SuggestingGroup)
def users() -> None:
    """Who may act in a shared tracker: viewers read, officers record, heads
    also move agreements into signing, in_force and terminated.

    You act as your login: the OS login on SQLite, the database login on
    PostgreSQL. On SQLite, while no user is registered anyone may act (and
    --as may name someone); once one is, every change is made as your login,
    which must be registered. The first user must be a head; after that only
    a head adds users. On PostgreSQL a user is a login, and `users add`
    (run by the schema owner) grants it the role's group role.

    \b
    Example:
      agreements users add aliyev --email r.aliyev@migration.gov.az --role head
      agreements users add mammadova --email l.mammadova@migration.gov.az --role officer
      agreements users list
    """


@users.command("add")
@click.argument("name")
@click.option("--email", required=True, metavar="ADDRESS", help="The user's e-mail address.")
@click.option(
    "--role",
    type=Choice(ROLES),
    required=True,
    help="viewer: reads; officer: records; head: also commits the state.",
)
@actor_option
@click.pass_obj
def users_add(app, name, email, role, actor) -> None:
    """Register a user NAME (their login) with a role.

    On PostgreSQL NAME must be an existing login; it is granted the role's
    group role (agreements_reader, agreements_writer, agreements_head).

    \b
    Example:
      agreements users add aliyev --email r.aliyev@migration.gov.az --role head
    """
    from agreements.writes.users import add_user  # lazy: loaded when the command runs

    row = add_user(app.db, name, email=email, role=role, actor=app.actor(actor), now=app.clock.now())
    click.echo(f"Added {row.name} <{row.email}> as {row.role}.")


@users.command("list")
@format_option("table", "json", "csv")
@click.pass_obj
def users_list(app, fmt) -> None:
    """List registered users and their roles.

    \b
    Example:
      agreements users list --format json
    """
    from agreements.writes.users import list_users  # lazy: loaded when the command runs

    rows = [
        {
            "name": u.name,
            "email": u.email,
            "role": u.role,
            "created_at": u.created_at.isoformat(timespec="seconds"),
            "created_by": u.created_by,
        }
        for u in list_users(app.db)
    ]
    if output.emit_data(rows, fmt, USER_COLUMNS):
        return
    if not rows:
        click.echo(
            "No users registered: anyone may act. Add the first (a head) with `agreements users add NAME --email E --role head`."
        )
        return
    from tabulate import tabulate  # lazy: only the table output needs it

    click.echo(tabulate([[r[c] for c in USER_COLUMNS] for r in rows], headers=list(USER_COLUMNS)))


COMMANDS = [users]
