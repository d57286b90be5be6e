"""What each kind of history event asks of the agreement it is added to, and
what it changes there.

Pure rules over any object with the attributes of :class:`Recordable` (an
ORM row, the plain copy an import replays on, a test fake) and of
:class:`EventRequest` (what a user or an import file says happened). The
refusals are the domain errors of :mod:`workflows.errors`, each with a
message fit to show as is.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Protocol

from workflows.acts import ActRequest, acts_of, check_act
from workflows.chronology import DAY, UNKNOWN, EventLike, When, check_event_date, standing_on
from workflows.date_forms import on_phrase, when_of
from workflows.entry_rules import is_binding, parse_rule
from workflows.errors import BadDate, BadInput, IllegalMove
from workflows.events import (
    ACK,
    ACT,
    ENTRY_RULE,
    EVENT_KINDS,
    NOTE,
    OPENED,
    PLAN,
    ROUND,
    SIGNATURE,
    STAGE_CHANGE,
    VOID,
)
from workflows.inputs import check_agreement_text, check_text
from workflows.lifecycle import Movable, MoveContext, fire
from workflows.revisions import REVISION_KINDS, check_revision, effective
from workflows.stages import (
    APPROVED,
    DEFAULT_HOLDER,
    EXPERT_TALKS,
    HOLDERS,
    IN_FORCE,
    SIGNING,
    STAGE_NAMES,
    SUSPENDED,
    TERMINATED,
    allowed_targets,
)

#: the kinds a document found later may be filed as, with its real date (a
#: party's act, and the rule the text sets, belong to no stage of ours)
LATE_KINDS = (NOTE, ROUND, ACT, ENTRY_RULE)
MAX_OPEN_ARTICLES = 10_000  # far above any treaty; keeps the number inside every integer column
# the free-text fields of an event, checked by workflows.inputs.check_text
EVENT_TEXT_FIELDS = ("place", "outcome", "note", "reason", "reference", "source", "actor", "instrument")
# what only an act carries (workflows.acts), and what only an entry rule does
ACT_FIELDS = ("party", "act", "received", "instrument")


class EventRequest(Protocol):
    """What a user (or an import file) says happened; read only."""

    @property
    def kind(self) -> str: ...
    @property
    def when(self) -> When: ...
    @property
    def to(self) -> str | None: ...
    @property
    def from_(self) -> str | None: ...
    @property
    def until(self) -> date | None: ...
    @property
    def awaiting(self) -> str | None: ...
    @property
    def open_articles(self) -> int | None: ...
    @property
    def reason(self) -> str | None: ...


class Recordable(Movable, Protocol):
    """An agreement as the rules read and change it."""

    code: str
    title_az: str
    title_en: str
    officer: str | None
    event_count: int
    stage_since: date | None
    stage_since_precision: str
    stage_since_from: date | None
    stage_since_form: str | None
    in_force_on: date | None
    awaiting: str | None
    # the latest exact day of a substantive event (workflows.stall_summary.fold_event)
    last_substantive_on: date | None
    voided: bool
    revised: bool
    # the day (latest bound) of the entry that set ``awaiting``: a later one may change it
    awaiting_on: date | None
    # the entry-into-force rule last recorded (workflows.entry_force.Rule.text)
    entry_rule: str | None


def check_fields(spec: EventRequest) -> None:
    """The event's own values, whatever the agreement: text, holder, counts, kind."""
    for name in EVENT_TEXT_FIELDS:
        check_text(name, getattr(spec, name, None))
    if spec.awaiting is not None and spec.awaiting not in HOLDERS:
        raise BadInput(f"unknown holder {spec.awaiting!r}; one of: {', '.join(HOLDERS)}")
    if spec.open_articles is not None and spec.open_articles < 0:
        raise BadInput("the number of open articles cannot be negative")
    if spec.open_articles is not None and spec.open_articles > MAX_OPEN_ARTICLES:
        raise BadInput(f"the number of open articles cannot be more than {MAX_OPEN_ARTICLES}")
    if spec.kind not in EVENT_KINDS:
        raise BadInput(f"unknown event kind {spec.kind!r}; one of: {', '.join(EVENT_KINDS)}")
    if spec.kind != ACT:
        given = [name for name in ACT_FIELDS if getattr(spec, name, None) is not None]
        if given:
            raise BadInput(f"only an act carries {', '.join(given)} (a {spec.kind.replace('_', ' ')} does not)")
    if spec.kind != ENTRY_RULE and getattr(spec, "rule", None) is not None:
        raise BadInput(f"only an entry_rule event carries a rule (a {spec.kind.replace('_', ' ')} does not)")


