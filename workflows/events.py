"""The kinds of history event, defined once.

A history is a list of events; each has one of these kinds. Which kinds are
substantive (say what happened to the agreement itself) and which restart a
stage's stall clock are facts about the kinds, kept here beside them.
"""

from __future__ import annotations

OPENED = "opened"
STAGE_CHANGE = "stage_change"
ROUND = "round"
SIGNATURE = "signature"
NOTE = "note"
ACK = "ack"
FLAG = "flag"
PLAN = "plan"
# the record put right (workflows.revisions): a correction of an earlier
# event, its retraction, and the voiding of an agreement entered by mistake
CORRECTION = "correction"
RETRACTION = "retraction"
VOID = "void"
# after signature (workflows.acts, workflows.entry_force): one party's act
# (signature, approval, ratification, notification...) and the record of the
# rule by which the agreement enters into force
ACT = "act"
ENTRY_RULE = "entry_rule"

EVENT_KINDS: tuple[str, ...] = (
    OPENED,
    STAGE_CHANGE,
    ROUND,
    SIGNATURE,
    NOTE,
    ACK,
    FLAG,
    PLAN,
    CORRECTION,
    RETRACTION,
    VOID,
    ACT,
    ENTRY_RULE,
)

# Events that say what happened to the agreement itself; a later stage change
# may not be dated before them. Notes, acknowledgements and flags are remarks
# about it and may be recorded in any order.
SUBSTANTIVE_KINDS: tuple[str, ...] = (OPENED, STAGE_CHANGE, ROUND, SIGNATURE)

# Events that show a stage was really being worked on: they date the stage
# in an as-of reconstruction and restart its stall clock.
STAGE_EVIDENCE_KINDS: frozenset[str] = frozenset({ROUND, SIGNATURE})

# What the weekly digest lists under "moved last week".
MOVED_KINDS: tuple[str, ...] = (OPENED, STAGE_CHANGE, ROUND, SIGNATURE, NOTE)
