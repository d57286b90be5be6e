"""Corrections, retractions and voids: how the record is put right without
changing a stored event.

A ``correction`` names an earlier event (``target_seq``) and the fields it
supersedes (canonical JSON in ``correction``); a ``retraction`` says an event
was entered in error; a ``void`` says the whole agreement was. The history
keeps every original: :func:`effective` is the history as it now reads, with
corrections applied and retracted events left out, and is what the agreement
row is derived from (``workflows.replay.rederive``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from types import SimpleNamespace
from typing import Any

from workflows.acts import ACT_KINDS, ActRequest, act_of, check_act, normalise_act_party, received_columns
from workflows.date_forms import DAY, When, parse_when, text_of, when_of
from workflows.errors import BadDate, BadInput, IllegalMove
from workflows.events import ACT, CORRECTION, OPENED, RETRACTION, SIGNATURE, VOID
from workflows.inputs import check_text
from workflows.stages import HOLDERS, IN_FORCE

#: what a correction may supersede: the option / file name and the event attribute
CORRECTABLE: dict[str, str] = {
    "on": "occurred_on",
    "until": "occurred_until",
    "place": "place",
    "reference": "reference",
    "note": "note",
    "outcome": "outcome",
    "open_articles": "open_articles",
    "awaiting": "awaiting",
    # an act's (workflows.acts)
    "party": "party",
    "act": "act_kind",
    "received": "received_on",
    "instrument": "instrument",
}
#: the fields only an act has
ACT_ONLY = ("party", "act", "received", "instrument")
#: the attributes an effective event carries (those the rules and the views read)
EVENT_ATTRS = (
    "seq",
    "kind",
    "from_stage",
    "to_stage",
    "occurred_on",
    "date_precision",
    "occurred_from",
    "date_form",
    "occurred_until",
    "awaiting",
    "open_articles",
    "reason",
    "note",
    "outcome",
    "place",
    "reference",
    "target_seq",
    "party",
    "act_kind",
    "received_on",
    "received_from",
    "received_form",
    "instrument",
    "entry_rule",
)
REVISION_KINDS = (CORRECTION, RETRACTION)


def touched_stages(kind: str, target_seq: int | None, entered: dict[int, str | None]) -> set[str]:
    """The stages entered by the events a revision touches: the target of a
    correction or retraction, every move for a void. ``entered`` gives the
    stage each event of the history (by seq) entered, None for no move. Who
    may revise follows who may make those moves (workflows.roles)."""
    if kind == VOID:
        return {stage for stage in entered.values() if stage}
    stage = entered.get(target_seq) if kind in REVISION_KINDS and target_seq is not None else None
    return {stage} if stage else set()


def encode(changes: dict[str, Any]) -> str:
    """A correction's fields as canonical JSON (the hash chain covers the text):
    a date in the form it was given, ``until`` as an ISO day."""
    plain: dict[str, Any] = {}
    for name, value in changes.items():
        if name not in CORRECTABLE:
            raise BadInput(f"{name!r} cannot be corrected; one of: {', '.join(CORRECTABLE)}")
        if isinstance(value, When):
            value = text_of(value)
        elif isinstance(value, date):
            value = value.isoformat()
        plain[name] = value
    if not plain:
        raise BadInput("a correction needs at least one field to correct (e.g. --place, --on)")
    return json.dumps(plain, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def decode(text: str | None) -> dict[str, Any]:
    """The fields of a correction (``on`` as a When, ``until`` as a date)."""
    try:
        changes = json.loads(text or "")
    except ValueError:
        raise BadInput(f"a correction's fields are not JSON: {text!r}") from None
    if not isinstance(changes, dict) or not changes or set(changes) - set(CORRECTABLE):
        raise BadInput(f"a correction names fields that cannot be corrected: {text!r}")
    for name in ("on", "received"):
        if name in changes:
            changes[name] = parse_when(changes[name])
    if changes.get("until") is not None:
        changes["until"] = date.fromisoformat(changes["until"])
    return changes


def plain_copy(event: Any) -> SimpleNamespace:
    """An event's attributes that the rules and views read, as a plain object."""
    return SimpleNamespace(**{name: getattr(event, name, None) for name in EVENT_ATTRS})


def corrected(event: Any, changes: dict[str, Any]) -> SimpleNamespace:
    """``event`` with the fields of ``changes`` superseding its own."""
    copy = plain_copy(event)
    for name, value in changes.items():
        if name == "on":
            copy.occurred_on, copy.date_precision, copy.occurred_from, copy.date_form = value.columns()
        elif name == "received":
            copy.received_on, copy.received_from, copy.received_form = received_columns(value)
        else:
            setattr(copy, CORRECTABLE[name], value)
    return copy


def corrections_of(events: Sequence[Any]) -> tuple[dict[int, dict[str, Any]], dict[int, Any]]:
    """Per target seq: the fields its corrections supersede (later ones win),
    and the retraction that withdrew it."""
    changes: dict[int, dict[str, Any]] = {}
    retracted: dict[int, Any] = {}
    for event in events:
        if event.kind == CORRECTION:
            changes.setdefault(event.target_seq, {}).update(decode(event.correction))
        elif event.kind == RETRACTION:
            retracted[event.target_seq] = event
    return changes, retracted


def effective(events: Sequence[Any]) -> list[Any]:
    """The history as it now reads, in recording order: corrections applied,
    retracted events and the revisions themselves left out."""
    changes, retracted = corrections_of(events)
    return [
        corrected(e, changes[e.seq]) if e.seq in changes else e
        for e in events
        if e.kind not in REVISION_KINDS and e.seq not in retracted
    ]


