"""Commands that put the record right, append-only: correct, retract, void."""

from __future__ import annotations

import click

from agreements.cli.options import DATE, HOLDER, WHEN, WHEN_FORMS, actor_option


def _reason(f):
    return click.option(
        "--reason",
        required=True,
        metavar="TEXT",
        help='What was wrong, for the history. Example: --reason "typo in the place"',
    )(f)


def _done(done, what: str) -> None:
    click.echo(f"{done.code}: {what} recorded as #{done.event.seq} ({done.stage}).")


@click.command()
@click.argument("code")
@click.argument("seq", type=click.IntRange(min=1))
@_reason
@click.option("--on", "on", type=WHEN, help=f"The corrected date, in any form: {WHEN_FORMS}. Example: --on 2016-11")
@click.option("--until", type=DATE, help="The corrected last day of a round. Example: --until 2016-10-19")
@click.option("--place", metavar="TEXT", help="The corrected place. Example: --place Bakı")
@click.option("--ref", "reference", metavar="TEXT", help='The corrected document. Example: --ref "letter No. 02/1097"')
@click.option("--note", metavar="TEXT", help="The corrected note.")
@click.option("--outcome", metavar="TEXT", help="The corrected outcome of a round.")
@click.option("--open-articles", type=click.IntRange(min=0), help="The corrected number of open articles. Example: 2")
@click.option("--awaiting", type=HOLDER, help="The corrected holder of the next move.")
@click.option("--party", metavar="CODE", help="The corrected party of an act. Example: --party RUS")
@click.option("--act", "act_kind", metavar="KIND", help="The corrected kind of an act. Example: --act ratification")
@click.option("--received", type=WHEN, help="The corrected day an act was received. Example: --received 2014-07-15")
@click.option(
    "--instrument", metavar="TEXT", help='The corrected instrument of an act. Example: --instrument "Law No. 967-IVQ"'
)
@actor_option
@click.pass_obj
def correct(
    app, code, seq, reason, on, until, place, reference, note, outcome, open_articles, awaiting, actor, **act
) -> None:
    """Correct fields of event SEQ (its # in `agreements history`).

    The correction is a new entry: every view shows the corrected value with
    a mark, and the original stays in the history. A corrected stage-change
    date must keep the order of stages.

    \b
    Example:
      agreements correct RA-MDA 3 --place "Kişinyov" --reason "misspelt place"
      agreements correct MC-RUS 3 --on 2016-11-24..2016-12-31 --reason "the seed gives no exact day"
    """
    from agreements.writes.revise import correct as record_correction

    changes = {
        "on": on,
        "until": until,
        "place": place,
        "reference": reference,
        "note": note,
        "outcome": outcome,
        "open_articles": open_articles,
        "awaiting": awaiting,
        "party": act["party"],
        "act": act["act_kind"],
        "received": act["received"],
        "instrument": act["instrument"],
    }
    done = record_correction(app.db, code, seq, changes, reason=reason, actor=app.actor(actor), clock=app.clock)
    _done(done, f"correction of #{seq}")


@click.command()
@click.argument("code")
@click.argument("seq", type=click.IntRange(min=1))
@_reason
@actor_option
@click.pass_obj
def retract(app, code, seq, reason, actor) -> None:
    """Record that event SEQ was entered in error (a plan too: that is how a plan is withdrawn).

    Retracting the latest stage change returns the agreement to the stage
    before it; an earlier one is refused. The event stays in the history,
    marked retracted.

    \b
    Example:
      agreements retract RA-MDA 5 --reason "round recorded on the wrong agreement"
    """
    from agreements.writes.revise import retract as record_retraction

    _done(
        record_retraction(app.db, code, seq, reason=reason, actor=app.actor(actor), clock=app.clock),
        f"retraction of #{seq}",
    )


@click.command()
@click.argument("code")
@_reason
@actor_option
@click.pass_obj
def void(app, code, reason, actor) -> None:
    """Mark an agreement entered by mistake.

    It leaves `list`, `stalled`, the digest and the reports (`list --all`
    shows it) and stays in its history, `export` and `verify`. Retracting the
    void entry brings it back.

    \b
    Example:
      agreements void RA-XYZ --reason "entered twice; see RA-XKX"
    """
    from agreements.writes.revise import void as record_void

    _done(record_void(app.db, code, reason=reason, actor=app.actor(actor), clock=app.clock), "void")


COMMANDS = [correct, retract, void]
