"""The digest as plain data: what the application hands over to be rendered.

Nothing here knows where the data came from; the application (``agreements``)
fills these from its database and ``notifications`` turns them into a message.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from workflows.locales import LOCALES

#: the kind of an :class:`Upcoming` entry whose acknowledgement expires (the
#: other kind is a ``plan`` event, ``workflows.events.PLAN``)
ACK_EXPIRES = "ack_expires"


@dataclass(frozen=True)
class Person:
    """Who a message goes to (or comes from)."""

    email: str
    name: str = ""


@dataclass(frozen=True)
class ActionItem:
    """An overdue or critical agreement."""

    code: str
    title: str
    stage: str  # stage name, e.g. "mfa"; labels come from workflows.stages
    working_days: int | None
    threshold: int | None
    level: str  # one of workflows.stall.LEVELS
    awaiting: str | None  # one of workflows.stages.HOLDERS
    awaiting_counterpart: bool = False
    stage_since: date | None = None  # the day the agreement entered its stage...
    stage_since_not_after: bool = False  # ...or no later than that day (the source gives no exact day)
    acknowledged_until: date | None = None
    acknowledgement: str | None = None
    waiting_for: str | None = None  # once signed: what the entry into force waits for


@dataclass(frozen=True)
class Movement:
    """One event of the week: a stage change, round, signature or note."""

    on: date
    code: str
    title: str
    kind: str  # one of workflows.events.MOVED_KINDS
    actor: str
    from_stage: str | None = None
    to_stage: str | None = None
    until: date | None = None
    place: str | None = None
    outcome: str | None = None
    note: str | None = None
    reference: str | None = None


@dataclass(frozen=True)
class Upcoming:
    """A planned date in the coming days, or an acknowledgement that expires."""

    on: date
    code: str
    title: str
    kind: str  # workflows.events.PLAN | ACK_EXPIRES
    what: str | None = None


@dataclass(frozen=True)
class PipelineRow:
    stage: str
    count: int


@dataclass(frozen=True)
class Digest:
    """One recipient's weekly digest."""

    week: str  # ISO week, e.g. "2026-W48"
    locale: str  # one of workflows.locales.LOCALES
    recipient: Person
    as_of: date  # the day "needs action" is judged (the week's Monday)
    moved_from: date  # the previous week, Monday ...
    moved_to: date  # ... to Sunday
    coming_until: date  # last day of "coming up"
    needs_action: list[ActionItem] = field(default_factory=list)
    acknowledged: list[ActionItem] = field(default_factory=list)
    moved: list[Movement] = field(default_factory=list)
    coming: list[Upcoming] = field(default_factory=list)
    pipeline: list[PipelineRow] = field(default_factory=list)
    only_needs_action: bool = False
    # what the recipient follows; all empty = everything
    parties: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    officer: str | None = None
    # the history anchor of the footer: a root line (``ROOT_HEX@ISO_MOMENT``,
    # computed by the application) and the moment it covers; "" = none
    anchor: str = ""
    anchor_at: datetime | None = None
    # the web view's address (configuration ``base_url``): each agreement links
    # to its page there; "" = no web view, the footer names the commands
    base_url: str = ""

    def __post_init__(self) -> None:
        if self.locale not in LOCALES:
            raise ValueError(f"unknown locale {self.locale!r}; one of: {', '.join(LOCALES)}")

    @property
    def action_count(self) -> int:
        return len(self.needs_action)