def _target(code: str, events: Sequence[Any], seq: int | None) -> Any:
    if seq is None:
        raise BadInput("a correction or retraction names the event it is about (its # in the history)")
    target = next((e for e in events if e.seq == seq), None)
    if target is None:
        raise BadInput(f"{code} has no event #{seq}; see `agreements history {code}`")
    if target.kind in REVISION_KINDS:
        raise IllegalMove(
            f"#{seq} of {code} is a {target.kind}: correct or retract the event it is about (#{target.target_seq})"
        )
    if seq in corrections_of(events)[1]:
        raise IllegalMove(f"#{seq} of {code} was already retracted")
    return target


def _check_act_changes(
    code: str, target: Any, changes: dict[str, Any], events: Sequence[Any], today: date, counterparts: Sequence[str]
) -> None:
    """The corrected act must be one the record allows, among the other acts."""
    if "party" in changes and normalise_act_party(changes["party"]) != changes["party"]:
        raise BadInput(f"write the party in capitals: {normalise_act_party(changes['party'])}")
    if changes.get("act") is not None and changes["act"] not in ACT_KINDS:
        raise BadInput(f"unknown act {changes['act']!r}; one of: {', '.join(ACT_KINDS)}")
    act = act_of(corrected(target, changes))
    others = [act_of(e) for e in effective(events) if e.kind == ACT and e.seq != target.seq]
    check_act(code, counterparts, ActRequest(act.kind, act.party, act.when, act.received), others, today)


def _check_changes(
    code: str,
    target: Any,
    changes: dict[str, Any],
    events: Sequence[Any],
    today: date,
    counterparts: Sequence[str] | None = None,
) -> None:
    for name in ("place", "reference", "note", "outcome", "instrument"):
        check_text(name, changes.get(name))
    only = [name for name in ACT_ONLY if name in changes]
    if only and target.kind != ACT:
        raise BadInput(
            f"#{target.seq} of {code} is a {target.kind.replace('_', ' ')}: only an act has {', '.join(only)}"
        )
    if target.kind == ACT and counterparts is not None:
        _check_act_changes(code, target, changes, events, today, counterparts)
    holder = changes.get("awaiting")
    if holder is not None and holder not in HOLDERS:
        raise BadInput(f"unknown holder {holder!r}; one of: {', '.join(HOLDERS)}")
    articles = changes.get("open_articles")
    if articles is not None and (not isinstance(articles, int) or articles < 0):
        raise BadInput("the number of open articles must be a whole number, not negative")
    if target.kind == VOID:
        raise IllegalMove(f"#{target.seq} of {code} voids the agreement; retract it instead of correcting it")
    when = changes.get("on")
    if when is None:
        return
    if when.earliest is not None and when.earliest > today:
        raise BadDate(f"{when.label()} is in the future (today is {today.isoformat()})")
    exact = target.kind == SIGNATURE or target.to_stage == IN_FORCE
    if exact and when.precision != DAY:
        raise BadDate(f"#{target.seq} of {code} is a {target.kind.replace('_', ' ')}: it needs an exact date")
    _check_order(code, target, when, effective(events))


def _check_order(code: str, target: Any, when: When, history: Sequence[Any]) -> None:
    """A corrected date keeps the order of stages: a move or an opening not
    certainly before the move before it nor after the move after it; any
    other event not certainly before the opening."""
    moves = [e for e in history if e.to_stage is not None]
    if target.to_stage is None and target.kind != OPENED:
        moves = moves[:1]  # only the opening bounds a note or a round
        before, after = (moves[0] if moves and moves[0].seq != target.seq else None), None
    else:
        index = next(i for i, e in enumerate(moves) if e.seq == target.seq)
        before = moves[index - 1] if index > 0 else None
        after = moves[index + 1] if index + 1 < len(moves) else None
    if before is not None:
        bound = when_of(before)
        if bound.earliest is not None and when.latest is not None and when.latest < bound.earliest:
            raise BadDate(
                f"#{target.seq} of {code} cannot be dated {when.label()}: it follows #{before.seq} ({bound.label()})"
            )
    if after is not None:
        bound = when_of(after)
        if bound.latest is not None and when.earliest is not None and when.earliest > bound.latest:
            raise BadDate(
                f"#{target.seq} of {code} cannot be dated {when.label()}: #{after.seq} ({bound.label()}) follows it"
            )


def check_revision(
    code: str,
    kind: str,
    target_seq: int | None,
    correction: str | None,
    events: Sequence[Any],
    today: date,
    counterparts: Sequence[str] | None = None,
) -> tuple[Any, str | None]:
    """Refuse a correction or retraction the record does not allow; the
    target event and, for a retraction of the latest stage change, the stage
    the agreement returns to."""
    target = _target(code, events, target_seq)
    if kind == CORRECTION:
        _check_changes(code, target, decode(correction), events, today, counterparts)
        return target, None
    if target.kind == OPENED:
        raise IllegalMove(f"#{target.seq} opens {code}'s history: void the agreement instead (`agreements void`)")
    if target.to_stage is None:
        return target, None
    moves = [e for e in effective(events) if e.to_stage is not None]
    latest = moves[-1]
    if latest.seq != target.seq:
        raise IllegalMove(
            f"#{target.seq} of {code} is not its latest stage change: #{latest.seq} "
            f"({latest.from_stage} -> {latest.to_stage}) came after it; retract that first"
        )
    return target, target.from_stage
