"""The outbox: every digest is queued as a row, then delivered at most once.

A row is unique per (recipient, ISO week) and keeps the exact message bytes,
so a retry sends the same message (same Message-ID). Statuses:

- ``queued``: waiting to be sent (``next_attempt_at`` says from when: backoff);
- ``sending``: claimed by one sender (a guarded UPDATE: only one run wins),
  whose ``host:pid`` is in ``last_error`` ("sending on ..."); ``transport``
  is set just before the message is handed over (SMTP: before the end-of-data
  line; files: before the rename), the one moment after which it may arrive;
- ``sent``: accepted by the server, or written to the folder;
- ``failed``: refused for good (5xx), out of attempts, or in doubt: handed
  over by a sender that died (or lost the connection) before it heard back,
  so the server may already have accepted it: not retried automatically;
- ``skipped``: nothing to send (a "needs action only" recipient with nothing
  needing action).

One connection serves a batch. A connection that fails leaves every message
of the batch queued, with the error and its next attempt time.

A row left ``sending`` by a sender that is gone (same host and its process
no longer exists, or claimed over an hour ago) is settled by the next run:
queued again if it was never handed over (the server cannot have it), else
``failed`` as in doubt. So a crash never sends a digest twice, and loses
none silently: at most the one message it was handing over is left for an
operator to check (``agreements digest resend``).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError

from agreements.store.tables import OutboxMessage

if TYPE_CHECKING:  # pragma: no cover
    from agreements.config.file import Config
    from agreements.store.database import Database
    from notifications.model import Person
    from notifications.transport import Transport

log = logging.getLogger("agreements.digest.week")

QUEUED, SENDING, SENT, FAILED, SKIPPED = "queued", "sending", "sent", "failed", "skipped"
STATUSES = (QUEUED, SENDING, SENT, FAILED, SKIPPED)
#: a row left ``sending`` longer than this was interrupted (the process died)
STALE_SENDING = timedelta(hours=1)
#: ``last_error`` of a claimed row: who claimed it (``host:pid``)
CLAIMED_BY = "sending on "
MAX_BACKOFF = timedelta(days=1)



def sender_of(config: "Config") -> "Person":
    from notifications.message import parse_person
    from workflows.inputs import BadAddress

    from agreements.config.file import ConfigError

    try:
        return parse_person(config.smtp.sender, local_ok=True)
    except BadAddress as exc:
        raise ConfigError(f"smtp.from: {exc}") from None


def make_transport(config: "Config") -> "Transport":
    """SMTP when configured (``smtp.host``), else ``.eml`` files in ``digest.folder``."""
    from agreements.config.file import ConfigError
    from notifications.transport import DeliveryError, FileTransport, SmtpSettings, SmtpTransport

    if config.digest.transport_for(config.smtp) == "file":
        return FileTransport(config.digest.folder_path())
    smtp = config.smtp
    if not smtp.host:
        raise ConfigError("digest.transport is smtp but smtp.host is not set")

    def password() -> str | None:
        try:
            return smtp.password()
        except ConfigError as exc:
            raise DeliveryError(str(exc)) from None

    return SmtpTransport(
        SmtpSettings(
            host=smtp.host,
            port=smtp.port,
            security=smtp.security,
            user=smtp.user,
            password=password,
            timeout=smtp.timeout,
        )
    )


# --------------------------------------------------------------------------- queueing


@dataclass
class QueueReport:
    queued: list[str] = field(default_factory=list)
    already: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def queue_week(db: "Database", config: "Config", week: str, *, now: datetime, dry_run: bool = False) -> QueueReport:
    """Render and queue the week's digest for every recipient who has none yet."""
    from agreements.digest.week import build_digest, collect, parse_week
    from agreements.digest.recipients import list_recipients
    from notifications.message import digest_message

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
    data = collect(db, config, week)
    sender = sender_of(config)
    for recipient in new:
        digest = build_digest(data, recipient)
        if recipient.only_needs_action and not digest.needs_action:
            row = OutboxMessage(
                recipient=recipient.email, week=week, locale=digest.locale, subject="", message_id="", message=b"",
                status=SKIPPED, attempts=0, last_error="nothing needs action", queued_at=now,
            )
            bucket = report.skipped
        else:
            message = digest_message(digest, sender, when=now)
            row = OutboxMessage(
                recipient=recipient.email, week=week, locale=digest.locale, subject=str(message["Subject"]),
                message_id=str(message["Message-ID"]), message=message.as_bytes(), status=QUEUED,
                attempts=0, queued_at=now, next_attempt_at=now,
            )
            bucket = report.queued
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
    return report


# --------------------------------------------------------------------------- delivering


@dataclass
class DeliveryReport:
    transport: str = ""
    sent: list[str] = field(default_factory=list)
    retrying: list[tuple[str, str, str]] = field(default_factory=list)  # (recipient, week, error)
    failed: list[tuple[str, str, str]] = field(default_factory=list)
    interrupted: list[tuple[str, str]] = field(default_factory=list)  # in doubt: not resent
    requeued: list[tuple[str, str]] = field(default_factory=list)  # interrupted before being handed over
    due: list[tuple[str, str]] = field(default_factory=list)  # what a dry run would send


