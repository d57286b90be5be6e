"""Build the e-mail: ``multipart/alternative`` (plain text first, then HTML),
UTF-8 throughout, with Message-ID, Date, From and To.

Header values never carry a line break: display names and subjects are
flattened to one line before they reach a header, and addresses are checked,
so a name such as ``"Ali\\r\\nBcc: x@evil"`` cannot add a header.

:func:`check_stored` reads stored bytes back before they are sent: only a
message shaped exactly as :func:`digest_message` writes it passes.
:func:`fitted_digest_message` shortens a digest to a size limit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from email import message_from_bytes, policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr

from notifications.model import Digest, Person
from notifications.render import RenderedDigest, longest_list, render
from notifications.transport import wire_size
from workflows.inputs import BadAddress, check_address, header_text
from workflows.text import CONTROL, MAX_NAME

#: the header naming the digest's ISO week
DIGEST_HEADER = "X-Agreements-Digest"
#: a MIME boundary as Python's generator makes one: "=" cannot occur in a
#: quoted-printable body, so such a boundary never collides with the text
BOUNDARY = re.compile(r"={15}\d{1,20}==(?:\.\d{1,6})?")
#: a Message-ID as the tracker writes one (``make_msgid``): no space, no bracket inside
MESSAGE_ID = re.compile(r"<[!-;=?-~]{1,120}@[!-;=?-~]{1,120}>")
#: stored bytes longer than this are not even parsed
MAX_MESSAGE = 32 * 1024 * 1024


def address(person: Person, local_ok: bool = False) -> Address:
    email = check_address(person.email, local_ok)
    local, _, domain = email.rpartition("@")
    # a name is at most MAX_NAME characters when entered; one stored otherwise
    # (by SQL) is cut, so that folding a long header cannot change its meaning
    return Address(display_name=header_text(person.name)[:MAX_NAME], username=local, domain=domain)


def parse_person(text: str, local_ok: bool = False) -> Person:
    """``"Name <a@b.az>"`` or ``"a@b.az"`` as a :class:`Person`."""
    if CONTROL.search(text or ""):
        raise BadAddress(f"invalid address {header_text(text)!r}: it contains control characters")
    name, email = parseaddr(text)
    if not email:
        raise BadAddress(f"invalid address {text!r}")
    return Person(email=check_address(email, local_ok), name=name)


def build_message(
    rendered: RenderedDigest,
    sender: Person,
    recipient: Person,
    *,
    locale: str,
    when: datetime,
    message_id: str | None = None,
    extra_headers: dict[str, str] | None = None,
    boundary: str | None = None,
) -> EmailMessage:
    """A ready-to-send message with both parts (``boundary``: the MIME boundary
    to use, one matching :data:`BOUNDARY`; default: a new one)."""
    sender_address = address(sender, local_ok=True)
    msg = EmailMessage(policy=policy.SMTP)
    msg["Subject"] = header_text(rendered.subject)
    msg["From"] = sender_address
    msg["To"] = address(recipient)
    msg["Date"] = format_datetime(when)
    msg["Message-ID"] = message_id or make_msgid("digest", domain=sender_address.domain or None)
    # an automatic message: no out-of-office replies, no auto-forward loops
    msg["Auto-Submitted"] = "auto-generated"
    msg["X-Auto-Response-Suppress"] = "All"
    for name, value in (extra_headers or {}).items():
        msg[header_text(name)] = header_text(value)
    msg.set_content(rendered.text, subtype="plain", charset="utf-8", cte="quoted-printable")
    msg.add_alternative(rendered.html, subtype="html", charset="utf-8", cte="quoted-printable")
    if boundary is not None:
        if not BOUNDARY.fullmatch(boundary):
            raise ValueError(f"not a MIME boundary this tracker writes: {boundary[:80]!r}")
        msg.set_boundary(boundary)
    msg["Content-Language"] = locale  # after the parts: set_content drops Content-* headers
    expected = _HEADERS | {header_text(n) for n in extra_headers or {}}
    to = msg["To"].addresses[0]
    try:
        check_round_trip(msg, expected=expected, to=to)
    except BadAddress:
        # the name would not survive the header writer's line folding (Python
        # may unquote a folded name holding "@" or ":"): send to the bare address
        msg.replace_header("To", address(Person(recipient.email, "")))
        check_round_trip(msg, expected=expected, to=to)
    return msg


# every header build_message writes, besides the extra ones it is given
_HEADERS = frozenset(
    {"Subject", "From", "To", "Date", "Message-ID", "Auto-Submitted", "X-Auto-Response-Suppress"}
    | {"MIME-Version", "Content-Type", "Content-Language"}
)


def check_round_trip(msg: EmailMessage, *, expected: set[str] | frozenset[str], to: Address) -> None:
    """Parse the message's bytes back, as a server and a mail reader will: they
    must show exactly the ``expected`` headers, once each, one recipient,
    ``to``, and the MIME parts written. Otherwise some text changed the
    message's structure, and it is refused rather than sent from the tracker's address."""
    parsed = message_from_bytes(msg.as_bytes(), policy=policy.default)
    names = parsed.keys()  # a list: a header written twice shows twice
    if sorted(names) != sorted(expected):
        unexpected = ", ".join(sorted(set(names) ^ set(expected)))[:200]
        raise BadAddress(f"refused to build a message whose headers would differ from those written ({unexpected})")
    recipients = parsed["To"].addresses
    if len(recipients) != 1 or recipients[0].addr_spec != to.addr_spec:
        raise BadAddress(
            f"refused to build a message to {to.addr_spec} whose To header would not read back as that one address"
        )
    if _parts(parsed) != _parts(msg):
        raise BadAddress("refused to build a message whose parts would not read back as those written")


def _parts(msg: EmailMessage) -> list[str]:
    """The content types of a message's parts (of itself, when it has none)."""
    if not msg.is_multipart():
        return [msg.get_content_type()]
    return [msg.get_content_type()] + [part.get_content_type() for part in msg.iter_parts()]


