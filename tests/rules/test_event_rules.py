"""What each kind of event asks of the agreement and what it changes there
(workflows.event_rules), on plain fakes: no database."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from types import SimpleNamespace

import pytest

from workflows.chronology import DAY, NOT_AFTER, UNKNOWN, When
from workflows.errors import BadDate, BadInput, GuardRefused, IllegalMove
from workflows.event_rules import MAX_OPEN_ARTICLES, apply_event, check_event, moves_stage

TODAY = date(2026, 11, 25)
MARCH_2 = When(date(2026, 3, 2), DAY)


@dataclass
class Row:
    """An agreement as the rules see it, with a history (one event so far)."""

    code: str = "RA-XYZ"
    title_az: str = "Saziş"
    title_en: str = "Agreement"
    officer: str | None = None
    stage: str = "expert_talks"
    suspended_from: str | None = None
    signed_on: date | None = None
    event_count: int | None = 1
    stage_since: date | None = date(2026, 1, 10)
    stage_since_precision: str = DAY
    stage_since_from: date | None = None
    stage_since_form: str | None = None
    in_force_on: date | None = None
    awaiting: str | None = "us"
    awaiting_on: date | None = None
    last_substantive_on: date | None = date(2026, 1, 10)


@dataclass(frozen=True)
class Spec:
    kind: str
    when: When = MARCH_2
    actor: str = "tester"
    to: str | None = None
    from_: str | None = None
    until: date | None = None
    place: str | None = None
    outcome: str | None = None
    open_articles: int | None = None
    note: str | None = None
    reason: str | None = None
    reference: str | None = None
    awaiting: str | None = None
    source: str | None = None


def refused(error: type[Exception], row: Row, spec: Spec) -> str:
    with pytest.raises(error) as caught:
        check_event(row, spec, TODAY)
    return str(caught.value)


# ---------------------------------------------------------------- per kind


def test_a_round_needs_the_agreement_in_expert_talks():
    message = refused(IllegalMove, Row(stage="mfa"), Spec("round"))
    assert message == (
        "RA-XYZ is in mfa; a round of expert talks needs it in expert_talks "
        "(move it there first with `agreements advance RA-XYZ --to expert_talks`)"
    )
    check_event(Row(), Spec("round", until=date(2026, 3, 3)), TODAY)


def test_a_round_needs_its_date():
    assert refused(BadInput, Row(), Spec("round", when=When(None, UNKNOWN))) == "a round needs its date"
    check_event(Row(), Spec("round", when=When(date(2026, 3, 2), NOT_AFTER)), TODAY)


@pytest.mark.parametrize("until", [None, date(2026, 3, 1), date(2026, 3, 2)])
def test_an_acknowledgement_needs_an_until_after_its_day(until):
    message = refused(BadDate, Row(), Spec("ack", until=until))
    assert message == "an acknowledgement needs an --until date after the day it is given"


def test_an_acknowledgement_may_run_past_today():
    check_event(Row(), Spec("ack", until=date(2027, 6, 1)), TODAY)


@pytest.mark.parametrize("stage", ["in_force", "terminated"])
def test_nothing_to_acknowledge_in_a_final_stage(stage):
    message = refused(IllegalMove, Row(stage=stage), Spec("ack", until=date(2026, 4, 1)))
    assert message == f"RA-XYZ is {stage}; it is never flagged, so there is nothing to acknowledge"


def test_a_plan_is_not_dated_before_the_day_it_is_recorded():
    message = refused(BadDate, Row(), Spec("plan", until=date(2026, 3, 1)))
    assert message == "a plan needs its planned date (--on), not before the day it is recorded"
    assert refused(BadDate, Row(), Spec("plan")) == message
    check_event(Row(), Spec("plan", until=date(2026, 3, 2)), TODAY)
    check_event(Row(), Spec("plan", until=date(2030, 1, 1)), TODAY)  # the future is a plan's place


def test_a_signature_needs_its_exact_day():
    message = refused(BadInput, Row(stage="mfa"), Spec("signature", when=When(date(2026, 3, 2), NOT_AFTER)))
    assert message == "a signature needs its exact date"
    check_event(Row(stage="mfa"), Spec("signature"), TODAY)


def test_a_stage_change_names_where_it_goes():
    assert refused(BadInput, Row(), Spec("stage_change")) == "a stage change needs the stage it goes to"


def test_entering_in_force_needs_the_exact_day():
    spec = Spec("stage_change", to="in_force", when=When(date(2026, 3, 2), NOT_AFTER))
    message = refused(BadDate, Row(stage="signing", signed_on=date(2026, 2, 1)), spec)
    assert message == "entering in_force needs the exact entry-into-force date (--on DATE)"


# ---------------------------------------------------------------- opening


def test_an_opening_needs_a_known_stage():
    message = refused(BadInput, Row(event_count=0), Spec("opened", to="ratification"))
    assert message.startswith("an opening event needs a stage; one of: draft, expert_talks")


def test_a_history_cannot_open_suspended_for_it_could_never_resume():
    message = refused(BadInput, Row(event_count=0), Spec("opened", to="suspended"))
    assert message.startswith("a history cannot open suspended")


def test_only_the_first_event_opens_a_history():
    message = refused(IllegalMove, Row(), Spec("opened", to="draft"))
    assert message == "RA-XYZ already has a history; only its first event opens it"
    assert refused(IllegalMove, Row(event_count=0), Spec("note")) == "RA-XYZ has no opening event yet"


def test_an_opening_checks_the_agreements_own_text():
    message = refused(BadInput, Row(event_count=0, title_en="A\x00B"), Spec("opened", to="draft"))
    assert message == "title_en cannot contain the NUL character (0x00)"


# ---------------------------------------------------------------- dates


def test_no_event_in_the_future():
    message = refused(BadDate, Row(), Spec("note", when=When(date(2026, 11, 26), DAY)))
    assert message == "2026-11-26 is in the future (today is 2026-11-25)"


def test_no_event_before_the_stage_was_entered():
    message = refused(BadDate, Row(), Spec("note", when=When(date(2026, 1, 9), DAY)))
    assert message == "RA-XYZ entered expert_talks on 2026-01-10; an event cannot be dated before that (2026-01-09)"


def test_a_move_cannot_precede_the_latest_substantive_day_but_a_note_may():
    row = Row(last_substantive_on=date(2026, 3, 5))
    message = refused(BadDate, row, Spec("stage_change", to="internal_approval"))
    assert message == ("RA-XYZ has an event dated 2026-03-05; a stage change cannot be dated before it (2026-03-02)")
    check_event(row, Spec("note"), TODAY)
    # a signature that moves the agreement is a move; one in signing is not
    assert moves_stage(Row(stage="mfa"), Spec("signature")) and not moves_stage(Row(stage="signing"), Spec("signature"))
    refused(BadDate, replace(row, stage="mfa"), Spec("signature"))
    check_event(replace(row, stage="signing"), Spec("signature"), TODAY)


def test_an_end_date_is_checked_except_for_acknowledgements_and_plans():
    message = refused(BadDate, Row(), Spec("round", until=date(2026, 3, 1)))
    assert message == "the end date 2026-03-01 is before the start 2026-03-02"
    assert refused(BadDate, Row(), Spec("round", until=date(2026, 12, 1))).endswith(
        "is in the future (today is 2026-11-25)"
    )


def test_an_import_names_the_stage_the_event_left():
    message = refused(IllegalMove, Row(), Spec("stage_change", to="internal_approval", from_="draft"))
    assert message == "RA-XYZ is in expert_talks, not in draft"


# ---------------------------------------------------------------- the event's own values


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (Spec("note", awaiting="nobody"), "unknown holder 'nobody'; one of: us, counterpart, mfa, government"),
        (Spec("round", open_articles=-1), "the number of open articles cannot be negative"),
        (Spec("round", open_articles=MAX_OPEN_ARTICLES + 1), "the number of open articles cannot be more than 10000"),
        (
            Spec("meeting"),
            "unknown event kind 'meeting'; one of: opened, stage_change, round, signature, note, ack, flag, plan, correction, retraction, void, act, entry_rule",
        ),
        (Spec("note", note="a\x00b"), "note cannot contain the NUL character (0x00)"),
        (Spec("note", actor="x" * 201), "actor is longer than 200 characters"),
    ],
)
def test_the_events_own_values(spec, message):
    assert refused(BadInput, Row(), spec) == message


# ---------------------------------------------------------------- what an event changes


def test_an_opening_sets_the_stage_its_day_and_the_default_holder():
    row = Row(
        event_count=0,
        stage="draft",
        stage_since=None,
        stage_since_precision=UNKNOWN,
        stage_since_from=None,
        stage_since_form=None,
        awaiting=None,
        awaiting_on=None,
    )
    spec = Spec("opened", to="mfa", when=When(date(2026, 2, 1), NOT_AFTER))
    check_event(row, spec, TODAY)
    assert apply_event(row, spec) is None
    assert (row.stage, row.stage_since, row.stage_since_precision, row.awaiting) == (
        "mfa",
        date(2026, 2, 1),
        NOT_AFTER,
        "mfa",
    )


def test_a_move_goes_through_the_lifecycle_and_hands_the_move_over():
    row = Row(awaiting="counterpart")
    assert apply_event(row, Spec("stage_change", to="internal_approval")) == "expert_talks"
    assert (row.stage, row.stage_since, row.awaiting) == ("internal_approval", date(2026, 3, 2), "us")
    assert apply_event(row, Spec("stage_change", to="mfa", awaiting="counterpart")) == "internal_approval"
    assert row.awaiting == "counterpart"  # told otherwise


def test_a_suspension_keeps_the_holder_and_remembers_the_stage():
    row = Row(awaiting="counterpart")
    apply_event(row, Spec("stage_change", to="suspended"))
    assert (row.stage, row.suspended_from, row.awaiting) == ("suspended", "expert_talks", "counterpart")


def test_a_refused_move_leaves_the_row_as_it_was():
    row = Row()
    before = replace(row)
    with pytest.raises(IllegalMove, match="cannot move from expert_talks to in_force"):
        apply_event(row, Spec("stage_change", to="in_force"))
    assert row == before
    with pytest.raises(GuardRefused, match="terminating needs a reason"):
        apply_event(row, Spec("stage_change", to="terminated"))
    assert row == before


def test_a_signature_at_the_mfa_moves_to_signing():
    row = Row(stage="mfa", awaiting="mfa")
    assert apply_event(row, Spec("signature")) == "mfa"
    assert (row.stage, row.signed_on, row.stage_since, row.awaiting) == (
        "signing",
        date(2026, 3, 2),
        date(2026, 3, 2),
        "us",
    )
    again = Row(stage="signing", stage_since=date(2026, 1, 10), awaiting="government")
    apply_event(again, Spec("signature"))
    assert (again.stage, again.stage_since, again.awaiting) == ("signing", date(2026, 1, 10), "government")


def test_entering_in_force_records_the_day_and_nobody_holds_the_move():
    row = Row(stage="signing", signed_on=date(2026, 2, 1))
    apply_event(row, Spec("stage_change", to="in_force"))
    assert (row.stage, row.in_force_on, row.awaiting) == ("in_force", date(2026, 3, 2), None)


def test_a_note_changes_only_the_holder_when_told():
    row = Row()
    assert apply_event(row, Spec("note")) == "expert_talks"
    assert row == Row()
    apply_event(row, Spec("note", awaiting="government"))
    assert row == Row(awaiting="government", awaiting_on=MARCH_2.on)
    # one dated before the entry that set the holder restates only its own day
    apply_event(row, Spec("note", when=When(date(2026, 2, 1)), awaiting="counterpart"))
    assert (row.awaiting, row.awaiting_on) == ("government", MARCH_2.on)


def test_the_rules_run_on_any_object_with_the_attributes():
    row = SimpleNamespace(**vars(Row(stage="mfa")))
    spec = SimpleNamespace(**vars(Spec("signature")))
    check_event(row, spec, TODAY)
    apply_event(row, spec)
    assert row.stage == "signing"
