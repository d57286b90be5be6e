"""The stall scan's shortcut (workflows.stall_summary): the values folded
event by event equal their definitions over the whole history, and the
stall judged from them equals the stall judged by replay, on random
histories that follow the lifecycle. Plain fakes: no database."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from types import SimpleNamespace

import pytest

from workflows.calendar import WorkingCalendar
from workflows.chronology import DAY, NOT_AFTER, UNKNOWN
from workflows.events import SUBSTANTIVE_KINDS
from workflows.stages import ACTIVE, DEFAULT_HOLDER, EXPERT_TALKS, HOLDERS, SUSPENDED, allowed_targets
from workflows.stall import DEFAULT_POLICY, assess, clock_start
from workflows.stall_summary import SUMMARY_COLUMNS, fold_event, judge_history, summary_answers

CAL = WorkingCalendar()
START = date(2015, 1, 5)


@dataclass
class Ev:
    seq: int
    kind: str
    occurred_on: date | None
    date_precision: str = DAY
    from_stage: str | None = None
    to_stage: str | None = None
    occurred_until: date | None = None
    awaiting: str | None = "us"
    note: str | None = None
    outcome: str | None = None


@dataclass
class History:
    events: list[Ev] = field(default_factory=list)
    stage: str = "draft"
    awaiting: str | None = "us"


def _when(rng: random.Random, day: date, undated: bool) -> tuple[date | None, str]:
    if undated and rng.random() < 0.05:
        return None, UNKNOWN
    return day, NOT_AFTER if rng.random() < 0.1 else DAY


def random_history(rng: random.Random, undated: bool) -> History:
    """A history the rules would accept: moves the lifecycle allows, rounds
    only in expert talks, dates that never go back for a move."""
    h = History()
    day = START + timedelta(days=rng.randrange(0, 300))
    suspended_from = None
    h.events.append(Ev(1, "opened", day, to_stage="draft", awaiting="us"))
    for seq in range(2, rng.randrange(2, 25)):
        day += timedelta(days=rng.randrange(0, 60))
        on, precision = _when(rng, day, undated)
        kind = rng.choice(("stage_change", "round", "note", "note", "ack", "flag"))
        awaiting = h.awaiting
        if rng.random() < 0.3:
            awaiting = rng.choice(tuple(HOLDERS))
        event = Ev(seq, kind, on, precision, from_stage=h.stage, awaiting=awaiting)
        if kind == "stage_change":
            targets = [t for t in allowed_targets(h.stage, suspended_from) if t in (*ACTIVE, SUSPENDED)]
            if not targets:
                continue
            event.to_stage = rng.choice(targets)
            suspended_from = h.stage if event.to_stage == SUSPENDED else None
            h.stage = event.to_stage
            event.awaiting = DEFAULT_HOLDER.get(h.stage, awaiting) if h.stage != SUSPENDED else awaiting
        elif kind == "round":
            if h.stage != EXPERT_TALKS or on is None:
                continue
            event.occurred_until = day + timedelta(days=rng.randrange(0, 3))
            day = event.occurred_until
        elif kind == "ack" and on is not None:
            event.occurred_until = on + timedelta(days=rng.randrange(1, 120))
            event.note = f"ack {seq}"
        elif kind == "flag":
            event.outcome = rng.choice(("overdue", "critical", "acknowledged", "cleared"))
        h.awaiting = event.awaiting
        event.seq = len(h.events) + 1
        h.events.append(event)
    return h


def folded(events: list[Ev]) -> SimpleNamespace:
    summary = SimpleNamespace(**dict.fromkeys(SUMMARY_COLUMNS))
    summary.undated_events = 0
    awaiting = None
    for event in events:
        fold_event(summary, event, awaiting)
        awaiting = event.awaiting
    return summary


def defined(events: list[Ev]) -> dict:
    """The summaries by their definitions, over the whole history."""
    dated = [e for e in events if e.occurred_on is not None and e.date_precision != UNKNOWN]
    exact = [e for e in dated if e.date_precision == DAY and e.kind in SUBSTANTIVE_KINDS]
    acks = [e for e in dated if e.kind == "ack"]
    flags = [e for e in dated if e.kind == "flag"]
    return {
        "last_event_on": max((e.occurred_on for e in dated), default=None),
        "undated_events": len(events) - len(dated),
        "last_substantive_on": max(
            [e.occurred_on for e in exact] + [e.occurred_until for e in exact if e.occurred_until], default=None
        ),
        "clock_since": clock_start(dated),
        "ack_until": acks[-1].occurred_until if acks else None,
        "ack_note": acks[-1].note if acks else None,
        "ack_max_until": max((e.occurred_until for e in acks), default=None),
        "last_flag": flags[-1].outcome if flags else None,
    }


@pytest.mark.parametrize("seed", range(300))
def test_the_fold_equals_the_definitions(seed):
    history = random_history(random.Random(seed), undated=True)
    got = vars(folded(history.events))
    expected = defined(history.events)
    if expected["undated_events"]:
        # the clock is judged by replay then (summary_answers): the fold's
        # holder hand-overs count undated events, the replay's do not
        del got["clock_since"], expected["clock_since"]
    assert got == expected


@pytest.mark.parametrize("seed", range(300))
def test_the_stall_from_the_summaries_equals_the_replay(seed):
    rng = random.Random(seed)
    history = random_history(rng, undated=False)
    summary = folded(history.events)
    day = summary.last_event_on + timedelta(days=rng.randrange(0, 400))
    answers = summary_answers(
        day,
        len(history.events),
        summary.undated_events,
        summary.last_event_on,
        summary.ack_until,
        summary.ack_max_until,
    )
    iso = summary_answers(
        day.isoformat(),
        len(history.events),
        summary.undated_events,
        summary.last_event_on.isoformat(),
        *(None if v is None else v.isoformat() for v in (summary.ack_until, summary.ack_max_until)),
    )
    assert answers == iso
    judged = judge_history(history.events, day, DEFAULT_POLICY, CAL)
    assert judged is not None and judged.standing.stage == history.stage
    if not answers:  # an older acknowledgement still runs on that day
        assert summary.ack_until < day <= summary.ack_max_until
        return
    assert judged.flag == assess(history.stage, summary.clock_since, history.awaiting, day, DEFAULT_POLICY, CAL)
    running = summary.ack_until if summary.ack_until is not None and summary.ack_until >= day else None
    assert judged.acknowledged_until == running
    assert judged.acknowledgement == (summary.ack_note if running else None)
    assert judged.last_flag == summary.last_flag


def test_the_summaries_do_not_answer_for_an_earlier_day_or_undated_events():
    d = date(2026, 3, 2)
    assert summary_answers(d, 3, 0, d, None, None)
    assert not summary_answers(d, 0, 0, None, None, None)  # no history
    assert not summary_answers(d, 3, 1, d, None, None)  # an undated event
    assert not summary_answers(d - timedelta(days=1), 3, 0, d, None, None)  # a past day
    # the last acknowledgement has run out, an earlier one runs on
    assert not summary_answers(d, 3, 0, d, d - timedelta(days=1), d + timedelta(days=9))
    assert summary_answers(d, 3, 0, d, d - timedelta(days=1), d - timedelta(days=1))
    assert summary_answers(d, 3, 0, d, d, d + timedelta(days=9))


def test_the_replay_knows_which_acknowledgement_runs_and_the_last_flag():
    events = [
        Ev(1, "opened", date(2026, 1, 5), to_stage="mfa", awaiting="mfa"),
        Ev(2, "ack", date(2026, 2, 2), occurred_until=date(2026, 6, 1), note="long", awaiting="mfa"),
        Ev(3, "flag", date(2026, 2, 3), outcome="acknowledged", awaiting="mfa"),
        Ev(4, "ack", date(2026, 2, 4), occurred_until=date(2026, 3, 1), note="short", awaiting="mfa"),
    ]
    judged = judge_history(events, date(2026, 4, 1), DEFAULT_POLICY, CAL)
    assert (judged.acknowledged_until, judged.acknowledgement, judged.last_flag) == (
        date(2026, 6, 1),
        "long",
        "acknowledged",
    )
    assert judged.standing.stage == "mfa" and judged.flag.level == "critical"
    judged = judge_history(events, date(2026, 2, 20), DEFAULT_POLICY, CAL)
    assert (judged.acknowledged_until, judged.acknowledgement) == (date(2026, 3, 1), "short")
    assert judge_history(events, date(2026, 1, 4), DEFAULT_POLICY, CAL) is None  # before the history
