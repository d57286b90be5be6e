"""Commands after signature: a party's act, the entry-into-force rule (with
a fixed term and notice periods), the obligations that follow."""

from __future__ import annotations

import click

from agreements.cli import output
from agreements.cli.options import DATE, WHEN, WHEN_FORMS, actor_option, format_option, lang_option
from workflows.acts import ACT_KINDS
from workflows.date_forms import on_phrase, when_of


@click.command()
@click.argument("code")
@click.option(
    "--party",
    required=True,
    metavar="CODE",
    help="Who acted: AZE, the counterpart (ISO 3166 alpha-3) or an organisation. Example: --party RUS",
)
@click.option(
    "--kind",
    "kind",
    required=True,
    type=click.Choice(ACT_KINDS),
    help="The act. Example: --kind notification",
)
@click.option(
    "--on",
    "on",
    type=WHEN,
    required=True,
    help=f"The day it was done, or sent. Any of: {WHEN_FORMS}. Example: --on 2014-07-10",
)
@click.option(
    "--received",
    type=WHEN,
    help="The day it was received (a notification counts when received), in any form --on takes. "
    "Example: --received 2014-07-15",
)
@click.option(
    "--instrument",
    metavar="TEXT",
    help='The instrument of approval or ratification and its number. Example: --instrument "Law No. 1218-IVQ"',
)
@click.option(
    "--ref", "reference", metavar="TEXT", help='The document behind it. Example: --ref "note verbale No. 4/118"'
)
@click.option("--place", metavar="TEXT", help="Where it was done. Example: --place Brüssel")
@click.option("--note", metavar="TEXT", help='A remark for the history. Example: --note "Received by the MFA"')
@actor_option
@click.pass_obj
def act(app, code, party, kind, on, received, instrument, reference, place, note, actor) -> None:
    """Record one party's act: signature, approval, ratification, notification...

    Azerbaijan is the party AZE of every agreement; a party joining later
    records its accession first. A notification reports the party's internal
    procedures complete: its approval or ratification must be recorded first
    (undated, --on unknown, when its day is not known). An act may be filed
    with its real date back to the agreement's opening.

    \b
    Example:
      agreements act RA-EU --party EU --kind approval --on 2014-04-14 --instrument "Council Decision 2014/239/EU"
      agreements act RA-EU --party EU --kind notification --on 2014-07-10 --received 2014-07-15
      agreements act RA-CHE --party AZE --kind ratification --on unknown --instrument "Law of the Republic"
    """
    from agreements.writes.after import record_act
    from agreements.writes.commands import Details

    details = Details(actor=app.actor(actor), note=note, reference=reference, place=place)
    done = record_act(
        app.db,
        code,
        details,
        party=party,
        kind=kind,
        on=on,
        received=received,
        instrument=instrument,
        clock=app.clock,
    )
    event = done.event
    kind_words = (event.act_kind or "").replace("_", " ")
    click.echo(f"{done.code}: {event.party} {kind_words} recorded {on_phrase(when_of(event))} as #{event.seq}.")


