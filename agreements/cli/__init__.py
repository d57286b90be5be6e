"""The ``agreements`` command. Commands stay thin: parse, call one function, print.

Errors are turned into one line on stderr here and nowhere else: exit code 1
for what the rules refuse, 2 for a usage error. Nothing heavy is imported
until a command runs, so ``agreements --help`` stays fast.
"""

from __future__ import annotations

import errno
import importlib
import logging
import os
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NoReturn

import click

from agreements import __version__
from agreements.clock import wall_time
from workflows.errors import DomainError
from workflows.locales import LOCALES

DEBUG_ENV = "AGREEMENTS_DEBUG"


def os_login() -> str:
    """The operating system's name for whoever runs the command."""
    import getpass  # lazy: only commands that write ask

    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return "unknown"


@dataclass(frozen=True)
class Edges:
    """What a caller may hand in as ``obj`` (``main(obj=Edges(...))``), so that
    simulations and tests run the real commands: the time source and the
    source of the OS login name. A bare callable is taken as the time source."""

    time_source: Callable[[], datetime] = wall_time
    login_source: Callable[[], str] = os_login


@dataclass
class App:
    """What every command gets: the database (opened on first use), the configuration, the clock, the actor."""

    db_option: str | None
    config_option: str | None = None
    time_source: Callable[[], datetime] = wall_time
    login_source: Callable[[], str] = os_login
    lang_option: str | None = None
    _db: Any = field(default=None, repr=False)
    _config: Any = field(default=None, repr=False)

    @property
    def config(self):
        """The configuration file's settings (defaults when there is none)."""
        if self._config is None:
            from agreements.config.file import load_config  # lazy: --help reads no configuration

            self._config = load_config(self.config_option)
        return self._config

    @property
    def clock(self):
        """The time source, counting days in the configured time zone."""
        return self.config.clock(self.time_source)

    @property
    def db(self):
        """The database, opened on first use. The configuration is read and
        checked first: a broken file stops every command that opens the
        database (``list`` as well as ``advance``) before it reads or records
        anything, with the one line that names the key."""
        if self._db is None:
            from agreements.config.locations import resolve_db_url  # lazy: on first use of the database
            from agreements.store.database import Database  # lazy: SQLAlchemy only for commands that need it

            self.config  # noqa: B018 -- read for its check
            self._db = Database(resolve_db_url(self.db_option))
        return self._db

    def language(self) -> str:
        """The language of the output: the global --lang, else $AGREEMENTS_LANG, else English."""
        chosen = (self.lang_option or os.environ.get("AGREEMENTS_LANG") or "").lower()
        return chosen if chosen in LOCALES else "en"

    def actor(self, option: str | None) -> str:
        """Who acts: the database login (PostgreSQL) or the OS login (SQLite);
        ``--as``/$AGREEMENTS_USER only where ``writes.identity`` allows it."""
        from agreements.config.locations import stated_actor  # lazy: only commands that write need it
        from agreements.writes.identity import acting_user  # lazy: only commands that write need it
        from workflows.inputs import check_text  # lazy: only commands that write need it

        stated = stated_actor(option)
        if stated is not None:
            check_text("actor", stated)  # before any query uses it (PostgreSQL refuses NUL even there)
        return acting_user(self.db, stated, self.login_source())


def fail(message: str, code: int = 1) -> NoReturn:
    click.echo("Error: " + " ".join(str(message).split()), err=True)
    sys.exit(code)


