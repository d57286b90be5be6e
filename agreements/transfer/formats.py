"""The history file format (JSON and CSV) and the record one agreement of a
file becomes: the field names are the format, shared by reading and export."""

from __future__ import annotations

from dataclasses import dataclass, field

from agreements.writes.apply import EventSpec

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
EXPORTED_EVENT_FIELDS = EVENT_FIELDS + (HASH_FIELD,)
#: the columns a CSV history file must have (files written before the hash
#: column was added have no ``hash``)
CSV_REQUIRED = AGREEMENT_FIELDS + tuple("event_kind" if f == "kind" else f for f in EVENT_FIELDS)
CSV_COLUMNS = CSV_REQUIRED + (HASH_FIELD,)
#: the longest line of a CSV history file (its free texts are at most 10,000
#: characters each): a file is read a line at a time, so that a file of junk
#: takes memory bounded by this rather than by its size
MAX_CSV_LINE = 1 << 20


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
