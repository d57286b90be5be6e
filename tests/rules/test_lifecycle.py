"""The lifecycle rules, checked against a table written here from the spec.

The expected moves are NOT derived from ``workflows.stages.MOVES``: the point
is to catch the implementation drifting away from the spec.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from itertools import pairwise

import pytest

from workflows.diagram import as_mermaid, as_text
from workflows.errors import GuardRefused, IllegalMove
from workflows.lifecycle import MACHINE, MoveContext, fire
from workflows.stages import STAGE_NAMES, STAGES, next_canonical, stage_label

# ---------------------------------------------------------------------------
# The spec, written out by hand
# ---------------------------------------------------------------------------

ALL = (
    "draft",
    "expert_talks",
    "internal_approval",
    "mfa",
    "signing",
    "in_force",
    "approved",
    "suspended",
    "terminated",
)
ACTIVE = ("draft", "expert_talks", "internal_approval", "mfa", "signing")

# Legal destinations from each stage. For "suspended" the only resumable stage
# is the one it was suspended from, filled in per row (see legal_from()).
SPEC_MOVES: dict[str, set[str]] = {
    "draft": {"expert_talks", "mfa", "suspended", "terminated"},
    "expert_talks": {"internal_approval", "draft", "suspended", "terminated"},
    "internal_approval": {"mfa", "draft", "expert_talks", "suspended", "terminated"},
    "mfa": {"signing", "expert_talks", "draft", "suspended", "terminated"},
    "signing": {"in_force", "approved", "draft", "expert_talks", "suspended", "terminated"},
    "in_force": {"terminated"},
    "approved": {"terminated"},  # a non-binding instrument's end (issue 14)
    "suspended": {"terminated"},  # + the stage it was suspended from
    "terminated": set(),
}

# Every edge a diagram must draw: for suspended, every resume edge exists in
# general (the guard picks the one that applies).
SPEC_EDGES: set[tuple[str, str]] = {(src, dst) for src, dsts in SPEC_MOVES.items() for dst in dsts} | {
    ("suspended", stage) for stage in ACTIVE
}

CANONICAL = ["draft", "expert_talks", "internal_approval", "mfa", "signing", "in_force"]

AZ_LABELS = {
    "draft": "layihə",
    "expert_talks": "ekspertlər səviyyəsində danışıqlar",
    "internal_approval": "dövlətdaxili razılaşdırma",
    "signing": "imzalanma",
    "in_force": "qüvvəyə minib",
}

# Origin used for the suspended row of the 8x8 matrix.
MATRIX_ORIGIN = "internal_approval"
SIGNED = date(2026, 3, 2)
IN_FORCE_ON = date(2026, 6, 1)


@dataclass
class Row:
    stage: str
    suspended_from: str | None = None
    signed_on: date | None = None


def legal_from(stage: str, origin: str | None) -> set[str]:
    legal = set(SPEC_MOVES[stage])
    if stage == "suspended" and origin is not None:
        legal.add(origin)
    return legal


def make_row(stage: str, origin: str = MATRIX_ORIGIN) -> Row:
    """A row in ``stage`` carrying what every legal move out of it needs."""
    return Row(
        stage=stage,
        suspended_from=origin if stage == "suspended" else None,
        signed_on=SIGNED,
    )


def good_context(dest: str) -> MoveContext:
    if dest == "in_force":
        return MoveContext(in_force_on=IN_FORCE_ON)
    if dest == "terminated":
        return MoveContext(reason="denounced by note verbale")
    return MoveContext()


def snapshot(row: Row) -> tuple:
    return (row.stage, row.suspended_from, row.signed_on)


def mentions(message: str, stage: str) -> bool:
    return re.search(rf"(?<![A-Za-z_]){re.escape(stage)}(?![A-Za-z_])", message) is not None


def assert_refusal_message(message: str, source: str, dest: str, allowed: set[str]) -> None:
    assert mentions(message, source), f"current stage {source!r} not named: {message!r}"
    assert mentions(message, dest), f"asked stage {dest!r} not named: {message!r}"
    for target in allowed:
        assert mentions(message, target), f"allowed move {target!r} not named: {message!r}"
    for other in set(ALL) - allowed - {source, dest}:
        assert not mentions(message, other), f"{other!r} is not an allowed move: {message!r}"


def test_the_spec_table_covers_exactly_the_stages():
    assert tuple(STAGE_NAMES) == ALL
    assert set(SPEC_MOVES) == set(ALL)


# ---------------------------------------------------------------------------
# The full 8x8 matrix
# ---------------------------------------------------------------------------

MATRIX = [(src, dst) for src in ALL for dst in ALL]


@pytest.mark.parametrize(("source", "dest"), MATRIX, ids=[f"{s}->{d}" for s, d in MATRIX])
def test_every_pair_of_the_matrix(source, dest):
    row = make_row(source)
    legal = legal_from(source, row.suspended_from)
    if dest in legal:
        old = fire(row, dest, good_context(dest))
        assert old == source
        assert row.stage == dest
        if dest == "suspended":
            assert row.suspended_from == source
        elif source == "suspended" and dest != "terminated":
            assert row.suspended_from is None
    else:
        before = snapshot(row)
        with pytest.raises(IllegalMove) as info:
            fire(row, dest, good_context(dest))
        assert snapshot(row) == before
        assert_refusal_message(str(info.value), source, dest, legal)


@pytest.mark.parametrize("origin", ACTIVE)
@pytest.mark.parametrize("dest", ALL)
def test_suspended_resumes_only_to_its_origin(origin, dest):
    row = Row("suspended", suspended_from=origin, signed_on=SIGNED)
    legal = {origin, "terminated"}
    if dest in legal:
        fire(row, dest, good_context(dest))
        assert row.stage == dest
        assert row.suspended_from is None
    else:
        before = snapshot(row)
        with pytest.raises(IllegalMove) as info:
            fire(row, dest, good_context(dest))
        assert snapshot(row) == before
        assert_refusal_message(str(info.value), "suspended", dest, legal)


def test_no_self_loops_anywhere():
    for stage in ALL:
        row = make_row(stage)
        with pytest.raises(IllegalMove):
            fire(row, stage, good_context(stage))
        assert row.stage == stage


def test_unknown_destination_is_refused():
    row = Row("draft")
    with pytest.raises(IllegalMove) as info:
        fire(row, "ratified")
    assert "ratified" in str(info.value)
    assert row.stage == "draft"


def test_context_defaults_to_empty_when_omitted():
    row = Row("draft")
    assert fire(row, "expert_talks") == "draft"
    assert row.stage == "expert_talks"
    with pytest.raises(GuardRefused):
        fire(row, "terminated")
    assert row.stage == "expert_talks"


# ---------------------------------------------------------------------------
# Guards
# ---------------------------------------------------------------------------


def test_in_force_without_signature_is_refused():
    row = Row("signing", signed_on=None)
    before = snapshot(row)
    with pytest.raises(GuardRefused) as info:
        fire(row, "in_force", MoveContext(in_force_on=IN_FORCE_ON))
    assert snapshot(row) == before
    message = str(info.value)
    assert "signing" in message and "in_force" in message


def test_in_force_without_date_is_refused():
    row = Row("signing", signed_on=SIGNED)
    before = snapshot(row)
    with pytest.raises(GuardRefused) as info:
        fire(row, "in_force", MoveContext())
    assert snapshot(row) == before
    message = str(info.value)
    assert "signing" in message and "in_force" in message
    with pytest.raises(GuardRefused):
        fire(row, "in_force", None)
    assert snapshot(row) == before


def test_in_force_with_neither_is_refused():
    row = Row("signing")
    with pytest.raises(GuardRefused):
        fire(row, "in_force")
    assert row.stage == "signing"


def test_in_force_with_signature_and_date_succeeds():
    row = Row("signing", signed_on=SIGNED)
    fire(row, "in_force", MoveContext(in_force_on=IN_FORCE_ON))
    assert row.stage == "in_force"
    assert row.signed_on == SIGNED


def test_guard_refused_is_an_illegal_move():
    assert issubclass(GuardRefused, IllegalMove)


@pytest.mark.parametrize("source", (*ACTIVE, "suspended", "in_force"))
@pytest.mark.parametrize("reason", [None, "", "   ", "\t\n "])
def test_terminate_needs_a_non_blank_reason(source, reason):
    row = make_row(source)
    before = snapshot(row)
    with pytest.raises(GuardRefused) as info:
        fire(row, "terminated", MoveContext(reason=reason))
    assert snapshot(row) == before
    message = str(info.value)
    assert mentions(message, source) and mentions(message, "terminated")


def test_terminate_with_a_reason_succeeds():
    row = Row("mfa")
    fire(row, "terminated", MoveContext(reason="talks abandoned"))
    assert row.stage == "terminated"


def test_terminated_is_final():
    row = Row("terminated")
    for dest in ALL:
        with pytest.raises(IllegalMove):
            fire(row, dest, good_context(dest))
        assert row.stage == "terminated"


# ---------------------------------------------------------------------------
# Suspend and resume
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("origin", ACTIVE)
def test_suspend_remembers_origin_and_resume_clears_it(origin):
    row = Row(origin, signed_on=SIGNED)
    fire(row, "suspended")
    assert row.stage == "suspended"
    assert row.suspended_from == origin

    for other in ACTIVE:
        if other == origin:
            continue
        with pytest.raises(IllegalMove):
            fire(row, other)
        assert row.stage == "suspended"
        assert row.suspended_from == origin

    fire(row, origin)
    assert row.stage == origin
    assert row.suspended_from is None


def test_resume_to_another_stage_raises_and_keeps_origin():
    row = Row("mfa")
    fire(row, "suspended")
    with pytest.raises(IllegalMove) as info:
        fire(row, "signing")
    assert row.stage == "suspended" and row.suspended_from == "mfa"
    message = str(info.value)
    assert "suspended" in message and "signing" in message and "mfa" in message


def test_suspend_twice_is_refused():
    row = Row("draft")
    fire(row, "suspended")
    with pytest.raises(IllegalMove):
        fire(row, "suspended")
    assert row.suspended_from == "draft"


def test_in_force_cannot_be_suspended():
    row = Row("in_force", signed_on=SIGNED)
    with pytest.raises(IllegalMove):
        fire(row, "suspended")
    assert row.stage == "in_force" and row.suspended_from is None


# ---------------------------------------------------------------------------
# One shared machine
# ---------------------------------------------------------------------------


def test_one_machine_serves_many_rows_without_adopting_them():
    models_before = len(MACHINE.models)
    rows = [Row("draft", signed_on=SIGNED) for _ in range(1000)]
    for i, row in enumerate(rows):
        fire(row, "expert_talks")
        if i % 2:
            fire(row, "internal_approval")
        if i % 3 == 0:
            fire(row, "suspended")
    for i, row in enumerate(rows):
        expected = "internal_approval" if i % 2 else "expert_talks"
        if i % 3 == 0:
            assert row.stage == "suspended"
            assert row.suspended_from == expected
        else:
            assert row.stage == expected
            assert row.suspended_from is None
    assert models_before == 0
    assert len(MACHINE.models) == 0
    # the machine did not decorate the rows with its trigger methods
    for name in ("trigger", "to_draft", "to_expert_talks", "is_draft", "may_to_draft"):
        assert not hasattr(rows[0], name)


def test_rows_do_not_share_suspension_origin():
    a, b = Row("draft"), Row("mfa")
    fire(a, "suspended")
    fire(b, "suspended")
    assert (a.suspended_from, b.suspended_from) == ("draft", "mfa")
    with pytest.raises(IllegalMove):
        fire(a, "mfa")
    fire(a, "draft")
    fire(b, "mfa")
    assert (a.stage, b.stage) == ("draft", "mfa")


# ---------------------------------------------------------------------------
# Canonical path and labels
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stage", "expected"),
    [*pairwise(CANONICAL), ("in_force", None), ("suspended", None), ("terminated", None)],
)
def test_next_canonical(stage, expected):
    assert next_canonical(stage) == expected


@pytest.mark.parametrize("stage", ALL)
def test_every_stage_has_both_labels(stage):
    en = stage_label(stage, "en")
    az = stage_label(stage, "az")
    assert en.strip() and az.strip()
    assert en != az
    assert STAGES[stage].label_en == en
    assert STAGES[stage].label_az == az
    assert stage_label(stage) == en


@pytest.mark.parametrize(("stage", "az"), sorted(AZ_LABELS.items()))
def test_azerbaijani_labels(stage, az):
    assert stage_label(stage, "az") == az


# ---------------------------------------------------------------------------
# Diagrams
# ---------------------------------------------------------------------------


def edge_lines(text: str) -> set[tuple[str, str]]:
    pattern = re.compile(r"^\s*(\w+)\s*-->\s*(\w+)\s*(?::.*)?$", re.MULTILINE)
    return {(m.group(1), m.group(2)) for m in pattern.finditer(text)}


def test_mermaid_starts_with_header():
    assert as_mermaid().splitlines()[0].strip() == "stateDiagram-v2"


@pytest.mark.parametrize(("source", "dest"), sorted(SPEC_EDGES), ids=lambda v: str(v))
def test_mermaid_has_an_edge_for_every_legal_move(source, dest):
    assert (source, dest) in edge_lines(as_mermaid())


def test_mermaid_has_no_edge_for_an_illegal_move():
    drawn = edge_lines(as_mermaid())
    assert drawn == SPEC_EDGES


def test_mermaid_declares_every_stage():
    text = as_mermaid()
    for stage in ALL:
        assert re.search(rf"^\s*state .* as {stage}\s*$", text, re.MULTILINE), stage


@pytest.mark.parametrize("stage", ALL)
def test_text_lists_every_stage_with_both_labels(stage):
    text = as_text()
    en, az = STAGES[stage].label_en, STAGES[stage].label_az
    assert any(stage in line.split() and en in line and az in line for line in text.splitlines()), (
        f"no line for {stage} with {en!r} and {az!r}"
    )


def test_text_lists_every_legal_move():
    text = as_text()
    listed = {(m.group(1), m.group(2)) for m in re.finditer(r"^\s*(\w+)\s*->\s*(\w+)", text, re.MULTILINE)}
    assert listed == SPEC_EDGES