def _check_opening(agreement: Recordable, spec: EventRequest) -> None:
    """Only the first event opens a history, and it names a stage."""
    if spec.kind == OPENED:
        check_agreement_text(agreement)
        if agreement.event_count:
            raise IllegalMove(f"{agreement.code} already has a history; only its first event opens it")
        if spec.to not in STAGE_NAMES:
            raise BadInput(f"an opening event needs a stage; one of: {', '.join(STAGE_NAMES)}")
        if spec.to == SUSPENDED:  # a suspension remembers the stage it left: there is none to resume to
            raise BadInput(
                "a history cannot open suspended: open it at the stage it was suspended from, then suspend it"
            )
    elif not agreement.event_count:
        raise IllegalMove(f"{agreement.code} has no opening event yet")


def stage_entry(agreement: Recordable) -> When:
    """The day the agreement entered its current stage, as an interval."""
    return When.stored(
        agreement.stage_since,
        agreement.stage_since_precision,
        agreement.stage_since_from,
        agreement.stage_since_form,
    )


def moves_stage(agreement: Recordable, spec: EventRequest) -> bool:
    """Whether the event moves the agreement: a stage change, or a signature
    of an agreement not yet in signing."""
    return spec.kind == STAGE_CHANGE or (spec.kind == SIGNATURE and agreement.stage != SIGNING)


def is_late(agreement: Recordable, spec: EventRequest) -> bool:
    """A note or round certainly dated before the current stage began: a
    document found later, checked against the history as it stood on its
    own date rather than against today's stage."""
    if spec.kind not in LATE_KINDS or not agreement.event_count:
        return False
    entry, latest = stage_entry(agreement).earliest, spec.when.latest
    return entry is not None and latest is not None and latest < entry


def _check_late(agreement: Recordable, spec: EventRequest, history: Sequence[EventLike]) -> None:
    """A late entry may go back to the opening; a round needs the agreement
    in expert talks on its day."""
    when, code = spec.when, agreement.code
    opening = when_of(history[0]) if history else None
    latest = when.latest
    assert latest is not None  # is_late: only a dated entry is late
    if opening is not None and opening.earliest is not None and latest < opening.earliest:
        raise BadDate(f"{code}'s history opens {on_phrase(opening)}; nothing can be dated before that ({when.label()})")
    if spec.kind == ROUND:
        standing = standing_on(history, latest)
        stage = standing.stage if standing else None
        if stage != EXPERT_TALKS:
            raise IllegalMove(
                f"{code} was in {stage or 'no recorded stage'} {on_phrase(when)}; a round of expert talks "
                "needs it in expert_talks on its day"
            )


def _check_date(
    agreement: Recordable, spec: EventRequest, today: date, history: Callable[[], Sequence[EventLike]] | None
) -> None:
    """workflows.chronology.check_event_date against the agreement's stage entry
    (or, for a late entry, the history on its own date) and, for a move, its
    latest substantive day; then the stage an import says it left."""
    recorded = bool(agreement.event_count)
    stage_before = agreement.stage if recorded else None
    moves = moves_stage(agreement, spec)
    late = history is not None and is_late(agreement, spec)
    if late and history is not None:
        _check_late(agreement, spec, history())
    check_event_date(
        spec.when,
        today=today,
        code=agreement.code,
        stage=stage_before,
        stage_entry=stage_entry(agreement) if recorded and not late else None,
        # kept with each event (only exact days count, so undated events never change it)
        latest_known=agreement.last_substantive_on if moves and recorded else None,
        moves_stage=moves,
        # an acknowledgement's "until" and a plan's date lie ahead by design
        until=None if spec.kind in (ACK, PLAN) else spec.until,
    )
    if spec.from_ is not None and stage_before is not None and spec.from_ != stage_before:
        raise IllegalMove(f"{agreement.code} is in {stage_before}, not in {spec.from_}")


