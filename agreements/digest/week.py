"""The weekly digest: what the database says about one ISO week, per recipient.

The digest of week W (e.g. ``2026-W48``) is the one sent on W's Monday:

- **needs action**: overdue and critical agreements as of that Monday (the
  stall policy of ``agreements.reads.stalled``), acknowledged ones apart;
- **moved last week**: stage changes, rounds, signatures and notes dated in
  the week before (Monday to Sunday);
- **coming up**: planned dates (``agreements plan``) and acknowledgements that
  expire, from that Monday for ``digest.horizon_days`` (14) days;
- **pipeline**: how many agreements stand in each stage on that Monday.

This module reads the database and hands plain data to ``notifications``,
which renders it; ``agreements.digest.outbox`` queues and delivers the messages.
The scheduler's weekly job calls :func:`send_weekly_digest`.
"""
from __future__ import annotations

import logging
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import and_, or_, select

from agreements.errors import BadInput, DomainError
from agreements.store.tables import Agreement, Event
from workflows.chronology import NOT_AFTER
from workflows.events import MOVED_KINDS

if TYPE_CHECKING:  # pragma: no cover
    from agreements.clock import Clock
    from agreements.config.file import Config
    from agreements.store.database import Database
    from agreements.store.tables import Recipient
    from notifications.model import Digest

log = logging.getLogger("agreements.digest.week")

WEEK_RE = re.compile(r"^(\d{4})-W(\d{2})$")


# --------------------------------------------------------------------------- weeks


def parse_week(week: str) -> date:
    """The Monday of an ISO week given as ``2026-W48``."""
    match = WEEK_RE.match((week or "").strip())
    if not match:
        raise BadInput(f"invalid week {week!r}: use the ISO form YYYY-Www, e.g. 2026-W48")
    try:
        return date.fromisocalendar(int(match.group(1)), int(match.group(2)), 1)
    except ValueError:
        raise BadInput(f"invalid week {week!r}: {match.group(1)} has no week {int(match.group(2))}") from None


def week_of(day: date) -> str:
    return day.strftime("%G-W%V")


def current_week(clock: "Clock") -> str:
    """The ISO week of today on ``clock``."""
    return week_of(clock.today())


# --------------------------------------------------------------------------- the week's data


@dataclass(frozen=True)
class AgreementFacts:
    code: str
    title_en: str
    title_az: str
    kind: str
    parties: tuple[str, ...]
    officer: str | None

    def title(self, locale: str) -> str:
        return self.title_az if locale == "az" else self.title_en


@dataclass
class WeekData:
    """Everything the digests of one week need, for every agreement (unfiltered)."""

    week: str
    monday: date
    moved_from: date
    moved_to: date
    coming_until: date
    agreements: dict[str, AgreementFacts] = field(default_factory=dict)
    stalls: list = field(default_factory=list)  # agreements.reads.stalled.Stall, flagged, most severe first
    moved: list[Event] = field(default_factory=list)
    plans: list[Event] = field(default_factory=list)
    stages: dict[str, str] = field(default_factory=dict)  # code -> stage on Monday


def collect(db: "Database", config: "Config", week: str) -> WeekData:
    """Read the week from the database, once for all recipients."""
    from agreements.reads.stalled import assess_all
    from workflows.stall import CRITICAL, OVERDUE, severity_key

    monday = parse_week(week)
    data = WeekData(
        week=week,
        monday=monday,
        moved_from=monday - timedelta(days=7),
        moved_to=monday - timedelta(days=1),
        coming_until=monday + timedelta(days=config.digest.horizon_days - 1),
    )
    assessed = assess_all(db, config, monday)
    flagged = [s for s in assessed if s.level in (OVERDUE, CRITICAL)]
    flagged.sort(key=lambda s: (severity_key(s.flag), s.code))
    data.stalls = flagged
    data.stages = {s.code: s.stage for s in assessed}
    with db.read() as session:
        for agreement in session.scalars(select(Agreement).order_by(Agreement.code)):
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
        codes = {a.id: a.code for a in session.scalars(select(Agreement))}
        in_week = and_(Event.occurred_on >= data.moved_from, Event.occurred_on <= data.moved_to)
        round_ends_in_week = and_(
            Event.kind == "round", Event.occurred_until >= data.moved_from, Event.occurred_until <= data.moved_to
        )
        moved = session.scalars(
            select(Event)
            .where(Event.kind.in_(MOVED_KINDS), Event.date_precision == "day", or_(in_week, round_ends_in_week))
            .order_by(Event.occurred_on, Event.agreement_id, Event.seq)
        )
        data.moved = list(moved)
        plans = session.scalars(
            select(Event)
            .where(
                Event.kind == "plan",
                Event.occurred_on <= monday,
                Event.occurred_until >= monday,
                Event.occurred_until <= data.coming_until,
            )
            .order_by(Event.occurred_until, Event.agreement_id, Event.seq)
        )
        data.plans = list(plans)
        for event in data.moved + data.plans:
            event.code = codes[event.agreement_id]  # plain attribute for later, outside the session
    return data