def _database_message(exc: Exception, app: App | None) -> str | None:
    """A one-line explanation for errors raised by the database driver."""
    if not type(exc).__module__.startswith("sqlalchemy"):
        return None
    text = str(getattr(exc, "orig", exc))
    where = app.db.display_url if app and app._db is not None else "the configured location"
    if "no such table" in text:
        return f"the database at {where} is not initialised; run `agreements init`"
    if "relation" in text and "does not exist" in text:
        # PostgreSQL also hides a schema this login may not use
        return (
            f"the database at {where} is not initialised, or this login has no tracker role; run `agreements "
            "init` as the owner, or ask the administrator (`agreements users add LOGIN --role ...`)"
        )
    if "unable to open database" in text or "could not connect" in text or "connection" in text.lower():
        return f"cannot open the database at {where}: {text.splitlines()[0]}"
    if "database is locked" in text:
        return "the database is busy (another writer holds it); try again"
    if "permission denied" in text:
        return f"the database at {where} refused: {text.splitlines()[0]} (this connection's role may not do that)"
    if "append-only" in text:
        return "history events are append-only: the database refused to change one"
    if "database or disk is full" in text or "No space left on device" in text or _disk_full(exc, app):
        return f"no space left on the device of the database at {where}; nothing was recorded (free some space and try again)"
    return f"database error: {text.splitlines()[0] if text else type(exc).__name__}"


def _disk_full(exc: Exception, app: App | None) -> bool:
    """A disk I/O error of SQLite on a file system with (almost) no space left:
    SQLite reports a full disk that way when its WAL index cannot grow."""
    if "disk I/O error" not in str(exc) or app is None or app._db is None or not app._db.is_sqlite:
        return False
    from sqlalchemy.engine import make_url  # lazy: only after a database error

    try:
        stats = os.statvfs(os.path.dirname(os.path.abspath(make_url(app._db.url).database or ".")))
    except (OSError, ValueError):
        return False
    return stats.f_bavail * stats.f_frsize < 1 << 20


def _system_message(exc: Exception) -> str | None:
    """A one-line explanation for a full disk or text that is not UTF-8."""
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        what = exc.filename or "the output"
        _silence_stdout()  # what is still buffered cannot be written either: no second complaint at exit
        return f"no space left on the device while writing {what}; the output is incomplete (free some space and try again)"
    if isinstance(exc, UnicodeEncodeError) and "surrogates" in exc.reason:
        shown = _shown(exc.object[exc.start : exc.end])
        return f"some text ({shown}) is not valid UTF-8; check the file names and settings in use"
    return None


def _silence_stdout() -> None:
    """Point standard output at /dev/null, so that the interpreter's final
    flush of what could not be written raises nothing more."""
    try:
        sys.stdout.flush()
    except (OSError, ValueError):
        try:
            null = os.open(os.devnull, os.O_WRONLY)
            os.dup2(null, sys.stdout.fileno())
            os.close(null)
        except (OSError, ValueError, AttributeError):  # no real file behind it (a test's buffer)
            pass


# the lone surrogates by which Python hands in undecodable bytes (PEP 383), or any other
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def _shown(text: str) -> str:
    """``text`` quoted, its undecodable bytes shown as escapes (\\xff), shortened."""
    try:
        shown = text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:  # a surrogate that is no escaped byte
        shown = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return "'" + (shown if len(shown) <= 40 else shown[:37] + "...") + "'"


def _undecodable_input(args: Sequence[str]) -> str | None:
    """A usage error for the first argument (or AGREEMENTS_* variable) that is
    not valid UTF-8: nothing could store, compare or print it as text."""
    for position, arg in enumerate(args, 1):
        if isinstance(arg, str) and _SURROGATE.search(arg):
            return f"argument {position} ({_shown(arg)}) is not valid UTF-8; type it in UTF-8 (check the terminal's encoding)"
    for name, value in sorted(os.environ.items()):
        if name.startswith("AGREEMENTS_") and _SURROGATE.search(value):
            return f"the environment variable {name} ({_shown(value)}) is not valid UTF-8"
    return None


def did_you_mean(value: str, choices: Sequence[str], folded: bool = False) -> str:
    """`` Did you mean 'x'?`` naming the choices closest to ``value``, or ''."""
    import difflib  # lazy: only a mistake needs it

    wanted = value.casefold() if folded else value
    close = difflib.get_close_matches(wanted, list(choices), n=3, cutoff=0.6)
    return f" Did you mean {' or '.join(repr(c) for c in close)}?" if close else ""


