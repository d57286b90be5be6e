"""Delivering the outbox's due messages, each at most once.

A row is sent by the one sender that claims it: a guarded UPDATE from
``queued`` to ``sending`` that only one run wins, recording the claimer's
``host:pid`` in ``last_error`` ("sending on ..."). ``transport`` is set just
before the message is handed over (SMTP: before the end-of-data line; files:
before the rename), the one moment after which it may arrive. Then:

- accepted: ``sent``;
- refused for good (5xx) or out of attempts: ``failed``;
- refused for now (4xx, no connection): ``queued`` again, with a backoff;
- no answer after the end of the message: ``failed`` as in doubt (the server
  may have accepted it): not retried automatically.

Before any of this a due row must pass :mod:`agreements.digest.genuine`: its
recipient registered, its bytes the tracker's own digest. A row that does not
is never handed to a transport: it is ``failed`` at once, saying why. A
message larger than the server's ``SIZE`` is shortened to fit (the bytes
sent are the ones the row keeps).

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

from sqlalchemy import or_, select, update

from agreements.config.settings import Config
from agreements.digest import LOGGER
from agreements.digest.genuine import Checker, NotGenuine, Original
from agreements.digest.mail import make_transport, sender_of
from agreements.digest.owners import owner_gone, process_owner
from agreements.digest.statuses import FAILED, QUEUED, SENDING, SENT
from agreements.store.database import Database, rows_changed
from agreements.store.tables import OutboxMessage
from notifications.transport import DeliveryError, Session, Transport, wire_size

log = logging.getLogger(LOGGER)

#: a row left ``sending`` longer than this was interrupted (the process died)
STALE_SENDING = timedelta(hours=1)
#: ``last_error`` of a claimed row: who claimed it (``host:pid``)
CLAIMED_BY = "sending on "
MAX_BACKOFF = timedelta(days=1)
#: the longest ``last_error`` kept
MAX_ERROR = 1000


@dataclass
class DeliveryReport:
    transport: str = ""
    sent: list[str] = field(default_factory=list)
    retrying: list[tuple[str, str, str]] = field(default_factory=list)  # (recipient, week, error)
    failed: list[tuple[str, str, str]] = field(default_factory=list)
    interrupted: list[tuple[str, str]] = field(default_factory=list)  # in doubt: not resent
    requeued: list[tuple[str, str]] = field(default_factory=list)  # interrupted before being handed over
    due: list[tuple[str, str]] = field(default_factory=list)  # what a dry run would send
    rejected: list[tuple[str, str, str]] = field(default_factory=list)  # not the tracker's: never sent


def deliver_due(
    db: Database,
    config: Config,
    *,
    transport: Transport | None = None,
    now: datetime,
    dry_run: bool = False,
    checker: Checker | None = None,
    only: tuple[str, str] | None = None,
) -> DeliveryReport:
    """Send every queued message that is due (``only``: that recipient's digest
    of that week), through one connection; refuse those that are not the tracker's."""
    report = DeliveryReport()
    if not dry_run:
        _recover_interrupted(db, now, report)
    due = due_messages(db, now, only)
    if not due and not dry_run:
        return report
    if dry_run:
        report.transport = (transport or make_transport(config)).describe()
        report.due = [(row.recipient, row.week) for row in due]
        return report
    checker = checker or Checker(db, config)
    batch: list[tuple[OutboxMessage, Original]] = []
    for row in due:
        try:
            batch.append((row, checker.check(row)))
        except NotGenuine as exc:
            _reject(db, row, str(exc), now, report)
    if not batch:
        return report
    transport = transport or make_transport(config)
    report.transport = transport.describe()
    envelope_from = sender_of(config).email
    try:
        with transport.session() as session:
            _send_batch(db, config, session, batch, envelope_from, now, report)
    except DeliveryError as exc:  # no connection at all: the whole batch waits
        for row, _original in batch:
            _record_failure(db, config, row, exc, now, False, report)
    return report


