"""Commands of the weekly digest: recipients, digest preview/send, outbox, plan."""

from __future__ import annotations

import click

from agreements.cli import SuggestingGroup, output
from agreements.cli.options import DATE, KIND, WEEK, Choice, actor_option
from agreements.digest.iso_week import current_week
from agreements.digest.statuses import QUEUED, STATUSES
from workflows.locales import LOCALES

LOCALE = Choice(LOCALES)
WEEK_HELP = "ISO week, e.g. 2026-W48 (default: this week in Asia/Baku)."


def _week(app, week: str | None) -> str:
    return week or current_week(app.clock)


# --------------------------------------------------------------------------- recipients


@click.group(cls=SuggestingGroup)
def recipients() -> None:
    """Who gets the weekly digest, in which language, following what.

    \b
    Example:
      agreements recipients add leyla@migration.gov.az --name "Leyla Məmmədova" --locale az
      agreements recipients edit leyla@migration.gov.az --party MDA --party Georgia
      agreements recipients list
    """


@recipients.command("add")
@click.argument("email")
@click.option("--name", required=True, metavar="TEXT", help="Name shown in the greeting and the To header.")
@click.option("--locale", "--lang", "locale", type=LOCALE, required=True, help="Language of the digest.")
@click.option(
    "--party",
    "parties",
    multiple=True,
    metavar="CODE",
    help="Only agreements with this counterpart, by code or name (repeatable). Example: --party MDA --party Georgia",
)
@click.option("--kind", "kinds", type=KIND, multiple=True, help="Only agreements of this kind (repeatable).")
@click.option("--officer", metavar="NAME", help="Only agreements of this officer.")
@click.option(
    "--only-needs-action", is_flag=True, help="Only the 'needs action' section; no e-mail in a week with nothing to do."
)
@actor_option
@click.pass_obj
def recipients_add(app, email, name, locale, parties, kinds, officer, only_needs_action, actor) -> None:
    """Add a recipient of the weekly digest. Without filters they get everything.

    \b
    Example:
      agreements recipients add leyla@migration.gov.az --name "Leyla Məmmədova" --locale az
      agreements recipients add head.legal@migration.gov.az --name "Head of Legal" --locale en --only-needs-action
      agreements recipients add r.aliyev@migration.gov.az --name "Rəşad Əliyev" --locale az --party RUS --kind readmission
    """
    from agreements.digest.recipients import add_recipient

    row = add_recipient(
        app.db,
        email,
        name=name,
        locale=locale,
        actor=app.actor(actor),
        parties=parties,
        kinds=kinds,
        officer=officer,
        only_needs_action=only_needs_action,
        now=app.clock.now(),
    )
    click.echo(f"Added {row.name} <{row.email}> ({row.locale}); follows: {_follows(row)}.")


def _follows(row) -> str:
    from agreements.digest.recipients import follows

    return follows(row).describe() + ("; needs action only" if row.only_needs_action else "")


@recipients.command("edit")
@click.argument("email")
@click.option("--name", metavar="TEXT", help='A new name. Example: --name "Leyla Məmmədova"')
@click.option("--locale", "--lang", "locale", type=LOCALE, help="A new language of the digest. Example: --locale en")
@click.option(
    "--party",
    "parties",
    multiple=True,
    metavar="CODE",
    help="Follow these counterparts instead (repeatable). Example: --party MDA --party Georgia",
)
@click.option("--kind", "kinds", type=KIND, multiple=True, help="Follow these kinds instead (repeatable).")
@click.option("--officer", metavar="NAME", help="Follow this officer's agreements instead.")
@click.option(
    "--everything",
    is_flag=True,
    help="Drop the counterpart, kind and officer filters first (then add any given). Example: --everything",
)
@click.option(
    "--only-needs-action/--all-sections",
    default=None,
    help="Only the 'needs action' section, or every section again.",
)
@actor_option
@click.pass_obj
def recipients_edit(app, email, name, locale, parties, kinds, officer, everything, only_needs_action, actor) -> None:
    """Change a recipient's name, language or what they follow.

    Each option given replaces what was set; the digests already queued or
    sent stay as they were.

    \b
    Example:
      agreements recipients edit leyla@migration.gov.az --locale en
      agreements recipients edit r.aliyev@migration.gov.az --party RUS --party Georgia --kind readmission
      agreements recipients edit head.legal@migration.gov.az --everything --all-sections
    """
    from agreements.digest.recipients import Changes, edit_recipient

    changes = Changes(name, locale, parties, kinds, officer, only_needs_action, everything)
    row = edit_recipient(app.db, email, changes, actor=app.actor(actor))
    click.echo(f"Changed {row.name} <{row.email}> ({row.locale}); follows: {_follows(row)}.")


