"""One week's run of the digest: queue every recipient's message, then deliver
what is due; and the scheduler's weekly work, :func:`send_weekly_digest`."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import select

from agreements.config.settings import Config
from agreements.digest import LOGGER
from agreements.digest.delivery import DeliveryReport, deliver_due
from agreements.digest.genuine import Checker
from agreements.digest.outbox import QueueReport, pending, queue_week, resend
from agreements.errors import DomainError
from agreements.store.database import Database
from agreements.store.tables import OutboxMessage
from notifications.settings import FILE
from notifications.transport import FileTransport, Transport, eml_file

log = logging.getLogger(LOGGER)

#: the most of one digest's error that the one line of a failed run shows (the outbox keeps it whole)
MAX_SHOWN = 400


@dataclass
class WeekReport:
    week: str
    queue: QueueReport
    delivery: DeliveryReport
    pending: list[tuple[str, str]] = field(default_factory=list)  # this week's rows still queued
    dry_run: bool = False
    # one line per digest this run delivered: the .eml file written, or the address it was sent to
    delivered: list[str] = field(default_factory=list)

    def summary(self) -> str:
        q, d = self.queue, self.delivery
        if not (
            q.queued
            or q.already
            or q.skipped
            or d.sent
            or d.retrying
            or d.failed
            or d.due
            or d.interrupted
            or d.requeued
            or d.rejected
        ):
            return f"weekly digest for {self.week}: no recipients (add them with `agreements recipients add`)"
        verb = "would queue" if self.dry_run else "queued"
        parts = [f"{verb} {len(q.queued)}"]
        if q.already:
            parts.append(f"{len(q.already)} already queued or sent")
        if q.skipped:
            parts.append(f"{len(q.skipped)} skipped (nothing needs action)")
        if self.dry_run:
            parts.append(f"would send {len(d.due) + len(q.queued)} via {d.transport or 'the configured transport'}")
        else:
            parts.append(f"sent {len(d.sent)}" + (f" via {d.transport}" if d.transport else ""))
        if d.retrying:
            parts.append(f"{len(d.retrying)} still queued for a retry ({d.retrying[-1][2]})")
        if d.failed:
            parts.append(f"{len(d.failed)} failed ({d.failed[-1][2]})")
        if d.rejected:
            parts.append(f"{len(d.rejected)} refused, not the tracker's to send ({d.rejected[-1][2]})")
        if d.requeued:
            parts.append(f"{len(d.requeued)} interrupted before being handed over, queued again")
        if d.interrupted:
            parts.append(
                f"{len(d.interrupted)} in doubt after an interrupted send, not resent (see `agreements outbox --status failed`)"
            )
        return f"weekly digest for {self.week}: " + "; ".join(parts)


def not_delivered(delivery: DeliveryReport) -> str | None:
    """One line naming each digest a run gave up on (refused by the server, out
    of attempts, or not the tracker's to send) and why; None if there is none."""
    failures = delivery.failed + delivery.rejected
    if not failures:
        return None
    each = "; ".join(f"{recipient} ({week}): {error[:MAX_SHOWN]}" for recipient, week, error in failures)
    return f"{len(failures)} digest(s) not delivered: {each} (see `agreements outbox --status failed`)"


def run_week(
    db: Database,
    config: Config,
    week: str,
    *,
    now: datetime,
    transport: Transport | None = None,
    dry_run: bool = False,
) -> WeekReport:
    """Queue the week's digests, then deliver everything due (this week's and earlier retries)."""
    queue = queue_week(db, config, week, now=now, dry_run=dry_run)
    checker = Checker(db, config, weeks={week: queue.data} if queue.data is not None else None)
    checker.produced.update({(recipient, week): raw for recipient, raw in queue.produced.items()})
    delivery = deliver_due(db, config, transport=transport, now=now, dry_run=dry_run, checker=checker)
    if dry_run:
        return WeekReport(week, queue, delivery, [], dry_run)
    delivered = delivered_lines(db, delivery, now, _folder(config, transport))
    return WeekReport(week, queue, delivery, pending(db, week), dry_run, delivered)


def _folder(config: Config, transport: Transport | None) -> Path | None:
    """The folder the .eml files go to, when files are what this run writes."""
    if isinstance(transport, FileTransport):
        return transport.folder
    if transport is None and config.digest.transport_for(config.smtp) == FILE:
        return config.digest.folder_path()
    return None


def delivered_lines(db: Database, delivery: DeliveryReport, now: datetime, folder: Path | None) -> list[str]:
    """A line for each digest ``delivery`` sent (at ``now``): the file written, or the address."""
    if not delivery.sent:
        return []
    query = (
        select(OutboxMessage.week, OutboxMessage.recipient)
        .where(OutboxMessage.sent_at == now, OutboxMessage.recipient.in_(delivery.sent))
        .order_by(OutboxMessage.week, OutboxMessage.recipient)
    )
    with db.read() as session:
        rows = session.execute(query).all()
    if folder is not None:
        return [f"wrote {eml_file(folder, f'{week}-{recipient}')}" for week, recipient in rows]
    return [f"sent {week} to {recipient} via {delivery.transport}" for week, recipient in rows]


class DigestIncomplete(DomainError):
    """Some digests of the week are still queued (the server was down...): the
    scheduler's claim ends failed, so a later run retries the period."""


def send_weekly_digest(db: Database, config: Config, week: str, now: datetime) -> str:
    """Queue the digest of ``week`` (e.g. ``2026-W48``) for every recipient and
    deliver what is due; return what was done.

    Safe to call any number of times: a recipient's digest of a week is
    queued once and sent once. Raises :class:`DigestIncomplete` when some of
    the week's digests could not be delivered yet (they stay queued).
    """
    report = run_week(db, config, week, now=now)
    summary = report.summary()
    log.info("%s", summary)
    if (failures := not_delivered(report.delivery)) is not None:
        log.error("%s", failures)
    if report.pending:
        raise DigestIncomplete(summary)
    return summary


class NotDelivered(DomainError):
    """A digest sent again that did not go out: the one line says why."""


def resend_now(db: Database, config: Config, week: str, recipient: str, now: datetime, actor: str) -> str:
    """Queue a failed digest again (:func:`~agreements.digest.outbox.resend`) and
    send it at once; return what was done. :class:`NotDelivered`, naming the
    server's answer, when it was refused or could not be sent yet."""
    checker = Checker(db, config)
    resend(db, config, week, recipient, now, actor, checker=checker)
    report = deliver_due(db, config, now=now, only=(recipient, week), checker=checker)
    if recipient in report.sent:
        return f"Sent the {week} digest to {recipient} again via {report.transport}."
    problem = not_delivered(report)
    for who, _week, error in report.retrying:
        if who == recipient and problem is None:
            problem = (
                f"the {week} digest for {recipient} is queued again but not sent yet: {error}; "
                "the next `agreements digest send` retries it"
            )
    if problem is None and (recipient, week) in report.interrupted:
        problem = f"the {week} digest for {recipient} is in doubt: see `agreements outbox --status failed`"
    if problem is not None:
        raise NotDelivered(problem)
    return f"Queued the {week} digest for {recipient} again; `agreements digest send --week {week}` sends it."
