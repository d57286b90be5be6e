"""Option types and decorators shared by the commands."""

from __future__ import annotations

from datetime import date

import click

from workflows.date_forms import When, parse_when
from workflows.errors import BadDate
from workflows.locales import LOCALES
from workflows.stages import HOLDERS, KINDS, STAGE_NAMES


class ISODate(click.ParamType):
    name = "DATE"

    def convert(self, value, param, ctx):
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(value)
        except (TypeError, ValueError):
            self.fail(f"{value!r} is not a valid date (YYYY-MM-DD)", param, ctx)


DATE = ISODate()


class WhenType(click.ParamType):
    """A date in any of the forms of workflows.date_forms (a month, a year,
    a bound, a span, unknown)."""

    name = "DATE"

    def convert(self, value, param, ctx):
        if isinstance(value, When):
            return value
        try:
            return parse_when(value)
        except BadDate as exc:
            self.fail(str(exc), param, ctx)


WHEN = WhenType()


class WeekType(click.ParamType):
    """An ISO week (``2026-W48``): a wrong one is a usage error (exit 2), as a wrong date is."""

    name = "YYYY-Www"

    def convert(self, value, param, ctx):
        from agreements.digest.iso_week import parse_week
        from agreements.errors import BadInput

        try:
            parse_week(value)
        except BadInput as exc:
            self.fail(str(exc), param, ctx)
        return value.strip()


WEEK = WeekType()
#: how --on help texts name the forms
WHEN_FORMS = "2016-10-10, 2016-10, 2016, <=2016-12-31, >=2016-11-24, 2016-11-24..2016-12-31 or unknown"
# the largest --limit: a LIMIT that every backend's integers can take
MAX_LIMIT = 1_000_000_000


class Choice(click.Choice):
    """One of fixed names, in any case (``IN_FORCE``, ``In_Force`` and
    ``in_force`` are the stage in_force, as codes are in any case); a name
    that is not one is refused with the close ones ("did you mean")."""

    def __init__(self, choices, case_sensitive: bool = False) -> None:
        super().__init__(choices, case_sensitive=case_sensitive)

    def convert(self, value, param, ctx):
        try:
            return super().convert(value, param, ctx)
        except click.BadParameter as exc:
            from agreements.cli import did_you_mean

            hint = did_you_mean(str(value), [str(c) for c in self.choices], True)
            if not hint:
                raise
            self.fail(exc.message.rstrip() + hint, param, ctx)


STAGE = Choice(STAGE_NAMES)
KIND = Choice(KINDS)
HOLDER = Choice(tuple(HOLDERS))


def actor_option(f):
    return click.option(
        "--as",
        "actor",
        metavar="USER",
        help="Who records this (default: $AGREEMENTS_USER, else your login name).",
    )(f)


def details_options(f):
    """--note, --ref, --place, --awaiting, --as: what any history entry may carry."""
    f = actor_option(f)
    f = click.option("--awaiting", type=HOLDER, help="Who holds the next move after this.")(f)
    f = click.option("--place", metavar="TEXT", help="Where it happened.")(f)
    f = click.option(
        "--ref", "reference", metavar="TEXT", help='Document behind it, e.g. "letter No. 02/1097 of 25 May 2016".'
    )(f)
    f = click.option("--note", metavar="TEXT", help="A remark for the history.")(f)
    return f


def on_option(help_text: str = "The day it happened (default: today in Asia/Baku).", required: bool = False):
    """--on DATE in any form: an exact day, a month, a year, a bound, a span or unknown."""
    return click.option(
        "--on", "on", type=WHEN, required=required, help=f"{help_text} Any of: {WHEN_FORMS}. Example: --on 2016-11"
    )


def format_option(*choices: str):
    return click.option(
        "--format", "fmt", type=click.Choice(choices), default=choices[0], show_default=True, help="Output format."
    )


LANG_HELP = (
    "Language of the output: az or en. Default: the global --lang, else $AGREEMENTS_LANG, else en. Example: --lang az"
)


def _chosen_lang(ctx: click.Context, _param: click.Parameter, value: str | None) -> str:
    """The command's --lang, else the language the ``agreements`` group chose."""
    if value:
        return value
    from agreements.cli import App

    app = ctx.find_object(App)
    return app.language() if app is not None else "en"


def lang_option(f):
    return click.option(
        "--lang",
        type=Choice(LOCALES),
        default=None,
        callback=_chosen_lang,
        help=LANG_HELP,
    )(f)
