"""Commands about agreements: add, list, show, history."""

from __future__ import annotations

import click

from agreements.cli import output
from agreements.cli.options import DATE, HOLDER, KIND, STAGE, actor_option, format_option, lang_option, on_option
from workflows.date_forms import when_of

LIST_COLUMNS = (
    "code",
    "kind",
    "parties",
    "stage",
    "stage_since",
    "stage_since_precision",
    "awaiting",
    "signed_on",
    "in_force_on",
    "parent",
    "officer",
    "title_en",
    "title_az",
)


@click.command()
@click.argument("code")
@click.option("--title-az", required=True, metavar="TEXT", help="Title in Azerbaijani.")
@click.option("--title-en", required=True, metavar="TEXT", help="Title in English.")
@click.option("--kind", required=True, type=KIND, help="Kind of agreement.")
@click.option(
    "--party",
    "parties",
    multiple=True,
    required=True,
    metavar="CODE",
    help="Counterpart: ISO 3166 alpha-3 (MDA) or an organisation (EU, IOM). Repeat for several.",
)
@click.option("--parent", metavar="CODE", help="The agreement this one implements or amends.")
@click.option("--officer", metavar="NAME", help="Responsible officer.")
@on_option("Day the record opens (default: today).")
@click.option(
    "--stage",
    type=STAGE,
    default="draft",
    show_default=True,
    help="Stage it enters at (for negotiations already under way).",
)
@click.option("--awaiting", type=HOLDER, help="Who holds the next move.")
@click.option("--note", metavar="TEXT", help="A remark for the opening entry.")
@click.option("--ref", "reference", metavar="TEXT", help="Document behind it.")
@actor_option
@click.pass_obj
def add(
    app, code, title_az, title_en, kind, parties, parent, officer, on, stage, awaiting, note, reference, actor
) -> None:
    """Add an agreement; its history opens with one entry.

    \b
    Example:
      agreements add RA-GEO --kind readmission --party GEO \\
        --title-az "Azərbaycan Respublikası ilə Gürcüstan arasında readmissiya haqqında Saziş" \\
        --title-en "Agreement between Azerbaijan and Georgia on readmission" \\
        --officer "L. Mammadova" --on 2026-11-02
    """
    from agreements.writes.commands import add_agreement

    done = add_agreement(
        app.db,
        code,
        title_az=title_az,
        title_en=title_en,
        kind=kind,
        parties=parties,
        parent=parent,
        officer=officer,
        on=on,
        stage=stage,
        awaiting=awaiting,
        note=note,
        reference=reference,
        actor=app.actor(actor),
        clock=app.clock,
    )
    opened = done.event
    click.echo(f"Added {done.code} at {done.stage} on {when_of(opened).label()}.")


def _known_on_option(f):
    return click.option(
        "--known-on",
        "known_on",
        type=DATE,
        help="The record as the tracker held it at the end of that day: later entries and imports left out. "
        "Example: --known-on 2025-12-31",
    )(f)


@click.command("list")
@click.option("--stage", type=STAGE, help="Only agreements in this stage.")
@click.option("--party", metavar="CODE", help="Only agreements with this counterpart.")
@click.option("--kind", type=KIND, help="Only agreements of this kind.")
@click.option("--as-of", "as_of", type=DATE, help="The pipeline as it stood at the end of that day.")
@_known_on_option
@click.option(
    "--all", "include_void", is_flag=True, help="Also agreements voided as entered by mistake. Example: list --all"
)
@format_option("table", "json", "csv")
@lang_option
@click.pass_obj
def list_(app, stage, party, kind, as_of, known_on, include_void, fmt, lang) -> None:
    """List agreements with their current stage and whose move it is.

    With --as-of, each agreement as it stood at the end of that day (those
    whose history says nothing about it yet are left out).

    \b
    Example:
      agreements list
      agreements list --stage mfa
      agreements list --party RUS --format json
      agreements list --as-of 2016-07-01
      agreements list --known-on 2025-12-31
    """
    if known_on is not None:
        from agreements.reads.known_list import list_known
        from workflows.inputs import normalise_party

        party = normalise_party(party) if party else None
        rows = list_known(app.db, known_on, app.clock.zone, as_of=as_of, stage=stage, party=party, kind=kind)
    elif as_of is not None:
        from agreements.reads.listing import list_as_of

        rows = list_as_of(app.db, as_of, stage=stage, party=party, kind=kind, voided=include_void)
    else:
        from agreements.reads.listing import list_agreements

        rows = list_agreements(app.db, stage=stage, party=party, kind=kind, voided=include_void)
    # as of a day, each answer says how sure it is (certain, possible, not yet recorded)
    columns = (*LIST_COLUMNS, "certainty", "possibly", "stage_since_label") if as_of else LIST_COLUMNS
    if not output.emit_data(rows, fmt, columns):
        for row in rows:
            row["stage_text"] = output.stage_text(row["stage"], lang)
            row["since_text"] = output.since_text(row, lang)
            row["title"] = output.shorten(row["title_az" if lang == "az" else "title_en"], 60)
        click.echo(
            output.table(
                rows,
                [
                    ("code", "code"),
                    ("stage_text", "stage"),
                    ("since_text", "since"),
                    ("awaiting", "awaiting"),
                    ("parties", "counterparts"),
                    ("title", "title"),
                ],
                wrap={"parties": 24},
            )
        )
        uncertain = sum(1 for row in rows if row["stage"] is None)
        click.echo(
            f"{len(rows) - uncertain} agreement(s)"
            + (f" as of {as_of.isoformat()}" if as_of else "")
            + (f"; {uncertain} possibly begun or not yet recorded by then" if uncertain else "")
        )


