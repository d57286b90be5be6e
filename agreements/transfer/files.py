"""Import and export of agreements with their whole history (JSON or CSV).

Importing is idempotent and append-only: an agreement already stored must
match the file, its stored events must be the start of the file's events,
and only the events after them are added. A file that contradicts the stored
history is refused whole.
"""
from __future__ import annotations

import csv
import gc
import io
import json
import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any, Iterable, Iterator, TextIO

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from agreements.clock import Clock
from agreements.store.database import Database
from agreements.errors import BadInput, DomainError, ImportConflict
from agreements.store.tables import Agreement, AgreementParty, Event
from workflows.events import EVENT_KINDS
from agreements.writes.apply import EventSpec, append_event, check_agreement_text
from agreements.writes.commands import transaction
from workflows.inputs import normalise_code, normalise_party
from agreements.writes.users import authorise
from workflows.chronology import DAY, PRECISIONS, UNKNOWN, When
from workflows.roles import HEAD, OFFICER, needed_to_enter
from workflows.stages import HEAD_STAGES, KINDS, STAGE_NAMES

FORMAT = "agreements-history"
VERSION = 1
AGREEMENT_FIELDS = ("code", "title_az", "title_en", "kind", "parties", "parent", "officer")
EVENT_FIELDS = (
    "kind", "from", "to", "on", "date_precision", "until", "place", "outcome",
    "open_articles", "actor", "note", "reason", "reference", "awaiting", "source",
    "recorded_at",
)
CSV_COLUMNS = AGREEMENT_FIELDS + tuple("event_kind" if f == "kind" else f for f in EVENT_FIELDS)
INSERT_BATCH = 2000  # events per executemany in an import


@dataclass
class AgreementRecord:
    code: str
    title_az: str
    title_en: str
    kind: str
    parties: list[str]
    parent: str | None
    officer: str | None
    events: list[EventSpec] = field(default_factory=list)


@dataclass
class ImportReport:
    agreements_added: int = 0
    events_added: int = 0
    agreements_unchanged: int = 0


# ---------------------------------------------------------------- parsing

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
            recorded_at.astimezone(timezone.utc)  # stored in UTC: 0001-01-01T00:00+04:00 has no such time
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


def parse_json(text: str, name: str) -> list[AgreementRecord]:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadInput(f"{name}: not valid JSON ({exc.msg} at line {exc.lineno})") from None
    except RecursionError:
        raise BadInput(f"{name}: not valid JSON (nested too deeply)") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise BadInput(f"{name}: not an {FORMAT} file (expected \"format\": \"{FORMAT}\")")
    unknown = set(document) - {"format", "version", "agreements"}
    if unknown:
        raise BadInput(f"{name}: unknown field(s) {', '.join(sorted(unknown))}")
    if document.get("version") != VERSION:
        raise BadInput(f"{name}: unsupported version {document.get('version')!r} (this tracker reads {VERSION})")
    agreements = document.get("agreements")
    if not isinstance(agreements, list):
        raise BadInput(f"{name}: \"agreements\" must be a list")
    return _unique([_agreement(a, f"{name}: agreement {i}") for i, a in enumerate(agreements, 1)], name)


def parse_csv(text: str, name: str) -> list[AgreementRecord]:
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


# ---------------------------------------------------------------- import

def _differences(event: Event, spec: EventSpec) -> list[str]:
    """Fields where the file says something else than the stored event.

    ``from``, ``to`` and ``awaiting`` left empty in a file mean "not stated".
    """
    pairs = {
        "kind": (event.kind, spec.kind),
        "on": (event.occurred_on, spec.when.on),
        "date_precision": (event.date_precision, spec.when.precision),
        "until": (event.occurred_until, spec.until),
        "place": (event.place, spec.place),
        "outcome": (event.outcome, spec.outcome),
        "open_articles": (event.open_articles, spec.open_articles),
        "note": (event.note, spec.note),
        "reason": (event.reason, spec.reason),
        "reference": (event.reference, spec.reference),
        "source": (event.source, spec.source),
        "actor": (event.actor, spec.actor),
    }
    stated = {"from": (event.from_stage, spec.from_), "to": (event.to_stage, spec.to), "awaiting": (event.awaiting, spec.awaiting)}
    pairs.update({k: v for k, v in stated.items() if v[1] is not None})
    return [name for name, (stored, given) in pairs.items() if stored != given]


