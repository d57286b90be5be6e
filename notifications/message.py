"""Build the e-mail: ``multipart/alternative`` (plain text first, then HTML),
UTF-8 throughout, with Message-ID, Date, From and To.

Header values never carry a line break: display names and subjects are
flattened to one line before they reach a header, and addresses are checked,
so a name such as ``"Ali\\r\\nBcc: x@evil"`` cannot add a header.
"""

from __future__ import annotations

from datetime import datetime
from email import message_from_bytes, policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr

from notifications.model import Digest, Person
from notifications.render import RenderedDigest, render
from workflows.inputs import BadAddress, check_address, header_text
from workflows.text import CONTROL, MAX_NAME


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
) -> EmailMessage:
    """A ready-to-send message with both parts."""
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
    must show exactly the ``expected`` headers, once each, and one recipient,
    ``to``. Otherwise some text changed the message's structure, and it is
    refused rather than sent from the tracker's address."""
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


def digest_message(
    digest: Digest,
    sender: Person,
    *,
    when: datetime,
    message_id: str | None = None,
) -> EmailMessage:
    """Render a digest and wrap it in a message to its recipient."""
    return build_message(
        render(digest),
        sender,
        digest.recipient,
        locale=digest.locale,
        when=when,
        message_id=message_id,
        extra_headers={"X-Agreements-Digest": digest.week},
    )