def _backoff(config: "Config", attempts: int) -> timedelta:
    return min(timedelta(minutes=config.digest.retry_minutes) * (2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def _one_line(text: str) -> str:
    return " ".join(str(text).split())[:1000]


def _record_failure(db, config, row: OutboxMessage, error, now: datetime, claimed: bool, report: DeliveryReport) -> None:
    attempts = row.attempts + (0 if claimed else 1)
    give_up = getattr(error, "permanent", False) or attempts >= config.digest.max_attempts
    text = _one_line(error)
    values = {
        "status": FAILED if give_up else QUEUED,
        "last_error": text,
        "attempted_at": now,
        "next_attempt_at": None if give_up else now + _backoff(config, attempts),
    }
    if not claimed:
        values["attempts"] = attempts
    with db.sessions().begin() as session:
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == row.id, OutboxMessage.status == (SENDING if claimed else QUEUED))
            .values(**values)
            .execution_options(synchronize_session=False)
        )
    (report.failed if give_up else report.retrying).append((row.recipient, row.week, text))
    log.warning("digest %s to %s: %s (%s)", row.week, row.recipient, text, "given up" if give_up else f"attempt {attempts}, retried later")


def _claim(db, row: OutboxMessage, now: datetime) -> bool:
    from agreements.scheduling.jobs import process_owner

    with db.sessions().begin() as session:
        result = session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == row.id, OutboxMessage.status == QUEUED, OutboxMessage.attempts == row.attempts)
            .values(
                status=SENDING, attempted_at=now, attempts=row.attempts + 1, transport=None,
                last_error=CLAIMED_BY + process_owner(),
            )
            .execution_options(synchronize_session=False)
        )
        won = result.rowcount == 1
    if won:
        row.attempts += 1
    return won


class _ClaimLost(Exception):
    """The claimed row is no longer this sender's: a later run took it for abandoned."""


def _hand_over(db, row: OutboxMessage, transport: str) -> None:
    """Record, while the row is still this sender's claim, that the message is
    about to reach the point after which the server may accept it."""
    with db.sessions().begin() as session:
        result = session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == row.id, OutboxMessage.status == SENDING, OutboxMessage.attempts == row.attempts)
            .values(transport=transport)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:
            raise _ClaimLost(f"digest {row.week} to {row.recipient}: the claim was taken over; not sent")


def _in_doubt_error(why: str) -> str:
    return (
        f"{why}; not retried because the server may have accepted it: check with the recipient, "
        "then `agreements digest resend EMAIL --week WEEK`"
    )


def _mark_in_doubt(db, row: OutboxMessage, why: str, report: DeliveryReport) -> None:
    error = _in_doubt_error(why)
    with db.sessions().begin() as session:
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == row.id, OutboxMessage.status == SENDING, OutboxMessage.attempts == row.attempts)
            .values(status=FAILED, last_error=_one_line(error), next_attempt_at=None)
            .execution_options(synchronize_session=False)
        )
    report.interrupted.append((row.recipient, row.week))
    log.error("digest %s to %s: %s", row.week, row.recipient, error)


def _claimed_by(row: OutboxMessage) -> str | None:
    """The ``host:pid`` of the sender that claimed ``row`` (None for a claim made before it was recorded)."""
    text = row.last_error or ""
    return text[len(CLAIMED_BY):] if text.startswith(CLAIMED_BY) else None


def _recover_interrupted(db, now: datetime, report: DeliveryReport) -> None:
    """Settle the rows left ``sending`` by senders that are gone."""
    from agreements.scheduling.jobs import owner_gone

    with db.read() as session:
        claimed = list(session.scalars(select(OutboxMessage).where(OutboxMessage.status == SENDING)))
    for row in claimed:
        owner = _claimed_by(row)
        if not (row.attempted_at < now - STALE_SENDING or (owner is not None and owner_gone(owner))):
            continue  # its sender may still be at work
        since = row.attempted_at.isoformat(timespec="seconds")
        if owner is not None and row.transport is None:  # never handed over: the server cannot have it
            values = {"status": QUEUED, "next_attempt_at": now,
                      "last_error": f"interrupted before it was handed over (claimed {since} by {owner}); queued again"}
            bucket = report.requeued
        else:
            values = {"status": FAILED, "next_attempt_at": None,
                      "last_error": _in_doubt_error(f"interrupted while sending (claimed {since})")}
            bucket = report.interrupted
        with db.sessions().begin() as session:
            result = session.execute(
                update(OutboxMessage)
                .where(
                    OutboxMessage.id == row.id, OutboxMessage.status == SENDING,
                    OutboxMessage.attempted_at == row.attempted_at, OutboxMessage.attempts == row.attempts,
                )
                .values(**values)
                .execution_options(synchronize_session=False)
            )
        if result.rowcount == 1:
            bucket.append((row.recipient, row.week))
            (log.warning if bucket is report.requeued else log.error)(
                "digest %s to %s: %s", row.week, row.recipient, values["last_error"]
            )