def _check_same(existing: Agreement, record: AgreementRecord, parent_code: str | None) -> None:
    stored = {
        "title_az": existing.title_az,
        "title_en": existing.title_en,
        "kind": existing.kind,
        "parties": existing.party_codes,
        "parent": parent_code,
        "officer": existing.officer,
    }
    for name, value in stored.items():
        if getattr(record, name) != value:
            raise ImportConflict(
                f"{record.code} is stored with a different {name} ({value!r}); "
                "the file would change it, so nothing was imported"
            )


_TRIGGER_BODY = re.compile(
    r"^CREATE TRIGGER (\w+) AFTER INSERT ON events BEGIN (INSERT INTO \w+\(rowid, [\w, ]+\)) VALUES \((new\.id, .*)\); END$",
    re.S,
)


class _DeferredSearchIndex:
    """SQLite: index the imported events for full-text search in one statement
    per index at the end of the import, not one trigger run per row (ten
    times quicker). The per-row triggers of migration 0003 are dropped inside
    the import's transaction and created again, from their own text, before
    it commits; a failed import rolls all of it back. The bulk statement is
    derived from each trigger's own INSERT, so the indexed text is the same.
    """

    def __init__(self, session: Session) -> None:
        self.session = session
        self.triggers: list[tuple[str, str, str]] = []
        connection = session.connection()
        # make sure a transaction is open (pysqlite begins one before DML
        # only): the DROP TRIGGER below must roll back with the import
        connection.exec_driver_sql("UPDATE agreements SET id = id WHERE 0 = 1")
        if not connection.connection.dbapi_connection.in_transaction:
            return
        rows = connection.exec_driver_sql(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'events' ORDER BY name"
        ).all()
        for name, sql in rows:
            match = _TRIGGER_BODY.match(sql or "")
            if match and match.group(1) == name:
                bulk = f"{match.group(2)} SELECT {match.group(3)} FROM events AS new WHERE new.id > ?"
                self.triggers.append((name, sql, bulk))
        self.before = connection.exec_driver_sql("SELECT coalesce(max(id), 0) FROM events").scalar()
        for name, _sql, _bulk in self.triggers:
            connection.exec_driver_sql(f"DROP TRIGGER {name}")

    def finish(self) -> None:
        connection = self.session.connection()
        for name, sql, bulk in self.triggers:
            connection.exec_driver_sql(bulk, (self.before,))
            connection.exec_driver_sql(sql)
        self.triggers = []


class _Scratch:
    """A plain copy of an agreement row to replay imported events on.

    Attribute writes on an ORM row are instrumented and cost microseconds
    each; an import makes millions of them. The rules run on this copy and
    only the columns that changed are written back to the row, once.
    """

    def __init__(self, row: Agreement) -> None:
        self._names = _AGREEMENT_COLUMNS
        self._before = {name: getattr(row, name) for name in self._names}
        self.__dict__.update(self._before)

    def write_back(self, row: Agreement) -> None:
        for name in self._names:
            value = self.__dict__[name]
            if value != self._before[name]:
                setattr(row, name, value)


_AGREEMENT_COLUMNS = tuple(
    c.key for c in Agreement.__mapper__.column_attrs if c.key != "version"
)


