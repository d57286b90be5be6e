"""The weekly digest's content: what the database says about one ISO week, per recipient.

The digest of week W (e.g. ``2026-W48``) is the one sent on W's Monday:

- **needs action**: overdue and critical agreements as of that Monday (the
  stall policy, read by ``agreements.reads.stalled``), acknowledged ones apart;
- **moved last week**: stage changes, rounds, signatures and notes dated in
  the week before (Monday to Sunday);
- **coming up**: planned dates (``agreements plan``), acknowledgements that
  expire, the entry-into-force dates computed from the parties' acts
  (``workflows.entry_force``) and the open obligations due
  (``workflows.obligations``), from that Monday for ``digest.horizon_days``
  (14) days;
- **pipeline**: how many agreements stand in each stage on that Monday;
- **the anchor** (in the footer): the root of every chain as recorded when
  that Monday began in the configured zone (``agreements.reads.anchor``), so
  that every recipient keeps a copy of it outside the database.

The anchor's moment is fixed by the week, never by the time of rendering, so
a queued digest renders again to the same bytes (``genuine``): events
recorded later do not change a root at a moment already past. Only a digest
rendered before its Monday began (queued early, or previewed) anchors the
moment it was rendered instead, to the second, as its Date header says: a
root at a moment still to come would change with every event recorded until
then, and the copy a recipient keeps would not verify.

:func:`collect` reads the database once for all recipients; :func:`build_digest`
hands one recipient's plain data to ``notifications``, which renders it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import Session, aliased

from agreements.digest.iso_week import parse_week
from agreements.digest.recipients import Follows, follows
from agreements.reads.anchor import root_line
from agreements.reads.obligations import all_obligations
from agreements.reads.stalled import Stall, assess_all
from agreements.store.tables import Agreement, Event
from agreements.writes.entry_checks import pending_outcomes
from notifications.model import ACK_EXPIRES, ActionItem, Digest, Movement, Person, PipelineRow, Upcoming
from workflows.chronology import DAY, NOT_AFTER
from workflows.entry_force import Expected
from workflows.events import MOVED_KINDS, PLAN, RETRACTION, ROUND
from workflows.locales import AZ, DEFAULT_LOCALE
from workflows.stages import STAGE_NAMES
from workflows.stall import LEVELS, severity_key

#: the kind of an Upcoming entry for a computed entry-into-force date
ENTRY_INTO_FORCE = "entry_into_force"
#: the kind of an Upcoming entry for an open obligation (workflows.obligations)
OBLIGATION = "obligation"

if TYPE_CHECKING:  # pragma: no cover
    from agreements.config.settings import Config
    from agreements.store.database import Database
    from agreements.store.tables import Recipient


@dataclass(frozen=True)
class AgreementFacts:
    code: str
    title_en: str
    title_az: str
    kind: str
    parties: tuple[str, ...]
    officer: str | None

    def title(self, locale: str) -> str:
        return self.title_az if locale == AZ else self.title_en


@dataclass
class WeekData:
    """Everything the digests of one week need, for every agreement (unfiltered)."""

    week: str
    monday: date
    moved_from: date
    moved_to: date
    coming_until: date
    began: datetime  # the Monday's first moment in the configured zone
    anchor_at: datetime | None = None  # the moment the footer's root covers (see anchor_moment)
    anchor: str = ""  # its root line, ROOT_HEX@ISO_MOMENT
    agreements: dict[str, AgreementFacts] = field(default_factory=dict)
    stalls: list[Stall] = field(default_factory=list)  # flagged, most severe first
    moved: list[Event] = field(default_factory=list)
    plans: list[Event] = field(default_factory=list)
    codes: dict[int, str] = field(default_factory=dict)  # agreement id -> code, for the events
    stages: dict[str, str] = field(default_factory=dict)  # code -> stage on Monday
    base_url: str = ""  # the web view's address (configuration base_url), for the links
    # computed dates in "coming up": (day, code, kind, what in English, what in Azerbaijani)
    dated: list[tuple[date, str, str, str, str]] = field(default_factory=list)


def collect(db: Database, config: Config, week: str, *, now: datetime | None = None) -> WeekData:
    """Read the week from the database, once for all recipients.

    ``now``: when the digest is rendered (aware; it only matters before the
    Monday begins, see :func:`anchor_moment`); None for a Monday already begun.
    """
    monday = parse_week(week)
    data = WeekData(
        week=week,
        monday=monday,
        moved_from=monday - timedelta(days=7),
        moved_to=monday - timedelta(days=1),
        coming_until=monday + timedelta(days=config.digest.horizon_days - 1),
        began=first_moment(monday, config.timezone),
        base_url=config.base_url or "",
    )
    assessed = assess_all(db, config, monday)
    flagged = [s for s in assessed if s.level in LEVELS]
    flagged.sort(key=lambda s: (severity_key(s.flag), s.code))
    data.stalls = flagged
    data.stages = {s.code: s.stage for s in assessed}
    with db.read() as session:
        _collect_agreements(session, data)
        data.codes = {a.id: a.code for a in session.scalars(select(Agreement))}
        data.moved = list(session.scalars(_moved_query(data)))
        data.plans = list(session.scalars(_plans_query(data)))
        data.dated = _computed_dates(session, data)
    data.dated = sorted(data.dated + _obligations_due(db, data))
    return anchored(db, data, now)


def first_moment(day: date, zone: str) -> datetime:
    """The first moment of ``day`` in ``zone`` (where midnight is skipped, the
    moment the day really begins)."""
    local = ZoneInfo(zone)
    return datetime.combine(day, time(0), tzinfo=local).astimezone(UTC).astimezone(local)


def anchor_moment(began: datetime, when: datetime | None) -> datetime:
    """The moment the footer of a digest rendered at ``when`` anchors: its
    Monday's first moment (``began``), or ``when`` itself, to the second, in
    the Monday's zone, when it came earlier. None: rendered once the Monday began."""
    if when is None:
        return began
    if when.tzinfo is None:
        raise ValueError("the moment a digest is rendered needs a UTC offset")
    second = when.replace(microsecond=0)  # what the message's Date header keeps of it
    return began if second >= began else second.astimezone(began.tzinfo)


