"""Reading history files: JSON or CSV text into validated agreement records.

Every field is checked here, with the file name, agreement and event number
in the message, so that a bad file is refused before anything is stored.
A file is read as a stream, an agreement (JSON) or a line (CSV) at a time,
each checked before the next is read: a file of junk is refused at its first
wrong agreement or line, in memory that does not grow with its size.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any, BinaryIO, Literal, TextIO, overload

from agreements.errors import BadInput
from agreements.transfer.bulk import no_cyclic_gc
from agreements.transfer.formats import (
    ACT_FIELDS,
    AGREEMENT_FIELDS,
    CSV_REQUIRED,
    EVENT_FIELDS,
    EXPORTED_EVENT_FIELDS,
    HASH_FIELD,
    MAX_CSV_LINE,
    REVISION_FIELDS,
    AgreementRecord,
    file_received,
    file_revision,
    file_when,
)
from agreements.transfer.json_stream import json_agreements
from agreements.writes.apply import EventSpec
from workflows.acts import normalise_act_party
from workflows.events import EVENT_KINDS, OPENED
from workflows.inputs import check_agreement_text, normalise_code, normalise_party
from workflows.stages import KINDS, STAGE_NAMES


def read_file(source: BinaryIO, name: str, fmt: str | None = None) -> list[AgreementRecord]:
    """Parse a history file from a binary stream (UTF-8, a byte-order mark
    allowed), reading it as it goes; ``fmt`` ("json" or "csv") defaults to
    the file name's, else JSON."""
    fmt = fmt or ("csv" if name.lower().endswith(".csv") else "json")
    with no_cyclic_gc():
        if fmt != "csv":
            return _parse_json(source, name)
        # "utf-8-sig": a byte-order mark (Excel's "CSV UTF-8") is not content
        text = io.TextIOWrapper(source, encoding="utf-8-sig", newline="")
        try:
            return _parse_csv(text, name)
        finally:
            text.detach()  # the caller closes the stream it opened


def read_records(text: str, name: str, fmt: str | None = None) -> list[AgreementRecord]:
    """Parse a history file given as text (see :func:`read_file`)."""
    return read_file(io.BytesIO(text.encode("utf-8", "surrogateescape")), name, fmt)


def parse_json(text: str, name: str) -> list[AgreementRecord]:
    """The agreements of a JSON history file (``name`` is for messages)."""
    return read_records(text, name, "json")


def parse_csv(text: str, name: str) -> list[AgreementRecord]:
    """The agreements of a CSV history file (``name`` is for messages)."""
    return read_records(text, name, "csv")


def _parse_json(source: BinaryIO, name: str) -> list[AgreementRecord]:
    records: list[AgreementRecord] = []
    codes: set[str] = set()
    for index, raw in enumerate(json_agreements(source, name, _streamed_event), 1):
        records.append(_unique(_agreement(raw, f"{name}: agreement {index}"), codes, name))
    return records


def _parse_csv(text: TextIO, name: str) -> list[AgreementRecord]:
    """One row per event, the agreement's columns repeated on each of its
    rows; each row is checked as it is read."""
    reader = csv.DictReader(_lines(text, name))
    try:
        fieldnames = reader.fieldnames  # reads the header line: malformed CSV may fail here already
    except csv.Error as exc:
        raise BadInput(f"{name}: malformed CSV ({exc})") from None
    missing = set(CSV_REQUIRED) - set(fieldnames or ())
    if missing:
        raise BadInput(f"{name}: missing CSV column(s) {', '.join(sorted(missing))}")
    # per code as written in the file: its record, its columns as first read, its number in the file
    seen: dict[str, tuple[AgreementRecord, dict[str, Any], str]] = {}
    codes: set[str] = set()
    has_hash = HASH_FIELD in (fieldnames or ())
    present_revision_fields = [f for f in REVISION_FIELDS + ACT_FIELDS if f in (fieldnames or ())]
    try:
        for line, row in enumerate(reader, 2):
            code = row["code"]
            head = {
                "code": code,
                "title_az": row["title_az"],
                "title_en": row["title_en"],
                "kind": row["kind"],
                "parties": [p for p in (row["parties"] or "").split(";") if p],
                "parent": row["parent"] or None,
                "officer": row["officer"] or None,
            }
            event = {f: row["event_kind" if f == "kind" else f] or None for f in EVENT_FIELDS}
            if has_hash:
                event[HASH_FIELD] = row[HASH_FIELD] or None
            for optional in present_revision_fields:
                event[optional] = row[optional] or None
            if code not in seen:
                where = f"{name}: agreement {len(seen) + 1}"
                record = _unique(_agreement({**head, "events": [event]}, where), codes, name)
                seen[code] = (record, head, f"{where} ({record.code})")
                continue
            record, first, where = seen[code]
            for key, value in head.items():
                if first[key] != value:
                    raise BadInput(f"{name}: line {line}: {key} of {code} differs from its earlier rows")
            number = len(record.events) + 1
            record.events.append(_placed(event, number, f"{where}, event {number}"))
    except csv.Error as exc:
        raise BadInput(f"{name}: malformed CSV ({exc})") from None
    return [record for record, _head, _where in seen.values()]


