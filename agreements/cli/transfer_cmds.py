"""Import and export of agreements with their history."""

from __future__ import annotations

import contextlib
import sys

import click

from agreements.cli import output
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
    from agreements.transfer.reading import read_file  # lazy: keeps --help light

    try:
        source = sys.stdin.buffer if file == "-" else open(file, "rb")  # noqa: SIM115 - closed below
    except FileNotFoundError:
        raise BadInput(f"{file}: no such file") from None
    except OSError as exc:
        raise BadInput(f"{file}: cannot read it ({exc.strerror})") from None
    try:  # read as a stream: a file is checked as it is read, never held whole
        records = read_file(source, file, fmt)
    except OSError as exc:
        raise BadInput(f"{file}: cannot read it ({exc.strerror})") from None
    finally:
        if file != "-":
            source.close()
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
    "--out",
    type=click.Path(dir_okay=False, writable=True),
    help="Write to this file instead of standard output: whole, or not at all (the file is left as it was).",
)
@click.option(
    "--safe-cells",
    is_flag=True,
    help=(
        "CSV for a spreadsheet: a cell that starts with = + - @, a tab or a carriage return gets a leading "
        "single quote (') so that it is not run as a formula. Not for import: the quotes would become part "
        "of the text. Example: agreements export --format csv --safe-cells --out history.csv"
    ),
)
@click.pass_obj
def export(app, fmt, out, safe_cells) -> None:
    """Write every agreement and its whole history (a logical backup).

    Each event carries its stored hash: an export is an anchor of the
    history as it stood (an import reads the hashes but records none).

    \b
    Example:
      agreements export > backup.json
      agreements export --format csv --out history.csv
      agreements export --format csv --safe-cells --out for-excel.csv
    """
    from functools import partial  # lazy: only when exporting

    from agreements.transfer.exporter import iter_agreements, write_csv, write_json  # lazy: keeps --help light

    if safe_cells and fmt != "csv":
        raise click.UsageError("--safe-cells applies to --format csv only")
    writer = partial(write_csv, safe_cells=safe_cells) if fmt == "csv" else write_json
    # closed at once if writing fails: its snapshot of the database ends with it
    with contextlib.closing(iter_agreements(app.db)) as agreements:
        if out:
            output.write_whole(out, lambda handle: writer(agreements, handle))
        else:
            writer(agreements, sys.stdout)


COMMANDS = [import_, export]
