"""The lifecycle as one shared ``transitions`` machine, fired on any row.

One machine serves every agreement: it is built once with ``model=None`` and a
move is fired with ``MACHINE.events[trigger].trigger(row, context=...)``. The
row only needs ``stage``, ``suspended_from`` and ``signed_on`` attributes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from transitions import Machine, MachineError

from workflows.errors import GuardRefused, IllegalMove
from workflows.stages import (
    IN_FORCE,
    MOVES,
    STAGE_NAMES,
    SUSPENDED,
    TERMINATED,
    allowed_targets,
)


class Movable(Protocol):
    stage: str
    suspended_from: str | None
    signed_on: date | None


@dataclass(frozen=True)
class MoveContext:
    """Facts a guard may need that are not on the row yet."""

    in_force_on: date | None = None
    reason: str | None = None


def trigger_name(dest: str) -> str:
    return f"to_{dest}"


def _context(event: Any) -> MoveContext:
    return event.kwargs.get("context") or MoveContext()


def _needs_signature_and_date(event: Any) -> bool:
    if event.model.signed_on is None:
        raise GuardRefused(
            "entering in_force needs a recorded signature date: record it first with `agreements sign CODE --on DATE`"
        )
    if _context(event).in_force_on is None:
        raise GuardRefused("entering in_force needs the entry-into-force date (--on DATE)")
    return True


def _needs_reason(event: Any) -> bool:
    reason = _context(event).reason
    if reason is None or not reason.strip():
        raise GuardRefused("terminating needs a reason: `agreements terminate CODE --reason TEXT`")
    return True


def _returns_to_origin(event: Any) -> bool:
    origin = event.model.suspended_from
    dest = event.transition.dest
    if dest != origin:
        raise GuardRefused(f"a suspended agreement resumes only to the stage it was suspended from ({origin})")
    return True


def _remember_origin(event: Any) -> None:
    event.model.suspended_from = event.transition.source


def _forget_origin(event: Any) -> None:
    event.model.suspended_from = None


def _transition_specs() -> list[dict[str, Any]]:
    specs = []
    for move in MOVES:
        spec: dict[str, Any] = {
            "trigger": trigger_name(move.dest),
            "source": move.source,
            "dest": move.dest,
            "conditions": [],
            "before": [],
        }
        if move.dest == IN_FORCE:
            spec["conditions"].append(_needs_signature_and_date)
        if move.dest == TERMINATED:
            spec["conditions"].append(_needs_reason)
        if move.source == SUSPENDED and move.dest != TERMINATED:
            spec["conditions"].append(_returns_to_origin)
        if move.dest == SUSPENDED:
            spec["before"].append(_remember_origin)
        elif move.source == SUSPENDED:
            spec["before"].append(_forget_origin)
        specs.append(spec)
    return specs


MACHINE = Machine(
    model=None,
    states=list(STAGE_NAMES),
    transitions=_transition_specs(),
    initial=None,
    model_attribute="stage",
    auto_transitions=False,
    send_event=True,
)


def refusal(stage: str, dest: str, suspended_from: str | None = None) -> str:
    """The message for a refused move: current stage, asked stage, allowed moves."""
    allowed = allowed_targets(stage, suspended_from)
    listed = ", ".join(allowed) if allowed else "none"
    return f"cannot move from {stage} to {dest}; allowed from {stage}: {listed}"


def fire(row: Movable, dest: str, context: MoveContext | None = None) -> str:
    """Move ``row`` to ``dest`` through the shared machine; return the old stage.

    Raises IllegalMove (or its GuardRefused) and leaves the row unchanged when
    the move is not allowed.
    """
    if dest not in STAGE_NAMES:
        raise IllegalMove(f"unknown stage {dest!r}; stages: {', '.join(STAGE_NAMES)}")
    source = row.stage
    event = MACHINE.events.get(trigger_name(dest))
    if event is None:
        raise IllegalMove(refusal(source, dest, row.suspended_from))
    try:
        moved = event.trigger(row, context=context or MoveContext())
    except MachineError:
        raise IllegalMove(refusal(source, dest, row.suspended_from)) from None
    except GuardRefused as exc:
        allowed = ", ".join(allowed_targets(source, row.suspended_from)) or "none"
        raise GuardRefused(f"cannot move from {source} to {dest}: {exc}; allowed from {source}: {allowed}") from None
    if not moved:  # a condition returned False without saying why
        raise IllegalMove(refusal(source, dest, row.suspended_from))
    return source