@click.command("entry-rule")
@click.argument("code")
@click.argument("rule")
@click.option(
    "--after",
    metavar="CODE",
    help="Not before this other agreement enters into force. Example: --after RA-EU",
)
@click.option(
    "--committee",
    is_flag=True,
    help="Only after the joint committee is notified (implementing protocols). Example: --committee",
)
@click.option(
    "--binding/--non-binding",
    default=None,
    help="Whether it binds under international law (default: by its kind; memoranda and joint "
    "declarations do not). Example: --non-binding",
)
@click.option(
    "--on",
    "on",
    type=WHEN,
    help=f"The day the text set it (default: today). Any of: {WHEN_FORMS}. Example: --on 2014-02-28",
)
@click.option(
    "--term-years",
    type=click.IntRange(1, 99),
    help="A fixed term, in years from entry into force. Example: --term-years 5",
)
@click.option(
    "--notice-months",
    type=click.IntRange(1, 99),
    help="Notice against renewal, months before the term ends. Example: --notice-months 6",
)
@click.option(
    "--renewal",
    type=click.Choice(["automatic"]),
    help="Renewed for the same term unless notice is given. Example: --renewal automatic",
)
@click.option(
    "--exit-notice",
    metavar="PERIOD",
    help="After a withdrawal is received, termination or suspension takes effect in "
    "this period: 6m (months), 30d (days), 0d (on receipt). Example: --exit-notice 6m",
)
@click.option("--ref", "reference", metavar="TEXT", help='The clause. Example: --ref "Article 22(2)"')
@click.option("--note", metavar="TEXT", help="A remark for the history. Example: --note 'as initialled'")
@actor_option
@click.pass_obj
def entry_rule(
    app,
    code,
    rule,
    after,
    committee,
    binding,
    on,
    term_years,
    notice_months,
    renewal,
    exit_notice,
    reference,
    note,
    actor,
) -> None:
    """Record the rule by which an agreement enters into force.

    RULE is one of: on-signature, on-last-notification,
    days-after-last-notification:N, first-day-of-month-after-last-notification:N,
    fixed-period-then-first-of-month:N (months), by-exchange-of-notes, or none
    (a non-binding instrument). `show` then computes the expected date from
    the parties' acts, or says what it is waiting for. A fixed term, its
    renewal and notice periods give dated obligations (`agreements obligations`).

    \b
    Example:
      agreements entry-rule RA-EU first-day-of-month-after-last-notification:2 --on 2014-02-28 --ref "Article 22(2)"
      agreements entry-rule IP-DEU days-after-last-notification:30 --after RA-EU --committee
      agreements entry-rule RA-CHE days-after-last-notification:30 --term-years 5 --notice-months 6 --renewal automatic
    """
    from agreements.writes.after import record_entry_rule
    from agreements.writes.commands import Details

    details = Details(actor=app.actor(actor), note=note, reference=reference)
    terms = [f"term={term_years}"] if term_years else []
    terms += [f"notice={notice_months}"] if notice_months else []
    terms += [f"renewal={renewal}"] if renewal else []
    terms += [f"exit={exit_notice}"] if exit_notice else []
    done = record_entry_rule(
        app.db,
        code,
        rule,
        details,
        after=after,
        committee=committee,
        binding=binding,
        terms=";".join(terms),
        on=on,
        clock=app.clock,
    )
    click.echo(f"{done.code}: entry-into-force rule {done.event.entry_rule} recorded as #{done.event.seq}.")


OBLIGATION_COLUMNS = ("code", "what", "due", "status", "obligation_en", "obligation_az", "basis_en", "basis_az")


@click.command()
@click.option(
    "--as-of",
    "as_of",
    type=DATE,
    help="Fixed terms renewed up to that day; open ones past it are late (default: today). Example: --as-of 2026-12-01",
)
@click.option("--open", "only_open", is_flag=True, help="Only the obligations not yet done. Example: --open")
@format_option("table", "json", "csv")
@lang_option
@click.pass_obj
def obligations(app, as_of, only_open, fmt, lang) -> None:
    """List the dated obligations after signature: UN registration after entry
    into force (UN Charter Art. 102), publication after approval, the lists of
    competent authorities within 30 days (implementing protocols), the day a
    termination or suspension takes effect, the end of a fixed term and the
    last day to give notice against its renewal. Done when the act is recorded
    (registration, publication, authorities_list) or the agreement ended.

    \b
    Example:
      agreements obligations --open
      agreements obligations --as-of 2026-12-01 --format json
    """
    from agreements.reads.obligations import obligation_rows

    day = as_of or app.clock.today()
    rows = [r for r in obligation_rows(app.db, day) if not only_open or r["status"] == "open"]
    if output.emit_data(rows, fmt, OBLIGATION_COLUMNS):
        return
    az = lang == "az"
    for row in rows:
        row["obligation"] = row["obligation_az" if az else "obligation_en"]
        row["basis"] = row["basis_az" if az else "basis_en"]
        late = (
            row["status"] == "open"
            and row["due"] < day.isoformat()
            and row["what"] not in ("registration", "publication")
        )
        row["state"] = ("gecikir" if az else "late") if late else row["status"]
    columns = [("code", "code"), ("due", "due"), ("state", "status"), ("obligation", "obligation"), ("basis", "from")]
    click.echo(output.table(rows, columns))
    click.echo(f"{len(rows)} obligation(s) as of {day.isoformat()}")


COMMANDS = [act, entry_rule, obligations]