def _destination(spec: EventRequest) -> str:
    if spec.to is None:
        raise BadInput("a stage change needs the stage it goes to")
    return spec.to


def _stage_change(agreement: Recordable, spec: EventRequest) -> None:
    dest = _destination(spec)
    if dest == IN_FORCE and spec.when.precision != DAY:
        raise BadDate("entering in_force needs the exact entry-into-force date (--on DATE)")
    kind = getattr(agreement, "kind", None)
    if dest == APPROVED and kind is not None and is_binding(kind, agreement.entry_rule):
        raise IllegalMove(
            f"{agreement.code} is a binding {kind.replace('_', ' ')}: it enters into force (--to in_force); "
            "approved is where a non-binding instrument ends (its rule: `agreements entry-rule CODE none --non-binding`)"
        )


def _round(agreement: Recordable, spec: EventRequest) -> None:
    code = agreement.code
    if agreement.stage != EXPERT_TALKS and not is_late(agreement, spec):
        reachable = EXPERT_TALKS in allowed_targets(agreement.stage, getattr(agreement, "suspended_from", None))
        raise IllegalMove(
            f"{code} is in {agreement.stage}; a round of expert talks needs it in expert_talks"
            + (
                f" (move it there first with `agreements advance {code} --to expert_talks`)"
                if reachable
                else f", and no move leads there from {agreement.stage}"
            )
        )
    if spec.when.precision == UNKNOWN:
        raise BadInput("a round needs its date")


def _ack(agreement: Recordable, spec: EventRequest) -> None:
    if agreement.stage in (IN_FORCE, APPROVED, TERMINATED):
        raise IllegalMove(
            f"{agreement.code} is {agreement.stage}; it is never flagged, so there is nothing to acknowledge"
        )
    if spec.until is None or spec.when.on is None or spec.until <= spec.when.on:
        raise BadDate("an acknowledgement needs an --until date after the day it is given")


def _plan(agreement: Recordable, spec: EventRequest) -> None:
    if spec.until is None or spec.when.on is None or spec.until < spec.when.on:
        raise BadDate("a plan needs its planned date (--on), not before the day it is recorded")


def _void(agreement: Recordable, spec: EventRequest) -> None:
    if agreement.voided:
        raise IllegalMove(f"{agreement.code} is already void")
    if not (spec.reason or "").strip():
        raise BadInput("voiding an agreement needs --reason (why it was entered by mistake)")


def _signature(agreement: Recordable, spec: EventRequest) -> None:
    if spec.when.precision != DAY:
        raise BadInput("a signature needs its exact date")


def _entry_rule(agreement: Recordable, spec: EventRequest) -> None:
    text = getattr(spec, "rule", None)
    if not text:
        raise BadInput("an entry_rule event needs its rule")
    if parse_rule(text).text() != text:
        raise BadInput(f"the rule {text!r} is not written as the tracker writes it ({parse_rule(text).text()})")


def _check_act(agreement: Recordable, spec: EventRequest, today: date, history: Sequence[EventLike]) -> None:
    """A party's act against the acts recorded before it (workflows.acts.check_act)."""
    request = ActRequest(
        getattr(spec, "act", None) or "", getattr(spec, "party", None) or "", spec.when, getattr(spec, "received", None)
    )
    counterparts = getattr(agreement, "party_codes", None)
    if counterparts is None:
        raise ValueError("an act is checked against the agreement's counterparts (party_codes)")
    check_act(agreement.code, counterparts, request, acts_of(effective(history)), today)


# What a kind asks of the agreement besides the rules every event obeys; the
# moves themselves are the lifecycle's (workflows.lifecycle.fire).
KIND_RULES: dict[str, Callable[[Recordable, EventRequest], None]] = {
    STAGE_CHANGE: _stage_change,
    ROUND: _round,
    ACK: _ack,
    PLAN: _plan,
    SIGNATURE: _signature,
    VOID: _void,
    ENTRY_RULE: _entry_rule,
}


