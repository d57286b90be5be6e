"""Questions about the past: the log of events, full-text search, reports."""

from __future__ import annotations

import shlex

import click

from agreements.cli import SuggestingGroup, output
from agreements.cli.annual_cmds import annual
from agreements.cli.options import DATE, KIND, MAX_LIMIT, STAGE, Choice, format_option, lang_option

LOG_COLUMNS = ("code", *output.EVENT_COLUMNS)
SEARCH_COLUMNS = ("code", "source", "kind", "on", "date_precision", "snippet", "score")
EVENT_KIND_CHOICES = ("opened", "stage_change", "round", "signature", "note", "ack", "flag", "plan")


@click.command("log")
@click.option(
    "--party", metavar="CODE", help="Only agreements with this counterpart, by code or name. Example: --party Moldova"
)
@click.option("--kind", type=KIND, help="Only agreements of this kind.")
@click.option("--stage", type=STAGE, help="Only events in this stage or moving into it.")
@click.option("--actor", metavar="USER", help="Only events recorded by this user.")
@click.option("--since", type=DATE, help="Only events on or after this day.")
@click.option("--until", type=DATE, help="Only events on or before this day.")
@click.option("--event-kind", type=Choice(EVENT_KIND_CHOICES), help="Only events of this kind.")
@click.option(
    "--grep",
    metavar="TEXT",
    help="Only events whose place, note, outcome, reason or reference has these words (as in `search`).",
)
@click.option("--ignore-diacritics", "fold", is_flag=True, help="With --grep: Kisinyov finds Kişinyov.")
@click.option(
    "--limit",
    type=click.IntRange(min=0, max=MAX_LIMIT),
    default=100,
    show_default=True,
    help="At most N events (0: all).",
)
@format_option("table", "json", "csv")
@lang_option
@click.pass_obj
def log_(app, party, kind, stage, actor, since, until, event_kind, grep, fold, limit, fmt, lang) -> None:
    """Events across all agreements, newest first (undated ones last).

    \b
    Example:
      agreements log --party MDA --event-kind round --limit 1     # when did the Moldova talks last meet, where
      agreements log --since 2016-01-01 --until 2016-12-31 --format csv
      agreements log --grep "02/1097"
    """
    from agreements.reads.log import log

    rows = log(
        app.db,
        party=party,
        kind=kind,
        stage=stage,
        actor=actor,
        since=since,
        until=until,
        event_kind=event_kind,
        grep=grep,
        fold=fold,
        limit=limit or None,
        zone=app.clock.zone,
    )
    if output.emit_data(rows, fmt, LOG_COLUMNS):
        return
    for row in rows:
        output.describe_event(row, lang, open_articles=False)
        row["details"] = output.shorten(row["details"], 80)
    click.echo(
        output.table(
            rows,
            [
                ("when", "date"),
                ("code", "code"),
                ("kind", "event"),
                ("what", "stage"),
                ("place", "place"),
                ("actor", "by"),
                ("details", "details"),
            ],
            wrap={"what": 34, "place": 20},
        )
    )
    click.echo(f"{len(rows)} event(s)" + (" (limit reached; use --limit)" if limit and len(rows) == limit else ""))


@click.command()
@click.argument("text", required=False, default="")
@click.option(
    "--limit", type=click.IntRange(min=1, max=MAX_LIMIT), default=50, show_default=True, help="At most N hits."
)
@click.option("--ignore-diacritics", "fold", is_flag=True, help="Kisinyov finds Kişinyov, Azerbaycan finds Azərbaycan.")
@format_option("table", "json", "csv")
@click.pass_obj
def search(app, text, limit, fold, fmt) -> None:
    """Full-text search over titles, notes, outcomes, places, reasons and
    document references, best hits first.

    Case never matters (İ/i, I/ı and Ə/ə included); words match as
    prefixes (Kişinyov finds Kişinyovda); a quoted or punctuated string is
    searched as words, never as query syntax.

    \b
    Example:
      agreements search Kişinyov
      agreements search kisinyov --ignore-diacritics
      agreements search "02/1097" --format json
    """
    from agreements.reads.search import search as run

    hits = run(app.db, text, limit=limit, fold=fold)
    if output.emit_data(hits, fmt, SEARCH_COLUMNS):
        return
    for hit in hits:
        hit["where"] = hit["date_label"] if hit["source"] == "event" else "(title)"
    click.echo(
        output.table(
            hits, [("code", "code"), ("where", "date"), ("kind", "event"), ("snippet", "match")], wrap={"snippet": 80}
        )
    )
    click.echo(f"{len(hits)} hit(s)")
    if not hits and not fold and text.strip():  # "kisinyov" typed on a keyboard without ş finds Kişinyov so
        folded = len(run(app.db, text, limit=limit, fold=True))
        command = f"agreements search {shlex.quote(text)} --ignore-diacritics"
        click.echo(
            f"With --ignore-diacritics (Kisinyov finds Kişinyov): {folded} hit(s): {command}"
            if folded
            else "Nothing with --ignore-diacritics (Kisinyov finds Kişinyov) either."
        )