def digest_message(
    digest: Digest,
    sender: Person,
    *,
    when: datetime,
    message_id: str | None = None,
    boundary: str | None = None,
    keep: int | None = None,
) -> EmailMessage:
    """Render a digest and wrap it in a message to its recipient (``keep``:
    each list shortened to its first entries, see :func:`notifications.render.context`)."""
    return build_message(
        render(digest, keep),
        sender,
        digest.recipient,
        locale=digest.locale,
        when=when,
        message_id=message_id,
        extra_headers={DIGEST_HEADER: digest.week},
        boundary=boundary,
    )


def fitted_digest_message(
    digest: Digest, sender: Person, *, when: datetime, message_id: str, boundary: str, limit: int
) -> bytes:
    """The digest's message, shortened until it is at most ``limit`` bytes
    (:func:`~notifications.transport.wire_size`): each list keeps as many of
    its first entries as fit, the same number for every list, and points to
    the command that prints it whole. When even no entry at all is too big,
    that shortest message.

    The number kept is the largest that fits (a binary search: the message
    grows with each entry kept). So the message fitted to ``limit`` is also
    the one fitted to its own size: how the outbox recognises a shortened
    digest as its own (:func:`agreements.digest.genuine`).
    """

    def message(keep: int | None) -> bytes:
        return digest_message(digest, sender, when=when, message_id=message_id, boundary=boundary, keep=keep).as_bytes()

    whole = message(None)
    if wire_size(whole) <= limit:
        return whole
    low, high, best = 0, longest_list(digest) - 1, None  # keep=longest shortens nothing
    while low <= high:
        keep = (low + high) // 2
        candidate = message(keep)
        if wire_size(candidate) <= limit:
            low, best = keep + 1, candidate
        else:
            high = keep - 1
    return best if best is not None else message(0)


@dataclass(frozen=True)
class Stored:
    """What a stored message says of itself, once :func:`check_stored` found it well formed."""

    when: datetime
    boundary: str


class NotADigest(Exception):
    """Stored bytes that are not a digest as :func:`digest_message` writes it."""


def check_stored(raw: bytes, *, sender: Person, to: str, message_id: str, week: str) -> Stored:
    """Read stored message bytes back as a server and a mail reader will. They
    must have exactly the headers :func:`digest_message` writes, each once, no
    more (no Bcc, Cc, Reply-To...); From the ``sender``; To the one address
    ``to``; the row's Message-ID and ``week``; a date; the text and HTML parts
    under a boundary of this tracker. Otherwise :class:`NotADigest`, saying what differs."""
    if len(raw) > MAX_MESSAGE:
        raise NotADigest(f"it is {len(raw)} bytes long, more than any digest")
    try:
        return _read_back(raw, sender=sender, to=to, message_id=message_id, week=week)
    except (ValueError, TypeError, AttributeError, IndexError, LookupError) as exc:  # what a parser may raise
        raise NotADigest(f"it cannot be read as a digest ({type(exc).__name__})") from None


def _read_back(raw: bytes, *, sender: Person, to: str, message_id: str, week: str) -> Stored:
    parsed = message_from_bytes(raw, policy=policy.default)
    names = parsed.keys()
    expected = _HEADERS | {DIGEST_HEADER}
    if sorted(names) != sorted(expected):
        differ = sorted(set(names) ^ expected) or sorted({n for n in names if names.count(n) > 1})
        raise NotADigest(f"its headers are not those of a digest ({header_text(', '.join(differ))[:200]})")
    written = address(sender, local_ok=True)
    senders = parsed["From"].addresses
    if [(a.addr_spec, a.display_name) for a in senders] != [(written.addr_spec, written.display_name)]:
        raise NotADigest(f"its From is not the configured sender {written.addr_spec}")
    if [a.addr_spec for a in parsed["To"].addresses] != [to]:
        raise NotADigest(f"its To header is not the one address {to}")
    if str(parsed["Message-ID"]) != message_id or not MESSAGE_ID.fullmatch(message_id):
        raise NotADigest("its Message-ID is not the row's, or not one the tracker writes")
    if str(parsed[DIGEST_HEADER]) != week:
        raise NotADigest(f"its {DIGEST_HEADER} header is not the row's week {week}")
    when = parsed["Date"].datetime
    boundary = parsed.get_boundary()
    if when is None or boundary is None or not BOUNDARY.fullmatch(boundary) or _parts(parsed) != _PARTS:
        raise NotADigest("its date or MIME structure is not those of a digest")
    return Stored(when=when, boundary=boundary)


_PARTS = ["multipart/alternative", "text/plain", "text/html"]