def _streamed_event(where: str, head: dict[str, Any], number: int, raw: Any) -> EventSpec:
    """An event of an agreement read in parts, checked as it is read
    (``head``: the agreement's fields read before its events)."""
    code = head.get("code")
    if isinstance(code, str) and code:
        where = f"{where} ({normalise_code(code)})"
    return _placed(raw, number, f"{where}, event {number}")


def _lines(text: TextIO, name: str) -> Iterator[str]:
    """The lines of ``text`` for the csv reader, each at most MAX_CSV_LINE characters."""
    try:
        while line := text.readline(MAX_CSV_LINE + 1):
            if len(line) > MAX_CSV_LINE:
                raise BadInput(f"{name}: malformed CSV (a line longer than {MAX_CSV_LINE:,} characters)")
            yield line
    except UnicodeDecodeError as exc:
        raise BadInput(f"{name}: cannot read it: not UTF-8 text ({exc.reason})") from None


def _unique(record: AgreementRecord, codes: set[str], name: str) -> AgreementRecord:
    if record.code in codes:
        raise BadInput(f"{name}: agreement {record.code} appears twice")
    codes.add(record.code)
    return record


@overload
def _text(value: Any, where: str, name: str, required: Literal[True]) -> str: ...
@overload
def _text(value: Any, where: str, name: str, required: bool = False) -> str | None: ...
def _text(value: Any, where: str, name: str, required: bool = False) -> str | None:
    if value is None or value == "":
        if required:
            raise BadInput(f"{where}: {name} is missing")
        return None
    if not isinstance(value, str):
        raise BadInput(f"{where}: {name} must be text")
    return value


def _date(value: Any, where: str, name: str) -> date | None:
    if value is None or value == "":
        return None
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise BadInput(f"{where}: {name} {value!r} is not a date (YYYY-MM-DD)") from None


_EVENT_KEYS = frozenset(EXPORTED_EVENT_FIELDS)