def check_event(
    agreement: Recordable,
    spec: EventRequest,
    today: date,
    history: Callable[[], Sequence[EventLike]] | None = None,
) -> None:
    """Refuse ``spec`` as the next event of ``agreement`` unless every rule
    allows it: its own values, the opening, its date, its kind's rule. The
    lifecycle's own refusals come from :func:`apply_event`. ``history``
    gives the agreement's events (in recording order) for a late entry to be
    checked against the history on its own date; without it, every event is
    checked against today's stage."""
    check_fields(spec)
    _check_opening(agreement, spec)
    _check_date(agreement, spec, today, history)
    if spec.kind in REVISION_KINDS:
        if not (spec.reason or "").strip():
            raise BadInput(f"a {spec.kind} needs --reason (what was wrong)")
        if history is None:
            raise ValueError("a correction or retraction is checked against the history")
        check_revision(
            agreement.code,
            spec.kind,
            getattr(spec, "target_seq", None),
            getattr(spec, "correction", None),
            history(),
            today,
            counterparts=getattr(agreement, "party_codes", None),
        )
    if spec.kind == ACT:
        _check_act(agreement, spec, today, history() if history is not None else [])
    rule = KIND_RULES.get(spec.kind)
    if rule is not None:
        rule(agreement, spec)


def _hand_over(agreement: Recordable, spec: EventRequest, holder: str | None, moved: bool) -> None:
    """Whose move it is now. A move hands it over (to the holder named, or
    the stage's default); an entry naming a holder sets it unless a later
    dated entry set it already (a document filed late restates only its own
    day); an entry naming none changes nobody's move."""
    on = spec.when.on
    if moved:
        agreement.awaiting = spec.awaiting if spec.awaiting is not None else holder
        agreement.awaiting_on = on
    elif spec.awaiting is not None:
        latest = agreement.awaiting_on
        if latest is None or on is None or on >= latest:
            agreement.awaiting = spec.awaiting
            agreement.awaiting_on = on


def apply_event(agreement: Recordable, spec: EventRequest) -> str | None:
    """Change ``agreement`` as the (checked) event says: its stage through the
    lifecycle machine, the day it entered it, signature and entry into force,
    and who holds the next move. Returns the stage before (None for an opening).

    Raises IllegalMove (or GuardRefused) and leaves the stage unchanged when
    the lifecycle refuses the move.
    """
    stage_before = agreement.stage if agreement.event_count else None
    holder: str | None = agreement.awaiting
    on = spec.when.on
    if spec.kind == OPENED:
        agreement.stage = _destination(spec)
        holder = DEFAULT_HOLDER.get(agreement.stage, holder)
    elif spec.kind == STAGE_CHANGE:
        dest = _destination(spec)
        fire(agreement, dest, MoveContext(in_force_on=on if dest == IN_FORCE else None, reason=spec.reason))
        if dest != SUSPENDED:
            holder = DEFAULT_HOLDER.get(dest, holder)
    elif spec.kind == VOID:
        agreement.voided = True
    elif spec.kind == ENTRY_RULE:
        agreement.entry_rule = getattr(spec, "rule", None)
    elif spec.kind == SIGNATURE:
        if agreement.stage != SIGNING:
            fire(agreement, SIGNING)
            holder = DEFAULT_HOLDER[SIGNING]
        agreement.signed_on = on
    if spec.kind == OPENED or agreement.stage != stage_before:
        columns = spec.when.columns()
        agreement.stage_since = on
        agreement.stage_since_precision = columns.date_precision
        agreement.stage_since_from = columns.occurred_from
        agreement.stage_since_form = columns.date_form
    if agreement.stage == IN_FORCE and stage_before != IN_FORCE:
        agreement.in_force_on = on
    _hand_over(agreement, spec, holder, moved=spec.kind == OPENED or agreement.stage != stage_before)
    return stage_before
