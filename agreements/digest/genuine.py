"""Before the outbox sends a row: is it the tracker's own digest for a registered recipient?

The threat: someone who can write outbox rows (a writer login on PostgreSQL,
anyone with write access to the SQLite file) but cannot read the tracker's
configuration or secrets inserts a row, or changes one, with any bytes and
any address. Unchecked, the next ``digest send`` delivers it through the
tracker's SMTP account, from the tracker's address. So the sender delivers a
row only when:

a. its recipient is registered now (``recipients``), exactly as stored there;
b. its bytes read back as a digest and nothing else (``check_stored``): the
   headers the tracker writes, each once, and no other (no Bcc, Cc, Reply-To);
   From the configured sender; To that one recipient; the row's Message-ID and
   week; the text and HTML parts;
c. its bytes are those the tracker renders for that recipient and week:
   the digest is rendered again — from the history, the recipient's
   registration and the configuration, with the row's own Date, Message-ID
   and MIME boundary — and must be the same bytes, whole or shortened to fit
   the server (``fitted_digest_message``: the message fitted to its own size).
   The footer's history anchor comes out the same: its moment is the week's
   Monday (or, for a digest rendered before that Monday, the row's own Date),
   never the time of the check (``week.anchor_moment``).

Why rendering again rather than a hash or a MAC stored at queue time: a hash
in the row is written by whoever writes the row, so it proves nothing; a MAC
needs a key that every sender holds and no writer can read, and the tracker
has none to rely on (a SQLite deployment has no secret at all; the SMTP
password is optional and changes). Rendering again needs nothing the attacker
holds: at best they make the tracker send a registered recipient the digest it
would have sent anyway. Rows this process has just rendered are recognised by
their bytes without rendering them twice.

The price: a row queued before the week's history, the recipient's
registration or the configuration changed (an event dated last week recorded
while the server was down) no longer matches and is refused like a forged
one; its error says so, and ``agreements digest resend`` renders it anew.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from agreements.config.settings import Config
from agreements.digest.iso_week import parse_week
from agreements.digest.mail import sender_of
from agreements.digest.recipients import list_recipients
from agreements.digest.week import WeekData, anchored, build_digest, collect
from agreements.errors import DomainError
from agreements.store.database import Database
from agreements.store.tables import OutboxMessage, Recipient
from notifications.message import NotADigest, check_stored, digest_message, fitted_digest_message
from notifications.model import Digest, Person
from notifications.transport import wire_size

NOT_REGISTERED = "recipient not registered"
NOT_PRODUCED = "not produced by the tracker"


class NotGenuine(Exception):
    """The row is not sent; the message says why (it becomes ``last_error``)."""


@dataclass(frozen=True)
class Original:
    """The digest of a row that passed, and how to render it again (shortened to fit a server)."""

    digest: Digest
    sender: Person
    when: datetime
    message_id: str
    boundary: str

    def fitted(self, limit: int) -> bytes:
        return fitted_digest_message(
            self.digest, self.sender, when=self.when, message_id=self.message_id, boundary=self.boundary, limit=limit
        )


class Checker:
    """Checks outbox rows for one run: the recipients and each week's data are read once."""

    def __init__(self, db: Database, config: Config, *, weeks: dict[str, WeekData] | None = None):
        self.db = db
        self.config = config
        self.weeks: dict[str, WeekData] = dict(weeks or {})
        #: (recipient, week) -> the bytes this process rendered for it
        self.produced: dict[tuple[str, str], bytes] = {}
        self._recipients: dict[str, Recipient] | None = None

    def recipient(self, email: str) -> Recipient | None:
        if self._recipients is None:
            self._recipients = {r.email: r for r in list_recipients(self.db)}
        return self._recipients.get(email)

    def week(self, week: str, when: datetime | None = None) -> WeekData:
        """The week's data, read once; its footer's anchor that of a digest
        rendered at ``when`` (None: once the week's Monday began)."""
        if week not in self.weeks:
            self.weeks[week] = collect(self.db, self.config, week, now=when)
        return anchored(self.db, self.weeks[week], when)

    def check(self, row: OutboxMessage) -> Original:
        """The row's original digest; :class:`NotGenuine` when the row must not be sent."""
        recipient = self.recipient(row.recipient)
        if recipient is None:
            raise NotGenuine(f"{NOT_REGISTERED}: {row.recipient} is not a digest recipient; not sent")
        sender = sender_of(self.config)
        try:
            parse_week(row.week)
            stored = check_stored(
                row.message, sender=sender, to=recipient.email, message_id=row.message_id, week=row.week
            )
        except (NotADigest, DomainError) as exc:
            raise NotGenuine(f"{NOT_PRODUCED}: {exc}; not sent") from None
        if stored.when.tzinfo is None:  # the tracker writes every Date with its offset
            raise NotGenuine(f"{NOT_PRODUCED}: its Date has no UTC offset; not sent")
        original = Original(
            build_digest(self.week(row.week, stored.when), recipient),
            sender,
            stored.when,
            row.message_id,
            stored.boundary,
        )
        if self.produced.get((row.recipient, row.week)) == row.message or _rendered(original, row.message):
            return original
        raise NotGenuine(
            f"{NOT_PRODUCED}: its bytes are not the digest the tracker renders for {row.recipient} and {row.week} "
            "(written by something else, or the week's history, the recipient or the configuration changed since "
            f"it was queued); not sent: check, then `agreements digest resend {row.recipient} --week {row.week}` "
            "renders it anew"
        )


def _rendered(original: Original, raw: bytes) -> bool:
    """Whether ``raw`` is the original digest, whole or as fitted to its own size."""
    whole = digest_message(
        original.digest,
        original.sender,
        when=original.when,
        message_id=original.message_id,
        boundary=original.boundary,
    ).as_bytes()
    if raw == whole:
        return True
    return wire_size(raw) < wire_size(whole) and original.fitted(wire_size(raw)) == raw
