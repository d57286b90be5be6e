"""The one home for checking what people and files type in: agreement codes,
counterparts, free text, one-line names and e-mail addresses.

Pure functions: each returns the normalised value or raises
:class:`~workflows.errors.BadInput` with a message naming the problem.
"""

from __future__ import annotations

import re
from typing import Any, Literal, overload

from workflows.errors import BadInput
from workflows.parties import resolve
from workflows.text import CONTROL, MAX_NAME, MAX_TEXT, TEXT_LIMITS

CODE_RE = re.compile(r"^[A-Z0-9][A-Z0-9-]{0,39}$")
#: the shape of a counterpart's code (which codes exist is workflows.parties' question)
PARTY_RE = re.compile(r"^[A-Z]{2,12}$")
#: the start of an RFC 2047 encoded word (``=?utf-8?q?...?=``): a mail reader,
#: and Python's email package while it writes a header, decodes it into any
#: character, a line break included (CPython's CVE-2024-6923 is of this class)
ENCODED_WORD_START = "=?"
#: a sender on a local network, e.g. agreements@localhost
_LOCAL_ADDRESS = re.compile(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*$")


class BadAddress(BadInput):
    """An e-mail address that cannot be used."""


def normalise_code(code: str) -> str:
    """An agreement code in upper case (``ra-mda`` → ``RA-MDA``)."""
    value = code.strip().upper()
    if not CODE_RE.match(value):
        raise BadInput(
            f"invalid agreement code {code!r}: use letters, digits and dashes, at most 40 characters (e.g. RA-MDA)"
        )
    return value


def normalise_party(party: str) -> str:
    """A counterpart's code: an ISO 3166 alpha-3 code or an organisation's
    (EU, IOM), typed as the code in any case or as a name in English or
    Azerbaijani (``Moldova`` -> ``MDA``); anything else is refused with the
    close matches (:func:`workflows.parties.resolve`). Every door a
    counterpart comes in by (add, the --party filters, recipients, import)
    passes here."""
    return resolve(party)


def check_text(name: str, value: str | None, limit: int | None = None) -> None:
    """The rule for every free text a user or an import file gives.

    Any character is stored as given (quotes, markup, line breaks, right-to-left
    marks) except NUL (0x00), which PostgreSQL text cannot hold: it is refused
    on every backend alike, naming the field, before anything is written.
    """
    if value is None:
        return
    if "\x00" in value:
        raise BadInput(f"{name} cannot contain the NUL character (0x00)")
    limit = limit or TEXT_LIMITS.get(name, MAX_TEXT)
    if len(value) > limit:
        raise BadInput(f"{name} is longer than {limit} characters")


def check_agreement_text(agreement: Any) -> None:
    """:func:`check_text` on an agreement's own free text (titles, officer)."""
    for name in ("title_az", "title_en", "officer"):
        check_text(name, getattr(agreement, name))


@overload
def single_line(what: str, value: str | None, required: Literal[True]) -> str: ...
@overload
def single_line(what: str, value: str | None, required: bool = False) -> str | None: ...
def single_line(what: str, value: str | None, required: bool = False) -> str | None:
    """A name that must fit on one line (recipients, users): spaces collapsed."""
    if value is None or not value.strip():
        if required:
            raise BadInput(f"{what} cannot be empty")
        return None
    if CONTROL.search(value):
        raise BadInput(f"{what} cannot contain line breaks or control characters")
    if ENCODED_WORD_START in value:
        raise BadInput(f"{what} cannot contain '=?', which starts a MIME encoded word that a mail reader decodes")
    if len(value) > MAX_NAME:
        raise BadInput(f"{what} is longer than {MAX_NAME} characters")
    return " ".join(value.split())


def header_text(text: str | None) -> str:
    """Text safe for one line (a mail header, a log line): control characters
    become spaces, runs of space collapse, and ``=?`` becomes ``= ?`` so that
    no MIME encoded word (which could decode to a line break) reaches a header."""
    return " ".join(CONTROL.sub(" ", text or "").split()).replace(ENCODED_WORD_START, "= ?")


def check_address(email: str, local_ok: bool = False) -> str:
    """The normalised address, or :class:`BadAddress` (syntax only: no DNS lookup).

    ``local_ok`` also accepts a domain without a dot (``agreements@localhost``):
    for a sender, not for a recipient.
    """
    from email_validator import EmailNotValidError, validate_email  # 40 ms: only when an address is checked

    if CONTROL.search(email or ""):
        raise BadAddress(f"invalid e-mail address {header_text(email)!r}: it contains control characters")
    try:
        return validate_email(email, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        if local_ok and _LOCAL_ADDRESS.match(email or ""):
            return email
        raise BadAddress(f"invalid e-mail address {email!r}: {exc}") from None


def normalise_email(email: str) -> str:
    """A recipient's or user's address, normalised (surrounding spaces dropped)."""
    return check_address((email or "").strip())
