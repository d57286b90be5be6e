"""Event dates: what check_event_date refuses and where standing_on puts an
agreement on a given day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from workflows.chronology import (
    DAY,
    NOT_AFTER,
    UNKNOWN,
    UNKNOWN_WHEN,
    When,
    check_event_date,
    label,
    standing_on,
)
from workflows.errors import BadDate

TODAY = date(2026, 11, 25)
CODE = "RA-MDA"


def check(when: When, **overrides) -> None:
    """check_event_date with harmless defaults that each test overrides."""
    kwargs = dict(
        today=TODAY,
        code=CODE,
        stage="expert_talks",
        stage_entry=None,
        latest_known=None,
        moves_stage=False,
        until=None,
    )
    kwargs.update(overrides)
    check_event_date(when, **kwargs)


# ---------------------------------------------------------------------------
# When
# ---------------------------------------------------------------------------


def test_when_bounds_by_precision():
    d = date(2026, 3, 10)
    assert (When(d, DAY).earliest, When(d, DAY).latest) == (d, d)
    assert (When(d, NOT_AFTER).earliest, When(d, NOT_AFTER).latest) == (None, d)
    assert (UNKNOWN_WHEN.earliest, UNKNOWN_WHEN.latest) == (None, None)


def test_when_labels():
    d = date(2026, 3, 10)
    assert When(d).label() == "2026-03-10"
    assert When(d, NOT_AFTER).label() == "no later than 10 March 2026"
    assert When(d, NOT_AFTER).label("az") == "2026-cı ilin martın 10-dək"
    assert UNKNOWN_WHEN.label() == "date unknown"


def test_the_label_of_a_plain_date_or_iso_text_is_the_label_of_its_when():
    d = date(2016, 12, 31)
    for precision in (DAY, NOT_AFTER):
        assert label(d, precision) == label(d.isoformat(), precision) == When(d, precision).label()
    assert label("2016-10-10", DAY) == "2016-10-10"
    assert label("2016-12-31", NOT_AFTER) == "no later than 31 December 2016"
    assert label(None, UNKNOWN) == label(None, DAY) == UNKNOWN_WHEN.label() == "date unknown"


@pytest.mark.parametrize(
    ("on", "precision"),
    [(None, DAY), (None, NOT_AFTER), (date(2026, 3, 10), UNKNOWN), (date(2026, 3, 10), "month")],
)
def test_when_rejects_inconsistent_values(on, precision):
    with pytest.raises(ValueError):
        When(on, precision)


# ---------------------------------------------------------------------------
# check_event_date
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("precision", [DAY, NOT_AFTER])
def test_future_date_is_refused(precision):
    with pytest.raises(BadDate) as info:
        check(When(date(2026, 11, 26), precision))
    assert "2026-11-26" in str(info.value)


def test_today_is_allowed():
    check(When(TODAY), moves_stage=True, latest_known=TODAY)


def test_event_before_exact_stage_entry_is_refused():
    with pytest.raises(BadDate) as info:
        check(
            When(date(2026, 3, 9)),
            stage="expert_talks",
            stage_entry=When(date(2026, 3, 10), DAY),
        )
    message = str(info.value)
    assert CODE in message
    assert "2026-03-10" in message
    assert "2026-03-09" in message


def test_not_after_event_before_exact_stage_entry_is_refused():
    # happened no later than 9 March, so certainly before the 10 March entry
    with pytest.raises(BadDate):
        check(When(date(2026, 3, 9), NOT_AFTER), stage_entry=When(date(2026, 3, 10), DAY))


def test_event_on_the_day_the_stage_began_is_allowed():
    check(When(date(2026, 3, 10)), stage_entry=When(date(2026, 3, 10), DAY))
    check(
        When(date(2026, 3, 10)),
        stage_entry=When(date(2026, 3, 10), DAY),
        moves_stage=True,
        latest_known=date(2026, 3, 10),
    )


def test_not_after_stage_entry_gives_no_lower_bound():
    check(When(date(2020, 1, 1)), stage_entry=When(date(2026, 3, 10), NOT_AFTER))


def test_unknown_stage_entry_gives_no_lower_bound():
    check(When(date(2020, 1, 1)), stage_entry=UNKNOWN_WHEN)


def test_stage_change_before_latest_known_event_is_refused():
    with pytest.raises(BadDate) as info:
        check(When(date(2026, 4, 1)), moves_stage=True, latest_known=date(2026, 4, 2))
    message = str(info.value)
    assert CODE in message
    assert "2026-04-02" in message and "2026-04-01" in message


def test_note_before_latest_known_event_is_allowed():
    check(When(date(2026, 4, 1)), moves_stage=False, latest_known=date(2026, 4, 2))


def test_stage_change_on_or_after_latest_known_event_is_allowed():
    check(When(date(2026, 4, 2)), moves_stage=True, latest_known=date(2026, 4, 2))
    check(When(date(2026, 4, 3)), moves_stage=True, latest_known=date(2026, 4, 2))


def test_until_before_on_is_refused():
    with pytest.raises(BadDate) as info:
        check(When(date(2026, 2, 25)), until=date(2026, 2, 23))
    assert "2026-02-23" in str(info.value) and "2026-02-25" in str(info.value)


def test_until_same_day_or_later_is_allowed():
    check(When(date(2026, 2, 23)), until=date(2026, 2, 23))
    check(When(date(2026, 2, 23)), until=date(2026, 2, 25))


def test_until_in_the_future_is_refused():
    with pytest.raises(BadDate):
        check(When(date(2026, 11, 24)), until=date(2026, 11, 26))


def test_unknown_date_skips_the_checks():
    check(
        UNKNOWN_WHEN,
        stage_entry=When(date(2026, 3, 10), DAY),
        latest_known=date(2026, 11, 1),
        moves_stage=True,
    )


# ---------------------------------------------------------------------------
# standing_on
# ---------------------------------------------------------------------------


@dataclass
class Ev:
    seq: int
    kind: str
    from_stage: str | None
    to_stage: str | None
    occurred_on: date | None
    date_precision: str = DAY
    awaiting: str | None = None


def history() -> list[Ev]:
    """Opened in draft, talks, a round, then internal approval."""
    return [
        Ev(1, "opened", None, "draft", date(2026, 1, 10), awaiting="us"),
        Ev(2, "stage_change", "draft", "expert_talks", date(2026, 2, 1), awaiting="counterpart"),
        Ev(3, "round", "expert_talks", None, date(2026, 3, 1), awaiting="us"),
        Ev(4, "stage_change", "expert_talks", "internal_approval", date(2026, 4, 15), awaiting="government"),
    ]


def test_before_the_first_dated_event_there_is_no_standing():
    assert standing_on(history(), date(2026, 1, 9)) is None


def test_inside_a_stage():
    standing = standing_on(history(), date(2026, 1, 20))
    assert standing is not None
    assert standing.stage == "draft"
    assert standing.since == When(date(2026, 1, 10), DAY)
    assert standing.awaiting == "us"


def test_inside_a_stage_after_a_round():
    standing = standing_on(history(), date(2026, 3, 15))
    assert standing.stage == "expert_talks"
    assert standing.since == When(date(2026, 2, 1), DAY)
    assert [e.seq for e in standing.events] == [1, 2, 3]


def test_a_move_counts_on_its_own_day():
    assert standing_on(history(), date(2026, 1, 31)).stage == "draft"
    on_the_day = standing_on(history(), date(2026, 2, 1))
    assert on_the_day.stage == "expert_talks"
    assert on_the_day.since == When(date(2026, 2, 1), DAY)
    assert standing_on(history(), date(2026, 4, 14)).stage == "expert_talks"
    assert standing_on(history(), date(2026, 4, 15)).stage == "internal_approval"


def test_after_the_last_event():
    standing = standing_on(history(), date(2026, 11, 25))
    assert standing.stage == "internal_approval"
    assert standing.since == When(date(2026, 4, 15), DAY)
    assert standing.awaiting == "government"
    assert len(standing.events) == 4


def test_recording_order_not_list_order():
    events = list(reversed(history()))
    assert standing_on(events, date(2026, 3, 15)).stage == "expert_talks"
    assert standing_on(events, date(2026, 11, 25)).stage == "internal_approval"


def test_not_after_opening_then_a_dated_round_proves_the_stage():
    events = [
        Ev(1, "opened", None, "expert_talks", date(2026, 5, 1), NOT_AFTER),
        Ev(2, "round", "expert_talks", None, date(2026, 3, 1)),
    ]
    # nothing known yet before the round
    assert standing_on(events, date(2026, 2, 28)) is None
    standing = standing_on(events, date(2026, 3, 1))
    assert standing is not None
    assert standing.stage == "expert_talks"
    assert standing.since == When(date(2026, 3, 1), NOT_AFTER)
    # once the bound itself has passed, the opening's own bound applies
    later = standing_on(events, date(2026, 6, 1))
    assert later.stage == "expert_talks"
    assert later.since == When(date(2026, 5, 1), NOT_AFTER)


def test_not_after_opening_a_backdated_note_is_no_proof_of_the_stage():
    events = [
        Ev(1, "opened", None, "expert_talks", date(2026, 5, 1), NOT_AFTER),
        Ev(2, "note", "expert_talks", None, date(2025, 6, 1)),
        Ev(3, "round", "expert_talks", None, date(2026, 3, 1)),
    ]
    standing = standing_on(events, date(2026, 3, 10))
    assert standing.stage == "expert_talks"
    # only the round proves the stage held; the note's date proves nothing
    assert standing.since == When(date(2026, 3, 1), NOT_AFTER)


def test_a_backdated_note_does_not_change_the_stage():
    events = [*history(), Ev(5, "note", "internal_approval", None, date(2026, 1, 20), awaiting="government")]
    standing = standing_on(events, date(2026, 1, 25))
    assert standing.stage == "draft"
    assert standing.since == When(date(2026, 1, 10), DAY)
    assert standing_on(events, date(2026, 3, 15)).stage == "expert_talks"
    assert standing_on(events, date(2026, 11, 25)).stage == "internal_approval"


def test_a_note_alone_says_nothing():
    events = [
        Ev(1, "opened", None, "draft", None, UNKNOWN),
        Ev(2, "note", "draft", None, date(2026, 1, 20)),
    ]
    assert standing_on(events, date(2026, 2, 1)) is None


def test_opening_with_unknown_date_alone_says_nothing():
    events = [Ev(1, "opened", None, "draft", None, UNKNOWN)]
    assert standing_on(events, date(2026, 11, 25)) is None
    assert standing_on([], date(2026, 11, 25)) is None


def test_unknown_dated_move_then_a_dated_round():
    events = [
        Ev(1, "opened", None, "draft", date(2025, 12, 1)),
        Ev(2, "stage_change", "draft", "expert_talks", None, UNKNOWN),
        Ev(3, "round", "expert_talks", None, date(2026, 3, 1)),
    ]
    assert standing_on(events, date(2026, 2, 1)).stage == "draft"
    standing = standing_on(events, date(2026, 3, 1))
    assert standing.stage == "expert_talks"
    assert standing.since == When(date(2026, 3, 1), NOT_AFTER)


def test_signature_and_in_force_dates():
    events = [
        Ev(1, "opened", None, "mfa", date(2026, 1, 5)),
        Ev(2, "signature", "mfa", "signing", date(2026, 2, 10)),
        Ev(3, "stage_change", "signing", "in_force", date(2026, 6, 1)),
    ]
    mid = standing_on(events, date(2026, 3, 1))
    assert (mid.stage, mid.signed_on, mid.in_force_on) == ("signing", date(2026, 2, 10), None)
    end = standing_on(events, date(2026, 7, 1))
    assert (end.stage, end.signed_on, end.in_force_on) == (
        "in_force",
        date(2026, 2, 10),
        date(2026, 6, 1),
    )
