"""Export: every agreement with its whole history, streamed from one snapshot
of the database into a JSON or CSV history file (a logical backup)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Generator, Iterable, Sequence
from typing import Any, TextIO, cast

from sqlalchemy import ColumnElement, Table, func, select

from agreements.store.database import Database
from agreements.store.tables import Agreement, AgreementParty, Event
from agreements.transfer.formats import (
    AGREEMENT_FIELDS,
    CSV_COLUMNS,
    EXPORTED_EVENT_FIELDS,
    FORMAT,
    VERSION,
    file_date,
)
from workflows.acts import received_when
from workflows.date_forms import When, text_of

#: what spreadsheets take for a formula at the start of a cell (OWASP, "CSV Injection")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _export_event(row: Sequence[Any]) -> dict[str, Any]:
    """An event of the file from a row of :func:`_event_columns` (read by
    position: a by-name read of a row costs ten times as much)."""
    (
        _agreement_id,
        kind,
        from_stage,
        to_stage,
        on,
        precision,
        until,
        place,
        outcome,
        open_articles,
        actor,
        note,
        reason,
        reference,
        awaiting,
        source,
        recorded_at,
        hash_,
        start,
        form,
        target,
        correction,
        party,
        act,
        received_on,
        received_from,
        received_form,
        instrument,
        rule,
    ) = row
    if form is not None:  # a month, a year, a span or a lower bound: written as typed
        on, precision = file_date(When.stored(on, precision, start, form))
    else:
        on = on.isoformat() if on else None
    event = {
        "kind": kind,
        "from": from_stage,
        "to": to_stage,
        "on": on,
        "date_precision": precision,
        "until": until.isoformat() if until else None,
        "place": place,
        "outcome": outcome,
        "open_articles": open_articles,
        "actor": actor,
        "note": note,
        "reason": reason,
        "reference": reference,
        "awaiting": awaiting,
        "source": source,
        "recorded_at": recorded_at.isoformat(),
    }
    if target is not None or correction is not None:  # a correction or retraction (none: as version 1 wrote it)
        event["target"], event["correction"] = target, correction
    if act is not None or rule is not None or party is not None:  # a party's act, an entry rule (none: as before)
        received = received_when(received_on, received_from, received_form)
        event["party"], event["act"], event["instrument"], event["rule"] = party, act, instrument, rule
        event["received"] = text_of(received) if received is not None else None
    # the stored hash: an export is an anchor of the history as it stood
    # (an import reads it but records nothing of it)
    event["hash"] = hash_
    return event


def _event_columns(events: Table) -> tuple[ColumnElement[Any], ...]:
    """What :func:`_export_event` reads, in its order. An imported event is
    exported as its file stated it (re-importing the export then finds the
    same history): the stated actor and recording time where there are
    some, chosen by the database (one column and one timestamp a row)."""
    c = events.c
    return (
        c.agreement_id,
        c.kind,
        c.from_stage,
        c.to_stage,
        c.occurred_on,
        c.date_precision,
        c.occurred_until,
        c.place,
        c.outcome,
        c.open_articles,
        func.coalesce(c.stated_actor, c.actor),
        c.note,
        c.reason,
        c.reference,
        c.awaiting,
        c.source,
        func.coalesce(c.stated_recorded_at, c.recorded_at, type_=c.recorded_at.type),
        c.hash,
        c.occurred_from,
        c.date_form,
        c.target_seq,
        c.correction,
        c.party,
        c.act_kind,
        c.received_on,
        c.received_from,
        c.received_form,
        c.instrument,
        c.entry_rule,
    )


def iter_agreements(db: Database) -> Generator[dict[str, Any], None, None]:
    """Every agreement with its events, streamed: the agreements (without
    history) are read first, then one pass over the events in agreement
    order, yielding each agreement as soon as its events are read. Plain rows
    (typed as the ORM types them), never more than one history in memory.
    All of it is read in one snapshot: a backup of one moment, whatever is
    written meanwhile."""
    agreements_t, parties_t = Agreement.__table__, AgreementParty.__table__
    events_t = cast(Table, Event.__table__)  # declarative types __table__ as any FromClause
    with db.snapshot() as session:
        heads = session.execute(
            select(
                agreements_t.c.id,
                agreements_t.c.code,
                agreements_t.c.title_az,
                agreements_t.c.title_en,
                agreements_t.c.kind,
                agreements_t.c.parent_id,
                agreements_t.c.officer,
            ).order_by(agreements_t.c.id)
        ).all()
        codes = {h.id: h.code for h in heads}
        parties: dict[int, list[str]] = {}
        for aid, party in session.execute(
            select(parties_t.c.agreement_id, parties_t.c.party).order_by(parties_t.c.agreement_id, parties_t.c.position)
        ):
            parties.setdefault(aid, []).append(party)
        events = session.execute(
            select(*_event_columns(events_t)).order_by(events_t.c.agreement_id, events_t.c.seq),
            execution_options={"yield_per": 2000},
        )
        pending = next(events, None)
        for head in heads:
            history: list[dict[str, Any]] = []
            while pending is not None and pending[0] < head.id:
                pending = next(events, None)  # an event of no agreement: cannot happen (foreign key)
            while pending is not None and pending[0] == head.id:
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
    """Write a JSON history file, one agreement per line as they come."""
    out.write(f'{{\n  "format": "{FORMAT}",\n  "version": {VERSION:d},\n  "agreements": [')
    for index, agreement in enumerate(agreements):
        out.write("," if index else "")
        out.write("\n    " + json.dumps(agreement, ensure_ascii=False))
    out.write("\n  ]\n}\n")


def write_csv(agreements: Iterable[dict[str, Any]], out: TextIO, safe_cells: bool = False) -> None:
    """Write a CSV history file: one row per event, an agreement at a time.

    ``safe_cells`` writes for a spreadsheet rather than for import: a cell
    that a spreadsheet would run as a formula gets a leading single quote.
    """
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for agreement in agreements:
        head = [agreement[f] if f != "parties" else ";".join(agreement[f]) for f in AGREEMENT_FIELDS]
        rows = [head + [_csv_value(event.get(f)) for f in EXPORTED_EVENT_FIELDS] for event in agreement["events"]]
        if safe_cells:
            rows = [[_safe_cell(cell) for cell in row] for row in rows]
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


def _safe_cell(value: Any) -> Any:
    """A cell a spreadsheet shows as text: ``'`` before what would start a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