class SuggestingGroup(click.Group):
    """A group that answers a mistyped command with the close ones ("did you mean")."""

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        name = args[0] if args else ""
        if name and not name.startswith("-") and not ctx.resilient_parsing and self.get_command(ctx, name) is None:
            raise click.UsageError(f"No such command {name!r}.{did_you_mean(name, self.list_commands(ctx))}", ctx)
        return super().resolve_command(ctx, args)


class AgreementsGroup(SuggestingGroup):
    """A group whose every failure ends as one ``Error: ...`` line and whose
    commands load lazily from :data:`COMMANDS`."""

    app: App | None = None

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        target = COMMANDS.get(name)
        if target is None:
            return None
        module, attribute = target.split(":")
        command = getattr(importlib.import_module(f"agreements.cli.{module}"), attribute)
        from agreements.cli.completion import attach  # small: the completers import their queries when called

        return attach(command)

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> NoReturn:
        # click always runs non-standalone here: this method reports and exits itself
        extra["standalone_mode"] = False
        # what the library logs (a delivery that failed...) the commands report
        # themselves; without a handler Python's last-resort one would print it
        # as stray lines before the one `Error:` line
        if not logging.getLogger("agreements").handlers:
            logging.getLogger("agreements").addHandler(logging.NullHandler())
        undecodable = _undecodable_input(sys.argv[1:] if args is None else args)
        if undecodable is not None:  # before anything runs: nothing can have changed
            fail(undecodable, 2)
        try:
            result = super().main(args=args, prog_name=prog_name or "agreements", complete_var=complete_var, **extra)
            sys.stdout.flush()  # here, not at exit: a full disk is then reported like any failure
        except _NO_ARGS_IS_HELP as exc:  # a bare group (`agreements`, `agreements digest`): its help, exit 0
            click.echo(exc.ctx.get_help())
            sys.exit(0)
        except click.UsageError as exc:
            hint = f" (see `{exc.ctx.command_path} --help`)" if exc.ctx else ""
            fail(exc.format_message() + hint, 2)
        except click.Abort:
            fail("aborted", 1)
        except click.ClickException as exc:
            fail(exc.format_message(), exc.exit_code)
        except DomainError as exc:
            # exit 2 for the few that are usage errors (a --config file that is not there, a --db of no supported kind)
            fail(str(exc) + _close_codes(exc, self.app), getattr(exc, "exit_code", 1))
        except Exception as exc:  # last line of defence: never a traceback for a user
            if os.environ.get(DEBUG_ENV):
                raise
            message = _database_message(exc, self.app) or _system_message(exc)
            if message is None:
                message = f"unexpected failure: {type(exc).__name__}: {exc} (set {DEBUG_ENV}=1 for details)"
            fail(message, 1)
        sys.exit(result if isinstance(result, int) else 0)


#: what a bare group raises (click >= 8.2; older versions print the help and exit 0 themselves)
_NO_ARGS_IS_HELP: Any = getattr(click.exceptions, "NoArgsIsHelpError", ())


def _close_codes(exc: DomainError, app: App | None) -> str:
    """For an unknown agreement code, the stored codes close to it; '' when
    there are none or they cannot be read."""
    from agreements.errors import AgreementNotFound

    if not isinstance(exc, AgreementNotFound) or app is None or app._db is None:
        return ""
    try:
        from agreements.reads.names import agreement_codes

        codes = agreement_codes(app.db)
    except Exception:  # only a hint: the error itself is what matters
        return ""
    import difflib  # lazy: only a mistake needs it

    close = difflib.get_close_matches(exc.code, codes, n=3, cutoff=0.6)
    return f" (did you mean {', '.join(close)}?)" if close else ""


