"""The stall policy: thresholds per stage and holder, the clock and its
resets, the two levels and their ordering, and the policy from configuration."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pytest

from workflows.calendar import WorkingCalendar
from workflows.stall import (
    CRITICAL,
    DEFAULT_POLICY,
    OVERDUE,
    StallFlag,
    StallPolicy,
    assess,
    assess_events,
    clock_start,
    severity_key,
)

CAL = WorkingCalendar()
POLICY = DEFAULT_POLICY
# A quiet stretch without public holidays: from Monday 6 April 2026 the
# n-th working day after START is easy to find with the calendar itself.
START = date(2026, 4, 6)


def working_day(n: int, start: date = START) -> date:
    """The day on which ``n`` working days have passed since ``start``."""
    d = start
    while CAL.working_days_between(start, d) < n:
        d += timedelta(days=1)
    return d


@dataclass
class Ev:
    seq: int
    kind: str
    occurred_on: date | None
    awaiting: str | None = "us"
    to_stage: str | None = None
    date_precision: str = "day"
    occurred_until: date | None = None


def d(month: int, day: int) -> date:
    return date(2026, month, day)


# ---------------------------------------------------------------------------
# thresholds and levels
# ---------------------------------------------------------------------------


def test_working_day_helper_is_sane():
    # Mon 6 April + 5 working days = Mon 13 April (no holidays in between)
    assert working_day(5) == d(4, 13)


@pytest.mark.parametrize(
    ("stage", "threshold"),
    [("draft", 30), ("expert_talks", 90), ("internal_approval", 30), ("mfa", 20), ("signing", 60)],
)
def test_overdue_exactly_at_the_threshold(stage, threshold):
    before = assess(stage, START, "us", working_day(threshold - 1), POLICY, CAL)
    at = assess(stage, START, "us", working_day(threshold), POLICY, CAL)
    assert (before.working_days, before.level, before.threshold) == (threshold - 1, None, threshold)
    assert (at.working_days, at.level) == (threshold, OVERDUE)
    assert at.flagged and not before.flagged


def test_critical_exactly_at_twice_the_threshold():
    before = assess("mfa", START, "mfa", working_day(39), POLICY, CAL)
    at = assess("mfa", START, "mfa", working_day(40), POLICY, CAL)
    assert (before.working_days, before.level) == (39, OVERDUE)
    assert (at.working_days, at.level) == (40, CRITICAL)


def test_a_stage_spanning_novruz_is_counted_in_working_days():
    # 18 working days from Mon 16 March to Mon 20 April 2026 (see test_calendar)
    flag = assess("mfa", d(3, 16), "mfa", d(4, 20), POLICY, CAL)
    assert (flag.working_days, flag.level) == (18, None)
    # 35 calendar days would have been overdue with a naive count
    assert assess("mfa", d(3, 16), "mfa", d(4, 22), POLICY, CAL).level == OVERDUE  # 20th


@pytest.mark.parametrize("holder", ["us", "mfa", "government", None])
def test_our_side_is_flagged_at_the_threshold(holder):
    flag = assess("draft", START, holder, working_day(30), POLICY, CAL)
    assert (flag.threshold, flag.level) == (30, OVERDUE)
    assert flag.awaiting == holder
    assert flag.awaiting_counterpart is False


def test_the_counterpart_gets_twice_the_time_and_a_reminder():
    not_yet = assess("draft", START, "counterpart", working_day(59), POLICY, CAL)
    at = assess("draft", START, "counterpart", working_day(60), POLICY, CAL)
    assert (not_yet.threshold, not_yet.level) == (60, None)
    assert (at.level, at.awaiting_counterpart, at.awaiting) == (OVERDUE, True, "counterpart")
    critical = assess("draft", START, "counterpart", working_day(120), POLICY, CAL)
    assert critical.level == CRITICAL


def test_the_counterpart_threshold_is_rounded_up():
    policy = StallPolicy.from_dict({"thresholds": {"mfa": 15}, "counterpart_factor": 1.5})
    assert policy.threshold("mfa", "counterpart") == 23  # 22.5 rounded up
    assert policy.threshold("mfa", "mfa") == 15
    flag = assess("mfa", START, "counterpart", working_day(22), policy, CAL)
    assert (flag.threshold, flag.level) == (23, None)


def test_suspended_comes_up_for_review_after_180():
    before = assess("suspended", START, "counterpart", working_day(179), POLICY, CAL)
    at = assess("suspended", START, "counterpart", working_day(180), POLICY, CAL)
    assert (before.threshold, before.level) == (180, None)
    assert (at.threshold, at.level, at.awaiting_counterpart) == (180, OVERDUE, True)


@pytest.mark.parametrize("stage", ["in_force", "terminated"])
def test_final_stages_never_stall(stage):
    flag = assess(stage, date(2016, 1, 4), "counterpart", d(11, 25), POLICY, CAL)
    assert flag.working_days > 2000
    assert (flag.threshold, flag.level, flag.flagged) == (None, None, False)


def test_an_unknown_start_gives_no_level():
    flag = assess("mfa", None, "mfa", d(11, 25), POLICY, CAL)
    assert (flag.since, flag.working_days, flag.level, flag.threshold) == (None, None, None, 20)


def test_an_unknown_stage_is_refused():
    with pytest.raises(ValueError, match="unknown stage 'ratified'"):
        assess("ratified", START, "us", d(11, 25), POLICY, CAL)


# ---------------------------------------------------------------------------
# the clock
# ---------------------------------------------------------------------------


def test_the_clock_starts_at_the_stage_entry():
    events = [Ev(1, "opened", d(1, 10), to_stage="draft")]
    assert clock_start(events) == d(1, 10)


def test_a_round_resets_the_clock_to_its_last_day():
    events = [
        Ev(1, "opened", d(1, 10), to_stage="expert_talks"),
        Ev(2, "round", d(2, 3), occurred_until=d(2, 5)),
    ]
    assert clock_start(events) == d(2, 5)
    events[1].occurred_until = None
    assert clock_start(events) == d(2, 3)


def test_a_signature_resets_the_clock():
    events = [
        Ev(1, "stage_change", d(1, 10), to_stage="signing"),
        Ev(2, "signature", d(3, 2)),
    ]
    assert clock_start(events) == d(3, 2)


def test_a_change_of_holder_resets_the_clock():
    events = [
        Ev(1, "stage_change", d(1, 10), awaiting="mfa", to_stage="mfa"),
        Ev(2, "note", d(2, 1), awaiting="mfa"),
        Ev(3, "note", d(2, 20), awaiting="counterpart"),
        Ev(4, "note", d(3, 5), awaiting="counterpart"),
    ]
    assert clock_start(events) == d(2, 20)


def test_a_plain_note_does_not_reset_the_clock():
    events = [
        Ev(1, "stage_change", d(1, 10), to_stage="mfa", awaiting="mfa"),
        Ev(2, "note", d(3, 5), awaiting="mfa"),
    ]
    assert clock_start(events) == d(1, 10)


def test_events_before_the_last_stage_entry_do_not_count():
    events = [
        Ev(1, "opened", d(1, 5), to_stage="expert_talks"),
        # a round recorded with an end date after the move below
        Ev(2, "round", d(1, 20), occurred_until=d(3, 1)),
        Ev(3, "stage_change", d(2, 10), to_stage="internal_approval"),
    ]
    assert clock_start(events) == d(2, 10)


def test_recording_order_is_by_seq():
    events = [
        Ev(3, "stage_change", d(2, 10), to_stage="internal_approval"),
        Ev(1, "opened", d(1, 5), to_stage="expert_talks"),
        Ev(2, "round", d(1, 20)),
    ]
    assert clock_start(events) == d(2, 10)


def test_unknown_dated_events_are_skipped():
    events = [
        Ev(1, "stage_change", d(1, 10), to_stage="expert_talks"),
        Ev(2, "round", None, date_precision="unknown"),
    ]
    assert clock_start(events) == d(1, 10)
    # an undated stage entry leaves only later dated resets, or nothing
    undated = [Ev(1, "opened", None, to_stage="mfa", date_precision="unknown")]
    assert clock_start(undated) is None
    undated.append(Ev(2, "note", d(2, 1), awaiting="counterpart"))
    assert clock_start(undated) == d(2, 1)


def test_a_not_after_date_counts_as_that_day():
    events = [Ev(1, "opened", date(2016, 12, 31), to_stage="mfa", date_precision="not_after")]
    assert clock_start(events) == date(2016, 12, 31)


def test_no_stage_entry_means_no_clock():
    assert clock_start([]) is None
    assert clock_start([Ev(1, "note", d(1, 1))]) is None


def test_assess_events_combines_the_clock_and_the_policy():
    events = [
        Ev(1, "stage_change", START, to_stage="mfa", awaiting="mfa"),
        Ev(2, "note", working_day(5), awaiting="mfa"),
    ]
    flag = assess_events("mfa", events, "mfa", working_day(20), POLICY, CAL)
    assert (flag.since, flag.working_days, flag.level) == (START, 20, OVERDUE)
    events.append(Ev(3, "note", working_day(5), awaiting="counterpart"))
    flag = assess_events("mfa", events, "counterpart", working_day(20), POLICY, CAL)
    assert (flag.since, flag.working_days, flag.threshold, flag.level) == (
        working_day(5),
        15,
        40,
        None,
    )
    assert flag.awaiting_counterpart


# ---------------------------------------------------------------------------
# ordering
# ---------------------------------------------------------------------------


def flag(level, working_days, threshold, name="x"):
    return StallFlag(name, START, working_days, threshold, level, "us", False)


def test_severity_orders_critical_first_then_by_ratio():
    flags = [
        flag(None, 10, 20, "quiet"),
        flag(OVERDUE, 25, 20, "overdue-1.25"),
        flag(CRITICAL, 40, 20, "critical-2.0"),
        flag(OVERDUE, 35, 20, "overdue-1.75"),
        flag(None, None, 20, "unknown"),
        flag(CRITICAL, 300, 100, "critical-3.0"),
        flag(None, 5, None, "in-force"),
    ]
    ordered = [f.stage for f in sorted(flags, key=severity_key)]
    # those without a ratio come last, in their given order (the sort is stable)
    assert ordered == [
        "critical-3.0",
        "critical-2.0",
        "overdue-1.75",
        "overdue-1.25",
        "quiet",
        "unknown",
        "in-force",
    ]


# ---------------------------------------------------------------------------
# the policy from configuration
# ---------------------------------------------------------------------------


def test_the_default_policy():
    policy = StallPolicy.from_dict({})
    assert dict(policy.thresholds) == {
        "draft": 30,
        "expert_talks": 90,
        "internal_approval": 30,
        "mfa": 20,
        "signing": 60,
    }
    assert (policy.suspended_review, policy.counterpart_factor) == (180, 2.0)
    assert policy == DEFAULT_POLICY == StallPolicy.from_dict(None)


def test_overrides_from_a_dict_keep_the_other_defaults():
    policy = StallPolicy.from_dict(
        {"thresholds": {"mfa": 25, "signing": 45}, "suspended_review": 120, "counterpart_factor": 3}
    )
    assert policy.threshold("mfa", "mfa") == 25
    assert policy.threshold("signing", "us") == 45
    assert policy.threshold("draft", "us") == 30
    assert policy.threshold("draft", "counterpart") == 90
    assert policy.threshold("suspended", None) == 120
    assert assess("mfa", START, "mfa", working_day(24), policy, CAL).level is None
    assert assess("mfa", START, "mfa", working_day(25), policy, CAL).level == OVERDUE


def test_the_policy_does_not_change_with_the_callers_dict():
    thresholds = {"mfa": 25}
    policy = StallPolicy(thresholds=thresholds)
    thresholds["mfa"] = 1
    assert policy.threshold("mfa", "mfa") == 25
    # a stage left out of a policy built directly is not watched
    assert policy.threshold("draft", "us") is None
    with pytest.raises(TypeError):
        policy.thresholds["mfa"] = 1  # type: ignore[index]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"thresholds": {"mfaa": 20}}, "unknown stage 'mfaa' in stall thresholds"),
        ({"thresholds": {"in_force": 20}}, "in_force never stalls"),
        ({"thresholds": {"suspended": 20}}, "set suspended_review instead"),
        ({"thresholds": {"mfa": 0}}, "the threshold of mfa must be a positive whole number"),
        ({"thresholds": {"mfa": -5}}, "the threshold of mfa must be a positive whole number"),
        ({"thresholds": {"mfa": "20"}}, "the threshold of mfa must be a positive whole number"),
        ({"thresholds": {"mfa": 2.5}}, "the threshold of mfa must be a positive whole number"),
        ({"thresholds": {"mfa": True}}, "the threshold of mfa must be a positive whole number"),
        ({"thresholds": [20]}, "thresholds must map stage names"),
        ({"suspended_review": 0}, "suspended_review must be a positive whole number"),
        ({"counterpart_factor": 0}, "counterpart_factor must be a positive number"),
        ({"counterpart_factor": -1.5}, "counterpart_factor must be a positive number"),
        ({"counterpart_factor": float("nan")}, "counterpart_factor must be a positive number"),
        ({"counterpart_factor": "2"}, "counterpart_factor must be a positive number"),
        ({"treshold": {"mfa": 20}}, "unknown stall policy setting"),
    ],
)
def test_invalid_configuration_is_refused(data, message):
    with pytest.raises(ValueError, match=message):
        StallPolicy.from_dict(data)
