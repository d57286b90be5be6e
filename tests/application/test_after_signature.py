"""After signature through the command line, on SQLite and PostgreSQL (issue
14): the entry-into-force rule recorded as history, the date `show` computes
from the parties' acts or who blocks it, an entry into force on another
date refused without a reason, a protocol never in force before its base, a
non-binding instrument approved and never in force, and the seed's answers."""

from __future__ import annotations

import json
from datetime import date

import pytest

from tests.support import database_rows, ok, refused

NOW = date(2026, 11, 30)


def _show(cli, code: str, *options: str) -> dict:
    return json.loads(ok(cli("show", code, "--format", "json", *options, at=NOW)))


def _verified(cli) -> None:
    out = ok(cli("verify", at=NOW))
    assert "intact" in out and "Every row matches its history" in out


def _notified(cli, code: str = "RA-CHE") -> None:
    ok(
        cli(
            "act",
            code,
            "--party",
            "AZE",
            "--kind",
            "approval",
            "--on",
            "2017-01-20",
            "--instrument",
            "Law No. 500-VQ",
            at=NOW,
        )
    )
    ok(
        cli(
            "act",
            code,
            "--party",
            "AZE",
            "--kind",
            "notification",
            "--on",
            "2017-02-01",
            "--received",
            "2017-02-03",
            at=NOW,
        )
    )
    ok(cli("act", code, "--party", "CHE", "--kind", "approval", "--on", "unknown", at=NOW))
    ok(
        cli(
            "act",
            code,
            "--party",
            "CHE",
            "--kind",
            "notification",
            "--on",
            "2017-03-01",
            "--received",
            "2017-03-03",
            at=NOW,
        )
    )


# --------------------------------------------------------------------------- the seed's answers


def test_the_seed_says_who_blocks_and_when_it_entered_into_force(seeded, cli):
    mc_rus = _show(cli, "MC-RUS")
    assert [b["en"] for b in mc_rus["entry_into_force"]["waiting_for"]][:3] == [
        "AZE approval",
        "notification from AZE",
        "notification from RUS",
    ]
    assert "waiting for: AZE approval; notification from AZE; notification from RUS" in ok(
        cli("show", "MC-RUS", at=NOW)
    )
    assert "gözlənilir: təsdiq (AZE); bildiriş (AZE); bildiriş (RUS)" in ok(
        cli("show", "MC-RUS", "--lang", "az", at=NOW)
    )
    ra_che = _show(cli, "RA-CHE")
    assert ra_che["signed_on"] == "2016-10-10"
    assert ra_che["entry_into_force"]["sentence_en"].startswith(
        "waiting for: AZE approval; notification from AZE; notification from CHE"
    )
    assert [(r["party"], r["signature"]) for r in ra_che["parties_table"]] == [
        ("AZE", "2016-10-10"),
        ("CHE", "2016-10-10"),
    ]


def test_the_seed_records_ra_eus_acts_from_the_public_record(seeded, cli):
    ra_eu = _show(cli, "RA-EU")
    assert ra_eu["entry_rule"] == "first-day-of-month-after-last-notification:2"
    assert (ra_eu["stage"], ra_eu["in_force_on"], ra_eu["signed_on"]) == ("in_force", "2014-09-01", "2014-02-28")
    rows = {r["party"]: r for r in ra_eu["parties_table"]}
    assert rows["EU"]["approval"] == "approval 2014-04-14 (Council Decision 2014/239/EU)"
    assert rows["AZE"]["approval"] == "approval date unknown"  # implied by the entry into force, never invented
    assert rows["AZE"]["notification_received"] == "no later than 31 July 2014"
    assert rows["EU"]["in_force"] == rows["AZE"]["in_force"] == "2014-09-01"
    history = json.loads(ok(cli("history", "RA-EU", "--format", "json", at=NOW)))["history"]
    for event in history:
        if event["kind"] in ("act", "entry_rule"):
            assert event["source"] and ("L 128" in event["source"] or "Council" in event["source"]), event
    # the acts as recorded bound the date the rule gives, and 1 September 2014 lies within
    ok(cli("retract", "RA-EU", "14", "--reason", "check the computation", at=NOW))
    assert _show(cli, "RA-EU")["entry_into_force"]["sentence_en"] == (
        "expected in force between 1 June and 1 September 2014 (first day of the 2nd month after the last "
        "notification, received between 14 April and 31 July 2014)"
    )