def import_records(
    db: Database, records: list[AgreementRecord], clock: Clock, actor: str | None = None
) -> ImportReport:
    """Add what is new in ``records`` in one transaction; refuse contradictions.

    ``actor``, when given, must be allowed to record what the file adds
    (an officer; a head when it moves an agreement into a head's stage).
    """
    day, now = clock.today(), clock.now()
    report = ImportReport()

    def work(session: Session) -> ImportReport:
        if actor is not None:
            authorise(session, actor, OFFICER, "importing")
        needs_head = False
        codes = [r.code for r in records]
        existing = {
            a.code: a
            for a in session.scalars(select(Agreement).where(Agreement.code.in_(codes)))
        }
        parents = {a.id: a.code for a in existing.values()}
        by_code: dict[str, Agreement] = dict(existing)
        for record in records:
            if record.code in existing:
                agreement = existing[record.code]
                parent_code = None
                if agreement.parent_id is not None:
                    parent_code = parents.get(agreement.parent_id) or session.scalar(
                        select(Agreement.code).where(Agreement.id == agreement.parent_id)
                    )
                _check_same(agreement, record, parent_code)
                continue
            agreement = Agreement(
                code=record.code,
                title_az=record.title_az,
                title_en=record.title_en,
                kind=record.kind,
                officer=record.officer,
                stage=record.events[0].to or "draft",
                stage_since_precision=UNKNOWN,
                event_count=0,
                created_at=now,
                parties=[AgreementParty(party=p, position=i) for i, p in enumerate(record.parties)],
            )
            session.add(agreement)
            by_code[record.code] = agreement
            report.agreements_added += 1
        for record in records:
            if record.parent is None or record.code in existing:
                continue
            parent = by_code.get(record.parent) or session.scalar(
                select(Agreement).where(Agreement.code == record.parent)
            )
            if parent is None:
                raise BadInput(f"{record.code}: parent agreement {record.parent} is neither stored nor in the file")
            by_code[record.code].parent = parent
        session.flush()  # the new agreements get their ids: events are inserted as plain rows
        deferred = _DeferredSearchIndex(session) if db.is_sqlite else None
        rows: list[dict[str, Any]] = []
        insert_events = insert(Event.__table__)
        for record in records:
            agreement = by_code[record.code]
            stored = (
                list(session.scalars(select(Event).where(Event.agreement_id == agreement.id).order_by(Event.seq)))
                if record.code in existing
                else []
            )
            for index, event in enumerate(stored[: len(record.events)]):
                differs = _differences(event, record.events[index])
                if differs:
                    raise ImportConflict(
                        f"{record.code}: event {index + 1} in the file differs from the stored "
                        f"history ({', '.join(differs)}), which cannot be changed; nothing was imported"
                    )
            new = record.events[len(stored):]
            needs_head = needs_head or any(spec.to and needed_to_enter(spec.to) == HEAD for spec in new)
            if not new and record.code in existing:
                report.agreements_unchanged += 1
            scratch = _Scratch(agreement)
            for index, spec in enumerate(new, len(stored) + 1):
                try:
                    append_event(session, scratch, spec, day, now=now, rows=rows)
                except DomainError as exc:
                    raise BadInput(f"{record.code}, event {index}: {exc}") from None
                report.events_added += 1
            scratch.write_back(agreement)
            if len(rows) >= INSERT_BATCH:
                session.execute(insert_events, rows)
                rows = []
        if actor is not None and needs_head:
            authorise(session, actor, HEAD, "importing moves into " + ", ".join(sorted(HEAD_STAGES)))
        if rows:
            session.execute(insert_events, rows)
        if deferred is not None:
            deferred.finish()
        return report

    with _no_cyclic_gc():
        return transaction(db, "the import", work)


@contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """Parsing and importing an archive allocates millions of small objects
    and no reference cycles to speak of: the cyclic collector would walk the
    growing heap again and again for nothing. Reference counting still frees
    everything; the collector runs again afterwards."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def read_records(text: str, name: str, fmt: str | None = None) -> list[AgreementRecord]:
    fmt = fmt or ("csv" if name.lower().endswith(".csv") else "json")
    with _no_cyclic_gc():
        return parse_csv(text, name) if fmt == "csv" else parse_json(text, name)


# ---------------------------------------------------------------- export

def _export_event(event: Any) -> dict[str, Any]:
    return {
        "kind": event.kind,
        "from": event.from_stage,
        "to": event.to_stage,
        "on": event.occurred_on.isoformat() if event.occurred_on else None,
        "date_precision": event.date_precision,
        "until": event.occurred_until.isoformat() if event.occurred_until else None,
        "place": event.place,
        "outcome": event.outcome,
        "open_articles": event.open_articles,
        "actor": event.actor,
        "note": event.note,
        "reason": event.reason,
        "reference": event.reference,
        "awaiting": event.awaiting,
        "source": event.source,
        "recorded_at": event.recorded_at.isoformat(),
    }


_EXPORT_EVENT_COLUMNS = (
    "agreement_id", "kind", "from_stage", "to_stage", "occurred_on", "date_precision", "occurred_until", "place",
    "outcome", "open_articles", "actor", "note", "reason", "reference", "awaiting", "source", "recorded_at",
)


def iter_agreements(db: Database) -> Iterator[dict[str, Any]]:
    """Every agreement with its events, streamed: the agreements (without
    history) are read first, then one pass over the events in agreement
    order, yielding each agreement as soon as its events are read. Plain rows
    (typed as the ORM types them), never more than one history in memory.
    All of it is read in one snapshot: a backup of one moment, whatever is
    written meanwhile."""
    agreements_t, parties_t, events_t = Agreement.__table__, AgreementParty.__table__, Event.__table__
    with db.snapshot() as session:
        heads = session.execute(
            select(
                agreements_t.c.id, agreements_t.c.code, agreements_t.c.title_az, agreements_t.c.title_en,
                agreements_t.c.kind, agreements_t.c.parent_id, agreements_t.c.officer,
            ).order_by(agreements_t.c.id)
        ).all()
        codes = {h.id: h.code for h in heads}
        parties: dict[int, list[str]] = {}
        for aid, party in session.execute(
            select(parties_t.c.agreement_id, parties_t.c.party).order_by(parties_t.c.agreement_id, parties_t.c.position)
        ):
            parties.setdefault(aid, []).append(party)
        events = session.execute(
            select(*(events_t.c[c] for c in _EXPORT_EVENT_COLUMNS)).order_by(events_t.c.agreement_id, events_t.c.seq),
            execution_options={"yield_per": 2000},
        )
        pending = next(events, None)
        for head in heads:
            history: list[dict[str, Any]] = []
            while pending is not None and pending.agreement_id < head.id:
                pending = next(events, None)  # an event of no agreement: cannot happen (foreign key)
            while pending is not None and pending.agreement_id == head.id:
                history.append(_export_event(pending))
                pending = next(events, None)
            yield {
                "code": head.code,
                "title_az": head.title_az,
                "title_en": head.title_en,
                "kind": head.kind,
                "parties": parties.get(head.id, []),
                "parent": codes.get(head.parent_id) if head.parent_id else None,
                "officer": head.officer,
                "events": history,
            }
        events.close()


def write_json(agreements: Iterable[dict[str, Any]], out: TextIO) -> None:
    out.write('{\n  "format": "%s",\n  "version": %d,\n  "agreements": [' % (FORMAT, VERSION))
    for index, agreement in enumerate(agreements):
        out.write("," if index else "")
        out.write("\n    " + json.dumps(agreement, ensure_ascii=False))
    out.write("\n  ]\n}\n")


def write_csv(agreements: Iterable[dict[str, Any]], out: TextIO) -> None:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for agreement in agreements:
        head = [agreement[f] if f != "parties" else ";".join(agreement[f]) for f in AGREEMENT_FIELDS]
        rows = [head + [_csv_value(event[f]) for f in EVENT_FIELDS] for event in agreement["events"]]
        chunk = io.StringIO()
        csv.writer(chunk, lineterminator="\n").writerows(rows)
        if "\r" in chunk.getvalue():
            # the csv module leaves a lone CR unquoted when lines end in LF, and
            # a reader takes it for the end of the row: quote every field instead
            chunk = io.StringIO()
            csv.writer(chunk, lineterminator="\n", quoting=csv.QUOTE_ALL).writerows(rows)
        out.write(chunk.getvalue())


def _csv_value(value: Any) -> Any:
    return "" if value is None else value