def due_messages(db: "Database", now: datetime) -> list[OutboxMessage]:
    with db.read() as session:
        return list(
            session.scalars(
                select(OutboxMessage)
                .where(
                    OutboxMessage.status == QUEUED,
                    or_(OutboxMessage.next_attempt_at.is_(None), OutboxMessage.next_attempt_at <= now),
                )
                .order_by(OutboxMessage.id)
            )
        )


def deliver_due(
    db: "Database",
    config: "Config",
    *,
    transport: "Transport | None" = None,
    now: datetime,
    dry_run: bool = False,
) -> DeliveryReport:
    """Send every queued message that is due, through one connection."""
    from notifications.transport import DeliveryError

    report = DeliveryReport()
    if not dry_run:
        _recover_interrupted(db, now, report)
    due = due_messages(db, now)
    if not due and not dry_run:
        return report
    transport = transport or make_transport(config)
    report.transport = transport.describe()
    if dry_run:
        report.due = [(row.recipient, row.week) for row in due]
        return report
    envelope_from = sender_of(config).email
    try:
        with transport.session() as session:
            broken: DeliveryError | None = None
            for row in due:
                if broken is not None:
                    _record_failure(db, config, row, broken, now, False, report)
                    continue
                if not _claim(db, row, now):
                    continue  # another sender has it
                try:
                    session.send(
                        row.message, envelope_from, [row.recipient], name=f"{row.week}-{row.recipient}",
                        hand_over=lambda: _hand_over(db, row, report.transport),
                    )
                except DeliveryError as exc:
                    if exc.in_doubt:  # no answer after the end of the message: maybe accepted
                        _mark_in_doubt(db, row, str(exc), report)
                    else:
                        _record_failure(db, config, row, exc, now, True, report)
                    if exc.broken:
                        broken = exc
                    continue
                except _ClaimLost as exc:
                    log.warning("%s", exc)
                    continue
                with db.sessions().begin() as s:
                    s.execute(
                        update(OutboxMessage)
                        .where(OutboxMessage.id == row.id, OutboxMessage.status == SENDING)
                        .values(status=SENT, sent_at=now, last_error=None, next_attempt_at=None, transport=report.transport)
                        .execution_options(synchronize_session=False)
                    )
                report.sent.append(row.recipient)
                log.info("digest %s to %s: sent (%s)", row.week, row.recipient, row.message_id)
    except DeliveryError as exc:  # no connection at all: the whole batch waits
        for row in due:
            _record_failure(db, config, row, exc, now, False, report)
    return report


# --------------------------------------------------------------------------- one week


@dataclass
class WeekReport:
    week: str
    queue: QueueReport
    delivery: DeliveryReport
    pending: list[tuple[str, str]] = field(default_factory=list)  # this week's rows still queued
    dry_run: bool = False

    def summary(self) -> str:
        q, d = self.queue, self.delivery
        if not (q.queued or q.already or q.skipped or d.sent or d.retrying or d.failed or d.due or d.interrupted or d.requeued):
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
        if d.requeued:
            parts.append(f"{len(d.requeued)} interrupted before being handed over, queued again")
        if d.interrupted:
            parts.append(f"{len(d.interrupted)} in doubt after an interrupted send, not resent (see `agreements outbox --status failed`)")
        return f"weekly digest for {self.week}: " + "; ".join(parts)


def run_week(
    db: "Database",
    config: "Config",
    week: str,
    *,
    now: datetime,
    transport: "Transport | None" = None,
    dry_run: bool = False,
) -> WeekReport:
    """Queue the week's digests, then deliver everything due (this week's and earlier retries)."""
    queue = queue_week(db, config, week, now=now, dry_run=dry_run)
    delivery = deliver_due(db, config, transport=transport, now=now, dry_run=dry_run)
    pending: list[tuple[str, str]] = []
    if not dry_run:
        with db.read() as session:
            pending = [
                (row.recipient, row.week)
                for row in session.scalars(
                    select(OutboxMessage).where(OutboxMessage.week == week, OutboxMessage.status.in_((QUEUED, SENDING)))
                )
            ]
    return WeekReport(week, queue, delivery, pending, dry_run)


def list_outbox(db: "Database", status: str | None = None, week: str | None = None) -> list[OutboxMessage]:
    query = select(OutboxMessage).order_by(OutboxMessage.week.desc(), OutboxMessage.recipient)
    if status:
        query = query.where(OutboxMessage.status == status)
    if week:
        query = query.where(OutboxMessage.week == week)
    with db.read() as session:
        return list(session.scalars(query))


def resend(db: "Database", week: str, recipient: str, now: datetime) -> None:
    """Put a failed digest back in the queue (an operator's decision, after checking)."""
    from agreements.errors import DomainError

    with db.sessions().begin() as session:
        result = session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.week == week, OutboxMessage.recipient == recipient, OutboxMessage.status == FAILED)
            .values(status=QUEUED, next_attempt_at=now, attempts=0)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:
            raise DomainError(f"no failed digest of {week} for {recipient} in the outbox")