def test_the_seed_approves_the_mobility_partnership_never_in_force(seeded, cli):
    mp_eu = _show(cli, "MP-EU")
    assert (mp_eu["stage"], mp_eu["in_force_on"], mp_eu["binding"]) == ("approved", None, False)
    assert mp_eu["entry_into_force"] is None
    assert len(mp_eu["parties_table"]) == 10 and mp_eu["parties_table"][0]["approval"].endswith("No. 312)")
    assert "no: it is approved, never in force" in ok(cli("show", "MP-EU", at=NOW))
    assert "təsdiq edilib" in ok(cli("show", "MP-EU", "--lang", "az", at=NOW))


# --------------------------------------------------------------------------- the rule and the computed date


def test_the_rule_is_history_and_show_computes_the_date(seeded, cli):
    _notified(cli)
    out = ok(
        cli("entry-rule", "RA-CHE", "days-after-last-notification:30", "--on", "2016-10-10", "--ref", "Art. 20", at=NOW)
    )
    assert out == "RA-CHE: entry-into-force rule days-after-last-notification:30 recorded as #7.\n"
    shown = _show(cli, "RA-CHE")
    assert shown["entry_rule"] == "days-after-last-notification:30"
    assert shown["entry_into_force"]["status"] == "expected" and shown["entry_into_force"]["on"] == "2017-04-02"
    assert "expected in force on 2 April 2017 (the 30th day after the last notification, received 3 March 2017)" in ok(
        cli("show", "RA-CHE", at=NOW)
    )
    assert "qüvvəyə minməsi gözlənilir: 2 aprel 2017-ci il" in ok(cli("show", "RA-CHE", "--lang", "az", at=NOW))
    # a later rule supersedes it; retracting that one brings the first back (append-only, replayed)
    ok(cli("entry-rule", "RA-CHE", "first-day-of-month-after-last-notification:2", "--on", "2016-10-10", at=NOW))
    assert _show(cli, "RA-CHE")["entry_into_force"]["on"] == "2017-05-01"
    ok(cli("retract", "RA-CHE", "8", "--reason", "the rule of another draft", at=NOW))
    assert _show(cli, "RA-CHE")["entry_rule"] == "days-after-last-notification:30"
    _verified(cli)


def test_entry_into_force_on_another_date_needs_a_reason(seeded, cli):
    _notified(cli)
    ok(cli("entry-rule", "RA-CHE", "days-after-last-notification:30", "--on", "2016-10-10", at=NOW))
    before = database_rows(seeded)
    refused(
        cli("advance", "RA-CHE", "--to", "in_force", "--on", "2017-04-01", at=NOW),
        "RA-CHE is expected in force on 2 April 2017",
        "not on 2017-04-01",
        "--reason",
    )
    assert database_rows(seeded) == before
    ok(
        cli(
            "advance",
            "RA-CHE",
            "--to",
            "in_force",
            "--on",
            "2017-04-01",
            "--reason",
            "the notes fixed 1 April",
            at=NOW,
        )
    )
    history = json.loads(ok(cli("history", "RA-CHE", "--format", "json", at=NOW)))["history"]
    assert history[-1]["to"] == "in_force" and history[-1]["reason"] == "the notes fixed 1 April"
    _verified(cli)


def test_the_computed_date_is_accepted_without_a_reason(seeded, cli):
    _notified(cli)
    ok(cli("entry-rule", "RA-CHE", "days-after-last-notification:30", "--on", "2016-10-10", at=NOW))
    ok(cli("advance", "RA-CHE", "--to", "in_force", "--on", "2017-04-02", at=NOW))
    assert _show(cli, "RA-CHE")["entry_into_force"]["status"] == "in_force"


def test_entry_into_force_while_waiting_needs_a_reason(seeded, cli):
    ok(cli("entry-rule", "RA-CHE", "on-last-notification", "--on", "2016-10-10", at=NOW))
    refused(
        cli("advance", "RA-CHE", "--to", "in_force", "--on", "2017-04-01", at=NOW),
        "waiting for: AZE approval; notification from AZE; notification from CHE",
    )
    refused(
        cli("advance", "RA-CHE", "--to", "draft", "--reason", "x", at=NOW),
        "--reason is for an entry into force",
        exit_code=2,
    )


