"""Build the e-mail: ``multipart/alternative`` (plain text first, then HTML),
UTF-8 throughout, with Message-ID, Date, From and To.

Header values never carry a line break: display names and subjects are
flattened to one line before they reach a header, and addresses are checked,
so a name such as ``"Ali\\r\\nBcc: x@evil"`` cannot add a header.
"""
from __future__ import annotations

import re
from datetime import datetime
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from notifications.model import Digest, Person
from notifications.render import RenderedDigest, render
from workflows.text import CONTROL

#: a sender on a local network, e.g. agreements@localhost
_LOCAL_ADDRESS = re.compile(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*$")


class BadAddress(ValueError):
    """An e-mail address that cannot be used."""


def one_line(text: str | None) -> str:
    """Text safe for a header: control characters become spaces, runs of space collapse."""
    return " ".join(CONTROL.sub(" ", text or "").split())


def check_address(email: str, local_ok: bool = False) -> str:
    """The normalised address, or :class:`BadAddress` (syntax only: no DNS lookup).

    ``local_ok`` also accepts a domain without a dot (``agreements@localhost``):
    for a sender, not for a recipient.
    """
    from email_validator import EmailNotValidError, validate_email

    if CONTROL.search(email or ""):
        raise BadAddress(f"invalid e-mail address {one_line(email)!r}: it contains control characters")
    try:
        return validate_email(email, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        if local_ok and _LOCAL_ADDRESS.match(email or ""):
            return email
        raise BadAddress(f"invalid e-mail address {email!r}: {exc}") from None


def address(person: Person, local_ok: bool = False) -> Address:
    email = check_address(person.email, local_ok)
    local, _, domain = email.rpartition("@")
    return Address(display_name=one_line(person.name), username=local, domain=domain)


def parse_person(text: str, local_ok: bool = False) -> Person:
    """``"Name <a@b.az>"`` or ``"a@b.az"`` as a :class:`Person`."""
    from email.utils import parseaddr

    if CONTROL.search(text or ""):
        raise BadAddress(f"invalid address {one_line(text)!r}: it contains control characters")
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
    msg["Subject"] = one_line(rendered.subject)
    msg["From"] = sender_address
    msg["To"] = address(recipient)
    msg["Date"] = format_datetime(when)
    msg["Message-ID"] = message_id or make_msgid("digest", domain=sender_address.domain or None)
    # an automatic message: no out-of-office replies, no auto-forward loops
    msg["Auto-Submitted"] = "auto-generated"
    msg["X-Auto-Response-Suppress"] = "All"
    for name, value in (extra_headers or {}).items():
        msg[one_line(name)] = one_line(value)
    msg.set_content(rendered.text, subtype="plain", charset="utf-8", cte="quoted-printable")
    msg.add_alternative(rendered.html, subtype="html", charset="utf-8", cte="quoted-printable")
    msg["Content-Language"] = locale  # after the parts: set_content drops Content-* headers
    return msg


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
