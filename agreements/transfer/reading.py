"""Reading history files: JSON or CSV text into validated agreement records.

Every field is checked here, with the file name, agreement and event number
in the message, so that a bad file is refused before anything is stored.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime
from typing import Any, Literal, overload

from agreements.errors import BadInput
from agreements.transfer.bulk import no_cyclic_gc
from agreements.transfer.formats import AGREEMENT_FIELDS, CSV_COLUMNS, EVENT_FIELDS, FORMAT, VERSION, AgreementRecord
from agreements.writes.apply import EventSpec
from workflows.chronology import DAY, PRECISIONS, UNKNOWN, When
from workflows.events import EVENT_KINDS
from workflows.inputs import check_agreement_text, normalise_code, normalise_party
from workflows.stages import KINDS, STAGE_NAMES


def read_records(text: str, name: str, fmt: str | None = None) -> list[AgreementRecord]:
    """Parse a history file; ``fmt`` ("json" or "csv") defaults to the file name's, else JSON."""
    fmt = fmt or ("csv" if name.lower().endswith(".csv") else "json")
    text = text.removeprefix("\ufeff")  # a byte-order mark (Excel's "CSV UTF-8") is not content
    with no_cyclic_gc():
        return parse_csv(text, name) if fmt == "csv" else parse_json(text, name)


def parse_json(text: str, name: str) -> list[AgreementRecord]:
    """The agreements of a JSON history file (``name`` is for messages)."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadInput(f"{name}: not valid JSON ({exc.msg} at line {exc.lineno})") from None
    except RecursionError:
        raise BadInput(f"{name}: not valid JSON (nested too deeply)") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise BadInput(f'{name}: not an {FORMAT} file (expected "format": "{FORMAT}")')
    unknown = set(document) - {"format", "version", "agreements"}
    if unknown:
        raise BadInput(f"{name}: unknown field(s) {', '.join(sorted(unknown))}")
    if document.get("version") != VERSION:
        raise BadInput(f"{name}: unsupported version {document.get('version')!r} (this tracker reads {VERSION})")
    agreements = document.get("agreements")
    if not isinstance(agreements, list):
        raise BadInput(f'{name}: "agreements" must be a list')
    return _unique([_agreement(a, f"{name}: agreement {i}") for i, a in enumerate(agreements, 1)], name)


def parse_csv(text: str, name: str) -> list[AgreementRecord]:
    """The agreements of a CSV history file: one row per event, the
    agreement's columns repeated on each of its rows."""
    reader = csv.DictReader(io.StringIO(text))
    try:
        fieldnames = reader.fieldnames  # reads the header line: malformed CSV may fail here already
    except csv.Error as exc:
        raise BadInput(f"{name}: malformed CSV ({exc})") from None
    missing = set(CSV_COLUMNS) - set(fieldnames or ())
    if missing:
        raise BadInput(f"{name}: missing CSV column(s) {', '.join(sorted(missing))}")
    grouped: dict[str, dict[str, Any]] = {}
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
            raw = grouped.setdefault(code, {**head, "events": []})
            for key, value in head.items():
                if raw[key] != value:
                    raise BadInput(f"{name}: line {line}: {key} of {code} differs from its earlier rows")
            event = {f: row["event_kind" if f == "kind" else f] or None for f in EVENT_FIELDS}
            raw["events"].append(event)
    except csv.Error as exc:
        raise BadInput(f"{name}: malformed CSV ({exc})") from None
    return _unique([_agreement(a, f"{name}: agreement {i}") for i, a in enumerate(grouped.values(), 1)], name)


def _unique(records: list[AgreementRecord], name: str) -> list[AgreementRecord]:
    seen: set[str] = set()
    for record in records:
        if record.code in seen:
            raise BadInput(f"{name}: agreement {record.code} appears twice")
        seen.add(record.code)
    return records


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


def _event(raw: Any, where: str) -> EventSpec:
    if not isinstance(raw, dict):
        raise BadInput(f"{where}: an event must be an object")
    unknown = set(raw) - set(EVENT_FIELDS)
    if unknown:
        raise BadInput(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
    kind = _text(raw.get("kind"), where, "kind", required=True)
    if kind not in EVENT_KINDS:
        raise BadInput(f"{where}: unknown event kind {kind!r}; one of: {', '.join(EVENT_KINDS)}")
    on = _date(raw.get("on"), where, "on")
    precision = raw.get("date_precision") or (DAY if on else UNKNOWN)
    if precision not in PRECISIONS:
        raise BadInput(f"{where}: date_precision must be one of {', '.join(PRECISIONS)}")
    if (on is None) != (precision == UNKNOWN):
        raise BadInput(f"{where}: date_precision {precision!r} does not fit on={raw.get('on')!r}")
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
        when=When(on, precision),
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
    )


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
    record = AgreementRecord(
        code=code,
        title_az=_text(raw.get("title_az"), where, "title_az", required=True),
        title_en=_text(raw.get("title_en"), where, "title_en", required=True),
        kind=kind,
        parties=parties,
        parent=normalise_code(parent) if parent else None,
        officer=_text(raw.get("officer"), where, "officer"),
        events=[_event(e, f"{where}, event {i}") for i, e in enumerate(events, 1)],
    )
    try:  # here, not at the opening event: the new rows are flushed before their events
        check_agreement_text(record)
    except BadInput as exc:
        raise BadInput(f"{where}: {exc}") from None
    return record