def _event(raw: Any, where: str) -> EventSpec:
    if not isinstance(raw, dict):
        raise BadInput(f"{where}: an event must be an object")
    unknown = set(raw) - _EVENT_KEYS
    if unknown:
        raise BadInput(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
    anchor = raw.get(HASH_FIELD)  # an export's anchor: read, never recorded (a file cannot vouch for it)
    if anchor is not None and not isinstance(anchor, str):
        raise BadInput(f"{where}: {HASH_FIELD} must be text")
    kind = _text(raw.get("kind"), where, "kind", required=True)
    if kind not in EVENT_KINDS:
        raise BadInput(f"{where}: unknown event kind {kind!r}; one of: {', '.join(EVENT_KINDS)}")
    when = file_when(raw.get("on"), raw.get("date_precision"), where)
    target, correction = file_revision(raw.get("target"), raw.get("correction"), where)
    articles = raw.get("open_articles")
    if articles in ("", None):
        articles = None
    else:
        try:
            if isinstance(articles, bool) or (isinstance(articles, float) and not articles.is_integer()):
                raise ValueError(articles)
            articles = int(articles)
        except (TypeError, ValueError, OverflowError):
            raise BadInput(f"{where}: open_articles must be a whole number") from None
    recorded = raw.get("recorded_at")
    recorded_at = None
    if recorded:
        try:
            recorded_at = datetime.fromisoformat(recorded)
        except (TypeError, ValueError):
            raise BadInput(f"{where}: recorded_at {recorded!r} is not a timestamp") from None
        if recorded_at.tzinfo is None:
            raise BadInput(f"{where}: recorded_at needs a UTC offset")
        try:
            recorded_at.astimezone(UTC)  # stored in UTC: 0001-01-01T00:00+04:00 has no such time
        except OverflowError:
            raise BadInput(f"{where}: recorded_at {recorded!r} is out of range in UTC") from None
    stages = {name: _text(raw.get(name), where, name) for name in ("from", "to")}
    for name, stage in stages.items():
        if stage is not None and stage not in STAGE_NAMES:
            raise BadInput(f"{where}: unknown stage {stage!r} in {name}; one of: {', '.join(STAGE_NAMES)}")
    return EventSpec(
        kind=kind,
        when=when,
        actor=_text(raw.get("actor"), where, "actor") or "import",
        to=stages["to"],
        from_=stages["from"],
        until=_date(raw.get("until"), where, "until"),
        place=_text(raw.get("place"), where, "place"),
        outcome=_text(raw.get("outcome"), where, "outcome"),
        open_articles=articles,
        note=_text(raw.get("note"), where, "note"),
        reason=_text(raw.get("reason"), where, "reason"),
        reference=_text(raw.get("reference"), where, "reference"),
        awaiting=_text(raw.get("awaiting"), where, "awaiting"),
        source=_text(raw.get("source"), where, "source"),
        recorded_at=recorded_at,
        target_seq=target,
        correction=correction,
        **_act_fields(raw, where),
    )


def _act_fields(raw: dict[str, Any], where: str) -> dict[str, Any]:
    """An act's and an entry rule's fields of a file's event (none in files
    written before them)."""
    party = _text(raw.get("party"), where, "party")
    if party is not None:
        try:
            party = normalise_act_party(party)
        except BadInput as exc:
            raise BadInput(f"{where}: party: {exc}") from None
    return {
        "party": party,
        "act": _text(raw.get("act"), where, "act"),
        "received": file_received(raw.get("received"), where),
        "instrument": _text(raw.get("instrument"), where, "instrument"),
        "rule": _text(raw.get("rule"), where, "rule"),
    }


def _placed(raw: Any, number: int, where: str) -> EventSpec:
    """Event ``number`` of a history, checked as it is read: a file holds
    each history whole, from its opening and with no other (so a file of
    anything else is refused at its first event)."""
    spec = _event(raw, where)
    if number == 1 and spec.kind != OPENED:
        raise _not_opening(where)
    if number > 1 and spec.kind == OPENED:
        raise _reopening(where)
    return spec


def _not_opening(where: str) -> BadInput:
    return BadInput(f"{where}: a history starts with its opening (kind {OPENED}); a file holds each one whole")


def _reopening(where: str) -> BadInput:
    return BadInput(f"{where}: only the first event opens a history")


def _agreement(raw: Any, where: str) -> AgreementRecord:
    if not isinstance(raw, dict):
        raise BadInput(f"{where}: an agreement must be an object")
    unknown = set(raw) - set(AGREEMENT_FIELDS) - {"events"}
    if unknown:
        raise BadInput(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
    code = normalise_code(_text(raw.get("code"), where, "code", required=True))
    where = f"{where} ({code})"
    kind = _text(raw.get("kind"), where, "kind", required=True)
    if kind not in KINDS:
        raise BadInput(f"{where}: unknown kind {kind!r}; one of: {', '.join(KINDS)}")
    parties = raw.get("parties")
    if not isinstance(parties, list) or not parties or not all(isinstance(p, str) for p in parties):
        raise BadInput(f"{where}: parties must be a non-empty list of codes")
    parties = [normalise_party(p) for p in parties]
    if len(set(parties)) != len(parties):
        raise BadInput(f"{where}: a counterpart is given twice in parties")
    events = raw.get("events")
    if not isinstance(events, list) or not events:
        raise BadInput(f"{where}: events must be a non-empty list")
    parent = _text(raw.get("parent"), where, "parent")
    specs = [e if isinstance(e, EventSpec) else _event(e, f"{where}, event {i}") for i, e in enumerate(events, 1)]
    if specs[0].kind != OPENED:
        raise _not_opening(f"{where}, event 1")
    again = next((i for i, spec in enumerate(specs[1:], 2) if spec.kind == OPENED), None)
    if again is not None:
        raise _reopening(f"{where}, event {again}")
    record = AgreementRecord(
        code=code,
        title_az=_text(raw.get("title_az"), where, "title_az", required=True),
        title_en=_text(raw.get("title_en"), where, "title_en", required=True),
        kind=kind,
        parties=parties,
        parent=normalise_code(parent) if parent else None,
        officer=_text(raw.get("officer"), where, "officer"),
        events=specs,
    )
    try:  # here, not at the opening event: the new rows are flushed before their events
        check_agreement_text(record)
    except BadInput as exc:
        raise BadInput(f"{where}: {exc}") from None
    return record
