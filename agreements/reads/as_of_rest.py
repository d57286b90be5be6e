"""What the as-of listing's statement does not settle by itself: agreements
whose history holds corrections or retractions (read as corrected, through
the same replay as ``show --as-of``), and the words for an agreement whose
history says nothing certain about the day: "expert_talks, possibly —
entered no later than 23 November 2016", or "not yet recorded (the history
starts 10 October 2016)"."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import select, text

from agreements.reads.agreement import agreement_dict, as_it_stood
from agreements.reads.rows import iso
from agreements.store.database import Database
from agreements.store.tables import Agreement, Event
from workflows.chronology import possible_at
from workflows.date_forms import When
from workflows.revisions import effective


def head_of(row: Sequence[Any], parties: dict[int, list[str]]) -> dict[str, Any]:
    """An agreement's own fields from a row of the as-of statement."""
    aid, code, title_en, title_az, kind, officer, parent_code = row[:7]
    return {
        "code": code,
        "title_en": title_en,
        "title_az": title_az,
        "kind": kind,
        "parties": parties.get(aid, []),
        "parent": parent_code,
        "officer": officer,
    }


def not_certain(item: dict[str, Any], opening: Sequence[Any], day: date) -> dict[str, Any]:
    """An agreement whose opening (its stage, ``occurred_on``,
    ``date_precision``, ``occurred_from``, ``date_form``) is not certainly by
    the end of ``day``: possibly begun, or not yet recorded."""
    stage, on, precision, start, form = opening
    first = When.stored(
        date.fromisoformat(on) if isinstance(on, str) else on,
        precision,
        date.fromisoformat(start) if isinstance(start, str) else start,
        form,
    )
    possible = possible_at(stage, first, day)
    label = (
        f"{stage}, possibly — entered {first.label()}"
        if possible
        else f"not yet recorded (the history starts {first.label()})"
    )
    item.update(
        stage=None,
        certainty="possible" if possible else "not_yet_recorded",
        possibly=possible[0] if possible else None,
        stage_since=None,
        stage_since_precision=None,
        stage_since_earliest=None,
        stage_since_label=label,
        awaiting=None,
        suspended_from=None,
        signed_on=None,
        in_force_on=None,
        events=0,
        as_of=iso(day),
    )
    return item


def revised_as_of(db: Database, day: date, where: Sequence[str], params: dict[str, Any]) -> list[dict[str, Any]]:
    """The agreements matching ``where`` (conditions on ``a``) whose history
    holds corrections or retractions, as their corrected history places them
    at the end of ``day``."""
    sql = "SELECT a.id FROM agreements a WHERE " + " AND ".join(["a.revised", *where])
    values = {k: v for k, v in params.items() if k != "day"}
    result = []
    with db.read() as session:
        ids = [row[0] for row in session.execute(text(sql), values)]
        if not ids:
            return []
        for agreement in session.scalars(select(Agreement).where(Agreement.id.in_(ids)).order_by(Agreement.code)):
            events = list(session.scalars(select(Event).where(Event.agreement_id == agreement.id).order_by(Event.seq)))
            current = agreement_dict(agreement, agreement.parent.code if agreement.parent else None)
            as_it_stood(current, effective(events), day)
            current["as_of"] = iso(day)
            result.append(current)
    return result