def build_digest(data: WeekData, recipient: "Recipient | None" = None, locale: str | None = None) -> "Digest":
    """The digest of one recipient (``None``: everything, as a preview)."""
    from agreements.digest.recipients import Follows, follows
    from notifications.model import ActionItem, Digest, Movement, PipelineRow, Person, Upcoming
    from workflows.stages import STAGE_NAMES

    scope = follows(recipient) if recipient is not None else Follows()
    locale = locale or (recipient.locale if recipient is not None else "en")

    def followed(code: str) -> bool:
        facts = data.agreements.get(code)
        return facts is not None and scope.matches(facts.parties, facts.kind, facts.officer)

    def title(code: str) -> str:
        return data.agreements[code].title(locale)

    needs_action, acknowledged, coming = [], [], []
    for stall in data.stalls:
        if not followed(stall.code):
            continue
        item = ActionItem(
            code=stall.code,
            title=title(stall.code),
            stage=stall.stage,
            working_days=stall.working_days,
            threshold=stall.threshold,
            level=stall.level,
            awaiting=stall.awaiting,
            awaiting_counterpart=stall.awaiting_counterpart,
            stage_since=stall.stage_since.on,
            stage_since_not_after=stall.stage_since.precision == NOT_AFTER,
            acknowledged_until=stall.acknowledged_until,
            acknowledgement=stall.acknowledgement,
        )
        if stall.acknowledged_until:
            acknowledged.append(item)
            if stall.acknowledged_until <= data.coming_until:
                coming.append(Upcoming(stall.acknowledged_until, stall.code, item.title, "ack_expires"))
        else:
            needs_action.append(item)
    moved = [
        Movement(
            on=e.occurred_on,
            code=e.code,
            title=title(e.code),
            kind=e.kind,
            actor=e.actor,
            from_stage=e.from_stage,
            to_stage=e.to_stage,
            until=e.occurred_until if e.kind == "round" else None,
            place=e.place,
            outcome=e.outcome,
            note=e.note or e.reason,
            reference=e.reference,
        )
        for e in data.moved
        if followed(e.code)
    ]
    coming += [Upcoming(e.occurred_until, e.code, title(e.code), "plan", e.note) for e in data.plans if followed(e.code)]
    counts = Counter(stage for code, stage in data.stages.items() if followed(code))
    pipeline = [PipelineRow(stage, counts.get(stage, 0)) for stage in STAGE_NAMES]
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
        pipeline=pipeline,
        only_needs_action=bool(recipient.only_needs_action) if recipient is not None else False,
        parties=scope.parties,
        kinds=scope.kinds,
        officer=scope.officer,
    )


# --------------------------------------------------------------------------- preview


def preview(
    db: "Database",
    config: "Config",
    week: str,
    *,
    recipient: str | None = None,
    locale: str | None = None,
    fmt: str = "text",
    now: datetime,
) -> str:
    """The digest rendered without sending: text, HTML or the whole message (eml)."""
    from agreements.digest.recipients import find_recipient
    from notifications.render import render_html, render_text

    row = find_recipient(db, recipient) if recipient else None
    digest = build_digest(collect(db, config, week), row, locale)
    if fmt == "html":
        return render_html(digest)
    if fmt == "eml":
        from agreements.digest.outbox import sender_of
        from notifications.message import digest_message

        if row is None:
            raise BadInput("--format eml needs --recipient (a message needs its To address)")
        return digest_message(digest, sender_of(config), when=now).as_string()
    return render_text(digest)


# --------------------------------------------------------------------------- plans


def record_plan(db: "Database", code: str, *, on: date, what: str, actor: str, reference: str | None = None, clock: "Clock"):
    """Record a planned date (next round, planned signing...): a ``plan`` event,
    dated the day it is recorded, whose ``until`` is the planned date."""
    from agreements.writes.apply import EventSpec
    from agreements.writes.commands import record_event
    from workflows.chronology import DAY, When

    if not what or not what.strip():
        raise BadInput("a plan needs --what (e.g. \"next round in Chisinau\")")
    day = clock.today()
    if on < day:
        raise BadInput(f"a planned date cannot be in the past ({on.isoformat()}; today is {day.isoformat()})")
    return record_event(
        db,
        code,
        lambda _a: EventSpec(kind="plan", when=When(day, DAY), until=on, actor=actor, note=what.strip(), reference=reference),
        clock,
    )


# --------------------------------------------------------------------------- the weekly run


class DigestIncomplete(DomainError):
    """Some digests of the week are still queued (the server was down...): the
    scheduler's claim ends failed, so a later run retries the period."""


def send_weekly_digest(db, config, week: str, now: datetime) -> str:
    """Queue the digest of ``week`` (e.g. ``2026-W48``) for every recipient and
    deliver what is due; return what was done.

    Safe to call any number of times: a recipient's digest of a week is
    queued once and sent once. Raises :class:`DigestIncomplete` when some of
    the week's digests could not be delivered yet (they stay queued).
    """
    from agreements.digest.outbox import run_week

    report = run_week(db, config, week, now=now)
    summary = report.summary()
    log.info("%s", summary)
    if report.pending:
        raise DigestIncomplete(summary)
    return summary
