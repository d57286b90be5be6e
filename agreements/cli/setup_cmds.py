"""Commands about the tracker itself: init, workflow, verify, help."""

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
@click.option(
    "--against",
    "anchors",
    metavar="ROOT|FILE",
    multiple=True,
    help="Also prove that the history extends an anchor kept earlier: a root line (ROOT_HEX@ISO_MOMENT), "
    "a file of saved root lines (each is checked), or an export whose events carry their hashes. Repeatable.",
)
@click.option(
    "--save-root",
    "save_root",
    metavar="FILE",
    type=click.Path(dir_okay=False),
    help="When everything verifies, append the root line to FILE (keep it outside the database).",
)
@click.pass_obj
def verify(app, code, anchors, save_root) -> None:
    """Check that stored history is unaltered: recompute every hash chain.

    Each event carries a hash of its content and of the previous event's
    hash; a changed, removed or reordered event breaks the chain. Each
    history is also replayed through the lifecycle rules: every column the
    history decides (stage, dates, who holds the move, summaries) must be
    what the row says, and the agreement's own fields (titles, kind,
    counterparts, parent, officer) what its history recorded. Exit code 1
    names the first difference of each agreement.

    Without CODE it prints the root: one hash over every chain, with the
    moment it covers (ROOT_HEX@ISO_MOMENT). Someone who can write the
    database file can rewrite and rehash a whole chain; keep roots where they
    cannot reach (a file on another machine, a printed page, a mail): a root
    kept earlier proves with --against that the history recorded up to its
    moment is unchanged. The weekly digest's footer carries one too, and an
    export (JSON or CSV) carries every event's hash.

    \b
    Example:
      agreements verify
      agreements verify RA-MDA
      agreements verify --save-root /mnt/audit/agreements-roots.txt
      agreements verify --against /mnt/audit/agreements-roots.txt
      agreements verify --against "$(tail -n 1 /mnt/audit/agreements-roots.txt)"
      agreements verify --against backup-2026-12-01.json
    """
    from agreements.errors import BadInput, DomainError
    from agreements.reads.anchor import check_export
    from agreements.reads.anchor_files import exported_chains, read_anchor
    from agreements.reads.verify import verify as check

    if code is not None and (anchors or save_root):
        raise click.UsageError("--against and --save-root concern every agreement: leave out CODE")
    files = [read_anchor(value) for value in anchors]
    roots = [root for anchor in files for root in anchor.roots]
    result = check(app.db, code, roots)
    problems = result.findings + result.anchor_mismatches
    extended = [label for label, _root in roots]
    for anchor in files:
        if anchor.export is not None and not problems:
            difference, compared = check_export(app.db, exported_chains(anchor))
            if difference is not None:
                problems.append(f"{difference} ({anchor.name})")
            extended.append(f"the export {anchor.name} ({compared} events)")
    if problems:
        shown = problems[:20] + ([f"and {len(problems) - 20} more"] if len(problems) > 20 else [])
        raise DomainError("; ".join(shown))
    click.echo(f"All {result.agreements} chain(s) intact ({result.events} events).")
    if result.uncovered:
        named = ", ".join(result.uncovered_codes) + (", …" if result.uncovered > len(result.uncovered_codes) else "")
        click.echo(
            f"Every row matches its history; the own fields of {result.uncovered} agreement(s) ({named}) are not "
            "covered: their history began before openings recorded them."
        )
    else:
        click.echo("Every row matches its history, own fields included.")
    if result.root is not None:
        root = result.root.shown_in(app.clock.zone)
        click.echo(
            f"Root {root.line} covers {root.events} events of {root.agreements} agreement(s) recorded up to that moment."
        )
        if save_root:
            try:
                with open(save_root, "a", encoding="utf-8") as out:
                    out.write(root.line + "\n")
            except OSError as exc:
                raise BadInput(f"cannot append the root to {save_root}: {exc.strerror or exc}") from None
    elif code is None:
        click.echo("Nothing is recorded yet: there is no root to keep.")
    for label in extended:
        click.echo(f"The history extends {label}.")


@click.command("help")
@click.argument("words", nargs=-1, metavar="[COMMAND [SUBCOMMAND]]")
@click.pass_context
def help_(ctx: click.Context, words: tuple[str, ...]) -> None:
    """Print the help of the tracker, of a command or of a subcommand.

    The same as `agreements COMMAND --help`; a bare `agreements` or group
    (`agreements digest`) prints its help too.

    \b
    Example:
      agreements help
      agreements help advance
      agreements help digest send
    """
    from agreements.cli import did_you_mean

    context = ctx.find_root()
    for word in words:
        group = context.command
        if not isinstance(group, click.Group):
            raise click.UsageError(f"`{context.command_path}` has no subcommands (extra word {word!r})", ctx)
        command = group.get_command(context, word)
        if command is None:
            known = group.list_commands(context)
            raise click.UsageError(f"No such command {word!r}.{did_you_mean(word, known)}", context)
        context = click.Context(command, info_name=word, parent=context)
    click.echo(context.get_help())


COMMANDS = [init, workflow, verify, help_]
