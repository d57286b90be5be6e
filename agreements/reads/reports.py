"""Reports over the history: time spent in each stage, and the pipeline.

Durations come from the events that enter a stage (one query over those
events only); the pipeline counts agreements per stage and holder of the
move, now or as they stood on a day.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import Date, text

from agreements.reads.filters import agreement_filters
from agreements.reads.listing import list_agreements, list_as_of
from agreements.store.database import Database
from agreements.writes.entry_checks import pending_outcomes
from workflows.calendar import WorkingCalendar
from workflows.chronology import DAY, NOT_AFTER
from workflows.entry_force import Blocked
from workflows.locales import AZ
from workflows.stages import HOLDERS, IN_FORCE, STAGE_NAMES, TERMINATED

FINAL = (IN_FORCE, TERMINATED)
TIMED_STAGES = tuple(s for s in STAGE_NAMES if s not in FINAL)
NO_HOLDER = "none"
COUNTERPART = "counterpart"


def percentile(values: Sequence[float], q: float) -> float | None:
    """The ``q`` quantile (0..1) with linear interpolation between ranks
    (numpy's default); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def durations(
    db: Database,
    calendar: WorkingCalendar,
    *,
    party: str | None = None,
    kind: str | None = None,
    today: date,
) -> dict[str, Any]:
    """Time each agreement spent in each stage, in calendar and working days.

    A stay runs from the day the stage was entered to the day the next stage
    was entered; the stage an agreement is in now runs to ``today`` and is
    marked ongoing. Several stays in one stage add up. A stay whose start or
    end date is unknown is left out (and counted in ``unknown``); one bounded
    by a "no later than" date is marked approximate. Final stages (in force,
    terminated) have no duration. The per-stage median and 90th percentile
    are over agreements that have left the stage (ongoing time excluded).
    """
    agreements = []
    closed: dict[str, list[tuple[int, int]]] = {s: [] for s in TIMED_STAGES}
    for code, entries in _stage_entries(db, party=party, kind=kind).items():
        per_stage = _stays(entries, calendar, today)
        for stage, slot in per_stage.items():
            if slot["closed_stays"]:
                closed[stage].append((slot["closed_calendar"], slot["closed_working"]))
        agreements.append(
            {
                "code": code,
                "stages": {
                    stage: {k: v for k, v in slot.items() if not k.startswith("closed_")}
                    for stage, slot in sorted(per_stage.items(), key=lambda kv: STAGE_NAMES.index(kv[0]))
                },
            }
        )
    return {"as_of": today.isoformat(), "agreements": agreements, "stages": _stage_stats(closed)}


def _stage_entries(
    db: Database, *, party: str | None, kind: str | None
) -> dict[str, list[tuple[str, date | None, str]]]:
    """Each agreement's stage entries (stage, day, precision) in recording
    order, by code in code order: one query over the events that enter a stage."""
    where, params = agreement_filters(kind=kind, party=party)
    sql = (
        "SELECT a.id, a.code, e.to_stage, e.occurred_on, e.date_precision FROM events e "
        "JOIN agreements a ON a.id = e.agreement_id WHERE e.to_stage IS NOT NULL"
        + "".join(f" AND {w}" for w in where)
        + " ORDER BY a.code, e.seq"
    )
    with db.read() as session:
        rows = session.execute(text(sql).columns(occurred_on=Date), params).all()
    entries: dict[str, list[tuple[str, date | None, str]]] = {}
    for _aid, code, stage, on, precision in rows:
        entries.setdefault(code, []).append((stage, on, precision))
    return entries


