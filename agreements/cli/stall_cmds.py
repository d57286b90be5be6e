"""Commands about stalls and configuration: stalled, ack, config show."""

from __future__ import annotations

import click

from agreements.cli import SuggestingGroup, output
from agreements.cli.options import DATE, HOLDER, actor_option, format_option, lang_option

STALL_COLUMNS = (
    "code",
    "title_en",
    "title_az",
    "stage",
    "stage_since",
    "clock_from",
    "clock_counts_from",
    "working_days",
    "threshold",
    "level",
    "awaiting",
    "awaiting_counterpart",
    "acknowledged_until",
    "acknowledgement",
    "waiting_for",
)


@click.command()
@click.option(
    "--as-of", "as_of", type=DATE, help="Judge the history as it stood at the end of that day (default: today)."
)
@click.option("--all", "include_all", is_flag=True, help="Also list acknowledged flags.")
@format_option("table", "json", "csv")
@lang_option
@click.pass_obj
def stalled(app, as_of, include_all, fmt, lang) -> None:
    """List stalled agreements, most severe first, with whose move it is.

    A stage is overdue at its threshold of working days (Asia/Baku, public
    holidays excluded) and critical at twice it; one waiting on the
    counterpart gets a longer threshold and shows "awaiting counterpart": send
    a reminder through diplomatic channels rather than chase a colleague.

    \b
    Example:
      agreements stalled --as-of 2017-03-01
      agreements stalled --all --format json
    """
    from agreements.reads.stalled import stalled as find_stalled  # lazy: loaded when the command runs

    rows = [s.as_dict() for s in find_stalled(app.db, app.config, as_of or app.clock.today(), include_all)]
    if output.emit_data(rows, fmt, STALL_COLUMNS):
        return
    for row in rows:
        row["title"] = output.shorten(row["title_az" if lang == "az" else "title_en"], 40)
        row["stage_text"] = output.stage_text(row["stage"], lang)
        row["days"] = f"{row['working_days']}/{row['threshold']}"
        row["move"] = "awaiting counterpart" if row["awaiting_counterpart"] else (row["awaiting"] or "")
        if row["waiting_for"]:  # once signed: who the entry into force waits for
            row["move"] = row["waiting_for_az" if lang == "az" else "waiting_for"]
        row["ack"] = f"until {row['acknowledged_until']}" if row["acknowledged_until"] else ""
    columns = [
        ("code", "code"),
        ("title", "title"),
        ("stage_text", "stage"),
        ("stage_since", "in stage since"),
        ("days", "working days/threshold"),
        ("level", "level"),
        ("move", "whose move"),
    ]
    if include_all:
        columns.append(("ack", "acknowledged"))
    click.echo(output.table(rows, columns))
    for row in rows:  # where the stage's entry is known only within bounds, say which bound counts
        if row["clock_counts_from"] and row["clock_counts_from"].startswith("the latest day"):
            click.echo(
                output.fit(f"{row['code']}: working days counted from {row['clock_from']}, {row['clock_counts_from']}.")
            )
    click.echo(f"{len(rows)} stalled agreement(s) as of {(as_of or app.clock.today()).isoformat()}")


@click.command()
@click.argument("code")
@click.option("--until", type=DATE, required=True, help="Until when the flag may rest (it comes back by itself after).")
@click.option("--note", required=True, metavar="TEXT", help='What we are waiting for, e.g. "waiting on the MFA reply".')
@click.option("--on", type=DATE, help="Day of the acknowledgement (default: today).")
@click.option("--ref", "reference", metavar="TEXT", help="Document behind it.")
@click.option("--awaiting", type=HOLDER, help="Who holds the next move now.")
@actor_option
@click.pass_obj
def ack(app, code, until, note, on, reference, awaiting, actor) -> None:
    """Acknowledge a stall: "we know, waiting on X until then".

    The agreement leaves the list of what needs action until that date (it
    still shows with `stalled --all`) and comes back by itself after it.

    \b
    Example:
      agreements ack RA-TUR --until 2026-12-15 --note "MFA promised an answer after the visit"
    """
    from agreements.writes.commands import Details  # lazy: loaded when the command runs
    from agreements.writes.stall_flags import acknowledge  # lazy: loaded when the command runs

    done = acknowledge(
        app.db,
        code,
        Details(actor=app.actor(actor), note=note, reference=reference, awaiting=awaiting),
        until=until,
        on=on,
        clock=app.clock,
    )
    click.echo(f"{done.code}: acknowledged until {until.isoformat()}.")


@click.group(cls=SuggestingGroup)
def config() -> None:
    """The configuration file: thresholds, holidays, schedules.

    Every command that opens the database reads and checks the file first: a
    file that cannot be used stops it, naming the key, before anything is
    read or recorded (exit 1; exit 2 when the file named by --config or
    $AGREEMENTS_CONFIG is not there).

    \b
    Example:
      agreements config show
      agreements --config /etc/agreements/config.toml config show --format json
    """


@config.command("show")
@format_option("text", "json")
@click.pass_obj
def config_show(app, fmt) -> None:
    """Print the effective configuration and where each value came from.

    \b
    Example:
      agreements config show
      agreements --config /etc/agreements/config.toml config show
    """
    cfg = app.config
    rows = cfg.effective()
    if fmt == "json":
        output.emit_json(
            {
                "file": str(cfg.path),
                "loaded": cfg.loaded,
                "settings": [{"key": k, "value": v, "source": s} for k, v, s in rows],
            }
        )
        return
    state = "read" if cfg.loaded else "absent: defaults apply"
    click.echo(f"# configuration file: {cfg.path} ({state})")
    width = max(len(k) for k, _v, _s in rows)
    for key, value, source in rows:
        click.echo(f"{key:<{width}} = {value!r:<24} # {source}")


COMMANDS = [stalled, ack, config]
