"""The outbox: every digest is queued as a row, then delivered at most once
(:mod:`agreements.digest.delivery`).

A row is unique per (recipient, ISO week) and keeps the exact message bytes,
so a retry sends the same message (same Message-ID). Its statuses are those of
:mod:`agreements.digest.statuses`. This module queues a week's messages, lists
the outbox and puts a failed message back in the queue. The sender trusts
none of a row's bytes: :mod:`agreements.digest.genuine` checks each before it
is sent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from agreements.config.settings import Config
from agreements.digest.genuine import Checker, NotGenuine
from agreements.digest.iso_week import parse_week
from agreements.digest.mail import sender_of
from agreements.digest.recipients import list_recipients
from agreements.digest.statuses import FAILED, QUEUED, SENDING, SKIPPED
from agreements.digest.week import WeekData, build_digest, collect
from agreements.errors import DomainError
from agreements.store.database import Database, rows_changed
from agreements.store.tables import OutboxMessage, Recipient
from agreements.writes.users import authorise
from notifications.message import MESSAGE_ID, digest_message
from notifications.model import Digest, Person
from workflows.roles import OFFICER


@dataclass
class QueueReport:
    queued: list[str] = field(default_factory=list)
    already: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    data: WeekData | None = None  # the week as read to render it
    produced: dict[str, bytes] = field(default_factory=dict)  # recipient -> the bytes queued by this run


def queue_week(db: Database, config: Config, week: str, *, now: datetime, dry_run: bool = False) -> QueueReport:
    """Render and queue the week's digest for every recipient who has none yet."""
    parse_week(week)
    report = QueueReport()
    recipients = list_recipients(db)
    if not recipients:
        return report
    with db.read() as session:
        existing = set(session.scalars(select(OutboxMessage.recipient).where(OutboxMessage.week == week)))
    report.already = sorted(r.email for r in recipients if r.email in existing)
    new = [r for r in recipients if r.email not in existing]
    if not new:
        return report
    data = report.data = collect(db, config, week, now=now)
    sender = sender_of(config)
    for recipient in new:
        row = _outbox_row(build_digest(data, recipient), recipient, sender, week, now)
        bucket = report.skipped if row.status == SKIPPED else report.queued
        if dry_run:
            bucket.append(recipient.email)
            continue
        try:
            with db.sessions().begin() as session:
                session.add(row)
        except IntegrityError:  # another run queued it meanwhile: still once
            report.already.append(recipient.email)
            continue
        bucket.append(recipient.email)
        report.produced[recipient.email] = row.message
    return report


def _outbox_row(digest: Digest, recipient: Recipient, sender: Person, week: str, now: datetime) -> OutboxMessage:
    """The row of one recipient's digest: the rendered message, or skipped when there is nothing to say."""
    if recipient.only_needs_action and not digest.needs_action:
        return OutboxMessage(
            recipient=recipient.email,
            week=week,
            locale=digest.locale,
            subject="",
            message_id="",
            message=b"",
            status=SKIPPED,
            attempts=0,
            last_error="nothing needs action",
            queued_at=now,
        )
    message = digest_message(digest, sender, when=now)
    return OutboxMessage(
        recipient=recipient.email,
        week=week,
        locale=digest.locale,
        subject=str(message["Subject"]),
        message_id=str(message["Message-ID"]),
        message=message.as_bytes(),
        status=QUEUED,
        attempts=0,
        queued_at=now,
        next_attempt_at=now,
    )


def pending(db: Database, week: str) -> list[tuple[str, str]]:
    """(recipient, week) of the week's rows still queued or being sent."""
    with db.read() as session:
        return [
            (row.recipient, row.week)
            for row in session.scalars(
                select(OutboxMessage).where(OutboxMessage.week == week, OutboxMessage.status.in_((QUEUED, SENDING)))
            )
        ]


def list_outbox(db: Database, status: str | None = None, week: str | None = None) -> list[OutboxMessage]:
    query = select(OutboxMessage).order_by(OutboxMessage.week.desc(), OutboxMessage.recipient)
    if status:
        query = query.where(OutboxMessage.status == status)
    if week:
        query = query.where(OutboxMessage.week == week)
    with db.read() as session:
        return list(session.scalars(query))


def resend(
    db: Database, config: Config, week: str, recipient: str, now: datetime, actor: str, checker: Checker | None = None
) -> None:
    """Put a failed digest back in the queue (an operator's decision, after checking).

    The same bytes when they are still the tracker's own digest (so a copy that
    did arrive has the same Message-ID and text); else the digest rendered
    anew for the registered recipient, under the row's Message-ID: never bytes
    the tracker did not produce.
    """
    with db.read() as session:
        row = session.scalar(
            select(OutboxMessage).where(
                OutboxMessage.week == week, OutboxMessage.recipient == recipient, OutboxMessage.status == FAILED
            )
        )
    if row is None:
        raise DomainError(f"no failed digest of {week} for {recipient} in the outbox")
    values: dict[str, object] = {"status": QUEUED, "next_attempt_at": now, "attempts": 0}
    checker = checker or Checker(db, config)
    try:
        checker.check(row)
    except NotGenuine:
        values.update(_rendered_anew(checker, row, now))
    with db.sessions().begin() as session:
        authorise(session, actor, OFFICER, "queueing a digest again")
        changed = rows_changed(
            session,
            update(OutboxMessage)
            .where(OutboxMessage.id == row.id, OutboxMessage.status == FAILED, OutboxMessage.message == row.message)
            .values(**values),
        )
        if changed != 1:
            raise DomainError(f"no failed digest of {week} for {recipient} in the outbox")


def _rendered_anew(checker: Checker, row: OutboxMessage, now: datetime) -> dict[str, object]:
    """The columns of ``row`` with its digest rendered again now (the row's Message-ID kept when it is one)."""
    recipient = checker.recipient(row.recipient)
    if recipient is None:
        raise DomainError(f"{row.recipient} is not a digest recipient (any more); its digest is not sent again")
    digest = build_digest(checker.week(row.week, now), recipient)
    message_id = row.message_id if MESSAGE_ID.fullmatch(row.message_id or "") else None
    message = digest_message(digest, sender_of(checker.config), when=now, message_id=message_id)
    return {
        "message": message.as_bytes(),
        "message_id": str(message["Message-ID"]),
        "subject": str(message["Subject"]),
        "locale": digest.locale,
    }
