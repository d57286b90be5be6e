"""Commands about the tracker itself: init, workflow."""

from __future__ import annotations

import click

from agreements.cli.options import format_option


@click.command()
@click.pass_obj
def init(app) -> None:
    """Create the database, or upgrade it to the current schema.

    Safe to run any number of times.

    \b
    Example:
      agreements init
      agreements --db postgresql+psycopg://tracker@dbhost/agreements init
    """
    from agreements.store.migrate import upgrade

    app.db.allow_create = True
    before, after = upgrade(app.db)
    if before == after:
        click.echo(f"Database at {app.db.display_url} is up to date (schema {after}).")
    elif before is None:
        click.echo(f"Created the database at {app.db.display_url} (schema {after}).")
    else:
        click.echo(f"Upgraded the database at {app.db.display_url} from schema {before} to {after}.")


@click.command()
@format_option("text", "mermaid")
def workflow(fmt: str) -> None:
    """Print the lifecycle: stages (English / Azerbaijani) and allowed moves.

    \b
    Example:
      agreements workflow
      agreements workflow --format mermaid > lifecycle.mmd
    """
    from workflows.diagram import as_mermaid, as_text

    click.echo(as_mermaid() if fmt == "mermaid" else as_text())


@click.command()
@click.argument("code", required=False)
@click.pass_obj
def verify(app, code) -> None:
    """Check that stored history is unaltered: recompute every hash chain.

    Each event carries a hash of its content and of the previous event's
    hash; a changed, removed or reordered event breaks the chain. Exit code 1
    names the first broken event of each agreement.

    \b
    Example:
      agreements verify
      agreements verify RA-MDA
    """
    from agreements.errors import DomainError
    from agreements.reads.verify import verify as check

    result = check(app.db, code)
    if result.breaks:
        raise DomainError("; ".join(str(b) for b in result.breaks))
    click.echo(f"All {result.agreements} chain(s) intact ({result.events} events).")


COMMANDS = [init, workflow, verify]