def _stays(
    entries: list[tuple[str, date | None, str]], calendar: WorkingCalendar, today: date
) -> dict[str, dict[str, Any]]:
    """One agreement's time per stage from its stage entries: the totals, and
    (keys ``closed_*``) those of the stays it has left."""
    per_stage: dict[str, dict[str, Any]] = {}
    for index, (stage, start, precision) in enumerate(entries):
        if stage in FINAL:
            continue
        ongoing = index + 1 == len(entries)
        end, end_precision = (today, DAY) if ongoing else (entries[index + 1][1], entries[index + 1][2])
        slot = per_stage.setdefault(
            stage,
            {
                "calendar_days": 0,
                "working_days": 0,
                "stays": 0,
                "unknown": 0,
                "approximate": False,
                "ongoing": False,
                "closed_calendar": 0,
                "closed_working": 0,
                "closed_stays": 0,
            },
        )
        slot["stays"] += 1
        if ongoing:
            slot["ongoing"] = True
        if start is None or end is None:
            slot["unknown"] += 1
            continue
        calendar_days = max((end - start).days, 0)
        working_days = calendar.working_days_between(start, end)
        slot["calendar_days"] += calendar_days
        slot["working_days"] += working_days
        if NOT_AFTER in (precision, end_precision):
            slot["approximate"] = True
        if not ongoing:
            slot["closed_calendar"] += calendar_days
            slot["closed_working"] += working_days
            slot["closed_stays"] += 1
    return per_stage


def _stage_stats(closed: dict[str, list[tuple[int, int]]]) -> list[dict[str, Any]]:
    """Per timed stage, the median and 90th percentile of the time the
    agreements that left it spent there (calendar, working days)."""
    stats = []
    for stage in TIMED_STAGES:
        values = closed[stage]
        cal = [v[0] for v in values]
        work = [v[1] for v in values]
        stats.append(
            {
                "stage": stage,
                "agreements": len(values),
                "median_calendar_days": percentile(cal, 0.5),
                "p90_calendar_days": percentile(cal, 0.9),
                "median_working_days": percentile(work, 0.5),
                "p90_working_days": percentile(work, 0.9),
            }
        )
    return stats


def pipeline(db: Database, as_of: date | None = None) -> dict[str, Any]:
    """Agreements per stage and per holder of the next move, now or at the
    end of ``as_of``. Now, a signed agreement's entry into force names what
    it waits for (``entry_into_force``), and one that waits only on the other
    parties' acts counts as the counterpart's move."""
    rows = list_as_of(db, as_of) if as_of else list_agreements(db)
    blockers = {} if as_of else _blockers(db)
    holders = [*HOLDERS, NO_HOLDER]
    counts = {s: {h: 0 for h in holders} for s in STAGE_NAMES}
    # as of a day: an agreement whose history says nothing certain about it is
    # counted apart, as possibly in a stage or not yet recorded
    possibly = {s: 0 for s in STAGE_NAMES}
    not_yet = 0
    for row in rows:
        if row["stage"] is None:
            if row.get("possibly"):
                possibly[row["possibly"]] += 1
            else:
                not_yet += 1
            continue
        waiting = blockers.get(row["code"])
        holder = COUNTERPART if waiting is not None and waiting["counterpart"] else row["awaiting"]
        counts[row["stage"]][holder or NO_HOLDER] += 1
    stages = [{"stage": s, "total": sum(counts[s].values()), **counts[s], "possibly": possibly[s]} for s in STAGE_NAMES]
    totals = {h: sum(counts[s][h] for s in STAGE_NAMES) for h in holders}
    return {
        "as_of": as_of.isoformat() if as_of else None,
        "stages": stages,
        "holders": totals,
        "total": sum(totals.values()),
        "possibly": sum(possibly.values()),
        "not_yet_recorded": not_yet,
        "entry_into_force": list(blockers.values()),
    }


def _blockers(db: Database) -> dict[str, dict[str, Any]]:
    """What each signed agreement's entry into force waits for."""
    with db.read() as session:
        outcomes = pending_outcomes(session, signed_only=False)
    return {
        code: {
            "code": code,
            "waiting_for": [{"what": b.what, "party": b.party, "code": b.code} for b in outcome.waiting_for],
            "counterpart": outcome.on_counterpart,
            "sentence_en": outcome.sentence(),
            "sentence_az": outcome.sentence(AZ),
        }
        for code, outcome in outcomes.items()
        if isinstance(outcome, Blocked) and outcome.waiting_for
    }
