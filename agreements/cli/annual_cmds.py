"""`agreements report annual`: the year's section on agreements of the
service's annual report (registered on the `report` group of query_cmds)."""

from __future__ import annotations

import click

from agreements.cli import output
from workflows.locales import LOCALES

FORMATS = ("md", "html", "docx")
# a format named by --out's extension when --format is not given
_BY_SUFFIX = {".md": "md", ".html": "html", ".htm": "html", ".docx": "docx"}


@click.command("annual")
@click.option(
    "--year",
    type=click.IntRange(1000, 9999),
    required=True,
    help="The year the section covers (four digits). Example: --year 2016",
)
@click.option(
    "--lang",
    type=click.Choice(LOCALES),
    envvar="AGREEMENTS_LANG",
    default="en",
    show_default=True,
    help="Language of the section ($AGREEMENTS_LANG). Example: --lang az",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    help="md or html (to the terminal or --out), docx (needs --out); default: by --out's extension, "
    "else md. Example: --format html",
)
@click.option(
    "--out",
    metavar="FILE",
    type=click.Path(dir_okay=False),
    help="Write to FILE instead of the terminal, whole or not at all. Example: --out report-2016-az.docx",
)
@click.option(
    "--templates",
    metavar="DIR",
    type=click.Path(exists=True, file_okay=False),
    help="A folder of edited templates; its files replace the shipped ones of the same name "
    "(docs/annual-report.md). Example: --templates ~/annual-templates",
)
@click.pass_obj
def annual(app, year, lang, fmt, out, templates) -> None:
    """The year's section on agreements of the annual report, from the history.

    Agreements grouped by counterpart, then kind; one paragraph each saying
    what happened that year: rounds with their dates and places, texts sent
    to the MFA or the counterpart, letters, signatures, entry into force.
    Uncertain dates stay uncertain ("no later than 31 December 2016");
    corrections are applied, retracted events and voided agreements left out.

    \b
    Example:
      agreements report annual --year 2016 --lang az
      agreements report annual --year 2016 --lang az --out hesabat-2016.docx
      agreements report annual --year 2016 --format html --out report-2016.html
    """
    from pathlib import Path

    from agreements.annual.report import annual_report

    fmt = fmt or _BY_SUFFIX.get(Path(out).suffix.lower() if out else "", "md")
    if fmt == "docx" and not out:
        raise click.UsageError("--format docx needs --out FILE (a Word document is not for the terminal)")
    written = annual_report(app.db, year, lang, fmt, app.clock.zone, templates)
    if out:
        content = written.content
        if isinstance(content, bytes):
            output.write_whole(out, lambda handle: handle.buffer.write(content))
        else:
            output.write_whole(out, lambda handle: handle.write(content))
        click.echo(written.empty or f"Wrote {out} ({written.agreements} agreement(s)).")
    else:
        click.echo(written.content, nl=False)