@recipients.command("list")
@click.option(
    "--format", "fmt", type=click.Choice(("table", "json")), default="table", show_default=True, help="Output format."
)
@click.pass_obj
def recipients_list(app, fmt) -> None:
    """List the recipients of the weekly digest.

    \b
    Example:
      agreements recipients list
    """
    from agreements.digest.recipients import list_recipients

    rows = [
        {
            "email": r.email,
            "name": r.name,
            "locale": r.locale,
            "parties": r.parties.split(",") if r.parties else [],
            "kinds": r.kinds.split(",") if r.kinds else [],
            "officer": r.officer,
            "only_needs_action": r.only_needs_action,
            "follows": _follows(r),
        }
        for r in list_recipients(app.db)
    ]
    if fmt == "json":
        output.emit_json([{k: v for k, v in row.items() if k != "follows"} for row in rows])
        return
    click.echo(output.table(rows, [("email", "email"), ("name", "name"), ("locale", "locale"), ("follows", "follows")]))
    click.echo(f"{len(rows)} recipient(s)")


@recipients.command("remove")
@click.argument("email")
@actor_option
@click.pass_obj
def recipients_remove(app, email, actor) -> None:
    """Remove a recipient; digests already sent stay in the outbox.

    \b
    Example:
      agreements recipients remove leyla@migration.gov.az
    """
    from agreements.digest.recipients import remove_recipient

    click.echo(f"Removed {remove_recipient(app.db, email, actor=app.actor(actor))}.")


# --------------------------------------------------------------------------- digest


@click.group(cls=SuggestingGroup)
def digest() -> None:
    """The weekly digest e-mail: preview it, send it.

    \b
    Example:
      agreements digest preview --locale az
      agreements digest send --dry-run
      agreements digest send --week 2026-W48
    """


@digest.command("preview")
@click.option("--recipient", metavar="EMAIL", help="Render as this recipient gets it (their filters and language).")
@click.option("--locale", type=LOCALE, help="Language (default: the recipient's, else en).")
@click.option("--week", type=WEEK, help=WEEK_HELP)
@click.option(
    "--format",
    "fmt",
    type=Choice(("text", "html", "eml")),
    default="text",
    show_default=True,
    help="The plain-text part, the HTML part, or the whole message (needs --recipient).",
)
@click.option(
    "--out", "out", type=click.Path(dir_okay=False, writable=True), help="Write to this file instead of the terminal."
)
@click.pass_obj
def digest_preview(app, recipient, locale, week, fmt, out) -> None:
    """Render a week's digest without sending anything.

    The digest of week W is the one sent on W's Monday: what needs action on
    that Monday, what moved in the week before, what is planned in the next
    14 days, and the pipeline.

    \b
    Example:
      agreements digest preview --locale az --week 2017-W09
      agreements digest preview --recipient leyla@migration.gov.az --format html --out digest.html
    """
    from agreements.digest.preview import preview

    text = preview(
        app.db, app.config, _week(app, week), recipient=recipient, locale=locale, fmt=fmt, now=app.clock.now()
    )
    if out:
        output.write_whole(out, lambda handle: handle.write(text))
        click.echo(f"Wrote {out}.")
    else:
        click.echo(text, nl=not text.endswith("\n"))


@digest.command("send")
@click.option("--week", type=WEEK, help=WEEK_HELP)
@click.option("--dry-run", is_flag=True, help="Say what would be queued and sent; change nothing, send nothing.")
@actor_option
@click.pass_obj
def digest_send(app, week, dry_run, actor) -> None:
    """Queue the week's digest for every recipient and send what is due.

    The scheduler's weekly job runs the same code. Each recipient gets a
    week's digest once: running it again sends nothing new, but retries
    digests left queued by a failed delivery once their retry time has come.
    Each digest delivered is named: the .eml file written (without a mail
    server) or the address it was sent to.

    \b
    Example:
      agreements digest send --dry-run
      agreements digest send --week 2026-W48
    """
    from agreements.digest.send import not_delivered, run_week

    if not dry_run:
        from agreements.writes.users import require_sender

        require_sender(app.db, app.actor(actor), "sending the digest")
    report = run_week(app.db, app.config, _week(app, week), now=app.clock.now(), dry_run=dry_run)
    click.echo(report.summary())
    for line in report.delivered:
        click.echo(f"  {line}")
    if dry_run:
        for email in report.queue.queued:
            click.echo(f"  would queue and send: {email}")
        for email in report.queue.skipped:
            click.echo(f"  would skip (nothing needs action): {email}")
        for email, wk in report.delivery.due:
            click.echo(f"  would send (queued earlier): {email} {wk}")
    problems = [not_delivered(report.delivery)]
    if report.pending:
        problems.append(
            f"{len(report.pending)} digest(s) of {report.week} are still queued; they are retried by the next "
            "`agreements digest send` or scheduler run after their retry time (see `agreements outbox`)"
        )
    if any(problems):
        raise click.ClickException("; ".join(p for p in problems if p))