def anchored(db: Database, data: WeekData, when: datetime | None) -> WeekData:
    """``data`` with the footer's anchor of a digest rendered at ``when``
    (``data`` itself when it already carries that one)."""
    moment = anchor_moment(data.began, when)
    if moment == data.anchor_at and data.anchor:
        return data
    return replace(data, anchor_at=moment, anchor=root_line(db, moment))


def _collect_agreements(session: Session, data: WeekData) -> None:
    # an agreement voided as entered by mistake is in no digest
    for agreement in session.scalars(select(Agreement).where(Agreement.voided.is_(False)).order_by(Agreement.code)):
        data.agreements[agreement.code] = AgreementFacts(
            agreement.code,
            agreement.title_en,
            agreement.title_az,
            agreement.kind,
            tuple(agreement.party_codes),
            agreement.officer,
        )
        # an agreement whose history has no dated event at all (e.g. known
        # only to be in force) still counts in the pipeline at its stage
        if agreement.code not in data.stages:
            dated = session.scalar(
                select(Event.id).where(Event.agreement_id == agreement.id, Event.occurred_on.is_not(None)).limit(1)
            )
            if dated is None:
                data.stages[agreement.code] = agreement.stage


def _computed_dates(session: Session, data: WeekData) -> list[tuple[date, str, str, str, str]]:
    """The entry-into-force dates computed from the acts that fall in "coming up"."""
    found = []
    for code, outcome in pending_outcomes(session).items():
        if not isinstance(outcome, Expected):
            continue
        day = outcome.when.on if outcome.when.precision == DAY else outcome.when.latest
        if day is not None and data.monday <= day <= data.coming_until:
            found.append((day, code, ENTRY_INTO_FORCE, outcome.sentence(), outcome.sentence(AZ)))
    return sorted(found)


def _obligations_due(db: Database, data: WeekData) -> list[tuple[date, str, str, str, str]]:
    """The open obligations due in "coming up"."""
    return [
        (o.due, o.code, OBLIGATION, f"{o.label()} ({o.basis_en})", f"{o.label(AZ)} ({o.basis_az})")
        for o in all_obligations(db, data.monday)
        if not o.done and data.monday <= o.due <= data.coming_until
    ]


def _not_retracted():
    """An event no retraction has withdrawn (a plan withdrawn leaves "coming up")."""
    retraction = aliased(Event)
    return ~exists().where(
        retraction.agreement_id == Event.agreement_id,
        retraction.kind == RETRACTION,
        retraction.target_seq == Event.seq,
    )


def _moved_query(data: WeekData):
    """Events of the moved kinds dated in last week (a round: or ending in it)."""
    in_week = and_(Event.occurred_on >= data.moved_from, Event.occurred_on <= data.moved_to)
    round_ends_in_week = and_(
        Event.kind == ROUND, Event.occurred_until >= data.moved_from, Event.occurred_until <= data.moved_to
    )
    return (
        select(Event)
        .where(
            Event.kind.in_(MOVED_KINDS), Event.date_precision == DAY, or_(in_week, round_ends_in_week), _not_retracted()
        )
        .order_by(Event.occurred_on, Event.agreement_id, Event.seq)
    )


