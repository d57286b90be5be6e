"""Shell completion of what the database knows: agreement codes, counterparts
and recipients' addresses (stages, kinds and holders complete from their
choices).

Click's own protocol drives it (``_AGREEMENTS_COMPLETE=bash_source agreements``,
README "Shell completion"). :func:`attach` gives each command's parameters
their completer by name as the command is loaded: an argument or option named
``code`` or ``parent`` completes agreement codes, ``party``/``parties``
counterparts, ``email``/``recipient`` of the digest's commands recipients.
A completer never fails: on any error (no database yet, a broken
configuration, a server that is down) it offers nothing.
"""

from __future__ import annotations

from collections.abc import Callable

import click
from click.shell_completion import CompletionItem

Completer = Callable[[click.Context, click.Parameter, str], list[CompletionItem]]


def _database(ctx: click.Context):
    """The database the command line being completed names (--db, else
    $AGREEMENTS_DB, else the default file); never created here."""
    from agreements.config.locations import resolve_db_url
    from agreements.store.database import Database

    root = ctx.find_root()
    return Database(resolve_db_url(root.params.get("db_option")))


def _from_database(query: Callable[..., list[str]], ctx: click.Context, incomplete: str) -> list[str]:
    database = None
    try:
        database = _database(ctx)
        return query(database, incomplete)
    except Exception:  # completion offers what it can, and nothing when it cannot
        return []
    finally:
        if database is not None and database._engine is not None:
            database.engine.dispose()


def complete_codes(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    """Agreement codes starting with what is typed (any case)."""
    from agreements.reads.names import agreement_codes

    return [CompletionItem(code) for code in _from_database(agreement_codes, ctx, incomplete)]


def complete_parties(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    """Counterparts of stored agreements starting with what is typed; when
    none does, every known country or organisation code that does."""
    from agreements.reads.names import stored_parties

    found = _from_database(stored_parties, ctx, incomplete)
    if not found and incomplete:
        try:
            from workflows.parties import display_name, known_codes

            wanted = incomplete.strip().upper()
            return [CompletionItem(c, help=display_name(c)) for c in known_codes() if c.startswith(wanted)]
        except Exception:  # as in _from_database
            return []
    return [CompletionItem(code) for code in found]


def complete_recipients(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    """Recipients' addresses starting with what is typed."""
    from agreements.reads.names import recipient_addresses

    return [CompletionItem(email) for email in _from_database(recipient_addresses, ctx, incomplete)]


#: parameter name -> its completer, for every command
BY_NAME: dict[str, Completer] = {
    "code": complete_codes,
    "parent": complete_codes,
    "party": complete_parties,
    "parties": complete_parties,
}
#: ... and in the digest's groups only (``users add --email`` names no recipient)
RECIPIENT_PARAMETERS = ("email", "recipient")
RECIPIENT_GROUPS = ("recipients", "digest")


def attach(command: click.Command, group: str = "") -> click.Command:
    """Give the parameters of ``command`` (and of its subcommands) their
    completers, unless one is set already; returns ``command``."""
    for param in command.params:
        if command.name == "add" and param.name in ("code", "email"):
            continue  # a new agreement's code, a new recipient: none stored is the answer
        completer = BY_NAME.get(param.name or "")
        if completer is None and group in RECIPIENT_GROUPS and param.name in RECIPIENT_PARAMETERS:
            completer = complete_recipients
        if completer is not None and param._custom_shell_complete is None:
            param._custom_shell_complete = completer
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            attach(sub, command.name or "")
    return command