@click.group(cls=SuggestingGroup)
def report() -> None:
    """Reports over the history: stage durations, the pipeline, the annual section.

    \b
    Example:
      agreements report pipeline
      agreements report durations --kind readmission
    """


report.add_command(annual)  # agreements/cli/annual_cmds.py


def _num(value):
    if value is None:
        return ""
    return f"{value:g}" if isinstance(value, float) else str(value)


@report.command()
@click.option(
    "--party", metavar="CODE", help="Only agreements with this counterpart, by code or name. Example: --party MDA"
)
@click.option("--kind", type=KIND, help="Only agreements of this kind.")
@format_option("table", "json", "csv")
@click.pass_obj
def durations(app, party, kind, fmt) -> None:
    """Time each agreement spent in each stage (calendar and working days in
    Asia/Baku), and per stage the median and 90th percentile.

    The stage an agreement is in now counts up to today (marked +, for
    ongoing) and is left out of the median and percentile; ~ marks a time
    bounded by a "no later than" date; ? a stay with an unknown date.

    \b
    Example:
      agreements report durations
      agreements report durations --kind readmission --format json
    """
    from agreements.reads.reports import TIMED_STAGES
    from agreements.reads.reports import durations as run

    data = run(app.db, app.config.calendar(), party=party, kind=kind, today=app.clock.today())
    if fmt == "json":
        output.emit_json(data)
        return
    if fmt == "csv":
        rows = [{"code": a["code"], "stage": s, **v} for a in data["agreements"] for s, v in a["stages"].items()]
        output.emit_csv(
            rows, ("code", "stage", "calendar_days", "working_days", "stays", "unknown", "approximate", "ongoing")
        )
        return
    rows = []
    for agreement in data["agreements"]:
        row = {"code": agreement["code"]}
        for stage, v in agreement["stages"].items():
            mark = ("~" if v["approximate"] else "") + ("+" if v["ongoing"] else "") + ("?" if v["unknown"] else "")
            row[stage] = f"{v['calendar_days']}/{v['working_days']}{mark}"
        rows.append(row)
    click.echo("calendar/working days per stage")
    click.echo(output.table(rows, [("code", "code")] + [(s, s) for s in TIMED_STAGES]))
    click.echo("")
    stats = [
        {
            **s,
            "median": f"{_num(s['median_calendar_days'])}/{_num(s['median_working_days'])}" if s["agreements"] else "",
            "p90": f"{_num(s['p90_calendar_days'])}/{_num(s['p90_working_days'])}" if s["agreements"] else "",
        }
        for s in data["stages"]
    ]
    click.echo(
        output.table(
            stats,
            [
                ("stage", "stage"),
                ("agreements", "left it"),
                ("median", "median cal/work"),
                ("p90", "90th pct cal/work"),
            ],
        )
    )


@report.command()
@click.option("--as-of", "as_of", type=DATE, help="As the pipeline stood at the end of that day.")
@format_option("table", "json", "csv")
@click.pass_obj
def pipeline(app, as_of, fmt) -> None:
    """Agreements per stage and per holder of the next move.

    \b
    Example:
      agreements report pipeline
      agreements report pipeline --as-of 2016-07-01
    """
    from agreements.reads.reports import NO_HOLDER
    from agreements.reads.reports import pipeline as run
    from workflows.stages import HOLDERS

    data = run(app.db, as_of)
    columns = ["stage", "total", *HOLDERS, NO_HOLDER] + (["possibly"] if as_of else [])
    if fmt == "json":
        output.emit_json(data)
        return
    if fmt == "csv":
        output.emit_csv(data["stages"], columns)
        return
    rows = [{k: str(v) for k, v in s.items()} for s in data["stages"]]
    rows.append(
        {
            "stage": "all",
            "total": str(data["total"]),
            **{h: str(n) for h, n in data["holders"].items()},
            "possibly": str(data["possibly"]),
        }
    )
    if as_of:
        click.echo(f"as of {as_of.isoformat()}")
    click.echo(output.table(rows, [(c, c) for c in columns]))
    click.echo("".join(f"{w['code']}: {w['sentence_en']}\n" for w in data["entry_into_force"]), nl=False)
    if as_of:
        click.echo(
            f"possibly: in that stage by then, as far as its dates tell, not certainly; "
            f"not yet recorded: {data['not_yet_recorded']}"
        )


COMMANDS = [log_, search, report]
