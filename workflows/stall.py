"""When an agreement has stalled: thresholds per stage in working days, the
clock that runs since the last real movement, and the resulting flag.

Pure functions over plain values; the day to judge and the calendar are
always given, never read.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType
from typing import Any, Protocol

from workflows.calendar import CountsWorkingDays
from workflows.chronology import UNKNOWN
from workflows.events import STAGE_EVIDENCE_KINDS
from workflows.stages import (
    ACTIVE,
    DRAFT,
    EXPERT_TALKS,
    IN_FORCE,
    INTERNAL_APPROVAL,
    MFA,
    SIGNING,
    STAGE_NAMES,
    SUSPENDED,
    TERMINATED,
)

OVERDUE = "overdue"
CRITICAL = "critical"
LEVELS = (OVERDUE, CRITICAL)
# What the daily scan records of a flag besides its level: no longer
# flagged, or flagged but acknowledged (see ``flag_state``).
CLEARED = "cleared"
ACKNOWLEDGED = "acknowledged"
COUNTERPART = "counterpart"
# A flag event of another sort: the day an agreement should have entered into
# force by the date its rule computes and is not recorded so. It is no stall
# flag (it leaves the last stall flag as it was).
ENTRY_DUE = "entry_into_force_due"

# Working days a stage may last before it is flagged.
DEFAULT_THRESHOLDS: Mapping[str, int] = MappingProxyType(
    {DRAFT: 30, EXPERT_TALKS: 90, INTERNAL_APPROVAL: 30, MFA: 20, SIGNING: 60}
)
DEFAULT_SUSPENDED_REVIEW = 180
DEFAULT_COUNTERPART_FACTOR = 2.0
# Final stages: nothing is left to chase.
NEVER_STALL = frozenset({IN_FORCE, TERMINATED})

# the settings a policy takes from configuration (StallPolicy.from_dict)
_POLICY_KEYS = ("thresholds", "suspended_review", "counterpart_factor")


def _positive_int(value: Any, what: str) -> int:
    # bool is an int to Python, but `true` in a configuration file is a mistake
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(f"{what} must be a positive whole number of working days, not {value!r}")
    return value


def _check_thresholds(thresholds: Mapping[str, Any]) -> dict[str, int]:
    checked: dict[str, int] = {}
    for stage, days in thresholds.items():
        if stage == SUSPENDED:
            raise ValueError("suspended takes no stage threshold; set suspended_review instead")
        if stage in NEVER_STALL:
            raise ValueError(f"{stage} never stalls; it takes no threshold")
        if stage not in ACTIVE:
            raise ValueError(f"unknown stage {stage!r} in stall thresholds; one of: {', '.join(ACTIVE)}")
        checked[stage] = _positive_int(days, f"the threshold of {stage}")
    return checked


@dataclass(frozen=True)
class StallPolicy:
    """Thresholds in working days. A stage missing from ``thresholds`` is not
    watched; ``from_dict`` fills missing stages with the defaults."""

    thresholds: Mapping[str, int] = field(default_factory=lambda: DEFAULT_THRESHOLDS)
    suspended_review: int = DEFAULT_SUSPENDED_REVIEW
    counterpart_factor: float = DEFAULT_COUNTERPART_FACTOR
    # (stage, holder) -> threshold: the daily scan asks for thousands of agreements
    _known: dict[tuple[str, str | None], int | None] = field(
        default_factory=dict, init=False, repr=False, compare=False, hash=False
    )

    def __post_init__(self) -> None:
        # a read-only copy, so that the caller's dict cannot change a policy in use
        checked = _check_thresholds(self.thresholds)
        object.__setattr__(self, "thresholds", MappingProxyType(checked))
        _positive_int(self.suspended_review, "suspended_review")
        factor = self.counterpart_factor
        if isinstance(factor, bool) or not isinstance(factor, (int, float)) or not factor > 0:
            raise ValueError(f"counterpart_factor must be a positive number, not {factor!r}")
        if math.isinf(factor):
            raise ValueError("counterpart_factor must be finite")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> StallPolicy:
        """A policy from configuration: the defaults overridden by ``data``,
        e.g. ``{"thresholds": {"mfa": 25}, "counterpart_factor": 1.5}``."""
        data = dict(data or {})
        unknown = sorted(set(data) - set(_POLICY_KEYS))
        if unknown:
            raise ValueError(
                f"unknown stall policy setting(s) {', '.join(map(repr, unknown))}; one of: {', '.join(_POLICY_KEYS)}"
            )
        overrides = data.get("thresholds") or {}
        if not isinstance(overrides, Mapping):
            raise ValueError(f"thresholds must map stage names to working days, not {overrides!r}")
        return cls(
            thresholds={**DEFAULT_THRESHOLDS, **overrides},
            suspended_review=data.get("suspended_review", DEFAULT_SUSPENDED_REVIEW),
            counterpart_factor=data.get("counterpart_factor", DEFAULT_COUNTERPART_FACTOR),
        )

    def threshold(self, stage: str, awaiting: str | None) -> int | None:
        """Working days ``stage`` may last with ``awaiting`` holding the move;
        None when it is never flagged."""
        key = (stage, awaiting)
        try:  # asked once per agreement by every scan: one lookup when known
            return self._known[key]
        except KeyError:
            threshold = self._known[key] = self._threshold(stage, awaiting)
            return threshold

    def _threshold(self, stage: str, awaiting: str | None) -> int | None:
        if stage not in STAGE_NAMES:
            raise ValueError(f"unknown stage {stage!r}; one of: {', '.join(STAGE_NAMES)}")
        if stage == SUSPENDED:
            # a review date, not a chase: the counterpart usually holds a
            # suspension, and doubling would push the review out to a year
            return self.suspended_review
        base = self.thresholds.get(stage)
        if base is None:
            return None
        if awaiting == COUNTERPART:
            # round up: a fraction of a day late is late
            return math.ceil(base * self.counterpart_factor)
        return base


DEFAULT_POLICY = StallPolicy()


@dataclass(frozen=True)
class StallFlag:
    """How long an agreement has been in its stage and whether that is too long.

    ``working_days`` is None when the start of the clock is unknown; ``level``
    is None, ``overdue`` or ``critical``. ``awaiting_counterpart`` tells the
    reader to send a reminder abroad rather than chase a colleague.
    """

    stage: str
    since: date | None
    working_days: int | None
    threshold: int | None
    level: str | None
    awaiting: str | None
    awaiting_counterpart: bool

    @property
    def flagged(self) -> bool:
        return self.level is not None

    @property
    def ratio(self) -> float | None:
        """Working days as a share of the threshold (1.0 = just overdue)."""
        if self.working_days is None or not self.threshold:
            return None
        return self.working_days / self.threshold


def level_for(working_days: int | None, threshold: int | None) -> str | None:
    """Overdue at the threshold, critical at twice it, else None."""
    if threshold is None or working_days is None:
        return None
    if working_days >= 2 * threshold:
        return CRITICAL
    if working_days >= threshold:
        return OVERDUE
    return None


def assess(
    stage: str,
    since: date | None,
    awaiting: str | None,
    day: date,
    policy: StallPolicy,
    calendar: CountsWorkingDays,
) -> StallFlag:
    """Judge an agreement in ``stage`` whose clock started on ``since``, as of
    ``day``: overdue at the threshold, critical at twice it."""
    threshold = policy.threshold(stage, awaiting)
    working_days = None if since is None else calendar.working_days_between(since, day)
    # positional: the daily scan builds one for every agreement
    return StallFlag(
        stage, since, working_days, threshold, level_for(working_days, threshold), awaiting, awaiting == COUNTERPART
    )


def flag_state(level: str | None, acknowledged: bool) -> str:
    """What the daily scan records for a flag: cleared, acknowledged, or its level."""
    if level is None:
        return CLEARED
    return ACKNOWLEDGED if acknowledged else level


class ClockEvent(Protocol):
    seq: int
    kind: str
    to_stage: str | None
    occurred_on: date | None
    date_precision: str
    occurred_until: date | None
    awaiting: str | None


def _event_day(event: ClockEvent) -> date | None:
    if event.occurred_on is None or event.date_precision == UNKNOWN:
        return None
    if event.kind == "round" and event.occurred_until is not None:
        # the talks moved things on until their last day
        return event.occurred_until
    # a "not_after" date counts as that day: the latest it can have been
    return event.occurred_on


def clock_start(events: Iterable[ClockEvent]) -> date | None:
    """The day the stall clock runs from: the latest of entering the current
    stage, a round, a signature or a change of who holds the move, since the
    last stage entry. Notes do not reset it; undated events are skipped.
    None when no such event has a known date."""
    ordered = sorted(events, key=lambda e: e.seq)
    entries = [i for i, e in enumerate(ordered) if e.to_stage is not None]
    if not entries:
        return None
    first = entries[-1]
    starts: list[date] = []
    holder = ordered[first].awaiting
    for i in range(first, len(ordered)):
        event = ordered[i]
        resets = (
            i == first
            or event.kind in STAGE_EVIDENCE_KINDS
            # an event that names a holder other than the one before hands the move over;
            # one that names none leaves it where it was
            or (event.awaiting is not None and event.awaiting != holder)
        )
        if event.awaiting is not None:
            holder = event.awaiting
        on = _event_day(event) if resets else None
        if on is not None:
            starts.append(on)
    return max(starts, default=None)


def assess_events(
    stage: str,
    events: Iterable[ClockEvent],
    awaiting: str | None,
    day: date,
    policy: StallPolicy,
    calendar: CountsWorkingDays,
) -> StallFlag:
    """``assess`` with the clock started by ``clock_start(events)``. Pass the
    events known by ``day`` (e.g. ``Standing.events``) when judging a past day."""
    return assess(stage, clock_start(events), awaiting, day, policy, calendar)


def severity_key(flag: StallFlag) -> tuple[int, float]:
    """Sort key: critical first, then overdue, then the rest; within a level
    the furthest past its threshold first."""
    rank = {CRITICAL: 0, OVERDUE: 1}.get(flag.level or "", 2)
    ratio = flag.ratio
    return (rank, -(ratio if ratio is not None else -1.0))
