"""The tamper-evident chain of each agreement's history.

Every event stores a sha256 of its content together with the previous
event's hash, so changing, removing or reordering a stored event breaks the
chain from that event on. The hash covers the agreement's code, not its row
id, so an export imported elsewhere keeps the same chain.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Protocol

HASHED_FIELDS = (
    "seq",
    "kind",
    "from_stage",
    "to_stage",
    "occurred_on",
    "date_precision",
    "occurred_until",
    "recorded_at",
    "actor",
    "place",
    "note",
    "reason",
    "reference",
    "outcome",
    "open_articles",
    "awaiting",
    "source",
    "subject",
    "stated_actor",
    "stated_recorded_at",
    "occurred_from",
    "date_form",
    "target_seq",
    "correction",
    "party",
    "act_kind",
    "received_on",
    "received_from",
    "received_form",
    "instrument",
    "entry_rule",
)


class EventFields(Protocol):
    """An event's stored values by field name: a dict being written, or a
    row read with ``.mappings()`` (whose keys may also be columns)."""

    def __getitem__(self, key: str, /) -> Any: ...


# Python literals (repr) of str, int and None, one per line: unambiguous (a
# string's repr escapes newlines and quotes), stable across Python versions,
# and several times quicker than JSON for a million events.
_SEPARATOR = "\n"


def _day(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _utc(moment: datetime) -> str:
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.isoformat(timespec="microseconds")


# the last recording time formatted and its text: an import records the same
# moment (one object) on every event it adds, formatted here once, not per event
_last_recorded: tuple[datetime | None, str] = (None, "")


def _recorded(moment: datetime) -> str:
    global _last_recorded
    last = _last_recorded  # one read: (moment, text) stay paired whatever other threads do
    if last[0] is moment:
        return last[1]
    text = _utc(moment)
    _last_recorded = (moment, text)
    return text


def subject_of(
    *,
    title_az: str,
    title_en: str,
    kind: str,
    parties: Sequence[str],
    parent: str | None,
    officer: str | None,
) -> str:
    """An agreement's own fields as one canonical text, recorded on its
    opening event so that the chain covers them."""
    fields = {
        "title_az": title_az,
        "title_en": title_en,
        "kind": kind,
        "parties": list(parties),
        "parent": parent,
        "officer": officer,
    }
    return json.dumps(fields, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def event_hash(code: str, prev_hash: str | None, values: EventFields) -> str:
    """The hash of one event given the hash of the one before it.

    Written out field by field (not a loop over HASHED_FIELDS): an import
    hashes a million events, and this is most of its cost.
    """
    payload = [
        code,
        prev_hash or "",
        values["seq"],
        values["kind"],
        values["from_stage"],
        values["to_stage"],
        _day(values["occurred_on"]),
        values["date_precision"],
        _day(values["occurred_until"]),
        _recorded(values["recorded_at"]),
        values["actor"],
        values["place"],
        values["note"],
        values["reason"],
        values["reference"],
        values["outcome"],
        values["open_articles"],
        values["awaiting"],
        values["source"],
    ]
    subject, stated_actor, stated_at = values["subject"], values["stated_actor"], values["stated_recorded_at"]
    # hashed only when set, so that events written before migration 0009 keep their hashes
    if subject is not None or stated_actor is not None or stated_at is not None:
        payload += [subject, stated_actor, _utc(stated_at) if stated_at is not None else None]
    # 0011's columns, likewise hashed only when set
    start, form, target, correction = (
        values["occurred_from"],
        values["date_form"],
        values["target_seq"],
        values["correction"],
    )
    if start is not None or form is not None or target is not None or correction is not None:
        payload += ["0011", _day(start), form, target, correction]
    # 0013's columns (an act, an entry rule), likewise hashed only when set
    party, act, received, instrument, rule = (
        values["party"],
        values["act_kind"],
        values["received_on"],
        values["instrument"],
        values["entry_rule"],
    )
    received_from, received_form = values["received_from"], values["received_form"]
    if party is not None or act is not None or received_form is not None or instrument is not None or rule is not None:
        payload += ["0013", party, act, _day(received), _day(received_from), received_form, instrument, rule]
    return hashlib.sha256(_SEPARATOR.join(map(repr, payload)).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Break:
    code: str
    seq: int | None
    reason: str

    def __str__(self) -> str:
        where = f"event {self.seq}" if self.seq is not None else "the end of its history"
        return f"{self.code}: the chain breaks at {where} ({self.reason})"


def check_chain(code: str, events: Iterable[EventFields], head: str | None) -> Break | None:
    """The first place where ``events`` (in seq order) do not match their
    hashes, or where the stored head does not match the last event."""
    previous: str | None = None
    expected_seq = 1
    for event in events:
        seq = event["seq"]
        if seq != expected_seq:
            return Break(code, expected_seq, "missing event")
        if event["prev_hash"] != previous:
            return Break(code, seq, "does not follow the event before it")
        if event_hash(code, previous, event) != event["hash"]:
            return Break(code, seq, "content does not match its hash")
        previous = event["hash"]
        expected_seq += 1
    if head != previous:
        return Break(code, None, "the last stored event is not the chain's head: an event was removed")
    return None
