"""Import and export of agreements with their history."""

from __future__ import annotations

import sys

import click

from agreements.cli.options import actor_option


@click.command("import")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(("json", "csv")),
    help="File format (default: from the file name; JSON otherwise).",
)
@actor_option
@click.pass_obj
def import_(app, file, fmt, actor) -> None:
    """Load agreements and their history from a JSON or CSV file.

    Importing the same file twice changes nothing; a file that contradicts the
    stored history is refused whole. See README.md for the format.

    \b
    Example:
      agreements import data/seed_history.json
      agreements export | agreements --db other.db import -
    """
    from agreements.errors import BadInput  # lazy: loaded when the command runs (cli/__init__.py)
    from agreements.transfer.importer import import_records  # lazy: keeps --help light
    from agreements.transfer.reading import read_records  # lazy: keeps --help light

    try:
        if file == "-":
            text = sys.stdin.read()
        else:
            with open(file, encoding="utf-8", newline="") as handle:
                text = handle.read()
    except FileNotFoundError:
        raise BadInput(f"{file}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInput(f"{file}: cannot read it ({exc})") from None
    records = read_records(text, file, fmt)
    report = import_records(app.db, records, app.clock, actor=app.actor(actor))
    click.echo(
        f"Imported {report.agreements_added} new agreement(s) and {report.events_added} event(s); "
        f"{report.agreements_unchanged} agreement(s) already up to date."
    )


@click.command()
@click.option(
    "--format", "fmt", type=click.Choice(("json", "csv")), default="json", show_default=True, help="Output format."
)
@click.option(
    "--out", type=click.Path(dir_okay=False, writable=True), help="Write to this file instead of standard output."
)
@click.pass_obj
def export(app, fmt, out) -> None:
    """Write every agreement and its whole history (a logical backup).

    \b
    Example:
      agreements export > backup.json
      agreements export --format csv --out history.csv
    """
    from agreements.transfer.exporter import iter_agreements, write_csv, write_json  # lazy: keeps --help light

    writer = write_csv if fmt == "csv" else write_json
    if out:
        from agreements.errors import BadInput  # lazy: only a failing --out needs it

        try:
            handle = open(out, "w", encoding="utf-8", newline="")  # noqa: SIM115 - closed by the with below; only opening turns into BadInput
        except OSError as exc:
            raise BadInput(f"cannot write {out}: {exc.strerror}") from None
        with handle:
            writer(iter_agreements(app.db), handle)
    else:
        writer(iter_agreements(app.db), sys.stdout)


COMMANDS = [import_, export]
