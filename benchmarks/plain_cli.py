"""The reference of the whole-process timings: a short command-line script
that imports click and the database's driver (``sqlite3`` or ``psycopg``)
and nothing else of the tracker, runs the hand-written SQL of the same
command (``benchmarks.reference_sql``, ``benchmarks.reference_stall``) and
prints the rows as a plain table.

    .venv/bin/python -m benchmarks.plain_cli --db sqlite:////tmp/archive.db history RA-MDA
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import click

from benchmarks import reference_sql as ref


def _line(*cells: Any) -> None:
    click.echo("  ".join("" if c is None else str(c) for c in cells))


@click.group()
@click.option("--db", "url", required=True, help="Database URL. Example: --db sqlite:////tmp/archive.db")
@click.pass_context
def main(ctx: click.Context, url: str) -> None:
    """Plain reads of the tracker's tables."""
    ctx.obj = ref.connect(url)
    ctx.call_on_close(ctx.obj.close)


@main.command("list")
@click.pass_obj
def list_(c: ref.Plain) -> None:
    """Every agreement, by code."""
    rows, parties = ref.listing(c)
    for aid, code, title_en, _title_az, _kind, stage, since, precision, awaiting in rows:
        _line(code, stage, since, precision, awaiting, ", ".join(parties.get(aid, [])), title_en[:60])


def _events(events: list[Any]) -> None:
    for event in events:
        # id, agreement_id, seq, kind, from_stage, to_stage, occurred_on, date_precision, ...
        _line(event[2], event[6], event[3], event[4], event[5], (event[10] or "")[:60])


@main.command()
@click.argument("code")
@click.pass_obj
def show(c: ref.Plain, code: str) -> None:
    """One agreement and its events."""
    head, events = ref.history(c, code)
    if not head:
        raise click.ClickException(f"no agreement {code}")
    _aid, code, title_en, title_az, kind, officer, stage, since, precision, awaiting, signed, in_force, count, _p = (
        head[0]
    )
    _line(code, title_en)
    _line(" ", title_az)
    for name, value in (("kind", kind), ("officer", officer), ("stage", f"{stage} since {since} ({precision})")):
        _line(" ", f"{name}:", value)
    for name, value in (("awaiting", awaiting), ("signed", signed), ("in force", in_force), ("events", count)):
        _line(" ", f"{name}:", value)
    _line(" ", "counterparts:", ", ".join(r[-1] for r in head if r[-1]))
    _events(events)


@main.command()
@click.argument("code")
@click.pass_obj
def history(c: ref.Plain, code: str) -> None:
    """One agreement's events."""
    head, events = ref.history(c, code)
    if not head:
        raise click.ClickException(f"no agreement {code}")
    _line(head[0][1], head[0][2])
    _events(events)


@main.command()
@click.pass_obj
def stalled(c: ref.Plain) -> None:
    """Flagged agreements, most severe first."""
    from zoneinfo import ZoneInfo  # what the command needs, loaded by the command (as the tracker does)

    from benchmarks.reference_stall import stalled as flagged  # (idem)

    today = datetime.now(ZoneInfo("Asia/Baku")).date()
    rows = flagged(c, today)
    for code, stage, since, days, limit, level, awaiting, _ack in rows:
        _line(code, stage, since, f"{days}/{limit}", level, awaiting)
    _line(f"{len(rows)} stalled agreement(s) as of {today.isoformat()}")


if __name__ == "__main__":
    main()