@digest.command("resend")
@click.argument("email")
@click.option("--week", type=WEEK, required=True, help="The week of the failed digest.")
@actor_option
@click.pass_obj
def digest_resend(app, email, week, actor) -> None:
    """Queue a failed digest again (after checking it did not arrive).

    It is sent at once: the same message if it is still the tracker's own,
    else rendered anew for the registered recipient. A refusal by the server
    exits with 1, naming the server's answer.

    \b
    Example:
      agreements digest resend leyla@migration.gov.az --week 2026-W48
    """
    from agreements.digest.send import resend_now
    from agreements.writes.users import require_sender
    from workflows.inputs import normalise_email

    actor = app.actor(actor)
    require_sender(app.db, actor, "sending a digest again")
    click.echo(resend_now(app.db, app.config, _week(app, week), normalise_email(email), app.clock.now(), actor))


# --------------------------------------------------------------------------- outbox


@click.command()
@click.option("--status", type=Choice(STATUSES), help="Only this status.")
@click.option("--week", type=WEEK, help="Only this week.")
@click.option(
    "--format", "fmt", type=Choice(("table", "json")), default="table", show_default=True, help="Output format."
)
@click.pass_obj
def outbox(app, status, week, fmt) -> None:
    """Show the digest outbox: what was queued, sent, failed, and why.

    \b
    Example:
      agreements outbox
      agreements outbox --status queued
    """
    from agreements.digest.outbox import list_outbox

    def when(moment):
        return app.clock.local(moment).strftime("%Y-%m-%d %H:%M") if moment else ""

    rows = [
        {
            "week": m.week,
            "recipient": m.recipient,
            "locale": m.locale,
            "status": m.status,
            "attempts": m.attempts,
            "queued_at": when(m.queued_at),
            "next_attempt_at": when(m.next_attempt_at) if m.status == QUEUED else "",
            "sent_at": when(m.sent_at),
            "last_error": m.last_error or "",
            "message_id": m.message_id,
            "subject": m.subject,
        }
        for m in list_outbox(app.db, status, week)
    ]
    if fmt == "json":
        output.emit_json(rows)
        return
    for row in rows:
        row["when"] = row["sent_at"] or row["next_attempt_at"]
    click.echo(
        output.table(
            rows,
            [
                ("week", "week"),
                ("recipient", "recipient"),
                ("status", "status"),
                ("attempts", "attempts"),
                ("when", "sent / next try"),
                ("last_error", "last error"),
                ("message_id", "Message-ID"),
            ],
            wrap={"last_error": 50},
        )
    )
    click.echo(f"{len(rows)} message(s)")


# --------------------------------------------------------------------------- plan


@click.command()
@click.argument("code")
@click.option("--on", "on", type=DATE, required=True, help="The planned date (today or later).")
@click.option("--what", required=True, metavar="TEXT", help='What is planned, e.g. "next round in Chisinau".')
@click.option("--ref", "reference", metavar="TEXT", help="Document behind it.")
@actor_option
@click.pass_obj
def plan(app, code, on, what, reference, actor) -> None:
    """Record a planned date (next round, planned signing...) for the digest's "coming up".

    A plan is an event of the agreement's history like any other: dated the
    day it is recorded, with the planned date as its "until".

    \b
    Example:
      agreements plan RA-MDA --on 2026-12-10 --what "Third round of expert talks in Chisinau"
    """
    from agreements.digest.plans import record_plan

    done = record_plan(app.db, code, on=on, what=what, actor=app.actor(actor), reference=reference, clock=app.clock)
    click.echo(f"{done.code}: planned for {on.isoformat()}: {output.printable(what.strip())}")


COMMANDS = [recipients, digest, outbox, plan]