DB_HELP = (
    "Database URL or SQLite file path. Default: $AGREEMENTS_DB, else the SQLite "
    "file agreements.db in your data directory (e.g. ~/.local/share/agreements/)."
)

LANG_HELP = "Output language, before or after the command (default: $AGREEMENTS_LANG, else en). Example: --lang az"

CONFIG_HELP = (
    "Configuration file (TOML). Default: $AGREEMENTS_CONFIG, else config.toml in "
    "your config directory (e.g. ~/.config/agreements/); none = defaults."
)


@click.group(cls=AgreementsGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--db", "db_option", metavar="URL|PATH", help=DB_HELP)
@click.option("--config", "config_option", metavar="FILE", help=CONFIG_HELP)
@click.option("--lang", "lang_option", type=click.Choice(LOCALES, case_sensitive=False), help=LANG_HELP)
@click.version_option(__version__, prog_name="agreements")
@click.pass_context
def main(ctx: click.Context, db_option: str | None, config_option: str | None, lang_option: str | None) -> None:
    """Track bilateral agreements through their lifecycle, with an exact,
    append-only negotiation history.

    \b
    The database is chosen by --db, else $AGREEMENTS_DB, else an embedded
    SQLite file in your user data directory (on Linux
    ~/.local/share/agreements/agreements.db). PostgreSQL works too:
    --db postgresql+psycopg://user@host/dbname

    \b
    Example (a quick start):
      agreements init
      agreements import data/seed_history.json
      agreements list
      agreements history RA-MDA
      agreements help advance

    \b
    Shell completion (codes, stages, counterparts): in ~/.bashrc
      eval "$(_AGREEMENTS_COMPLETE=bash_source agreements)"   (zsh_source, fish_source)
    """
    # a caller may hand in the time source as ``obj`` (``main(obj=source)``):
    # simulations and tests run the real commands on a clock they control
    edges = ctx.obj if isinstance(ctx.obj, Edges) else Edges(ctx.obj) if callable(ctx.obj) else Edges()
    lang = lang_option and lang_option.lower()
    ctx.obj = AgreementsGroup.app = App(db_option, config_option, edges.time_source, edges.login_source, lang)


# Each command's module is imported only when that command runs (or for
# --help), so `agreements list` pays for its own imports and no others.
COMMANDS: dict[str, str] = {
    "init": "setup_cmds:init",
    "workflow": "setup_cmds:workflow",
    "verify": "setup_cmds:verify",
    "help": "setup_cmds:help_",
    "add": "agreement_cmds:add",
    "list": "agreement_cmds:list_",
    "show": "agreement_cmds:show",
    "history": "agreement_cmds:history",
    "advance": "move_cmds:advance",
    "suspend": "move_cmds:suspend",
    "resume": "move_cmds:resume",
    "terminate": "move_cmds:terminate",
    "round": "move_cmds:round_",
    "sign": "move_cmds:sign",
    "note": "move_cmds:note",
    "act": "after_cmds:act",
    "entry-rule": "after_cmds:entry_rule",
    "obligations": "after_cmds:obligations",
    "correct": "revise_cmds:correct",
    "retract": "revise_cmds:retract",
    "void": "revise_cmds:void",
    "import": "transfer_cmds:import_",
    "export": "transfer_cmds:export",
    "stalled": "stall_cmds:stalled",
    "ack": "stall_cmds:ack",
    "config": "stall_cmds:config",
    "scheduler": "scheduler_cmds:scheduler",
    "log": "query_cmds:log_",
    "search": "query_cmds:search",
    "report": "query_cmds:report",
    "recipients": "digest_cmds:recipients",
    "digest": "digest_cmds:digest",
    "outbox": "digest_cmds:outbox",
    "plan": "digest_cmds:plan",
    "users": "user_cmds:users",
    "serve": "web_cmds:serve",
}
