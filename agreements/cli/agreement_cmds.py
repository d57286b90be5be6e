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
        from agreements.cli import phrases
        from workflows.locales import gettext_for
        from workflows.short_titles import short_title

        _ = gettext_for(lang)
        for row in rows:
            row["stage_text"] = output.stage_text(row["stage"], lang)
            row["since_text"] = phrases.since_text(row, lang)
            row["awaiting_text"] = phrases.holder_text(row["awaiting"], lang) if row["awaiting"] else ""
            row["title"] = short_title(row["parties"], phrases.kind_text(row["kind"], lang))
        click.echo(
            output.table(
                rows,
                [
                    ("code", _("code")),
                    ("stage_text", _("stage")),
                    ("since_text", _("since")),
                    ("awaiting_text", _("awaiting")),
                    ("title", _("title")),  # the short title names the counterparts
                ],
            )
        )
        uncertain = sum(1 for row in rows if row["stage"] is None)
        click.echo(phrases.count_line(len(rows) - uncertain, uncertain, as_of.isoformat() if as_of else None, lang))


def _print_agreement(agreement: dict, lang: str) -> None:
    from agreements.cli import phrases
    from workflows.locales import gettext_for

    _ = gettext_for(lang)
    title = output.printable(agreement["title_az"] if lang == "az" else agreement["title_en"])
    other = output.printable(agreement["title_en"] if lang == "az" else agreement["title_az"])
    fields: list[tuple[str, str]] = []
    if agreement.get("as_of"):
        fields.append((_("as of"), agreement["as_of"]))
    fields += [
        (_("kind"), phrases.kind_text(agreement["kind"], lang)),
        (_("counterparts"), ", ".join(agreement["parties"])),
        (
            _("stage"),
            _("{stage} since {day}").format(
                stage=output.stage_text(agreement["stage"], lang), day=phrases.since_text(agreement, lang)
            )
            if agreement["stage"]
            else _("unknown: {why}").format(why=phrases.since_text(agreement, lang)),
        ),
        (_("awaiting"), phrases.holder_text(agreement["awaiting"], lang)),
    ]
    for key, label in (
        ("suspended_from", _("suspended from")),
        ("signed_on", _("signed on")),
        ("in_force_on", _("in force since")),
        ("parent", _("implements")),
        ("officer", _("officer")),
    ):
        if agreement.get(key):
            value = str(agreement[key])
            fields.append((label, output.stage_text(value, lang) if key == "suspended_from" else value))
    fields += output.after_signature_fields(agreement, lang)
    width = max(len(label) for label, _value in fields)
    lines = [output.fit(f"{agreement['code']}  {title}"), output.fit(f"  {other}")]
    lines += [
        output.fit(f"  {phrases.label(label, width)} {output.printable(value)}", " " * (width + 4))
        for label, value in fields
    ]
    click.echo("\n".join(lines))


def _print_events(events: list[dict], lang: str) -> None:
    from workflows.locales import gettext_for

    _ = gettext_for(lang)
    for event in events:
        output.describe_event(event, lang)
    columns = [
        ("seq", "#"),
        ("when", _("date")),
        ("kind_text", _("event")),
        ("what", _("stage")),
        ("place", _("place")),
        ("awaiting_text", _("awaiting")),
        ("actor", _("by")),
        ("details", _("details")),
    ]
    text = output.table(events, columns, wrap={"details": 60, "what": 34})
    limit = output.terminal_width()
    if limit is not None and max(map(len, text.splitlines()), default=0) > limit:
        # too narrow a terminal for eight columns: the place and whose move lead the details
        for event in events:
            told = [
                _("at {place}").format(place=event["place"]) if event.get("place") else "",
                _("awaiting {holder}").format(holder=event["awaiting_text"]) if event.get("awaiting_text") else "",
                event["details"],
            ]
            event["details"] = " | ".join(part for part in told if part)
        kept = [c for c in columns if c[0] not in ("place", "awaiting_text")]
        text = output.table(events, kept, wrap={"details": 60, "what": 34})
    click.echo(text)


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
        from workflows.locales import ngettext_for

        earlier = len(events) - 5
        ngettext = ngettext_for(lang)
        click.echo(
            ngettext(
                "({n} earlier entry: agreements history {code})",
                "({n} earlier entries: agreements history {code})",
                earlier,
            ).format(n=earlier, code=agreement["code"])
        )


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