def due_messages(db: Database, now: datetime, only: tuple[str, str] | None = None) -> list[OutboxMessage]:
    query = select(OutboxMessage).where(
        OutboxMessage.status == QUEUED,
        or_(OutboxMessage.next_attempt_at.is_(None), OutboxMessage.next_attempt_at <= now),
    )
    if only is not None:
        query = query.where(OutboxMessage.recipient == only[0], OutboxMessage.week == only[1])
    with db.read() as session:
        return list(session.scalars(query.order_by(OutboxMessage.id)))


def _send_batch(
    db: Database,
    config: Config,
    session: Session,
    batch: list[tuple[OutboxMessage, Original]],
    envelope_from: str,
    now: datetime,
    report: DeliveryReport,
) -> None:
    """Send each row this run wins; once the connection breaks, the rest wait for a later run."""
    broken: DeliveryError | None = None
    for row, original in batch:
        if broken is not None:
            _record_failure(db, config, row, broken, now, False, report)
        elif _claim(db, row, now):  # else another sender has it
            broken = _send_claimed(db, config, session, row, original, envelope_from, now, report)


def _send_claimed(
    db: Database,
    config: Config,
    session: Session,
    row: OutboxMessage,
    original: Original,
    envelope_from: str,
    now: datetime,
    report: DeliveryReport,
) -> DeliveryError | None:
    """Send one claimed row and record the outcome; return the error if the connection broke."""
    raw = row.message
    if session.max_size is not None and wire_size(raw) > session.max_size:
        raw = original.fitted(session.max_size)  # still too big: the server's refusal says so
        log.info("digest %s to %s: shortened to %d bytes for the server's SIZE", row.week, row.recipient, len(raw))
    try:
        session.send(
            raw,
            envelope_from,
            [row.recipient],
            name=f"{row.week}-{row.recipient}",
            hand_over=lambda: _hand_over(db, row, report.transport, None if raw == row.message else raw),
        )
    except DeliveryError as exc:
        if exc.in_doubt:  # no answer after the end of the message: maybe accepted
            _mark_in_doubt(db, row, str(exc), report)
        else:
            _record_failure(db, config, row, exc, now, True, report)
        return exc if exc.broken else None
    except _ClaimLost as exc:
        log.warning("%s", exc)
        return None
    with db.sessions().begin() as s:
        s.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == row.id, OutboxMessage.status == SENDING)
            .values(status=SENT, sent_at=now, last_error=None, next_attempt_at=None, transport=report.transport)
            .execution_options(synchronize_session=False)
        )
    report.sent.append(row.recipient)
    log.info("digest %s to %s: sent (%s)", row.week, row.recipient, row.message_id)
    return None


# --------------------------------------------------------------------------- claims


def _claim(db: Database, row: OutboxMessage, now: datetime) -> bool:
    with db.sessions().begin() as session:
        changed = rows_changed(
            session,
            update(OutboxMessage)
            .where(OutboxMessage.id == row.id, OutboxMessage.status == QUEUED, OutboxMessage.attempts == row.attempts)
            .values(
                status=SENDING,
                attempted_at=now,
                attempts=row.attempts + 1,
                transport=None,
                last_error=CLAIMED_BY + process_owner(),
            ),
        )
        won = changed == 1
    if won:
        row.attempts += 1
    return won


class _ClaimLost(Exception):
    """The claimed row is no longer this sender's: a later run took it for abandoned."""


def _hand_over(db: Database, row: OutboxMessage, transport: str, shortened: bytes | None) -> None:
    """Record, while the row is still this sender's claim, that the message is
    about to reach the point after which the server may accept it (and, when
    it was shortened to fit the server, the bytes sent instead)."""
    values: dict[str, object] = {"transport": transport}
    if shortened is not None:
        values["message"] = shortened
    with db.sessions().begin() as session:
        changed = rows_changed(
            session,
            update(OutboxMessage)
            .where(OutboxMessage.id == row.id, OutboxMessage.status == SENDING, OutboxMessage.attempts == row.attempts)
            .values(**values),
        )
        if changed != 1:
            raise _ClaimLost(f"digest {row.week} to {row.recipient}: the claim was taken over; not sent")


def _claimed_by(row: OutboxMessage) -> str | None:
    """The ``host:pid`` of the sender that claimed ``row`` (None for a claim made before it was recorded)."""
    text = row.last_error or ""
    return text[len(CLAIMED_BY) :] if text.startswith(CLAIMED_BY) else None


