"""The history file format (JSON and CSV) and the record one agreement of a
file becomes: the field names are the format, shared by reading and export."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from agreements.errors import BadInput
from agreements.writes.apply import EventSpec
from workflows.date_forms import DAY, FORMS, NOT_AFTER, UNKNOWN, When, parse_when, text_of
from workflows.errors import BadDate
from workflows.revisions import decode, encode

FORMAT = "agreements-history"
VERSION = 1
AGREEMENT_FIELDS = ("code", "title_az", "title_en", "kind", "parties", "parent", "officer")
EVENT_FIELDS = (
    "kind",
    "from",
    "to",
    "on",
    "date_precision",
    "until",
    "place",
    "outcome",
    "open_articles",
    "actor",
    "note",
    "reason",
    "reference",
    "awaiting",
    "source",
    "recorded_at",
)
#: what an export adds to each event: its stored hash, so that an export is an
#: anchor of the history; an import reads it but records nothing of it (a file
#: cannot vouch for a hash; the tracker computes its own)
HASH_FIELD = "hash"
#: what a correction or retraction adds: the # of the event it is about, and
#: the fields a correction supersedes (an object in JSON, its JSON text in CSV)
REVISION_FIELDS = ("target", "correction")
#: what a party's act adds (workflows.acts): the party, the kind of act, the
#: day it was received (in any form ``on`` takes), the instrument; and what an
#: entry_rule event adds: the rule (workflows.entry_force)
ACT_FIELDS = ("party", "act", "received", "instrument", "rule")
EXPORTED_EVENT_FIELDS = EVENT_FIELDS + REVISION_FIELDS + ACT_FIELDS + (HASH_FIELD,)
#: the columns a CSV history file must have (files written before the hash
#: and revision columns were added have neither)
CSV_REQUIRED = AGREEMENT_FIELDS + tuple("event_kind" if f == "kind" else f for f in EVENT_FIELDS)
CSV_COLUMNS = CSV_REQUIRED + REVISION_FIELDS + ACT_FIELDS + (HASH_FIELD,)
#: the longest line of a CSV history file (its free texts are at most 10,000
#: characters each): a file is read a line at a time, so that a file of junk
#: takes memory bounded by this rather than by its size
MAX_CSV_LINE = 1 << 20


def file_date(when: When) -> tuple[str | None, str]:
    """An event's ``on`` and ``date_precision`` in a file. The three forms of
    version 1 files are written as they always were (an ISO day, or none for
    unknown, with ``day``/``not_after``/``unknown``); the others as typed
    (``2016-11``, ``>=2016-11-24``, ``2016-11-24..2016-12-31``) with the form."""
    if when.precision == UNKNOWN:
        return None, UNKNOWN
    if when.precision in (DAY, NOT_AFTER):
        return (when.on.isoformat() if when.on else None), when.precision
    return text_of(when), when.precision


def file_when(on: object, precision: object, where: str) -> When:
    """The date of a file's ``on`` and ``date_precision`` (see :func:`file_date`);
    ``on`` alone may be in any form a user types."""
    if on is not None and not isinstance(on, str):
        raise BadInput(f"{where}: on must be text")
    if precision not in (None, "") and precision not in FORMS:
        raise BadInput(f"{where}: date_precision must be one of {', '.join(FORMS)}")
    if on in (None, ""):
        if precision not in (None, "", UNKNOWN):
            raise BadInput(f"{where}: date_precision {precision!r} needs a date in on")
        return When(None, UNKNOWN)
    try:
        when = parse_when(on)
    except BadDate as exc:
        raise BadInput(f"{where}: on: {exc}") from None
    if precision == NOT_AFTER and when.precision == DAY:
        return When(when.on, NOT_AFTER)  # a version 1 bound: the day, with the precision beside it
    if precision not in (None, "") and precision != when.precision:
        raise BadInput(f"{where}: date_precision {precision!r} does not fit on={on!r}")
    return when


def file_revision(target: object, correction: object, where: str) -> tuple[int | None, str | None]:
    """A file's ``target`` and ``correction`` as stored: the seq, and the
    correction's canonical JSON text (from an object, or from JSON text)."""
    if target in (None, ""):
        seq = None
    else:
        try:
            if not isinstance(target, (int, str)) or isinstance(target, bool):
                raise ValueError(target)
            seq = int(target)
        except (TypeError, ValueError):
            raise BadInput(f"{where}: target must be the # of an event") from None
        if seq < 1:
            raise BadInput(f"{where}: target must be the # of an event")
    if correction in (None, ""):
        return seq, None
    if isinstance(correction, str):
        try:
            correction = json.loads(correction)
        except ValueError:
            raise BadInput(f"{where}: correction is not JSON") from None
    if not isinstance(correction, dict):
        raise BadInput(f"{where}: correction must be an object of the fields it corrects")
    try:
        return seq, encode(decode(json.dumps(correction)))
    except (BadDate, ValueError) as exc:
        raise BadInput(f"{where}: correction: {exc}") from None


def file_received(value: object, where: str) -> When | None:
    """An act's ``received`` in a file: a date in any form ``on`` takes."""
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise BadInput(f"{where}: received must be text")
    try:
        return parse_when(value)
    except BadDate as exc:
        raise BadInput(f"{where}: received: {exc}") from None


@dataclass
class AgreementRecord:
    """One agreement of a file with its events, validated but not yet stored."""

    code: str
    title_az: str
    title_en: str
    kind: str
    parties: list[str]
    parent: str | None
    officer: str | None
    events: list[EventSpec] = field(default_factory=list)
