"""What the as-of listing's one statement leaves out: agreements whose
history holds corrections or retractions (read as corrected, through the
same replay as ``show --as-of``), and agreements whose history says nothing
certain about the day: "expert_talks, possibly — entered no later than 23
November 2016", or "not yet recorded (the history starts 10 October 2016)"."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import select, text

from agreements.reads.agreement import agreement_dict, as_it_stood
from agreements.reads.rows import HEAD_SQL, head_dict, parties_by_agreement
from agreements.store.database import Database
from agreements.store.tables import Agreement, Event
from workflows.chronology import possible_next
from workflows.date_forms import When
from workflows.revisions import effective

_OPENINGS_SQL = (
    HEAD_SQL.replace(
        " FROM agreements a",
        ", o.to_stage, o.occurred_on, o.date_precision, o.occurred_from, o.date_form, a.revised FROM agreements a",
        1,
    )
    + " JOIN events o ON o.agreement_id = a.id AND o.seq = 1"
)


def as_of_rest(
    db: Database, day: date, where: Sequence[str], params: dict[str, Any], seen: set[str]
) -> list[dict[str, Any]]:
    """Every agreement matching ``where`` (conditions on ``a``) but not in
    ``seen``, as it stood (or may have stood) at the end of ``day``."""
    sql = _OPENINGS_SQL + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY a.code"
    result: list[dict[str, Any]] = []
    revised: list[int] = []
    with db.read() as session:
        values = {k: v for k, v in params.items() if k != "day"}
        rows = session.execute(text(sql), values).all()
        parties = parties_by_agreement(session) if rows else {}
        for row in rows:
            head, opening, is_revised = row[:18], row[18:23], row[23]
            if head[1] in seen:
                continue
            if is_revised:
                revised.append(head[0])
                continue
            item = head_dict(head, parties.get(head[0], []))
            result.append(_not_certain(item, opening, day))
        result += _revised(session, revised, day)
    return result


def _not_certain(item: dict[str, Any], opening: Sequence[Any], day: date) -> dict[str, Any]:
    """An agreement whose opening is not certainly by ``day``."""
    possible = possible_next(opening, day)
    _stage, on, precision, start, form = opening
    first = When.stored(
        date.fromisoformat(on) if isinstance(on, str) else on,
        precision,
        date.fromisoformat(start) if isinstance(start, str) else start,
        form,
    )
    label = (
        f"{possible[0]}, possibly — entered {possible[1].label()}"
        if possible
        else f"not yet recorded (the history starts {first.label()})"
    )
    item.update(
        stage=None,
        certainty=None,
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
        as_of=day.isoformat(),
    )
    return item


def _revised(session: Any, ids: list[int], day: date) -> list[dict[str, Any]]:
    """Agreements with corrections or retractions, as their corrected history places them."""
    result = []
    for agreement in session.scalars(select(Agreement).where(Agreement.id.in_(ids)).order_by(Agreement.code)):
        events = list(session.scalars(select(Event).where(Event.agreement_id == agreement.id).order_by(Event.seq)))
        current = agreement_dict(agreement, agreement.parent.code if agreement.parent else None)
        as_it_stood(current, effective(events), day)
        result.append(current)
    return result
