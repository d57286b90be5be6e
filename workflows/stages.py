"""The lifecycle as plain data: stages, their labels and the allowed moves.

Kept free of heavy imports so that the command line can build its help and
option choices without loading the state machine.
"""

from __future__ import annotations

from dataclasses import dataclass

DRAFT = "draft"
EXPERT_TALKS = "expert_talks"
INTERNAL_APPROVAL = "internal_approval"
MFA = "mfa"
SIGNING = "signing"
IN_FORCE = "in_force"
# where a non-binding instrument (a memorandum, a joint declaration) ends: it
# is approved, it never enters into force (workflows.entry_rules.is_binding)
APPROVED = "approved"
SUSPENDED = "suspended"
TERMINATED = "terminated"


@dataclass(frozen=True)
class Stage:
    name: str
    label_en: str
    label_az: str

    def label(self, locale: str = "en") -> str:
        return self.label_az if locale == "az" else self.label_en


STAGES: dict[str, Stage] = {
    s.name: s
    for s in (
        Stage(DRAFT, "draft", "layihə"),
        Stage(EXPERT_TALKS, "expert talks", "ekspertlər səviyyəsində danışıqlar"),
        Stage(INTERNAL_APPROVAL, "internal approval", "dövlətdaxili razılaşdırma"),
        Stage(MFA, "Ministry of Foreign Affairs", "Xarici İşlər Nazirliyi (XİN)"),
        Stage(SIGNING, "signing", "imzalanma"),
        Stage(IN_FORCE, "in force", "qüvvəyə minib"),
        Stage(APPROVED, "approved", "təsdiq edilib"),
        Stage(SUSPENDED, "suspended", "dayandırılıb"),
        Stage(TERMINATED, "terminated", "xitam verilib"),
    )
}
STAGE_NAMES: tuple[str, ...] = tuple(STAGES)

CANONICAL_PATH: tuple[str, ...] = (DRAFT, EXPERT_TALKS, INTERNAL_APPROVAL, MFA, SIGNING, IN_FORCE)
ACTIVE: tuple[str, ...] = (DRAFT, EXPERT_TALKS, INTERNAL_APPROVAL, MFA, SIGNING)

HOLDERS: dict[str, tuple[str, str]] = {
    "us": ("us (the service)", "biz (Xidmət)"),
    "counterpart": ("the counterpart", "qarşı tərəf"),
    "mfa": ("the MFA", "XİN"),
    "government": ("the government", "hökumət"),
}

# Who holds the next move right after a stage is entered, unless told otherwise.
DEFAULT_HOLDER: dict[str, str | None] = {
    DRAFT: "us",
    EXPERT_TALKS: "us",
    INTERNAL_APPROVAL: "us",
    MFA: "mfa",
    SIGNING: "us",
    IN_FORCE: None,
    APPROVED: None,
    TERMINATED: None,
}

KINDS: tuple[str, ...] = (
    "readmission",
    "implementing_protocol",
    "amending_protocol",
    "migration_cooperation",
    "labour_migration",
    "inter_agency",
    "memorandum",
    "joint_declaration",
    "other",
)


# Moves into these stages commit the state: once users are registered, only a
# head of department may make them. Edit this line to change who may.
HEAD_STAGES: frozenset[str] = frozenset({SIGNING, IN_FORCE, APPROVED, TERMINATED})
#: the two ends of a successful history: a binding agreement enters into
#: force, a non-binding instrument is approved
ENDS: tuple[str, ...] = (IN_FORCE, APPROVED)


@dataclass(frozen=True)
class Move:
    source: str
    dest: str
    meaning: str


def _moves() -> tuple[Move, ...]:
    moves = [
        Move(DRAFT, EXPERT_TALKS, "talks open"),
        Move(DRAFT, MFA, "draft handed to the counterpart through the MFA"),
        Move(EXPERT_TALKS, INTERNAL_APPROVAL, "text agreed, cleared with state bodies"),
        Move(INTERNAL_APPROVAL, MFA, "sent to the MFA"),
        Move(MFA, SIGNING, "ready to sign"),
        Move(MFA, EXPERT_TALKS, "talks open after the counterpart answers"),
        Move(SIGNING, IN_FORCE, "ratified or approved, in force"),
        Move(SIGNING, APPROVED, "approved (a non-binding instrument)"),
    ]
    for stage in (EXPERT_TALKS, INTERNAL_APPROVAL, MFA, SIGNING):
        moves.append(Move(stage, DRAFT, "returned for revision"))
        if stage != EXPERT_TALKS:
            moves.append(Move(stage, EXPERT_TALKS, "talks reopened"))
    for stage in ACTIVE:
        moves.append(Move(stage, SUSPENDED, "suspended"))
        moves.append(Move(SUSPENDED, stage, "resumed"))
    for stage in (*ACTIVE, SUSPENDED, IN_FORCE, APPROVED):
        ended = {IN_FORCE: "denounced", APPROVED: "ended"}.get(stage, "terminated")
        moves.append(Move(stage, TERMINATED, ended))
    # keep one entry per (source, dest); mfa -> expert_talks appears twice above
    unique: dict[tuple[str, str], Move] = {}
    for move in moves:
        unique.setdefault((move.source, move.dest), move)
    return tuple(unique.values())


MOVES: tuple[Move, ...] = _moves()


def allowed_targets(stage: str, suspended_from: str | None = None) -> list[str]:
    """Stages an agreement in ``stage`` may move to, in lifecycle order."""
    targets = {m.dest for m in MOVES if m.source == stage}
    if stage == SUSPENDED:
        targets = {t for t in targets if t in (TERMINATED, suspended_from)}
    return [s for s in STAGE_NAMES if s in targets]


def next_canonical(stage: str) -> str | None:
    """The next stage of the canonical path, or None at its end or off it."""
    if stage in CANONICAL_PATH[:-1]:
        return CANONICAL_PATH[CANONICAL_PATH.index(stage) + 1]
    return None


def stage_label(name: str, locale: str = "en") -> str:
    return STAGES[name].label(locale)