def _recover_interrupted(db: Database, now: datetime, report: DeliveryReport) -> None:
    """Settle the rows left ``sending`` by senders that are gone."""
    with db.read() as session:
        claimed = list(session.scalars(select(OutboxMessage).where(OutboxMessage.status == SENDING)))
    for row in claimed:
        owner = _claimed_by(row)
        attempted = row.attempted_at
        if attempted is None:  # _claim sets it together with the status
            raise ValueError(f"outbox message {row.id} is {SENDING} but has no attempt time")
        if not (attempted < now - STALE_SENDING or (owner is not None and owner_gone(owner))):
            continue  # its sender may still be at work
        since = attempted.isoformat(timespec="seconds")
        if owner is not None and row.transport is None:  # never handed over: the server cannot have it
            values = {
                "status": QUEUED,
                "next_attempt_at": now,
                "last_error": f"interrupted before it was handed over (claimed {since} by {owner}); queued again",
            }
            bucket = report.requeued
        else:
            values = {
                "status": FAILED,
                "next_attempt_at": None,
                "last_error": _in_doubt_error(f"interrupted while sending (claimed {since})"),
            }
            bucket = report.interrupted
        with db.sessions().begin() as session:
            changed = rows_changed(
                session,
                update(OutboxMessage)
                .where(
                    OutboxMessage.id == row.id,
                    OutboxMessage.status == SENDING,
                    OutboxMessage.attempted_at == row.attempted_at,
                    OutboxMessage.attempts == row.attempts,
                )
                .values(**values),
            )
        if changed == 1:
            bucket.append((row.recipient, row.week))
            (log.warning if bucket is report.requeued else log.error)(
                "digest %s to %s: %s", row.week, row.recipient, values["last_error"]
            )


# --------------------------------------------------------------------------- failures


def _backoff(config: Config, attempts: int) -> timedelta:
    return min(timedelta(minutes=config.digest.retry_minutes) * (2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def _as_last_error(error: object) -> str:
    """An error as ``last_error`` keeps it: one line, at most :data:`MAX_ERROR` characters."""
    return " ".join(str(error).split())[:MAX_ERROR]


def _record_failure(
    db: Database,
    config: Config,
    row: OutboxMessage,
    error: Exception,
    now: datetime,
    claimed: bool,
    report: DeliveryReport,
) -> None:
    attempts = row.attempts + (0 if claimed else 1)
    give_up = getattr(error, "permanent", False) or attempts >= config.digest.max_attempts
    text = _as_last_error(error)
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
    log.warning(
        "digest %s to %s: %s (%s)",
        row.week,
        row.recipient,
        text,
        "given up" if give_up else f"attempt {attempts}, retried later",
    )


def _reject(db: Database, row: OutboxMessage, why: str, now: datetime, report: DeliveryReport) -> None:
    """A row that is not the tracker's own digest: ``failed`` without being sent, saying why."""
    text = _as_last_error(why)
    with db.sessions().begin() as session:
        changed = rows_changed(
            session,
            update(OutboxMessage)
            .where(OutboxMessage.id == row.id, OutboxMessage.status == QUEUED, OutboxMessage.attempts == row.attempts)
            .values(status=FAILED, last_error=text, attempted_at=now, next_attempt_at=None),
        )
    if changed == 1:  # else another sender settled it meanwhile
        report.rejected.append((row.recipient, row.week, text))
        log.error("digest %s to %s: %s", row.week, row.recipient, text)


def _in_doubt_error(why: str) -> str:
    return (
        f"{why}; not retried because the server may have accepted it: check with the recipient, "
        "then `agreements digest resend EMAIL --week WEEK`"
    )


def _mark_in_doubt(db: Database, row: OutboxMessage, why: str, report: DeliveryReport) -> None:
    error = _in_doubt_error(why)
    with db.sessions().begin() as session:
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == row.id, OutboxMessage.status == SENDING, OutboxMessage.attempts == row.attempts)
            .values(status=FAILED, last_error=_as_last_error(error), next_attempt_at=None)
            .execution_options(synchronize_session=False)
        )
    report.interrupted.append((row.recipient, row.week))
    log.error("digest %s to %s: %s", row.week, row.recipient, error)
