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
CSV_COLUMNS = AGREEMENT_FIELDS + tuple("event_kind" if f == "kind" else f for f in EVENT_FIELDS)


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
