"""The lifecycle printed for people: a plain list of moves or a Mermaid diagram."""

from __future__ import annotations

from workflows.stages import ACTIVE, APPROVED, ENDS, HEAD_STAGES, IN_FORCE, MOVES, STAGES, SUSPENDED, TERMINATED

GUARDS = {
    IN_FORCE: "a binding agreement; needs signature date and entry-into-force date",
    APPROVED: "a non-binding instrument: memoranda and joint declarations by default",
    TERMINATED: "needs a reason",
}


def as_text(locale: str = "en") -> str:
    lines = ["Stages:"]
    width = max(len(name) for name in STAGES)
    for stage in STAGES.values():
        lines.append(f"  {stage.name:<{width}}  {stage.label_en} / {stage.label_az}")
    lines.append("")
    lines.append("Moves:")
    for move in _grouped_moves():
        guard = GUARDS.get(move[1])
        suffix = f"  [{guard}]" if guard else ""
        lines.append(f"  {move[0]:<{width}} -> {move[1]:<{width}}  {move[2]}{suffix}")
    lines.append("")
    lines.append("A suspended agreement resumes only to the stage it was suspended from.")
    lines.append(
        f"Two ends: a binding agreement enters {IN_FORCE}; a non-binding instrument is {APPROVED}, never in force."
    )
    lines.append(
        "Once users are registered, moves into "
        + ", ".join(s for s in STAGES if s in HEAD_STAGES)
        + " need the head role; other changes need an officer."
    )
    return "\n".join(lines)


def _grouped_moves() -> list[tuple[str, str, str]]:
    return [(m.source, m.dest, m.meaning) for m in MOVES]


def as_mermaid() -> str:
    lines = ["stateDiagram-v2"]
    for stage in STAGES.values():
        lines.append(f'    state "{stage.label_en} / {stage.label_az}" as {stage.name}')
    lines.append("    [*] --> draft")
    for move in MOVES:
        label = move.meaning
        if move.source == SUSPENDED and move.dest in ACTIVE:
            label = "resumed (only to the stage it was suspended from)"
        guard = GUARDS.get(move.dest)
        if guard:
            label = f"{label} ({guard})"
        lines.append(f"    {move.source} --> {move.dest}: {label}")
    for end in ENDS:
        lines.append(f"    {end} --> [*]")
    lines.append(f"    {TERMINATED} --> [*]")
    return "\n".join(lines)