def _plans_query(data: WeekData):
    """Plans recorded by Monday for a date from Monday to the end of "coming up"."""
    return (
        select(Event)
        .where(
            Event.kind == PLAN,
            Event.occurred_on <= data.monday,
            Event.occurred_until >= data.monday,
            Event.occurred_until <= data.coming_until,
            _not_retracted(),
        )
        .order_by(Event.occurred_until, Event.agreement_id, Event.seq)
    )


def _action_item(stall: Stall, title: str, locale: str = DEFAULT_LOCALE) -> ActionItem:
    if stall.level is None:  # WeekData.stalls holds flagged agreements only
        raise ValueError(f"{stall.code} is not flagged")
    return ActionItem(
        code=stall.code,
        title=title,
        stage=stall.stage,
        working_days=stall.working_days,
        threshold=stall.threshold,
        level=stall.level,
        awaiting=stall.awaiting,
        awaiting_counterpart=stall.awaiting_counterpart,
        stage_since=stall.stage_since,
        stage_since_not_after=stall.stage_since_precision == NOT_AFTER,
        acknowledged_until=stall.acknowledged_until,
        acknowledgement=stall.acknowledgement,
        waiting_for=stall.waiting_for_az if locale == AZ else stall.waiting_for,
    )


def _movement(event: Event, code: str, title: str) -> Movement:
    if event.occurred_on is None:  # _moved_query selects events dated to the day
        raise ValueError(f"{code} event {event.seq} has no date")
    return Movement(
        on=event.occurred_on,
        code=code,
        title=title,
        kind=event.kind,
        actor=event.actor,
        from_stage=event.from_stage,
        to_stage=event.to_stage,
        until=event.occurred_until if event.kind == ROUND else None,
        place=event.place,
        outcome=event.outcome,
        note=event.note or event.reason,
        reference=event.reference,
    )


def build_digest(data: WeekData, recipient: Recipient | None = None, locale: str | None = None) -> Digest:
    """The digest of one recipient (``None``: everything, as a preview)."""
    scope = follows(recipient) if recipient is not None else Follows()
    locale = locale or (recipient.locale if recipient is not None else DEFAULT_LOCALE)

    def followed(code: str) -> bool:
        facts = data.agreements.get(code)
        return facts is not None and scope.matches(facts.parties, facts.kind, facts.officer)

    def title(code: str) -> str:
        return data.agreements[code].title(locale)

    needs_action, acknowledged, coming = _action_lists(data, followed, title, locale)
    moved = [_movement(e, code, title(code)) for e in data.moved if followed(code := data.codes[e.agreement_id])]
    coming += [_plan(e, code, title(code)) for e in data.plans if followed(code := data.codes[e.agreement_id])]
    coming += [
        Upcoming(day, code, title(code), kind, what_az if locale == AZ else what_en)
        for day, code, kind, what_en, what_az in data.dated
        if followed(code)
    ]
    counts = Counter(stage for code, stage in data.stages.items() if followed(code))
    return Digest(
        week=data.week,
        locale=locale,
        recipient=Person(recipient.email, recipient.name) if recipient is not None else Person("", ""),
        as_of=data.monday,
        moved_from=data.moved_from,
        moved_to=data.moved_to,
        coming_until=data.coming_until,
        needs_action=needs_action,
        acknowledged=acknowledged,
        moved=moved,
        coming=coming,
        pipeline=[PipelineRow(stage, counts.get(stage, 0)) for stage in STAGE_NAMES],
        only_needs_action=bool(recipient.only_needs_action) if recipient is not None else False,
        parties=scope.parties,
        kinds=scope.kinds,
        officer=scope.officer,
        anchor=data.anchor,
        anchor_at=data.anchor_at,
        base_url=data.base_url,
    )


def _plan(event: Event, code: str, title: str) -> Upcoming:
    if event.occurred_until is None:  # _plans_query selects plans with a planned date
        raise ValueError(f"{code} event {event.seq} has no planned date")
    return Upcoming(event.occurred_until, code, title, PLAN, event.note)


def _action_lists(
    data: WeekData, followed: Callable[[str], bool], title: Callable[[str], str], locale: str = DEFAULT_LOCALE
) -> tuple[list[ActionItem], list[ActionItem], list[Upcoming]]:
    """Needs action, acknowledged, and the acknowledgements that expire in "coming up"."""
    needs_action: list[ActionItem] = []
    acknowledged: list[ActionItem] = []
    expiring: list[Upcoming] = []
    for stall in data.stalls:
        if not followed(stall.code):
            continue
        item = _action_item(stall, title(stall.code), locale)
        if stall.acknowledged_until:
            acknowledged.append(item)
            if stall.acknowledged_until <= data.coming_until:
                expiring.append(Upcoming(stall.acknowledged_until, stall.code, item.title, ACK_EXPIRES))
        else:
            needs_action.append(item)
    return needs_action, acknowledged, expiring
