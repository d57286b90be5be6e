"""Commands that write history: advance, suspend, resume, terminate, round, sign, note."""

from __future__ import annotations

import click

from agreements.cli.options import DATE, HOLDER, STAGE, actor_option, details_options, on_option
from workflows.date_forms import on_phrase, when_of
from workflows.stages import IN_FORCE, SUSPENDED, TERMINATED


def _details(app, note, reference, place, awaiting, actor):
    from agreements.writes.commands import Details  # lazy: loaded when the command runs

    return Details(actor=app.actor(actor), note=note, reference=reference, place=place, awaiting=awaiting)


def _report(done) -> None:
    event = done.event
    day = on_phrase(when_of(event))
    if event.to_stage:
        click.echo(f"{done.code}: {event.from_stage} -> {event.to_stage} {day}.")
    else:
        click.echo(f"{done.code}: {event.kind.replace('_', ' ')} recorded {day} ({done.stage}).")
    if event.awaiting:
        click.echo(f"Next move: {event.awaiting}.")


@click.command()
@click.argument("code")
@click.option("--to", "to", type=STAGE, help="Stage to move to (default: the next stage of the canonical path).")
@on_option()
@click.option(
    "--reason",
    metavar="TEXT",
    help="Why an entry into force is recorded on another date than its rule computes, or while it still "
    'waits for an act. Example: --reason "the exchange of notes fixed 1 March"',
)
@details_options
@click.pass_obj
def advance(app, code, to, on, reason, note, reference, place, awaiting, actor) -> None:
    """Move an agreement to its next stage, or to the stage named by --to.

    The canonical path is draft -> expert_talks -> internal_approval -> mfa ->
    signing -> in_force; `agreements workflow` lists every allowed move.
    Entering in_force needs a recorded signature and --on (the entry-into-force date);
    with an entry-into-force rule (`agreements entry-rule`), --on must be the
    date it computes from the parties' acts, or --reason says why not. An
    implementing or amending protocol never enters into force before its base.

    \b
    Example:
      agreements advance RA-MDA --on 2016-11-30 --note "Text agreed" --awaiting us
      agreements advance RA-PAK --to draft --ref "note verbale No. 4/112" --note "Returned with comments"
      agreements advance RA-CHE --to in_force --on 2017-03-01 --ref "Decree No. 1234"
    """
    from agreements.writes.commands import advance as advance_agreement  # lazy: loaded when the command runs

    if reason is not None and to not in (None, IN_FORCE):
        raise click.UsageError("--reason is for an entry into force (--to in_force); `terminate` takes its own")
    _report(
        advance_agreement(
            app.db,
            code,
            to,
            _details(app, note, reference, place, awaiting, actor),
            on=on,
            reason=reason,
            clock=app.clock,
        )
    )


@click.command()
@click.argument("code")
@on_option()
@details_options
@click.pass_obj
def suspend(app, code, on, note, reference, place, awaiting, actor) -> None:
    """Suspend an agreement; `resume` returns it to the stage it left.

    \b
    Example:
      agreements suspend RA-TUR --on 2017-02-01 --note "Counterpart asked for a pause"
    """
    from agreements.writes.commands import advance as advance_agreement  # lazy: loaded when the command runs

    _report(
        advance_agreement(
            app.db, code, SUSPENDED, _details(app, note, reference, place, awaiting, actor), on=on, clock=app.clock
        )
    )


@click.command()
@click.argument("code")
@on_option()
@details_options
@click.pass_obj
def resume(app, code, on, note, reference, place, awaiting, actor) -> None:
    """Return a suspended agreement to the stage it was suspended from.

    \b
    Example:
      agreements resume RA-TUR --on 2017-06-01
    """
    from agreements.writes.commands import resume as resume_agreement  # lazy: loaded when the command runs

    _report(
        resume_agreement(app.db, code, _details(app, note, reference, place, awaiting, actor), on=on, clock=app.clock)
    )


@click.command()
@click.argument("code")
@click.option("--reason", required=True, metavar="TEXT", help="Why it ends (abandoned, denounced...).")
@on_option()
@details_options
@click.pass_obj
def terminate(app, code, reason, on, note, reference, place, awaiting, actor) -> None:
    """End an agreement without success, or denounce one in force.

    \b
    Example:
      agreements terminate IA-KAZ --reason "Abandoned by mutual consent" --ref "letter No. 02/88"
    """
    from agreements.writes.commands import advance as advance_agreement  # lazy: loaded when the command runs

    _report(
        advance_agreement(
            app.db,
            code,
            TERMINATED,
            _details(app, note, reference, place, awaiting, actor),
            on=on,
            reason=reason,
            clock=app.clock,
        )
    )


@click.command("round")
@click.argument("code")
@on_option("First day of the round (a month or a span when that is all that is known).", required=True)
@click.option("--until", type=DATE, help="Last day of the round.")
@click.option("--outcome", metavar="TEXT", help="What was agreed.")
@click.option("--open-articles", type=click.IntRange(min=0), metavar="N", help="Articles still open after the round.")
@details_options
@click.pass_obj
def round_(app, code, on, until, outcome, open_articles, note, reference, place, awaiting, actor) -> None:
    """Record one round of expert talks (the agreement must be in expert_talks).

    \b
    Example:
      agreements round RA-MDA --on 2016-10-18 --until 2016-10-19 --place Bakı \\
        --outcome "All articles agreed but one" --open-articles 1
    """
    from agreements.writes.commands import record_round  # lazy: loaded when the command runs

    if not place:
        raise click.UsageError("Missing option '--place'.")
    _report(
        record_round(
            app.db,
            code,
            _details(app, note, reference, place, awaiting, actor),
            on=on,
            until=until,
            outcome=outcome,
            open_articles=open_articles,
            clock=app.clock,
        )
    )


@click.command()
@click.argument("code")
@on_option("Day of signature (exact).", required=True)
@details_options
@click.pass_obj
def sign(app, code, on, note, reference, place, awaiting, actor) -> None:
    """Record the signature; an agreement at the MFA moves to signing.

    \b
    Example:
      agreements sign RA-CHE --on 2016-10-10 --place Bern
    """
    from agreements.writes.commands import sign as sign_agreement  # lazy: loaded when the command runs

    _report(
        sign_agreement(app.db, code, _details(app, note, reference, place, awaiting, actor), on=on, clock=app.clock)
    )


@click.command()
@click.argument("code")
@click.argument("text")
@on_option()
@click.option("--ref", "reference", metavar="TEXT", help="Document behind it.")
@click.option("--awaiting", type=HOLDER, help="Who holds the next move now.")
@actor_option
@click.pass_obj
def note(app, code, text, on, reference, awaiting, actor) -> None:
    """Add a note to an agreement's history; it changes no stage.

    \b
    Example:
      agreements note RA-TUR "Called the MFA desk, no answer yet" --ref "tel. 2026-11-20"
    """
    from agreements.writes.commands import add_note  # lazy: loaded when the command runs

    _report(add_note(app.db, code, text, _details(app, None, reference, None, awaiting, actor), on=on, clock=app.clock))


COMMANDS = [advance, suspend, resume, terminate, round_, sign, note]