def _print_agreement(agreement: dict, lang: str) -> None:
    title = output.printable(agreement["title_az"] if lang == "az" else agreement["title_en"])
    other = output.printable(agreement["title_en"] if lang == "az" else agreement["title_az"])
    lines = [
        f"{agreement['code']}  {title}",
        f"  {other}",
    ]
    if agreement.get("as_of"):
        lines.append(f"  as of:        {agreement['as_of']}")
    lines += [
        f"  kind:         {agreement['kind']}",
        f"  counterparts: {', '.join(agreement['parties'])}",
        f"  stage:        {output.stage_text(agreement['stage'], lang)} since {output.since_text(agreement, lang)}"
        if agreement["stage"]
        else f"  stage:        unknown: {agreement['stage_since_label']}",
        f"  awaiting:     {agreement['awaiting'] or '-'}",
    ]
    for key, label in (
        ("suspended_from", "suspended from"),
        ("signed_on", "signed on"),
        ("in_force_on", "in force since"),
        ("parent", "implements"),
        ("officer", "officer"),
    ):
        if agreement.get(key):
            lines.append(f"  {label + ':':<13} {output.printable(str(agreement[key]))}")
    lines += output.after_signature_lines(agreement, lang)
    click.echo("\n".join(lines))


def _print_events(events: list[dict], lang: str) -> None:
    for event in events:
        output.describe_event(event, lang)
    click.echo(
        output.table(
            events,
            [
                ("seq", "#"),
                ("when", "date"),
                ("kind", "event"),
                ("what", "stage"),
                ("place", "place"),
                ("awaiting", "awaiting"),
                ("actor", "by"),
                ("details", "details"),
            ],
            wrap={"details": 60, "what": 34},
        )
    )


def _order_option(f):
    return click.option(
        "--order",
        type=click.Choice(("date", "recorded")),
        default="date",
        show_default=True,
        help="List events by the day they happened (ties, and undated entries, as recorded) "
        "or in the order they were recorded.",
    )(f)


@click.command()
@click.argument("code")
@click.option("--as-of", "as_of", type=DATE, help="Show the agreement as it stood at the end of that day.")
@_known_on_option
@_order_option
@format_option("table", "json")
@lang_option
@click.pass_obj
def show(app, code, as_of, known_on, order, fmt, lang) -> None:
    """Show one agreement, now or as it stood on a day.

    The table ends with its five latest entries by date (with --order
    recorded: the five recorded last).

    \b
    Example:
      agreements show RA-CHE
      agreements show RA-MDA --as-of 2016-07-01
      agreements show RA-MDA --order recorded
      agreements show RA-MDA --known-on 2025-12-31 --as-of 2016-07-01
    """
    from agreements.reads.agreement import show as show_agreement

    agreement, events = show_agreement(app.db, code, app.clock.zone, as_of, order, known_on)
    if fmt == "json":
        output.emit_json({**agreement, "history": events})
        return
    _print_agreement(agreement, lang)
    if agreement.get("parties_table"):
        click.echo("")
        click.echo(output.parties_table(agreement["parties_table_az" if lang == "az" else "parties_table"], lang))
    click.echo("")
    _print_events(events[-5:], lang)
    if len(events) > 5:
        click.echo(f"({len(events) - 5} earlier entries: agreements history {agreement['code']})")


@click.command()
@click.argument("code")
@_known_on_option
@_order_option
@format_option("table", "json", "csv")
@lang_option
@click.pass_obj
def history(app, code, known_on, order, fmt, lang) -> None:
    """The full timeline of one agreement, by date or in the order it was recorded.

    Dates are when things happened, as exactly as they are known ("no later
    than 31 December 2016" is placed on that day, "2011" on its last day);
    recorded_at (in JSON and CSV)
    is when they were entered, Asia/Baku. By date, events of the same day keep
    the order they were recorded in, and an entry of unknown date stays right
    after the entry recorded before it; # (seq) is the recording order.

    \b
    Example:
      agreements history RA-MDA
      agreements history RA-MDA --order recorded
      agreements history RA-MDA --format csv > ra-mda.csv
      agreements history RA-MDA --known-on 2025-12-31
    """
    if known_on is not None:
        from agreements.reads.agreement import show as show_agreement

        agreement, events = show_agreement(app.db, code, app.clock.zone, None, order, known_on)
    else:
        from agreements.reads.agreement import history as load_history

        agreement, events = load_history(app.db, code, app.clock.zone, order)
    if fmt == "json":
        output.emit_json({"agreement": agreement, "history": events})
    elif fmt == "csv":
        output.emit_csv(events, output.EVENT_COLUMNS)
    else:
        _print_agreement(agreement, lang)
        click.echo("")
        _print_events(events, lang)


COMMANDS = [add, list_, show, history]
