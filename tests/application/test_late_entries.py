"""Late documents and whose move it was (issue 13, items 5 and 6): a note or
round may be filed with its real date back to the opening, checked against
the history as it stood on that day; a late entry never moves a stage nor
resets today's stall clock; an entry without --awaiting changes nobody's move,
and "whose move" on a past day comes from the events that set it."""

from __future__ import annotations

import json
from datetime import date

from tests.support import ok, refused

NOW = date(2026, 11, 30)


def _show(cli, code: str, *options: str) -> dict:
    return {"agreement": json.loads(ok(cli("show", code, "--format", "json", *options)))}


def _open_vf(cli, in_force: bool = True) -> None:
    ok(
        cli(
            "add",
            "VF-EU",
            "--title-az",
            "Vizalar haqqında Saziş",
            "--title-en",
            "Visa facilitation agreement",
            "--kind",
            "other",
            "--party",
            "EU",
            "--on",
            "2012-03-01",
            "--stage",
            "expert_talks",
            "--awaiting",
            "counterpart",
            at=NOW,
        )
    )
    ok(cli("round", "VF-EU", "--on", "2012-11-20", "--until", "2012-11-21", "--place", "Brussels", at=NOW))
    ok(cli("advance", "VF-EU", "--to", "internal_approval", "--on", "2013-06-01", "--awaiting", "us", at=NOW))
    ok(cli("advance", "VF-EU", "--to", "mfa", "--on", "2013-09-01", at=NOW))
    if not in_force:
        return
    ok(cli("sign", "VF-EU", "--on", "2013-11-29", at=NOW))
    ok(cli("advance", "VF-EU", "--to", "in_force", "--on", "2014-09-01", at=NOW))


def test_a_letter_found_later_is_filed_with_its_real_date(db, cli):
    _open_vf(cli)
    before = _show(cli, "VF-EU")["agreement"]
    ok(cli("note", "VF-EU", "Commission letter of 1 August 2014", "--on", "2014-08-01", at=NOW))
    after = _show(cli, "VF-EU")["agreement"]
    assert (after["stage"], after["stage_since"], after["awaiting"]) == (
        before["stage"],
        before["stage_since"],
        before["awaiting"],
    )
    dates = [e["on"] for e in json.loads(ok(cli("history", "VF-EU", "--format", "json")))["history"]]
    assert dates.index("2014-08-01") == dates.index("2014-09-01") - 1


def test_nothing_is_filed_before_the_opening(db, cli):
    _open_vf(cli)
    refused(cli("note", "VF-EU", "too early", "--on", "2011-12-01", at=NOW), "opens on 2012-03-01")
    refused(cli("note", "VF-EU", "too early", "--on", "2011", at=NOW), "opens on 2012-03-01", "2011")


def test_a_late_round_is_checked_against_the_stage_of_its_day(db, cli):
    _open_vf(cli)
    ok(cli("round", "VF-EU", "--on", "2012-06-12", "--until", "2012-06-13", "--place", "Bakı", at=NOW))
    refused(
        cli("round", "VF-EU", "--on", "2013-07-10", "--place", "Bakı", at=NOW), "was in internal_approval on 2013-07-10"
    )
    shown = _show(cli, "VF-EU")["agreement"]
    assert shown["stage"] == "in_force"


def test_a_late_round_does_not_restart_todays_stall_clock(db, cli):
    _open_vf(cli, in_force=False)
    before = json.loads(ok(cli("stalled", "--format", "json", "--all", at=NOW)))
    assert [row["code"] for row in before] == ["VF-EU"]
    ok(cli("round", "VF-EU", "--on", "2012-06-12", "--place", "Bakı", at=NOW))
    after = json.loads(ok(cli("stalled", "--format", "json", "--all", at=NOW)))
    assert before == after


def test_a_back_dated_note_without_awaiting_does_not_restate_whose_move_it_was(db, cli):
    _open_vf(cli)
    # on 2012-06-01 the counterpart held the move (set at the opening)
    assert _show(cli, "VF-EU", "--as-of", "2012-06-01")["agreement"]["awaiting"] == "counterpart"
    ok(cli("note", "VF-EU", "Minutes of a call", "--on", "2012-05-15", at=NOW))
    assert _show(cli, "VF-EU", "--as-of", "2012-06-01")["agreement"]["awaiting"] == "counterpart"
    # one that names a holder sets it from its day on
    ok(cli("note", "VF-EU", "We owe them a draft", "--on", "2012-05-20", "--awaiting", "us", at=NOW))
    assert _show(cli, "VF-EU", "--as-of", "2012-06-01")["agreement"]["awaiting"] == "us"
    assert _show(cli, "VF-EU", "--as-of", "2012-05-16")["agreement"]["awaiting"] == "counterpart"