def test_a_protocol_never_enters_into_force_before_its_base(seeded, cli):
    ok(
        cli(
            "add",
            "IP-CHE",
            "--kind",
            "implementing_protocol",
            "--party",
            "CHE",
            "--parent",
            "RA-CHE",
            "--title-az",
            "İcra Protokolu",
            "--title-en",
            "Implementing Protocol",
            "--on",
            "2016-10-10",
            "--stage",
            "mfa",
            at=NOW,
        )
    )
    ok(cli("sign", "IP-CHE", "--on", "2016-10-10", at=NOW))
    before = database_rows(seeded)
    refused(
        cli("advance", "IP-CHE", "--to", "in_force", "--on", "2017-01-01", "--reason", "any", at=NOW),
        "cannot enter into force before its base agreement RA-CHE (not yet in force)",
    )
    assert database_rows(seeded) == before
    assert "RA-CHE in force (its base agreement)" in _show(cli, "IP-CHE")["entry_into_force"]["sentence_en"]
    _notified(cli)
    ok(cli("advance", "RA-CHE", "--to", "in_force", "--on", "2017-04-02", at=NOW))
    refused(
        cli("advance", "IP-CHE", "--to", "in_force", "--on", "2017-04-01", at=NOW), "in force only since 2017-04-02"
    )
    ok(cli("advance", "IP-CHE", "--to", "in_force", "--on", "2017-04-02", at=NOW))


def test_a_wrong_rule_is_refused_in_one_line(seeded, cli):
    before = database_rows(seeded)
    refused(cli("entry-rule", "RA-CHE", "days-after-last-notification", at=NOW), "needs a number from 1 to 3650")
    refused(cli("entry-rule", "RA-CHE", "whenever", at=NOW), "unknown entry-into-force rule 'whenever'")
    assert database_rows(seeded) == before


# --------------------------------------------------------------------------- binding or not


def test_a_non_binding_instrument_is_approved_and_a_binding_one_enters_into_force(seeded, cli):
    ok(
        cli(
            "add",
            "MOU-GEO",
            "--kind",
            "memorandum",
            "--party",
            "GEO",
            "--title-az",
            "Anlaşma memorandumu",
            "--title-en",
            "Memorandum of understanding",
            "--on",
            "2016-05-02",
            "--stage",
            "mfa",
            at=NOW,
        )
    )
    ok(cli("sign", "MOU-GEO", "--on", "2016-06-01", at=NOW))
    refused(
        cli("advance", "MOU-GEO", "--to", "in_force", "--on", "2016-07-01", at=NOW),
        "not legally binding",
        "--to approved",
    )
    out = ok(cli("advance", "MOU-GEO", "--on", "2016-07-01", at=NOW))  # the next stage of a memorandum
    assert out.startswith("MOU-GEO: signing -> approved on 2016-07-01.")
    refused(cli("advance", "RA-CHE", "--to", "approved", at=NOW), "RA-CHE is a binding readmission", "--to in_force")
    _verified(cli)


def test_a_memorandum_made_binding_by_its_rule_enters_into_force(seeded, cli):
    ok(
        cli(
            "add",
            "MOU-KAZ",
            "--kind",
            "memorandum",
            "--party",
            "KAZ",
            "--title-az",
            "Memorandum",
            "--title-en",
            "Memorandum",
            "--on",
            "2016-05-02",
            "--stage",
            "mfa",
            at=NOW,
        )
    )
    ok(cli("sign", "MOU-KAZ", "--on", "2016-06-01", at=NOW))
    ok(cli("entry-rule", "MOU-KAZ", "on-signature", "--binding", "--on", "2016-06-01", at=NOW))
    assert _show(cli, "MOU-KAZ")["entry_into_force"]["sentence_en"] == (
        "expected in force on 1 June 2016 (on signature, 1 June 2016)"
    )
    ok(cli("advance", "MOU-KAZ", "--to", "in_force", "--on", "2016-06-01", at=NOW))
    _verified(cli)


@pytest.mark.parametrize("fmt", ["text", "mermaid"])
def test_the_workflow_shows_both_ends(cli, fmt):
    out = ok(cli("workflow", "--format", fmt))
    assert "in_force" in out and "approved" in out
    if fmt == "mermaid":
        assert "in_force --> [*]" in out and "approved --> [*]" in out
