"""Uncertain dates everywhere a date is entered (issue 13, item 1): a month,
a year, a bound either way, a span or unknown; stored as the earliest and
latest possible day with the form; shown as a lawyer writes it; compared as
intervals, refusing only what is certainly wrong."""

from __future__ import annotations

import json
from datetime import date

import pytest

from tests.support import ok, refused

NOW = date(2026, 11, 30)
VF = (
    "add",
    "VF-EU",
    "--title-az",
    "Vizaların verilməsinin sadələşdirilməsi haqqında Saziş",
    "--title-en",
    "Agreement on the facilitation of the issuance of visas",
    "--kind",
    "other",
    "--party",
    "EU",
)


def _history(cli, code: str, *options: str) -> list[dict]:
    return json.loads(ok(cli("history", code, "--format", "json", *options)))["history"]


@pytest.fixture
def vf(db, cli):
    """The visa facilitation agreement opened in 2011: its mandate's year is all that is known."""
    ok(cli(*VF, "--on", "2011", "--stage", "expert_talks", at=NOW))
    return cli


def test_a_year_is_accepted_stored_as_its_interval_and_shown_as_a_year(vf):
    (opened,) = _history(vf, "VF-EU")
    assert (opened["date_precision"], opened["earliest"], opened["on"]) == ("year", "2011-01-01", "2011-12-31")
    assert opened["date_label"] == "2011"
    assert "2011-ci il" in ok(vf("history", "VF-EU", "--lang", "az"))
    shown = ok(vf("show", "VF-EU"))
    assert "since 2011" in shown


@pytest.mark.parametrize(
    ("typed", "form", "earliest", "latest", "en"),
    [
        ("2013-07", "month", "2013-07-01", "2013-07-31", "July 2013"),
        ("<=2016-12-31", "not_after", None, "2016-12-31", "no later than 31 December 2016"),
        (">=2016-11-24", "not_before", "2016-11-24", None, "no earlier than 24 November 2016"),
        ("2016-11-24..2016-12-31", "between", "2016-11-24", "2016-12-31", "between 24 November and 31 December 2016"),
        ("unknown", "unknown", None, None, "date unknown"),
        ("2014-08-01", "day", "2014-08-01", "2014-08-01", "2014-08-01"),
    ],
)
def test_every_form_of_a_note_date(vf, typed, form, earliest, latest, en):
    ok(vf("note", "VF-EU", "A letter of the Commission", "--on", typed, at=NOW))
    note = _history(vf, "VF-EU", "--order", "recorded")[-1]
    assert (note["date_precision"], note["earliest"], note["on"], note["date_label"]) == (form, earliest, latest, en)


def test_the_azerbaijani_words_of_a_bound(vf):
    ok(vf("note", "VF-EU", "Məktub", "--on", "<=2016-12-31", at=NOW))
    assert "2016-cı ilin dekabrın 31-dək" in ok(vf("history", "VF-EU", "--lang", "az"))


@pytest.mark.parametrize("typed", ["2016-13", "2016-02-30", "<=soon", "2016-12-31..2016-01-01", "201"])
def test_a_date_in_no_form_is_a_usage_error_naming_the_forms(vf, typed):
    before = _history(vf, "VF-EU")
    line = refused(vf("note", "VF-EU", "x", "--on", typed), "--on", exit_code=2)
    assert typed in line
    assert _history(vf, "VF-EU") == before


def test_only_what_is_certainly_before_the_stage_entry_is_refused(db, cli):
    ok(cli(*VF, "--on", "2012-06", "--stage", "expert_talks", at=NOW))
    # certainly before June 2012: refused, nothing written
    refused(cli("note", "VF-EU", "early", "--on", "2011", at=NOW), "opens in June 2012", "(2011)")
    # may be in June 2012 or after: accepted
    ok(cli("note", "VF-EU", "perhaps", "--on", "2011-11-01..2012-07-15", at=NOW))
    ok(cli("note", "VF-EU", "sometime", "--on", "2012", at=NOW))
    assert len(_history(cli, "VF-EU")) == 3


def test_only_what_is_certainly_in_the_future_is_refused(vf):
    refused(vf("note", "VF-EU", "x", "--on", "2027", at=NOW), "in the future")
    refused(vf("note", "VF-EU", "x", "--on", "2026-12-01", at=NOW), "in the future")
    ok(vf("note", "VF-EU", "this year", "--on", "2026", at=NOW))


def test_entry_into_force_and_signature_need_the_exact_day(vf):
    ok(vf("advance", "VF-EU", "--to", "internal_approval", "--on", "2012-05", at=NOW))
    ok(vf("advance", "VF-EU", "--to", "mfa", "--on", "2012-09", at=NOW))
    refused(vf("sign", "VF-EU", "--on", "2013-05"), "exact")
    ok(vf("sign", "VF-EU", "--on", "2013-11-29", at=NOW))
    refused(vf("advance", "VF-EU", "--to", "in_force", "--on", "2014-09"), "exact")


def test_a_stage_change_certainly_before_an_earlier_move_is_refused_but_an_overlap_is_not(vf):
    ok(vf("advance", "VF-EU", "--to", "internal_approval", "--on", "2012-05-10", at=NOW))
    refused(vf("advance", "VF-EU", "--to", "mfa", "--on", "2012-04", at=NOW), "cannot be dated before")
    ok(vf("advance", "VF-EU", "--to", "mfa", "--on", "2012-05", at=NOW))


def _show_as_of(cli, day: str) -> dict:
    return json.loads(ok(cli("show", "VF-EU", "--as-of", day, "--format", "json", at=NOW)))


def test_as_of_says_what_is_certain_and_what_is_only_possible(vf):
    ok(vf("advance", "VF-EU", "--to", "internal_approval", "--on", "2012-11-24..2012-12-31", at=NOW))
    # before the move's earliest day: certain
    early = _show_as_of(vf, "2012-11-20")
    assert (early["stage"], early["certainty"], early["possibly"]) == ("expert_talks", "certain", None)
    # inside the move's span: expert talks for certain, internal approval possibly
    inside = _show_as_of(vf, "2012-11-30")
    assert (inside["stage"], inside["certainty"], inside["possibly"]) == (
        "expert_talks",
        "certain",
        "internal_approval",
    )
    assert (
        "possibly internal_approval — entered between 24 November and 31 December 2012" in (inside["stage_since_label"])
    )
    after = _show_as_of(vf, "2013-01-02")
    assert (after["stage"], after["possibly"]) == ("internal_approval", None)


def test_as_of_before_an_uncertain_opening_is_possible_not_certain(db, cli):
    ok(cli(*VF, "--on", "<=2016-11-23", "--stage", "expert_talks", at=NOW))
    shown = _show_as_of(cli, "2016-11-22")
    assert (shown["stage"], shown["certainty"], shown["possibly"]) == (None, "possible", "expert_talks")
    assert shown["stage_since_label"] == "expert_talks, possibly — entered no later than 23 November 2016"


def test_as_of_before_the_history_starts_says_so(db, cli):
    ok(cli(*VF, "--on", "2016-10-10", "--stage", "signing", at=NOW))
    shown = _show_as_of(cli, "2016-01-01")
    assert (shown["stage"], shown["certainty"]) == (None, "not_yet_recorded")
    assert shown["stage_since_label"] == "not yet recorded (the history starts 2016-10-10)"
